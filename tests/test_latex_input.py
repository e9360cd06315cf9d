r"""LaTeX input (issue 11 item 5): LaTeX as papers write it gives the same
result as its text-language twin; the text language reads W_{k+1}, H^{t-1},
^⊤ and ||x||; unsupported LaTeX is a one-line error with a caret."""
from __future__ import annotations

import subprocess
import sys

import pytest

import matcalc
from matcalc.cli import main
from matcalc.errors import ParseError
from matcalc.frontend.latex import latex_to_text

# (LaTeX as in a paper, its text-language twin, wrt, shapes)
PAPERS = [
    # least squares, ridge, lasso-like norms
    (r"\frac{1}{2}\|\mathbf{X}\mathbf{w} - \mathbf{y}\|_2^2 + \frac{\lambda}{2}\|\mathbf{w}\|_2^2",
     "norm(X w - y)^2 / 2 + lambda norm(w)^2 / 2", "w", None),
    (r"\|Ax - b\|^2", "norm(A x - b)^2", "x", None),
    (r"\left\lVert \mathbf{y} - \mathbf{X}\boldsymbol{\beta} \right\rVert_2^2 + \lambda \lVert \boldsymbol{\beta} \rVert_2^2",
     "norm(y - X beta)^2 + lambda norm(beta)^2", "beta", {"beta": "n"}),
    (r"\|X\|_F^2", "norm(X)^2", "X", None),
    (r"\lVert A X B - C \rVert_{F}^{2}", "norm(A X B - C)^2", "X", None),
    (r"\frac{1}{2}\left\| \mathbf{A}\mathbf{x} - \mathbf{b} \right\|^2", "norm(A x - b)^2 / 2", "x", None),
    (r"\|W H - V\|_{\mathrm{F}}^2", "norm(W H - V)^2", "H", None),
    (r"e^{-\frac{1}{2}\|\mathbf{x} - \boldsymbol{\mu}\|^2}", "exp(-norm(x - mu)^2 / 2)", "mu", {"mu": "n"}),
    (r"\frac{1}{2}\| Y - X W \|_F^2 + \frac{\gamma}{2} \|W\|_F^2", "norm(Y - X W)^2/2 + gamma norm(W)^2 / 2", "W", None),
    (r"\sqrt{\mathbf{x}^\top \mathbf{x}}", "sqrt(x^T x)", "x", None),
    # Matrix Cookbook
    (r"\mathrm{tr}(X^\top A X)", "tr(X^T A X)", "X", None),
    (r"\operatorname{Tr}\bigl(A X^{-1} B\bigr)", "tr(A X^{-1} B)", "X", None),
    (r"\text{tr}\left[ X^\mathsf{T} X \right]", "tr(X^T X)", "X", None),
    (r"\operatorname{tr}(A X B X^{\top} C)", "tr(A X B X^T C)", "X", None),
    (r"\det(X)", "det(X)", "X", None),
    (r"\log\det(X)", "logdet(X)", "X", None),
    (r"\log \det \left( X^\top X \right)", "logdet(X^T X)", "X", None),
    (r"\mathbf{a}^{\top} X^{-\top} \mathbf{b}", "a^T X^{-T} b", "X", None),
    (r"\mathbf{a}^\top X^{-1} \mathbf{b}", "a^T inv(X) b", "X", None),
    (r"\mathbf{a}^\top X^{2} \mathbf{b}", "a^T X^2 b", "X", None),
    (r"\mathbf{b}^T X^T D X \mathbf{c}", "b^T X^T D X c", "X", None),
    (r"(X\mathbf{b} + \mathbf{c})^\top D (X\mathbf{b} + \mathbf{c})", "(X b + c)^T D (X b + c)", "X", None),
    (r"\operatorname{tr}\left( X^{\top} X \right)^{2}", "tr(X^T X)^2", "X", None),
    (r"\mathrm{Tr}(A \otimes X)", "tr(kron(A, X))", "X", {"A": "2,2"}),
    (r"\operatorname{tr}(X^{3})", "tr(X^3)", "X", None),
    (r"x^\top Ax", "x^T A x", "x", None),
    (r"\dfrac{\mathbf{x}^\top A \mathbf{x}}{\mathbf{x}^\top \mathbf{x}}", "x^T A x / (x^T x)", "x", None),
    # Gaussian log-likelihoods
    (r"-\frac{1}{2}\log\det\boldsymbol{\Sigma} - \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^{\top}"
     r"\boldsymbol{\Sigma}^{-1}(\mathbf{x}-\boldsymbol{\mu})",
     "-logdet(Sigma)/2 - (x - mu)^T Sigma^{-1} (x - mu) / 2", "Sigma", {"mu": "n"}),
    (r"-\tfrac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^{\top}\boldsymbol{\Sigma}^{-1}(\mathbf{x}-\boldsymbol{\mu})",
     "-(x - mu)^T inv(Sigma) (x - mu) / 2", "mu", {"mu": "n"}),
    (r"\frac{\nu}{2} \log\det \Lambda - \frac{1}{2} \operatorname{tr}\left( S \Lambda \right)",
     "nu logdet(Lambda) / 2 - tr(S Lambda) / 2", "Lambda", None),
    (r"\log\det\Sigma + \operatorname{tr}(\Sigma^{-1} S)", "logdet(Sigma) + tr(inv(Sigma) S)", "Sigma", None),
    (r"\left( \mathbf{x} - \boldsymbol{\mu} \right)^{\top} \boldsymbol{\Lambda} \left( \mathbf{x} - \boldsymbol{\mu} \right)",
     "(x - mu)^T Lambda (x - mu)", "Lambda", {"mu": "n"}),
    (r"x^T \Sigma^{-1} x", "x^T Sigma^{-1} x", "Sigma", None),
    (r"\exp\left(-\tfrac{1}{2}\mathbf{x}^\top \mathbf{x}\right)", "exp(-x^T x / 2)", "x", None),
    # machine-learning objectives
    (r"\mathbf{1}^\top \log\left(1 + \exp(-\mathbf{y} \odot X\mathbf{w})\right)",
     "sum(log(1 + exp(-y .* (X w))))", "w", None),
    (r"-\mathbf{y}^\top \log \sigma(X\mathbf{w})", "-y^T log(sigma(X w))", "w", None),
    (r"\bigl\| W_2 \sigma(W_1 \mathbf{x}) - \mathbf{y} \bigr\|^2", "norm(W_2 sigma(W_1 x) - y)^2", "W_1", None),
    (r"\mathbf{v}^\top \tanh(W\mathbf{x} + \mathbf{b})", "v^T tanh(W x + b)", "W", None),
    (r"\operatorname{sum}\left( \operatorname{softplus}\left( X \mathbf{w} \right) \right)",
     "sum(softplus(X w))", "w", None),
    (r"\mathbf{1}^{\top} \operatorname{relu}(W \mathbf{x})", "sum(relu(W x))", "W", None),
    (r"\langle G, \sigma(W X) \rangle", "G : sigma(W X)", "W", None),
    (r"\langle G, A \odot X \rangle", "G : (A .* X)", "X", None),
    (r"\mathbf{y}^\top \log \operatorname{sigmoid}(X\mathbf{w}) + (\mathbf{1} - \mathbf{y})^\top \log(\mathbf{1} - "
     r"\operatorname{sigmoid}(X\mathbf{w}))", "y^T log(sigmoid(X w)) + (1 - y)^T log(1 - sigmoid(X w))", "w", None),
    (r"\alpha\, \mathbf{x}^\top \mathbf{x} + \beta \; \mathbf{1}^\top \mathbf{x}", "alpha x^T x + beta sum(x)", "x", None),
    (r"\bm{W} \circ \bm{W} : A", "(W .* W) : A", "W", None),
    (r"\mathbf{x}^\top\mathbf{A}^{2}\mathbf{x}", "x^T A^2 x", "A", None),
    (r"\operatorname{logdet}(X) - \operatorname{tr}(S X)", "logdet(X) - tr(S X)", "X", None),
    (r"\operatorname{vec}(X)^\top \mathbf{v}", "vec(X)^T v", "X", None),
    (r"\mathbf{x}^\top \mathbf{I} \mathbf{x} + \mathbf{x}^\top \operatorname{diag}(\mathbf{d}) \mathbf{x}",
     "x^T I x + x^T diag(d) x", "x", None),
    (r"\mathbf{1}^\top \left( X^{\circ 2} \right) \mathbf{1}", "sum(X.^2)", "X", None),
    (r"\mathbf{u}^\top \left( A \odot B X \right) \mathbf{v}", "u^T (A .* (B X)) v", "X", None),
    # layer indices and subscripts (the seeds)
    (r"\operatorname{tr}\!\left( W_{k+1}^{\top} H^{t-1} \right)", "tr(W_{k+1}^T H^{t-1})", "W_{k+1}", None),
    (r"\mathbf{x}^{\top} W^{(l)} \mathbf{x}", "x^T W^{(l)} x", "W^{(l)}", None),
    (r"E : \left( A H_{k-1} W_{k} \right)", "E : (A H_{k-1} W_k)", "W_k", None),
    (r"\hat{\mathbf{x}}^\top A \bar{\mathbf{x}}", "x_hat^T A x_bar", "x_hat", None),
    (r"\mathbf{w}^\top X_{\mathrm{train}}^\top \mathbf{y}", "w^T X_train^T y", "w", None),
    (r"\mathbf{z}^\top W_{2} \mathbf{z}", "z^T W_2 z", "W_2", None),
]


