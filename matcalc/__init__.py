"""matcalc: symbolic matrix differential calculus.

    >>> import matcalc
    >>> matcalc.grad("w^T L M N x", wrt="M").text()
    'L^T w x^T N^T'
"""
from .errors import MatcalcError, ParseError, ShapeError, UnsupportedError

__all__ = ["grad", "jacobian", "hessian", "parse", "to_sympy", "from_sympy", "MatcalcError", "ParseError", "ShapeError", "UnsupportedError"]
__version__ = "0.1.0"


def grad(expr, wrt, shapes=None, layout=None, lets=None, functions=(), syntax=None):
    """The gradient of a scalar expression; see matcalc.api.grad."""
    from .api import grad as _grad

    return _grad(expr, wrt, shapes, layout, lets, functions, syntax)


def parse(text, shapes=None, syntax=None):
    """The canonical expression of a text; see matcalc.api.parse."""
    from .api import parse as _parse

    return _parse(text, shapes, syntax)


def jacobian(expr, wrt, shapes=None, layout=None, lets=None, functions=(), syntax=None):
    """d vec(F) / d vec(X)^T; see matcalc.api.jacobian."""
    from .api import jacobian as _jacobian

    return _jacobian(expr, wrt, shapes, layout, lets, functions, syntax)


def hessian(expr, wrt, shapes=None, lets=None, functions=(), syntax=None):
    """d2f / d vec(X) d vec(X)^T; see matcalc.api.hessian."""
    from .api import hessian as _hessian

    return _hessian(expr, wrt, shapes, lets, functions, syntax)


def to_sympy(expr, shapes=None):
    """A SymPy matrix expression of an expression, a Result or a text; see matcalc.sympy_bridge."""
    from .sympy_bridge import to_sympy as _to_sympy

    return _to_sympy(expr, shapes)


def from_sympy(sympy_expr):
    """The matcalc expression of a SymPy matrix expression; see matcalc.sympy_bridge."""
    from .sympy_bridge import from_sympy as _from_sympy

    return _from_sympy(sympy_expr)
