"""The typing context of one parse: declared and inferred shapes, unknown
dimensions and their names, and errors that point into the source.

One Context serves a main expression and its --let definitions, so that they
share variables and dimensions; ``source`` is the text being worked on.
"""
from __future__ import annotations

from typing import Dict, Optional

from ..dims import dim_mul, shape_text
from ..errors import ShapeError
from ..expr import SCALAR
from .convention import convention, dim_name_pool, sized_identity
from .shape_spec import DIM_NAME, checked_shape
from .tree import Syn
from .unify import DimVar, Unifier


class Context:
    def __init__(self, source: str, shapes: Optional[dict], functions=()):
        self.source = source
        self.u = Unifier()
        self.declared = {name: checked_shape(name, s) for name, s in (shapes or {}).items()}
        self.functions = set(functions)
        self.lets: set = set()  # the names of --let definitions
        self.used_functions: set = set()
        self.vars: Dict[str, tuple] = {}
        self.var_exprs: dict = {}  # name -> Var, built once per name by lowering
        self.dim_names: Dict[DimVar, str] = {}
        self.literal_dims: set = set()  # dimension names written in the source: ones(n), I_n, K_{m,n}

    def var_shape(self, name: str):
        if name not in self.vars:
            if name in self.declared:
                self.vars[name] = self.declared[name]
            else:
                kind = convention(name)
                u = self.u
                self.vars[name] = {"scalar": SCALAR, "vector": (u.fresh(), 1),
                                   "matrix": (u.fresh(), u.fresh())}[kind]
        return self.vars[name]

    def text(self, node: Syn) -> str:
        t = " ".join(self.source[node.start : node.end].split())
        return t if len(t) <= 30 else t[:27] + "..."

    def shape_str(self, shape) -> str:
        return shape_text(tuple(self.name_dim(d) for d in shape))

    def shape(self, node: Syn) -> tuple:
        """The inferred shape of node, every dimension resolved and named."""
        return tuple(self.name_dim(d) for d in node.info["shape"])

    def name_dim(self, d):
        d = self.u.resolve(d)
        if isinstance(d, DimVar):
            if d not in self.dim_names:
                # names are handed out in order, never twice, never a variable's
                used = (set(self.vars) | _declared_dims(self.declared) | self.literal_dims)
                if not hasattr(self, "_pool"):
                    self._pool = dim_name_pool()
                self.dim_names[d] = next(n for n in self._pool if n not in used)
            return self.dim_names[d]
        if isinstance(d, tuple):
            out = 1
            for f in d[1:]:
                out = dim_mul(out, self.name_dim(f))
            return out
        return d

    def error(self, node: Syn, message: str):
        return ShapeError(message, self.source, node.pos)

    def hint(self, *nodes: Syn) -> str:
        for n in nodes:
            if self._undeclared(n):
                return f" ({n.value} is a {convention(n.value)} by the naming convention; declare it with --shape {n.value}=...)"
        for n in nodes:
            name = next((a.value for a in n.args if self._undeclared(a)), None) if n.op == "call" else None
            if n.value == "kron" and name:
                return (f" (matcalc does not infer the sizes of the factors of {self.text(n)} from its own: "
                        f"declare them, e.g. --shape {name}=...)")
        return ""

    def hint_within(self, node: Syn) -> str:
        """The naming-convention hint for the first undeclared vector or
        matrix name inside node (1/(2 m): m is a vector), else ''."""
        stack = [node]
        while stack:
            n = stack.pop()
            if self._undeclared(n) and convention(n.value) != "scalar":
                return self.hint(n)
            stack.extend(reversed([a for a in n.args if isinstance(a, Syn)]))
        return ""

    def _undeclared(self, n: Syn) -> bool:
        return n.op == "name" and n.value not in self.declared and n.value != "I" and not sized_identity(n.value)

    # --- dimensions written in the source: I_{m*n}, K_{m,n}, ones(n), unvec(v, m, n)

    def dim_text(self, node: Syn, text: str):
        """A dimension written as text: a name, a positive integer, or a product m*n."""
        out = 1
        for part in text.split("*"):
            part = part.strip()
            if part.isdigit() and int(part) >= 1:
                out = dim_mul(out, int(part))
            elif DIM_NAME.fullmatch(part):
                self.literal_dims.add(part)
                out = dim_mul(out, part)
            else:
                raise self.error(node, f"{part!r} is not a dimension: write a name or a positive integer")
        return out

    def sized_dims(self, node: Syn):
        """The dimensions of I_{n} (one) or K_{m,n} (two)."""
        letter, inner = node.value[0], node.value[3:-1]
        dims = [self.dim_text(node, part) for part in inner.split(",")]
        want = 1 if letter == "I" else 2
        if len(dims) != want:
            raise self.error(node, f"{letter}_{{...}} takes {want} dimension{'s' if want > 1 else ''}, got {len(dims)}")
        return dims

    def dim_arg(self, node: Syn):
        """A dimension argument of ones or unvec: a name, a positive integer, or
        a product of those (ones(m*n), as the printers write a vec's length)."""
        if node.op == "number" and node.value.denominator == 1 and node.value >= 1:
            return int(node.value)
        if node.op == "name":
            self.literal_dims.add(node.value)
            return node.value
        if node.op == "mul":
            return dim_mul(self.dim_arg(node.args[0]), self.dim_arg(node.args[1]))
        raise self.error(node, "a dimension must be a name, a positive integer or a product of those")


def _declared_dims(declared):
    return {d for s in declared.values() for d in s if isinstance(d, str)}