@pytest.mark.parametrize("latex, text, wrt, shapes", PAPERS, ids=[p[1] for p in PAPERS])
def test_paper_latex_gives_the_text_twins_gradient(latex, text, wrt, shapes):
    r = matcalc.grad(latex, wrt, shapes)
    twin = matcalc.grad(text, wrt, shapes)
    assert r.expr == twin.expr, (r.text(), twin.text())
    if r"\mathbf{1}" not in latex:  # 1^T x is ones(1, n) x, sum(x) another expression of the same value
        assert matcalc.parse(latex, shapes) == matcalc.parse(text, shapes)


def test_at_least_forty_paper_inputs():
    assert len(PAPERS) >= 40


@pytest.mark.parametrize("latex, text, wrt, shapes", PAPERS[::6], ids=[p[1] for p in PAPERS[::6]])
def test_paper_latex_checks_numerically(latex, text, wrt, shapes):
    if "sigma(" in text:
        pytest.skip("a generic function")
    assert matcalc.grad(latex, wrt, shapes).check() < 1e-6


def test_syntax_latex_reads_juxtaposed_letters_as_tex_does():
    assert matcalc.parse("x^T Ax", syntax="latex") == matcalc.parse("x^T A x")
    assert matcalc.parse("Ax", syntax="text") != matcalc.parse("A x")


