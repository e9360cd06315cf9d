"""The back-propagation recursion of layers written with a symbolic index.

    matcalc recursion "Z_k = A H_{k-1} W_k" "H_k = sigma(Z_k)" --adjoint "G_k = dL/dZ_k"
    G_k = sigma'(Z_k) .* (A^T G_{k+1} W_{k+1}^T)

The layers are definitions NAME_k = EXPR in which names carry the layer index
as a subscript: X_k, X_{k-1}, X_{k+1} (any letter for k; plain names such as
A are the same in every layer).  The adjoint G_k = ∂L/∂Q_k of one defined
quantity Q is found the way the seed 000 answer does it: shift the index to
k+1, where the adjoint G_{k+1} is given, so that locally

    dL = G_{k+1} : dQ_{k+1},

and differentiate with respect to Q_k through the definitions at k+1 and k
(calculus.gradient, the engine's chain rule through named intermediates).
The result, G_k in terms of G_{k+1}, is the recursion; the steps are the
chain of equalities of the seed answer, ending with G_k : dQ_k.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import build as b
from .errors import MatcalcError, UsageError
from .expr import Expr, Var


@dataclass(frozen=True)
class Indexed:
    """A name with the layer index: stem, offset (X_{k-1} is ('X', -1))."""

    stem: str
    offset: int

    def shifted(self, s: int) -> "Indexed":
        return Indexed(self.stem, self.offset + s)

    def internal(self) -> str:
        """A plain name of the text language standing for this one."""
        return f"{self.stem}__{'p' if self.offset >= 0 else 'm'}{abs(self.offset)}"

    def display(self, index: str) -> str:
        if self.offset == 0:
            return f"{self.stem}_{index}"
        return f"{self.stem}_{{{index}{'+' if self.offset > 0 else '-'}{abs(self.offset)}}}"


def _pattern(index: str):
    """X_k, X_{k}, X_{k+1}, X_{k - 2}: stem, then the offset's sign and size."""
    i = re.escape(index)
    return re.compile(r"(?<![\w}])([^\W\d_][^\W_]*)_(?:\{\s*" + i + r"\s*(?:([+-])\s*(\d+))?\s*\}|" + i +
                      r"(?![\w{]))")


def _indexed(m) -> Indexed:
    sign, size = m.group(2), m.group(3)
    return Indexed(m.group(1), (-1 if sign == "-" else 1) * int(size) if size else 0)


@dataclass
class Source:
    """One text with its indexed names rewritten (shifted by s), and the map
    from columns of the rewritten text back to the original."""

    original: str
    text: str
    spans: list  # [(new column, original column)]
    names: dict  # internal name -> Indexed

    def column(self, col: int) -> int:
        best = (0, 0)
        for new, old in self.spans:
            if new <= col:
                best = (new, old)
        return best[1] + (col - best[0])


def rewrite(text: str, index: str, shift: int = 0) -> Source:
    out, spans, names, pos, length = [], [], {}, 0, 0
    for m in _pattern(index).finditer(text):
        out.append(text[pos:m.start()])
        length += m.start() - pos
        name = _indexed(m).shifted(shift)
        spans.append((length, m.start()))
        out.append(name.internal())
        names[name.internal()] = name
        length += len(name.internal())
        spans.append((length, m.end()))
        pos = m.end()
    out.append(text[pos:])
    return Source(text, "".join(out), spans, names)


@dataclass
class Recursion:
    """The adjoint G_k = ∂L/∂Q_k as a function of G_{k+1}: the local loss
    dL = G_{k+1} : dQ_{k+1}, the derivation (calculus.Gradient, with display
    names), the adjoint Var G_k and Q_k."""

    index: str
    loss: str
    adjoint: Var
    quantity: Var
    definitions: list  # [(display name, display text)] as given
    derivation: object
    result: Expr

    @property
    def steps(self):
        return self.derivation.steps

    def check(self, seed: int = 0, trials: int = 3) -> float:
        """Largest relative error against central finite differences."""
        return check(self, seed, trials)

    def text(self, steps: bool = False) -> str:
        from .printing.backprop import recursion_equation, recursion_steps

        return recursion_steps(self) if steps else recursion_equation(self)

    def latex(self, steps: bool = False) -> str:
        from .printing.backprop import recursion_equation, recursion_steps

        return recursion_steps(self, True) if steps else recursion_equation(self, True)


ADJOINT = re.compile(r"^\s*(?P<g>[^\W\d]\w*(?:_\{[^}]*\})?)\s*=\s*(?:d|∂)\s*(?P<loss>[^\W\d]\w*)\s*/\s*(?:d|∂)\s*"
                     r"(?P<q>[^\W\d]\w*(?:_\{[^}]*\})?)\s*$")


def _detect_index(definitions) -> str:
    m = re.match(r"\s*[^\W\d_][^\W_]*_\{?\s*([^\W\d_])", definitions[0].partition("=")[0]) if definitions else None
    if not m:
        raise UsageError("a layer definition is NAME_k = EXPR, e.g. Z_k = A H_{k-1} W_k "
                         "(the left side carries the layer index)", definitions[0] if definitions else None, 0)
    return m.group(1)


