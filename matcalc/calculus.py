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


@dataclass
class Jacobian:
    """F, X, dF = L(dX), and J = d vec(F) / d vec(X)^T (numerator layout)."""

    f: Expr
    x: Var
    df: Expr
    result: Expr


def jacobian(F: Expr, x: Var) -> Jacobian:
    """vec(dF) = J vec(dX).  A scalar F gives the row vec(G)^T."""
    from .rules.vectorize import vec_jacobian

    df = differential(F, x)
    if F.shape == (1, 1):
        g = gradient(F, x)
        return Jacobian(F, x, df, b.transpose(b.vec(g.result)))
    return Jacobian(F, x, df, tidy(vec_jacobian(df, b.differential(x))))


@dataclass
class Hessian:
    """f, X, the gradient G, the second differential d2f (bilinear in dX) and
    H = d2f / d vec(X) d vec(X)^T = d vec(G) / d vec(X)^T."""

    f: Expr
    x: Var
    grad: Gradient
    d2f: Expr
    result: Expr


def hessian(f: Expr, x: Var) -> Hessian:
    if f.shape != (1, 1):
        raise UsageError(f"the Hessian needs a scalar expression, but {to_text(f)} has shape "
                         f"{f.shape[0]}×{f.shape[1]}; use `matcalc jacobian` for a matrix-valued one")
    from .rules.vectorize import vec_jacobian

    g = gradient(f, x)
    d2f = differential(g.df, x)
    dG = differential(g.raw, x)
    return Hessian(f, x, g, d2f, tidy(vec_jacobian(dG, b.differential(x))))
