"""Property tests: random well-shaped expressions (tests/strategies.py), each
differentiated and checked numerically, printed in every format, parsed back
and run as NumPy code.

Default: a few hundred expressions in well under a minute.  The long setting,
tens of thousands of expressions:

    MATCALC_LONG=1 python -m pytest -q tests/test_properties.py

MATCALC_EXAMPLES=N sets the number of expressions per test directly, and
MATCALC_STATS=path appends the outcome counts of each test to a JSON-lines
file (docs/testing.md records the figures of the last long run).

A construct without a rule must raise UnsupportedError (counted, accepted);
any other exception, a wrong derivative, a text that does not parse back to
the same value or a NumPy module that computes something else fails the test.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, reject, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcalc  # noqa: E402
from matcalc.errors import UnsupportedError  # noqa: E402
from strategies import Bug, Reject, check_derivative, check_printers, matrix_cases, scalar_cases  # noqa: E402

# the parser raises the recursion limit for deep inputs; hypothesis notices
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

LONG = os.environ.get("MATCALC_LONG", "") not in ("", "0")
DEFAULT_EXAMPLES = {"grad": 250, "jacobian": 150, "hessian": 100}
LONG_EXAMPLES = {"grad": 20000, "jacobian": 10000, "hessian": 10000}


def _settings(kind: str):
    n = int(os.environ.get("MATCALC_EXAMPLES") or (LONG_EXAMPLES if LONG else DEFAULT_EXAMPLES)[kind])
    return settings(
        max_examples=n,
        deadline=None,
        database=None,  # no dependence on earlier runs: a failure prints its example
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


STATS: dict = {}


@pytest.fixture(scope="module", autouse=True)
def _report():
    start = time.time()
    yield
    path = os.environ.get("MATCALC_STATS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            for kind, counts in STATS.items():
                f.write(json.dumps({"kind": kind, "long": LONG, "seconds": round(time.time() - start, 1),
                                    **dict(counts)}) + "\n")


def _count(kind: str, outcome: str):
    STATS.setdefault(kind, Counter())[outcome] += 1
    event(outcome)


def run_case(kind: str, case) -> str:
    """Derive, check and print one case; returns the outcome name."""
    try:
        if kind == "hessian":
            r = matcalc.hessian(case.text, case.wrt, case.shapes)
        else:
            r = getattr(matcalc, kind)(case.text, case.wrt, case.shapes, layout=case.layout)
    except UnsupportedError:
        return "unsupported"
    try:
        check_derivative(r, case.seed)
    except Reject:
        return "rejected (not finite or not smooth at the point)"
    try:
        check_printers(r, case)
    except Reject:
        return "rejected (printed value not finite)"
    return "passed"


def _property(kind: str, case):
    _count(kind, "tried")
    try:
        outcome = run_case(kind, case)
    except Bug as e:
        _count(kind, "FAILED")
        raise AssertionError(f"{kind} of {case}:\n{e}") from None
    except Exception:
        _count(kind, "FAILED")
        raise
    _count(kind, outcome)
    if outcome.startswith("rejected"):
        reject()


@given(case=scalar_cases())
@_settings("grad")
def test_gradient(case):
    _property("grad", case)


@given(case=matrix_cases())
@_settings("jacobian")
def test_jacobian(case):
    _property("jacobian", case)


@given(case=scalar_cases(max_budget=8))
@_settings("hessian")
def test_hessian(case):
    _property("hessian", case)


# --- the oracle itself: planted bugs must be caught, not rejected as ill-conditioned -----------------

PLANTED = [
    # (what is broken, case that exercises it)
    ("d(X^{-1}) = +X^{-1} dX X^{-1}", "grad", "tr(A inv(X))", "X", {"A": "n,n", "X": "n,n"}),
    ("d(X^{-1}) = +X^{-1} dX X^{-1}", "hessian", "logdet(X)", "X", {"X": "n,n"}),
    ("d tr(A) = 2 tr(dA)", "grad", "tr(A X B)", "X", {"A": "3,4", "X": "4,2", "B": "2,3"}),
    ("d tr(A) = 2 tr(dA)", "jacobian", "tr(A X) x", "X", {"A": "3,4", "X": "4,3", "x": "2"}),
    ("softplus' = tanh", "grad", "sum(log(1 + exp(-y .* (X w))))", "w", {}),
    ("sigmoid' evaluates as 1/4 - tanh(x/2)^2 / 2", "grad", "sum(sigmoid(A x))", "x", {}),
    ("sigmoid' evaluates as 1/4 - tanh(x/2)^2 / 2", "hessian", "sum(log(sigmoid(A x)))", "x", {}),
    ("the NumPy printer transposes a vec", "jacobian", "A X B", "X", {"A": "3,4", "X": "4,2", "B": "2,5"}),
]


@pytest.mark.parametrize("broken, kind, text, wrt, shapes", PLANTED, ids=[f"{p[0]} / {p[2]}" for p in PLANTED])
def test_planted_bugs_are_caught(monkeypatch, broken, kind, text, wrt, shapes):
    import dataclasses

    from matcalc import build as b
    from matcalc.expr import Inverse, Trace
    from matcalc.printing import numpy_code
    from matcalc.rules import differentials

    from strategies import Case

    def plant(node, apply):
        monkeypatch.setitem(differentials.RULES, node, dataclasses.replace(differentials.RULES[node], apply=apply))

    if broken.startswith("d(X^{-1})"):
        plant(Inverse, lambda e, d, x: b.mul(e, d(e.arg), e))
    elif broken.startswith("d tr"):  # linear in dA no more: a second-order term
        plant(Trace, lambda e, d, x: b.trace(b.mul(b.num(2), d(e.arg))))
    elif broken.startswith("softplus'"):
        from matcalc import functions

        row = functions.TABLE["softplus"]
        monkeypatch.setitem(functions.TABLE, "softplus",
                            functions.Elementwise("softplus", row.sympy, row.numpy, lambda a: b.apply("tanh", a)))
    elif broken.startswith("sigmoid'"):
        from matcalc import functions

        row = functions.TABLE["sigmoid'"]
        monkeypatch.setitem(functions.TABLE, "sigmoid'", functions.Elementwise(
            "sigmoid'", row.sympy, "(0.25 - 0.5 * np.tanh(0.5 * {0})**2)"))
    else:
        monkeypatch.setattr(numpy_code.NumpyPrinter, "_print_Vec",
                            lambda self, e: f"{self(e.arg)}.reshape(-1, 1, order='C')")
        monkeypatch.setattr(numpy_code.NumpyPrinter, "_print_Kron",
                            lambda self, e: "_np.kron(" + ", ".join(self(f) for f in reversed(e.factors)) + ")")
    for seed in range(3):
        with pytest.raises(Bug):
            run_case(kind, Case(text, dict(shapes), wrt, seed))
