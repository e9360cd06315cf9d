"""Identities as data, each checked from its own text.

An Identity is two spellings of one value in matcalc's language.  ONE generic
test parses both sides (their shapes unified together) and checks that they
are numerically equal on random inputs; when ``canonical`` is set, both sides
must also build the same canonical expression (the constructors in
matcalc.build know the identity).  Adding an identity never needs a new test
function.

A second generic test checks the element-wise function table
(matcalc.functions.TABLE): every row's NumPy source against its SymPy
definition, and every row's derivative (the closed form, the primed row, or
the SymPy-derived source) against sympy.diff of the definition.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np
import pytest
import sympy

import matcalc
from conftest import environment, sizes_for, unbound_dims, dims_of, value
from matcalc import build
from matcalc.expr import Var
from matcalc.functions import TABLE, derivative, numpy_callable
from matcalc.numeric import evaluate
from matcalc.frontend import to_expr


class Identity(NamedTuple):
    name: str
    lhs: str
    rhs: str
    shapes: Optional[dict] = None
    canonical: bool = False  # both sides build the same expression


SQ = {"A": "n,n", "B": "n,n"}

IDENTITIES = [
    # --- Frobenius product (the moves of the peeling loop) ----------------------------------------
    Identity("frob-move-right", "C : (A B)", "(C B^T) : A", {"A": "m,n", "B": "n,p"}, True),
    Identity("frob-move-left", "C : (A B)", "(A^T C) : B", {"A": "m,n", "B": "n,p"}, True),
    Identity("frob-symmetric", "A : B", "B : A", None, True),
    Identity("frob-transpose", "A : B", "A^T : B^T", None, True),
    Identity("frob-hadamard", "(A .* B) : C", "A : (B .* C)", None),
    Identity("frob-trace", "A : B", "tr(A^T B)", {"A": "m,n"}, True),
    Identity("frob-sum", "A : B", "sum(A .* B)", {"A": "m,n"}, True),
    Identity("frob-vec", "A : B", "vec(A)^T vec(B)", {"A": "m,n"}),
    Identity("frob-norm", "A : A", "norm(A)^2", {"A": "m,n"}),
    Identity("frob-vectors", "a : b", "a^T b", None, True),
    # --- trace -------------------------------------------------------------------------------------------
    Identity("trace-cyclic", "tr(A B)", "tr(B A)", {"A": "m,n"}, True),
    Identity("trace-cyclic-3", "tr(A B C)", "tr(C A B)", {"A": "m,n", "B": "n,p"}, True),
    Identity("trace-transpose", "tr(A^T)", "tr(A)", None, True),
    Identity("trace-linear", "tr(A + 2 B)", "tr(A) + 2 tr(B)", None, True),
    Identity("trace-outer", "tr(x y^T)", "y^T x", None, True),
    Identity("trace-kron", "tr(kron(A, B))", "tr(A) tr(B)", {"A": "n,n", "B": "m,m"}, True),
    Identity("trace-diag", "tr(diag(x))", "sum(x)", None, True),
    Identity("trace-identity-sum", "sum(diag(A))", "tr(A)", None),
    # --- determinant and log-determinant -----------------------------------------------------------------
    Identity("det-product", "det(A B)", "det(A) det(B)", SQ, True),
    Identity("det-transpose", "det(A^T)", "det(A)", None, True),
    Identity("det-inverse", "det(A^{-1})", "1 / det(A)", None, True),
    Identity("det-power", "det(A^3)", "det(A)^3", None, True),
    Identity("det-scale", "det(2 A)", "8 det(A)", {"A": "3,3"}),
    Identity("logdet-inverse", "logdet(X^{-1})", "-logdet(X)", None, True),
    Identity("logdet-product", "logdet(A B)", "logdet(A) + logdet(B)", SQ, True),
    Identity("logdet-log-det", "log(det(X))", "logdet(X)", None, True),
    Identity("logdet-power", "logdet(X^3)", "3 logdet(X)", None, True),
    Identity("logdet-transpose", "logdet(X^T)", "logdet(X)", None, True),
    # --- transpose, inverse, powers ---------------------------------------------------------------------
    Identity("transpose-product", "(A B)^T", "B^T A^T", None, True),
    Identity("transpose-sum", "(A + B)^T", "A^T + B^T", None, True),
    Identity("transpose-twice", "(A^T)^T", "A", None, True),
    Identity("transpose-tick", "x' A' y", "x^T A^T y", None, True),
    Identity("inverse-product", "(A B)^{-1}", "B^{-1} A^{-1}", SQ, True),
    Identity("inverse-transpose", "(X^T)^{-1}", "X^{-T}", None, True),
    Identity("transpose-inverse", "(X^{-1})^T", "X^{-T}", None, True),
    Identity("inverse-spellings", "inv(X)", "X^-1", None, True),
    Identity("inverse-twice", "inv(inv(X))", "X", None, True),
    Identity("inverse-transpose-sum", "inv(A^T + B^T)", "(A + B)^{-T}", None, True),
    Identity("inverse-cancel", "A X X^{-1} B", "A B", None, True),
    Identity("inverse-scalar", "(2 X)^{-1}", "X^{-1} / 2", None, True),
    Identity("power-product", "X X X", "X^3", None, True),
    Identity("power-merge", "X^2 X^{-1}", "X", None, True),
    Identity("power-negative", "X^{-2}", "inv(X)^2", None, True),
    Identity("scalar-transpose", "a^T B c", "c^T B^T a", None, True),
    Identity("scalar-commute", "(a^T b) x", "x (b^T a)", None, True),
    Identity("outer-inner", "x y^T z", "(y^T z) x", None, True),
    Identity("scalar-fraction", "1/2 x^T x", "x^T x / 2", None, True),
    Identity("scalar-decimal", "0.5 A", "A / 2", None, True),
    Identity("scalar-power", "(a^T b)^2", "(a^T b) (b^T a)", None, True),
    Identity("distribute", "A (B + C)", "A B + A C", None),
    # --- element-wise ---------------------------------------------------------------------------------------
    Identity("diag-outer", "diag(x x^T)", "x .* x", None, True),
    Identity("diag-diag", "diag(diag(x))", "x", None, True),
    Identity("diag-hadamard", "diag(x) y", "x .* y", None),
    Identity("softplus", "log(1 + exp(x))", "softplus(x)", None, True),
    Identity("hadamard-commute", "A .* B", "B .* A", None, True),
    Identity("hadamard-spellings", "A ∘ B", "A ⊙ B", None, True),
    Identity("hadamard-square", "A .* A", "A.^2", None, True),
    Identity("hadamard-divide", "A ./ B", "A .* B.^-1", None, True),
    Identity("hadamard-transpose", "(a .* b)^T", "a^T .* b^T", None, True),
    Identity("hadamard-sign", "-a .* b ./ c", "-(a .* (b ./ c))", None, True),
    Identity("hadamard-scalars", "(2 a) .* (alpha b)", "2 alpha (a .* b)", None, True),
    Identity("ones-outer", "ones(m) ones(n)^T", "ones(m, n)", None, True),
    Identity("elementwise-transpose", "tanh(X^T)", "tanh(X)^T", None, True),
    Identity("epow-transpose", "(X^T).^3", "(X.^3)^T", None, True),
    Identity("epow-merge", "X^T .* (X.^2)^T", "(X.^3)^T", None, True),
    Identity("sqrt-power", "sqrt(x)", "x.^(1/2)", None, True),
    Identity("sigmoid-tanh", "sigmoid(x)", "1/2 + 1/2 tanh(x / 2)", None),
    Identity("sigmoid-prime", "sigmoid'(x)", "sigmoid(x) .* (1 - sigmoid(x))", None),
    Identity("tanh-prime", "tanh'(x)", "1 - tanh(x).^2", None),
    Identity("softplus-prime", "sigmoid(x)", "1 ./ (1 + exp(-x))", None),
    Identity("exp-log", "exp(log(x))", "x", None),
    # --- Kronecker, vec, sum, norm ----------------------------------------------------------------------------
    Identity("kron-spellings", "kron(A, B)", "A ⊗ B", None, True),
    Identity("kron-transpose", "kron(A, B)^T", "kron(A^T, B^T)", None, True),
    Identity("kron-mixed-product", "kron(A, B) kron(C, D)", "kron(A C, B D)",
             {"A": "m,n", "B": "p,q", "C": "n,r", "D": "q,s"}, True),
    Identity("kron-vec", "kron(A, B) vec(X)", "vec(B X A^T)", {"A": "p,n", "B": "q,m", "X": "m,n"}),
    Identity("kron-inverse", "inv(kron(A, B))", "kron(inv(A), inv(B))", {"A": "n,n", "B": "m,m"}),
    Identity("kron-scalar", "kron(2 A, B)", "2 kron(A, B)", None, True),
    Identity("vec-of-vector", "vec(x^T)", "x", None, True),
    Identity("vec-ones", "vec(ones(m, n))", "ones(m*n)", None, True),
    Identity("vec-product", "vec(A X B)", "kron(B^T, A) vec(X)", {"A": "p,m", "X": "m,n", "B": "n,q"}),
    Identity("sum-ones", "sum(x)", "ones(n)^T x", {"x": "n"}),
    Identity("sum-transpose", "sum(A^T)", "sum(A)", None, True),
    Identity("sum-linear", "sum(A - 3 B)", "sum(A) - 3 sum(B)", None, True),
    Identity("norm-squared", "norm(x)^2", "x^T x", None),
    Identity("norm-scale", "norm(-2 x)", "2 norm(x)", None, True),
    Identity("norm-transpose", "norm(A^T)", "norm(A)", None, True),
    Identity("norm-sqrt", "norm(x)", "sqrt(x^T x)", None),
    Identity("identity-matrix", "I x", "x", None, True),
    Identity("frob-identity", "I : A", "tr(A)", None, True),
]


def _sides(identity: Identity):
    """Both sides parsed with one set of shapes (unified across the sides)."""
    _, ctx = to_expr(f"({identity.lhs}) - ({identity.rhs})", _declared(identity.shapes))
    shapes = {name: tuple(ctx.name_dim(d) for d in dims) for name, dims in ctx.vars.items()}
    return matcalc.parse(identity.lhs, shapes), matcalc.parse(identity.rhs, shapes), shapes


def _declared(shapes):
    from matcalc.frontend import parse_dims

    return {k: parse_dims(v) for k, v in (shapes or {}).items()}


@pytest.mark.parametrize("identity", IDENTITIES, ids=[i.name for i in IDENTITIES])
def test_identity(identity: Identity):
    lhs, rhs, shapes = _sides(identity)
    for seed in (0, 1):
        env, sizes = environment([lhs, rhs], seed)
        left = value(lhs, env, sizes)
        right = value(rhs, env, sizes_for(rhs, lhs, sizes))
        assert left.shape == right.shape, identity
        assert np.allclose(left, right, rtol=1e-9, atol=1e-9), (identity.name, left, right)
    if identity.canonical:
        difference = matcalc.parse(f"({identity.lhs}) - ({identity.rhs})", shapes)
        assert build.is_zero(difference), f"{identity.name}: {identity.lhs} - ({identity.rhs}) = {difference}"
        if not unbound_dims(rhs, dims_of(shapes)):
            assert lhs == rhs, (identity.name, lhs, rhs)


def test_identity_count():
    assert len(IDENTITIES) >= 30
    assert len({i.name for i in IDENTITIES}) == len(IDENTITIES)


# --- the element-wise function table ---------------------------------------------------------------------

X = sympy.Symbol("x", real=True)
POINTS = np.array([-1.7, -0.6, -0.15, 0.2, 0.9, 1.6])
POSITIVE = np.array([0.2, 0.7, 1.3, 2.4])


def _points(row):
    return POSITIVE if row.name.rstrip("'") == "log" else POINTS


def _sympy_values(expr, points):
    almost_everywhere = {"Heaviside": lambda x, *_: np.heaviside(x, 0.5), "DiracDelta": lambda x, *_: 0 * x}
    f = sympy.lambdify(X, expr, modules=[almost_everywhere, "numpy"])
    return np.broadcast_to(np.asarray(f(points), dtype=float), points.shape)


def _matcalc_values(e, points):
    env = {"x": points.reshape(-1, 1)}
    return evaluate(e, env, {"n": len(points)}).reshape(-1)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function_row_numpy_matches_sympy(name):
    row = TABLE[name]
    points = _points(row)
    definition = sympy.sympify(row.sympy, locals={"x": X})
    assert np.allclose(numpy_callable(name)(points), _sympy_values(definition, points), atol=1e-12)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function_row_derivative_matches_sympy(name):
    """f' as matcalc builds it (closed form, primed row or derived) == sympy.diff(f)."""
    row = TABLE[name]
    points = _points(row)
    definition = sympy.sympify(row.sympy, locals={"x": X})
    expected = _sympy_values(sympy.diff(definition, X), points)
    x = Var("x", ("n", 1))
    got = derivative(name, x)
    assert got.shape == x.shape
    assert np.allclose(_matcalc_values(got, points), expected, atol=1e-10), (name, got)


@pytest.mark.parametrize("name", sorted(n for n in TABLE if n + "'" in TABLE))
def test_primed_row_is_the_derivative(name):
    """A primed row (tanh') is sympy.diff of its base row, symbolically."""
    primed = TABLE[name + "'"]
    base = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    stated = sympy.sympify(primed.sympy, locals={"x": X})
    difference = sympy.simplify(sympy.diff(base, X) - stated)
    if difference != 0:  # piecewise rows (relu, abs): equal away from 0
        points = _points(TABLE[name])
        assert np.allclose(_sympy_values(difference, points), 0, atol=1e-12), (name, difference)
