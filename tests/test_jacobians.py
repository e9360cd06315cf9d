"""Jacobians d vec(F) / d vec(X)^T (column-stacking vec, numerator layout).

Each case comes from The Matrix Cookbook, Magnus and Neudecker's tables or an
ML layer, with NON-SQUARE declared shapes wherever the expression allows, so a
wrong transpose or a wrong vec order cannot pass.  Every case is checked three
ways against central finite differences of vec(F) (order="F"):

  * the library's own check (J vec(V) along random directions);
  * the full Jacobian, column by column, from r.evaluate(...);
  * the generated NumPy function, executed in a fresh namespace and called by
    keyword with 1-D vectors and 2-D matrices.

The expected texts of J and of dF were derived by hand from the vec rules
vec(A B C) = (C^T ⊗ A) vec(B), vec(B^T) = K vec(B), vec(A .* B) = diag(vec A) vec B.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matcalc  # noqa: E402
from matcalc.errors import MatcalcError, UnsupportedError  # noqa: E402
from matcalc.numeric import evaluate, random_env  # noqa: E402
from conftest import as_arguments, console_examples, jacobian_by_columns, normalise, vec  # noqa: E402

# distinct sizes, so that m x n and n x m cannot be confused
SIZES = {"m": 4, "n": 3, "p": 2, "q": 5, "r": 6}
TOL = 1e-6

V2 = {"A": "m,n", "x": "n"}
MLP = {"W1": "m,n", "W2": "p,m", "x": "n"}

# (expression, wrt, shapes, expected J, expected dF); None skips a string check
CASES = [
    # --- linear maps of a matrix (Magnus and Neudecker, table 9.6; Cookbook 10.2.2) ---
    ("A X B", "X", {"A": "p,m", "X": "m,n", "B": "n,q"}, "B^T ⊗ A", "A dX B"),
    ("A X", "X", {"A": "p,m", "X": "m,n"}, "I_n ⊗ A", "A dX"),
    ("X B", "X", {"X": "m,n", "B": "n,q"}, "B^T ⊗ I_m", "dX B"),
    ("A B", "A", {"A": "m,n", "B": "n,p"}, "B^T ⊗ I_m", "dA B"),
    ("A B", "B", {"A": "m,n", "B": "n,p"}, "I_p ⊗ A", "A dB"),
    ("X", "X", {"X": "m,n"}, "I", "dX"),
    ("X^T", "X", {"X": "m,n"}, "K_{m,n}", "dX^T"),
    ("A X^T B", "X", {"A": "p,n", "X": "m,n", "B": "m,q"}, "(B^T ⊗ A) K_{m,n}", "A dX^T B"),
    ("X a", "X", {"X": "m,n", "a": "n"}, "a^T ⊗ I_m", "dX a"),
    ("X^T a", "X", {"X": "m,n", "a": "m"}, "(a^T ⊗ I_n) K_{m,n}", "dX^T a"),
    ("alpha X", "X", {"X": "m,n"}, "alpha I", "alpha dX"),
    ("alpha X", "alpha", {"X": "m,n"}, "vec(X)", "dalpha X"),
    ("sum(X) A", "X", {"X": "m,n", "A": "p,q"}, "vec(A) ones(1, m*n)", "sum(dX) A"),
    # --- inverses and powers ---
    ("X^{-1}", "X", {"X": "n,n"}, "-(X^{-T} ⊗ X^{-1})", "-X^{-1} dX X^{-1}"),
    ("X^{-T}", "X", {"X": "n,n"}, "-(X^{-1} ⊗ X^{-T}) K_{n,n}", "-X^{-T} dX^T X^{-T}"),
    ("A X^{-1} B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"},
     "-((B^T X^{-T}) ⊗ (A X^{-1}))", "-A X^{-1} dX X^{-1} B"),
    ("A (X + B)^{-1}", "X", {"A": "p,n", "X": "n,n", "B": "n,n"},
     "-((B + X)^{-T} ⊗ (A (B + X)^{-1}))", "-A (B + X)^{-1} dX (B + X)^{-1}"),
    ("X^2", "X", {"X": "n,n"}, "I_n ⊗ X + X^T ⊗ I_n", "X dX + dX X"),
    ("X^3", "X", {"X": "n,n"}, "I_n ⊗ X^2 + X^T ⊗ X + (X^T)^2 ⊗ I_n", "X dX X + dX X^2 + X^2 dX"),
    ("det(X) A", "X", {"X": "n,n", "A": "m,p"}, "det(X) vec(A) vec(X^{-T})^T", "tr(dX X^{-1}) det(X) A"),
    # --- products with a transpose: the commutation matrix ---
    ("X^T X", "X", {"X": "m,n"}, "I_n ⊗ X^T + (X^T ⊗ I_n) K_{m,n}", "X^T dX + dX^T X"),
    ("X X^T", "X", {"X": "m,n"}, "X ⊗ I_m + (I_m ⊗ X) K_{m,n}", "X dX^T + dX X^T"),
    ("X A X", "X", {"X": "n,n", "A": "n,n"}, "I_n ⊗ (X A) + (X^T A^T) ⊗ I_n", "X A dX + dX A X"),
    ("X^T A X", "X", {"X": "m,n", "A": "m,m"},
     "I_n ⊗ (X^T A) + ((X^T A^T) ⊗ I_n) K_{m,n}", "X^T A dX + dX^T A X"),
    # --- element-wise functions and Hadamard products ---
    ("exp(X)", "X", {"X": "m,n"}, "diag(vec(exp(X)))", "dX .* exp(X)"),
    ("tanh(X)", "X", {"X": "m,n"}, "diag(vec(tanh'(X)))", "dX .* tanh'(X)"),
    ("log(X)", "X", {"X": "m,n"}, "diag(vec(X.^-1))", None),
    ("sin(X)^T", "X", {"X": "m,n"}, "K_{m,n} diag(vec(cos(X)))", None),
    ("exp(X) B", "X", {"X": "m,n", "B": "n,q"}, "(B^T ⊗ I_m) diag(vec(exp(X)))", "(dX .* exp(X)) B"),
    ("A .* X", "X", {"A": "m,n", "X": "m,n"}, "diag(vec(A))", "A .* dX"),
    ("X .* Y", "X", {"X": "m,n", "Y": "m,n"}, "diag(vec(Y))", "Y .* dX"),
    ("X .* X", "X", {"X": "m,n"}, "2 diag(vec(X))", "2 (X .* dX)"),
    ("diag(x) A", "x", {"x": "n", "A": "n,m"}, "(A^T ⊗ I_n) diag(vec(I_n)) (ones(n) ⊗ I_n)", "diag(dx) A"),
    ("diag(X)", "X", {"X": "n,n"}, "(ones(1, n) ⊗ I_n) diag(vec(I_n))", "diag(dX)"),
    # --- vector functions of a vector: ordinary Jacobian matrices ---
    ("A x", "x", V2, "A", "A dx"),
    ("A x + b", "x", {"A": "m,n", "x": "n", "b": "m"}, "A", "A dx"),
    ("x^T A", "x", {"x": "m", "A": "m,n"}, "A^T", "dx^T A"),
    ("exp(A x)", "x", V2, "diag(exp(A x)) A", "exp(A x) .* (A dx)"),
    ("(A x) .* (A x)", "x", V2, "2 diag(A x) A", "2 ((A x) .* (A dx))"),
    ("x x^T", "x", {"x": "n"}, "x ⊗ I_n + I_n ⊗ x", "x dx^T + dx x^T"),
    ("x y^T", "x", {"x": "n", "y": "m"}, "y ⊗ I_n", "dx y^T"),
    ("(x^T x) x", "x", {"x": "n"}, "2 x x^T + (x^T x) I", "(x^T x) dx + 2 (x^T dx) x"),
    ("x / norm(x)", "x", {"x": "n"}, "I / norm(x) - x x^T / norm(x)^3", "dx / norm(x) - (x^T dx) x / norm(x)^3"),
    ("A x x^T B", "x", {"A": "p,n", "x": "n", "B": "n,q"}, "B^T ⊗ (A x) + (B^T x) ⊗ A", "A x dx^T B + A dx x^T B"),
    # --- layers of a network (softmax-free MLP) ---
    ("tanh(W x)", "x", {"W": "m,n", "x": "n"}, "diag(tanh'(W x)) W", "tanh'(W x) .* (W dx)"),
    ("tanh(W x)", "W", {"W": "m,n", "x": "n"}, "diag(tanh'(W x)) (x^T ⊗ I_m)", "tanh'(W x) .* (dW x)"),
    ("sigmoid(W x + b)", "W", {"W": "m,n", "x": "n", "b": "m"},
     "diag(sigmoid'(W x + b)) (x^T ⊗ I_m)", "sigmoid'(W x + b) .* (dW x)"),
    ("sigmoid(W x + b)", "b", {"W": "m,n", "x": "n", "b": "m"}, "diag(sigmoid'(W x + b))", None),
    ("W2 relu(W1 x)", "W1", MLP, "W2 diag(relu'(W1 x)) (x^T ⊗ I_m)", "W2 (relu'(W1 x) .* (dW1 x))"),
    ("W2 relu(W1 x)", "W2", MLP, "relu(W1 x)^T ⊗ I_p", "dW2 relu(W1 x)"),
    ("W2 tanh(W1 x)", "x", MLP, "W2 diag(tanh'(W1 x)) W1", "W2 (tanh'(W1 x) .* (W1 dx))"),
    ("W2 tanh(W1 x + b1) + b2", "W1", dict(MLP, b1="m", b2="p"),
     "W2 diag(tanh'(W1 x + b1)) (x^T ⊗ I_m)", "W2 (tanh'(W1 x + b1) .* (dW1 x))"),
    # --- the variable inside a Kronecker product (Magnus and Neudecker, theorem 3.10) ---
    ("kron(A, X)", "X", {"A": "p,q", "X": "m,n"},
     "(I_q ⊗ K_{n,p} ⊗ I_m) (vec(A) ⊗ I_{m*n})", "A ⊗ dX"),
    ("kron(X, B)", "X", {"X": "m,n", "B": "p,q"},
     "(I_n ⊗ K_{q,m} ⊗ I_p) (I_{m*n} ⊗ vec(B))", "dX ⊗ B"),
    ("kron(X, X)", "X", {"X": "m,n"}, None, "X ⊗ dX + dX ⊗ X"),
    ("kron(a, x)", "x", {"a": "p", "x": "n"}, "a ⊗ I_n", "a ⊗ dx"),
    ("kron(x, B)", "x", {"x": "n", "B": "p,q"}, None, "dx ⊗ B"),
    ("kron(X, b^T)", "X", {"X": "m,n", "b": "p"}, None, "dX ⊗ b^T"),
    ("kron(A, X^T) C", "X", {"A": "2,5", "X": "4,3", "C": "20,6"}, None, None),
    # --- scalars: a Jacobian with one row, vec(G)^T ---
    ("x^T x", "x", {"x": "n"}, "2 x^T", "2 x^T dx"),
    ("tr(X)", "X", {"X": "n,n"}, "vec(I_n)^T", "tr(dX)"),
    ("tr(A X)", "X", {"A": "n,m", "X": "m,n"}, "vec(A^T)^T", "tr(A dX)"),
    ("a^T X b", "X", {"a": "m", "X": "m,n", "b": "n"}, "vec(a b^T)^T", "a^T dX b"),
    ("tr(X^T A X)", "X", {"X": "m,n", "A": "m,m"}, "vec((A + A^T) X)^T", None),
]

IDS = [f"{e} wrt {w}" for e, w, *_ in CASES]


# --- helpers -----------------------------------------------------------------------------


def instance(r, seed=0):
    """Random values on each operation's domain, with the fixed SIZES."""
    return random_env([r.f], np.random.default_rng(seed), dict(SIZES))


