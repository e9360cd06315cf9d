"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import gradient, hessian as _hessian, jacobian as _jacobian
from .errors import NameError_, UsageError
from .expr import Expr, Var
from .frontend import to_expr, to_exprs
from .frontend.shape_spec import shapes_argument
from .result import Result, full_definitions as _full_definitions

LAYOUTS = ("numerator", "denominator")


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _shapes(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape} (see frontend/shape_spec.py)."""
    return shapes_argument(shapes)


def parse(text: str, shapes: Optional[dict] = None) -> Expr:
    """The canonical expression of a text in matcalc's language."""
    return to_expr(_text(text, "the expression"), _shapes(shapes))[0]


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
    from .frontend.unknown_functions import check_function_name

    """--function names: each a plain name, not a built-in function."""
    if not functions:
        return ()
    if isinstance(functions, str):
        functions = [functions]
    for fn in functions:
        from .parser import KEYWORDS

        if fn in KEYWORDS or fn == "I":
            raise UsageError(f"--function {fn!r}: {fn} is a built-in, and a stand-in would change its meaning; "
                             f"call it as it is")
        if not _is_name(_text(fn, "a --function name")):
            raise UsageError(f"--function {fn!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
        check_function_name(fn)
    return tuple(functions)


def _split_let(item: str):
    name, sep, text = _text(item, "a --let").partition("=")
    if not sep:
        raise UsageError(f"--let {item!r}: write NAME = EXPR, e.g. r = A x - b")
    return name, text


def _prepare(expr, wrt, shapes, lets=None, functions=()):
    _text(expr, "the expression")
    _text(wrt, "wrt")
    f, definitions, ctx = to_exprs(expr, _lets(lets), _shapes(shapes), _functions(functions))
    if wrt in definitions:
        raise NameError_(f"{wrt} is a named intermediate (--let); differentiate with respect to a variable")
    x = _variable(ctx, expr, wrt, definitions)
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
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
    return b.var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