def test_jacobian_and_hessian_take_latex():
    j = matcalc.jacobian(r"\sigma(W\mathbf{x})", "x", syntax="latex")
    assert j.expr == matcalc.jacobian("sigma(W x)", "x").expr
    h = matcalc.hessian(r"\frac{1}{2}\mathbf{x}^\top A \mathbf{x}", "x")
    assert h.expr == matcalc.hessian("x^T A x / 2", "x").expr


def test_names_keep_their_text_spelling():
    r = matcalc.grad(r"\mathbf{x}^\top \boldsymbol{\Sigma} \mathbf{x} + \mu\, \mathbf{1}^\top \mathbf{x}",
                     "Sigma", {"x": "n"})
    assert r.text() == "x x^T"
    src = matcalc.grad(r"\mathbf{x}^\top W_{2} \mathbf{x}", "W_2").numpy_source()
    assert "def gradient(W_2, x)" in src


@pytest.mark.parametrize("latex, text", [
    (r"x^{\top}", "x^T"), (r"x^\top", "x^T"), (r"x^\mathsf{T}", "x^T"), (r"x^T", "x^T"), (r"x^{T}", "x^T"),
    (r"x^\intercal", "x^T"), (r"X^{-1}", "X^{-1}"), (r"X^{-\top}", "X^{-T}"), (r"X^{-\mathsf{T}}", "X^{-T}"),
    (r"\mathbf{1}_{n}", "ones(n)"), (r"\mathbf{1}_{m \times n}", "ones(m, n)"), (r"I_{n} \otimes A", "(I_n) ⊗ (A)"),
    (r"\frac12 x", "((1) / (2)) x"), (r"\sigma(\mathbf{z})", "sigma(z)"), (r"\sigma \left( z \right)", "sigma (z)"),
    (r"\log\det\Sigma", "logdet(Sigma)"), (r"\det X^{-1}", "det(X^{-1})"), (r"\operatorname{sigmoid}'(z)", "sigmoid'(z)"),
    (r"\hat{\mu}", "mu_hat"), (r"\mathrm{xhat}", "xhat"), (r"W^{(l)}", "W^{(l)}"), (r"H^{t - 1}", "H^{t-1}"),
    (r"W_{k+1}", "W_{k+1}"), (r"W_{2}", "W_2"), (r"\Sigma_{\mathrm{inv}}", "Sigma_inv"), (r"x^{*}", "x^{*}"),
    (r"K_{m,n}", "K_{m,n}"), (r"\operatorname{unvec}_{m,n}\left( v \right)", "unvec(v , m, n)"),
    (r"A \,\cdot\, B", "A * B"), (r"x^\top A x.", "x^T A x"), (r"X^{\circ 2}", "X.^{2}"),
])
def test_spellings(latex, text):
    assert latex_to_text(latex) == text


