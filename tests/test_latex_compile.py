"""The LaTeX matcalc prints compiles: results, equations, differentials, index
forms and --steps align* blocks of many gradients, Jacobians and Hessians go
through a real pdflatex (Debian's texlive) with only amsmath and amssymb.

All formulas of a test go into one document (one pdflatex run); when it fails,
each formula is compiled alone so that the failure names the bad ones.

Without pdflatex the tests are skipped, unless MATCALC_REQUIRE_PDFLATEX=1
(CI installs it with .ci/install-latex), in which case they fail.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import matcalc
from matcalc.cli import render
from matcalc.errors import UnsupportedError


PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\begin{document}
"""


def find_pdflatex(environ=os.environ, which=shutil.which) -> str:
    """pdflatex's path; skip without it, fail without it under MATCALC_REQUIRE_PDFLATEX=1."""
    found = which("pdflatex")
    if found is None:
        if environ.get("MATCALC_REQUIRE_PDFLATEX") == "1":
            pytest.fail("MATCALC_REQUIRE_PDFLATEX=1 but pdflatex is not installed (run .ci/install-latex)")
        pytest.skip("pdflatex is not installed (Debian: bash .ci/install-latex)")
    return found


@pytest.fixture(scope="module")
def pdflatex():
    return find_pdflatex()


def test_missing_pdflatex_skips_unless_required():
    def none(name):
        return None

    with pytest.raises(pytest.skip.Exception):
        find_pdflatex({}, none)
    with pytest.raises(pytest.skip.Exception):
        find_pdflatex({"MATCALC_REQUIRE_PDFLATEX": "0"}, none)
    with pytest.raises(pytest.fail.Exception, match="MATCALC_REQUIRE_PDFLATEX"):
        find_pdflatex({"MATCALC_REQUIRE_PDFLATEX": "1"}, none)
    assert find_pdflatex({"MATCALC_REQUIRE_PDFLATEX": "1"}, lambda name: "/x/" + name) == "/x/pdflatex"


# --- compiling ---------------------------------------------------------------------------


def body(kind: str, tex: str) -> str:
    """A formula as document text: inline $...$, display \\[...\\], or a block
    (an align* environment, or CLI output) as it is."""
    if kind == "inline":
        return f"${tex}$"
    if kind == "display":
        return f"\\[ {tex} \\]"
    return tex


def document(items) -> str:
    parts = [PREAMBLE]
    for label, kind, tex in items:
        parts.append(f"% {label}\n\\noindent {body(kind, tex)}\n\\par\n")
    parts.append("\\end{document}\n")
    return "".join(parts)


