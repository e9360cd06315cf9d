"""The element-wise functions of issue 11: tan, arcsin (asin), arccos (acos),
arctan (atan), sinh, cosh, sign, erf, gelu, log1p, expm1, logsigmoid, silu.

Every row's derivative is checked against SymPy's derivative of its
definition and against finite differences of its own NumPy form; gradients,
Jacobians and Hessians through each function pass Result.check(); the NumPy
forms stay finite and accurate in the tails; aliases read back to one
canonical name; the LaTeX compiles; and the optional jax/torch spellings
agree with the NumPy ones.  (tests/test_identities.py checks every row of the
table the same generic way; this file adds what is particular to these.)
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import matcalc
from matcalc import build
from matcalc.expr import Apply, Var
from matcalc.functions import ALIASES, BUILTIN, ROWS, TABLE, canonical, derivative, numpy_callable, numpy_template
from matcalc.numeric import domains, evaluate, random_env
from matcalc.printing.text import to_text

NEW = ("tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "sign", "erf", "gelu", "log1p", "expm1",
       "logsigmoid", "silu")
X = sympy.Symbol("x", real=True)


def points(name):
    row = TABLE[name]
    if row.unit_input:
        return np.array([-0.93, -0.5, -0.1, 0.05, 0.4, 0.8, 0.97])
    if row.positive_input:  # log1p: x > -1
        return np.array([-0.9, -0.4, 0.0, 0.3, 1.2, 5.0, 40.0])
    if name == "tan":
        return np.array([-1.4, -0.7, -0.1, 0.2, 0.9, 1.3])
    return np.array([-6.0, -2.2, -0.7, -0.05, 0.3, 1.1, 2.5, 7.0])


def sympy_values(expr, xs):
    f = sympy.lambdify(X, expr, modules=[{"DiracDelta": lambda x, *_: 0 * x}, "scipy", "numpy"])
    return np.broadcast_to(np.asarray(f(xs), dtype=float), xs.shape)


def matcalc_values(e, xs):
    return evaluate(e, {"x": xs.reshape(-1, 1)}, {"n": len(xs)}).reshape(-1)


def test_the_new_functions_are_rows_and_keywords():
    for name in NEW:
        assert name in TABLE and TABLE[name].name == name
        assert name in BUILTIN
    for alias, name in ALIASES.items():
        assert alias in BUILTIN and TABLE[alias] is TABLE[name]
    assert len({row.name for row in ROWS}) == len(ROWS)  # ROWS: every canonical row once


@pytest.mark.parametrize("name", NEW)
def test_numpy_form_is_the_sympy_definition(name):
    xs = points(name)
    definition = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    assert np.allclose(numpy_callable(name)(xs), sympy_values(definition, xs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_derivative_is_sympys_and_the_finite_difference(name):
    """f' as matcalc builds it (closed form, named row or zero) against
    sympy.diff of the definition, and against central differences of f's
    own NumPy form."""
    xs = points(name)
    definition = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    got = matcalc_values(derivative(name, Var("x", ("n", 1))), xs)
    assert np.allclose(got, sympy_values(sympy.diff(definition, X), xs), rtol=1e-10, atol=1e-12), name
    f, h = numpy_callable(name), 1e-6
    fd = (f(xs + h) - f(xs - h)) / (2 * h)
    assert np.allclose(got, fd, rtol=1e-6, atol=1e-7), (name, got, fd)


@pytest.mark.parametrize("name", ["erf'", "gelu'"])
def test_named_derivative_rows_are_the_derivative(name):
    base = sympy.sympify(TABLE[name[:-1]].sympy, locals={"x": X})
    stated = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    assert sympy.simplify(sympy.diff(base, X) - stated) == 0


@pytest.mark.parametrize("name", NEW)
def test_second_derivative_is_sympys(name):
    """f'' through the closed form or the named row (derived by SymPy when it
    has no row), as a Hessian needs it."""
    xs = points(name)
    definition = sympy.sympify(TABLE[name].sympy, locals={"x": X})
    r = matcalc.hessian(f"sum({name}(x))", "x")
    got = np.diag(r.evaluate(x=xs))
    assert np.allclose(got, sympy_values(sympy.diff(definition, X, 2), xs), rtol=1e-8, atol=1e-10), name


CLOSED = {
    "tan": "1 + tan(x).^2",
    "arcsin": "(1 - x.^2).^(-1/2)",
    "arccos": "-(1 - x.^2).^(-1/2)",
    "arctan": "(1 + x.^2).^-1",
    "sinh": "cosh(x)",
    "cosh": "sinh(x)",
    "sign": "0",
    "erf": "erf'(x)",
    "gelu": "gelu'(x)",
    "log1p": "(1 + x).^-1",
    "expm1": "exp(x)",
    "logsigmoid": "sigmoid(-x)",
    "silu": "sigmoid(x) .* (1 + x .* sigmoid(-x))",
}


@pytest.mark.parametrize("name", NEW)
def test_gradient_prints_in_closed_form_and_parses_back(name):
    r = matcalc.grad(f"sum({name}(x))", "x")
    assert r.text() == CLOSED[name]
    if name != "sign":
        assert matcalc.parse(r.text()) == r.expr


GRADIENTS = [
    ("y^T {f}(W x + b)", "W"),
    ("y^T {f}(W x + b)", "x"),
    ("sum({f}(X) .* A)", "X"),
    ("{f}(a^T x) + sum({f}(x))", "x"),
    ("sum({f}(alpha X))", "alpha"),
]


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("template,wrt", GRADIENTS)
def test_gradients_through_each_function_check(name, template, wrt):
    r = matcalc.grad(template.format(f=name), wrt)
    # tan: a standard normal entry can fall near a pole (pi/2), where central differences lose digits
    assert r.check() < (1e-4 if name == "tan" else 1e-6), (name, template, r.text())


@pytest.mark.parametrize("name", NEW)
def test_jacobian_and_hessian_through_each_function_check(name):
    assert matcalc.jacobian(f"{name}(W x)", "x").check() < 1e-6
    assert matcalc.hessian(f"sum({name}(W x))", "x").check() < 1e-5
    assert matcalc.hessian(f"y^T {name}(W x)", "W").check() < 1e-5


def test_nested_functions_check():
    for text, wrt in [("sum(gelu(silu(W x)))", "W"), ("sum(logsigmoid(y .* (X w)))", "w"),
                      ("sum(arcsin(tanh(x)) + arctan(x) .* erf(x))", "x"), ("sum(log1p(exp(x)))", "x"),
                      ("sum(expm1(x) ./ cosh(x))", "x"), ("sum(sinh(x) .* tan(x/2))", "x"),
                      ("sum(acos(x .* sigmoid(x)))", "x")]:
        r = matcalc.grad(text, wrt)
        assert r.check() < 1e-6, (text, r.text())


# --- aliases ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alias,name", sorted(ALIASES.items()))
def test_alias_is_the_canonical_function(alias, name):
    e = matcalc.parse(f"{alias}(x) + {alias}'(x)")
    assert e == matcalc.parse(f"{name}(x) + {name}'(x)")
    assert to_text(e) == f"{name}'(x) + {name}(x)" or to_text(e) == f"{name}(x) + {name}'(x)"
    assert alias not in to_text(matcalc.grad(f"sum({alias}(W x))", "W").expr)
    assert canonical(alias + "''") == name + "''"
    assert build.apply(alias, Var("x", ("n", 1))).fn == name
    assert numpy_template(alias) == numpy_template(name)


def test_aliases_are_words_not_prefixes():
    """asinh is a name, not asin h; sign_x and tanx are names."""
    assert matcalc.parse("asinh + signx", {"asinh": "n", "signx": "n"}) is not None
    with pytest.raises(matcalc.MatcalcError):
        matcalc.parse("asin x")


# --- numeric domains ----------------------------------------------------------------------------------

def test_arcsin_draws_in_the_unit_interval_and_log1p_positive():
    x, y = Var("x", ("n", 1)), Var("y", ("n", 1))
    assert domains(build.apply("arcsin", x)) == {"x": "unit"}
    assert domains(build.apply("log1p", x)) == {"x": "positive"}
    # under arcsin in f, under a negative power in f': both
    e = build.add(build.apply("arccos", x), build.epow(x, -1), build.apply("asin", y))
    assert domains(e) == {"x": "positive unit", "y": "unit"}
    rng = np.random.default_rng(0)
    for _ in range(20):
        env, _ = random_env([e], rng)
        assert np.all(np.abs(env["y"]) < 1) and np.all((0 < env["x"]) & (env["x"] < 1))


def test_check_of_arcsin_needs_the_unit_domain():
    for text in ("sum(arcsin(x))", "sum(acos(x))", "x^T arcsin(x)", "sum(arcsin(x / 2))"):
        assert matcalc.grad(text, "x").check(trials=10) < 1e-6, text


# --- stability of the NumPy forms ---------------------------------------------------------------------

def test_stable_in_the_tails():
    f = numpy_callable
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow or nan on the way
        assert f("logsigmoid")(np.array([-1000.0]))[0] == -1000.0
        assert f("logsigmoid")(np.array([1000.0]))[0] == -0.0
        assert f("logsigmoid")(np.array([40.0]))[0] == pytest.approx(-math.exp(-40), rel=1e-12)
        assert f("silu")(np.array([-1000.0]))[0] == 0.0
        assert f("silu")(np.array([1000.0]))[0] == 1000.0
        assert f("silu")(np.array([-30.0]))[0] == pytest.approx(-30 * math.exp(-30) / (1 + math.exp(-30)), rel=1e-12)
        assert f("gelu")(np.array([50.0]))[0] == 50.0
        assert f("gelu")(np.array([-50.0]))[0] == -0.0
        # x Phi(x) for x = -10: 1 + erf(x / sqrt 2) would lose every digit
        assert f("gelu")(np.array([-10.0]))[0] == pytest.approx(-10 * 0.5 * math.erfc(10 / math.sqrt(2)), rel=1e-12)
        assert f("gelu'")(np.array([-50.0, 50.0])).tolist() == [0.0, 1.0]
        assert f("log1p")(np.array([1e-12]))[0] == pytest.approx(1e-12 - 5e-25, rel=1e-15)
        assert f("expm1")(np.array([1e-12]))[0] == pytest.approx(1e-12 + 5e-25, rel=1e-15)
        assert f("erf")(np.array([-50.0, 1e-10]))[0] == -1.0
        assert f("erf")(np.array([1e-10]))[0] == pytest.approx(2 / math.sqrt(math.pi) * 1e-10, rel=1e-12)
    # the derivatives as matcalc prints them, evaluated
    r = matcalc.grad("sum(logsigmoid(x)) + sum(silu(x))", "x")
    assert np.allclose(r.evaluate(x=np.array([-1000.0, 1000.0])), [1.0, 1.0])


def test_generated_code_is_stable_and_matches_the_evaluator():
    for text in ("sum(logsigmoid(x))", "sum(silu(x))", "sum(gelu(x))", "sum(log1p(x))", "sum(expm1(x))"):
        r = matcalc.grad(text, "x")
        namespace: dict = {}
        exec(r.numpy_source(), namespace)  # noqa: S102 - our own output
        xs = np.array([-1000.0, -50.0, 1e-12, 0.5, 50.0]) if "log1p" not in text else np.array([1e-12, 3.0])
        with np.errstate(over="ignore"):
            want = r.evaluate(x=xs)
        got = namespace["gradient"](xs)
        if text != "sum(expm1(x))":
            assert np.all(np.isfinite(got)), text
        assert np.allclose(got, want, rtol=1e-12, equal_nan=True), text


# --- generated code: SciPy only where it is needed ----------------------------------------------------

def test_generated_code_imports_scipy_only_for_erf():
    source = matcalc.grad("x^T erf(W x)", "x").numpy_source()  # W^T (x .* erf'(W x)) + erf(W x)
    assert "import scipy.special as _scipy_special" in source
    assert "Needs SciPy" in source
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102
    W, x = np.random.default_rng(1).standard_normal((2, 2)), np.array([0.3, -0.2])
    from scipy.special import erf

    expected = W.T @ (x * 2 / np.sqrt(np.pi) * np.exp(-(W @ x) ** 2)) + erf(W @ x)
    assert np.allclose(namespace["gradient"](W, x), expected)
    for text in ("sum(silu(W x))", "sum(tan(W x) + sinh(W x))", "sum(cosh(W x)) + sum(log1p(x .* x))"):
        source = matcalc.grad(text, "W").numpy_source()
        assert "scipy" not in source and "SciPy" not in source


def test_generated_code_reads_a_repeated_argument_once():
    """gelu' uses its argument three times: the code binds it, W @ x is computed once."""
    source = matcalc.grad("sum(gelu(W x))", "W").numpy_source()
    gradient = next(f for f in source.split("\n\n\ndef ") if f.startswith("gradient("))
    assert gradient.count("W @ x") == 1, gradient


