"""Rich display in Jupyter: a Result shows its equation (left side included)
and a parsed expression shows itself, as LaTeX with a plain-text fallback.

Jupyter asks an object for ``_repr_mimebundle_``; ``Result`` and the
expression base class ``Expr`` forward that call here, importing this module
only when a notebook first displays something (so that neither
``matcalc.expr`` nor ``import matcalc`` loads a printer).  A display never
raises: if the LaTeX printer fails, the plain text is shown alone.

``steps(result)`` shows a gradient's derivation as an aligned chain of
equalities, each line with the rule that produced it.
"""
from __future__ import annotations

from .errors import MatcalcError
from .expr import Expr


def display_math(latex: str) -> str:
    """LaTeX for the text/latex output: displayed maths, as SymPy emits it
    (MathJax in Jupyter and KaTeX in VS Code both render it)."""
    return r"$\displaystyle " + latex + "$"


class Math:
    """LaTeX with its plain-text equivalent; shown as mathematics in Jupyter."""

    def __init__(self, latex: str, text: str):
        self.latex = latex
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text, "text/latex": display_math(self.latex)}

    def _repr_latex_(self):
        return display_math(self.latex)

    def __repr__(self):
        return self.text


def _bundle(text, latex) -> dict:
    plain = text()
    try:
        return {"text/plain": plain, "text/latex": display_math(latex())}
    except (MatcalcError, RecursionError):  # show the text rather than nothing
        return {"text/plain": plain}


def result_bundle(result) -> dict:
    """A Result: its equation, ∂f/∂X = G (the left side states the layout)."""
    return _bundle(result.equation, lambda: result.equation(latex=True))


def expr_bundle(expr) -> dict:
    """A parsed expression: itself in LaTeX; the text is matcalc's own syntax."""
    from .printing.latex import to_latex
    from .printing.text import to_text

    def text():
        try:
            return to_text(expr)
        except Exception:  # noqa: BLE001 - a display must not fail
            return repr(expr)

    return _bundle(text, lambda: to_latex(expr))


def steps(result) -> Math:
    """A gradient's derivation for display: df = ... = G : dX, one rule per line."""
    latex = result.steps_text(latex=True)
    # align* is an environment of its own: inside $...$ (what Jupyter front ends
    # hand to MathJax or KaTeX) the equivalent is aligned
    latex = latex.replace(r"\begin{align*}", r"\begin{aligned}").replace(r"\end{align*}", r"\end{aligned}")
    return Math(latex, result.steps_text())


Expr.display = expr_bundle  # parsed expressions render through this module (see Expr.display)
