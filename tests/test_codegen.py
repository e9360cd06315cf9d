"""Generated modules (docs/codegen.md): value, value_and_gradient,
hessian_vector_product and hessian_operator checked numerically, and the
JAX and PyTorch backends against the NumPy code on random data."""
from __future__ import annotations

import ast
import re

import numpy as np
import pytest

import matcalc
from matcalc.numeric import evaluate

GRADIENTS = [
    ("x^T A x", "x", {}),
    ("sum(log(1 + exp(-y .* (X w))))", "w", {}),
    ("norm(X - U V^T)^2", "U", {}),
    ("tr(A X^T B X C)", "X", {"A": "p,p", "X": "n,p"}),
    ("logdet(X) + tr(A X)", "X", {}),
    ("norm(W2 tanh(W1 X) - Y)^2", "W1", {}),
    ("sum(exp(A x)) + x^T x", "x", {}),
    ("sum(relu(A x)) + sum(sigmoid(A x))", "x", {}),
    ("x^T inv(A) x + a^T x", "x", {}),
]
HESSIANS = [
    ("sum(log(1 + exp(X w)))", "w", {}),
    ("sum(log(1 + exp(-y .* (X w))))", "w", {}),
    ("x^T A x", "x", {}),
    ("sum(exp(A x))", "x", {}),
    ("norm(W2 tanh(W1 X) - Y)^2", "W1", {}),
    ("norm(X - U V^T)^2", "U", {}),
    ("tr(X^T A X) + logdet(X^T X)", "X", {}),
    ("norm(A X B - C)^2", "X", {}),
]
SIZES = {"n": 5, "m": 4, "p": 3, "q": 6, "k": 2}