def test_text_language_reads_braced_subscripts_superscript_indices_top_and_bars():
    assert matcalc.parse("W_{2}") == matcalc.parse("W_2")
    assert matcalc.parse("W_{k + 1}").name == "W_{k+1}"
    assert matcalc.parse("H^{ t-1 }").name == "H^{t-1}"
    assert matcalc.parse("x^⊤ A x") == matcalc.parse("x^T A x")
    assert matcalc.parse("X^{-⊤}") == matcalc.parse("X^{-T}")
    assert matcalc.parse("||X w - y||^2") == matcalc.parse("norm(X w - y)^2")
    assert matcalc.parse("||a|| ||b||") == matcalc.parse("norm(a) norm(b)")
    assert matcalc.parse("lambda_{k+1} x").shape[1] == 1  # Greek with a braced subscript: a scalar
    assert matcalc.parse("X^{T}") == matcalc.parse("X^T") and matcalc.parse("X^{2} + X^{-1}") is not None


def test_braced_names_print_back():
    from matcalc.printing.latex import to_latex
    from matcalc.printing.text import to_text

    e = matcalc.parse("x^T W_2^{(l)} W_{k+1} H^{t-1}^T y")
    assert to_latex(e) == r"x^{\top} {W_{2}^{(l)}} W_{k+1} {H^{t-1}}^{\top} y"
    assert matcalc.parse(to_latex(e)) == e and matcalc.parse(to_text(e)) == e


def test_braced_names_in_numpy_code_are_identifiers():
    r = matcalc.grad("tr(W_{k+1}^T H^{t-1})", "W_{k+1}")
    ns: dict = {}
    exec(r.numpy_source(), ns)
    import numpy as np

    H = np.arange(6.0).reshape(2, 3)
    assert np.allclose(ns["gradient"](H, np.zeros((2, 3))), H)


