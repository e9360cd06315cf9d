"""The Python API: parse, grad, jacobian, hessian, and the Result they return."""
from __future__ import annotations

import json
from typing import Optional

from . import build as b
from .calculus import gradient, hessian as _hessian, jacobian as _jacobian
from .dims import shape_text
from .errors import NameError_, UsageError
from .expr import Expr, Var
from .printing.latex import to_latex
from .printing.text import to_text
from .shapes import parse_dims, to_expr, to_exprs

LAYOUTS = ("numerator", "denominator")


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _shapes(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape}."""
    out = {}
    if shapes is not None and not isinstance(shapes, dict):
        raise UsageError(f"shapes must be a dict such as {{'A': 'm,n'}}, not {type(shapes).__name__}")
    for name, spec in (shapes or {}).items():
        _text(name, "a name in shapes")
        if isinstance(spec, str):
            out[name] = parse_dims(spec)
        else:
            if not isinstance(spec, (tuple, list)):
                raise UsageError(f"shape of {name}: give 'scalar', 'n', 'm,n' or a tuple, not {spec!r}")
            spec = tuple(spec)
            out[name] = (1, 1) if not spec else ((spec[0], 1) if len(spec) == 1 else spec)
    return out


def parse(text: str, shapes: Optional[dict] = None) -> Expr:
    """The canonical expression of a text in matcalc's language."""
    return to_expr(_text(text, "the expression"), _shapes(shapes))[0]


