"""Symmetric variables (--symmetric, --spd): the simplifications, the two
gradient conventions, Jacobians and Hessians along symmetric directions, the
random data of --check and evaluate, and the errors.  Every expected string is
paired with a numeric check on random symmetric data (issue 11, item 4)."""
import json

import numpy as np
import pytest

import matcalc
from matcalc.cli import main
from matcalc.numeric import commutation_matrix, evaluate
from matcalc.walk import variables

N = 4
H = 1e-6


def _sym(a):
    return (a + a.T) / 2


def _env(result, rng, sizes=None):
    """Random values for the result's inputs: symmetric (positive definite) where declared."""
    sizes = dict(sizes or {})
    env = {}
    for v in result._inputs():
        dims = []
        for d in v.shape:
            if isinstance(d, int):
                dims.append(d)
            else:
                dims.append(sizes.setdefault(str(d), N))
        a = rng.standard_normal(dims)
        if v.kind == "spd":
            a = a @ a.T / dims[0] + np.eye(dims[0])
        elif v.kind == "sym":
            a = _sym(a)
        env[v.name] = a
    return env, sizes


def _f(result, env, sizes):
    return evaluate(result.full(result.f), env, sizes)


def _directional(result, env, sizes, V):
    x = result.wrt
    plus = _f(result, dict(env, **{x: env[x] + H * V}), sizes)
    minus = _f(result, dict(env, **{x: env[x] - H * V}), sizes)
    return (plus - minus) / (2 * H)


def _gradient(result, env, sizes):
    G = evaluate(result.full(result.expr), env, sizes)
    return G


def assert_symmetric_gradient(result, seed=0):
    """G is symmetric and G : V is the directional derivative for symmetric V."""
    rng = np.random.default_rng(seed)
    env, sizes = _env(result, rng)
    G = _gradient(result, env, sizes)
    assert np.allclose(G, G.T)
    for _ in range(3):
        V = _sym(rng.standard_normal(G.shape))
        assert np.isclose(np.sum(G * V), _directional(result, env, sizes, V)[0, 0], rtol=1e-6, atol=1e-7)


def assert_entrywise_gradient(result, seed=0):
    """Entry (i, j) is the partial derivative with respect to the distinct entry
    S_ij = S_ji: S_ij and S_ji perturbed together."""
    rng = np.random.default_rng(seed)
    env, sizes = _env(result, rng)
    G = _gradient(result, env, sizes)
    n = G.shape[0]
    for i in range(n):
        for j in range(n):
            E = np.zeros((n, n))
            E[i, j] = E[j, i] = 1.0
            assert np.isclose(G[i, j], _directional(result, env, sizes, E)[0, 0], rtol=1e-6, atol=1e-7), (i, j)


# --- the two conventions ------------------------------------------------------

CASES = [
    # expression, wrt, symmetric, spd, symmetric-convention result, entry-wise result
    ("tr(S A)", "S", ["S"], [], "(A + A^T) / 2", "A + A^T - diag(diag(A))"),
    ("tr(A S)", "S", ["S"], [], "(A + A^T) / 2", "A + A^T - diag(diag(A))"),
    ("x^T S x", "S", ["S"], [], "x x^T", "2 x x^T - diag(x.^2)"),
    ("logdet(S)", "S", [], ["S"], "S^{-1}", "2 S^{-1} - diag(diag(S^{-1}))"),
    ("-1/2 logdet(Sigma) - 1/2 (x - mu)^T Sigma^{-1} (x - mu)", "Sigma", [], ["Sigma"],
     "(Sigma^{-1} (x - mu) (x - mu)^T Sigma^{-1} - Sigma^{-1}) / 2", None),
    ("1/2 logdet(Lambda) - 1/2 (x - mu)^T Lambda (x - mu)", "Lambda", [], ["Lambda"],
     "(Lambda^{-1} - (x - mu) (x - mu)^T) / 2", None),
    ("tr(S A S B) + x^T S^{-1} y", "S", ["S"], [], None, None),
    ("sum(exp(S)) + norm(S x)^2", "S", ["S"], [], None, None),
]
SHAPES = {"x": "n", "y": "n", "mu": "n", "A": "n,n", "B": "n,n"}


@pytest.mark.parametrize("expr, wrt, sym, spd, expected, expected_entrywise", CASES)
def test_symmetric_convention(expr, wrt, sym, spd, expected, expected_entrywise):
    r = matcalc.grad(expr, wrt, SHAPES, symmetric=sym, spd=spd)
    if expected is not None:
        assert r.text() == expected
    assert r.convention == "symmetric"
    assert_symmetric_gradient(r)
    assert r.check() < 1e-6


