"""Plain text in matcalc's own input language: parse(to_text(e)) == e."""
from __future__ import annotations

from ..expr import Expr
from .base import Printer


class TextPrinter(Printer):
    pass


def to_text(e) -> str:
    return TextPrinter().doprint(e)


Expr.readable = staticmethod(to_text)  # repr(e) reads <MatMul L^T w x^T N^T> (see Expr.__repr__)
