"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import full_definitions as _full_definitions, gradient, hessian as _hessian, jacobian as _jacobian
from .errors import UsageError
from .expr import Expr
from .frontend.arguments import convention_argument as _convention, parse_declared as _parse_declared, \
    prepare as _prepare
from .result import Result

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


def grad(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
         convention: Optional[str] = None) -> Result:
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never.
    ``symmetric`` and ``spd`` name symmetric (positive definite) matrices; with
    respect to one, ``convention`` 'symmetric' (default) gives the symmetric G
    with df = G : dS for symmetric dS, 'entrywise' the partial derivatives with
    respect to the distinct entries (docs/derivatives.md)."""
    layout = _layout(layout, "denominator")
    convention = _convention(convention, "gradient")
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    g = gradient(f, x, lets, convention)
    out = g.result if layout == "denominator" else b.transpose(g.result)
    return Result("gradient", expr, wrt, g, out, g.df, layout, lets, convention if x.kind else None)


def jacobian(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
             convention: Optional[str] = None) -> Result:
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose.
    With respect to a symmetric S: J = J~ (I + K)/2, the derivative along
    symmetric directions (docs/derivatives.md)."""
    layout = _layout(layout, "numerator")
    convention = _convention(convention, "jacobian")
    F, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    j = _jacobian(b.substitute(F, _full_definitions(lets)) if lets else F, x)
    out = j.result if layout == "numerator" else b.transpose(j.result)
    return Result("jacobian", expr, wrt, j, out, j.df, layout, convention=convention if x.kind else None)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None, *, symmetric=(), spd=(), convention: Optional[str] = None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX).  With
    respect to a symmetric S: H = P H~ P, P = (I + K)/2 (docs/derivatives.md)."""
    convention = _convention(convention, "hessian")
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    h = _hessian(b.substitute(f, _full_definitions(lets)) if lets else f, x)
    return Result("hessian", expr, wrt, h, h.result, h.d2f, "symmetric",
                  convention=convention if x.kind else None)


