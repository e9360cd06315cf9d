"""Printing a back-propagation form (matcalc.backprop.Backprop).

Text: one ``NAME = EXPR`` line per forward name (when matcalc made them) and
per adjoint, from the output back to the variable; G_V stands for ∂f/∂V.  The
lines parse back as lets (matcalc.backprop.parse_lines).  LaTeX: the same
lines in an ``aligned`` block, the adjoint of V written G_{V}.
"""
from __future__ import annotations

from .latex import LatexPrinter
from .text import to_text


class AdjointLatexPrinter(LatexPrinter):
    """LaTeX with an adjoint name G_V printed as G_{V}."""

    def __init__(self, adjoints: dict):
        super().__init__()
        self.adjoints = adjoints  # adjoint name -> name of its quantity

    def name(self, name):
        if name in self.adjoints:
            return "G_{" + super().name(self.adjoints[name]) + "}"
        return super().name(name)


def backprop_text(bp) -> str:
    lines = [f"{v.name} = {to_text(d)}" for v, d in bp.forward] if bp.auto else []
    lines += [f"{g.name} = {to_text(value)}" for g, _, value in bp.lines]
    return "\n".join(lines)


def backprop_latex(bp) -> str:
    p = AdjointLatexPrinter(bp.names)
    rows = [(v, d) for v, d in bp.forward] if bp.auto else []
    rows += [(g, value) for g, _, value in bp.lines]
    body = " \\\\\n".join(f"{p.doprint(v)} &= {p.doprint(d)}" for v, d in rows)
    return "\\begin{aligned}\n" + body + "\n\\end{aligned}"


# ---------------------------------------------------------------- the recursion of a layer index

def _given(rec, latex: bool) -> str:
    """The note of the first line: the adjoint one layer up is given."""

    up = _upper(rec)
    if latex:
        return (r"\text{given } " + LatexPrinter().name(up) + r" = \frac{\partial " + rec.loss + "}{\\partial "
                + LatexPrinter().name(_upper_quantity(rec)) + "}")
    return f"given: {up} = ∂{rec.loss}/∂{_upper_quantity(rec)}"


def _upper(rec) -> str:
    stem = rec.adjoint.name.rsplit("_", 1)[0]
    return f"{stem}_{{{rec.index}+1}}"


def _upper_quantity(rec) -> str:
    stem = rec.quantity.name.rsplit("_", 1)[0]
    return f"{stem}_{{{rec.index}+1}}"


def recursion_equation(rec, latex: bool = False) -> str:
    if latex:
        return f"{LatexPrinter().name(rec.adjoint.name)} = {LatexPrinter().doprint(rec.result)}"
    return f"{rec.adjoint.name} = {to_text(rec.result)}"


def recursion_steps(rec, latex: bool = False) -> str:
    """dL = G_{k+1} : dQ_{k+1} = ... = G_k : dQ_k, one rule per line (the
    seed 000 answer's chain of equalities), then the recursion."""
    from .steps import note, rule_latex, step_rows

    rows = step_rows(rec.derivation, latex)
    q, g = rec.quantity.name, rec.adjoint.name
    if latex:
        p = LatexPrinter()
        last = (f"{p.name(g)} : \\mathrm{{d}}{p.name(q)}",
                f"\\text{{by definition, }} {p.name(g)} = \\frac{{\\partial {rec.loss}}}{{\\partial {p.name(q)}}}")
        lines = [r"\begin{align*}"]
        body = [(rows[0][0], _given(rec, True))]
        body += [(rhs, r"\text{" + "; ".join(rule_latex(r) for r, _ in parts) + "}")
                 for rhs, _, _, parts in rows[1:]]
        body.append(last)
        for k, (rhs, why) in enumerate(body):
            head = r"\mathrm{d}" + rec.loss + " &= " if k == 0 else "&= "
            lines.append(f"{head}{rhs} && {why}" + (r" \\" if k < len(body) - 1 else ""))
        lines.append(r"\end{align*}")
        return "\n".join(lines) + "\n\\[ " + recursion_equation(rec, True) + " \\]"
    body = [(rows[0][0], _given(rec, False))]
    body += [(rhs, note(parts)) for rhs, _, _, parts in rows[1:]]
    body.append((f"{g} : d{q}", f"by definition, {g} = ∂{rec.loss}/∂{q}"))
    width = min(max(len(rhs) for rhs, _ in body), 70)
    head = f"d{rec.loss} = "
    lines = [(head if k == 0 else " " * (len(head) - 2) + "= ") + rhs.ljust(width) + f"    [{why}]"
             for k, (rhs, why) in enumerate(body)]
    return "\n".join(lines + [recursion_equation(rec)])
