"""SymPy interop: to_sympy gives a SymPy expression of the same value (both
sides evaluated on the same random numbers), from_sympy reads it back to the
same expression (or one of the same value), and a construct without a
counterpart is an UnsupportedError, never a silent wrong answer.

The round trips run over the random expression generator of tests/strategies.py,
on parsed expressions and on derived results (gradients, Jacobians, Hessians)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcalc  # noqa: E402
from matcalc import build as b  # noqa: E402
from matcalc.functions import GENERIC_STANDIN  # noqa: E402
from matcalc.errors import MatcalcError, NumericError, UnsupportedError  # noqa: E402
from matcalc.numeric import evaluate, random_env  # noqa: E402
from matcalc.sympy_bridge import CommutationMatrix, Unvec, Vec, dimension  # noqa: E402
from strategies import matrix_cases, scalar_cases  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")


# --- evaluating a SymPy expression on numbers -------------------------------------------------


_T = sp.Dummy("t")


def sympy_value(s, env: dict, sizes: dict) -> np.ndarray:
    """The value of a SymPy expression from to_sympy at matcalc's numbers: the
    variables become explicit matrices, the dimensions their sizes, then doit()."""
    values = {}
    for x in s.atoms(sp.MatrixSymbol):
        values[x] = sp.ImmutableMatrix(env[x.name])
    for x in s.free_symbols:
        if isinstance(x, sp.Symbol) and not x.is_integer and x.name in env:
            values[x] = sp.Float(float(env[x.name][0, 0]), 30)
    dims = {dimension(name): n for name, n in sizes.items()}
    values = {k.xreplace(dims): v for k, v in values.items()}
    # a generic f is matcalc's smooth stand-in in numeric checks (functions.GENERIC_STANDIN)
    standin = sp.Lambda(_T, sp.sympify(GENERIC_STANDIN, locals={"x": _T}))
    s = s.replace(lambda z: isinstance(z, AppliedUndef) and len(z.args) == 1, lambda z: standin(z.args[0]))
    out = _explicit(s.xreplace(dims), values)
    if isinstance(out, sp.MatrixBase):
        return np.array(out.evalf(), dtype=float)
    return np.array([[float(sp.N(out))]])


def _explicit(x, values):
    """Bottom up: every matrix expression over explicit matrices made explicit
    by SymPy (doit, then as_explicit for what doit leaves, such as HadamardPower)."""
    if x in values:
        return values[x]
    if isinstance(x, sp.MatrixBase) or not x.args or isinstance(x, sp.Lambda):
        return x
    args = tuple(_explicit(a, values) for a in x.args)
    if isinstance(x, DiagonalOf):  # SymPy 1.14's DiagonalOf(explicit matrix) fails on its int shape
        return sp.ImmutableMatrix([args[0][i, i] for i in range(min(args[0].shape))])
    y = x.func(*args) if args != x.args else x
    y = y.doit(deep=False) if hasattr(y, "doit") else y
    if isinstance(y, sp.MatrixExpr) and not isinstance(y, sp.MatrixBase):
        y = y.as_explicit()
    return y


def matcalc_value(e, env, sizes):
    with np.errstate(all="ignore"):
        return evaluate(e, env, sizes)


def assert_same_value(a, bv, what):
    a, bv = np.asarray(a, dtype=float), np.asarray(bv, dtype=float)
    assert a.shape == bv.shape, (what, a.shape, bv.shape)
    scale = max(1.0, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(bv), initial=0)))
    assert np.allclose(a, bv, rtol=1e-7, atol=1e-9 * scale), (what, a, bv)


SMALL = {"m": 2, "n": 3, "p": 2, "q": 3, "k": 2}

# Every node class, with the SymPy construct it must become.
EXAMPLES = [
    ("x^T A x", {"A": "n,n"}, "MatrixElement"),
    ("tr(X^T A X)", {}, "Trace"),
    ("inv(S) + S^2 + S^-2 + S^T", {"S": "n,n"}, "Inverse"),
    ("det(S) + logdet(S)", {"S": "n,n"}, "Determinant"),
    ("A .* B + A .^ 3 + sqrt(A .* A + 1)", {"A": "m,n"}, "HadamardProduct"),
    ("kron(A, B)", {"A": "m,n", "B": "p,q"}, "KroneckerProduct"),
    ("I + ones(n, n) + 0 * A", {"A": "n,n"}, "OneMatrix"),
    ("diag(x) + diag(diag(A))", {"A": "n,n"}, "DiagMatrix"),
    ("exp(A) + log(A .* A + 1) + sin(A) + cos(A) + tanh(A)", {}, "ElementwiseApplyFunction"),
    ("sigmoid(W x) + softplus(W x) + relu(W x) + abs(W x)", {"W": "m,n"}, "ElementwiseApplyFunction"),
    ("sum(A) + norm(A) + norm(x)", {"A": "m,n", "x": "n"}, "Trace"),
    ("vec(A) + vec(unvec(kron(b, a), m, n) .* B)", {"A": "m,n", "B": "m,n", "a": "m", "b": "n"}, "Unvec"),
    ("alpha A + beta^2 A / 3", {}, "MatMul"),
    ("exp(alpha) + sigmoid(alpha) + alpha^(1/2) + tanh(beta)", {}, "Add"),
]


@pytest.mark.parametrize("text,shapes,construct", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_each_construct_has_the_same_value_and_reads_back(text, shapes, construct):
    e = matcalc.parse(text, shapes)
    s = matcalc.to_sympy(e)
    assert any(type(x).__name__ == construct for x in sp.preorder_traversal(s)), (construct, s)
    env, sizes = random_env([e], np.random.default_rng(1), dict(SMALL))
    assert_same_value(sympy_value(s, env, sizes), matcalc_value(e, env, sizes), text)
    back = matcalc.from_sympy(s)
    assert back == e or np.allclose(matcalc_value(back, env, sizes), matcalc_value(e, env, sizes)), (back, e)


def test_jacobian_and_hessian_constructs():
    """vec, K_{m,n} and Kronecker products, the language of Jacobians and Hessians."""
    for r in (matcalc.jacobian("A X B", "X"), matcalc.jacobian("X^T", "X"),
              matcalc.hessian("tr(X^T A X X^T)", "X"), matcalc.hessian("norm(W x - y)^2", "W")):
        s = r.to_sympy()
        env, sizes = random_env([r.f, r.expr, r.x], np.random.default_rng(2), dict(SMALL))
        assert_same_value(sympy_value(s, env, sizes), matcalc_value(r.expr, env, sizes), r.text())
        assert matcalc.from_sympy(s) == r.expr
    K = CommutationMatrix(2, 3).as_explicit()
    A = sp.Matrix(2, 3, range(6))
    assert K * Vec(A).as_explicit() == Vec(A.T).as_explicit()
    assert Unvec(Vec(A).as_explicit(), 2, 3).as_explicit() == A


def test_result_to_sympy_and_the_printed_forms():
    r = matcalc.grad("x^T A x", "x")
    n = dimension("n")
    A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
    assert r.to_sympy() == sp.MatMul(sp.MatAdd(A, A.T), x)
    assert matcalc.to_sympy(r) == r.to_sympy()
    assert matcalc.to_sympy("x^T A x") == MatrixElement(x.T * A * x, 0, 0)
    # the SymPy expression works with SymPy's own tools: its derivative has the value of matcalc's gradient
    g = matcalc.grad("tr(X^T A X)", "X")
    env, sizes = random_env([g.f, g.expr], np.random.default_rng(5), dict(SMALL))
    f = matcalc.to_sympy(g.f)
    X = sp.MatrixSymbol("X", *map(dimension, g.x.shape))
    assert_same_value(sympy_value(f.diff(X), env, sizes), matcalc_value(g.expr, env, sizes), "d/dX")
    # lets are expanded: the SymPy result is in the variables
    r = matcalc.grad("norm(r)^2", "x", lets={"r": "A x - b"})
    assert {a.name for a in r.to_sympy().atoms(sp.MatrixSymbol)} == {"A", "b", "x"}


def test_scalar_functions_read_back_by_name():
    e = matcalc.parse("sigmoid(alpha) + softplus(beta) + relu(gamma) + f(alpha beta) + f'(gamma) + abs(mu)")
    s = matcalc.to_sympy(e)
    assert matcalc.from_sympy(s) == e


def test_unsupported_constructs_raise():
    r = matcalc.grad("x^T A x", "x")
    with pytest.raises(UnsupportedError, match="differential"):
        matcalc.to_sympy(r.differential)
    n = sp.Symbol("n", integer=True, positive=True)
    A = sp.MatrixSymbol("A", n, n)
    t = sp.Symbol("t")
    for bad in (sp.Matrix([[1, 2], [3, 4]]),  # explicit matrices
                sp.MatPow(A, t),  # a symbolic matrix power
                sp.HadamardPower(A, t),
                sp.Heaviside(t),  # Heaviside(0) = 1/2, matcalc's relu'(0) = 0
                sp.Integral(t, t),
                sp.I * t,
                sp.MatrixSymbol("B", n, 2 * n + 1),  # a dimension that is no product
                sp.Adjoint(A),
                A.applyfunc(lambda z: sp.gamma(z))):
        with pytest.raises(UnsupportedError):
            matcalc.from_sympy(bad)
    with pytest.raises(UnsupportedError):
        matcalc.to_sympy(object())


# --- round trips over the random expression generator -----------------------------------------


def _settings(n):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def round_trip(e, rng, numeric_sympy: bool):
    """to_sympy never fails on an expression matcalc made (no differentials in
    it); from_sympy reads the result back to e or to an expression of the same
    value; with numeric_sympy, the SymPy expression itself is evaluated too.
    softmax and logsumexp have no SymPy counterpart: an UnsupportedError says so."""
    from matcalc.expr import LogSumExp, Softmax
    from matcalc.walk import walk

    if any(isinstance(n, (Softmax, LogSumExp)) for n in walk(e)):
        with pytest.raises(UnsupportedError, match="no SymPy counterpart"):
            matcalc.to_sympy(e)
        return
    s = matcalc.to_sympy(e)
    back = matcalc.from_sympy(s)
    if back == e and not numeric_sympy:
        return
    try:
        env, sizes = random_env([e], rng)
    except NumericError:
        return
    want = matcalc_value(e, env, sizes)
    if not np.all(np.isfinite(want)):
        return
    if back != e:
        got = matcalc_value(back, env, sizes)
        assert_same_value(got, want, f"from_sympy(to_sympy(e)) for {e!r}: {back!r}")
    if numeric_sympy and max(want.shape) <= 12:
        assert_same_value(sympy_value(s, env, sizes), want, f"to_sympy({e!r}) = {s}")


def _derive(kind, case):
    try:
        if kind == "hessian":
            return matcalc.hessian(case.text, case.wrt, case.shapes)
        fn = matcalc.grad if kind == "grad" else matcalc.jacobian
        return fn(case.text, case.wrt, case.shapes, layout=case.layout)
    except UnsupportedError:
        return None


@_settings(120)
@given(scalar_cases(10))
def test_round_trip_scalar_expressions_and_gradients(case):
    rng = np.random.default_rng(case.seed)
    round_trip(matcalc.parse(case.text, case.shapes), rng, numeric_sympy=case.seed % 4 == 0)
    r = _derive("grad", case)
    if r is not None:
        round_trip(r.expr, rng, numeric_sympy=case.seed % 4 == 1)


@_settings(80)
@given(matrix_cases(7))
def test_round_trip_matrix_expressions_and_jacobians(case):
    rng = np.random.default_rng(case.seed)
    round_trip(matcalc.parse(case.text, case.shapes), rng, numeric_sympy=case.seed % 4 == 0)
    r = _derive("jacobian", case)
    if r is not None:
        round_trip(r.expr, rng, numeric_sympy=False)


@_settings(40)
@given(scalar_cases(7))
def test_round_trip_hessians(case):
    r = _derive("hessian", case)
    if r is not None:
        round_trip(r.expr, np.random.default_rng(case.seed), numeric_sympy=False)


def test_from_sympy_of_user_written_expressions():
    """Expressions a SymPy user writes, not made by to_sympy."""
    n, m = sp.symbols("n m", integer=True, positive=True)
    X, A = sp.MatrixSymbol("X", n, m), sp.MatrixSymbol("A", n, n)
    w, y = sp.MatrixSymbol("w", m, 1), sp.MatrixSymbol("y", n, 1)
    alpha = sp.Symbol("alpha")
    cases = [
        sp.Trace(X.T * A * X),
        (X * w - y).T * (X * w - y),
        alpha * A ** 2 - A.I + sp.Identity(n),
        sp.HadamardProduct(X, X).applyfunc(sp.exp),
        sp.log(sp.Determinant(A)),
        X.applyfunc(lambda z: z ** 2 + 3 * sp.sin(z) - 1),  # an element-wise polynomial of functions
    ]
    for s in cases:
        e = matcalc.from_sympy(s)
        env, sizes = random_env([e], np.random.default_rng(3), {"n": 3, "m": 2})
        assert_same_value(sympy_value(s, env, sizes), matcalc_value(e, env, sizes), str(s))
    r = matcalc.grad("(X w - y)^T (X w - y)", "w")
    assert matcalc.from_sympy(r.to_sympy()) == r.expr


def test_errors_are_matcalc_errors():
    with pytest.raises(MatcalcError):
        matcalc.from_sympy(sp.Symbol("t") ** sp.Symbol("u"))
    with pytest.raises(UnsupportedError, match="relu'"):
        matcalc.from_sympy(sp.Heaviside(sp.Symbol("t")))
    assert matcalc.from_sympy(sp.Heaviside(sp.Symbol("t"), 0)) == b.apply("relu'", matcalc.parse("t", {"t": "scalar"}))
