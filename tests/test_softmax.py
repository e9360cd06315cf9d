"""softmax, log_softmax and logsumexp (issue 11, item 1) and unknown functions (item 3).

On a column vector the three act over its entries (softmax and log_softmax give
a vector, logsumexp a scalar); on a matrix they act on each row (softmax and
log_softmax give a matrix, logsumexp a column with one entry per row).  Every
gradient, Jacobian and Hessian below is checked against central differences;
the texts are the forms a paper writes.
"""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
from conftest import check_gradient
from matcalc.cli import main as run

ATTENTION = {"Q": "n,k", "K": "m,k", "V": "m,p", "G": "n,p", "d": "scalar"}
NETWORK = {"X": "b,n", "W1": "n,h", "W2": "h,c", "Y": "b,c"}
SCORES = {"X": "b,n", "W": "n,c", "Y": "b,c"}

GRADIENTS = [
    # softmax cross-entropy: the paper's form, never a softmax'
    ("-y^T log(softmax(W x))", "W", None, "(sum(y) softmax(W x) - y) x^T"),
    ("-y^T log_softmax(W x)", "W", None, "(sum(y) softmax(W x) - y) x^T"),
    ("logsumexp(x)", "x", None, "softmax(x)"),
    ("logsumexp(W x)", "W", None, "softmax(W x) x^T"),
    ("logsumexp(W x)", "x", None, "W^T softmax(W x)"),
    ("sum(logsumexp(X W))", "W", SCORES, "X^T softmax(X W)"),
    ("a^T softmax(x)", "x", None, None),
    ("a^T softmax(W x)", "W", None, None),
    ("x^T softmax(A x)", "x", None, None),
    ("norm(softmax(W x) - y)^2", "W", None, None),
    ("sum(log_softmax(X W))", "W", SCORES, None),
    ("-sum(Y .* log(softmax(X W)))", "W", SCORES, None),
    ("-sum(Y .* log_softmax(X W))", "W", SCORES, None),
    ("sum(softmax(x^T A) .* y^T)", "A", {"A": "n,m", "y": "m"}, None),  # a row vector: its one row
    ("logsumexp(softmax(x))", "x", None, None),
    ("sum(softmax(softmax(X W)))", "W", SCORES, None),
    # attention, softmax(Q K^T / sqrt(d)) V, against a cotangent G: wrt Q, K and V
    ("G : (softmax(Q K^T / sqrt(d)) V)", "Q", ATTENTION, None),
    ("G : (softmax(Q K^T / sqrt(d)) V)", "K", ATTENTION, None),
    ("G : (softmax(Q K^T / sqrt(d)) V)", "V", ATTENTION, "softmax(Q K^T / sqrt(d))^T G"),
    # softmax cross-entropy of a 2-layer network, row-wise (one sample per row)
    ("-sum(Y .* log_softmax(tanh(X W1) W2))", "W1", NETWORK, None),
    ("-sum(Y .* log_softmax(tanh(X W1) W2))", "W2", NETWORK, "tanh(X W1)^T ((Y ones(c, c)) .* softmax(tanh(X W1) W2) - Y)"),
]


@pytest.mark.parametrize("expr, wrt, shapes, expected", GRADIENTS, ids=[f"{e} wrt {w}" for e, w, *_ in GRADIENTS])
def test_gradient(expr, wrt, shapes, expected):
    r = check_gradient(expr, wrt, shapes, expected)
    assert "softmax'" not in r.text() and "logsumexp'" not in r.text()


JACOBIANS = [
    ("softmax(x)", "x", None, "diag(softmax(x)) - softmax(x) softmax(x)^T"),
    ("softmax(W x)", "x", None, "(diag(softmax(W x)) - softmax(W x) softmax(W x)^T) W"),
    ("log_softmax(x)", "x", None, None),
    ("softmax(W x)", "W", None, None),
    ("softmax(X W)", "W", SCORES, None),
    ("log_softmax(X W)", "W", SCORES, None),
    ("logsumexp(X W)", "W", SCORES, None),
    ("softmax(Q K^T / sqrt(d)) V", "K", ATTENTION, None),
    ("softmax(Q K^T / sqrt(d)) V", "Q", ATTENTION, None),
]


@pytest.mark.parametrize("expr, wrt, shapes, expected", JACOBIANS, ids=[f"{e} wrt {w}" for e, w, *_ in JACOBIANS])
def test_jacobian(expr, wrt, shapes, expected):
    r = matcalc.jacobian(expr, wrt, shapes=shapes)
    assert max(r.check(seed=s) for s in (0, 1)) < 1e-6, r.text()
    if expected is not None:
        assert r.text() == expected


