"""The generated NumPy code (``--format numpy``, ``Result.numpy_source()``).

For each gradient: exec the source in a fresh namespace whose only importable
module is numpy, call ``gradient(**arrays)`` by keyword with 1-D vectors, 2-D
matrices and float scalars, and check that the value has the shape of X and
equals both ``Result.evaluate(**arrays)`` and a central finite difference of f.

The cases of this file come with f written by hand in NumPy, so the finite
difference does not depend on matcalc at all.  The gradient table of
test_gradients.py, if present, is run through the same checks with f
evaluated by matcalc.numeric.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import keyword

import numpy as np
import pytest

import matcalc
from conftest import variables
from matcalc.printing.numpy_code import chain_order, py_names

SIZES = {"n": 4, "m": 3, "p": 5, "q": 2, "k": 6, "r": 7, "s": 8}
H = 1e-6


# --- running generated code ------------------------------------------------------------


def _only_numpy(name, globals=None, locals=None, fromlist=(), level=0):
    if name != "numpy" and not name.startswith("numpy."):
        raise ImportError(f"generated code imported {name!r}")
    return builtins.__import__(name, globals, locals, fromlist, level)


def load(source: str):
    """The function ``gradient`` of a generated module, run in a fresh
    namespace in which only numpy can be imported."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert [a.name for a in node.names] == ["numpy"], ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"generated code has a from-import: {ast.dump(node)}")
    top = [type(n).__name__ for n in tree.body]
    assert top == ["Import", "FunctionDef", "FunctionDef", "FunctionDef"], top
    namespace = {"__builtins__": dict(vars(builtins), __import__=_only_numpy), "__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    assert set(namespace) - {"__builtins__", "__name__"} == {"_np", "gradient", "value", "value_and_gradient"}
    return namespace["gradient"]


def _size(d, sizes):
    if isinstance(d, int):
        return d
    if isinstance(d, str):
        return sizes[d]
    out = 1
    for f in d.factors:
        out *= _size(f, sizes)
    return out


def _sizes(vs) -> dict:
    """Distinct sizes for the symbolic dimensions, so a wrong transpose fails."""
    names = sorted({d for v in vs.values() for d in v.shape if isinstance(d, str)})
    spare = iter([9, 10, 11, 12, 13])
    return {d: SIZES[d] if d in SIZES else next(spare) for d in names}


def arrays_for(r, rng, spd=(), positive=()):
    """Random arguments in the calling convention: 1-D vectors, 2-D matrices,
    float scalars; SPD matrices and positive entries where asked."""
    vs = variables(r.f)
    vs.setdefault(r.x.name, r.x)  # a variable that cancelled from f is still an argument
    sizes = _sizes(vs)
    out = {}
    for name, v in sorted(vs.items()):
        rows, cols = (_size(d, sizes) for d in v.shape)
        if name in spd and rows == cols:
            B = rng.uniform(0.1, 1.0, size=(rows, rows))
            a = B @ B.T / rows + np.eye(rows)
        elif name in spd or name in positive:
            a = rng.uniform(0.5, 1.5, size=(rows, cols))
        else:
            a = rng.standard_normal((rows, cols))
        if v.shape == (1, 1):
            out[name] = float(a[0, 0])
        else:
            out[name] = a.reshape(-1) if v.shape[1] == 1 else a
    return out


def finite_difference(f, arrays: dict, wrt: str):
    """The central-difference gradient of f(**arrays) with respect to one argument."""
    x0 = np.asarray(arrays[wrt], dtype=float)
    grad = np.zeros(x0.shape)
    for i in np.ndindex(*x0.shape):
        step = np.zeros(x0.shape)
        step[i] = H
        plus = f(**dict(arrays, **{wrt: (x0 + step) if x0.shape else float(x0 + step)}))
        minus = f(**dict(arrays, **{wrt: (x0 - step) if x0.shape else float(x0 - step)}))
        grad[i] = (plus - minus) / (2 * H)
    return grad if x0.shape else float(grad)


def call(fn, arrays: dict):
    """Call a generated function by keyword, with keyword-named variables
    passed under their Python names."""
    names = py_names(arrays)
    params = list(inspect.signature(fn).parameters)
    assert sorted(params) == sorted(names.values()), (params, names)
    return fn(**{names[k]: v for k, v in arrays.items()})


def check(r, arrays, f_numpy=None):
    """Shape, agreement with Result.evaluate, and agreement with a finite difference."""
    fn = load(r.numpy_source())
    x = r.x if hasattr(r, "x") else r.derivation.x
    value = call(fn, arrays)
    given = np.asarray(arrays[x.name])
    if x.shape == (1, 1):
        assert isinstance(value, float), type(value)
    else:
        assert isinstance(value, np.ndarray) and value.shape == given.shape, (np.shape(value), given.shape)
    np.testing.assert_allclose(value, r.evaluate(**arrays), rtol=1e-10, atol=1e-12)
    if f_numpy is None:
        from matcalc.numeric import evaluate

        vs = variables(r.f)

        def f_numpy(**a):
            env = {}
            for name, v in vs.items():
                arr = np.asarray(a[name], dtype=float)
                env[name] = arr.reshape(1, 1) if v.shape == (1, 1) else (
                    arr.reshape(-1, 1) if v.shape[1] == 1 else arr)
            sizes = {}
            for name, v in vs.items():
                for d, s in zip(v.shape, env[name].shape):
                    if isinstance(d, str):
                        sizes[d] = s
            return float(evaluate(r.f, env, sizes)[0, 0])

    fd = finite_difference(f_numpy, arrays, x.name)
    np.testing.assert_allclose(value, fd, rtol=1e-5, atol=1e-6 * max(1.0, float(np.max(np.abs(fd)))))


# --- the cases, with f in NumPy ---------------------------------------------------------------

sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
logdet = lambda X: np.linalg.slogdet(X)[1]  # noqa: E731

# (expression, wrt, shapes, spd names, positive names, f(**arrays))
CASES = [
    ("w^T L M N x", "M", None, (), (), lambda w, L, M, N, x: w @ L @ M @ N @ x),
    ("x^T A x", "x", None, (), (), lambda x, A: x @ A @ x),
    ("x^T A x", "A", None, (), (), lambda x, A: x @ A @ x),
    ("a^T X b", "X", {"X": "m,n"}, (), (), lambda a, X, b: a @ X @ b),
    ("tr(A X B)", "X", {"A": "p,m", "X": "m,n", "B": "n,p"}, (), (), lambda A, X, B: np.trace(A @ X @ B)),
    ("tr(X^T B X C)", "X", {"X": "m,n"}, (), (), lambda X, B, C: np.trace(X.T @ B @ X @ C)),
    ("tr(A X^T B X C)", "X", {"A": "p,p", "X": "n,p"}, (), (),
     lambda A, X, B, C: np.trace(A @ X.T @ B @ X @ C)),
    ("tr(A X^{-1} B)", "X", {"A": "p,n", "B": "n,p"}, ("X",), (),
     lambda A, X, B: np.trace(A @ np.linalg.inv(X) @ B)),
    ("logdet(X)", "X", None, ("X",), (), lambda X: logdet(X)),
    ("det(X)", "X", None, ("X",), (), lambda X: np.linalg.det(X)),
    ("logdet(X) + (x - m)^T X^{-1} (x - m)", "X", None, ("X",), (),
     lambda X, x, m: logdet(X) + (x - m) @ np.linalg.inv(X) @ (x - m)),
    ("logdet(X) + (x - m)^T X^{-1} (x - m)", "m", None, ("X",), (),
     lambda X, x, m: logdet(X) + (x - m) @ np.linalg.inv(X) @ (x - m)),
    ("sum(log(1 + exp(-y .* (X w))))", "w", None, (), (),
     lambda X, w, y: np.sum(np.log(1 + np.exp(-y * (X @ w))))),
    ("norm(X w - y)^2 + lambda norm(w)^2", "w", None, (), (),
     lambda X, w, y, **k: np.sum((X @ w - y) ** 2) + k["lambda"] * np.sum(w ** 2)),
    ("norm(X w - y)^2 + lambda norm(w)^2", "lambda", None, (), (),
     lambda X, w, y, **k: np.sum((X @ w - y) ** 2) + k["lambda"] * np.sum(w ** 2)),
    ("lambda x^T x + lambda_ sum(x)", "lambda", None, (), (),
     lambda x, lambda_, **k: k["lambda"] * (x @ x) + lambda_ * np.sum(x)),
    ("tr(None X) + in^T A x", "X", None, (), (),
     lambda X, A, x, **k: np.trace(k["None"] @ X) + k["in"] @ A @ x),
    ("norm(X W - Y)^2", "W", None, (), (), lambda X, W, Y: np.sum((X @ W - Y) ** 2)),
    ("1/2 norm(Y - U V^T)^2", "U", None, (), (), lambda Y, U, V: 0.5 * np.sum((Y - U @ V.T) ** 2)),
    ("norm(x)", "x", None, (), (), lambda x: np.linalg.norm(x)),
    ("norm(X)", "X", {"X": "m,n"}, (), (), lambda X: np.linalg.norm(X)),
    ("sum(tanh(W x))", "W", None, (), (), lambda W, x: np.sum(np.tanh(W @ x))),
    ("sum(sigmoid(W x + b))", "b", None, (), (), lambda W, x, b: np.sum(sig(W @ x + b))),
    ("G : (A sigmoid(Z) W)", "Z", None, (), (), lambda G, A, Z, W: np.sum(G * (A @ sig(Z) @ W))),
    ("G : (A H W)", "H", None, (), (), lambda G, A, H, W: np.sum(G * (A @ H @ W))),
    ("sum(X .* Y .* X)", "X", None, (), (), lambda X, Y: np.sum(X * Y * X)),
    ("sum(exp(X) ./ (1 + X .* X))", "X", None, (), (), lambda X: np.sum(np.exp(X) / (1 + X * X))),
    ("x^T diag(y) x", "y", None, (), (), lambda x, y: x @ np.diag(y) @ x),
    ("sum(diag(X)) + diag(X)^T y", "X", None, (), (), lambda X, y: np.trace(X) + np.diag(X) @ y),
    ("vec(X)^T y", "X", {"X": "m,n"}, (), (), lambda X, y: X.reshape(-1, order="F") @ y),
    ("alpha x^T x + sum(x)", "alpha", None, (), (), lambda alpha, x: alpha * (x @ x) + np.sum(x)),
    ("alpha x^T x + sum(x)", "x", None, (), (), lambda alpha, x: alpha * (x @ x) + np.sum(x)),
    ("(x^T x)^2", "x", None, (), (), lambda x: (x @ x) ** 2),
    ("tr(X^3)", "X", None, (), (), lambda X: np.trace(X @ X @ X)),
    ("tr(X^-2)", "X", None, ("X",), (), lambda X: np.trace(np.linalg.matrix_power(X, -2))),
    ("sum(softplus(A x))", "x", None, (), (), lambda A, x: np.sum(np.logaddexp(0, A @ x))),
    ("sum(relu(X)) + sum(abs(X))", "X", None, (), (), lambda X: np.sum(np.maximum(X, 0)) + np.sum(np.abs(X))),
    ("sum(sqrt(x))", "x", None, (), ("x",), lambda x: np.sum(np.sqrt(x))),
    ("sum(log(x)) + sum(sin(x) .* cos(x))", "x", None, (), ("x",),
     lambda x: np.sum(np.log(x)) + np.sum(np.sin(x) * np.cos(x))),
    ("sum(tanh'(x))", "x", None, (), (), lambda x: np.sum(1 - np.tanh(x) ** 2)),
    ("sum(sigmoid'(x) .* y)", "x", None, (), (), lambda x, y: np.sum(sig(x) * (1 - sig(x)) * y)),
    ("x^T kron(A, B) y", "x", None, (), (), lambda x, A, B, y: x @ np.kron(A, B) @ y),
    ("sum(X^T ./ 2) + tr(I X)", "X", None, (), (), lambda X: np.sum(X.T / 2) + np.trace(X)),
    ("x^T y", "x", {"x": "3", "y": "3"}, (), (), lambda x, y: x @ y),
    ("x^T inv(X^T X) x", "x", {"X": "p,n"}, (), (),
     lambda x, X: x @ np.linalg.inv(X.T @ X) @ x),
    ("tr(X) + 0 sum(Y)", "X", None, (), (), lambda X, **k: np.trace(X)),
]


@pytest.mark.parametrize("expr, wrt, shapes, spd, positive, f", CASES,
                         ids=[f"{c[0]} wrt {c[1]}" for c in CASES])
def test_generated_gradient(expr, wrt, shapes, spd, positive, f):
    r = matcalc.grad(expr, wrt, shapes=shapes)
    rng = np.random.default_rng(7)
    arrays = arrays_for(r, rng, spd, positive)
    check(r, arrays, lambda **a: float(f(**a)))


def test_enough_cases():
    assert len(CASES) >= 25


# --- the gradient table of test_gradients.py, through the same checks ---------------------

try:
    from test_gradients import CASES as TABLE
except Exception:  # pragma: no cover - the table lives in another file
    TABLE = []

@pytest.mark.parametrize("expr, wrt, shapes, expected", TABLE, ids=[f"{c[0]} wrt {c[1]}" for c in TABLE])
def test_gradient_table_numpy(expr, wrt, shapes, expected):
    from matcalc.numeric import domains

    r = matcalc.grad(expr, wrt, shapes=shapes)
    try:
        r.numpy_source()
    except matcalc.UnsupportedError:
        pytest.skip("a generic function (sigma, f, g) has no NumPy code")
    marks = domains(r.f)
    spd = {k for k, v in marks.items() if v == "spd"}
    positive = {k for k, v in marks.items() if v == "positive"}
    arrays = arrays_for(r, np.random.default_rng(3), spd, positive)
    check(r, arrays)


# --- specific properties ----------------------------------------------------------------------


def test_keyword_names_are_renamed_without_clashes():
    r = matcalc.grad("lambda x^T x + lambda_ sum(x) + in^T x", "x")
    fn = load(r.numpy_source())
    params = list(inspect.signature(fn).parameters)
    assert all(p.isidentifier() and not keyword.iskeyword(p) for p in params)
    assert len(set(params)) == len(params) == 4
    assert "lambda_" in params and "x" in params  # the user's lambda_ keeps its name
    names = py_names(["lambda", "lambda_", "in", "x"])
    assert names == {"lambda": "lambda__", "lambda_": "lambda_", "in": "in_", "x": "x"}
    assert "lambda__ is lambda" in r.numpy_source()


def test_soft_keywords_stay_callable_by_keyword():
    r = matcalc.grad("match^T type", "match")
    fn = load(r.numpy_source())
    assert list(inspect.signature(fn).parameters) == ["match", "type"]
    y = np.arange(3.0)
    np.testing.assert_allclose(fn(match=np.ones(3), type=y), y)


def test_vector_arguments_may_be_columns_or_lists():
    r = matcalc.grad("x^T A x", "x")
    fn = load(r.numpy_source())
    A = np.arange(9.0).reshape(3, 3)
    expected = (A + A.T) @ np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fn(A=A, x=[1, 2, 3]), expected)
    np.testing.assert_allclose(fn(A=A, x=np.array([[1.0], [2.0], [3.0]])), expected)


