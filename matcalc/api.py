"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result, or a
result.Results for several variables)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import full_definitions as _full_definitions, gradient, hessian as _hessian, jacobian as _jacobian
from .errors import UsageError
from .expr import Expr
from .frontend import to_expr
from .frontend.arguments import (
    prepare_many as _prepare, shapes_with_names as _shapes, syntax_argument as _syntax, text_argument as _text,
    wrt_names as _wrt_names,
)
from .result import Result, Results, _a

LAYOUTS = ("numerator", "denominator")


def parse(text: str, shapes: Optional[dict] = None, syntax: Optional[str] = None) -> Expr:
    """The canonical expression of a text in matcalc's language (or LaTeX: see grad)."""
    return to_expr(_text(text, "the expression"), _shapes(shapes), (), _syntax(syntax))[0]


def _layout(layout: Optional[str], default: str) -> str:
    layout = layout or default
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: choose numerator or denominator")
    return layout


def grad(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None):
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never.

    ``wrt`` is one name (a Result) or a list of names (a Results: a list of
    Result in that order, whose generated code computes them together).
    A variable that does not occur gets the zero gradient of its shape, with
    a note (Result.notes) that it may be a typo."""
    layout = _layout(layout, "denominator")
    f, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax)
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    out = []
    for x in xs:
        g = gradient(f, x, lets)
        G = g.result if layout == "denominator" else b.transpose(g.result)
        out.append(_noted(Result("gradient", expr, x.name, g, G, g.df, layout, lets), full, shapes, invented))
    return _one_or_many(wrt, out)


def jacobian(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None):
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose.
    Several variables (a list) give a Results, one Jacobian block per variable."""
    layout = _layout(layout, "numerator")
    F, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax)
    full = b.substitute(F, _full_definitions(lets)) if lets else F
    out = []
    for x in xs:
        j = _jacobian(full, x)
        J = j.result if layout == "numerator" else b.transpose(j.result)
        out.append(_noted(Result("jacobian", expr, x.name, j, J, j.df, layout), full, shapes, invented))
    return _one_or_many(wrt, out)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX).  One
    variable: the blocks across several variables are not computed."""
    if len(_wrt_names(wrt)) > 1:
        raise UsageError("the Hessian is taken with respect to one variable (the cross blocks "
                         "∂²f/∂X∂Y are not computed): run one hessian per variable")
    f, (x,), lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax)
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    h = _hessian(full, x)
    return _noted(Result("hessian", expr, x.name, h, h.result, h.d2f, "symmetric"), full, shapes, invented)


def _noted(r: Result, full: Expr, shapes, invented) -> Result:
    """r with its notes: a variable that does not occur in f (nor in the
    definitions f goes through) has the zero derivative, and may be a typo."""
    r.invented = invented
    x = r.x
    if x.name in full.free:
        return r
    known = ", ".join(sorted(full.free - {x.name})) or "none"
    what = {"gradient": "its gradient", "jacobian": "the Jacobian", "hessian": "the Hessian"}[r.kind]
    how = "as declared" if isinstance(shapes, dict) and x.name in _shapes(shapes) else "by the naming convention"
    r.notes = (f"{x.name} does not occur in the expression (its variables: {known}; a typo?), so {what} "
               f"is zero ({x.name} is {_a(x.shape)} {how})",)
    return r


def _one_or_many(wrt, results):
    """One Result for a string wrt naming one variable, else Results in order."""
    if isinstance(wrt, str) and "," not in wrt:
        return results[0]
    return Results(results)
