"""LaTeX that a paper can take as it is (issue 12, item 6), checked as
properties over the textbook table (tests/textbook_table.py), Jacobians and
Hessians, and the issue's examples:

  - sizes are products by juxtaposition: I_{m n} (set as I_{mn}), never I_{m*n};
  - no visible gap after a function name: \\tanh(W x), or \\!\\left( when the
    parenthesis stretches around a fraction;
  - parentheses are plain unless they enclose a fraction;
  - a \\frac numerator is never one parenthesis as a whole;
  - a Jacobian or Hessian is one aligned block for one display;
  - --steps --format latex ends with the left side stated;
  - a helper name (t1, t_{1}) appears in LaTeX exactly when it does in text.
(That all of it compiles is tests/test_latex_compile.py.)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcalc  # noqa: E402
from matcalc.cli import render  # noqa: E402
from textbook_table import TABLE  # noqa: E402

EXTRA = [  # (expr, wrt, shapes)
    ("sum(kron(X, X))", "X", {}),
    ("x^T kron(A, B) y", "A", {"A": "2,3", "B": "5,4", "x": "10", "y": "12"}),
    ("sum(sigmoid(x / (1 + x^T x)))", "x", {}),
    ("(x^T A x + b^T x) / 2", "x", {}),
    ("sum(tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))))", "W1", {}),
    ("sum(sigmoid(W x) ./ (1 + x^T x))", "W", {}),
    ("sum(exp(X / (alpha + beta)))", "X", {}),
    ("log(1 + x^T x) + sqrt(x^T A x)", "x", {}),
]


def _results():
    for row in TABLE:
        yield row.id, matcalc.grad(row.expr, row.wrt, shapes=row.shapes or None, lets=list(row.lets) or None)
    for expr, wrt, shapes in EXTRA:
        yield f"{expr} wrt {wrt}", matcalc.grad(expr, wrt, shapes=shapes or None)


RESULTS = list(_results())


def _group(tex: str, i: int) -> int:
    """The index just past the brace group that opens at tex[i] == '{'."""
    depth = 0
    for j in range(i, len(tex)):
        depth += tex[j] == "{"
        depth -= tex[j] == "}"
        if depth == 0:
            return j + 1
    raise AssertionError(f"unbalanced braces in {tex}")


def numerators(tex: str):
    for m in re.finditer(r"\\frac\{", tex):
        start = m.end() - 1
        yield tex[start + 1:_group(tex, start) - 1]


def wrapped_whole(text: str) -> bool:
    """Whether text is one parenthesis from its first character to its last."""
    for opening, closing in (("\\left( ", " \\right)"), ("(", ")")):
        if text.startswith(opening) and text.endswith(closing):
            depth = 0
            for k, ch in enumerate(text):
                depth += ch == "("
                depth -= ch == ")"
                if depth == 0:
                    return k == len(text) - 1
    return False


def forms(r):
    yield r.latex()
    yield r.latex(compact=True)
    yield r.equation(latex=True)


NAMED_CALL = re.compile(r"(\\operatorname\{[^}]*\}|\\[A-Za-z]+|\b[A-Za-z])'*\\left\(")


@pytest.mark.parametrize("label,r", RESULTS, ids=[label for label, _ in RESULTS])
def test_latex_polish(label, r):
    for tex in forms(r):
        assert "*" not in tex, tex  # I_{mn}, not I_{m*n}
        assert not NAMED_CALL.search(tex), tex  # \operatorname{f}\!\left( or f(...), never a gap
        for m in re.finditer(r"\\left\( ", tex):  # a stretched parenthesis holds a fraction
            inner = tex[m.end():]
            assert "\\frac" in inner.split("\\right)")[0] or "\\left" in inner.split("\\right)")[0], tex
        for num in numerators(tex):
            assert not wrapped_whole(num), (num, tex)


@pytest.mark.parametrize("label,r", RESULTS, ids=[label for label, _ in RESULTS])
def test_helper_names_follow_one_rule(label, r):
    """t1 appears in the LaTeX exactly when it does in the text, for the same subexpressions."""
    text, tex = r.text(compact=True), r.latex(compact=True)
    assert ("\nwhere " in text) == ("\\text{where }" in tex)
    assert text.count(" = ") == tex.count(" = ")
    if "\nwhere " in text:
        assert len(r.text()) > r.COMPACT_ABOVE


def test_issue_examples():
    # sum(kron(X, X)) wrt X is 2 sum(X) ones(n, m) now (issue 12, item 4); its old form's sizes:
    from matcalc.printing.latex import to_latex

    tex = to_latex(matcalc.parse("kron(I_{m*n}, vec(X)^T) ones(m*m*n*n)", {"X": "m,n"}))
    assert "I_{m n}" in tex and "\\mathbf{1}_{m^{2} n^{2}}" in tex, tex  # set as I_{mn}, read back as m*n
    assert matcalc.grad("y^T sigmoid(W x)", "W").latex() == r"(y \odot \operatorname{sigmoid}'(W x)) x^{\top}"
    assert matcalc.grad("(x^T A x + b^T x) / 2", "x").latex() == r"\frac{(A + A^{\top}) x + b}{2}"
    tex = matcalc.grad("sum(sigmoid(x / (1 + x^T x)))", "x").latex()
    assert r"\operatorname{sigmoid}'\!\left( \frac{x}{1 + x^{\top} x} \right)" in tex, tex


def test_dimension_products():
    from matcalc.dims import DimProd
    from matcalc.printing.latex import LatexPrinter

    p = LatexPrinter()
    assert p.dim(DimProd(("m", "n"))) == "m n"
    assert p.dim(DimProd(("m", "m", "n"))) == "m^{2} n"
    assert p.dim(DimProd((2, "n"))) == "2 n"
    assert p.dim(DimProd(("alpha", "n"))) == r"\alpha n"
    assert p.dim(DimProd(("n_1", "n_1"))) == "{n_{1}}^{2}"


@pytest.mark.parametrize("kind,expr,wrt", [
    ("jacobian", "A X B", "X"), ("jacobian", "sigma(W x)", "x"), ("hessian", "x^T A x", "x"),
    ("hessian", "logdet(X)", "X"), ("hessian", "alpha^3", "alpha")])
def test_jacobian_and_hessian_are_one_block(kind, expr, wrt):
    r = getattr(matcalc, kind)(expr, wrt)
    for equation in (False, True):
        out = render(r, "latex", equation)
        lines = out.splitlines()
        assert lines[0] == r"\begin{aligned}" and lines[-1] == r"\end{aligned}", out
        assert lines[1].startswith(r"\mathrm{d}") and lines[1].endswith(r" \\") and " &= " in lines[1]
        assert lines[2].startswith(r"\frac{\partial") and " &= " in lines[2]
    assert render(r, "text", False).count("\n") == 1  # text: two lines as before


@pytest.mark.parametrize("layout,left", [("denominator", r"\frac{\partial f}{\partial X}"),
                                         ("numerator", r"\frac{\partial f}{\partial X^{\top}}")])
def test_steps_latex_ends_with_the_left_side(layout, left):
    r = matcalc.grad("tr(A X B)", "X", layout=layout)
    for equation in (False, True):
        out = render(r, "latex", equation, steps=True)
        lines = out.splitlines()
        assert lines[0] == r"\begin{align*}" and lines[-1] == r"\end{align*}"
        assert lines[-2] == f"{left} &= {r.latex()}", out
        assert lines[-3].endswith(r" \\")
    text = render(r, "text", False, steps=True)
    assert text.splitlines()[-1] == r.equation()
