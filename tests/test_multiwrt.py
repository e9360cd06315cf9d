"""Several variables at once (issue 11, item 6) and the friendlier command
line (issue 13, item 6): wrt X wrt Y, Results, tuple-returning generated
code, the zero of a variable that does not occur, --version, the help texts,
`matcalc help language`, "quote the expression", notes on stderr."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import matcalc
from matcalc.result import Result, Results

from test_cli import matcalc as run

NET = "norm(W2 tanh(W1 x) - y)^2"


def _net_data(rng, n=4, h=3, m=2):
    return {"W1": rng.standard_normal((h, n)), "W2": rng.standard_normal((m, h)),
            "x": rng.standard_normal(n), "y": rng.standard_normal(m)}


def _net_value(W1, W2, x, y):
    return float(np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2))


def _finite_difference(f, arrays, name, eps=1e-6):
    """The gradient of f wrt arrays[name], entry by entry (central differences)."""
    base = np.asarray(arrays[name], dtype=float)
    G = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[idx] += eps
        minus[idx] -= eps
        G[idx] = (f(**{**arrays, name: plus}) - f(**{**arrays, name: minus})) / (2 * eps)
    return G


# --- the API -----------------------------------------------------------------------------------------


def test_a_list_of_names_gives_results_in_that_order():
    rs = matcalc.grad(NET, wrt=["W2", "W1"])
    assert isinstance(rs, Results) and isinstance(rs, list) and len(rs) == 2
    assert [r.wrt for r in rs] == ["W2", "W1"] and rs.wrt == ["W2", "W1"]
    assert all(isinstance(r, Result) for r in rs)
    assert isinstance(matcalc.grad(NET, wrt="W1"), Result)  # a string still gives one Result


@pytest.mark.parametrize("expr, names", [
    (NET, ["W1", "W2"]),
    ("x^T A x + alpha norm(x)^2", ["x", "A", "alpha"]),
    ("logdet(X) + (x - m)^T X^{-1} (x - m)", ["X", "x", "m"]),
    ("sum(log(1 + exp(-y .* (X w))))", ["w", "X"]),
])
def test_each_result_equals_the_single_variable_result(expr, names):
    rs = matcalc.grad(expr, wrt=names)
    for name, r in zip(names, rs):
        single = matcalc.grad(expr, wrt=name)
        assert r.expr == single.expr and r.text() == single.text()
        assert r.check() < 1e-6


def test_comma_separated_names_in_one_string():
    rs = matcalc.grad(NET, wrt="W1, W2")
    assert rs.wrt == ["W1", "W2"]


@pytest.mark.parametrize("wrt, words", [(["x", "x"], ["twice"]), ([], ["wrt"]), (["x", 3], ["string"]),
                                        (["x", ""], ["wrt"])])
def test_bad_lists_of_names_are_usage_errors(wrt, words):
    with pytest.raises(matcalc.errors.UsageError) as info:
        matcalc.grad("x^T A x", wrt=wrt)
    assert all(w in info.value.message for w in words), info.value.message


def test_jacobian_of_several_variables_is_one_block_each():
    rs = matcalc.jacobian("A X B", wrt=["X", "A"])
    assert [r.text() for r in rs] == [matcalc.jacobian("A X B", "X").text(), matcalc.jacobian("A X B", "A").text()]
    assert max(rs.check()) < 1e-6


def test_hessian_of_several_variables_is_a_usage_error():
    with pytest.raises(matcalc.errors.UsageError) as info:
        matcalc.hessian("x^T A x", wrt=["x", "A"])
    assert "one variable" in info.value.message


def test_results_text_latex_and_json():
    rs = matcalc.grad(NET, wrt=["W1", "W2"])
    lines = rs.text().splitlines()
    assert lines[0].startswith("∂f/∂W1 = ") and lines[1].startswith("∂f/∂W2 = ")
    assert lines[1] == "∂f/∂W2 = " + matcalc.grad(NET, "W2").text()
    latex = rs.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}") and latex.count("&=") == 2
    data = json.loads(rs.json())
    assert [d["wrt"] for d in data] == ["W1", "W2"]


def test_evaluate_gives_a_list():
    rng = np.random.default_rng(0)
    data = _net_data(rng)
    rs = matcalc.grad(NET, wrt=["W1", "W2"])
    for G, name in zip(rs.evaluate(**data), ["W1", "W2"]):
        np.testing.assert_allclose(G, _finite_difference(_net_value, data, name), rtol=1e-6, atol=1e-8)


# --- generated code ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_gradient_is_a_tuple_in_order_and_matches_finite_differences(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    rng = np.random.default_rng(1)
    data = _net_data(rng)
    fn = matcalc.grad(NET, wrt=["W2", "W1"]).function(backend)
    args = data
    if backend == "jax":
        import jax.numpy as jnp

        args = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in data.items()}
    if backend == "torch":
        import torch

        args = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in data.items()}
    G2, G1 = fn.gradient(**args)
    f, (H2, H1) = fn.value_and_gradient(**args)
    tol = 1e-3 if backend == "jax" else 1e-6
    np.testing.assert_allclose(np.asarray(f), _net_value(**data), rtol=tol)
    for G, H, name in [(G1, H1, "W1"), (G2, H2, "W2")]:
        expected = _finite_difference(_net_value, data, name)
        np.testing.assert_allclose(np.asarray(G), expected, rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(H), np.asarray(G), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fn.value(**args)), _net_value(**data), rtol=tol)


def test_generated_code_computes_the_shared_forward_pass_once():
    source = matcalc.grad(NET, wrt=["W1", "W2"]).code()
    body = source.split("def value(")[0]
    assert body.count("_np.tanh(") == 1  # tanh(W1 x) once for both gradients
    assert body.count("W1 @ x") == 1
    assert re.search(r"^    return _gradient_W1, _gradient_W2$", body, re.M)
    assert re.search(r"^    return _value.item\(\), \(_gradient_W1, _gradient_W2\)$", source, re.M)


def test_generated_jacobians_are_a_tuple():
    rng = np.random.default_rng(2)
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    JX, JA = matcalc.jacobian("A X B", wrt=["X", "A"]).function().jacobian(A=A, X=X, B=B)
    np.testing.assert_allclose(JX, np.kron(B.T, A), atol=1e-12)
    np.testing.assert_allclose(JA, np.kron((X @ B).T, np.eye(2)), atol=1e-12)


def test_scipy_helper_is_for_one_variable():
    with pytest.raises(matcalc.errors.UsageError):
        matcalc.grad(NET, wrt=["W1", "W2"]).function().scipy(x=np.ones(2), y=np.ones(2))


# --- a variable that does not occur -------------------------------------------------------------------


@pytest.mark.parametrize("kind, expr, wrt, shape", [
    ("grad", "kappa", "A", (3, 4)), ("grad", "x^T x", "y", (3,)), ("grad", "x^T x", "beta", ()),
    ("jacobian", "X", "A", (12, 12)), ("hessian", "x^T x", "z", (3, 3)),
])
def test_a_variable_that_does_not_occur_has_the_zero_derivative(kind, expr, wrt, shape):
    r = getattr(matcalc, "grad" if kind == "grad" else kind)(expr, wrt)
    assert r.notes and f"{wrt} does not occur" in r.notes[0]
    assert r.check() == 0
    arrays = {"kappa": 1.0, "A": np.ones((3, 4)), "x": np.ones(3), "y": np.ones(3), "beta": 2.0,
              "X": np.ones((3, 4)), "z": np.ones(3)}
    needed = {v.name: arrays[v.name] for v in r._inputs()}
    if kind == "jacobian":
        needed["A"] = np.ones((3, 4))
    value = r.evaluate(**needed)
    assert np.shape(value) == shape and not np.any(value)
    code_value = getattr(r.function(), "gradient" if kind == "grad" else kind)(**needed)
    assert np.shape(code_value) == shape and not np.any(code_value)


def test_zero_in_the_generated_code_of_several_variables():
    fn = matcalc.grad("x^T A x", wrt=["x", "B"]).function()
    gx, gB = fn.gradient(x=np.ones(2), A=np.eye(2), B=np.ones((2, 5)))
    np.testing.assert_allclose(gx, [2.0, 2.0])
    assert gB.shape == (2, 5) and not gB.any()


@pytest.mark.parametrize("args, stdout, note", [
    (["grad", "kappa", "wrt", "A"], "0\n", "A is n×m by the naming convention"),
    (["jacobian", "X", "wrt", "A"], "dF = 0\n∂vec(F)/∂vec(A)^T = 0\n", "A is p×q"),
    (["grad", "x^T x", "wrt", "y", "--shape", "y=3"], "0\n", "y is a 3-vector as declared"),
    (["grad", "x^T x", "wrt", "dx"], "0\n", "dx does not occur"),
])
def test_cli_zero_with_a_note_on_stderr(args, stdout, note):
    done = run(*args)
    assert (done.returncode, done.stdout) == (0, stdout), done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("matcalc: note: ") and "does not occur" in lines[0]
    assert "typo" in lines[0] and note in lines[0]


def test_cli_zero_in_json_and_numpy():
    done = run("grad", "kappa", "wrt", "A", "--format", "json")
    data = json.loads(done.stdout)
    assert data["result"] == "0" and data["shape"] == ["n", "m"]
    done = run("grad", "kappa", "wrt", "A", "--format", "numpy")
    namespace: dict = {}
    exec(compile(done.stdout, "<numpy>", "exec"), namespace)
    assert namespace["gradient"](A=np.ones((2, 3)), kappa=1.0).shape == (2, 3)


# --- the command line: several variables ------------------------------------------------------------


def test_cli_several_variables_text():
    done = run("grad", NET, "wrt", "W1", "wrt", "W2")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == [f"∂f/∂W1 = {matcalc.grad(NET, 'W1').text()}",
                                        f"∂f/∂W2 = {matcalc.grad(NET, 'W2').text()}"]
    assert run("grad", NET, "wrt", "W1,", "W2").stdout == done.stdout
    assert run("grad", NET, "wrt", "W1,W2").stdout == done.stdout


def test_cli_single_variable_prints_as_before():
    done = run("grad", "w^T L M N x", "wrt", "M")
    assert (done.returncode, done.stdout, done.stderr) == (0, "L^T w x^T N^T\n", "")


def test_cli_several_variables_check_and_json():
    done = run("grad", NET, "wrt", "W1", "wrt", "W2", "--check")
    assert done.returncode == 0
    checks = done.stderr.splitlines()
    assert [c.split(":")[0] for c in checks] == ["check wrt W1", "check wrt W2"]
    assert all("passed" in c for c in checks)
    done = run("grad", NET, "wrt", "W1", "wrt", "W2", "--format", "json", "--check")
    data = json.loads(done.stdout)
    assert [d["wrt"] for d in data] == ["W1", "W2"] and all(d["check"]["passed"] for d in data)


def test_cli_several_variables_latex_numpy_and_index():
    done = run("grad", NET, "wrt", "W1", "wrt", "W2", "--format", "latex")
    assert done.stdout.startswith("\\begin{aligned}\n") and done.stdout.count("&=") == 2
    done = run("grad", NET, "wrt", "W1", "wrt", "W2", "--format", "numpy")
    compile(done.stdout, "<numpy>", "exec")
    assert "return _gradient_W1, _gradient_W2" in done.stdout
    done = run("grad", "x^T A y", "wrt", "x", "wrt", "y", "--format", "index")
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2


def test_cli_several_variables_jacobian_and_hessian():
    done = run("jacobian", "A X B", "wrt", "X", "wrt", "A", "--shape", "A=p,m", "--shape", "X=m,n",
               "--shape", "B=n,q")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["dF = A dX B + dA X B", "∂vec(F)/∂vec(X)^T = B^T ⊗ A",
                                        "∂vec(F)/∂vec(A)^T = (B^T X^T) ⊗ I_p"]
    done = run("hessian", "x^T A x", "wrt", "x", "wrt", "A")
    assert done.returncode == 2 and "one variable" in done.stderr


@pytest.mark.parametrize("words", [["wrt", "x", "y"], ["wrt", "x", "wrt"], ["wrt", "x", "wrt", "x"]])
def test_cli_bad_variable_lists(words):
    done = run("grad", "x^T A x", *words)
    assert done.returncode == 2 and done.stdout == "" and "usage error" in done.stderr


# --- the friendlier command line ------------------------------------------------------------------


def test_version():
    done = run("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"matcalc {matcalc.__version__}")


@pytest.mark.parametrize("command", [None, "grad", "jacobian", "hessian"])
def test_help_has_examples_naming_formats_and_functions(command):
    from matcalc.cli import FORMATS
    from matcalc.functions import BUILTIN

    done = run(*([command] if command else []), "--help")
    assert done.returncode == 0
    out = done.stdout
    examples = re.findall(r"^  matcalc \w+ \".*", out, re.M)
    assert len(examples) >= 2
    for example in examples:  # every example runs
        import shlex

        args = shlex.split(example.strip())[1:]
        assert run(*args).returncode == 0, example
    assert "lowercase = column vector" in out and "Uppercase = matrix" in out and "Greek = scalar" in out
    for fmt in FORMATS:
        assert re.search(rf"^  {re.escape(fmt)} +\S", out, re.M), fmt
    assert "matcalc help language" in out
    if command is None:
        assert "--version" in out


def test_help_language_lists_the_tables():
    from matcalc.functions import BUILTIN
    from matcalc.operators import STRUCTURAL_FUNCTIONS

    done = run("help", "language")
    assert done.returncode == 0
    for name in STRUCTURAL_FUNCTIONS + BUILTIN:
        assert re.search(rf"\b{re.escape(name)}\b", done.stdout), name


def test_help_language_lists_every_operator_of_the_grammar():
    from pathlib import Path

    from matcalc.helptext import INFIX

    grammar = (Path(matcalc.__file__).resolve().parents[1] / "grammar" / "matcalc.lark").read_text(encoding="utf-8")
    listed = " ".join(s for s, _ in INFIX)
    for name in ["PLUS", "MINUS", "STAR", "SLASH", "HADAMARD", "EDIV", "KRONOP", "COLON", "CARET", "ECARET",
                 "TICK", "SUPT", "SUPINV", "SUPINVT"]:
        tokens = re.search(rf"^{name}: (.*)$", grammar, re.M).group(1)
        for token in re.findall(r'"([^"]+)"', tokens):
            if token not in ("−", "’", "·"):  # Unicode twins of -, ' and *
                assert token in listed, (name, token)


@pytest.mark.parametrize("args, suggestion", [
    (["grad", "x^T", "A", "x", "wrt", "x"], 'matcalc grad "x^T A x" wrt x'),
    (["grad", "x^T", "x", "x"], 'matcalc grad "x^T x x" wrt X'),
    (["jacobian", "A", "X", "B", "wrt", "X", "wrt", "A"], 'matcalc jacobian "A X B" wrt X wrt A'),
])
def test_an_unquoted_expression_is_answered_with_quote_it(args, suggestion):
    done = run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert "quote the expression" in done.stderr and suggestion in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_check_line_goes_to_stderr_in_every_format():
    for fmt in ("text", "latex", "numpy", "index", "index-latex"):
        done = run("grad", "x^T A x", "wrt", "x", "--format", fmt, "--check")
        assert done.returncode == 0
        assert "relative error" not in done.stdout and done.stderr.startswith("check: relative error"), fmt


def test_division_by_a_vector_names_it_by_the_naming_convention():
    done = run("grad", "1/(2 m)", "wrt", "m")
    assert done.returncode == 2
    assert "cannot divide by (2 m)" in done.stderr and "m is a vector by the naming convention" in done.stderr


def test_invented_dimensions_are_stated_on_stderr():
    done = run("jacobian", "X B", "wrt", "X")
    assert done.stdout.splitlines()[-1] == "∂vec(F)/∂vec(X)^T = B^T ⊗ I_n"
    assert done.stderr == "matcalc: note: dimensions named by matcalc: B is m×p, X is n×m\n"
    done = run("jacobian", "X B", "wrt", "X", "--shape", "X=n,m", "--shape", "B=m,p")
    assert done.stderr == ""  # declared: nothing to explain
    done = run("jacobian", "A X B", "wrt", "X")  # no dimension printed: no note
    assert done.stderr == ""