def test_scipy_is_a_dependency():
    from pathlib import Path

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        pytest.skip("tomllib needs Python 3.11")
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("scipy") for d in project["dependencies"])


# --- the jax and torch spellings ----------------------------------------------------------------------

def _backend_value(spelling, xs, module):
    if module == "jax":
        jax = pytest.importorskip("jax")
        import jax.nn  # noqa: F401
        import jax.numpy as jnp
        import jax.scipy.special  # noqa: F401

        jax.config.update("jax_enable_x64", True)
        return np.asarray(eval("lambda x: " + spelling.format("x"), {"jax": jax, "jnp": jnp})(jnp.asarray(xs)))
    torch = pytest.importorskip("torch")
    import torch.nn.functional  # noqa: F401

    return eval("lambda x: " + spelling.format("x"), {"torch": torch})(torch.as_tensor(xs)).numpy()


@pytest.mark.parametrize("module", ["jax", "torch"])
def test_backend_spellings_agree_with_numpy(module):
    rows = [row for row in ROWS if getattr(row, module)]
    assert {"gelu", "logsigmoid", "silu"} <= {row.name for row in rows}
    xs = np.array([-30.0, -3.0, -0.4, 0.0, 0.7, 2.5, 30.0])
    for row in rows:
        got = _backend_value(getattr(row, module), xs, module)
        # torch's gelu is x (1 + erf(x / sqrt 2)) / 2, 0 for x < -8 (NumPy's form: -1.5e-196 at -30)
        assert np.allclose(got, numpy_callable(row.name)(xs), rtol=1e-10, atol=1e-15), (module, row.name)


