"""The derivation problems: the fixed ones, the three scaling families, and
how each one's SymPy answer is turned into numbers to be checked."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from benchmarks.checks import DIM_VALUES, check_gradient, random_orthogonal


@dataclass
class Problem:
    name: str  # as typed to matcalc
    wrt: str
    dims: dict  # variable -> (rows, cols); a dimension is a name in DIM_VALUES or 1
    sympy: Optional[Callable]  # S (dict of MatrixSymbols) -> the SymPy derivative
    f: Callable  # values (dict of 2-D arrays) -> float
    values: Optional[Callable] = None  # (rng, values) -> values to override
    sympy_note: str = ""

    def matcalc_shapes(self) -> dict:
        out = {}
        for v, (r, c) in self.dims.items():
            out[v] = "scalar" if (r, c) == (1, 1) else (str(r) if c == 1 else f"{r},{c}")
        return out

    def numbers(self, seed: int = 0) -> dict:
        rng = np.random.default_rng(seed)
        size = lambda d: DIM_VALUES[d] if isinstance(d, str) else d  # noqa: E731
        vals = {v: rng.standard_normal((size(r), size(c))) for v, (r, c) in self.dims.items()}
        if self.values:
            vals.update(self.values(rng, vals))
        return vals


def _sympy_symbols(dims: dict) -> dict:
    import sympy

    syms = {d: sympy.Symbol(d, integer=True, positive=True) for d in DIM_VALUES}
    dim = lambda d: syms[d] if isinstance(d, str) else d  # noqa: E731
    return {v: sympy.MatrixSymbol(v, dim(r), dim(c)) for v, (r, c) in dims.items()}


def sympy_numeric(result, values: dict):
    """The numbers of a SymPy derivative (a matrix or array expression) at values."""
    import sympy

    if isinstance(result, sympy.Derivative) or result.has(sympy.Derivative):
        raise ValueError("SymPy returned an unevaluated Derivative")
    if result == 0 or isinstance(result, sympy.ZeroMatrix):
        return np.zeros(1)
    r = result.xreplace({sympy.Symbol(d, integer=True, positive=True): v for d, v in DIM_VALUES.items()})
    r = r.xreplace({s: sympy.ImmutableMatrix(values[s.name]) for s in r.atoms(sympy.MatrixSymbol)})
    out = r.doit()
    if hasattr(out, "as_explicit"):
        out = out.as_explicit()
    out = out.tolist() if hasattr(out, "tolist") else out
    return np.array(out, dtype=float)


def sympy_check_error(result, values, f, x) -> Optional[float]:
    """The numeric check's error, 0 for the zero answers (they are checked as a
    zero gradient), None if the result could not be turned into numbers."""
    G = sympy_numeric(result, values)
    if G.size == 1 and values[x].size != 1 and not G.any():
        G = np.zeros_like(values[x])
    return check_gradient(G, f, x, values)


def _np_logistic(z):
    return np.log1p(np.exp(z))


def problems() -> list:
    from sympy import Determinant, HadamardProduct, OneMatrix, Trace, exp, log

    def ones_row(S, v):
        return OneMatrix(1, S[v].shape[0])

    pd_X = lambda rng, v: {"X": 3 * np.eye(v["X"].shape[0]) + 0.3 * v["X"]}  # noqa: E731
    one = lambda a: float(np.sum(a))  # noqa: E731
    return [
        Problem("x^T A x", "x", {"x": ("n", 1), "A": ("n", "n")},
                lambda S: (S["x"].T * S["A"] * S["x"]).diff(S["x"]),
                lambda v: one(v["x"].T @ v["A"] @ v["x"])),
        Problem("w^T L M N x", "M", {"w": ("n", 1), "L": ("n", "p"), "M": ("p", "q"), "N": ("q", "k"),
                                     "x": ("k", 1)},
                lambda S: (S["w"].T * S["L"] * S["M"] * S["N"] * S["x"]).diff(S["M"]),
                lambda v: one(v["w"].T @ v["L"] @ v["M"] @ v["N"] @ v["x"])),
        Problem("tr(A X^T B X C)", "X", {"A": ("p", "p"), "X": ("n", "p"), "B": ("n", "n"), "C": ("p", "p")},
                lambda S: Trace(S["A"] * S["X"].T * S["B"] * S["X"] * S["C"]).diff(S["X"]),
                lambda v: float(np.trace(v["A"] @ v["X"].T @ v["B"] @ v["X"] @ v["C"]))),
        Problem("x^T A^T A x", "x", {"x": ("n", 1), "A": ("p", "n")},
                lambda S: (S["x"].T * S["A"].T * S["A"] * S["x"]).diff(S["x"]),
                lambda v: one(v["x"].T @ v["A"].T @ v["A"] @ v["x"])),
        Problem("tr(X^T A X)", "X", {"X": ("n", "p"), "A": ("n", "n")},
                lambda S: Trace(S["X"].T * S["A"] * S["X"]).diff(S["X"]),
                lambda v: float(np.trace(v["X"].T @ v["A"] @ v["X"]))),
        Problem("x^T X^{-1} x", "X", {"x": ("n", 1), "X": ("n", "n")},
                lambda S: (S["x"].T * S["X"].I * S["x"]).diff(S["X"]),
                lambda v: one(v["x"].T @ np.linalg.inv(v["X"]) @ v["x"]), values=pd_X),
        Problem("tr(A X^{-1} B)", "X", {"A": ("n", "n"), "X": ("n", "n"), "B": ("n", "n")},
                lambda S: Trace(S["A"] * S["X"].I * S["B"]).diff(S["X"]),
                lambda v: float(np.trace(v["A"] @ np.linalg.inv(v["X"]) @ v["B"])), values=pd_X),
        Problem("(x - m)^T X^{-1} (x - m)", "X", {"x": ("n", 1), "m": ("n", 1), "X": ("n", "n")},
                lambda S: ((S["x"] - S["m"]).T * S["X"].I * (S["x"] - S["m"])).diff(S["X"]),
                lambda v: one((v["x"] - v["m"]).T @ np.linalg.inv(v["X"]) @ (v["x"] - v["m"])), values=pd_X),
        Problem("norm(X - U V^T)^2", "U", {"X": ("n", "p"), "U": ("n", "q"), "V": ("p", "q")},
                lambda S: Trace((S["X"] - S["U"] * S["V"].T).T * (S["X"] - S["U"] * S["V"].T)).diff(S["U"]),
                lambda v: float(np.sum((v["X"] - v["U"] @ v["V"].T) ** 2)),
                sympy_note="SymPy: written tr((X - U V^T)^T (X - U V^T))"),
        Problem("sum(exp(A x))", "x", {"A": ("n", "n"), "x": ("n", 1)},
                lambda S: (ones_row(S, "A") * (S["A"] * S["x"]).applyfunc(exp)).diff(S["x"]),
                lambda v: float(np.sum(np.exp(v["A"] @ v["x"])))),
        Problem("sum(log(1 + exp(X w)))", "w", {"X": ("n", "p"), "w": ("p", 1)},
                lambda S: (ones_row(S, "X") * (S["X"] * S["w"]).applyfunc(lambda t: log(1 + exp(t)))).diff(S["w"]),
                lambda v: float(np.sum(_np_logistic(v["X"] @ v["w"])))),
        Problem("logdet(X)", "X", {"X": ("n", "n")},
                lambda S: log(Determinant(S["X"])).diff(S["X"]),
                lambda v: float(np.linalg.slogdet(v["X"])[1]), values=pd_X),
        Problem("tr(X) + tr(X^T X)", "X", {"X": ("n", "n")},
                lambda S: (Trace(S["X"]) + Trace(S["X"].T * S["X"])).diff(S["X"]),
                lambda v: float(np.trace(v["X"]) + np.trace(v["X"].T @ v["X"]))),
        Problem("x^T A x + x^T B x", "x", {"x": ("n", 1), "A": ("n", "n"), "B": ("n", "n")},
                lambda S: (S["x"].T * S["A"] * S["x"] + S["x"].T * S["B"] * S["x"]).diff(S["x"]),
                lambda v: one(v["x"].T @ v["A"] @ v["x"] + v["x"].T @ v["B"] @ v["x"])),
        Problem("tr(X^T A X) + tr(B X)", "X", {"X": ("n", "n"), "A": ("n", "n"), "B": ("n", "n")},
                lambda S: (Trace(S["X"].T * S["A"] * S["X"]) + Trace(S["B"] * S["X"])).diff(S["X"]),
                lambda v: float(np.trace(v["X"].T @ v["A"] @ v["X"]) + np.trace(v["B"] @ v["X"]))),
        Problem("det(X)", "X", {"X": ("n", "n")},
                lambda S: Determinant(S["X"]).diff(S["X"]),
                lambda v: float(np.linalg.det(v["X"])), values=pd_X),
        Problem("logdet(X) + (x - m)^T X^{-1} (x - m)", "X", {"X": ("n", "n"), "x": ("n", 1), "m": ("n", 1)},
                lambda S: (log(Determinant(S["X"])) + (S["x"] - S["m"]).T * S["X"].I * (S["x"] - S["m"]))
                .diff(S["X"]),
                lambda v: float(np.linalg.slogdet(v["X"])[1])
                + one((v["x"] - v["m"]).T @ np.linalg.inv(v["X"]) @ (v["x"] - v["m"])), values=pd_X),
        Problem("sum(log(1 + exp(-y .* (X w))))", "w", {"X": ("n", "p"), "w": ("p", 1), "y": ("n", 1)},
                lambda S: (ones_row(S, "X") * HadamardProduct(-S["y"], S["X"] * S["w"])
                           .applyfunc(lambda t: log(1 + exp(t)))).diff(S["w"]),
                lambda v: float(np.sum(_np_logistic(-v["y"] * (v["X"] @ v["w"]))))),
    ]


QUICK_PROBLEMS = ("x^T A x", "logdet(X)", "sum(exp(A x))", "sum(log(1 + exp(-y .* (X w))))")


def chain_problem(n: int) -> Problem:
    names = [f"M{i}" for i in range(1, n + 1)]
    mid = names[n // 2 - 1]

    def sym(S):
        e = S["w"].T
        for m in names:
            e = e * S[m]
        return (e * S["x"]).diff(S[mid])

    def f(v):
        a = v["w"].T
        for m in names:
            a = a @ v[m]
        return float((a @ v["x"]).item())

    dims = {"w": ("n", 1), **{m: ("n", "n") for m in names}, "x": ("n", 1)}
    values = lambda rng, v: {m: random_orthogonal(rng, DIM_VALUES["n"]) for m in names}  # noqa: E731
    return Problem("w^T " + " ".join(names) + " x", mid, dims, sym, f, values=values)


def trace_problem(k: int) -> Problem:
    from sympy import Trace

    return Problem(f"tr(X^{k})", "X", {"X": ("n", "n")},
                   lambda S: Trace(S["X"] ** k).diff(S["X"]),
                   lambda v: float(np.trace(np.linalg.matrix_power(v["X"], k))),
                   values=lambda rng, v: {"X": random_orthogonal(rng, DIM_VALUES["n"])})


def mlp_text(L: int) -> str:
    s = "x"
    for i in range(1, L + 1):
        s = f"tanh(W{i} {s})"
    return "v^T " + s


def mlp_problem(L: int) -> Problem:
    from sympy import tanh

    def sym(S):
        h = S["x"]
        for i in range(1, L + 1):
            h = (S[f"W{i}"] * h).applyfunc(tanh)
        return (S["v"].T * h).diff(S["W1"])

    def f(v):
        h = v["x"]
        for i in range(1, L + 1):
            h = np.tanh(v[f"W{i}"] @ h)
        return float((v["v"].T @ h).item())

    dims = {"v": ("n", 1), "x": ("n", 1), **{f"W{i}": ("n", "n") for i in range(1, L + 1)}}
    return Problem(mlp_text(L), "W1", dims, sym, f)


def families(cfg) -> dict:
    """The scaling families: key -> (title, size variable, sizes, problem maker)."""
    return {
        "chain": ("w^T M1 ... Mn x wrt M(n/2)", "n", cfg.chain_ns, chain_problem),
        "trace_power": ("tr(X^k) wrt X", "k", cfg.trace_ks, trace_problem),
        "mlp": ("v^T tanh(W_L ... tanh(W1 x)) wrt W1", "L", cfg.mlp_ls, mlp_problem),
    }


def selected(cfg) -> list:
    """The fixed problems of this run (--quick: a few)."""
    return [p for p in problems() if not cfg.quick or p.name in QUICK_PROBLEMS]
