"""Numeric checks of the answers: a gradient against central differences, two
arrays against each other, and the random data they use."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

DIM_VALUES = {"n": 3, "p": 4, "q": 2, "k": 5}
CHECK_TOLERANCE = 1e-5
AGREE_TOLERANCE = 1e-8


def check_gradient(G, f: Callable, x: str, values: dict, seed: int = 0) -> float:
    """|G : V - central difference of f along V| relative to the larger of the two."""
    rng = np.random.default_rng(seed)
    X = values[x]
    G = np.asarray(G, dtype=float)
    if G.size != X.size:
        return math.inf
    G = G.reshape(X.shape)
    V = rng.standard_normal(X.shape)
    h = 1e-6
    fd = (f({**values, x: X + h * V}) - f({**values, x: X - h * V})) / (2 * h)
    an = float(np.sum(G * V))
    return abs(an - fd) / max(abs(an), abs(fd), 1e-6)


def random_orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def agreement(a, ref) -> float:
    a, ref = np.asarray(a, dtype=float), np.asarray(ref, dtype=float)
    if a.size != ref.size:
        return math.inf
    a = a.reshape(ref.shape)
    return float(np.max(np.abs(a - ref)) / max(np.max(np.abs(ref)), 1e-300))