@pytest.mark.parametrize("expr, wrt, sym, spd, expected, expected_entrywise", CASES)
def test_entrywise_convention(expr, wrt, sym, spd, expected, expected_entrywise):
    r = matcalc.grad(expr, wrt, SHAPES, symmetric=sym, spd=spd, convention="entrywise")
    if expected_entrywise is not None:
        assert r.text() == expected_entrywise
    assert r.convention == "entrywise"
    assert_entrywise_gradient(r)
    assert r.check() < 1e-6
    # entry-wise = 2 G - I .* G of the symmetric-convention G
    s = matcalc.grad(expr, wrt, SHAPES, symmetric=sym, spd=spd)
    env, sizes = _env(r, np.random.default_rng(3))
    G, E = _gradient(s, env, sizes), _gradient(r, env, sizes)
    assert np.allclose(E, 2 * G - np.diag(np.diag(G)))


def test_conventions_differ_on_tr_AS():
    """The example of docs/derivatives.md: off the diagonal they differ by a factor 2."""
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    sym = matcalc.grad("tr(A S)", "S", symmetric=["S"]).evaluate(A=A, S=np.eye(2))
    ent = matcalc.grad("tr(A S)", "S", symmetric=["S"], convention="entrywise").evaluate(A=A, S=np.eye(2))
    assert np.allclose(sym, [[1.0, 2.5], [2.5, 4.0]])
    assert np.allclose(ent, [[1.0, 5.0], [5.0, 4.0]])


# --- simplification -------------------------------------------------------------

@pytest.mark.parametrize("left, right", [
    ("S^T", "S"),
    ("S^{-T}", "S^{-1}"),
    ("(S A S)^T", "S A^T S"),
    ("(S^2)^T", "S^2"),
    ("exp(S)^T", "exp(S)"),
    ("(S + A)^T", "S + A^T"),
    ("x^T S y", "y^T S x"),
    ("(A + A^T) x", "2 A x"),
    ("tr(S^T B)", "tr(S B)"),
])
def test_symmetric_canonical_forms(left, right):
    opts = {"symmetric": ["A"] if "A + A^T" in left else ["S"]}
    shapes = {"x": "n", "y": "n", "A": "n,n", "B": "n,n"} if "A + A^T" not in left else {"x": "n"}
    assert matcalc.parse(left, shapes, **opts) == matcalc.parse(right, shapes, **opts)


def test_symmetric_simplifies_gradients():
    assert matcalc.grad("x^T S x", "x", symmetric=["S"]).text() == "2 S x"
    assert matcalc.grad("x^T A x", "x").text() == "(A + A^T) x"  # undeclared: unchanged
    assert matcalc.grad("logdet(S)", "S", spd=["S"]).text() == "S^{-1}"
    assert matcalc.grad("logdet(S)", "S").text() == "S^{-T}"
    assert matcalc.grad("x^T (A + A^T) y", "x", symmetric=["A"]).text() == "2 A y"


def test_symmetric_and_plain_are_different_variables():
    assert matcalc.parse("S", {"S": "n,n"}) != matcalc.parse("S", {"S": "n,n"}, symmetric=["S"])


# --- Jacobians and Hessians along symmetric directions ---------------------------------

def _vec(a):
    return a.reshape(-1, order="F")


@pytest.mark.parametrize("expr", ["S x", "S A", "S^{-1}", "A S A^T", "exp(S) x"])
def test_jacobian_acts_on_symmetric_directions(expr):
    r = matcalc.jacobian(expr, "S", {"x": "n", "A": "n,n"}, spd=["S"])
    rng = np.random.default_rng(1)
    env, sizes = _env(r, rng)
    J = evaluate(r.full(r.expr), env, sizes)
    n = env["S"].shape[0]
    P = (np.eye(n * n) + commutation_matrix(n, n)) / 2
    assert np.allclose(J, J @ P)  # laid out as J~ (I + K)/2
    V = _sym(rng.standard_normal((n, n)))
    W = rng.standard_normal((n, n))
    W = W - W.T
    F = lambda S: evaluate(r.full(r.f), dict(env, S=S), sizes)  # noqa: E731
    fd = (_vec(F(env["S"] + H * V)) - _vec(F(env["S"] - H * V))) / (2 * H)
    assert np.allclose(J @ _vec(V), fd, rtol=1e-5, atol=1e-6)
    assert np.allclose(J @ _vec(W), 0)
    assert r.check() < 1e-6


