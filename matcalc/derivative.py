"""What the printers of a derivative read: a small explicit record, so that
printing/equations.py and printing/index.py depend on this and not on the
API's Result."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .expr import Expr, Var


@dataclass(frozen=True)
class Derivative:
    """kind 'gradient' (df = G : dX), 'jacobian' (dF = J vec(dX)) or 'hessian'
    (d2f = vec(dX)^T H vec(dX)); ``expr`` is the result in ``layout``,
    ``differential`` is df, dF or d2f, ``gradient`` is G in denominator layout
    (gradients only)."""

    kind: str
    layout: str
    x: Var
    f: Expr
    expr: Expr
    differential: Expr
    gradient: Optional[Expr] = None
    convention: Optional[str] = None  # wrt a symmetric variable: 'symmetric' or 'entrywise' (matcalc.symmetric)

    @property
    def wrt(self) -> str:
        return self.x.name
