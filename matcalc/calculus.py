"""The pipeline as named stages: differentiate, peel to G : dX, tidy."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import build as b
from .errors import UsageError
from .expr import Expr, Var
from .printing.text import to_text
from .rules.adjoints import COLLECT, Step, peel_pairs
from .rules.differentials import differential
from .rules.tidy import tidy


@dataclass
class Gradient:
    """f, X, df, the raw G with df = G : dX, the tidied G, the steps, and the
    named intermediates (lets: {Var: definition}) the derivation went through."""

    f: Expr
    x: Var
    df: Expr
    raw: Expr
    result: Expr
    steps: list = field(default_factory=list)
    lets: dict = field(default_factory=dict)


def _depends(lets: dict, x: Var) -> list:
    """The intermediates whose definitions depend on x, in definition order."""
    names = {x.name}
    out = []
    for v, definition in lets.items():
        if names & definition.free:
            names.add(v.name)
            out.append(v)
    return out


def gradient(f: Expr, x: Var, lets: dict | None = None) -> Gradient:
    """G with df = G : dX, by peeling df; through named intermediates L = D(...)
    by the chain rule: C : dL becomes C : dD, latest intermediate first."""
    if f.shape != (1, 1):
        raise UsageError(f"the gradient needs a scalar expression, but {to_text(f)} has shape "
                         f"{f.shape[0]}×{f.shape[1]}; use `matcalc jacobian` for a matrix-valued one")
    lets = dict(lets or {})
    through = _depends(lets, x)
    used: list = []
    df = differential(f, [x, *through], used)
    steps: list = [Step("differential", "; ".join(used), ((b.num(1), df),))]
    pairs = peel_pairs([(b.num(1), df)], steps)
    for v in reversed(through):
        dv = b.differential(v)
        mine = [C for C, E in pairs if E == dv]
        if not mine:
            continue
        used = []
        dD = differential(lets[v], [x, *through[: through.index(v)]], used)
        C = b.add(*mine, shape=v.shape)
        rest = [(c, e) for c, e in pairs if e != dv]
        steps.append(Step(f"chain rule through {v.name}", f"d{v.name} = {to_text(dD)}" +
                          (f" ({'; '.join(used)})" if used else ""), tuple(rest + [(C, dD)])))
        pairs = peel_pairs(rest + [(C, dD)], steps)
    dx = b.differential(x)
    raw = b.add(*[C for C, E in pairs if E == dx], shape=x.shape)
    result = tidy(raw)
    if len(pairs) != 1 or pairs[0][0] != result:
        steps.append(Step("collect terms", str(COLLECT), ((result, dx),)))
    return Gradient(f, x, df, raw, result, steps, lets)


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


def full_definitions(lets: dict) -> dict:
    """Definitions in terms of variables only (later ones may use earlier ones)."""
    full: dict = {}
    for v, definition in lets.items():
        full[v] = b.substitute(definition, full) if full else definition
    return full