def run_numpy(source, name, arguments):
    """Execute generated source in a fresh namespace and call name(**arguments)."""
    namespace: dict = {}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # noqa: S102 - our own output
    fn = namespace[name]
    params = inspect.signature(fn).parameters
    kwargs = {p: arguments[p.rstrip("_")] if p not in arguments else arguments[p] for p in params}
    return fn(**kwargs)


def close(a, b, tol=1e-5):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return float(np.max(np.abs(a - b))) / scale < tol if a.size else True


# --- the table -----------------------------------------------------------------------------


@pytest.mark.parametrize("expr, wrt, shapes, expected, expected_df", CASES, ids=IDS)
def test_jacobian_case(expr, wrt, shapes, expected, expected_df):
    r = matcalc.jacobian(expr, wrt, shapes=shapes)
    assert r.kind == "jacobian" and r.layout == "numerator"
    # the library's own directional check, at two seeds
    assert max(r.check(seed=s) for s in (0, 1)) < TOL, f"{expr} wrt {wrt}: {r.text()}"
    if expected is not None:
        assert r.text() == expected
    if expected_df is not None:
        assert r.differential_text() == expected_df

    env, sizes = instance(r)
    F, X = r.f, r.x
    J = r.evaluate(**as_arguments(r.f, env))
    size_f, size_x = vec(evaluate(F, env, sizes)).size, env[X.name].size
    assert J.shape == (size_f, size_x)
    # the whole matrix, column by column: a wrong vec order shows here
    assert close(J, jacobian_by_columns(F, X, env, sizes)), f"{expr} wrt {wrt}: {r.text()}"

    # the generated NumPy function returns the same size(F) x size(X) array
    out = run_numpy(r.numpy_source(), "jacobian", as_arguments(r.f, env))
    assert np.shape(out) == (size_f, size_x)  # 2-D even for a scalar X or a scalar F
    assert close(out, J)

    # denominator layout is the transpose
    d = matcalc.jacobian(expr, wrt, shapes=shapes, layout="denominator")
    assert d.layout == "denominator"
    assert close(d.evaluate(**as_arguments(r.f, env)), J.T)
    assert max(d.check(seed=s) for s in (0,)) < TOL


