"""Every row of the structural operator table (matcalc/operators.py) is known
to every layer: the parser, the text and LaTeX printers, the evaluator, the
index builder, the differential rules, transpose and map_children, and the
cost model.  A new row without one of those is a failing test here."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
from matcalc import build
from matcalc.errors import UnsupportedError
from matcalc.expr import Expr
from matcalc.functions import BUILTIN, GIVES_POSITIVE_OUTPUT, NEEDS_POSITIVE_INPUT, TABLE
from matcalc.numeric import Evaluator, random_env
from matcalc.operators import NAMED, OPERATORS, STRUCTURAL_FUNCTIONS
from matcalc.parser import KEYWORDS
from matcalc.printing.index import IndexBuilder
from matcalc.printing.latex import to_latex
from matcalc.printing.text import to_text
from matcalc.rules.differentials import CONSTANTS, RULES
from matcalc.walk import walk

SHAPES = {"X": "n,n", "A": "n,n", "x": "n", "y": "m"}
ROWS = pytest.mark.parametrize("row", OPERATORS, ids=lambda r: r.node.__name__)


def _example(row):
    """The row's example, and the node of the row's class in it."""
    e = matcalc.parse(row.example, SHAPES)
    nodes = [n for n in walk(e) if type(n) is row.node]
    assert nodes, f"{row.example} builds no {row.node.__name__}"
    return e, nodes[0]


def test_every_node_class_has_one_row():
    assert len({row.node for row in OPERATORS}) == len(OPERATORS)
    for row in OPERATORS:
        assert NAMED[row.name].arity == row.arity and NAMED[row.name].build is row.build


def test_keywords_come_from_the_tables():
    assert set(KEYWORDS) == set(STRUCTURAL_FUNCTIONS) | set(BUILTIN)
    assert set(BUILTIN) == {name for name in TABLE if "'" not in name} | {"sqrt"}
    assert NEEDS_POSITIVE_INPUT == {"log", "log1p"}
    assert {"exp", "sigmoid"} <= GIVES_POSITIVE_OUTPUT and "log" not in GIVES_POSITIVE_OUTPUT


@ROWS
def test_text_printer(row):
    e, node = _example(row)
    text = to_text(node)
    if row.text is not None:
        assert f"{row.text}(" in text
    assert matcalc.parse(to_text(e), SHAPES) == e


@ROWS
def test_latex_printer(row):
    _, node = _example(row)
    latex = to_latex(node)
    if row.latex is not None:
        assert row.latex in latex


@ROWS
def test_evaluator(row):
    e, node = _example(row)
    rng = np.random.default_rng(0)
    env, sizes = random_env([e], rng)
    for x in (node, e):
        value = Evaluator(env, sizes)(x)
        assert np.all(np.isfinite(value))


@ROWS
def test_index_builder(row):
    _, node = _example(row)
    builder = IndexBuilder({"i", "j"})
    idx = tuple(None if d == 1 else name for d, name in zip(node.shape, "ij"))
    if row.index:
        assert builder.terms(node, idx)
    else:
        with pytest.raises(UnsupportedError):
            builder.terms(node, idx)


@ROWS
def test_differential_rule(row):
    """The rule exists (or the node is a constant), and the gradient of the
    example (summed when it is not scalar) passes its finite-difference check."""
    assert row.node in RULES or row.node in CONSTANTS
    e, _ = _example(row)
    f = row.example if e.shape == (1, 1) else f"sum({row.example})"
    assert matcalc.grad(f, "X", SHAPES).check() < 1e-6


@ROWS
def test_constructors_know_it(row):
    _, node = _example(row)
    assert build.map_children(node, lambda c: c) == node
    assert build.transpose(build.transpose(node)) == node


@ROWS
def test_cost_model(row):
    from matcalc.printing.numpy_code import cost

    _, node = _example(row)
    assert row.cost in ("size", "cubic")
    assert cost(node, {})


class Mystery(Expr):
    """A node no visitor knows."""
    _fields = ("arg",)
    shape = (1, 1)


def test_a_missing_method_is_unsupported_not_internal():
    node = Mystery(build.var("x", (1, 1)))
    with pytest.raises(UnsupportedError, match="Mystery"):
        to_text(node)
    with pytest.raises(UnsupportedError, match="Mystery"):
        to_latex(node)
    with pytest.raises(UnsupportedError, match="Mystery"):
        Evaluator({"x": np.ones((1, 1))}, {})(node)
    with pytest.raises(UnsupportedError, match="Mystery"):
        IndexBuilder(set()).terms(node, (None, None))
