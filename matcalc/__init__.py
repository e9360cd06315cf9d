"""matcalc: symbolic matrix differential calculus.

    >>> import matcalc
    >>> matcalc.grad("w^T L M N x", wrt="M").text()
    'L^T w x^T N^T'
"""
from .errors import MatcalcError, ParseError, ShapeError, UnsupportedError

__all__ = ["grad", "parse", "MatcalcError", "ParseError", "ShapeError", "UnsupportedError"]
__version__ = "0.1.0"


def grad(expr, wrt, shapes=None):
    """The gradient of a scalar expression; see matcalc.api.grad."""
    from .api import grad as _grad

    return _grad(expr, wrt, shapes)


def parse(text, shapes=None):
    """The canonical expression of a text; see matcalc.api.parse."""
    from .api import parse as _parse

    return _parse(text, shapes)