def recursion(definitions, adjoint: str | None = None, shapes=None, functions=(), index: str | None = None):
    """The recursion of the adjoint (``"G_k = dL/dZ_k"``; by default G_k of the
    first defined quantity, L the loss) through the layer ``definitions``."""
    from .frontend.arguments import prepare as _prepare
    from .calculus import gradient

    if isinstance(definitions, str):
        definitions = [definitions]
    definitions = list(definitions)
    if not definitions:
        raise UsageError('give the layer definitions, e.g. "Z_k = A H_{k-1} W_k" "H_k = sigma(Z_k)"')
    index = index or _detect_index(definitions)
    pattern = _pattern(index)
    layers = []  # (Indexed lhs, rhs text, column of rhs in the line, line)
    for line in definitions:
        lhs, sep, rhs = line.partition("=")
        m = pattern.fullmatch(lhs.strip())
        if not sep or not m:
            raise UsageError(f"a layer definition is NAME_{index} = EXPR, e.g. Z_{index} = A H_{{{index}-1}} "
                             f"W_{index}", line, 0)
        name = _indexed(m)
        if name.offset != 0:
            raise UsageError(f"define the layer at index {index} itself (write {name.stem}_{index} = ...)",
                             line, line.index(name.stem))
        if any(n.stem == name.stem for n, *_ in layers):
            raise UsageError(f"{name.display(index)} is defined twice", line, 0)
        layers.append((name, rhs, len(lhs) + 1, line))
    stems = [n.stem for n, *_ in layers]
    if adjoint is None:
        g, loss, q = Indexed("G", 0), "L", layers[0][0]
    else:
        m = ADJOINT.match(adjoint)
        gm, qm = (pattern.fullmatch(m.group("g")), pattern.fullmatch(m.group("q"))) if m else (None, None)
        if not (gm and qm):
            raise UsageError(f"--adjoint: write G_{index} = dL/dZ_{index} (the adjoint, the loss, a defined "
                             "quantity)", adjoint, 0)
        g, loss, q = _indexed(gm), m.group("loss"), _indexed(qm)
        if q.stem not in stems or q.offset != 0:
            raise UsageError(f"--adjoint: {q.display(index)} is not one of the defined quantities "
                             f"({', '.join(n.display(index) for n, *_ in layers)})", adjoint, m.start("q"))
        if g.stem in stems or g.offset != 0:
            raise UsageError(f"--adjoint: {g.display(index)} must be a new name at index {index}",
                             adjoint, m.start("g"))
    # the lets: every definition at k+1 and at k, except Q_k itself (the variable)
    sources, lets = {}, []
    for shift in (1, 0):
        for name, rhs, col, line in layers:
            if shift == 0 and name.stem == q.stem:
                continue
            src = rewrite(rhs, index, shift)
            sources[src.text] = (src, line, col, shift)
            lets.append((name.shifted(shift).internal(), src.text))
    shapes = _indexed_shapes(shapes, pattern)
    gk1, qk1 = g.shifted(1), q.shifted(1)
    f_text = f"{gk1.internal()} : {qk1.internal()}"
    lets = _reachable(lets, f_text)
    try:
        f, x, let_vars = _prepare(f_text, q.internal(), shapes, dict(lets), functions)
    except MatcalcError as e:
        raise _located(e, sources, index) from None
    d = gradient(f, x, let_vars)
    names = {n.internal(): n for n in (g.shifted(1), q)}
    for src, *_ in sources.values():
        names.update(src.names)
    names.update((n.shifted(s).internal(), n.shifted(s)) for n, *_ in layers for s in (0, 1))
    mapping = {}
    for v in _vars(f, *let_vars.values(), *let_vars):
        if v.name in names:
            mapping[v] = Var(names[v.name].display(index), v.shape)
    for v in list(mapping):
        mapping[b.differential(v)] = b.differential(mapping[v])
    d = _renamed(d, mapping)
    display_defs = [(n.display(index), rhs.strip()) for n, rhs, _, _ in layers]
    return Recursion(index, loss, Var(g.display(index), x.shape), mapping[x], display_defs, d, d.result)


def _indexed_shapes(shapes, pattern) -> dict:
    """--shape b_k=1,n holds in every layer: b_{k-1}, b_k, b_{k+1}, ..."""
    out = {}
    for name, spec in (shapes or {}).items():
        m = pattern.fullmatch(name.strip()) if isinstance(name, str) else None
        if m:
            n = _indexed(m)
            out.update((n.shifted(s).internal(), spec) for s in range(-3, 4))
        else:
            out[name] = spec
    return out


def _reachable(lets, f_text):
    """The lets f uses, directly or through others (by name, on the texts)."""
    names = dict(lets)
    words = set(re.findall(r"\w+", f_text))
    changed = True
    while changed:
        changed = False
        for name, text in lets:
            if name in words:
                new = set(re.findall(r"\w+", text)) - words
                if new:
                    words |= new
                    changed = True
    return [(n, t) for n, t in lets if n in words and n in names]