class Result:
    """A derivative: printable as text, LaTeX, NumPy source and JSON, and
    evaluable on arrays.

    ``kind`` is 'gradient' (G with df = G : dX, shaped like X in denominator
    layout), 'jacobian' (J = d vec(F) / d vec(X)^T in numerator layout) or
    'hessian' (H = d2f / d vec(X) d vec(X)^T).  ``expr`` is the result in the
    requested layout; ``differential`` is df, dF or d2f."""

    def __init__(self, kind, source, wrt, derivation, expr, differential, layout, lets=None):
        self.lets = lets or {}  # {Var: definition}, in definition order
        self.kind = kind
        self.source = source
        self.wrt = wrt
        self.derivation = derivation
        self.expr = expr
        self.differential = differential
        self.layout = layout

    @property
    def f(self) -> Expr:
        return self.derivation.f

    def full(self, e: Expr) -> Expr:
        """e with every named intermediate replaced by its definition."""
        return b.substitute(e, _full_definitions(self.lets)) if self.lets else e

    def steps(self) -> list:
        """The derivation as data: one dict per equality (expression, latex,
        rule, identity), from df to G : dX."""
        if self.kind != "gradient":
            raise UsageError("steps are shown for gradients; a Jacobian or Hessian shows its differential")
        from .printing.steps import steps_data

        return steps_data(self.derivation)

    def steps_text(self, latex: bool = False) -> str:
        self.steps()
        from .printing.steps import steps_latex, steps_text

        return steps_latex(self.derivation) if latex else steps_text(self.derivation)

    @property
    def x(self) -> Var:
        return self.derivation.x

    @property
    def shape(self):
        return self.expr.shape

    COMPACT_ABOVE = 200  # characters: longer results print with named common subexpressions

    def text(self, compact: bool = False) -> str:
        """The result in matcalc's own language (it parses back).  With
        compact=True a long result repeating subexpressions prints as
        ``G`` then ``where t1 = ...`` lines, each value named once."""
        return self._compact(to_text, "\nwhere ", "\n      ") if compact else to_text(self.expr)

    def latex(self, compact: bool = False) -> str:
        """LaTeX; compact=True names repeated subexpressions as in text()."""
        sep = r" \quad \text{where } "
        return self._compact(to_latex, sep, r", \; ") if compact else to_latex(self.expr)

    def _compact(self, printer, where: str, between: str) -> str:
        plain = printer(self.expr)
        if len(plain) <= self.COMPACT_ABOVE:
            return plain
        from .printing.cse import common_subexpressions

        defs, (main,) = common_subexpressions([self.expr], taken=self.f.free | {self.wrt})
        if not defs:
            return plain
        lines = [f"{printer(v)} = {printer(d)}" for v, d in defs]
        text = printer(main) + where + between.join(lines)
        return text if len(text) < len(plain) else plain

    def differential_text(self, latex: bool = False) -> str:
        return (to_latex if latex else to_text)(self.differential)

    def equation(self, latex: bool = False) -> str:
        """The result as an equation whose left side states the layout."""
        from .printing.equations import equation

        return equation(self, latex)

    def index(self, latex: bool = False) -> str:
        """The result in Einstein index notation."""
        from .printing.index import index_form

        return index_form(self, latex)

    def numpy_source(self) -> str:
        from .printing.numpy_code import function_source

        f, x = self.f, self.x
        jac = "d vec(F) / d vec(X)^T" if self.layout == "numerator" else "d vec(F)^T / d vec(X)"
        what = {"gradient": "Gradient", "jacobian": f"Jacobian {jac} (column-stacking vec)",
                "hessian": "Hessian d2f / d vec(X) d vec(X)^T (column-stacking vec)"}[self.kind]
        doc = f"{what} of {' '.join(self.source.split())} with respect to {x.name}, {self.layout} layout."
        return function_source(self.kind, doc, self._inputs(), self.full(self.expr),
                               self.expr.shape if self.kind != "gradient" or self.layout != "denominator"
                               else x.shape)

    def _inputs(self) -> list:
        """The variables a caller supplies: those of f, and X even where it
        cancelled from f (tr(X - X^T)), sorted by name."""
        variables = _variables(self.full(self.f))
        variables.setdefault(self.x.name, self.x)
        return [variables[k] for k in sorted(variables)]

    def _env(self, arrays):
        import numpy as np

        from .numeric import symbolic_dims

        env, sizes = {}, {}
        for v in self._inputs():
            if v.name not in arrays:
                raise NameError_(f"evaluate() needs a value for {v.name}")
            try:
                a = np.asarray(arrays[v.name], dtype=float)
            except (TypeError, ValueError):
                raise UsageError(f"evaluate(): {v.name} is not an array of numbers") from None
            r, c = v.shape
            if r == 1 and c == 1:
                ok, kind, a2 = a.size == 1, "a scalar", a.reshape(1, 1) if a.size == 1 else a
            elif c == 1:
                ok, kind, a2 = a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1), "a column vector", a.reshape(-1, 1)
            elif r == 1:
                ok, kind, a2 = a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1), "a row vector", a.reshape(1, -1)
            else:
                ok, kind, a2 = a.ndim == 2, "a matrix (2-D)", a
            if not ok:
                raise UsageError(f"evaluate(): {v.name} must be {kind}, not an array of shape {a.shape}")
            a = a2
            env[v.name] = a
            for d, n in zip(v.shape, a.shape):
                if (isinstance(d, int) and d != n) or (isinstance(d, str) and sizes.setdefault(d, n) != n):
                    raise UsageError(f"evaluate(): {v.name} has shape {a.shape}, which does not fit its "
                                     f"shape {shape_text(v.shape)} and the other arrays")
        needed = symbolic_dims([self.full(self.expr)])
        for d in sorted(needed - set(sizes)):
            if d not in arrays or d in env:
                raise UsageError(f"evaluate() needs the size {d}, which no variable fixes: "
                                 f"pass it as evaluate(..., {d}=3)")
            sizes[d] = int(arrays[d])
        return env, sizes

    def evaluate(self, /, **arrays):
        """The result as a NumPy array at the given values (keyword per
        variable; a size no variable fixes, like k in ones(k), by its name).
        A gradient is shaped like the printed result (float when 1 x 1, 1-D
        for a column, else 2-D), as the generated NumPy function returns it;
        a Jacobian or Hessian is a 2-D array."""
        from .numeric import evaluate

        env, sizes = self._env(arrays)
        value = evaluate(self.full(self.expr), env, sizes)
        if self.kind == "gradient":
            r, c = self.expr.shape
            if (r, c) == (1, 1):
                return float(value[0, 0])
            return value.reshape(-1) if c == 1 else value
        return value

    def check(self, seed: int = 0, trials: int = 3) -> float:
        """Largest relative error against central finite differences: of f for
        a gradient or Jacobian, of the gradient for a Hessian."""
        import numpy as np

        from .finite_differences import jacobian_check

        rng = np.random.default_rng(seed)
        J = self.full(self.numerator_form())
        target = self.derivation.grad.result if self.kind == "hessian" else self.f
        pairs = [(self.full(target), J)]
        if self.kind == "hessian":
            pairs.append((self.full(self.f), self.full(b.transpose(b.vec(self.derivation.grad.result)))))
        return max(_checked(F, self.x, D, rng, trials) for F, D in pairs)

    def numerator_form(self) -> Expr:
        """d vec(F) / d vec(X)^T whatever the layout asked for."""
        if self.kind == "gradient":
            g = self.derivation.result
            return b.transpose(b.vec(g))
        return self.expr if self.layout == "numerator" else b.transpose(self.expr)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "expression": self.source,
            "wrt": self.wrt,
            "result": self.text(),
            "latex": self.latex(),
            "equation": self.equation(),
            "equation_latex": self.equation(latex=True),
            "shape": [str(d) for d in self.shape],
            "wrt_shape": [str(d) for d in self.x.shape],
            "layout": self.layout,
            "vec": "column-stacking" if self.kind != "gradient" else None,
            "differential": self.differential_text(),
            "lets": {v.name: to_text(d) for v, d in self.lets.items()},
            **({"steps": self.steps()} if self.kind == "gradient" else {}),
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<matcalc {self.kind} wrt {self.wrt}: {self.text()}>"