HESSIANS = [
    ("logsumexp(x)", "x", None, "diag(softmax(x)) - softmax(x) softmax(x)^T"),
    ("logsumexp(W x)", "x", None, "W^T (diag(softmax(W x)) - softmax(W x) softmax(W x)^T) W"),
    ("-y^T log_softmax(W x)", "W", None, None),
    ("sum(logsumexp(X W))", "W", SCORES, None),
    ("a^T softmax(x)", "x", None, None),
    ("-sum(Y .* log_softmax(X W))", "W", SCORES, None),
    ("G : (softmax(Q K^T / sqrt(d)) V)", "Q", ATTENTION, None),
    ("-sum(Y .* log_softmax(tanh(X W1) W2))", "W2", NETWORK, None),
]


@pytest.mark.parametrize("expr, wrt, shapes, expected", HESSIANS, ids=[f"{e} wrt {w}" for e, w, *_ in HESSIANS])
def test_hessian(expr, wrt, shapes, expected):
    r = matcalc.hessian(expr, wrt, shapes=shapes)
    assert max(r.check(seed=s) for s in (0, 1)) < 1e-5, r.text()
    if expected is not None:
        assert r.text() == expected


def test_shapes():
    p = matcalc.parse
    assert p("softmax(x)").shape[1] == 1 and p("logsumexp(x)").shape == (1, 1)
    assert p("logsumexp(X W)", SCORES).shape == ("b", 1)
    assert p("softmax(X W)", SCORES).shape == ("b", "c")
    assert p("log_softmax(X W)", SCORES).shape == ("b", "c")
    assert p("logsumexp(x^T)").shape == (1, 1)  # a row vector: its one row


def test_log_of_softmax_is_log_softmax():
    assert matcalc.parse("log(softmax(W x))") == matcalc.parse("log_softmax(W x)")
    assert matcalc.parse("log_softmax(x)") == matcalc.parse("x - logsumexp(x) ones(n)")
    assert matcalc.parse("log_softmax(X W)", SCORES) == matcalc.parse("X W - logsumexp(X W) ones(c)^T", SCORES)


def test_printers():
    e = matcalc.parse("softmax(X W) + logsumexp(X W) ones(c)^T", SCORES)
    from matcalc.printing.latex import to_latex
    from matcalc.printing.text import to_text

    tex = to_latex(e)
    assert r"\operatorname{softmax}" in tex and r"\operatorname{logsumexp}" in tex
    assert matcalc.parse(to_text(e), SCORES) == e


# --- values: stable in the evaluator and in every backend ------------------------------------


def _reference_softmax(a, axis):
    a = np.asarray(a, dtype=np.longdouble)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return np.asarray(e / e.sum(axis=axis, keepdims=True), dtype=float)


def _reference_lse(a, axis):
    a = np.asarray(a, dtype=np.longdouble)
    m = a.max(axis=axis, keepdims=True)
    return np.asarray(m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True)), dtype=float)


def test_evaluator_is_stable():
    from matcalc.numeric import evaluate

    z = np.array([[1000.0], [999.0], [-1000.0]])
    Z = np.array([[1000.0, 1001.0, 0.0], [-1000.0, -1001.0, -999.0]])
    x = matcalc.parse("logsumexp(z)")
    value = evaluate(x, {"z": z}, {"n": 3})
    assert np.isfinite(value).all() and np.allclose(value, _reference_lse(z, 0))
    value = evaluate(matcalc.parse("logsumexp(Z)", {"Z": "2,3"}), {"Z": Z}, {})
    assert np.allclose(value, _reference_lse(Z, 1))
    value = evaluate(matcalc.parse("softmax(Z)", {"Z": "2,3"}), {"Z": Z}, {})
    assert np.allclose(value, _reference_softmax(Z, 1)) and np.allclose(value.sum(axis=1), 1)
    value = evaluate(matcalc.parse("log_softmax(Z)", {"Z": "2,3"}), {"Z": Z}, {})
    assert np.allclose(value, np.log(_reference_softmax(Z, 1) + 1e-300), atol=1e-9) or np.isfinite(value).all()


