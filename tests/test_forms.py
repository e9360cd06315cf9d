"""Results in the form a person writes (issue 12, items 1, 4 and 5):
orientation, Kronecker and vec in shortest form, collection.

Every expected string is paired with the numeric check of conftest.py
(G : V against finite differences), so a form can change only for an equal one.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcalc  # noqa: E402
from matcalc import build  # noqa: E402
from matcalc.errors import UnsupportedError  # noqa: E402
from matcalc.expr import Apply, EPow, Hadamard, MatMul, Transpose  # noqa: E402
from matcalc.printing.latex import to_latex  # noqa: E402
from matcalc.printing.text import to_text  # noqa: E402

from conftest import check_gradient  # noqa: E402
from strategies import scalar_cases  # noqa: E402

# --- 1. orientation ---------------------------------------------------------------------------

LAYERS = ["Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)"]


def test_three_layers_read_untransposed():
    r = matcalc.grad("E : Z3", "Z1", lets=LAYERS)
    assert r.text() == "sigma'(Z1) .* (A^T (sigma'(Z2) .* (A^T E W3^T)) W2^T)"
    assert r.latex() == (r"\sigma'(Z_{1}) \odot (A^{\top} (\sigma'(Z_{2}) \odot (A^{\top} E W_{3}^{\top}))"
                         r" W_{2}^{\top})")
    assert r.check() < 1e-6


def test_row_vector_layer_keeps_its_orientation():
    check_gradient("G : sigmoid(h W)", "W", {"h": "1,3", "G": "1,2"}, "h^T (G .* sigmoid'(h W))")
    r = matcalc.grad("G : sigmoid(h W)", "W", shapes={"h": "1,3", "G": "1,2"})
    assert r.latex() == r"h^{\top} (G \odot \operatorname{sigmoid}'(h W))"


def _flipped(e):
    """The transpose pushed through an element-wise node: (A .* B)^T -> A^T .* B^T (raw, uncanonicalised)."""
    return build._flip(e)


ORIENTATION_CASES = settings(max_examples=150, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                    HealthCheck.data_too_large])


@given(case=scalar_cases())
@ORIENTATION_CASES
def test_no_gradient_is_a_transposed_whole_when_the_flip_is_not_longer(case):
    """Property: wherever a gradient shows the transpose of a whole Hadamard
    product or power, (A .* B)^T or (A.^p)^T, that is strictly shorter than the
    transpose pushed through (A^T .* B^T).  (f(A)^T needs no parentheses: it
    is as long as f(A^T) and keeps the variable's orientation; a row vector
    (a .* b)^T of columns a, b keeps the columns' orientation.)"""
    try:
        r = matcalc.grad(case.text, case.wrt, case.shapes)
    except UnsupportedError:
        return
    stack = [r.expr]
    while stack:
        e = stack.pop()
        stack.extend(e.children())
        if isinstance(e, Transpose) and isinstance(e.arg, (Hadamard, EPow)) and build._parenthesised(e.arg) \
                and e.shape[0] != 1:
            whole, through = to_text(e), to_text(_flipped(e.arg))
            assert len(whole) < len(through), f"{case}: {whole} printed where {through} is no longer"


# --- 4. Kronecker and vec in shortest form -----------------------------------------------------

KRON = [
    # sum(A ⊗ B) = sum(A) sum(B)
    ("sum(kron(A, X))", "X", None, "sum(A) ones(p, q)"),
    ("sum(kron(X, X))", "X", None, "2 sum(X) ones(n, m)"),
    # tr(A ⊗ B) = tr(A) tr(B)
    ("tr(kron(A, X))", "X", {"A": "2,2", "X": "3,3"}, "tr(A) I"),
    # u^T (E ⊗ B) v = (U^T B V) : E, u^T (A ⊗ E) v = (U A V^T) : E, U = unvec(u), V = unvec(v)
    ("x^T kron(A, B) y", "A", {"A": "2,3", "B": "4,5"}, "unvec(x, 4, 2)^T B unvec(y, 5, 3)"),
    ("x^T kron(A, B) y", "B", {"A": "2,3", "B": "4,5"}, "unvec(x, 4, 2) A unvec(y, 5, 3)^T"),
    # the Cookbook's bilinear form: vec(Y)^T (A ⊗ B) vec(X) = tr(Y^T B X A^T)
    ("vec(Y)^T kron(A, B) vec(X)", "A", {"A": "2,3", "B": "4,5", "X": "5,3", "Y": "4,2"}, "Y^T B X"),
    ("vec(Y)^T kron(A, B) vec(X)", "B", {"A": "2,3", "B": "4,5", "X": "5,3", "Y": "4,2"}, "Y A X^T"),
    ("vec(Y)^T kron(A, B) vec(X)", "X", {"A": "2,3", "B": "4,5", "X": "5,3", "Y": "4,2"}, "B^T Y A"),
    # (A ⊗ B) vec(X) = vec(B X A^T)
    ("y^T kron(A, B) vec(X)", "X", {"A": "2,3", "B": "4,5", "X": "5,3"}, None),
    ("x^T kron(X, X) y", "X", {"X": "2,3"}, "unvec(x, 2, 2)^T X unvec(y, 3, 3) + unvec(x, 2, 2) X unvec(y, 3, 3)^T"),
    # sizes: sum(ones(3)) = 3, tr(I_3) = 3
    ("sum(ones(3)) x^T x + tr(I_3) sum(x)", "x", None, "3 (1 + 2 x)"),
]


@pytest.mark.parametrize("expr, wrt, shapes, expected", KRON, ids=[f"{k[0]} wrt {k[1]}" for k in KRON])
def test_kronecker_shortest_form(expr, wrt, shapes, expected):
    check_gradient(expr, wrt, shapes, expected)


def test_kron_vec_is_vec_of_a_product():
    A, B, X = build.var("A", (2, 3)), build.var("B", (4, 5)), build.var("X", (5, 3))
    e = build.mul(build.kron(A, B), build.vec(X))
    assert to_text(e) == "vec(B X A^T)"
    Y = build.var("Y", (4, 2))
    assert to_text(build.mul(build.transpose(build.vec(Y)), build.kron(A, B))) == "vec(B^T Y A)^T"


# --- 5. collection ----------------------------------------------------------------------------


def test_cross_entropy_hessian_collects_y_and_one_minus_y():
    """diag(y .* s') + diag(s' .* (1 - y)) = diag(s'): y + (1 - y) = 1 (merge_diag_terms)."""
    r = matcalc.hessian("-(y^T log(sigmoid(X w)) + (1 - y)^T log(1 - sigmoid(X w)))", "w")
    assert r.text().splitlines()[-1] == "X^T diag(sigmoid'(X w)) X"
    assert r.check() < 1e-6


COLLECTED = [
    # generalised Rayleigh quotient: one common denominator, r (B + B^T) grouped (group_scalar_terms)
    ("x^T A x / (x^T B x)", "x", None, "(A + A^T - (x^T A x) (B + B^T) / (x^T B x)) x / (x^T B x)"),
    # Student-t log density: nu (1 + q / nu) = nu + q (absorb_into_sum)
    ("-(nu + p)/2 log(1 + (x - m)^T inv(S) (x - m) / nu)", "x", {"nu": "1,1", "p": "1,1"},
     "-(nu + p) (S^{-1} + S^{-T}) (x - m) / (2 ((x - m)^T S^{-1} (x - m) + nu))"),
    ("-(nu + p)/2 log(1 + (x - m)^T inv(S) (x - m) / nu)", "nu", {"nu": "1,1", "p": "1,1"},
     "(((x - m)^T S^{-1} (x - m)) (nu + p) / (nu ((x - m)^T S^{-1} (x - m) + nu))"
     " - log(1 + ((x - m)^T S^{-1} (x - m)) / nu)) / 2"),
]


COLLECTED += [
    # one name for the logistic derivative: sigmoid(u) .* (1 - sigmoid(u)) = sigmoid'(u) (logistic_name);
    # a common Hadamard factor out of a sum (factor_hadamard)
    ("sum(sigmoid(X w) .* log(sigmoid(X w)))", "w", None,
     "X^T (sigmoid'(X w) .* (1 + log(sigmoid(X w))))"),
    ("sum(sigmoid(X w) .* (1 - sigmoid(X w)))", "w", None, "X^T sigmoid''(X w)"),
    ("sigmoid(a^T w) (1 - sigmoid(a^T w))", "w", None, "sigmoid''(a^T w) a"),
]


@pytest.mark.parametrize("expr, wrt, shapes, expected", COLLECTED, ids=[f"{c[0]} wrt {c[1]}" for c in COLLECTED])
def test_collected(expr, wrt, shapes, expected):
    check_gradient(expr, wrt, shapes, expected)
