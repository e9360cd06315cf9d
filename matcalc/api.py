"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result, or a
result.Results for several variables)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import full_definitions as _full_definitions, gradient, hessian as _hessian, jacobian as _jacobian
from .errors import UsageError
from .expr import Expr
from .frontend.arguments import (
    convention_argument as _convention, parse_declared as _parse_declared, prepare_many as _prepare,
    wrt_names as _wrt_names,
)
from .result import Result, Results, _a

LAYOUTS = ("numerator", "denominator")


def parse(text: str, shapes: Optional[dict] = None, syntax: Optional[str] = None, *,
          symmetric=(), spd=()) -> Expr:
    """The canonical expression of a text in matcalc's language (or LaTeX: see
    grad); the names in ``symmetric`` (``spd``) are symmetric (positive
    definite) square matrices, as is S in shapes={'S': 'n,n,symmetric'}."""
    return _parse_declared(text, shapes, syntax, symmetric, spd)


def _layout(layout: Optional[str], default: str) -> str:
    layout = layout or default
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: choose numerator or denominator")
    return layout


def grad(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
         convention: Optional[str] = None):
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never.
    ``symmetric`` and ``spd`` name symmetric (positive definite) matrices; with
    respect to one, ``convention`` 'symmetric' (default) gives the symmetric G
    with df = G : dS for symmetric dS, 'entrywise' the partial derivatives with
    respect to the distinct entries (docs/derivatives.md).

    ``wrt`` is one name (a Result) or a list of names (a Results: a list of
    Result in that order, whose generated code computes them together).
    A variable that does not occur gets the zero gradient of its shape, with
    a note (Result.notes) that it may be a typo."""
    layout = _layout(layout, "denominator")
    convention = _convention(convention, "gradient")
    f, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    out = []
    for x in xs:
        g = gradient(f, x, lets, convention)
        G = g.result if layout == "denominator" else b.transpose(g.result)
        r = Result("gradient", expr, x.name, g, G, g.df, layout, lets, convention if x.kind else None)
        out.append(_noted(r, full, shapes, invented))
    return _one_or_many(wrt, out)


def jacobian(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
             convention: Optional[str] = None):
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose.
    Several variables (a list) give a Results, one Jacobian block per variable.
    With respect to a symmetric S: J = J~ (I + K)/2, the derivative along
    symmetric directions (docs/derivatives.md)."""
    layout = _layout(layout, "numerator")
    convention = _convention(convention, "jacobian")
    F, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    full = b.substitute(F, _full_definitions(lets)) if lets else F
    out = []
    for x in xs:
        j = _jacobian(full, x)
        J = j.result if layout == "numerator" else b.transpose(j.result)
        r = Result("jacobian", expr, x.name, j, J, j.df, layout, convention=convention if x.kind else None)
        out.append(_noted(r, full, shapes, invented))
    return _one_or_many(wrt, out)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None, *, symmetric=(), spd=(), convention: Optional[str] = None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX).  One
    variable: the blocks across several variables are not computed.  With
    respect to a symmetric S: H = P H~ P, P = (I + K)/2 (docs/derivatives.md)."""
    if len(_wrt_names(wrt)) > 1:
        raise UsageError("the Hessian is taken with respect to one variable (the cross blocks "
                         "∂²f/∂X∂Y are not computed): run one hessian per variable")
    convention = _convention(convention, "hessian")
    f, (x,), lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    h = _hessian(full, x)
    r = Result("hessian", expr, x.name, h, h.result, h.d2f, "symmetric", convention=convention if x.kind else None)
    return _noted(r, full, shapes, invented)


def _noted(r: Result, full: Expr, shapes, invented) -> Result:
    """r with its notes: a variable that does not occur in f (nor in the
    definitions f goes through) has the zero derivative, and may be a typo."""
    r.invented = invented
    x = r.x
    if x.name in full.free:
        return r
    known = ", ".join(sorted(full.free - {x.name})) or "none"
    what = {"gradient": "its gradient", "jacobian": "the Jacobian", "hessian": "the Hessian"}[r.kind]
    how = "as declared" if isinstance(shapes, dict) and x.name in shapes else "by the naming convention"
    r.notes = (f"{x.name} does not occur in the expression (its variables: {known}; a typo?), so {what} "
               f"is zero ({x.name} is {_a(x.shape)} {how})",)
    return r


def _one_or_many(wrt, results):
    """One Result for a string wrt naming one variable, else Results in order."""
    if isinstance(wrt, str) and "," not in wrt:
        return results[0]
    return Results(results)
