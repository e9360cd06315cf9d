"""Everything matcalc prints with --format latex reads back through LaTeX
input to the same canonical expression (the one the text language reads from
the text print): a property test over the random
expression generator (tests/strategies.py), for f and for its gradient and
Jacobian.

The LaTeX printer writes some names the way papers do, and LaTeX input reads
them back in the spelling of the text language: b2 prints as b_{2} and reads
back as b_2, λ prints as \\lambda and reads back as lambda.  The comparison
renames the variables accordingly (the renaming must be one to one);
W_2, x_hat, Sigma, X_train, W_{k+1} and H^{t-1} read back as themselves
(test_latex_input.py).
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcalc  # noqa: E402
from matcalc import build as b  # noqa: E402
from matcalc.errors import UnsupportedError  # noqa: E402
from matcalc.walk import variables as walk_variables  # noqa: E402
from matcalc.expr import Var  # noqa: E402
from matcalc.printing.latex import LatexPrinter, to_latex  # noqa: E402
from matcalc.printing.text import to_text  # noqa: E402
from strategies import matrix_cases, scalar_cases  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

LONG = os.environ.get("MATCALC_LONG", "") not in ("", "0")
EXAMPLES = int(os.environ.get("MATCALC_EXAMPLES") or (4000 if LONG else 150))


def _settings():
    # no shrinking: the assertion message shows the LaTeX, and shrinking takes minutes on this machine
    return settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def read_back_name(name: str) -> str:
    """The name LaTeX input gives to the LaTeX printer's spelling of name."""
    from matcalc.frontend.syntax import parse_syntax

    syn = parse_syntax(LatexPrinter().name(name), "latex")
    while syn.op == "paren":
        syn = syn.args[0]
    assert syn.op == "name", (name, LatexPrinter().name(name), syn.op)
    return syn.value


def assert_latex_round_trip(e, extra_vars=()):
    """parse(latex(e), syntax='latex') is e, up to the printer's renaming."""
    variables = walk_variables(e)
    for v in extra_vars:
        variables.setdefault(v.name, v)
    renamed = {name: read_back_name(name) for name in variables}
    if len(set(renamed.values())) < len(renamed):  # W2 and W_2 both print as W_{2}
        reject()
    mapping = {v: Var(renamed[n], v.shape) for n, v in variables.items() if renamed[n] != n}
    expected = b.substitute(e, mapping) if mapping else e
    shapes = {renamed[n]: tuple(v.shape) for n, v in variables.items()}
    latex = to_latex(e)
    back = matcalc.parse(latex, shapes, syntax="latex")
    # a result is not always canonical as built (ones(p) ones(1, n) in a Jacobian): the expected
    # expression is the one the text language reads from its own print of the same expression
    expected = matcalc.parse(to_text(expected), shapes, syntax="text")
    # the same canonical expression; a bare I whose size the whole expression fixes (I / tr(P), a
    # result) reads back with a size of its own, so then the canonical texts are compared
    # result) reads back with a size of its own; and the generic function σ prints as \sigma, so
    # reads back as sigma, the same function: then the canonical texts are compared
    assert back == expected or to_text(back) == re.sub(r"σ(?=['(])", "sigma", to_text(expected)), \
        f"\nLaTeX:    {latex}\nread as:  {back!r}\nexpected: {expected!r}"


def _derive(kind, case):
    try:
        if kind == "jacobian":
            return matcalc.jacobian(case.text, case.wrt, case.shapes, layout=case.layout)
        return matcalc.grad(case.text, case.wrt, case.shapes, layout=case.layout)
    except UnsupportedError:
        reject()


@_settings()
@given(case=scalar_cases())
def test_gradient_latex_reads_back(case):
    r = _derive("grad", case)
    assert_latex_round_trip(r.f)
    assert_latex_round_trip(r.expr, [r.x])


@_settings()
@given(case=matrix_cases())
def test_jacobian_latex_reads_back(case):
    r = _derive("jacobian", case)
    assert_latex_round_trip(r.f)
    assert_latex_round_trip(r.expr, [r.x])