def arrays(r, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for v in r._inputs():
        shape = tuple(SIZES.get(d, d) if isinstance(d, str) else d for d in v.shape)
        a = rng.standard_normal(shape) * 0.5
        if v.shape[0] == v.shape[1] and v.shape != (1, 1):
            a = a + 3 * np.eye(shape[0])  # invertible, positive determinant
        out[v.name] = a.reshape(-1) if v.shape[1] == 1 and v.shape != (1, 1) else a
    return out


def f_value(r, args):
    env, sizes = r._env(args)
    return float(evaluate(r.full(r.f), env, sizes)[0, 0])


def assert_readable(source):
    for line in source.splitlines():
        assert len(line) < 100, line
        assert not re.search(r"(?<![\d.])1\.0 \*", line), line  # no 1.0 * a
        assert not re.search(r"\(\([\w.]+\)\)", line), line  # no ((a))
    ast.parse(source)


@pytest.mark.parametrize("expr, wrt, shapes", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_value_and_gradient(expr, wrt, shapes):
    r = matcalc.grad(expr, wrt, shapes)
    source = r.numpy_source()
    assert_readable(source)
    fns = r.function()
    args = arrays(r)
    f, G = fns.value_and_gradient(**args)
    assert np.isclose(f, f_value(r, args), rtol=1e-10)
    assert np.isclose(fns.value(**args), f, rtol=1e-12)
    np.testing.assert_allclose(G, r.evaluate(**args), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fns.gradient(**args), G, rtol=1e-12, atol=1e-14)
    # the forward pass is shared: value_and_gradient computes each temporary once
    tree = ast.parse(source)
    both = next(n for n in tree.body if getattr(n, "name", "") == "value_and_gradient")
    targets = [t.id for n in ast.walk(both) if isinstance(n, ast.Assign) for t in n.targets]
    assert len(targets) == len(set(targets)) or "If" in {type(n).__name__ for n in ast.walk(both)}


@pytest.mark.parametrize("expr, wrt, shapes", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_hessian_vector_product(expr, wrt, shapes):
    r = matcalc.hessian(expr, wrt, shapes)
    assert_readable(r.numpy_source())
    fns = r.function()
    args = arrays(r)
    X = np.atleast_2d(np.asarray(args[wrt], dtype=float))
    X = X.T if np.ndim(args[wrt]) == 1 else X
    H = fns.hessian(**args)
    op = fns.hessian_operator(**args)
    rng = np.random.default_rng(1)
    for _ in range(2):
        V = rng.standard_normal(np.shape(args[wrt]))
        expected = (H @ np.reshape(V, -1, order="F")).reshape(X.shape, order="F")
        expected = expected.reshape(np.shape(V))
        hv = fns.hessian_vector_product(V, **args)
        np.testing.assert_allclose(hv, expected, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(op(V), expected, rtol=1e-9, atol=1e-9)
    f, G = fns.value_and_gradient(**args)
    assert np.isclose(f, f_value(r, args), rtol=1e-10)
    np.testing.assert_allclose(G, fns.gradient(**args))


def test_operator_hoists_the_forward_pass():
    """In the closure only what depends on V: for the logistic loss X^T (d .* (X V))."""
    r = matcalc.hessian("sum(log(1 + exp(X w)))", "w")
    tree = ast.parse(r.numpy_source())
    op = next(n for n in tree.body if getattr(n, "name", "") == "hessian_operator")
    closure = next(n for n in op.body if isinstance(n, ast.FunctionDef))
    text = ast.unparse(closure)
    assert "cosh" not in text and "X @ w" not in text and "X @ V" in text


def test_scipy_fit():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = np.sign(X @ rng.standard_normal(5) + 0.3 * rng.standard_normal(200))
    r = matcalc.hessian("sum(log(1 + exp(-y .* (X w)))) + 0.5 * w^T w", "w")
    fns = r.function()
    res = scipy_optimize.minimize(x0=np.zeros(5), method="trust-ncg", **fns.scipy(X=X, y=y))
    assert res.success
    assert np.linalg.norm(fns.gradient(w=res.x, X=X, y=y)) < 1e-4  # gtol 1e-5 per entry


def test_scipy_matrix_variable():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    A, B, C = rng.standard_normal((6, 4)), rng.standard_normal((3, 5)), rng.standard_normal((6, 5))
    r = matcalc.hessian("norm(A X B - C)^2", "X")
    fns = r.function()
    res = scipy_optimize.minimize(x0=np.zeros(12), method="Newton-CG", **fns.scipy(A=A, B=B, C=C))
    X = fns.scipy_unflatten(res.x, A=A, B=B, C=C)
    np.testing.assert_allclose(fns.gradient(X=X, A=A, B=B, C=C), 0, atol=1e-6)


# --- backends -------------------------------------------------------------------------------------


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8, atol=1e-10)


def _names(r):
    return ["value", "gradient", "value_and_gradient"] if r.kind == "gradient" else \
        ["value", "gradient", "value_and_gradient", "hessian"]


CASES = [("grad",) + g for g in GRADIENTS] + [("hessian",) + h for h in HESSIANS]


@pytest.mark.parametrize("kind, expr, wrt, shapes", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_jax_backend_matches_numpy(kind, expr, wrt, shapes):
    jax = _jax()
    import jax.numpy as jnp

    r = getattr(matcalc, kind)(expr, wrt, shapes)
    source = r.code("jax")
    assert_readable(source)
    ref, fns = r.function(), r.function("jax")
    args = arrays(r)
    jargs = {k: jnp.asarray(v) for k, v in args.items()}
    for name in _names(r):
        want, got = getattr(ref, name)(**args), jax.jit(getattr(fns, name))(**jargs)
        for w, g in zip(want if isinstance(want, tuple) else [want], got if isinstance(got, tuple) else [got]):
            _close(g, w)
    if kind == "hessian":
        V = np.random.default_rng(2).standard_normal(np.shape(args[wrt]))
        want = ref.hessian_vector_product(V, **args)
        _close(jax.jit(fns.hessian_vector_product)(jnp.asarray(V), **jargs), want)
        _close(fns.hessian_operator(**jargs)(jnp.asarray(V)), want)


@pytest.mark.parametrize("kind, expr, wrt, shapes", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_torch_backend_matches_numpy(kind, expr, wrt, shapes):
    torch = pytest.importorskip("torch")
    r = getattr(matcalc, kind)(expr, wrt, shapes)
    assert_readable(r.code("torch"))
    ref, fns = r.function(), r.function("torch")
    args = arrays(r)
    targs = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in args.items()}
    for name in _names(r):
        want, got = getattr(ref, name)(**args), getattr(fns, name)(**targs)
        for w, g in zip(want if isinstance(want, tuple) else [want], got if isinstance(got, tuple) else [got]):
            assert isinstance(g, torch.Tensor)
            _close(g.numpy(), w)
    if kind == "hessian":
        V = np.random.default_rng(2).standard_normal(np.shape(args[wrt]))
        want = ref.hessian_vector_product(V, **args)
        _close(fns.hessian_vector_product(torch.as_tensor(V), **targs).numpy(), want)
        _close(fns.hessian_operator(**targs)(torch.as_tensor(V)).numpy(), want)


def test_torch_compile_runs_the_module():
    torch = pytest.importorskip("torch")
    r = matcalc.grad("sum(log(1 + exp(-y .* (X w))))", "w")
    fns = r.function("torch")
    args = {k: torch.as_tensor(v) for k, v in arrays(r).items()}
    compiled = torch.compile(fns.value_and_gradient, backend="eager")
    f, G = compiled(**args)
    f0, G0 = r.function().value_and_gradient(**arrays(r))
    _close(f.numpy(), f0)
    _close(G.numpy(), G0)


@pytest.mark.parametrize("fmt", ["jax", "torch"])
def test_cli_formats(fmt, capsys):
    from matcalc.cli import main

    assert main(["hessian", "sum(log(1 + exp(X w)))", "wrt", "w", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert f"import {fmt}" in out and "def hessian_vector_product(V, X, w):" in out
