"""The pipeline as named stages: differentiate, peel to G : dX, tidy."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import build as b
from .errors import UsageError
from .expr import Expr, Var
from .printing.text import to_text
from .rules.adjoints import Step, peel
from .rules.differentials import differential
from .rules.tidy import tidy


@dataclass
class Gradient:
    """f, X, df, the raw G with df = G : dX, the tidied G, and the peel steps."""

    f: Expr
    x: Var
    df: Expr
    raw: Expr
    result: Expr
    steps: list = field(default_factory=list)


def gradient(f: Expr, x: Var) -> Gradient:
    if f.shape != (1, 1):
        raise UsageError(f"the gradient needs a scalar expression, but {to_text(f)} has shape "
                         f"{f.shape[0]}×{f.shape[1]}; use `matcalc jacobian` for a matrix-valued one")
    df = differential(f, x)
    steps: list[Step] = []
    raw = peel(df, b.differential(x), steps)
    return Gradient(f, x, df, raw, tidy(raw), steps)
