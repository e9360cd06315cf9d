"""Identities as data, each checked from its own text.

An Identity (matcalc.rules.identities) is two spellings of one value in
matcalc's language.  ONE generic test parses both sides (their shapes unified
together) and checks that they are numerically equal on random inputs; when
``canonical`` is set, both sides must also build the same canonical expression
(the constructors in matcalc.build know the identity).  The identities are
every table's: the textbook table (IDENTITIES), the adjoint rules, the vec
rules, and -- checked as d(f) = df, with each dV a variable shaped like V and
df compared with the directional derivative of f along the dV's -- the
differential rules.  Adding an identity or a rule never needs a new test
function.

A second generic test checks the element-wise function table
(matcalc.functions.TABLE): every row's NumPy source against its SymPy
definition, and every row's derivative (the closed form, the primed row, or
the SymPy-derived source) against sympy.diff of the definition.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import matcalc
from conftest import difference_quotient, environment, sizes_for, unbound_dims, dims_of, value, variables
from matcalc import build
from matcalc.expr import Var
from matcalc.rules import adjoints, differentials, vectorize
from matcalc.rules.identities import DIFFERENTIAL_IDENTITIES, IDENTITIES, DifferentialIdentity, Identity
from matcalc.functions import TABLE, derivative, numpy_callable
from matcalc.numeric import evaluate
from matcalc.frontend import to_expr


EQUATIONS = [
    *IDENTITIES,  # the textbook table
    *[rule.check for rule in (*adjoints.RULES.values(), adjoints.SCALAR_MOVE)],  # the adjoint rules
    adjoints.COLLECT,
    *[rule.identity for rule in vectorize.RULES.values()],  # the vec rules
]
DIFFERENTIALS = [rule.identity for rule in differentials.RULES.values()]  # the differential rules
DIFFERENTIALS += DIFFERENTIAL_IDENTITIES  # and the row-wise forms of some of them


def _sides(identity: Identity):
    """Both sides parsed with one set of shapes (unified across the sides)."""
    _, ctx = to_expr(f"({identity.lhs}) - ({identity.rhs})", _declared(identity.shapes))
    shapes = {name: tuple(ctx.name_dim(d) for d in dims) for name, dims in ctx.vars.items()}
    return matcalc.parse(identity.lhs, shapes), matcalc.parse(identity.rhs, shapes), shapes


def _declared(shapes):
    from matcalc.frontend import parse_dims

    return {k: parse_dims(v) for k, v in (shapes or {}).items()}


@pytest.mark.parametrize("identity", EQUATIONS, ids=[i.name for i in EQUATIONS])
def test_identity(identity: Identity):
    lhs, rhs, shapes = _sides(identity)
    for seed in (0, 1):
        env, sizes = environment([lhs, rhs], seed)
        left = value(lhs, env, sizes)
        right = value(rhs, env, sizes_for(rhs, lhs, sizes))
        assert left.shape == right.shape, identity
        assert np.allclose(left, right, rtol=1e-9, atol=1e-9), (identity.name, left, right)
    if identity.canonical:
        difference = matcalc.parse(f"({identity.lhs}) - ({identity.rhs})", shapes)
        assert build.is_zero(difference), f"{identity.name}: {identity.lhs} - ({identity.rhs}) = {difference}"
        if not unbound_dims(rhs, dims_of(shapes)):
            assert lhs == rhs, (identity.name, lhs, rhs)


def test_identity_count():
    assert len(IDENTITIES) >= 30
    assert len({i.name for i in IDENTITIES}) == len(IDENTITIES)
    every = EQUATIONS + DIFFERENTIALS
    assert len({i.name for i in every}) == len(every)


def _differential_sides(identity: DifferentialIdentity):
    """f parsed with the declared shapes; df with each dV declared shaped like V."""
    f, ctx = to_expr(identity.f, _declared(identity.shapes))
    shapes = {name: tuple(ctx.name_dim(d) for d in dims) for name, dims in ctx.vars.items()}
    shapes.update({"d" + name: shape for name, shape in list(shapes.items())})
    return matcalc.parse(identity.f, shapes), matcalc.parse(identity.df, shapes)


@pytest.mark.parametrize("identity", DIFFERENTIALS, ids=[i.name for i in DIFFERENTIALS])
def test_differential_identity(identity: DifferentialIdentity):
    """df with dV = V equals the directional derivative of f along the V's."""
    f, df = _differential_sides(identity)
    varied = sorted(variables(f))
    assert {"d" + name for name in varied} <= set(variables(df)), identity
    for seed in (0, 1):
        env, sizes = environment([f, df], seed)
        directions = {name: env["d" + name] for name in varied}
        numeric = difference_quotient(f, directions, env, sizes, 1e-3, stencil=4)
        analytic = value(df, env, sizes)
        assert analytic.shape == numeric.shape, identity
        assert np.allclose(analytic, numeric, rtol=1e-7, atol=1e-7), (identity.name, analytic, numeric)


