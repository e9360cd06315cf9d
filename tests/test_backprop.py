"""The back-propagation form (matcalc/backprop.py) and the recursion with a
symbolic layer index (matcalc/recursion.py): every printed line is checked
numerically against the true partial derivative, the printed lines parse back,
the output of a deep network grows linearly with depth, and bad input is one
line with a caret and exit status 2.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import matcalc
from matcalc import build as b
from matcalc.calculus import full_definitions as _full_definitions
from matcalc.result import _checked
from matcalc.walk import variables as _variables
from matcalc.backprop import auto_backprop, backprop, parse_lines
from matcalc.expr import Var
from matcalc.numeric import evaluate, random_env
from matcalc.recursion import recursion

REPO = Path(__file__).resolve().parents[1]

THREE_LAYERS = ["Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)"]


def mlp(L: int, fn: str = "tanh") -> str:
    s = "x"
    for i in range(1, L + 1):
        s = f"{fn}(W{i} {s})"
    return "v^T " + s


# (expression, wrt, lets, shapes): gradients through intermediates, printed with --backprop
CASES = [
    ("E : Z3", "Z1", THREE_LAYERS, {}),
    ("G2 : Z2", "Z1", ["Z2 = A H1 W2", "H1 = sigma(Z1)"], {}),
    ("r^T r", "x", ["r = A x - b"], {}),
    ("sum(log(1 + exp(-y .* z)))", "w", ["z = X w"], {}),
    ("v^T h2", "W1", ["h2 = tanh(W2 h1)", "h1 = tanh(W1 x) + x"], {"W1": "n,n"}),  # x used twice (a skip)
    ("v^T h2 + u^T h1", "W1", ["h2 = tanh(W2 h1)", "h1 = tanh(W1 x)"], {}),  # h1 used by f and by h2
    ("tr(P^T P)", "X", ["P = A X B + X"], {"X": "n,n"}),
    ("G : sigmoid(h W)", "W", [], {"h": "1,3", "G": "1,2"}),
]


def _line_checks(bp, f_lets=None, rng=None):
    """For each line G_V = value: value (all names substituted, V free) equals
    the gradient of f wrt V with V held as a variable, by finite differences."""
    rng = rng or np.random.default_rng(1)
    adjoints = {}
    for g, _, value in bp.lines:
        adjoints[g] = b.substitute(value, adjoints) if adjoints else value
    errors = []
    for g, v, _ in bp.lines:
        full = {}
        for u, d in bp.forward:
            if u != v:
                full[u] = b.substitute(d, full) if full else d
        F = b.substitute(bp.f, full)
        G = b.substitute(adjoints[g], full)
        errors.append((v.name, _checked(F, v, b.transpose(b.vec(G)), rng, 3)))
    return errors


@pytest.mark.parametrize("expr, wrt, lets, shapes", CASES, ids=[c[0] + " wrt " + c[1] for c in CASES])
def test_every_line_is_the_partial_derivative(expr, wrt, lets, shapes):
    r = matcalc.grad(expr, wrt, shapes, lets=lets, functions=())
    bp = r.backprop()
    assert bp.lines[-1][1] == r.x
    for name, error in _line_checks(bp):
        assert error < 1e-6, (name, error)
    assert r.check() < 1e-6


@pytest.mark.parametrize("expr, wrt, lets, shapes", CASES, ids=[c[0] + " wrt " + c[1] for c in CASES])
def test_printed_lines_parse_back(expr, wrt, lets, shapes):
    r = matcalc.grad(expr, wrt, shapes, lets=lets)
    text = r.text(form="backprop")
    values = parse_lines(text, shapes, lets=lets)
    last = text.splitlines()[-1].partition("=")[0].strip()
    mine, truth = values[last], r.full(r.expr)
    env, sizes = random_env([mine, truth], np.random.default_rng(2))
    assert np.allclose(evaluate(mine, env, sizes), evaluate(truth, env, sizes), rtol=1e-9, atol=1e-12)


def test_three_layer_example_prints_like_the_seed():
    r = matcalc.grad("E : Z3", "Z1", lets=THREE_LAYERS)
    assert r.text(form="backprop").splitlines() == [
        "G_Z3 = E",
        "G_H2 = A^T G_Z3 W3^T",
        "G_Z2 = G_H2 .* sigma'(Z2)",
        "G_H1 = A^T G_Z2 W2^T",
        "G_Z1 = G_H1 .* sigma'(Z1)",
    ]
    latex = r.latex(form="backprop")
    assert latex.startswith("\\begin{aligned}\nG_{Z_{3}} &= E \\\\\n")
    assert "G_{H_{2}} &= A^{\\top} G_{Z_{3}} W_{3}^{\\top}" in latex


def test_orientation_no_line_transposes_a_whole_hadamard_or_product():
    for expr, wrt, lets, shapes in CASES[:-1]:  # the row-vector layer is issue 12 item 1, not this form
        r = matcalc.grad(expr, wrt, shapes, lets=lets)
        for line in r.text(form="backprop").splitlines():
            rhs = line.partition(" = ")[2]
            assert not (rhs.startswith("(") and rhs.endswith(")^T")), line


def test_cli_backprop(tmp_path):
    from matcalc.cli import main

    args = ["grad", "E : Z3", "wrt", "Z1", "--backprop", "--check"]
    for let in THREE_LAYERS:
        args += ["--let", let]
    assert main(args) == 0
    assert main(args[:-1] + ["--format", "json"]) == 2  # text or LaTeX only


# ------------------------------------------------------------------ deep networks, no --let


def test_deep_network_lines_are_partial_derivatives():
    r = matcalc.grad(mlp(6), "W1")
    bp = r.backprop()
    assert bp.auto and [v.name for v, _ in bp.forward][:4] == ["Z1", "H1", "Z2", "H2"]
    for name, error in _line_checks(bp):
        assert error < 1e-6, (name, error)


@pytest.mark.parametrize("expr, wrt", [
    ("v^T tanh(W3 tanh(W2 tanh(W1 x)) + W1 x)", "W1"),          # a skip connection: W1 x used twice
    ("sum(exp(sin(cos(tanh(A X B)))))", "X"),                   # element-wise functions of one argument
    ("v^T tanh(W3 tanh(W2 tanh(W1 x))) + u^T tanh(W1 x)", "W1"),  # an activation used twice
    ("sum(sigmoid(tanh(sigmoid(X)) W))", "X"),                  # the variable itself is the argument
])
def test_automatic_names_are_right(expr, wrt):
    r = matcalc.grad(expr, wrt)
    bp = auto_backprop(r.f, r.x)
    assert bp is not None
    for name, error in _line_checks(bp):
        assert error < 1e-6, (name, error)
    text = "\n".join(f"{v.name} = {matcalc.printing.text.to_text(d)}" for v, d in bp.lets().items())
    shapes = {name: v.shape for name, v in _variables(r.f).items()}  # as in the result, for one random point
    values = parse_lines(text, shapes)
    env, sizes = random_env([values[bp.lines[-1][0].name], r.expr], np.random.default_rng(3))
    last = bp.lines[-1][0].name
    assert np.allclose(evaluate(values[last], env, sizes), evaluate(r.expr, env, sizes), rtol=1e-9)


def test_shallow_results_print_as_before():
    assert matcalc.grad(mlp(2), "W1").text(compact=True) == "(tanh'(W1 x) .* (W2^T (v .* tanh'(W2 tanh(W1 x))))) x^T"
    assert matcalc.grad("x^T A x", "x").text(compact=True) == "(A + A^T) x"


def test_output_grows_linearly_with_depth():
    depths = [2, 4, 8, 16, 32, 64]
    text = {L: len(matcalc.grad(mlp(L), "W1").text(compact=True)) for L in depths}
    latex = {L: len(matcalc.grad(mlp(L), "W1").latex(compact=True)) for L in depths}
    for sizes in (text, latex):
        per_layer = [(sizes[2 * L] - sizes[L]) / L for L in (8, 16, 32)]
        assert max(per_layer) < 1.2 * min(per_layer), sizes  # a constant cost per layer
        assert sizes[64] < (80 * 64 + 100 if sizes is text else 180 * 64 + 300), sizes  # 4 lines a layer
    assert text[64] / text[32] < 2.1


def test_sixty_four_layers_print_quickly():
    expr = mlp(64)
    matcalc.grad(mlp(3), "W1").text(compact=True)  # imports
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        r = matcalc.grad(expr, "W1")
        r.text(compact=True)
        r.latex(compact=True)
        best = min(best, time.perf_counter() - start)
    assert best < 2.0, best  # about 0.6 s on an idle machine; the bound leaves room for a busy one


def test_sixty_four_layers_cli_output():
    from matcalc.cli import run

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(["grad", mlp(64), "wrt", "W1"]) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 * 64 + 64 * 2 + 1 and lines[-1] == "G_W1 = G_Z1 x^T"
    assert max(len(line) for line in lines) < 40


# ------------------------------------------------------------------ the recursion with a layer index

SEED = ["Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k)"]


def test_seed_recursion():
    rec = recursion(SEED, "G_k = dL/dZ_k")
    assert rec.text() == "G_k = sigma'(Z_k) .* (A^T G_{k+1} W_{k+1}^T)"
    assert rec.check() < 1e-6
    assert rec.latex() == (r"G_{k} = \sigma'\left( Z_{k} \right) \odot \left( A^{\top} G_{k+1} "
                           r"W_{k+1}^{\top} \right)")


def test_seed_recursion_steps_are_the_seed_answer():
    lines = recursion(SEED, "G_k = dL/dZ_k").text(steps=True).splitlines()
    rhs = [line.split("    [")[0].strip().lstrip("dL").strip().lstrip("=").strip() for line in lines[:-1]]
    assert rhs == ["G_{k+1} : dZ_{k+1}", "G_{k+1} : (A dH_k W_{k+1})", "(A^T G_{k+1} W_{k+1}^T) : dH_k",
                   "(A^T G_{k+1} W_{k+1}^T) : (dZ_k .* sigma'(Z_k))",
                   "(sigma'(Z_k) .* (A^T G_{k+1} W_{k+1}^T)) : dZ_k", "G_k : dZ_k"]
    assert lines[-1] == "G_k = sigma'(Z_k) .* (A^T G_{k+1} W_{k+1}^T)"


def test_seed_recursion_steps_are_equal_numerically():
    """Every line of --steps has the value dL = G_{k+1} : dZ_{k+1} on random data."""
    rec = recursion(SEED, "G_k = dL/dZ_k")
    d = rec.derivation
    from matcalc.rules.differentials import differential

    full = _full_definitions(d.lets)
    full.update({b.differential(v): differential(e, d.x) for v, e in full.items()})  # dH_k in terms of dZ_k
    rng = np.random.default_rng(4)
    pairs_values = []
    exprs = [b.substitute(b.add(*[b.frob(C, E) for C, E in s.pairs]), full) for s in d.steps]
    exprs.append(b.frob(b.substitute(d.result, full), b.differential(d.x)))
    env, sizes = random_env(exprs, rng)
    env["d" + d.x.name] = rng.standard_normal(env[d.x.name].shape)
    for e in exprs:
        pairs_values.append(float(evaluate(e, env, sizes)[0, 0]))
    assert np.allclose(pairs_values, pairs_values[0], rtol=1e-9)


@pytest.mark.parametrize("definitions, adjoint, shapes, expected", [
    (["z_k = W_k h_{k-1}", "h_k = tanh(z_k)"], "g_k = dL/dz_k", {}, "g_k = tanh'(z_k) .* (W_{k+1}^T g_{k+1})"),
    (SEED, "D_k = dL/dH_k", {}, "D_k = A^T (D_{k+1} .* sigma'(Z_{k+1})) W_{k+1}^T"),
    (["Z_t = A H_{t-1} W_t", "H_t = sigma(Z_t)"], "E_t = dL/dZ_t", {},
     "E_t = sigma'(Z_t) .* (A^T E_{t+1} W_{t+1}^T)"),
    (["Z_k = H_{k-1} W_k + B_k", "H_k = sigmoid(Z_k)"], None, {"B_k": "m,n"},
     "G_k = sigmoid'(Z_k) .* (G_{k+1} W_{k+1}^T)"),
    (["Z_k = A H_{k - 1} W_k", "H_k = Z_k + sigma(Z_k)"], "G_k = dL/dZ_k", {},  # a residual layer
     None),
])
def test_other_recursions(definitions, adjoint, shapes, expected):
    rec = recursion(definitions, adjoint, shapes)
    if expected:
        assert rec.text() == expected
    assert rec.check() < 1e-6


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "matcalc", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_recursion_cli():
    done = _cli("recursion", *SEED, "--adjoint", "G_k = dL/dZ_k", "--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "G_k = sigma'(Z_k) .* (A^T G_{k+1} W_{k+1}^T)"
    assert "passed" in done.stdout
    latex = _cli("recursion", *SEED, "--steps", "--format", "latex").stdout
    assert latex.startswith("\\begin{align*}\n\\mathrm{d}L &= G_{k+1} : \\mathrm{d}Z_{k+1}")
    assert latex.rstrip().endswith("\\]")


@pytest.mark.parametrize("args, message, caret_under", [
    (["recursion", "Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k"], "syntax error", "H_k = sigma(Z_k"),
    (["recursion", "Z = A H W"], "a layer definition is NAME_k = EXPR", "Z = A H W"),
    (["recursion", *SEED, "--adjoint", "G_k = dL/dY_k"], "Y_k is not one of the defined quantities",
     "G_k = dL/dY_k"),
    (["recursion", *SEED, "--adjoint", "G_k"], "--adjoint: write", "G_k"),
    (["recursion", "Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k) + B", "--shape", "A=4,4", "--shape", "B=2,3"],
     "shape error", "Z_k = A H_{k-1} W_k"),
    (["grad", "E : Z3", "wrt", "Z1", "--let", "Z3 = A H2 W3 +", "--backprop"], "syntax error", "Z3 = A H2 W3 +"),
])
def test_bad_input_is_one_line_with_a_caret(args, message, caret_under):
    done = _cli(*args)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.rstrip("\n").split("\n")
    assert len(lines) == 3 and message in lines[0], done.stderr
    assert caret_under.strip().split("=")[-1].strip()[:3] in lines[1] or caret_under in lines[1]
    assert lines[2].strip() == "^"


def test_recursion_latex_compiles():
    from test_latex_compile import assert_compiles, find_pdflatex

    binary = find_pdflatex()
    items = [("recursion", "block", recursion(SEED, "G_k = dL/dZ_k").latex(steps=True)),
             ("backprop", "display", matcalc.grad("E : Z3", "Z1", lets=THREE_LAYERS).latex(form="backprop")),
             ("deep", "display", matcalc.grad(mlp(8), "W1").latex(compact=True))]
    assert_compiles(binary, items)
