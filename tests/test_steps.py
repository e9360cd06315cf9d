"""The steps of a gradient are the engine's own record, so they are checked as
mathematics: every step is a list of pairs C : E, and sum(C .* E) must be the
same number -- df along a random direction -- at every step, from the first
(the differential) to the last (G : dX with G the gradient).

Named intermediates (--let) are checked the same way with each intermediate
replaced by its definition and each of their differentials dV by the
directional derivative of that definition (a high-order central difference,
independent of the engine).

Also: the rules the issue names appear, results are written with the
intermediates, seed 000's recursion, generic functions, and --steps on the
command line.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matcalc
from matcalc import build
from matcalc.calculus import full_definitions as _full_definitions
from matcalc.dims import dim_value
from matcalc.errors import MatcalcError
from matcalc.expr import Differential, Var
from matcalc.numeric import evaluate, random_env
from conftest import console_examples, directional, normalise

REPO = Path(__file__).resolve().parents[1]

# (expression, wrt, lets, options): plain, lets, generic functions, sums,
# inverses, det/logdet, Hadamard, powers, norms, traces
CASES = [
    ("w^T L M N x", "M", (), {}),
    ("x^T A x", "x", (), {}),
    ("a^T X^T b", "X", (), {}),
    ("tr(A X^T)", "X", (), {}),
    ("tr(A X^T B X C)", "X", (), {"shapes": {"A": "p,p", "X": "n,p"}}),
    ("tr(X^3)", "X", (), {}),
    ("det(X)", "X", (), {}),
    ("logdet(X)", "X", (), {}),
    ("logdet(X) + (x - m)^T X^{-1} (x - m)", "X", (), {}),
    ("-1/2 logdet(S) - 1/2 (x - mu)^T inv(S) (x - mu)", "S", (), {"shapes": {"mu": "n"}}),
    ("x^T X^{-1} x", "X", (), {}),
    ("tr(inv(X) A)", "X", (), {}),
    ("sum(A .* X .* X)", "X", (), {}),
    ("(a^T x)^2", "x", (), {}),
    ("norm(X w - y)^2 + lambda norm(w)^2", "w", (), {}),
    ("sum(log(1 + exp(-y .* (X w))))", "w", (), {}),
    ("y^T tanh(W x + b)", "W", (), {}),
    ("G : (A X B)", "X", (), {}),
    ("G : (A B)", "A", (), {}),
    ("G : (A B)", "B", (), {}),
    ("G : (A sigma(Z) W)", "Z", (), {}),
    ("G : (A σ(Z) W)", "Z", (), {}),
    ("y^T sigma(W x)", "W", (), {}),
    ("f(X) : f(X)", "X", (), {}),
    ("sum(g(X) .* A)", "X", (), {}),
    ("G : phi(X W)", "W", (), {"functions": ["phi"]}),
    ("G : act (X W)", "X", (), {"functions": ["act"]}),
    # named intermediates
    ("r^T r", "x", ("r = A x - b",), {}),
    ("r^T r + x^T x", "x", ("r = A x - b",), {}),
    ("u^T C u + sum(u)", "x", ("u = B x",), {}),
    ("G : U", "X", ("U = A X B",), {}),
    ("G2 : Z2", "Z1", ("Z2 = A H1 W2", "H1 = sigma(Z1)"), {}),
    ("G2 : Z2", "Z1", ("H1 = sigma(Z1)", "Z2 = A H1 W2"), {}),  # lets in any order
    ("G3 : Z3", "Z1", ("Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)"), {}),
    ("G3 : Z3", "W2", ("Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)"), {}),
    ("phi", "x", ("F = L M N", "phi = w^T F x"), {}),
    ("sum(log(1 + exp(-y .* s)))", "w", ("s = X w",), {}),
    ("logdet(S) + tr(S)", "W", ("S = W^T W + I",), {}),
    ("sum(H .* H)", "W", ("H = tanh(X W)",), {}),
    # scalar variables: the last pair G : dalpha prints as the product G dalpha
    ("alpha^2", "alpha", (), {}),
    ("alpha x^T x + log(beta) alpha^3", "alpha", (), {}),
    ("s^2 + sum(s x)", "s", (), {"shapes": {"s": "scalar"}}),
    ("x^T x - x^T x + sum(A)", "x", (), {}),  # a zero gradient
]


def _ids(case):
    expr, wrt, lets, _ = case
    return f"{expr} wrt {wrt}" + "".join(f" | {x}" for x in lets)


def grad(case):
    expr, wrt, lets, opts = case
    return matcalc.grad(expr, wrt, lets=list(lets), **opts)


def step_values(r, seed):
    """(df along a random V by differences, [sum(C .* E) for each step], G : V)."""
    rng = np.random.default_rng(seed)
    full = _full_definitions(r.lets) if r.lets else {}

    def sub(e):
        return build.substitute(e, full) if full else e

    f = sub(r.f)
    x = r.x
    env, sizes = random_env([f, sub(r.expr), x], rng)
    V = rng.standard_normal(tuple(dim_value(d, sizes) for d in x.shape))
    env["d" + x.name] = V
    for v, definition in full.items():
        env["d" + v.name] = directional(definition, x, V, env, sizes)
    df = float(directional(f, x, V, env, sizes)[0, 0])
    values = []
    for step in r.derivation.steps:
        total = 0.0
        for C, E in step.pairs:
            assert C.shape == E.shape, (step.rule, C, E)
            total += float(np.sum(evaluate(sub(C), env, sizes) * evaluate(sub(E), env, sizes)))
        values.append(total)
    g = float(np.sum(evaluate(sub(r.expr), env, sizes) * V))
    return df, values, g


def close(a, b, tol=1e-7):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1.0)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_every_step_equals_df(case):
    r = grad(case)
    steps = r.derivation.steps
    assert steps and steps[0].rule == "differential"
    for seed in (0, 1):
        df, values, g = step_values(r, seed)
        for k, (step, v) in enumerate(zip(steps, values)):
            assert close(v, df), f"step {k} ({step.rule}) gives {v}, df = {df}\n{r.steps_text()}"
        assert close(g, df), (g, df)
    # the last step is G : dX with G the gradient, exactly
    last = steps[-1].pairs
    assert len(last) == 1, r.steps_text()
    C, E = last[0]
    assert E == Differential(r.x)
    assert C == r.derivation.result, (C, r.derivation.result)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_steps_data_text_and_latex_agree(case):
    r = grad(case)
    data = r.steps()
    assert data, case
    assert all(set(d) >= {"expression", "latex", "rule", "identity"} for d in data)
    assert data[0]["rule"].startswith("differential")
    # the text shows one line per row of data, the last row is G : dX
    text = r.steps_text()
    lines = text.splitlines()
    assert len(lines) == len(data)
    assert lines[0].startswith("df = ") and all(line.startswith("   = ") for line in lines[1:])
    for line, row in zip(lines, data):
        assert row["expression"] in line
        assert row["rule"].split(";")[0] in line
    last = data[-1]["expression"]
    if r.x.shape == (1, 1):  # G : dalpha of scalars is the product G dalpha
        assert last.endswith("d" + r.wrt) or last.startswith("d" + r.wrt), last
    else:
        assert last.endswith(": d" + r.wrt), last
        assert last.startswith("(" + r.text() + ")") or last.startswith(r.text()), last
    # the align* block: one &= per row, one \text annotation per row
    tex = r.steps_text(latex=True)
    assert tex.startswith("\\begin{align*}\n\\mathrm{d}f &= ") and tex.endswith("\n\\end{align*}")
    assert tex.count("&= ") == len(data)
    assert tex.count("\\text{") == len(data)
    assert tex.count("\\\\\n") == len(data) - 1
    for row in data:
        assert row["latex"] in tex
    assert "^T" not in tex and ".*" not in tex


def _rules(r) -> str:
    return " | ".join(f"{d['rule']}: {d['identity']}" for d in r.steps())


@pytest.mark.parametrize("expr, wrt, named", [
    ("w^T L M N x", "M", ["product rule", "C : (A E B) = (A^T C B^T) : E"]),
    ("x^T X^{-1} x", "X", ["d(X^{-1}) = -X^{-1} dX X^{-1}", "move a scalar factor"]),
    ("det(X)", "X", ["d det(X) = det(X) tr(X^{-1} dX)", "trace"]),
    ("logdet(X)", "X", ["d logdet(X) = tr(X^{-1} dX)"]),
    ("G : (A sigma(Z) W)", "Z", ["element-wise chain rule", "C : (A .* E) = (C .* A) : E"]),
    ("norm(X w - y)^2", "w", ["C : E^T = C^T : E"]),
    ("x^T A x", "x", ["collect terms", "A : dX + B : dX = (A + B) : dX"]),
    ("tr(X^3)", "X", ["split the sum", "collect terms"]),
])
def test_the_rules_the_issue_lists_are_named(expr, wrt, named):
    rules = _rules(matcalc.grad(expr, wrt))
    for name in named:
        assert name in rules, (name, rules)


def test_chain_rule_steps_name_the_intermediate_and_its_differential():
    r = matcalc.grad("r^T r", "x", lets=["r = A x - b"])
    rows = r.steps()
    chain = [d for d in rows if d["rule"].startswith("chain rule through r")]
    assert len(chain) == 1 and chain[0]["identity"].startswith("dr = A dx")
    assert [d["expression"] for d in rows] == ["2 r^T dr", "(2 r) : dr", "(2 r) : (A dx)", "(2 A^T r) : dx"]


# --- named intermediates -------------------------------------------------------------


def test_let_result_is_written_with_the_intermediate():
    r = matcalc.grad("r^T r", "x", lets={"r": "A x - b"})
    assert r.text() == "2 A^T r"
    assert r.latex() == "2 A^{\\top} r"
    assert r.equation() == "∂f/∂x = 2 A^T r"
    assert r.check() < 1e-6
    # evaluate() substitutes the definition
    rng = np.random.default_rng(3)
    A, b, x = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(3)
    assert np.allclose(r.evaluate(A=A, b=b, x=x), 2 * A.T @ (A @ x - b))


def test_seed_000_backprop_recursion():
    """Z_k = A H_{k-1} W_k, H_k = sigma(Z_k), G_k = dL/dZ_k given:
    G_{k-1} = (A^T G_k W_k^T) .* sigma'(Z_{k-1})."""
    r = matcalc.grad("G2 : Z2", "Z1", lets=["Z2 = A H1 W2", "H1 = sigma(Z1)"])
    assert r.text() == "sigma'(Z1) .* (A^T G2 W2^T)"
    assert r.latex() == "\\sigma'(Z_{1}) \\odot (A^{\\top} G_{2} W_{2}^{\\top})"
    assert r.equation() == "∂f/∂Z1 = sigma'(Z1) .* (A^T G2 W2^T)"
    assert r.check() < 1e-6
    # numerically: with sigma the stand-in (sin(x) + exp(x/2)), sigma' = cos(x) + exp(x/2)/2
    rng = np.random.default_rng(0)
    m, o, n = 3, 4, 5
    A, W2, Z1 = rng.standard_normal((m, m)), rng.standard_normal((o, n)), rng.standard_normal((m, o))
    G2 = rng.standard_normal((m, n))
    expected = (A.T @ G2 @ W2.T) * (np.cos(Z1) + np.exp(Z1 / 2) / 2)
    assert np.allclose(r.evaluate(A=A, W2=W2, Z1=Z1, G2=G2), expected)
    # the steps go through the intermediates, as in the accepted answer
    exprs = [d["expression"] for d in r.steps()]
    assert exprs[0] == "G2 : dZ2"
    assert "G2 : (A dH1 W2)" in exprs
    assert "(A^T G2 W2^T) : dH1" in exprs
    assert exprs[-1] == "(sigma'(Z1) .* (A^T G2 W2^T)) : dZ1"


