"""Syntax tree -> canonical expression, with shapes inferred and unified.

Two passes.  ``infer`` gives every node a shape whose dimensions are ints,
declared names or unification variables, and reports a mismatch at the
operator with both shapes.  ``lower`` then builds the expression through
``build`` with every dimension resolved.

Naming convention for undeclared names (the seed answers' convention):
lowercase Latin -> column vector, uppercase -> matrix, Greek (spelled out or
Unicode) -> scalar, ``I`` -> identity of inferred size.
"""
from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Dict, Optional

from . import build
from .dims import dim_mul, shape_text
from .errors import MatcalcError, NameError_, NumericError, ShapeError, UsageError
from .expr import SCALAR, DimProd, Expr, Var
from .functions import BUILTIN, TABLE, split_primes
from .parser import Syn

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron pi rho sigma tau upsilon phi varphi chi psi omega"
).split()
_GREEK_STEM = re.compile(r"^(%s)(\d+|_\w*)?$" % "|".join(sorted(GREEK, key=len, reverse=True)))
ELEMENTWISE = set(BUILTIN)
DIM_NAMES = "n m p q r s k l t u v a b c d e".split()
GENERIC_FUNCTIONS = ("sigma", "σ", "f", "g")  # generic element-wise functions when written f(Z)


def convention(name: str) -> str:
    """'scalar', 'vector' or 'matrix' for an undeclared name."""
    first = name[0]
    if _GREEK_STEM.match(name):
        return "scalar"
    if "GREEK" in unicodedata.name(first, ""):  # Σ and Λ are matrices, as Sigma and Lambda are
        return "matrix" if first.isupper() else "scalar"
    if first.isupper():
        return "matrix"
    return "vector"


def parse_dims(spec: str):
    """'scalar' | 'n' | 'm,n' -> a shape of names and ints."""
    text = spec.strip()
    if text == "scalar":
        return SCALAR
    parts = [p.strip() for p in re.split(r",|×|(?<=\d)\s*x\s*(?=\d)", text) if p.strip()] if text else []
    if not 1 <= len(parts) <= 2:
        raise UsageError(f"shape {spec!r}: give 'scalar', one dimension (n) or two (m,n)")
    dims = []
    for p in parts:
        if p.isdigit():
            if int(p) < 1:
                raise UsageError(f"shape {spec!r}: dimensions must be positive")
            dims.append(int(p))
        elif re.fullmatch(r"[A-Za-z]\w*", p):
            dims.append(p)
        else:
            raise UsageError(f"shape {spec!r}: {p!r} is not a dimension name or positive integer")
    return (dims[0], 1) if len(dims) == 1 else tuple(dims)


# --- unification ------------------------------------------------------------


