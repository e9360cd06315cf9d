"""A derivation as a chain of equalities, one line per rule the engine applied:

    df = tr(G^T A (sigma'(Z) .* dZ) W)        differential: element-wise chain rule ...
       = I : (G^T A (sigma'(Z) .* dZ) W)      trace: c tr(E) = (c I) : E
       = (A^T G W^T) : (sigma'(Z) .* dZ)      move factors across: ...
       = ((A^T G W^T) .* sigma'(Z)) : dZ      Hadamard: C : (A .* E) = (C .* A) : E

Each line is the list of pairs C : E the peeling loop held after the rule.
"""
from __future__ import annotations

from ..expr import Num
from .base import PREC_POW
from .latex import LatexPrinter
from .text import TextPrinter


def pairs_text(pairs, printer) -> str:
    """C1 : E1 + C2 : E2 + ...; a pair 1 : E is E."""
    text = ""
    for C, E in pairs:
        if isinstance(C, Num) and C.value == 1:
            term = printer.wrap(E, 11) if len(pairs) > 1 else printer.p(E)[0]
        else:
            term = f"{printer.wrap(C, PREC_POW)} : {printer.wrap(E, PREC_POW)}"
        if not text:
            text = term
        elif term.startswith("-"):
            text += " - " + term[1:]
        else:
            text += " + " + term
    return text or "0"


def step_rows(gradient, latex: bool = False):
    """[(right-hand side, rule, identity)] for each step."""
    printer = LatexPrinter() if latex else TextPrinter()
    rows = []
    for s in gradient.steps:
        rhs = pairs_text(s.pairs, printer)
        if rows and rows[-1][0] == rhs:  # a rule that changes nothing visible
            rows[-1] = (rhs, rows[-1][1] + "; " + s.rule, rows[-1][2])
            continue
        rows.append((rhs, s.rule, s.identity))
    return rows


def steps_text(gradient) -> str:
    rows = step_rows(gradient)
    width = min(max(len(r[0]) for r in rows), 70)
    lines = []
    for k, (rhs, rule, identity) in enumerate(rows):
        head = "df = " if k == 0 else "   = "
        note = rule + (f": {identity}" if identity else "")
        lines.append(f"{head}{rhs.ljust(width)}    [{note}]")
    return "\n".join(lines)


def latex_text(s: str) -> str:
    """Plain words safe inside \\text{...}."""
    table = {"\\": r"\textbackslash{}", "^": r"\^{}", "_": r"\_", "{": r"\{", "}": r"\}", "%": r"\%",
             "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\~{}"}
    return "".join(table.get(ch, ch) for ch in s)


def steps_latex(gradient) -> str:
    """An align* environment, one &= per step, the rule as a \\text annotation."""
    rows = step_rows(gradient, latex=True)
    lines = [r"\begin{align*}"]
    for k, (rhs, rule, _identity) in enumerate(rows):
        head = r"\mathrm{d}f &= " if k == 0 else "&= "
        end = r" \\" if k < len(rows) - 1 else ""
        lines.append(f"{head}{rhs} && \\text{{{latex_text(rule)}}}{end}")
    lines.append(r"\end{align*}")
    return "\n".join(lines)


def steps_data(gradient) -> list:
    """The steps as data: dicts with the text, LaTeX, rule and identity."""
    text_rows = step_rows(gradient)
    latex_rows = step_rows(gradient, latex=True)
    return [{"expression": t[0], "latex": l[0], "rule": t[1], "identity": t[2]}
            for t, l in zip(text_rows, latex_rows)]