def test_case_count():
    assert len(CASES) >= 35
    assert sum(1 for c in CASES if c[3] is not None and c[4] is not None) >= 35


# --- the examples, whole command output ------------------------------------------------


@pytest.mark.parametrize("expr, wrt, lines", [
    ("A X B", "X", ["dF = A dX B", "∂vec(F)/∂vec(X)^T = B^T ⊗ A"]),
    ("A B", "A", ["dF = dA B", "∂vec(F)/∂vec(A)^T = B^T ⊗ I_n"]),
    ("exp(A x)", "x", ["dF = exp(A x) .* (A dx)", "∂F/∂x^T = diag(exp(A x)) A"]),
    ("X^{-1}", "X", ["dF = -X^{-1} dX X^{-1}", "∂vec(F)/∂vec(X)^T = -(X^{-T} ⊗ X^{-1})"]),
])
def test_cli_text(expr, wrt, lines, capsys):
    from matcalc.cli import main

    assert main(["jacobian", expr, "wrt", wrt]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_cli_check_and_layout(capsys):
    from matcalc.cli import main

    assert main(["jacobian", "A X B", "wrt", "X", "--shape", "A=p,m", "--shape", "X=m,n",
                 "--shape", "B=n,q", "--layout", "denominator", "--check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "∂vec(F)^T/∂vec(X) = B ⊗ A^T"
    assert out[2].startswith("check: relative error") and "passed" in out[2]


# --- layouts and equations -------------------------------------------------------------------


@pytest.mark.parametrize("expr, wrt, shapes, numerator, denominator", [
    ("A X B", "X", {"A": "p,m", "X": "m,n", "B": "n,q"},
     "∂vec(F)/∂vec(X)^T = B^T ⊗ A", "∂vec(F)^T/∂vec(X) = B ⊗ A^T"),
    ("A x", "x", V2, "∂F/∂x^T = A", "∂F^T/∂x = A^T"),
    ("tanh(W x)", "W", {"W": "m,n", "x": "n"},
     "∂F/∂vec(W)^T = diag(tanh'(W x)) (x^T ⊗ I_m)", "∂F^T/∂vec(W) = (x ⊗ I_m) diag(tanh'(W x))"),
    ("alpha X", "alpha", {"X": "m,n"}, "∂vec(F)/∂alpha = vec(X)", "∂vec(F)^T/∂alpha = vec(X)^T"),
    ("a^T X b", "X", {"a": "m", "X": "m,n", "b": "n"},
     "∂F/∂vec(X)^T = vec(a b^T)^T", "∂F/∂vec(X) = vec(a b^T)"),
])
def test_layout_equations(expr, wrt, shapes, numerator, denominator):
    n = matcalc.jacobian(expr, wrt, shapes=shapes)
    d = matcalc.jacobian(expr, wrt, shapes=shapes, layout="denominator")
    assert n.equation() == numerator
    assert d.equation() == denominator
    for r, layout in ((n, "numerator"), (d, "denominator")):
        data = r.to_dict()
        assert data["layout"] == layout and data["vec"] == "column-stacking"
        assert data["equation"] == r.equation()
        assert data["differential"] == n.differential_text()


def test_latex_equation_states_layout():
    r = matcalc.jacobian("A X B", "X", shapes={"A": "p,m", "X": "m,n", "B": "n,q"})
    assert r.equation(latex=True) == (
        r"\frac{\partial \operatorname{vec}(F)}{\partial \operatorname{vec}(X)^{\top}} = B^{\top} \otimes A")
    d = matcalc.jacobian("A X B", "X", shapes={"A": "p,m", "X": "m,n", "B": "n,q"}, layout="denominator")
    assert d.equation(latex=True).startswith(
        r"\frac{\partial \operatorname{vec}(F)^{\top}}{\partial \operatorname{vec}(X)}")


def test_json_shapes():
    r = matcalc.jacobian("A X B", "X", shapes={"A": "p,m", "X": "m,n", "B": "n,q"})
    data = r.to_dict()
    assert data["shape"] == ["p*q", "m*n"] and data["wrt_shape"] == ["m", "n"]
    assert data["result"] == "B^T ⊗ A" and data["kind"] == "jacobian"


def test_commutation_matrix_definition():
    from matcalc.numeric import commutation_matrix

    A = np.arange(12.0).reshape(4, 3)
    assert np.array_equal(commutation_matrix(4, 3) @ vec(A), vec(A.T))


def test_numpy_jacobian_with_vectors_is_2d():
    r = matcalc.jacobian("tanh(W x)", "W", shapes={"W": "m,n", "x": "n"})
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    out = run_numpy(r.numpy_source(), "jacobian", {"W": W, "x": x})
    assert out.shape == (4, 12)
    expected = np.diag(1 - np.tanh(W @ x) ** 2) @ np.kron(x[None, :], np.eye(4))
    assert np.allclose(out, expected)


# --- errors --------------------------------------------------------------------------------


def test_no_index_form_is_unsupported_never_wrong():
    """Index notation has no composite indices for a Kronecker product yet."""
    with pytest.raises(UnsupportedError) as info:
        matcalc.jacobian("kron(A, X)", "X", shapes={"A": "p,q", "X": "m,n"}).index()
    assert isinstance(info.value, MatcalcError)
    assert "index form" in info.value.message


def test_cli_unsupported_one_line(capsys):
    from matcalc.cli import main

    assert main(["jacobian", "kron(A, X)", "wrt", "X", "--format", "index"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("matcalc: unsupported:") and "Traceback" not in captured.err


# --- docs/derivatives.md: every example is real output ---------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "derivatives.md"


def _doc_examples():
    return console_examples(DOC)


@pytest.mark.parametrize("command, expected", _doc_examples(), ids=[c[:70] for c, _ in _doc_examples()])
def test_derivatives_doc_example(command, expected, capsys):
    import shlex

    from matcalc.cli import main

    args = shlex.split(command)
    assert args[0] == "matcalc"
    assert main(args[1:]) in (0, 2)
    captured = capsys.readouterr()
    assert normalise(captured.out + captured.err) == normalise(expected)


def test_derivatives_doc_has_examples_and_python_session():
    import doctest
    import re

    assert len(_doc_examples()) >= 25
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "derivatives.md", str(DOC), 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("api, expr", [("grad", "sum(kron(A, X))"), ("hessian", "sum(kron(A, X) .* kron(A, X))"),
                                       ("grad", "x^T kron(A, X) y"), ("hessian", "norm(kron(X, X))^2")])
def test_scalars_through_kronecker_products(api, expr):
    """C : (A ⊗ dX) peels through vec(A ⊗ dX) = (I ⊗ K ⊗ I)(vec(A) ⊗ I) vec(dX)."""
    r = getattr(matcalc, api)(expr, "X", shapes={"A": "2,5", "X": "4,3", "x": "8", "y": "15"})
    assert r.check(trials=3) < 1e-6