@pytest.mark.parametrize("expr", ["logdet(S)", "x^T S^{-1} x", "tr(S A S)", "-1/2 logdet(S) - 1/2 x^T S^{-1} x"])
def test_hessian_acts_on_symmetric_directions(expr):
    r = matcalc.hessian(expr, "S", {"x": "n", "A": "n,n"}, spd=["S"])
    g = matcalc.grad(expr, "S", {"x": "n", "A": "n,n"}, spd=["S"])
    rng = np.random.default_rng(2)
    env, sizes = _env(r, rng)
    Hm = evaluate(r.full(r.expr), env, sizes)
    n = env["S"].shape[0]
    P = (np.eye(n * n) + commutation_matrix(n, n)) / 2
    assert np.allclose(Hm, Hm.T)
    assert np.allclose(Hm, P @ Hm @ P)
    V = _sym(rng.standard_normal((n, n)))
    G = lambda S: evaluate(g.full(g.expr), dict(env, S=S), sizes)  # noqa: E731
    fd = (_vec(G(env["S"] + H * V)) - _vec(G(env["S"] - H * V))) / (2 * H)
    assert np.allclose(Hm @ _vec(V), fd, rtol=1e-5, atol=1e-6)
    assert r.check() < 1e-6
    fns = r.function()
    hv = fns.hessian_vector_product(V, **env)
    assert np.allclose(_vec(np.asarray(hv)), Hm @ _vec(V))


def test_logdet_hessian_form():
    r = matcalc.hessian("logdet(S)", "S", spd=["S"])
    assert r.text() == "-(S^{-1} ⊗ S^{-1}) (I + K_{n,n}) / 2"


# --- random data, evaluate, generated code -------------------------------------------------

def test_check_draws_symmetric_data():
    r = matcalc.grad("x^T S x", "S", {"x": "n"}, symmetric=["S"])
    # without symmetric draws and directions, x x^T would fail against x x^T's unconstrained twin
    assert r.check() < 1e-8
    from matcalc.numeric import random_env

    env, _ = random_env([r.f], np.random.default_rng(0))
    assert np.allclose(env["S"], env["S"].T)
    r2 = matcalc.grad("logdet(S) + tr(S)", "S", spd=["S"])
    env, _ = random_env([r2.f], np.random.default_rng(0))
    assert np.all(np.linalg.eigvalsh(env["S"]) > 0)


def test_evaluate_expects_symmetric_values():
    r = matcalc.grad("tr(A S)", "S", symmetric=["S"])
    A = np.arange(9.0).reshape(3, 3)
    with pytest.raises(matcalc.MatcalcError, match="declared symmetric"):
        r.evaluate(A=A, S=A)
    r = matcalc.grad("logdet(S)", "S", spd=["S"])
    with pytest.raises(matcalc.MatcalcError, match="positive definite"):
        r.evaluate(S=-np.eye(3))


def test_generated_code_matches_and_states_convention():
    r = matcalc.grad("-1/2 logdet(Sigma) - 1/2 (x - mu)^T Sigma^{-1} (x - mu)", "Sigma",
                     {"x": "n", "mu": "n"}, spd=["Sigma"])
    src = r.code()
    assert "Sigma must be symmetric positive definite" in src
    assert "symmetric convention" in src
    env, sizes = _env(r, np.random.default_rng(4))
    assert np.allclose(r.function().gradient(**env), r.evaluate(**env))
    e = matcalc.grad("tr(A S)", "S", symmetric=["S"], convention="entrywise")
    assert "entry-wise convention" in e.code()


def test_equation_and_json_state_convention():
    r = matcalc.grad("x^T S x", "S", symmetric=["S"])
    assert r.equation().startswith("∂f/∂S = x x^T   (S symmetric, symmetric convention")
    assert r"\text{($S$ symmetric; symmetric convention" in r.equation(latex=True)
    data = r.to_dict()
    assert data["symmetric"]["convention"] == "symmetric" and data["symmetric"]["kind"] == "sym"
    e = matcalc.grad("x^T S x", "S", symmetric=["S"], convention="entrywise")
    assert "entry-wise convention" in e.equation()
    j = matcalc.jacobian("S x", "S", symmetric=["S"])
    assert "along symmetric directions" in j.equation()
    plain = matcalc.grad("x^T S x", "x", symmetric=["S"])
    assert "symmetric" not in plain.to_dict() and "(" not in plain.equation()


def test_steps_record_symmetrization():
    r = matcalc.grad("tr(A S)", "S", symmetric=["S"])
    rules = [s["rule"] for s in r.steps()]
    assert "symmetric variable" in rules


# --- the command line and errors --------------------------------------------------------------