def test_products_start_from_the_vectors():
    """x^T A B C y wrt y = C^T B^T A^T x: three matrix-vector products, no matrix-matrix one."""
    r = matcalc.grad("x^T A B C y", "y")
    source = r.numpy_source()
    assert "(A.T @ x)" in source, source
    assert chain_order([("n", "n"), ("n", "n"), ("n", 1)]) == (0, (1, 2))
    assert chain_order([(1, "n"), ("n", "n"), ("n", "n")]) == ((0, 1), 2)


def test_dimensions_come_from_the_arguments():
    """ones(n) and I need their size at run time: taken from an argument's shape."""
    r = matcalc.grad("sum(x) + tr(X)", "X")
    fn = load(r.numpy_source())
    G = fn(x=np.zeros(2), X=np.zeros((5, 5)))
    np.testing.assert_allclose(G, np.eye(5))


@pytest.mark.parametrize("expr, wrt", [("tr(X - X^T)", "X"), ("x^T x - x^T x + a^T b", "x")])
def test_a_variable_that_cancels_is_still_a_parameter(expr, wrt):
    r = matcalc.grad(expr, wrt)
    fn = load(r.numpy_source())
    assert wrt in inspect.signature(fn).parameters
    arrays = {name: np.ones(3) if name.islower() else np.eye(3) for name in ("X", "x", "a", "b")}
    arrays = {k: v for k, v in arrays.items() if k in expr}
    np.testing.assert_allclose(r.evaluate(**arrays), np.zeros_like(arrays[wrt]))
    np.testing.assert_allclose(call(fn, arrays), np.zeros_like(arrays[wrt]))