def test_every_rule_carries_its_identity():
    """One record per node type in each table, each with a parsed-and-checked identity."""
    assert all(isinstance(r.identity, DifferentialIdentity) for r in differentials.RULES.values())
    assert all(isinstance(r.check, Identity) for r in adjoints.RULES.values())
    assert all(isinstance(r.identity, Identity) for r in vectorize.RULES.values())


# --- the element-wise function table ---------------------------------------------------------------------

X = sympy.Symbol("x", real=True)
POINTS = np.array([-1.7, -0.6, -0.15, 0.2, 0.9, 1.6])
POSITIVE = np.array([0.2, 0.7, 1.3, 2.4])


UNIT = np.array([-0.95, -0.6, -0.15, 0.2, 0.7, 0.9])


def _points(row):
    """Points in the row's domain: positive for log and log1p, in (-1, 1) for arcsin."""
    base = TABLE[row.name.rstrip("'")]
    return POSITIVE if base.positive_input else UNIT if base.unit_input else POINTS


def _sympy_values(expr, points):
    almost_everywhere = {"Heaviside": lambda x, *_: np.heaviside(x, 0.5), "DiracDelta": lambda x, *_: 0 * x}
    f = sympy.lambdify(X, expr, modules=[almost_everywhere, "scipy", "numpy"])  # scipy: erf
    return np.broadcast_to(np.asarray(f(points), dtype=float), points.shape)


def _matcalc_values(e, points):
    env = {"x": points.reshape(-1, 1)}
    return evaluate(e, env, {"n": len(points)}).reshape(-1)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function_row_numpy_matches_sympy(name):
    row = TABLE[name]
    points = _points(row)
    definition = sympy.sympify(row.sympy, locals={"x": X})
    assert np.allclose(numpy_callable(name)(points), _sympy_values(definition, points), atol=1e-12)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function_row_derivative_matches_sympy(name):
    """f' as matcalc builds it (closed form, primed row or derived) == sympy.diff(f)."""
    row = TABLE[name]
    points = _points(row)
    definition = sympy.sympify(row.sympy, locals={"x": X})
    expected = _sympy_values(sympy.diff(definition, X), points)
    x = Var("x", ("n", 1))
    got = derivative(name, x)
    assert got.shape == x.shape
    assert np.allclose(_matcalc_values(got, points), expected, atol=1e-10), (name, got)


@pytest.mark.parametrize("name", sorted(n for n in TABLE if n + "'" in TABLE))
def test_primed_row_is_the_derivative(name):
    """A primed row (tanh') is sympy.diff of its base row, symbolically."""
    primed = TABLE[name + "'"]
    base = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    stated = sympy.sympify(primed.sympy, locals={"x": X})
    difference = sympy.simplify(sympy.diff(base, X) - stated)
    if difference != 0:  # piecewise rows (relu, abs): equal away from 0
        points = _points(TABLE[name])
        assert np.allclose(_sympy_values(difference, points), 0, atol=1e-12), (name, difference)
