"""Shared helpers for the gradient, identity, grammar and printer tests.

Every expected-output test is paired with a numeric check (design habit 8):
G : V must equal the central finite difference of f along a random V, so a
change of canonical form can only update a string, never hide wrong maths.
Every finite difference comes from the library's one oracle,
matcalc.finite_differences (difference quotients along directions, Jacobians
by columns, Hessians by entries, and Result.check's jacobian_check); the test
files use it, and the shared helpers below, through this module.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matcalc  # noqa: E402
from matcalc import build  # noqa: E402
from matcalc.dims import dim_value  # noqa: E402
from matcalc.expr import Expr, Identity, Ones, Unvec, Var, Zero  # noqa: E402
from matcalc.finite_differences import (  # noqa: E402,F401 - the one finite-difference oracle, for the tests
    difference_quotient, hessian_by_entries, jacobian_by_columns, jacobian_check, value_at, vec,
)
from matcalc.walk import variables  # noqa: E402,F401 - {name: Var} of an expression, for the tests
from matcalc.numeric import evaluate, random_env  # noqa: E402

# Hypothesis: the default run (CI, the README's test command) draws the same
# examples every time, so that it passes or fails for a reason in the code;
# MATCALC_LONG=1 draws fresh ones at random to look for new failures.
import os as _os  # noqa: E402

from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("matcalc", derandomize=_os.environ.get("MATCALC_LONG", "") in ("", "0"))
_hypothesis_settings.load_profile("matcalc")

SEEDS = (0, 1, 2)
TOLERANCE = 1e-6


# --- expressions -------------------------------------------------------------------


def var_shapes(*exprs) -> dict:
    """{name: shape} of the variables, to declare when re-parsing (same dims)."""
    out = {}
    for e in exprs:
        out.update({n: v.shape for n, v in variables(e).items()})
    return out


def unbound_dims(e: Expr, bound: set) -> bool:
    """Whether e holds an I, ones, 0 or unvec whose size no variable fixes
    (such a node re-parses with a fresh dimension name)."""
    names = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (Identity, Ones, Zero, Unvec)):
            names |= {d for d in x.shape if isinstance(d, str)}
        stack.extend(x.children())
    return bool(names - bound)


def dims_of(shapes: dict) -> set:
    return {d for s in shapes.values() for d in s if isinstance(d, str)}


# --- numbers -----------------------------------------------------------------------


def environment(exprs, seed: int):
    """Random values (on each operation's domain) and sizes for the variables."""
    return random_env(list(exprs), np.random.default_rng(seed))


def value(e: Expr, env: dict, sizes: dict):
    return evaluate(e, env, sizes)


def sizes_for(new: Expr, old: Expr, sizes: dict) -> dict:
    """Sizes for a re-parsed expression whose free-standing dims were renamed:
    match its shape to the original's."""
    out = dict(sizes)
    for d_new, d_old in zip(new.shape, old.shape):
        if isinstance(d_new, str) and d_new not in out:
            out[d_new] = dim_value(d_old, sizes)
    stack = [new]
    while stack:  # any dimension still unknown (tr(I) in a scalar): some size
        x = stack.pop()
        for d in getattr(x, "shape", ()):
            if isinstance(d, str) and d not in out:
                out[d] = 3
        stack.extend(x.children())
    return out


def directional_error(f: Expr, x: Var, G: Expr, seed: int, h: float = 1e-6) -> float:
    """|G : V - (f(X + hV) - f(X - hV)) / 2h|, relative, for a random V.

    A zero gradient claims that f does not change along any V; the difference
    quotient of a constant is pure rounding noise, so it is checked instead
    with a large step: |f(X + V/10) - f(X - V/10)| must vanish."""
    rng = np.random.default_rng(seed)
    env, sizes = random_env([f, G], rng)
    xs = tuple(dim_value(d, sizes) for d in x.shape)
    if x.name not in env:  # f canonicalised to an expression free of x
        env[x.name] = rng.standard_normal(xs)
    V = rng.standard_normal(xs)

    directions = {x.name: V}

    def f_at(t):
        return float(value_at(f, directions, env, sizes, t)[0, 0])

    if build.is_zero(G):
        return abs(f_at(0.1) - f_at(-0.1)) / max(1.0, abs(f_at(0.0)))
    analytic = float(np.sum(evaluate(G, env, sizes) * V))
    fd = float(difference_quotient(f, directions, env, sizes, h)[0, 0])
    return abs(analytic - fd) / max(abs(analytic), abs(fd), 1e-8)


def directional(e: Expr, x: Var, V, env: dict, sizes: dict, h: float = 1e-3):
    """d e along V at env: a fourth-order central difference (exact for polynomials
    of degree up to 4, otherwise O(h^4))."""
    return difference_quotient(e, {x.name: V}, env, sizes, h, stencil=4)


def as_arguments(f: Expr, env: dict) -> dict:
    """{name: value} as a user passes them: floats for scalars, 1-D vectors, 2-D matrices."""
    out = {}
    for name, var in variables(f).items():
        v = env[name]
        out[name] = float(v[0, 0]) if var.shape == (1, 1) else (v.reshape(-1) if var.shape[1] == 1 else v)
    return out


# --- documents -----------------------------------------------------------------------------


def console_examples(path: Path) -> list:
    """(command, expected output) for each `$ matcalc ...` line of the console blocks of a document."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        cmd, expected = None, []
        for line in block.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                if cmd:
                    out.append((cmd, "\n".join(expected)))
                cmd, expected = line[2:], []
            else:
                expected.append(line)
        if cmd:
            out.append((cmd, "\n".join(expected)))
    return out


def normalise(text: str) -> str:
    """Console output without its trailing newlines, the figures of a relative error elided."""
    return re.sub(r"relative error [0-9.e+-]+", "relative error <E>", text.rstrip("\n"))


# --- LaTeX ---------------------------------------------------------------------------


def assert_latex_well_formed(tex: str):
    """Balanced braces and \\left( ... \\right) pairs, nothing of the text syntax."""
    depth = 0
    for ch in tex.replace("\\{", "").replace("\\}", ""):
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, tex
    assert depth == 0, tex
    assert tex.count("\\left") == tex.count("\\right"), tex
    for token in (".*", "./", ".^", "^T", "⊗", "kron("):  # a prime (tanh') is fine in math mode
        assert token not in tex, (token, tex)


# --- the gradient check ------------------------------------------------------------------


def check_gradient(expr: str, wrt: str, shapes=None, expected=None):
    """Compute the gradient, check it numerically at several seeds, check its
    text if expected is given, and check that every printer handles it."""
    r = matcalc.grad(expr, wrt, shapes=shapes)
    G, f, x = r.expr, r.derivation.f, r.derivation.x
    assert G.shape == x.shape, (G.shape, x.shape)
    errors = [directional_error(f, x, G, seed) for seed in SEEDS]
    assert max(errors) < TOLERANCE, f"{expr} wrt {wrt}: {r.text()} fails the numeric check ({errors})"
    if not build.is_zero(G):  # the library's own check (relative, so a zero gradient is checked above)
        assert max(r.check(seed=seed) for seed in SEEDS[:2]) < TOLERANCE, r.text()
    if expected is not None:
        assert r.text() == expected, f"{expr} wrt {wrt}: got {r.text()!r}, expected {expected!r}"
    assert_latex_well_formed(r.latex())
    compile(r.numpy_source(), "<gradient>", "exec")
    return r