def test_generic_function_is_a_clear_error():
    r = matcalc.grad("sum(sigma(x))", "x")
    with pytest.raises(matcalc.MatcalcError, match="generic"):
        r.numpy_source()


def test_a_choice_that_depends_on_sizes_is_made_when_the_code_runs():
    """The gradient of norm(X - U V^T)^2 wrt U is cheapest as 2 (U (V^T V) - X V)
    when U has few columns (a rank) and as 2 (U V^T - X) V when it has many:
    symbolic sizes cannot tell, so the module decides from the arrays."""
    from matcalc.printing.numpy_code import chain_orders

    assert len(chain_orders([("n", "p"), ("p", "m"), ("m", "p")])) == 2  # (U V^T) V or U (V^T V)
    assert len(chain_orders([("n", "n"), ("n", "n"), ("n", 1)])) == 1  # vectors first at every size
    r = matcalc.grad("norm(X - U V^T)^2", "U")
    source = r.numpy_source()
    gradient_def = next(n for n in ast.parse(source).body if getattr(n, "name", "") == "gradient")
    choices = [f"{n.targets[0].id} = {ast.unparse(n.value)}" for n in gradient_def.body
               if isinstance(n, ast.Assign) and n.targets[0].id.startswith("_c")]
    assert choices and "if _c" in source
    fn = load(source)
    rng = np.random.default_rng(0)
    for rank, distributed in [(3, True), (40, False)]:
        X, U, V = rng.standard_normal((30, 20)), rng.standard_normal((30, rank)), rng.standard_normal((20, rank))
        np.testing.assert_allclose(fn(U=U, V=V, X=X), 2 * (U @ V.T - X) @ V, rtol=1e-10, atol=1e-10)
        dims = {"_dim_" + d: n for d, n in zip(("n", "p", "m"), (30, rank, 20))}
        for line in choices:  # the conditions, evaluated at these sizes
            name, text = line.split(" = ", 1)
            dims[name] = eval(text, {"min": min}, dims)  # noqa: S307 - our own generated arithmetic
        spread = [dims[line.split(" = ")[0]] for line in choices if " <= " not in line]  # (A + B) C spread?
        assert spread == [distributed], (rank, choices, dims)