def _checked(F: Expr, x: Var, J: Expr, rng, trials: int) -> float:
    """The largest error of `trials` random checks of J = d vec(F) / d vec(X)^T.
    A draw outside the domain (a singular matrix, log of a negative number
    made by random sizes) is drawn again, up to 10 times per trial, with the
    positive values spread wider or narrower each time (numeric.SPREADS); when
    no draw is usable, the last NumericError is raised."""
    from .errors import NumericError
    from .finite_differences import jacobian_check
    from .numeric import SPREADS

    errors, last = [], None
    for attempt in range(10 * trials):
        try:
            errors.append(jacobian_check(F, x, J, rng, spread=SPREADS[attempt // trials % len(SPREADS)]))
        except NumericError as error:
            last = error
        if len(errors) == trials:
            break
    if not errors:
        raise NumericError(f"{last.message}; no usable point in {10 * trials} random draws, "
                           "so the result is not checked")
    return max(errors)


def _variables(e: Expr) -> dict:
    out = {}
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Var):
            out[x.name] = x
        stack.extend(x.children())
    return out


def _layout(layout: Optional[str], default: str) -> str:
    layout = layout or default
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: choose numerator or denominator")
    return layout


def _lets(lets) -> list:
    """[(name, text)] from {'r': 'A x - b'} or ['r = A x - b', ...]."""
    if not lets:
        return []
    if isinstance(lets, str):
        lets = [lets]
    items = lets.items() if isinstance(lets, dict) else [_split_let(x) for x in lets]
    out = []
    for name, text in items:
        name = _text(name, "a --let name").strip()
        _text(text, f"the definition of {name}")
        if not _is_name(name):
            raise UsageError(f"--let {name!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
        out.append((name, text))
    return out


def _is_name(name: str) -> bool:
    """A name of the language that is not a function's: tr = A would never be used."""
    from .parser import KEYWORDS

    return bool(name) and name[0].isalpha() and all(c.isalnum() or c == "_" for c in name) \
        and name not in KEYWORDS and name != "I"


def _functions(functions) -> tuple:
    """--function names: each a plain name, not a built-in function."""
    if not functions:
        return ()
    if isinstance(functions, str):
        functions = [functions]
    for fn in functions:
        if not _is_name(_text(fn, "a --function name")):
            raise UsageError(f"--function {fn!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
    return tuple(functions)


def _split_let(item: str):
    name, sep, text = _text(item, "a --let").partition("=")
    if not sep:
        raise UsageError(f"--let {item!r}: write NAME = EXPR, e.g. r = A x - b")
    return name, text


def _full_definitions(lets: dict) -> dict:
    """Definitions in terms of variables only (later ones may use earlier ones)."""
    full: dict = {}
    for v, definition in lets.items():
        full[v] = b.substitute(definition, full) if full else definition
    return full


def _prepare(expr, wrt, shapes, lets=None, functions=()):
    _text(expr, "the expression")
    _text(wrt, "wrt")
    f, definitions, ctx = to_exprs(expr, _lets(lets), _shapes(shapes), _functions(functions))
    if wrt in definitions:
        raise NameError_(f"{wrt} is a named intermediate (--let); differentiate with respect to a variable")
    x = _variable(ctx, expr, wrt, definitions)
    let_vars = {Var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    return f, x, let_vars


def grad(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=()) -> Result:
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them."""
    layout = _layout(layout, "denominator")
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions)
    g = gradient(f, x, lets)
    out = g.result if layout == "denominator" else b.transpose(g.result)
    return Result("gradient", expr, wrt, g, out, g.df, layout, lets)


def jacobian(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=()) -> Result:
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose."""
    layout = _layout(layout, "numerator")
    F, x, lets = _prepare(expr, wrt, shapes, lets, functions)
    j = _jacobian(b.substitute(F, _full_definitions(lets)) if lets else F, x)
    out = j.result if layout == "numerator" else b.transpose(j.result)
    return Result("jacobian", expr, wrt, j, out, j.df, layout)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=()) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX)."""
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions)
    h = _hessian(b.substitute(f, _full_definitions(lets)) if lets else f, x)
    return Result("hessian", expr, wrt, h, h.result, h.d2f, "symmetric")


def _variable(ctx, source: str, wrt: str, definitions=()) -> Var:
    """The Var called wrt, or a clear error if the expression has no such name."""
    if wrt in ctx.functions or wrt in ctx.used_functions:
        raise NameError_(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        known = ", ".join(sorted(set(ctx.vars) - set(definitions))) or "none"
        raise NameError_(f"{wrt} does not occur in the expression (its variables: {known})", source, len(source))
    return Var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