class DimVar:
    """An unknown dimension; never 1 (a matrix is not a vector by accident)."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def __repr__(self):
        return f"?{self.id}"


class Unifier:
    def __init__(self):
        self.parent: Dict[DimVar, object] = {}
        self.count = 0

    def fresh(self) -> DimVar:
        self.count += 1
        return DimVar(self.count)

    def find(self, d):
        while isinstance(d, DimVar) and d in self.parent:
            d = self.parent[d]
        return d

    def resolve(self, d):
        d = self.find(d)
        if isinstance(d, tuple):
            return self._product([self.resolve(f) for f in d[1:]])
        return d

    def unify(self, a, b) -> bool:
        a, b = self.resolve(a), self.resolve(b)
        if a is b or a == b:
            return True
        if isinstance(a, DimVar) or isinstance(b, DimVar):
            var, other = (a, b) if isinstance(a, DimVar) else (b, a)
            if other == 1 or (isinstance(other, tuple) and var in other[2:]):
                return False  # n = n * m needs m = 1, which an unknown never is
            self.parent[var] = other
            return True
        if isinstance(a, tuple) != isinstance(b, tuple):  # 3 * ?1 = 12, ?1 * ?1 = n*n
            prod, other = (a, b) if isinstance(a, tuple) else (b, a)
            return self._solve(prod, other)
        if isinstance(a, tuple) and a[1] == b[1] and len(a) == len(b) == 3:  # k * ?1 = k * ?2
            return self.unify(a[2], b[2])
        return False

    def _solve(self, prod, other) -> bool:
        """("*", known, v, ..., v) = other, a known dimension: v = (other / known)^(1/k)."""
        known, unknowns = prod[1], prod[2:]
        if len(set(unknowns)) != 1:
            return False
        quotient = _dim_quotient(other, known)
        root = None if quotient is None else _dim_root(quotient, len(unknowns))
        if root is None or root == 1:
            return False
        self.parent[unknowns[0]] = root
        return True

    def product(self, a, b):
        return self._product([self.resolve(a), self.resolve(b)])

    @staticmethod
    def _product(factors):
        """A product in normal form: a dimension when every factor is known,
        else ("*", known part, unknowns in creation order), flattened, so that
        equal products compare equal (kron(A, B) and A ⊗ B have one shape)."""
        known, unknown = 1, []
        for f in factors:
            for part in f[1:] if isinstance(f, tuple) else (f,):
                if isinstance(part, DimVar):
                    unknown.append(part)
                else:
                    known = dim_mul(known, part)
        if not unknown:
            return known
        unknown.sort(key=lambda v: v.id)
        if known == 1 and len(unknown) == 1:
            return unknown[0]
        return ("*", known) + tuple(unknown)


def _dim_parts(d):
    """A known dimension as (integer factor, {name: multiplicity})."""
    number, names = 1, {}
    for f in d.factors if isinstance(d, DimProd) else (d,):
        if isinstance(f, int):
            number *= f
        else:
            names[f] = names.get(f, 0) + 1
    return number, names


def _dim_of_parts(number, names) -> object:
    out = number
    for name in sorted(names):
        for _ in range(names[name]):
            out = dim_mul(out, name)
    return out


def _dim_quotient(a, b):
    """a / b for known dimensions, or None when b does not divide a."""
    (na, ca), (nb, cb) = _dim_parts(a), _dim_parts(b)
    if na % nb or any(ca.get(k, 0) < v for k, v in cb.items()):
        return None
    return _dim_of_parts(na // nb, {k: v - cb.get(k, 0) for k, v in ca.items() if v - cb.get(k, 0)})


def _dim_root(d, k: int):
    """The k-th root of a known dimension (n*n -> n, 9 -> 3), or None."""
    number, names = _dim_parts(d)
    root = round(number ** (1 / k))
    root = next((r for r in (root - 1, root, root + 1) if r >= 1 and r ** k == number), None)
    if root is None or any(v % k for v in names.values()):
        return None
    return _dim_of_parts(root, {name: v // k for name, v in names.items()})


# --- inference ----------------------------------------------------------------


class Context:
    def __init__(self, source: str, shapes: Optional[dict], functions=()):
        self.source = source
        self.u = Unifier()
        self.declared = {name: _checked_shape(name, s) for name, s in (shapes or {}).items()}
        self.functions = set(functions)
        self.used_functions: set = set()
        self.vars: Dict[str, tuple] = {}
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

    def name_dim(self, d):
        d = self.u.resolve(d)
        if isinstance(d, DimVar):
            if d not in self.dim_names:
                # names are handed out in order, never twice, never a variable's
                used = (set(self.vars) | _declared_dims(self.declared) | self.literal_dims)
                if not hasattr(self, "_pool"):
                    self._pool = _dim_name_pool()
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

    def _undeclared(self, n: Syn) -> bool:
        return n.op == "name" and n.value not in self.declared and n.value != "I" and not sized_identity(n.value)


def _binding_hint(ctx, node: Syn) -> str:
    """x .* A x is (x .* A) x: .* and ./ bind like a product, left to right.
    When an operand follows the right one directly, say so."""
    if node.op not in ("hadamard", "ediv"):
        return ""
    after = ctx.source[node.end:].lstrip()
    if not after or not (after[0].isalpha() or after[0] == "("):
        return ""
    depth, end = 0, 0
    for end, ch in enumerate(after + ")"):  # the rest of the product: up to a sum, a comma or a closing parenthesis
        depth += (ch == "(") - (ch == ")")
        if depth < 0 or depth == 0 and ch in "+-,:":
            break
    rest = " ".join(after[:end].split())
    op = ".*" if node.op == "hadamard" else "./"
    left, right = ctx.text(node.args[0]), ctx.text(node.args[1])
    return (f" ({left} {op} {right} {rest} is ({left} {op} {right}) {rest}: {op} binds like a product, "
            f"left to right; write {left} {op} ({right} {rest}))")


def _call_hint(left: Syn, right: Syn) -> str:
    """foo(x), with the parenthesis touching the name, reads as a product; the
    user probably meant a function."""
    if left.op == "name" and right.op == "paren" and right.pos == left.pos + len(left.value):
        return (f" ({left.value}(...) is a product here: {left.value} is no built-in function; "
                f"declare an element-wise function with --function {left.value})")
    return ""


def _checked_dim(d) -> bool:
    if isinstance(d, DimProd):
        return all(_checked_dim(f) for f in d.factors)
    if isinstance(d, bool):
        return False
    if isinstance(d, int):
        return d >= 1
    return isinstance(d, str) and re.fullmatch(r"[A-Za-z]\w*", d) is not None


def _checked_shape(name, shape) -> tuple:
    """A declared shape (from the API, a tuple of anything): two dimensions,
    each a positive integer or a name, since names end up in generated code."""
    shape = tuple(shape)
    if len(shape) != 2 or not all(_checked_dim(d) for d in shape):
        raise UsageError(f"shape of {name}: {shape!r} is not one or two dimensions, "
                         "each a name or a positive integer")
    return shape


def _declared_dims(declared):
    return {d for s in declared.values() for d in s if isinstance(d, str)}


def _dim_name_pool():
    yield from DIM_NAMES
    i = 1
    while True:
        yield f"n{i}"
        i += 1


def is_scalar(shape) -> bool:
    return shape[0] == 1 and shape[1] == 1


# Operators whose first operand nests without parentheses: a left-nested sum
# or product, a run of unary minus or of postfix operators.  Inference and
# lowering walk such a spine in a loop, deepest node first, so that a product
# of 5,000 factors or 10,000 transposes needs no deep recursion.
SPINE = frozenset(("add", "sub", "juxt", "mul", "div", "hadamard", "ediv", "kronop", "neg",
                   "transpose", "inverse", "inverse_transpose", "power", "epower"))


def _spine(node: Syn, key: str) -> list:
    """The first-operand descendants of node along SPINE without info[key], outermost first."""
    out = []
    n = node.args[0] if node.op in SPINE else None
    while n is not None and n.op in SPINE and key not in n.info:
        out.append(n)
        n = n.args[0]
    return out


def infer(node: Syn, ctx: Context):
    """Annotate node.info['shape'] (and decisions) bottom-up; return the shape."""
    shape = node.info.get("shape")
    if shape is None:
        for n in reversed(_spine(node, "shape")):
            n.info["shape"] = _infer(n, ctx)
        shape = node.info["shape"] = _infer(node, ctx)
    return shape


def _unify_or(ctx, node, a, b, message):
    if not ctx.u.unify(a, b):
        raise ctx.error(node, message)


def _infer(node: Syn, ctx: Context):
    op = node.op
    u = ctx.u
    if op == "name":
        name = node.value
        if name == "I" and "I" not in ctx.declared:
            n = u.fresh()
            return (n, n)
        if name not in ctx.declared and sized_identity(name):  # I_n: the n x n identity
            d = _dim_text(ctx, node, name[2:])
            return (d, d)
        if name in ctx.functions:
            raise NameError_(f"{name} is a function; call it as {name}(...)", ctx.source, node.pos)
        return ctx.var_shape(name)
    if op == "number":
        return SCALAR
    if op == "sized":
        dims = _sized_dims(ctx, node)
        n = dims[0] if len(dims) == 1 else dim_mul(*dims)
        return (n, n)
    if op == "paren":
        return infer(node.args[0], ctx)
    if op == "neg":
        return infer(node.args[0], ctx)
    if op in ("add", "sub", "hadamard", "ediv"):
        a, b = (infer(x, ctx) for x in node.args)
        if is_scalar(a):
            return b
        if is_scalar(b):
            return a
        verb = {"add": "add", "sub": "subtract", "hadamard": "multiply element-wise",
                "ediv": "divide element-wise"}[op]
        ok = u.unify(a[0], b[0]) and u.unify(a[1], b[1])
        if not ok:
            raise ctx.error(node, f"cannot {verb} {ctx.text(node.args[0])} ({ctx.shape_str(a)}) and "
                                  f"{ctx.text(node.args[1])} ({ctx.shape_str(b)})"
                                  + (_binding_hint(ctx, node) or ctx.hint(*node.args)))
        return a
    if op in ("juxt", "mul"):
        left, right = node.args
        a, b = infer(left, ctx), infer(right, ctx)
        if is_scalar(a):
            node.info["scalar"] = "left"
            return b
        if is_scalar(b):
            node.info["scalar"] = "right"
            return a
        if not u.unify(a[1], b[0]):
            raise ctx.error(node, f"cannot multiply {ctx.text(left)} ({ctx.shape_str(a)}) by "
                                  f"{ctx.text(right)} ({ctx.shape_str(b)}): inner dimensions differ"
                                  + (_call_hint(left, right) or ctx.hint(left, right)))
        return (a[0], b[1])
    if op == "div":
        a, b = (infer(x, ctx) for x in node.args)
        if not is_scalar(b):
            raise ctx.error(node, f"cannot divide by {ctx.text(node.args[1])} ({ctx.shape_str(b)}): "
                                  "only by a scalar; use inv(...) or ./ for element-wise division")
        return a
    if op == "kronop":
        a, b = (infer(x, ctx) for x in node.args)
        return (u.product(a[0], b[0]), u.product(a[1], b[1]))
    if op == "frob":
        a, b = (infer(x, ctx) for x in node.args)
        if not (u.unify(a[0], b[0]) and u.unify(a[1], b[1])):
            raise ctx.error(node, f"Frobenius product needs equal shapes: {ctx.text(node.args[0])} "
                                  f"({ctx.shape_str(a)}) : {ctx.text(node.args[1])} ({ctx.shape_str(b)})")
        return SCALAR
    if op == "transpose":
        a = infer(node.args[0], ctx)
        return (a[1], a[0])
    if op in ("inverse", "inverse_transpose"):
        a = infer(node.args[0], ctx)
        _square(ctx, node, node.args[0], a, "invert")
        return a
    if op == "power":
        a = infer(node.args[0], ctx)
        e = node.value
        if e == "T":
            return (a[1], a[0])
        if is_scalar(a):
            if e == "-T":
                return a
            return a
        if e == "-T":
            _square(ctx, node, node.args[0], a, "invert")
            return a
        if e.denominator != 1:
            raise ctx.error(node, f"{ctx.text(node.args[0])} ({ctx.shape_str(a)}) is a matrix: a fractional "
                                  "power is not supported; use .^ for an element-wise power")
        _square(ctx, node, node.args[0], a, "raise to a power")
        return a
    if op == "epower":
        a = infer(node.args[0], ctx)
        if node.value in ("T", "-T"):
            raise ctx.error(node, "an element-wise power needs a number, not T")
        return a
    if op == "call":
        return _infer_call(node, ctx)
    if op == "gcall":
        ctx.used_functions.add(node.value.rstrip("'"))
        return infer(node.args[0], ctx)
    raise AssertionError(op)


DESCEND = ("juxt", "mul", "div", "hadamard", "ediv", "kronop", "neg")


def rewrite_calls(node: Syn, ctx) -> Syn:
    """Turn ``... f (Z)`` products into calls f(Z) of generic element-wise
    functions (see _generic_call).  The left operand of a product with a
    parenthesis may end in the function name: A sigma(Z) W parses as
    ((A sigma) (Z)) W, so the name is looked for at the right end of the left side."""
    stack, order = [node], []
    while stack:  # post-order without recursion
        n = stack.pop()
        order.append(n)
        stack.extend(a for a in n.args if isinstance(a, Syn))
    for n in reversed(order):
        n.args = tuple(_rewrite_one(a, ctx) if isinstance(a, Syn) else a for a in n.args)
    return _rewrite_one(node, ctx)


POSTFIX = ("transpose", "inverse", "inverse_transpose", "power", "epower")


def _rewrite_one(n: Syn, ctx) -> Syn:
    """A product whose right operand is a parenthesis, or a parenthesis under
    postfix operators (sigma(x)^T, f(Z).^2), and whose left operand ends in a
    generic function name: the call, under the same postfix operators."""
    if n.op != "juxt":
        return n
    left, right = n.args
    postfix, paren = [], right
    while paren.op in POSTFIX:
        postfix.append(paren)
        paren = paren.args[0]
    if paren.op != "paren":
        return n
    path, leaf = [], left
    while leaf.op in DESCEND:
        path.append(leaf)
        leaf = leaf.args[-1]
    fn = _generic_call(leaf, paren, ctx)
    if fn is None:
        return n
    call = Syn("gcall", (paren.args[0],), leaf.start, paren.end, leaf.pos, fn)
    if postfix:  # f(Z)^T: the transpose of the call
        postfix[-1].args = (call,) + postfix[-1].args[1:]
        for p in postfix:
            p.start = leaf.start
        call = right
    if not path:
        return call
    path[-1].args = path[-1].args[:-1] + (call,)
    for p in path:
        p.end = right.end
    return left


def _generic_call(left: Syn, right: Syn, ctx) -> Optional[str]:
    """sigma(Z), sigma'(Z), f(Z): a generic element-wise function applied to a
    parenthesised argument.  A declared function (--function) is called however
    it is spaced; sigma, σ, f and g only when the parenthesis touches the name."""
    if right.op != "paren":
        return None
    primes, n = 0, left
    while n.op == "transpose" and ctx.source[n.pos] in "'’":
        primes, n = primes + 1, n.args[0]
    if n.op != "name" or n.value in ctx.declared:
        return None
    name = n.value
    if name in ctx.functions or (name in GENERIC_FUNCTIONS and left.end == right.start):
        return name + "'" * primes
    return None


def _square(ctx, node, arg, shape, verb):
    if not ctx.u.unify(shape[0], shape[1]):
        raise ctx.error(node, f"cannot {verb} {ctx.text(arg)} ({ctx.shape_str(shape)}): it is not square"
                              + ctx.hint(arg))


from .operators import ARITY, DERIVED, NAMED, NOT_SCALAR  # noqa: E402


def _infer_call(node: Syn, ctx: Context):
    fn = node.value
    base, primes = split_primes(fn)
    lo, hi = ARITY.get(base, (1, 1))
    n = len(node.args)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} or {hi}")
        raise ctx.error(node, f"{base}(...) takes {want} argument{'s' if (hi or 2) > 1 else ''}, got {n}")
    if primes and base not in ELEMENTWISE and base not in ctx.functions:
        raise ctx.error(node, f"{fn}: only element-wise functions have derivatives written with '")
    if base == "ones":
        dims = [_dim_arg(ctx, a) for a in node.args]
        return (dims[0], 1) if len(dims) == 1 else tuple(dims)
    if base == "unvec":
        v = infer(node.args[0], ctx)
        m, k = _dim_arg(ctx, node.args[1]), _dim_arg(ctx, node.args[2])
        if v[1] != 1 or not ctx.u.unify(v[0], ctx.u.product(m, k)):
            raise ctx.error(node, f"unvec needs a vector of length {m}*{k}, got {ctx.shape_str(v)}")
        return (m, k)
    shapes = [infer(a, ctx) for a in node.args]
    a = shapes[0]
    if base in NOT_SCALAR:  # over a column vector's entries, else over each row
        if is_scalar(a):
            raise ctx.error(node, f"{base} of a scalar: {ctx.text(node.args[0])} is 1 x 1; {base} takes a "
                                  "vector (over its entries) or a matrix (over each row)" + ctx.hint(node.args[0]))
        if base == "logsumexp":
            return SCALAR if ctx.u.resolve(a[1]) == 1 else (a[0], 1)
        return a
    row = NAMED.get(base)  # the operator table: square checks, scalar results
    if row is not None and row.square:  # tr, det, logdet, inv
        _square(ctx, node, node.args[0], a, row.square)
    if row is not None and row.scalar:  # tr, det, logdet, sum, norm
        return SCALAR
    if base == "vec":
        return (ctx.u.product(a[0], a[1]), 1)
    if base == "diag":
        if is_scalar(a):
            node.info["diag"] = "scalar"
            return a
        if a[1] == 1:
            node.info["diag"] = "mat"
            return (a[0], a[0])
        _square(ctx, node, node.args[0], a, "take the diagonal of")
        node.info["diag"] = "vec"
        return (a[0], 1)
    if base == "kron":
        r, c = 1, 1
        for s in shapes:
            r, c = ctx.u.product(r, s[0]), ctx.u.product(c, s[1])
        return (r, c)
    return a  # element-wise


def sized_identity(name: str) -> bool:
    """I_n, I_3, I_n1: the name of a sized identity (unless declared)."""
    return re.fullmatch(r"I_(\d+|[A-Za-z]\w*)", name) is not None


def _dim_text(ctx, node: Syn, text: str):
    """A dimension written as text: a name, a positive integer, or a product m*n."""
    out = 1
    for part in text.split("*"):
        part = part.strip()
        if part.isdigit() and int(part) >= 1:
            out = dim_mul(out, int(part))
        elif re.fullmatch(r"[A-Za-z]\w*", part):
            ctx.literal_dims.add(part)
            out = dim_mul(out, part)
        else:
            raise ctx.error(node, f"{part!r} is not a dimension: write a name or a positive integer")
    return out


def _sized_dims(ctx, node: Syn):
    """The dimensions of I_{n} (one) or K_{m,n} (two)."""
    letter, inner = node.value[0], node.value[3:-1]
    dims = [_dim_text(ctx, node, part) for part in inner.split(",")]
    want = 1 if letter == "I" else 2
    if len(dims) != want:
        raise ctx.error(node, f"{letter}_{{...}} takes {want} dimension{'s' if want > 1 else ''}, got {len(dims)}")
    return dims


def _dim_arg(ctx, node: Syn):
    """A dimension argument of ones or unvec: a name, a positive integer, or
    a product of those (ones(m*n), as the printers write a vec's length)."""
    if node.op == "number" and node.value.denominator == 1 and node.value >= 1:
        return int(node.value)
    if node.op == "name":
        ctx.literal_dims.add(node.value)
        return node.value
    if node.op == "mul":
        return dim_mul(_dim_arg(ctx, node.args[0]), _dim_arg(ctx, node.args[1]))
    raise ctx.error(node, "a dimension must be a name, a positive integer or a product of those")


# --- lowering -------------------------------------------------------------------


def _scalar_runs(factors):
    """Left to right, a run of factors whose product is 1 x 1 (x^T y in
    x^T y A) becomes one scalar factor: build.mul takes a chain whose
    neighbours conform, and (x^T y) A is a scalar times A."""
    out, run = [], []
    for f in factors:
        if f.shape == SCALAR:
            out.append(f)
            continue
        run.append(f)
        if run[0].shape[0] == 1 and f.shape[1] == 1 and len(run) > 1:
            out.append(build.mul(*run))
            run = []
    return out + run


def lower(node: Syn, ctx: Context, cache: dict) -> Expr:
    """Build the canonical expression of an inferred syntax tree."""
    return _lower(node, ctx, cache)


def _shape(ctx, node):
    return tuple(ctx.name_dim(d) for d in node.info["shape"])


FLATTENED = {"add": "sum", "sub": "sum", "juxt": "product", "mul": "product", "div": "product",
             "hadamard": "hadamard", "ediv": "hadamard", "kronop": "kron"}


def _lower(node: Syn, ctx: Context, cache: dict) -> Expr:
    """Lower the spine below node deepest first (skipping the nodes that a
    sum or product above them takes in whole), then node."""
    expr = node.info.get("expr")
    if expr is None:
        spine = _spine(node, "expr")
        for n, parent in reversed(list(zip(spine, [node] + spine))):
            if FLATTENED.get(n.op) is None or FLATTENED.get(n.op) != FLATTENED.get(parent.op):
                n.info["expr"] = _lower_one(n, ctx, cache)
        expr = node.info["expr"] = _lower_one(node, ctx, cache)
    return expr


def _lower_one(node: Syn, ctx: Context, cache: dict) -> Expr:
    """_build_one, with the node's position on a builder's error (A ./ I)."""
    try:
        return _build_one(node, ctx, cache)
    except MatcalcError as error:
        if error.source is None:
            error.source, error.column = ctx.source, node.pos
        raise


def _build_one(node: Syn, ctx: Context, cache: dict) -> Expr:
    op = node.op
    L = lambda n: _lower(n, ctx, cache)  # noqa: E731
    if op == "name":
        name = node.value
        if (name == "I" or sized_identity(name)) and name not in ctx.declared:
            return build.identity(_shape(ctx, node)[0])
        if name not in cache:
            cache[name] = Var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name]))
        return cache[name]
    if op == "number":
        return build.num(node.value)
    if op == "sized":
        dims = _sized_dims(ctx, node)
        return build.identity(dims[0]) if len(dims) == 1 else build.commutation(*dims)
    if op == "paren":
        return L(node.args[0])
    if op == "neg":
        return build.neg(L(node.args[0]))
    if op in FLATTENED:  # a left-nested sum, product, Hadamard or Kronecker product: one call
        family = FLATTENED[op]
        run = []
        while FLATTENED.get(node.op) == family:
            run.append(node)
            node = node.args[0]
        first = L(node)  # lowered left to right, so that dimensions are named in reading order
        rest = [(n.op, L(n.args[1])) for n in reversed(run)]
        for n, (o, x) in zip(reversed(run), rest):
            if o in ("div", "ediv") and build.is_zero(x) and x.shape == SCALAR:
                what = "" if n.args[1].op == "number" else f": {ctx.text(n.args[1])} is 0"
                raise NumericError("division by zero" + what, ctx.source, n.pos)
        if family == "sum":
            return build.add(first, *[x if o == "add" else build.neg(x) for o, x in rest])
        if family == "product":
            return build.mul(*_scalar_runs([first] + [build.power(x, -1) if o == "div" else x for o, x in rest]))
        if family == "hadamard":
            return build.hadamard(first, *[build.epow(x, -1) if o == "ediv" else x for o, x in rest])
        return build.kron(first, *[x for _, x in rest])
    if op == "gcall":
        return build.apply(node.value, L(node.args[0]))
    if op == "frob":
        return build.frob(L(node.args[0]), L(node.args[1]))
    if op == "transpose":
        return build.transpose(L(node.args[0]))
    if op == "inverse":
        return build.inverse(L(node.args[0]))
    if op == "inverse_transpose":
        return build.inverse(build.transpose(L(node.args[0])))
    if op == "power":
        a = L(node.args[0])
        e = node.value
        if e == "T":
            return build.transpose(a)
        if e == "-T":
            return build.inverse(build.transpose(a))
        if a.shape == SCALAR:
            return build.power(a, e)
        return build.matpow(a, int(e))
    if op == "epower":
        return build.epow(L(node.args[0]), node.value)
    if op == "call":
        return _lower_call(node, ctx, cache)
    raise AssertionError(op)


