"""Hessians H = d2f / d vec(X) d vec(X)^T (column-stacking vec) and the second
differential d2f = vec(dX)^T H vec(dX).

Cases from The Matrix Cookbook, Magnus and Neudecker (chapter 10) and ML losses
(least squares, ridge, logistic regression, Gaussian likelihood, matrix
factorisation), with non-square declared shapes wherever the expression allows.
Each case is checked:

  * by the library's check (H vec(V) against differences of the gradient, and
    the gradient against differences of f);
  * as a whole matrix against second central differences of f itself, entry by
    entry, so that neither the gradient nor the vec order is trusted;
  * for symmetry;
  * through the generated NumPy function hessian(...), called by keyword.

The expected texts were derived by hand from G (df = G : dX) and dG.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matcalc  # noqa: E402
from matcalc.errors import MatcalcError  # noqa: E402
from matcalc.numeric import random_env  # noqa: E402
from conftest import as_arguments, hessian_by_entries  # noqa: E402

SIZES = {"m": 4, "n": 3, "p": 2, "q": 5, "r": 2}
TOL = 1e-6

LSQ = {"A": "m,n", "x": "n", "b": "m"}
LOGREG = {"X": "m,n", "w": "n", "y": "m"}
GAUSS = {"x": "n", "mu": "n", "S": "n,n", "C": "n,n"}
FACTOR = {"X": "m,n", "U": "m,r", "V": "n,r"}

# (expression, wrt, shapes, expected H, expected d2f); None skips a string check
CASES = [
    # --- quadratic forms ---
    ("x^T A x", "x", {"A": "n,n", "x": "n"}, "A + A^T", "2 dx^T A dx"),
    ("x^T A x + b^T x", "x", {"A": "n,n", "x": "n", "b": "n"}, "A + A^T", "2 dx^T A dx"),
    ("x^T B^T B x", "x", {"B": "m,n", "x": "n"}, "2 B^T B", "2 dx^T B^T B dx"),
    ("norm(B x)^2", "x", {"B": "m,n", "x": "n"}, "2 B^T B", "2 dx^T B^T B dx"),
    ("x^T diag(a) x", "x", {"a": "n", "x": "n"}, "2 diag(a)", "2 dx^T diag(a) dx"),
    ("a^T x x^T b", "x", {"a": "n", "b": "n", "x": "n"}, "a b^T + b a^T", "2 (a^T dx) (b^T dx)"),
    ("norm(x)^2", "x", {"x": "n"}, "2 I", "2 dx^T dx"),
    ("(x^T x)^2", "x", {"x": "n"}, "4 (2 x x^T + (x^T x) I)", "4 (2 (x^T dx)^2 + (x^T x) (dx^T dx))"),
    ("norm(x)", "x", {"x": "n"}, "I / norm(x) - x x^T / norm(x)^3",
     "(dx^T dx) / norm(x) - (x^T dx)^2 / norm(x)^3"),
    ("sum(x .* x .* x)", "x", {"x": "n"}, "6 diag(x)", "6 dx^T (x .* dx)"),
    # --- least squares and ridge ---
    ("norm(A x - b)^2", "x", LSQ, "2 A^T A", "2 dx^T A^T A dx"),
    ("norm(A x - b)^2 + lambda norm(x)^2", "x", LSQ, "2 (A^T A + lambda I)",
     "2 dx^T A^T A dx + 2 lambda (dx^T dx)"),
    ("norm(A X B - C)^2", "X", {"A": "p,m", "X": "m,n", "B": "n,q", "C": "p,q"},
     "2 ((B B^T) ⊗ (A^T A))", None),
    # --- traces of matrix products (Cookbook 2.8.2 and Magnus-Neudecker 10.6) ---
    ("tr(X^T A X)", "X", {"X": "m,n", "A": "m,m"}, "I_n ⊗ (A + A^T)", None),
    ("tr(X A X^T)", "X", {"X": "m,n", "A": "n,n"}, "(A + A^T) ⊗ I_m", "2 dX : (dX A)"),
    ("tr(A X B X^T)", "X", {"A": "m,m", "X": "m,n", "B": "n,n"}, "B ⊗ A^T + B^T ⊗ A", None),
    ("tr(X^T X)", "X", {"X": "m,n"}, "2 I", None),
    ("tr(X^2)", "X", {"X": "n,n"}, "2 K_{n,n}", "2 tr(dX^2)"),
    ("tr(X^3)", "X", {"X": "n,n"}, "3 (X ⊗ I_n + I_n ⊗ X^T) K_{n,n}", "6 tr(X dX^2)"),
    ("tr(X^T X X^T X)", "X", {"X": "m,n"},
     "4 (I_n ⊗ (X X^T) + (X^T X) ⊗ I_m + (X^T ⊗ X) K_{m,n})", None),
    # --- determinants and inverses ---
    ("logdet(X)", "X", {"X": "n,n"}, "-(X^{-1} ⊗ X^{-T}) K_{n,n}", "-tr(dX X^{-1} dX X^{-1})"),
    ("det(X)", "X", {"X": "n,n"}, "det(X) (vec(X^{-T}) vec(X^{-T})^T - (X^{-1} ⊗ X^{-T}) K_{n,n})",
     "tr(dX X^{-1})^2 det(X) - tr(dX X^{-1} dX X^{-1}) det(X)"),
    ("tr(X^{-1})", "X", {"X": "n,n"}, "(X^{-1} ⊗ (X^{-T})^2 + X^{-2} ⊗ X^{-T}) K_{n,n}",
     "2 tr(dX X^{-1} dX X^{-2})"),
    # --- logistic regression (with and without labels, with a ridge term) ---
    ("sum(log(1 + exp(X w)))", "w", LOGREG, "X^T diag(sigmoid'(X w)) X",
     "(sigmoid'(X w) .* (X dw))^T X dw"),
    ("sum(log(1 + exp(X w))) - y^T X w", "w", LOGREG, "X^T diag(sigmoid'(X w)) X",
     "(sigmoid'(X w) .* (X dw))^T X dw"),
    ("sum(softplus(X w)) - y^T X w + lambda/2 norm(w)^2", "w", LOGREG,
     "X^T diag(sigmoid'(X w)) X + lambda I", "(sigmoid'(X w) .* (X dw))^T X dw + lambda (dw^T dw)"),
    ("sum(sigmoid(X w))", "w", LOGREG, "X^T diag(sigmoid''(X w)) X", "(sigmoid''(X w) .* (X dw))^T X dw"),
    ("sum(exp(A x))", "x", {"A": "m,n", "x": "n"}, "A^T diag(exp(A x)) A", "(exp(A x) .* (A dx))^T A dx"),
    ("sum(tanh(W x))", "x", {"W": "m,n", "x": "n"}, "W^T diag(tanh''(W x)) W", "(tanh''(W x) .* (W dx))^T W dx"),
    ("v^T tanh(W x)", "W", {"W": "m,n", "x": "n", "v": "m"},
     "(x ⊗ I_m) diag(v .* tanh''(W x)) (x^T ⊗ I_m)", "v^T (tanh''(W x) .* (dW x).^2)"),
    ("sum(exp(X))", "X", {"X": "m,n"}, "diag(vec(exp(X)))", None),
    # --- Gaussian log-likelihood pieces ---
    ("(x - mu)^T S (x - mu)", "x", GAUSS, "S + S^T", "2 dx^T S dx"),
    ("(x - mu)^T S^{-1} (x - mu)", "mu", GAUSS, "S^{-1} + S^{-T}", "2 dmu^T S^{-1} dmu"),
    ("logdet(S) + tr(S^{-1} C)", "S", GAUSS,
     "(S^{-1} ⊗ (S^{-T} C^T S^{-T} - S^{-T}) + (S^{-1} C S^{-1}) ⊗ S^{-T}) K_{n,n}",
     "2 tr(C S^{-1} dS S^{-1} dS S^{-1}) - tr(dS S^{-1} dS S^{-1})"),
    ("logdet(S) + (x - mu)^T S^{-1} (x - mu)", "S", GAUSS, None, None),
    ("log(x^T A x)", "x", {"A": "n,n", "x": "n"}, None,
     "2 (dx^T A dx) / (x^T A x) - (x^T A dx + dx^T A x)^2 / (x^T A x)^2"),
    # --- matrix factorisation ---
    ("norm(X - U V^T)^2", "U", FACTOR, "2 ((V^T V) ⊗ I_m)", None),
    ("norm(X - U V^T)^2", "V", FACTOR, "2 ((U^T U) ⊗ I_n)", None),
    # --- zero Hessians and scalar variables ---
    ("w^T L M N x", "M", {"w": "p", "L": "p,m", "M": "m,n", "N": "n,q", "x": "q"}, "0", "0"),
    ("a^T X b", "X", {"a": "m", "X": "m,n", "b": "n"}, "0", "0"),
    ("alpha^2 x^T x", "alpha", {"x": "n"}, "2 x^T x", "2 dalpha^2 (x^T x)"),
    ("exp(alpha) + alpha^3", "alpha", {}, "6 alpha + exp(alpha)", None),
]

IDS = [f"{e} wrt {w}" for e, w, *_ in CASES]


# --- helpers -----------------------------------------------------------------------------


def run_numpy(source, name, arguments):
    namespace: dict = {}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # noqa: S102 - our own output
    fn = namespace[name]
    kwargs = {p: arguments[p] if p in arguments else arguments[p.rstrip("_")]
              for p in inspect.signature(fn).parameters}
    return fn(**kwargs)


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))


# --- the table -----------------------------------------------------------------------------


@pytest.mark.parametrize("expr, wrt, shapes, expected, expected_d2f", CASES, ids=IDS)
def test_hessian_case(expr, wrt, shapes, expected, expected_d2f):
    r = matcalc.hessian(expr, wrt, shapes=shapes)
    assert r.kind == "hessian"
    assert max(r.check(seed=s) for s in (0, 1)) < TOL, f"{expr} wrt {wrt}: {r.text()}"
    if expected is not None:
        assert r.text() == expected
    if expected_d2f is not None:
        assert r.differential_text() == expected_d2f

    f, x = r.f, r.x
    env, sizes = random_env([f], np.random.default_rng(0), dict(SIZES))
    if x.name not in env:
        env[x.name] = np.random.default_rng(1).standard_normal(x.shape)
    args = as_arguments(f, env)
    H = np.asarray(r.evaluate(**args), dtype=float)
    n = env[x.name].size
    assert H.shape == (n, n)
    assert rel(H, H.T) < 1e-9, "not symmetric"
    assert rel(H, hessian_by_entries(f, x, env, sizes)) < 1e-4, f"{expr} wrt {wrt}: {r.text()}"

    out = run_numpy(r.numpy_source(), "hessian", args)
    assert np.shape(out) == (n, n)  # 2-D even for a scalar variable
    assert rel(out, H) < 1e-9


def test_case_count():
    assert len(CASES) >= 30
    assert sum(1 for c in CASES if c[3] is not None) >= 30
    assert sum(1 for c in CASES if c[3] is not None and c[4] is not None) >= 22


# --- the examples, whole command output ------------------------------------------------


@pytest.mark.parametrize("expr, wrt, lines", [
    ("x^T A x", "x", ["d2f = 2 dx^T A dx", "∂²f/∂x ∂x^T = A + A^T"]),
    ("sum(log(1 + exp(X w)))", "w",
     ["d2f = (sigmoid'(X w) .* (X dw))^T X dw", "∂²f/∂w ∂w^T = X^T diag(sigmoid'(X w)) X"]),
    ("logdet(X)", "X",
     ["d2f = -tr(dX X^{-1} dX X^{-1})", "∂²f/∂vec(X) ∂vec(X)^T = -(X^{-1} ⊗ X^{-T}) K_{n,n}"]),
])
def test_cli_text(expr, wrt, lines, capsys):
    from matcalc.cli import main

    assert main(["hessian", expr, "wrt", wrt]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_cli_tr_xtax_kronecker_form(capsys):
    from matcalc.cli import main

    assert main(["hessian", "tr(X^T A X)", "wrt", "X", "--shape", "X=m,n", "--check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "∂²f/∂vec(X) ∂vec(X)^T = I_n ⊗ (A + A^T)"
    assert "passed" in out[2]


def test_cli_zero_hessian_check(capsys):
    """A linear f has a constant gradient: --check must still draw X (it crashed)."""
    from matcalc.cli import main

    assert main(["hessian", "w^T L M N x", "wrt", "M", "--check"]) == 0
    assert "passed" in capsys.readouterr().out


def test_scalar_variable_equation():
    r = matcalc.hessian("exp(alpha) + alpha^3", "alpha")
    assert r.equation() == "∂²f/∂alpha² = 6 alpha + exp(alpha)"
    assert r.equation(latex=True) == r"\frac{\partial^2 f}{\partial \alpha^2} = 6 \alpha + \exp\left( \alpha \right)"
    assert r.evaluate(alpha=0.5) == pytest.approx(3 + np.exp(0.5))


def test_json():
    r = matcalc.hessian("x^T A x", "x")
    data = r.to_dict()
    assert data["kind"] == "hessian" and data["vec"] == "column-stacking"
    assert data["differential"] == "2 dx^T A dx" and data["result"] == "A + A^T"
    assert data["equation"] == "∂²f/∂x ∂x^T = A + A^T"


def test_numpy_logistic_hessian_by_hand():
    """X^T diag(s .* (1 - s)) X with s = sigmoid(X w), written out independently."""
    r = matcalc.hessian("sum(log(1 + exp(X w)))", "w", shapes=LOGREG)
    rng = np.random.default_rng(7)
    X, w = rng.standard_normal((4, 3)), rng.standard_normal(3)
    s = 1 / (1 + np.exp(-X @ w))
    expected = X.T @ np.diag(s * (1 - s)) @ X
    assert np.allclose(run_numpy(r.numpy_source(), "hessian", {"X": X, "w": w}), expected)
    assert np.allclose(r.evaluate(X=X, w=w), expected)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("api, expr, wrt", [("grad", "A x", "x"), ("hessian", "A x", "x"),
                                            ("hessian", "X B", "X"), ("grad", "x^T A", "x")])
def test_non_scalar_is_a_clear_error(api, expr, wrt):
    with pytest.raises(MatcalcError) as info:
        getattr(matcalc, api)(expr, wrt)
    assert "matcalc jacobian" in info.value.message
    assert "scalar" in info.value.message


@pytest.mark.parametrize("command, expr, wrt", [("grad", "A x", "x"), ("hessian", "A x", "x"),
                                                ("hessian", "X^T X", "X")])
def test_cli_non_scalar_exit_2_one_line(command, expr, wrt, capsys):
    from matcalc.cli import main

    assert main([command, expr, "wrt", wrt]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matcalc: ")
    assert "matcalc jacobian" in lines[0] and "Traceback" not in captured.err


def test_cli_subprocess_no_traceback():
    import os
    import subprocess

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    p = subprocess.run([sys.executable, "-m", "matcalc", "hessian", "A x", "wrt", "x"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "jacobian" in p.stderr