def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_symmetric(capsys):
    code, out, err = _run(capsys, "grad", "tr(A S)", "wrt", "S", "--symmetric", "S", "--check")
    assert code == 0 and out == "(A + A^T) / 2\n" and err.startswith("check:") and "passed" in err
    code, out, err = _run(capsys, "grad", "tr(A S)", "wrt", "S", "--symmetric", "S",
                          "--symmetric-convention", "entrywise", "--check")
    assert code == 0 and out.startswith("A + A^T - diag(diag(A))") and "passed" in err
    code, out, _ = _run(capsys, "grad", "logdet(Sigma)", "wrt", "Sigma", "--spd", "Sigma", "--equation")
    assert code == 0 and out.startswith("∂f/∂Sigma = Sigma^{-1}   (Sigma symmetric positive definite")
    code, out, _ = _run(capsys, "grad", "x^T S x", "wrt", "S", "--symmetric", "S", "--format", "json", "--check")
    assert code == 0 and json.loads(out)["symmetric"]["convention"] == "symmetric"
    code, out, _ = _run(capsys, "hessian", "logdet(S)", "wrt", "S", "--spd", "S", "--check")
    assert code == 0 and "(I + K_{n,n})" in out


@pytest.mark.parametrize("argv, message, caret_under", [
    (["grad", "x^T S x", "wrt", "x", "--symmetric", "x"], "x is a vector", "x"),
    (["grad", "tr(A S)", "wrt", "S", "--symmetric", "S", "--shape", "S=m,n"], "S is not square", "S"),
    (["grad", "tr(A S)", "wrt", "S", "--symmetric", "T"], "T does not occur in the expression", None),
    (["grad", "alpha x^T y", "wrt", "x", "--spd", "alpha"], "alpha is a scalar", "a"),
    (["grad", "tr(A S)", "wrt", "S", "--symmetric", "r", "--let", "r = A"], "named intermediate", None),
    (["jacobian", "S x", "wrt", "S", "--symmetric", "S", "--symmetric-convention", "entrywise"], None, None),
])
def test_cli_errors(capsys, argv, message, caret_under):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    if message:
        assert message in err
        lines = err.rstrip("\n").split("\n")
        assert lines[0].startswith("matcalc: ") and lines[-1].strip() == "^"
        if caret_under:
            col = lines[-1].index("^")
            assert lines[-2][col] == caret_under


def test_api_entrywise_only_for_gradients():
    with pytest.raises(matcalc.MatcalcError, match="entry-wise convention is for gradients"):
        matcalc.hessian("logdet(S)", "S", spd=["S"], convention="entrywise")
    with pytest.raises(matcalc.MatcalcError, match="choose symmetric or entrywise"):
        matcalc.grad("logdet(S)", "S", spd=["S"], convention="cookbook")


def test_inferred_shape_made_square():
    """S in tr(A S) is n×m until declared symmetric; then it is square."""
    r = matcalc.grad("tr(A S)", "S", symmetric=["S"])
    assert r.x.shape[0] == r.x.shape[1]


@pytest.mark.parametrize("spec, message", [
    ("sym", "declare a symmetric matrix with --symmetric S"),
    ("symmetric", "declare a symmetric matrix with --symmetric S"),
    ("n,sym", "declare a symmetric matrix with --symmetric S"),
    ("m,n,symmetric", "a symmetric matrix is square"),
])
def test_shape_sym_is_an_error(capsys, spec, message):
    """--shape S=sym once made S a vector of length sym."""
    code, out, err = _run(capsys, "grad", "x^T S x", "wrt", "x", "--shape", f"S={spec}")
    assert code == 2 and message in err and len(err.strip().split("\n")) == 1


def test_shape_with_structure():
    assert matcalc.grad("x^T S x", "x", {"S": "n,n,symmetric"}).text() == "2 S x"
    r = matcalc.grad("logdet(S)", "S", {"S": "n,n,spd"})
    assert r.text() == "S^{-1}" and r.x.kind == "spd"


def test_backprop_wrt_symmetric():
    r = matcalc.grad("sum(exp(S x))", "S", {"x": "n"}, symmetric=["S"])
    assert r.text(form="backprop") == "G_S = x exp(S x)^T / 2 + exp(S x) x^T / 2"
    e = matcalc.grad("sum(exp(S x))", "S", {"x": "n"}, symmetric=["S"], convention="entrywise")
    with pytest.raises(matcalc.MatcalcError, match="symmetric convention"):
        e.text(form="backprop")
    deep = matcalc.grad("sum(exp(tanh(sigmoid(exp(S x)))))", "S", {"x": "n"}, symmetric=["S"],
                        convention="entrywise")
    assert not deep.text(compact=True).startswith("G_S")
    assert_entrywise_gradient(deep)
