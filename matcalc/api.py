"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import full_definitions as _full_definitions, gradient, hessian as _hessian, jacobian as _jacobian
from .errors import UsageError
from .expr import Expr
from .frontend import to_expr
from .frontend.arguments import (
    prepare as _prepare, shapes_with_names as _shapes, syntax_argument as _syntax, text_argument as _text,
)
from .result import Result

LAYOUTS = ("numerator", "denominator")


def parse(text: str, shapes: Optional[dict] = None, syntax: Optional[str] = None) -> Expr:
    """The canonical expression of a text in matcalc's language (or LaTeX: see grad)."""
    return to_expr(_text(text, "the expression"), _shapes(shapes), (), _syntax(syntax))[0]


def _layout(layout: Optional[str], default: str) -> str:
    layout = layout or default
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: choose numerator or denominator")
    return layout


def grad(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None) -> Result:
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never."""
    layout = _layout(layout, "denominator")
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax)
    g = gradient(f, x, lets)
    out = g.result if layout == "denominator" else b.transpose(g.result)
    return Result("gradient", expr, wrt, g, out, g.df, layout, lets)


def jacobian(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None) -> Result:
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose."""
    layout = _layout(layout, "numerator")
    F, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax)
    j = _jacobian(b.substitute(F, _full_definitions(lets)) if lets else F, x)
    out = j.result if layout == "numerator" else b.transpose(j.result)
    return Result("jacobian", expr, wrt, j, out, j.df, layout)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX)."""
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax)
    h = _hessian(b.substitute(f, _full_definitions(lets)) if lets else f, x)
    return Result("hessian", expr, wrt, h, h.result, h.d2f, "symmetric")