# --- LaTeX ----------------------------------------------------------------------------------------------

LATEX = {"tan": r"\tan", "arcsin": r"\arcsin", "arccos": r"\arccos", "arctan": r"\arctan", "sinh": r"\sinh",
         "cosh": r"\cosh", "sign": r"\operatorname{sign}", "erf": r"\operatorname{erf}",
         "gelu": r"\operatorname{gelu}", "log1p": r"\operatorname{log1p}", "expm1": r"\operatorname{expm1}",
         "logsigmoid": r"\operatorname{logsigmoid}", "silu": r"\operatorname{silu}"}


@pytest.mark.parametrize("name", NEW)
def test_latex_spelling(name):
    tex = matcalc.parse(f"{name}(x)").latex() if hasattr(matcalc.parse("x"), "latex") else None
    from matcalc.printing.latex import to_latex

    tex = to_latex(matcalc.parse(f"{name}(x)"))
    assert tex == LATEX[name] + r"\left( x \right)"


def test_latex_compiles():
    from test_latex_compile import assert_compiles, find_pdflatex

    binary = find_pdflatex()
    items = []
    for name in NEW:
        r = matcalc.grad(f"y^T {name}(W x)", "W")
        items.append((name, "display", r.latex()))
        items.append((name + " equation", "display", r.equation(latex=True)))
        items.append((name + " hessian", "display", matcalc.hessian(f"sum({name}(x))", "x").latex()))
    assert_compiles(binary, items)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_generated_code_for_each_backend(backend):
    """The jax and torch modules use the table's spellings (jax.nn.gelu, torch.special.erf, ...),
    import what they use, and agree with NumPy's."""
    pytest.importorskip(backend)
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    text = "x^T gelu(W x) + sum(erf(x)) + sum(logsigmoid(x)) + sum(silu(W x)) + sum(asin(x ./ 2)) + sum(sign(x))"
    r = matcalc.grad(text, "x")
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((3, 3)), rng.uniform(-0.9, 0.9, 3)
    numpy_fns, backend_fns = r.function("numpy"), r.function(backend)
    assert np.allclose(np.asarray(backend_fns.gradient(W, x)), numpy_fns.gradient(W, x), rtol=1e-10)
    assert np.allclose(float(backend_fns.value(W, x)), numpy_fns.value(W, x), rtol=1e-10)  # erf itself
    source = r.code(backend)
    assert "scipy" not in source.replace("jax.scipy", "")


@pytest.mark.parametrize("name", NEW)
def test_latex_reads_back(name):
    """Each spelling is one the LaTeX input reads: \\tan, \\arcsin, ... and \\operatorname{gelu}."""
    from matcalc.printing.latex import to_latex

    e = matcalc.parse(f"y^T {name}(W x) + sum({name}'(x))")
    assert matcalc.parse(to_latex(e)) == e
    if name != "sign":  # its gradient is the zero matrix, printed 0
        r = matcalc.grad(f"y^T {name}(W x)", "W")
        assert matcalc.parse(r.latex()) == r.expr