def pdflatex_errors(binary: str, source: str) -> str:
    """'' if the document compiles cleanly, else the log's error lines.  Missing
    characters (a glyph the font lacks, only a warning to TeX) count as errors."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "doc.tex").write_text(source, encoding="utf-8")
        done = subprocess.run([binary, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                               "doc.tex"], cwd=tmp, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        log = Path(tmp, "doc.log").read_text(encoding="latin-1") if Path(tmp, "doc.log").exists() else ""
        bad = [line for line in log.splitlines() if line.startswith("!") or "Missing character" in line]
        if done.returncode != 0 or bad or not Path(tmp, "doc.pdf").exists():
            context = re.findall(r"^!.*(?:\n.*){0,3}", log, flags=re.M)
            return "\n".join(context or bad or [done.stdout.decode("latin-1")[-2000:]])
    return ""


def failing(binary, items):
    """[(item, errors)] for the items that do not compile, by bisection: one
    run for a good list, about log2(n) runs per bad formula."""
    errors = pdflatex_errors(binary, document(items))
    if not errors:
        return []
    if len(items) == 1:
        return [(items[0], errors)]
    half = len(items) // 2
    found = failing(binary, items[:half]) + failing(binary, items[half:])
    return found or [(("(the formulas together)", "block", ""), errors)]


def assert_compiles(binary, items):
    assert items
    bad = failing(binary, items)
    if bad:
        report = "\n\n".join(f"{label}:\n    {tex}\n  {errors}" for (label, _, tex), errors in bad)
        pytest.fail(f"{len(bad)} of {len(items)} formulas do not compile:\n\n{report}")


# --- the formulas ------------------------------------------------------------------------

GRADIENTS = [
    ("w^T L M N x", "M", {}),
    ("x^T A x", "x", {}),
    ("tr(A X^T B X C)", "X", {"shapes": {"A": "p,p", "X": "n,p"}}),
    ("logdet(X) + (x - m)^T X^{-1} (x - m)", "X", {}),
    ("-1/2 logdet(S) - 1/2 (x - mu)^T inv(S) (x - mu)", "S", {"shapes": {"mu": "n"}}),
    ("det(X^T X)", "X", {}),
    ("x^T X^{-2} x", "X", {}),
    ("tr(X^3)", "X", {}),
    ("sum(log(1 + exp(-y .* (X w))))", "w", {}),
    ("norm(X w - y)^2 + lambda norm(w)^2", "w", {}),
    ("norm(X)", "X", {}),
    ("sum(X ./ Y)", "Y", {}),
    ("sum(sqrt(X))", "X", {}),
    ("sum(X .^ 3)", "X", {}),
    ("sum(A .* X .* X)", "X", {}),
    ("tr(diag(x) A)", "x", {}),
    ("y^T tanh(W x + b)", "W", {}),
    ("sum(relu(X) + softplus(X) + abs(X) + sin(X) + cos(X))", "X", {}),
    ("1/(1 + x^T x)", "x", {}),
    ("(a^T x)^(3/2)", "x", {"shapes": {"a": "n"}}),
    ("alpha_2 x^T x + beta_k sum(x)", "x", {}),
    ("W_out : H_1", "H_1", {}),
    ("G : (A X B)", "X", {}),
    ("G : (A B)", "A", {}),
    ("G : (A B)", "B", {}),
    ("G : (A sigma(Z) W)", "Z", {}),
    ("G : (A σ(Z) W)", "Z", {}),
    ("f(X) : f(X)", "X", {}),
    ("G : act(X W)", "W", {"functions": ["act"]}),
    ("G : phi(X W)", "W", {"functions": ["phi"]}),
    ("r^T r", "x", {"lets": ["r = A x - b"]}),
    ("G2 : Z2", "Z1", {"lets": ["Z2 = A H1 W2", "H1 = sigma(Z1)"]}),
    ("G_k : Z_k", "Z_j", {"lets": ["Z_k = A H_j W_k", "H_j = sigma(Z_j)"]}),
    ("x^T A x", "x", {"layout": "numerator"}),
    ("x^T Sigma x + Gamma : (x x^T)", "x", {}),
    ("σ x^T Σ x + é^T x + tr(Α) x^T Ω x", "x", {}),
    ("x_hat^T X_train w + x_1_2^T w", "w", {}),
]

JACOBIANS = [
    ("A X B", "X", {}),
    ("X^T", "X", {}),
    ("A X", "X", {}),
    ("X A X", "X", {}),
    ("X^{-1}", "X", {}),
    ("sigma(W x)", "x", {}),
    ("exp(X) .* A", "X", {}),
    ("x x^T", "x", {}),
    ("vec(X)", "X", {}),
    ("A x", "x", {"layout": "denominator"}),
    ("A H_1 W_2", "H_1", {}),
]

HESSIANS = [
    ("x^T A x", "x", {}),
    ("logdet(X)", "X", {}),
    ("tr(X^T A X)", "X", {}),
    ("alpha^3", "alpha", {}),
    ("sum(exp(X w))", "w", {}),
    ("norm(x)^4", "x", {}),
]


def _label(kind, expr, wrt, opts):
    extra = "".join(f" --let '{x}'" for x in opts.get("lets", ()))
    return f"{kind} '{expr}' wrt {wrt}{extra}"


def _results():
    for kind, table in (("grad", GRADIENTS), ("jacobian", JACOBIANS), ("hessian", HESSIANS)):
        for expr, wrt, opts in table:
            fn = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}[kind]
            yield _label(kind, expr, wrt, opts), fn(expr, wrt, **opts)


def _formulas(r, label):
    """Every LaTeX form of one result: (label, kind, tex)."""
    from matcalc.printing.equations import differential_equation

    yield f"{label}: latex", "inline", r.latex()
    yield f"{label}: latex", "display", r.latex()
    yield f"{label}: equation", "display", r.equation(latex=True)
    yield f"{label}: differential", "display", differential_equation(r, latex=True)
    try:
        yield f"{label}: index-latex", "display", r.index(latex=True)
    except UnsupportedError:
        pass


def test_results_equations_and_index_forms_compile(pdflatex):
    items = [item for label, r in _results() for item in _formulas(r, label)]
    assert len(items) > 150
    assert_compiles(pdflatex, items)


def test_steps_align_blocks_compile(pdflatex):
    items = []
    for label, r in _results():
        if r.kind == "gradient":
            items.append((f"{label}: steps", "block", r.steps_text(latex=True)))
    assert_compiles(pdflatex, items)


def test_cli_latex_output_compiles_as_printed(pdflatex):
    """What `--format latex` (with --steps, --equation) prints: inline for a
    one-line result, as it is for --steps; index-latex in display math."""
    items = []
    for label, r in _results():
        for equation in (False, True):
            flags = " --equation" if equation else ""
            out = render(r, "latex", equation)
            if r.kind != "gradient":  # the differential and the result: one aligned block for one display
                assert out.startswith("\\begin{aligned}") and out.endswith("\\end{aligned}"), out
            items.append((f"{label} --format latex{flags}", "display", out))
            if r.kind == "gradient":
                items.append((f"{label} --steps --format latex{flags}", "block",
                              render(r, "latex", equation, steps=True)))
        try:
            items.append((f"{label} --format index-latex", "display", render(r, "index-latex", False)))
        except UnsupportedError:
            pass
    assert_compiles(pdflatex, items)


def test_latex_is_ascii():
    """pdflatex reads UTF-8, but a math font has no σ or ∂: LaTeX output is ASCII."""
    for label, r in _results():
        for _, _, tex in _formulas(r, label):
            assert tex.isascii(), (label, tex)
        if r.kind == "gradient":
            assert r.steps_text(latex=True).isascii(), label


def test_a_bad_formula_is_named(pdflatex):
    """The harness itself: a broken formula among good ones is reported by name."""
    items = [("good", "inline", "x^{\\top} A"), ("broken one", "display", "\\frac{a}{"),
             ("also good", "display", "A \\odot B")]
    with pytest.raises(pytest.fail.Exception, match="(?s)1 of 3 formulas.*broken one"):
        assert_compiles(pdflatex, items)


def test_gallery_latex_compiles(pdflatex):
    """The LaTeX blocks of docs/gallery.md, as printed (display math per line
    outside an align* block)."""
    from matcalc import gallery

    items = []
    for c in gallery.commands():
        if c.latex:
            out = gallery.run(c)  # an align* block (--steps) as it is, anything else in one display
            kind = "block" if out.startswith("\\begin{align*}") else "display"
            items.append((gallery.command_line(c), kind, out))
    assert len(items) >= 4
    assert_compiles(pdflatex, items)


def test_textbook_table_and_polish_examples_compile(pdflatex):
    """Every row of the textbook table (tests/textbook_table.py) and the LaTeX
    polish examples: the result, its compact form, its equation, and its
    --steps block that ends with the equation, as the CLI prints them."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_latex_polish import RESULTS

    items = []
    for label, r in RESULTS:
        items.append((f"{label}: latex", "inline", r.latex()))
        items.append((f"{label}: latex compact", "display", render(r, "latex", False)))
        items.append((f"{label}: equation", "display", render(r, "latex", True)))
        items.append((f"{label}: steps", "block", render(r, "latex", False, steps=True)))
    assert len(items) > 400
    assert_compiles(pdflatex, items)