def test_deep_recursion_repeats_the_pattern():
    lets = ["Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)"]
    r = matcalc.grad("G3 : Z3", "Z2", lets=lets[:2])
    assert r.text() == "sigma'(Z2) .* (A^T G3 W3^T)"
    r = matcalc.grad("G3 : Z3", "Z1", lets=lets)
    assert r.check() < 1e-6
    assert "sigma'(Z2)" in r.text() and "sigma'(Z1)" in r.text()


def test_wrt_an_intermediate_or_a_function_is_an_error():
    with pytest.raises(MatcalcError, match="intermediate"):
        matcalc.grad("r^T r", "r", lets=["r = A x - b"])
    with pytest.raises(MatcalcError, match="function"):
        matcalc.grad("G : (A sigma(Z) W)", "sigma")
    with pytest.raises(MatcalcError, match="function"):
        matcalc.grad("G : phi(X)", "phi", functions=["phi"])


# --- generic element-wise functions ---------------------------------------------------


@pytest.mark.parametrize("name, tex", [("sigma", "\\sigma"), ("σ", "\\sigma"), ("f", "f"), ("g", "g")])
def test_generic_functions_print_with_a_prime(name, tex):
    r = matcalc.grad(f"G : (A {name}(Z) W)", "Z")
    assert r.text() == f"{name}'(Z) .* (A^T G W^T)"
    assert r.latex().startswith(tex + "'(Z) \\odot ")
    assert r.check() < 1e-6


