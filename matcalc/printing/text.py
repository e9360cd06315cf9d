"""Plain text in matcalc's own input language: parse(to_text(e)) == e."""
from __future__ import annotations

from .base import Printer


class TextPrinter(Printer):
    pass


def to_text(e) -> str:
    return TextPrinter().doprint(e)