BACKENDS = ["numpy", "jax", "torch"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_code_is_stable(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    shapes = {"W": "3,4", "x": "4", "y": "3", "X": "5,3"}
    r = matcalc.grad("-y^T log_softmax(W x) + sum(logsumexp(X W))", "W", shapes=shapes)
    fns = r.function(backend=backend)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4)) * 1000  # entries of size 1000 and more
    x, y, X = rng.normal(size=(4, 1)), rng.random((3, 1)), rng.normal(size=(5, 3))
    value, grad = fns.value_and_gradient(W, X, x, y)
    value, grad = float(value), np.asarray(grad, dtype=float)
    z = W @ x
    expected = (-y.T @ (z - _reference_lse(z, 0))).item() + _reference_lse(X @ W, 1).sum()
    assert np.isfinite(value) and abs(value - expected) <= 1e-6 * abs(expected)
    assert np.isfinite(grad).all()
    assert np.allclose(grad, r.evaluate(W=W, X=X, x=x, y=y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_attention_code_in_every_backend(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    shapes = {"Q": "4,3", "K": "5,3", "V": "5,2", "G": "4,2", "d": "scalar"}
    rng = np.random.default_rng(1)
    args = dict(Q=rng.normal(size=(4, 3)), K=rng.normal(size=(5, 3)), V=rng.normal(size=(5, 2)),
                G=rng.normal(size=(4, 2)), d=3.0)
    for wrt in "QKV":
        r = matcalc.grad("G : (softmax(Q K^T / sqrt(d)) V)", wrt, shapes=shapes)
        out = r.function(backend=backend).gradient(**args)
        assert np.allclose(np.asarray(out, dtype=float), r.evaluate(**args), rtol=1e-5, atol=1e-7)


def test_logsumexp_of_large_entries_in_generated_numpy():
    r = matcalc.grad("logsumexp(x)", "x", shapes={"x": "3"})
    fns = r.function()
    x = np.array([1000.0, 1000.0, 990.0])
    value = fns.value(x)
    assert np.isfinite(value) and abs(value - _reference_lse(x.reshape(-1, 1), 0).item()) < 1e-9
    assert np.allclose(fns.gradient(x), _reference_softmax(x, 0))


def test_helpers_only_when_called():
    assert "_softmax" not in matcalc.grad("x^T A x", "x").code()
    assert "def _softmax" in matcalc.grad("a^T softmax(x)", "x").code()


# --- errors: one line, a caret, exit 2 -------------------------------------------------------


def _error(argv, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    return lines


@pytest.mark.parametrize("expr, words", [
    ("softmax(a^T x)", ["softmax of a scalar"]),
    ("logsumexp(alpha)", ["logsumexp of a scalar"]),
    ("log_softmax(2)", ["log_softmax of a scalar"]),
])
def test_scalar_argument_is_an_error(expr, words, capsys):
    lines = _error(["grad", expr, "wrt", "x"], capsys)
    assert all(w in lines[0] for w in words), lines
    assert lines[-1].strip() == "^"


@pytest.mark.parametrize("argv, words, caret", [
    (["grad", "v^T foo(u^T w)", "wrt", "w"], ["unknown function foo", "--function foo", "foo * (...)"], 4),
    (["grad", "sum(quux(alpha) .* x)", "wrt", "x"], ["unknown function quux"], 4),
    (["jacobian", "blorp(a^T x)", "wrt", "x"], ["unknown function blorp"], 0),
    (["grad", "max(x)", "wrt", "x"], ["unknown function max", "logsumexp"], 0),
    (["grad", "sum(argmax(x))", "wrt", "x"], ["unknown function argmax", "not supported"], 4),
    (["grad", "prod(x)", "wrt", "x"], ["unknown function prod", "exp(sum(log(x)))"], 0),
    (["grad", "lse(x)", "wrt", "x"], ["logsumexp(z)"], 0),
    (["grad", "mu(x^T x)", "wrt", "x"], ["unknown function mu"], 0),  # a Greek name touching ( too
])
def test_unknown_function_is_an_error_never_a_product(argv, words, caret, capsys):
    lines = _error(argv, capsys)
    assert len(lines) == 3, lines
    assert all(w in lines[0] for w in words), lines
    assert lines[2].index("^") - 2 == caret, lines


@pytest.mark.parametrize("name, words", [
    ("softmax", ["built-in"]), ("logsumexp", ["built-in"]), ("log_softmax", ["built-in"]), ("exp", ["built-in"]),
    ("max", ["not element-wise"]), ("argmax", ["not element-wise"]),
])
def test_function_refuses_builtins_and_non_elementwise_names(name, words, capsys):
    lines = _error(["grad", "sum(exp(x))", "wrt", "x", "--function", name], capsys)
    assert all(w in lines[0] for w in words), lines
    with pytest.raises(matcalc.errors.UsageError):
        matcalc.grad("sum(exp(x))", "x", functions=[name])


def test_products_stay_products():
    assert matcalc.grad("x^T A(B + C) x", "x").check() < 1e-6  # uppercase: a product
    assert matcalc.grad("alpha (x^T x)", "x").text() == "2 alpha x"  # a space: a product
    assert matcalc.grad("alpha * (x^T x)", "x").text() == "2 alpha x"
    assert matcalc.grad("alpha(x^T x)", "x", shapes={"alpha": "scalar"}).text() == "2 alpha x"  # declared
    assert matcalc.grad("h(x^T x)", "x", lets={"h": "2 alpha"}).check() < 1e-6  # a --let name


def test_declared_function_still_works():
    r = matcalc.grad("sum(foo(W x))", "W", functions=["foo"])
    assert r.text() == "foo'(W x) x^T"