def test_declared_function():
    r = matcalc.grad("G : phi(X W)", "W", functions=["phi"])
    assert r.text() == "X^T (G .* phi'(X W))"
    assert "\\phi'" in r.latex()
    assert r.check() < 1e-6
    r = matcalc.grad("G : act (X W)", "X", functions=["act"])  # a declared name may be spaced
    assert "act'(X W)" in r.text()
    assert "\\operatorname{act}'" in r.latex()
    assert r.check() < 1e-6
    # undeclared, phi(X W) is an unknown function (issue 11: never a product by accident);
    # spaced, phi is a (Greek, so scalar) variable and phi (X W) a product
    with pytest.raises(matcalc.errors.NameError_, match="unknown function phi"):
        matcalc.grad("G : phi(X W)", "W")
    assert matcalc.grad("G : phi (X W)", "W").text() == "phi X^T G"
    # sigma is generic only when the parenthesis touches it
    assert matcalc.grad("G : (A sigma (Z) W)", "Z").text() == "sigma A^T G W^T"


# --- the command line ------------------------------------------------------------------


def run(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    return subprocess.run([sys.executable, "-m", "matcalc", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=120)


def test_cli_steps_text():
    done = run("grad", "G2 : Z2", "wrt", "Z1", "--let", "Z2 = A H1 W2", "--let", "H1 = sigma(Z1)", "--steps")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("df = G2 : dZ2 ") and "[differential" in lines[0]
    assert any(line.startswith("   = G2 : (A dH1 W2) ") and "chain rule through Z2" in line for line in lines)
    assert "Hadamard: C : (A .* E) = (C .* A) : E" in lines[-2]
    assert lines[-1] == "∂f/∂Z1 = sigma'(Z1) .* (A^T G2 W2^T)"
    api = matcalc.grad("G2 : Z2", "Z1", lets=["Z2 = A H1 W2", "H1 = sigma(Z1)"])
    assert done.stdout == api.steps_text() + "\n" + api.equation() + "\n"


def test_cli_steps_latex():
    done = run("grad", "G : (A sigma(Z) W)", "wrt", "Z", "--steps", "--format", "latex")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    out = done.stdout
    assert out.startswith("\\begin{align*}\n\\mathrm{d}f &= G : ")
    # one align* block that ends with what was derived, left side stated, with or without --equation
    final = ("\\frac{\\partial f}{\\partial Z} &= \\sigma'(Z) \\odot (A^{\\top} G W^{\\top})\n"
             "\\end{align*}\n")
    assert out.endswith(" \\\\\n" + final) and out.count("\\begin{") == 1, out
    assert "\\text{Hadamard}" in out
    done = run("grad", "G : (A sigma(Z) W)", "wrt", "Z", "--steps", "--format", "latex", "--equation")
    assert done.stdout == out
    done = run("grad", "G : (A sigma(Z) W)", "wrt", "Z", "--steps", "--format", "latex", "--layout", "numerator")
    last = done.stdout.splitlines()[-2]
    assert last.startswith("\\frac{\\partial f}{\\partial Z^{\\top}} &= ") and "&&" not in last, done.stdout


def test_cli_let_and_function():
    done = run("grad", "r^T r", "wrt", "x", "--let", "r = A x - b")
    assert (done.returncode, done.stdout, done.stderr) == (0, "2 A^T r\n", "")
    done = run("grad", "G : phi(X W)", "wrt", "W", "--function", "phi", "--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "X^T (G .* phi'(X W))\n" and done.stderr.startswith("check: relative error ")
    done = run("grad", "G : (A sigma(Z) W)", "wrt", "sigma")
    assert done.returncode == 2 and done.stdout == ""
    assert "function" in done.stderr and "Traceback" not in done.stderr
    done = run("grad", "r^T r", "wrt", "x", "--let", "r A x - b")
    assert done.returncode == 2 and "--let" in done.stderr


def test_steps_are_for_gradients_only():
    with pytest.raises(MatcalcError):
        matcalc.jacobian("A X B", "X").steps()


# --- docs/steps.md: every example is real output ----------------------------------------

STEPS_DOC = REPO / "docs" / "steps.md"


def _doc_console_examples():
    return console_examples(STEPS_DOC)


def test_steps_doc_has_examples():
    commands = [c for c, _ in _doc_console_examples()]
    assert len(commands) >= 12
    assert any("--steps --format latex" in c for c in commands)
    assert any(c.startswith('matcalc grad "G2 : Z2" wrt Z1 --let') for c in commands)


@pytest.mark.parametrize("command, expected", _doc_console_examples(), ids=[c for c, _ in _doc_console_examples()])
def test_steps_doc_console_example(command, expected):
    import shlex

    args = shlex.split(command)
    assert args[0] == "matcalc"
    done = run(*args[1:])
    assert done.returncode in (0, 2), done.stderr
    assert normalise(done.stdout + done.stderr) == normalise(expected)


def test_steps_doc_python_example():
    import doctest
    import re

    for block in re.findall(r"```python\n(.*?)```", STEPS_DOC.read_text(encoding="utf-8"), re.S):
        test = doctest.DocTestParser().get_doctest(block, {}, "steps.md", str(STEPS_DOC), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0
