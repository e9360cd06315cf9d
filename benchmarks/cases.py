"""The generated-code problems (``NumCase``): data, the function for JAX and
PyTorch, the best hand-written NumPy formula; the chain of eight matrices; and
matcalc's generated NumPy function for a derivative."""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import matcalc


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


@dataclass
class NumCase:
    name: str
    kind: str  # gradient | hessian
    expr: str
    wrt: str
    shapes: dict
    data: Callable  # (rng, sizes) -> dict of arrays (vectors 1-D)
    f: Callable  # (xp, wrt value, others dict) -> scalar; xp is jax.numpy or torch
    hand: Callable  # (arrays) -> the best hand-written NumPy formula
    hand_text: str = ""


def _logistic_data(rng, s):
    m, n = s["logistic"]
    return {"X": rng.standard_normal((m, n)), "w": rng.standard_normal(n) / math.sqrt(n),
            "y": rng.choice([-1.0, 1.0], size=m)}


def _xp_log1pexp(xp, z):
    return xp.log(1 + xp.exp(z))


def numeric_cases() -> list:
    quad_data = lambda rng, s: {"A": rng.standard_normal((s["quad"], s["quad"])),  # noqa: E731
                                "x": rng.standard_normal(s["quad"])}
    exp_data = lambda rng, s: {"A": rng.standard_normal((s["exp"], s["exp"])) / math.sqrt(s["exp"]),  # noqa: E731
                               "x": rng.standard_normal(s["exp"]) / 2}

    def factor_data(rng, s):
        m, n, r = s["factor"]
        return {"X": rng.standard_normal((m, n)), "U": rng.standard_normal((m, r)),
                "V": rng.standard_normal((n, r))}

    def chain_data(rng, s):
        n = s["chain"]
        d = {f"M{i}": rng.standard_normal((n, n)) / math.sqrt(n) for i in range(1, 9)}
        d.update(w=rng.standard_normal(n), x=rng.standard_normal(n))
        return d

    def chain_f(xp, M4, d):
        a = d["w"]
        for i in range(1, 9):
            a = a @ (M4 if i == 4 else d[f"M{i}"])
        return a @ d["x"]

    def logistic_hess(d):
        z = d["X"] @ d["w"]
        s = _sigmoid(z)
        B = np.sqrt(s * (1 - s))[:, None] * d["X"]
        return B.T @ B

    def labelled_grad(d):
        return -(d["X"].T @ (d["y"] * _sigmoid(-d["y"] * (d["X"] @ d["w"]))))

    def labelled_hess(d):
        s = _sigmoid(-d["y"] * (d["X"] @ d["w"]))
        B = (np.abs(d["y"]) * np.sqrt(s * (1 - s)))[:, None] * d["X"]
        return B.T @ B

    def exp_hess(d):
        e = np.exp(d["A"] @ d["x"])
        return (d["A"].T * e) @ d["A"]

    return [
        NumCase("x^T A x, gradient", "gradient", "x^T A x", "x", {"A": "n,n", "x": "n"}, quad_data,
                lambda xp, x, d: x @ d["A"] @ x, lambda d: d["A"] @ d["x"] + d["A"].T @ d["x"], "A x + A^T x"),
        NumCase("x^T A x, Hessian", "hessian", "x^T A x", "x", {"A": "n,n", "x": "n"}, quad_data,
                lambda xp, x, d: x @ d["A"] @ x, lambda d: d["A"] + d["A"].T, "A + A^T"),
        NumCase("logistic, gradient", "gradient", "sum(log(1 + exp(X w)))", "w", {"X": "m,n", "w": "n"},
                _logistic_data, lambda xp, w, d: xp.sum(_xp_log1pexp(xp, d["X"] @ w)),
                lambda d: d["X"].T @ _sigmoid(d["X"] @ d["w"]), "X^T sigmoid(X w)"),
        NumCase("logistic, Hessian", "hessian", "sum(log(1 + exp(X w)))", "w", {"X": "m,n", "w": "n"},
                _logistic_data, lambda xp, w, d: xp.sum(_xp_log1pexp(xp, d["X"] @ w)), logistic_hess,
                "B^T B, B = sqrt(s (1 - s)) .* X"),
        NumCase("logistic with labels, gradient", "gradient", "sum(log(1 + exp(-y .* (X w))))", "w",
                {"X": "m,n", "w": "n", "y": "m"}, _logistic_data,
                lambda xp, w, d: xp.sum(_xp_log1pexp(xp, -d["y"] * (d["X"] @ w))), labelled_grad,
                "-X^T (y .* sigmoid(-y .* X w))"),
        NumCase("logistic with labels, Hessian", "hessian", "sum(log(1 + exp(-y .* (X w))))", "w",
                {"X": "m,n", "w": "n", "y": "m"}, _logistic_data,
                lambda xp, w, d: xp.sum(_xp_log1pexp(xp, -d["y"] * (d["X"] @ w))), labelled_hess,
                "B^T B, B = |y| sqrt(s (1 - s)) .* X"),
        NumCase("norm(X - U V^T)^2, gradient wrt U", "gradient", "norm(X - U V^T)^2", "U",
                {"X": "m,n", "U": "m,r", "V": "n,r"}, factor_data,
                lambda xp, U, d: xp.sum((d["X"] - U @ d["V"].T) ** 2),
                lambda d: 2 * (d["U"] @ (d["V"].T @ d["V"]) - d["X"] @ d["V"]), "2 (U (V^T V) - X V)"),
        NumCase("sum(exp(A x)), gradient", "gradient", "sum(exp(A x))", "x", {"A": "n,n", "x": "n"}, exp_data,
                lambda xp, x, d: xp.sum(xp.exp(d["A"] @ x)), lambda d: d["A"].T @ np.exp(d["A"] @ d["x"]),
                "A^T exp(A x)"),
        NumCase("sum(exp(A x)), Hessian", "hessian", "sum(exp(A x))", "x", {"A": "n,n", "x": "n"}, exp_data,
                lambda xp, x, d: xp.sum(xp.exp(d["A"] @ x)), exp_hess, "(A^T .* exp(A x)^T) A"),
        NumCase("w^T M1 ... M8 x, gradient wrt M4", "gradient", CHAIN8, "M4", CHAIN8_SHAPES, chain_data, chain_f,
                lambda d: np.outer(chain_left(d), chain_right(d)), "vector first: (M3^T M2^T M1^T w)(x^T M8^T ... M5^T)"),
    ]


CHAIN8 = "w^T M1 M2 M3 M4 M5 M6 M7 M8 x"
CHAIN8_SHAPES = {**{f"M{i}": "n,n" for i in range(1, 9)}, "w": "n", "x": "n"}


def chain_left(d):
    return d["M3"].T @ (d["M2"].T @ (d["M1"].T @ d["w"]))


def chain_right(d):
    return d["M5"] @ (d["M6"] @ (d["M7"] @ (d["M8"] @ d["x"])))


def generated_function(kind, expr, wrt, shapes):
    """matcalc's derivative as the NumPy function its generated module defines."""
    r = matcalc.hessian(expr, wrt, shapes) if kind == "hessian" else matcalc.grad(expr, wrt, shapes)
    src = r.numpy_source()
    ns: dict = {}
    exec(compile(src, f"<matcalc {kind} of {expr}>", "exec"), ns)
    fn = ns[kind]
    params = list(inspect.signature(fn).parameters)
    return fn, params, src, r.text()
