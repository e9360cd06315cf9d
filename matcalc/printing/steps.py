"""A derivation as a chain of equalities, one line per rule the engine applied:

    df = tr(G^T A (sigma'(Z) .* dZ) W)        differential: element-wise chain rule ...
       = I : (G^T A (sigma'(Z) .* dZ) W)      trace: c tr(E) = (c I) : E
       = (A^T G W^T) : (sigma'(Z) .* dZ)      move factors across: ...
       = ((A^T G W^T) .* sigma'(Z)) : dZ      Hadamard: C : (A .* E) = (C .* A) : E

Each line is the list of pairs C : E the peeling loop held after the rule.
"""
from __future__ import annotations

from ..build import frob
from ..expr import Num
from .base import PREC_ADD, PREC_POW
from .latex import LatexPrinter
from .text import TextPrinter


def pairs_text(pairs, printer) -> str:
    """C1 : E1 + C2 : E2 + ...; a pair 1 : E is E, and a pair of scalars
    c : e is their product c e (the Frobenius product of 1 x 1 matrices)."""
    text = ""
    for C, E in pairs:
        if C.shape == (1, 1):
            product = E if isinstance(C, Num) and C.value == 1 else frob(C, E)
            term = printer.wrap(product, PREC_ADD + 1) if len(pairs) > 1 else printer.p(product)[0]
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
    """[(right-hand side, rule, identity, parts)] for each step, where parts is
    [(rule, identity), ...]: a rule that changes nothing visible (in the text
    form, so that text and LaTeX have the same rows) joins the row before it,
    keeping its own identity."""
    text, printer = TextPrinter(), (LatexPrinter() if latex else None)
    rows, keys = [], []
    for s in gradient.steps:
        key = pairs_text(s.pairs, text)
        rhs = pairs_text(s.pairs, printer) if printer else key
        if keys and keys[-1] == key:
            prev = rows[-1]
            parts = prev[3] + [(s.rule, s.identity)]
            rows[-1] = (rhs, prev[1] + "; " + s.rule, "; ".join(i for _, i in parts if i), parts)
            continue
        keys.append(key)
        rows.append((rhs, s.rule, s.identity, [(s.rule, s.identity)]))
    return rows


def note(parts) -> str:
    """'rule: identity', several joined by ', then '."""
    return ", then ".join(f"{rule}: {identity}" if identity else rule for rule, identity in parts)


def steps_text(gradient) -> str:
    rows = step_rows(gradient)
    width = min(max(len(r[0]) for r in rows), 70)
    lines = []
    for k, (rhs, _rule, _identity, parts) in enumerate(rows):
        head = "df = " if k == 0 else "   = "
        lines.append(f"{head}{rhs.ljust(width)}    [{note(parts)}]")
    return "\n".join(lines)


def latex_text(s: str) -> str:
    """Plain words safe inside \\text{...}."""
    table = {"\\": r"\textbackslash{}", "^": r"\^{}", "_": r"\_", "{": r"\{", "}": r"\}", "%": r"\%",
             "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\~{}"}
    return "".join(table.get(ch, ch) for ch in s)


CHAIN = "chain rule through "


def rule_latex(rule: str) -> str:
    """A rule name for \\text{...}; the intermediate of a chain rule in math:
    chain rule through $Z_{k}$."""
    if rule.startswith(CHAIN):
        return latex_text(CHAIN) + "$" + LatexPrinter().name(rule[len(CHAIN):]) + "$"
    return latex_text(rule)


def steps_latex(gradient, final=None) -> str:
    """An align* environment, one &= per step, the rule as a \\text annotation;
    final = (left, right), e.g. the result's equation, adds a last row
    left &= right, so that the block ends with what was derived."""
    rows = step_rows(gradient, latex=True)
    lines = [r"\begin{align*}"]
    for k, (rhs, _rule, _identity, parts) in enumerate(rows):
        head = r"\mathrm{d}f &= " if k == 0 else "&= "
        end = r" \\" if k < len(rows) - 1 or final else ""
        rule = "; ".join(rule_latex(r) for r, _ in parts)
        lines.append(f"{head}{rhs} && \\text{{{rule}}}{end}")
    if final:
        lines.append(f"{final[0]} &= {final[1]}")
    lines.append(r"\end{align*}")
    return "\n".join(lines)


def steps_data(gradient) -> list:
    """The steps as data: dicts with the text, LaTeX, rule and identity."""
    text_rows = step_rows(gradient)
    latex_rows = step_rows(gradient, latex=True)
    return [{"expression": t[0], "latex": l[0], "rule": t[1], "identity": t[2]}
            for t, l in zip(text_rows, latex_rows)]