@pytest.mark.parametrize("latex, message, column", [
    (r"x^\top \mathcal{A} x", r"LaTeX \mathcal is not supported", 7),
    (r"\foo x", r"unknown LaTeX command \foo", 0),
    (r"\sum_i x_i", r"LaTeX \sum is not supported", 0),
    (r"\mathrm{tr}(X^\top Y", "'(' is not closed", 11),
    (r"\frac{1}{2} x^\top x = y", "an equation", 21),
    (r"|X|", "|...| is not supported", 0),
    (r"\|X\|_1", r"the norm \|.\|_{1} is not supported", 5),
    (r"\max(x)", r"LaTeX \max is not supported", 0),
    (r"\sqrt[3]{x}", "a root other than the square root", 5),
    (r"\left(x + y\right)^{t}", "as an index it must follow a name", 18),
    (r"\left( x \right", "expected a closing parenthesis", 15),
    (r"\sigma(\cdot)", r"a placeholder such as \sigma(\cdot)", 7),
    (r"\|X\|_{\infty}", r"the norm \|.\|_{\infty} is not supported", 5),
    (r"x^\top + \sigma(", "unexpected end of input", 15),
])
def test_unsupported_latex_is_one_line_with_a_caret(latex, message, column):
    with pytest.raises(ParseError) as info:
        matcalc.parse(latex, syntax="latex")
    e = info.value
    assert message in e.message and "\n" not in e.message
    assert e.source == latex and e.column == column, (e.column, e.render())


def test_spectral_norm_of_a_matrix_is_an_error_not_the_frobenius_norm():
    assert matcalc.grad(r"\|\mathbf{x}\|_2", "x").text() == "x / norm(x)"
    with pytest.raises(matcalc.ShapeError) as info:
        matcalc.grad(r"\|X\|_2", "X")
    assert "spectral norm" in info.value.message and info.value.column == 0


def test_shape_errors_point_into_the_latex():
    with pytest.raises(matcalc.ShapeError) as info:
        matcalc.grad(r"\mathbf{x}^\top A + \mathbf{y}", "x")
    e = info.value
    assert e.source == r"\mathbf{x}^\top A + \mathbf{y}" and e.source[e.column] == "+"
    assert r"\mathbf{x}^\top A" in e.message


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True, text=True)


def test_cli_reads_latex_automatically_and_with_input_latex(capsys):
    assert main([r"grad", r"\frac{1}{2}\|X\mathbf{w} - \mathbf{y}\|^2", "wrt", "w"]) == 0
    assert capsys.readouterr().out.strip() == "X^T (X w - y)"
    assert main(["grad", "x^T Ax", "wrt", "x", "--input", "latex"]) == 0
    assert capsys.readouterr().out.strip() == "(A + A^T) x"
    assert main(["grad", "x^T Ax", "wrt", "x"]) == 2  # text: Ax is one name, a matrix
    capsys.readouterr()
    assert main(["grad", r"x^\top A x", "wrt", "x", "--input", "text"]) == 2
    assert "unexpected character" in capsys.readouterr().err


def test_cli_latex_error_exit_2_with_caret():
    p = _cli("grad", r"\mathbf{x}^\top \mathcal{A} \mathbf{x}", "wrt", "x")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.splitlines()
    assert lines[0] == r"matcalc: syntax error: LaTeX \mathcal is not supported: a calligraphic name"
    assert lines[1] == r"  \mathbf{x}^\top \mathcal{A} \mathbf{x}"
    assert lines[2] == "  " + " " * 16 + "^"


def test_cli_latex_output_reads_back(capsys):
    assert main(["grad", r"\log\det(X) + \operatorname{tr}(A X^{-1})", "wrt", "X", "--format", "latex"]) == 0
    out = capsys.readouterr().out.strip()
    assert matcalc.parse(out, {"X": "n,n", "A": "n,n"}) == matcalc.grad("logdet(X) + tr(A inv(X))", "X").expr


def test_wrt_and_shapes_take_either_spelling():
    r = matcalc.grad(r"\mathbf{x}^\top W_{2} \mathbf{x}", "W_{2}", {r"\mathbf{x}": "3"})
    assert r.text() == "x x^T" and r.x.name == "W_2" and r.x.shape == (3, 3)
    assert matcalc.grad(r"\mathbf{x}^\top \boldsymbol{\Sigma} \mathbf{x}", r"\boldsymbol{\Sigma}").x.name == "Sigma"


def test_deep_or_long_latex_is_refused_cleanly():
    with pytest.raises(ParseError) as info:
        matcalc.parse(r"\left(" * 2000 + "x" + r"\right)" * 2000)
    assert "nested more than" in info.value.message
    with pytest.raises(ParseError):
        matcalc.parse("\\," * 60000)
