r"""LaTeX input: LaTeX source as written in papers -> matcalc's text language.

The translation keeps, for every character of the text it writes, the
position of the LaTeX it came from, so a syntax or shape error points its
caret at the user's LaTeX.  ``parse_latex`` translates, parses the text with
the ordinary grammar and moves every span of the syntax tree back onto the
LaTeX, so the rest of the pipeline (shapes, errors, hints) reads the LaTeX as
its source.

What is read (see docs/language.md, "LaTeX input"):

- names: single letters (``Ax`` is ``A x``, as TeX sets it), Greek macros
  (``\Sigma`` is ``Sigma``, ``\lambda`` is ``lambda``), fonts that do not
  change the name (``\mathbf{x}``, ``\boldsymbol{\Sigma}``, ``\bm{W}``,
  ``\textbf{A}``, ``\mathrm{xhat}`` for a word), accents (``\hat{x}`` is
  ``x_hat``), subscripts (``W_1``, ``W_{2}`` is ``W_2``, ``X_{\mathrm{train}}``
  is ``X_train``, ``W_{k+1}`` stays ``W_{k+1}``) and superscript indices
  (``H^{t-1}``, ``W^{(l)}``: any superscript that is not a transpose, a number
  or an inverse becomes part of the name);
- operators ``+ - : \cdot \times \odot \circ \oslash \otimes``, ``\frac``
  (``\tfrac \dfrac``), ``\sqrt``, ``^{\top}`` and its spellings, ``^{-1}``,
  ``^{-\top}``, ``^{\circ 2}``, ``\langle A, B \rangle``;
- delimiters ``( ) [ ] { }`` with ``\left \right \bigl \bigr ...``, norms
  ``\|x\|``, ``\lVert x \rVert``, ``\|x\|_2``, ``\|X\|_F``;
- functions ``\operatorname{tr}``, ``\mathrm{Tr}``, ``\text{tr}``, ``\det``,
  ``\log\det``, ``\log``, ``\exp``, ... with or without parentheses
  (``\log\det\Sigma``), ``\sigma(\cdot)``-style generic functions, and
  ``\mathbf{1}`` (the ones vector) and ``\mathbf{I}`` (the identity).

The package, one job per module: vocabulary.py (the macros read), tokens.py (tokenizer,
segments, names), translator.py (the expression), commands.py (macros, fonts, functions),
scripts.py (sub- and superscripts), mapping.py (the text, its map onto the LaTeX, the tree's spans).
"""
from .mapping import canonical_name, latex_to_text, norm_bars, parse_latex, parse_mapped, to_text
from .tokens import Name, Seg, Tok, tokenize
from .translator import Translator

__all__ = ["canonical_name", "latex_to_text", "norm_bars", "parse_latex", "parse_mapped", "to_text",
           "Name", "Seg", "Tok", "tokenize", "Translator"]
