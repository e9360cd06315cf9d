"""Finite differences: the one numeric oracle for derivatives, used by
``Result.check`` and by every test.

A derivative is checked along a direction: with each varied variable X moved
to X + tV, the central difference quotient of F at t = 0 must equal the
derivative applied to V (J vec(V) for a Jacobian, G : V for a gradient, df
with dX = V for a differential).  Imports numpy; only numeric options and
tests load it.
"""
from __future__ import annotations

import numpy as np

from .dims import dim_value
from .expr import Expr, Var
from .numeric import Evaluator, random_env


def vec(a):
    """The column-stacking vec of an array, 1-D."""
    return np.asarray(a, dtype=float).reshape(-1, order="F")


def moved(env: dict, directions: dict, t) -> dict:
    """The environment with every variable X of ``directions`` at X + t V."""
    return dict(env, **{name: env[name] + t * V for name, V in directions.items()})


def evaluator_at(directions: dict, env: dict, sizes: dict, t, strict: bool = False) -> Evaluator:
    """An Evaluator at X + t V (its memo holds the intermediate values)."""
    return Evaluator(moved(env, directions, t), sizes, strict=strict)


def value_at(F: Expr, directions: dict, env: dict, sizes: dict, t, strict: bool = False):
    """F at X + t V, a 2-D array."""
    return evaluator_at(directions, env, sizes, t, strict)(F)


def difference_quotient(F: Expr, directions: dict, env: dict, sizes: dict, h: float, stencil: int = 2,
                        strict: bool = False):
    """d F along V, a 2-D array shaped like F:
    stencil 2: (F(X + hV) - F(X - hV)) / 2h, error O(h^2);
    stencil 4: (8 (F(X + hV) - F(X - hV)) - (F(X + 2hV) - F(X - 2hV))) / 12h, error O(h^4)
    (exact for polynomials of degree up to 4)."""
    def at(t):
        return value_at(F, directions, env, sizes, t, strict)

    if stencil == 2:
        return (at(h) - at(-h)) / (2 * h)
    if stencil == 4:
        return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
    raise ValueError(f"stencil {stencil}: 2 or 4")


def jacobian_by_columns(F: Expr, x: Var, env: dict, sizes: dict, h: float = 1e-6):
    """d vec(F) / d vec(X)^T, size(F) x size(X), by central differences along
    each unit direction: column k + rows * l for X_kl."""
    X = env[x.name]
    cols = []
    for idx in range(X.size):
        E = np.zeros(X.size)
        E[idx] = 1.0
        cols.append(vec(difference_quotient(F, {x.name: E.reshape(X.shape, order="F")}, env, sizes, h)))
    return np.stack(cols, axis=1)


def hessian_by_entries(f: Expr, x: Var, env: dict, sizes: dict, h: float = 1e-4):
    """d2f / d vec(X) d vec(X)^T by second central differences, entry by entry
    (X_kl at k + rows * l):
    H_ij = (f(+h e_i + h e_j) - f(+h e_i - h e_j) - f(-h e_i + h e_j) + f(-h e_i - h e_j)) / 4h^2."""
    X = env[x.name]
    n = X.size

    def at(*steps):
        E = np.zeros(n)
        for i, s in steps:
            E[i] += s * h
        return float(Evaluator(dict(env, **{x.name: X + E.reshape(X.shape, order="F")}), sizes)(f)[0, 0])

    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = (at((i, 1), (j, 1)) - at((i, 1), (j, -1)) - at((i, -1), (j, 1))
                                 + at((i, -1), (j, -1))) / (4 * h * h)
    return H


def jacobian_check(F: Expr, x: Var, J: Expr, rng, env=None, sizes=None, h=1e-5, spread=1.0) -> float:
    """|J vec(V) - vec(F(X + hV) - F(X - hV)) / 2h|, relative (2-norm), for a
    random V; J is d vec(F) / d vec(X)^T.  A gradient check is the case of a
    scalar F with J = vec(G)^T.  Derivatives at the level of the rounding
    error of the difference quotient (eps |largest intermediate of F| / h)
    are compared absolutely: the scale is at least 1e7 times that error, so
    a zero gradient of an f that cancels only in exact arithmetic,
    x^T (A - A^T) x, passes.  Values that are not finite, and inverses, determinants and
    log-determinants of nearly singular matrices, are a NumericError: the
    random values are outside the domain."""
    from .errors import NumericError

    if env is None:  # x too: the gradient of a linear f does not involve it
        env, sizes = random_env([F, J, x], rng, spread=spread)
    xs = tuple(dim_value(d, sizes) for d in x.shape)
    V = rng.standard_normal(xs)
    directions = {x.name: V}
    with np.errstate(all="ignore"):
        analytic = Evaluator(env, sizes, strict=True)(J) @ vec(V)
        at_plus = evaluator_at(directions, env, sizes, h, strict=True)
        at_minus = evaluator_at(directions, env, sizes, -h, strict=True)
        fd = (vec(at_plus(F)) - vec(at_minus(F))) / (2 * h)
        # f's intermediate values bound the rounding error of its value
        largest = max(np.linalg.norm(v) for v in at_plus.memo.values())
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(fd))):
        raise NumericError("the expression or its derivative is not finite at these random values")
    noise = np.finfo(float).eps * largest / h  # the rounding error of one difference quotient
    with np.errstate(all="ignore"):  # finite values whose norms overflow: exp(exp(exp(X)))
        scale = max(np.linalg.norm(analytic), np.linalg.norm(fd), 1e-8, 1e7 * noise)
        error = float(np.linalg.norm(analytic - fd) / scale)
    if not np.isfinite(error):
        raise NumericError("the expression or its derivative overflows at these random values")
    return error