def _located(e: MatcalcError, sources, index) -> MatcalcError:
    """An error in a rewritten definition, pointing into the definition as typed."""
    hit = sources.get(e.source)
    message = e.message
    for src, *_ in sources.values():
        for internal, name in src.names.items():
            message = re.sub(r"\b" + re.escape(internal) + r"\b", name.display(index), message)
    if hit is None:
        return type(e)(message, None, None)
    src, line, col, shift = hit
    if shift:
        message += f" (in this definition shifted to the layer {index}+{shift})"
    column = None if e.column is None else col + src.column(e.column)
    return type(e)(message, line, column)


def _vars(*roots):
    out, seen, stack = set(), set(), list(roots)
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if isinstance(e, Var):
            out.add(e)
        stack.extend(e.children())
    return out


def _renamed(d, mapping):
    """A calculus.Gradient with internal names replaced by display names."""
    from .calculus import Gradient
    from .rules.adjoints import Step

    sub = lambda e: b.substitute(e, mapping)  # noqa: E731
    steps = [Step(s.rule, s.identity, tuple((sub(C), sub(E)) for C, E in s.pairs)) for s in d.steps]
    steps = [_rename_rule(s, mapping) for s in steps]
    lets = {mapping.get(v, v): sub(e) for v, e in d.lets.items()}
    return Gradient(sub(d.f), mapping.get(d.x, d.x), sub(d.df), sub(d.raw), sub(d.result), steps, lets)


def _rename_rule(step, mapping):
    from .rules.adjoints import Step

    rule, identity = step.rule, step.identity
    for v, w in mapping.items():
        if isinstance(v, Var):
            pattern = r"(?<!\w)(d?)" + re.escape(v.name) + r"\b"
            rule = re.sub(pattern, lambda m: m.group(1) + w.name, rule)
            identity = re.sub(pattern, lambda m: m.group(1) + w.name, identity)
    return Step(rule, identity, step.pairs)


def check(rec: Recursion, seed: int = 0, trials: int = 3) -> float:
    """Largest relative error of G_k against central differences of
    L = G_{k+1} : Q_{k+1} (its definitions substituted) with respect to Q_k."""
    import numpy as np

    from .calculus import full_definitions as _full_definitions
    from .result import _checked

    d = rec.derivation
    full = _full_definitions(d.lets)
    f = b.substitute(d.f, full)
    J = b.transpose(b.vec(b.substitute(d.result, full)))
    return _checked(f, d.x, J, np.random.default_rng(seed), trials)


COMMAND_HELP = "the back-propagation recursion of layers written with an index k, e.g. G_k from G_{k+1}"


def add_recursion_command(sub) -> None:
    """`matcalc recursion DEF... [--adjoint "G_k = dL/dZ_k"] [--steps] [--format text|latex] [--check]`."""
    g = sub.add_parser("recursion", help=COMMAND_HELP, description=(
        "The recursion of an adjoint G_k = ∂L/∂Q_k through layers defined with an index, e.g. "
        "matcalc recursion \"Z_k = A H_{k-1} W_k\" \"H_k = sigma(Z_k)\" --adjoint \"G_k = dL/dZ_k\"."))
    g.add_argument("definitions", nargs="+", metavar="DEF",
                   help="a layer, NAME_k = EXPR, with names X_k, X_{k-1}, X_{k+1} (repeatable)")
    g.add_argument("--adjoint", default=None, metavar="G_k=dL/dQ_k",
                   help="the adjoint to find (default: G_k = dL/dQ_k for the first defined Q)")
    g.add_argument("--index", default=None, metavar="k", help="the layer index letter (default: read from DEF)")
    g.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="declare a shape (the same in every layer), e.g. A=m,m")
    g.add_argument("--function", action="append", default=[], metavar="NAME",
                   help="declare NAME a generic element-wise function (sigma, f, g are already)")
    g.add_argument("--format", choices=("text", "latex"), default="text")
    g.add_argument("--steps", action="store_true",
                   help="show the chain of equalities from dL = G_{k+1} : dQ_{k+1} to G_k : dQ_k")
    g.add_argument("--check", action="store_true",
                   help="compare with central finite differences on random data; exit 1 on failure")


def run_recursion(args, shapes) -> int:
    import sys

    from .printing.backprop import recursion_equation, recursion_steps

    rec = recursion(args.definitions, args.adjoint, shapes, tuple(args.function), args.index)
    latex = args.format == "latex"
    print(recursion_steps(rec, latex) if args.steps else
          (f"\\[ {recursion_equation(rec, True)} \\]" if latex else recursion_equation(rec)))
    if not args.check:
        return 0
    from .result import CHECK_TOLERANCE

    error = check(rec)
    passed = error < CHECK_TOLERANCE
    print(f"check: relative error {error:.1e} against central differences "
          f"({'passed' if passed else 'FAILED'})", file=sys.stdout)
    return 0 if passed else 1