def _lower_call(node: Syn, ctx: Context, cache: dict) -> Expr:
    fn = node.value
    base, _ = split_primes(fn)
    if base == "ones":
        return build.ones(_shape(ctx, node))
    if base == "unvec":  # unvec(v, m, n): m and n are dimensions, not variables
        return build.unvec(_lower(node.args[0], ctx, cache), _shape(ctx, node))
    args = [_lower(a, ctx, cache) for a in node.args]
    a = args[0]
    if base in NAMED:  # tr, det, ..., kron: the operator table's constructor
        return NAMED[base].build(*args)
    if base in DERIVED:  # log_softmax: lowered to other operators
        return DERIVED[base](*args)
    if base in TABLE or base == "sqrt" or base in ctx.functions:
        return build.apply(fn, a)
    raise ctx.error(node, f"unknown function {fn}")


def to_expr(source: str, shapes: Optional[dict] = None, functions=()):
    """Parse and type source text; return (expression, context)."""
    expr, _, ctx = to_exprs(source, (), shapes, functions)
    return expr, ctx


def _names(node: Syn, out: set) -> set:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "name":
            out.add(n.value)
        stack.extend(a for a in n.args if isinstance(a, Syn))
    return out


def to_exprs(source: str, lets=(), shapes: Optional[dict] = None, functions=()):
    """Parse a main expression and named intermediates ``lets`` ([(name, text)])
    in one typing context; return (expression, {name: definition}, context).
    A definition may use other intermediates, in any order, but not itself."""
    from .parser import parse_syntax

    ctx = Context(source, shapes, functions)
    parsed = {}
    for name, text in lets:
        if name in parsed:
            raise UsageError(f"--let {name} is defined twice")
        if name in (shapes or {}):
            raise UsageError(f"--let {name} is also declared with --shape; its shape comes from its definition")
        ctx.source = text
        parsed[name] = (text, rewrite_calls(parse_syntax(text), ctx))
    order, state = [], {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            raise UsageError("the --let definitions refer to each other in a cycle: " + " -> ".join(chain + [name]))
        state[name] = "active"
        for other in sorted(_names(parsed[name][1], set()) & set(parsed)):
            visit(other, chain + [name])
        state[name] = "done"
        order.append(name)

    for name in parsed:
        visit(name, [])
    for name in order:
        text, syn = parsed[name]
        ctx.source = text
        ctx.vars[name] = infer(syn, ctx)
        ctx.declared[name] = ctx.vars[name]
    ctx.source = source
    syn = rewrite_calls(parse_syntax(source), ctx)
    infer(syn, ctx)
    cache: dict = {}
    definitions = {}
    for name in order:
        ctx.source = parsed[name][0]
        definitions[name] = _lower(parsed[name][1], ctx, cache)
    ctx.source = source
    return _lower(syn, ctx, cache), definitions, ctx
