"""The element-wise function table: one row per function.

Each row gives the function's definition for SymPy (the source of truth for
derivatives: tests derive f' from it and check every row), its NumPy source,
and its derivative either in closed form (exp' = exp, sin' = cos, log'(x) = x.^-1)
or by name with a prime (tanh' is printed ``tanh'(Z)``).  Higher derivatives
without a NumPy row are derived from the SymPy definition when needed.

sqrt is not here: it is the element-wise power 1/2.

Aliases (asin for arcsin) are keys of TABLE too, mapped to the canonical row:
``build.apply`` writes the row's name, so ``asin(x)`` prints as ``arcsin(x)``.
``ROWS`` lists every canonical row once.

The ``numpy`` field is the source of truth for generated code: ``np.`` is
NumPy, ``scipy.special.`` SciPy (erf and erfc; the generated module imports
it only when a template uses it).  ``jax`` and ``torch`` are optional
spellings for those backends where they differ from the NumPy form with its
module renamed (``jnp.`` is jax.numpy, ``jax.`` and ``torch.`` the packages:
jax.nn.gelu, torch.nn.functional.logsigmoid).  printing/backends.py renames
the NumPy forms' modules: np. to jnp. or torch., scipy.special. to
jax.scipy.special. or torch.special.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional

from . import build
from .expr import Expr


@dataclass(frozen=True)
class Elementwise:
    name: str
    sympy: str  # f(x) for SymPy
    numpy: str  # NumPy source with {0} for the argument
    closed_derivative: Optional[Callable[[Expr], Expr]] = None  # f'(A) in closed form
    zero_derivative: bool = False  # f' = 0 almost everywhere
    latex: Optional[str] = None  # a LaTeX operator name (\exp); None: \operatorname{name}
    positive_input: bool = False  # defined for positive arguments only (log): random checks draw them so
    positive_output: bool = False  # f(x) > 0 for every x (exp): generated code may take sqrt of it
    unit_input: bool = False  # defined for -1 < x < 1 only (arcsin): random checks draw entries there
    jax: Optional[str] = None  # jax.numpy form when the NumPy one renamed is not it (jax.nn.gelu)
    torch: Optional[str] = None  # torch form when the NumPy one renamed is not it (torch.special.erf)


TABLE = {
    row.name: row
    for row in [
        Elementwise("exp", "exp(x)", "np.exp({0})", lambda a: build.apply("exp", a), latex=r"\exp",
                    positive_output=True),
        Elementwise("log", "log(x)", "np.log({0})", lambda a: build.epow(a, -1), latex=r"\log",
                    positive_input=True),
        Elementwise("sin", "sin(x)", "np.sin({0})", lambda a: build.apply("cos", a), latex=r"\sin"),
        Elementwise("cos", "cos(x)", "np.cos({0})", lambda a: build.neg(build.apply("sin", a)), latex=r"\cos"),
        Elementwise("tanh", "tanh(x)", "np.tanh({0})", latex=r"\tanh"),
        # the NumPy forms keep their relative accuracy in the tails: 1 - tanh(x)^2 and
        # 0.5 + 0.5 tanh(x/2) round to 0 there (sigmoid(-50) = 0, not 2e-22), which made
        # the gradient of log(softplus(z)), sigmoid(z) / softplus(z), evaluate to 0 instead of 1
        Elementwise("tanh'", "1 - tanh(x)**2", "(1 / np.cosh({0})**2)", positive_output=True),
        Elementwise("sigmoid", "1/(1 + exp(-x))", "np.exp(-np.logaddexp(0, -({0})))", positive_output=True),
        Elementwise("sigmoid'", "exp(-x)/(1 + exp(-x))**2", "(0.25 / np.cosh(0.5 * {0})**2)",
                    positive_output=True),
        Elementwise("softplus", "log(1 + exp(x))", "np.logaddexp(0, {0})",
                    lambda a: build.apply("sigmoid", a), positive_output=True),
        Elementwise("relu", "Max(x, 0)", "np.maximum({0}, 0)"),
        Elementwise("relu'", "Heaviside(x)", "np.heaviside({0}, 0.0)", zero_derivative=True),
        Elementwise("abs", "Abs(x)", "np.abs({0})"),
        Elementwise("abs'", "sign(x)", "np.sign({0})", zero_derivative=True),
        # --- trigonometric and hyperbolic: tan' = 1 + tan^2 (sec^2 with the functions matcalc has)
        Elementwise("tan", "tan(x)", "np.tan({0})", lambda a: build.add(build.num(1), build.epow(build.apply("tan", a), 2)),
                    latex=r"\tan"),
        Elementwise("arcsin", "asin(x)", "np.arcsin({0})",
                    lambda a: build.epow(build.sub(build.num(1), build.epow(a, 2)), Fraction(-1, 2)),
                    latex=r"\arcsin", unit_input=True),
        Elementwise("arccos", "acos(x)", "np.arccos({0})",
                    lambda a: build.neg(build.epow(build.sub(build.num(1), build.epow(a, 2)), Fraction(-1, 2))),
                    latex=r"\arccos", unit_input=True),
        Elementwise("arctan", "atan(x)", "np.arctan({0})",
                    lambda a: build.epow(build.add(build.num(1), build.epow(a, 2)), -1), latex=r"\arctan"),
        Elementwise("sinh", "sinh(x)", "np.sinh({0})", lambda a: build.apply("cosh", a), latex=r"\sinh"),
        Elementwise("cosh", "cosh(x)", "np.cosh({0})", lambda a: build.apply("sinh", a), latex=r"\cosh",
                    positive_output=True),
        # --- sign: sign' = 0 almost everywhere, as relu'' and abs''
        Elementwise("sign", "sign(x)", "np.sign({0})", zero_derivative=True),
        # --- erf and the exact GELU, x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.  erf' = 2/sqrt(pi) exp(-x^2)
        # has a pi, which matcalc cannot write (pi is a scalar variable), so it is named.  Phi is
        # erfc(-x / sqrt 2) / 2, which keeps its relative accuracy for x << 0 where 1 + erf rounds to 0.
        # (jax and torch: jax.scipy.special.erf, torch.special.erf, by backends.py's module renaming)
        Elementwise("erf", "erf(x)", "scipy.special.erf({0})"),
        Elementwise("erf'", "2*exp(-x**2)/sqrt(pi)", "(1.1283791670955126 * np.exp(-np.square({0})))",
                    positive_output=True),
        Elementwise("gelu", "x*(1 + erf(x/sqrt(2)))/2",
                    "(0.5 * ({0}) * scipy.special.erfc(-0.7071067811865476 * ({0})))",
                    jax="jax.nn.gelu({0}, approximate=False)", torch="torch.nn.functional.gelu({0})"),
        Elementwise("gelu'", "(1 + erf(x/sqrt(2)))/2 + x*exp(-x**2/2)/sqrt(2*pi)",
                    "(0.5 * scipy.special.erfc(-0.7071067811865476 * ({0}))"
                    " + 0.3989422804014327 * ({0}) * np.exp(-0.5 * np.square({0})))"),
        # --- accurate near 0: log1p(1e-12) and expm1(1e-12) keep every digit.  log1p needs x > -1:
        # random checks draw positive arguments for it (positive_input), as for log
        Elementwise("log1p", "log(1 + x)", "np.log1p({0})", lambda a: build.epow(build.add(build.num(1), a), -1),
                    positive_input=True),
        Elementwise("expm1", "exp(x) - 1", "np.expm1({0})", lambda a: build.apply("exp", a)),
        # --- logsigmoid = -softplus(-x), silu = x sigmoid(x).  Their derivatives use sigmoid(-x), not
        # 1 - sigmoid(x), which rounds to 0 for x >> 0 (sigmoid(-40) = 4e-18)
        Elementwise("logsigmoid", "-log(1 + exp(-x))", "(-np.logaddexp(0, -({0})))",
                    lambda a: build.apply("sigmoid", build.neg(a)),
                    jax="jax.nn.log_sigmoid({0})", torch="torch.nn.functional.logsigmoid({0})"),
        Elementwise("silu", "x/(1 + exp(-x))", "(({0}) * np.exp(-np.logaddexp(0, -({0}))))",
                    lambda a: build.hadamard(build.apply("sigmoid", a),
                                             build.add(build.num(1), build.hadamard(a, build.apply("sigmoid", build.neg(a))))),
                    jax="jax.nn.silu({0})", torch="torch.nn.functional.silu({0})"),
    ]
}
ROWS = tuple(TABLE.values())

#: Other spellings of a function, read as its canonical name (which is what prints:
#: the NumPy and LaTeX spelling, np.arcsin and \arcsin).
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}
TABLE.update({alias: TABLE[name] for alias, name in ALIASES.items()})


def canonical(fn: str) -> str:
    """The table's name for fn, primes kept: asin'' -> arcsin''."""
    base = fn.rstrip("'")
    name = ALIASES.get(base)
    return fn if name is None else name + fn[len(base):]

#: Built-in element-wise names the grammar knows: the rows without a prime,
#: and sqrt, which is the element-wise power 1/2 rather than a row.
BUILTIN = tuple(name for name in TABLE if "'" not in name) + ("sqrt",)

#: Functions defined for positive arguments only (their derivatives too: log'(x) = 1/x).
NEEDS_POSITIVE_INPUT = frozenset(name for name, row in TABLE.items() if row.positive_input)
#: Functions defined on (-1, 1) only (arcsin, arccos, and asin, acos).
NEEDS_UNIT_INPUT = frozenset(name for name, row in TABLE.items() if row.unit_input)
#: Functions whose every value is positive (exp, sigmoid, ...).
GIVES_POSITIVE_OUTPUT = frozenset(name for name, row in TABLE.items() if row.positive_output)
#: name -> LaTeX operator name, for the rows that have one (sqrt prints as \sqrt{...}).
LATEX_NAMES = {name: row.latex for name, row in TABLE.items() if row.latex}


def split_primes(fn: str):
    """'tanh''' -> ('tanh', 2)."""
    base = fn.rstrip("'")
    return base, len(fn) - len(base)


def derivative(fn: str, arg: Expr) -> Expr:
    """f'(A), element-wise, for d f(A) = f'(A) .* dA."""
    fn = canonical(fn)
    row = TABLE.get(fn)
    if row is not None and row.zero_derivative:
        return build.zero(arg.shape)
    if row is not None and row.closed_derivative is not None:
        return row.closed_derivative(arg)
    return build.apply(fn + "'", arg)


#: The smooth function that stands in for a generic one (sigma, f, --function)
#: in numeric checks; generated code never uses it.
GENERIC_STANDIN = "sin(x) + exp(x/2)"


def numpy_template(fn: str) -> str:
    """NumPy source for f with {0} for the argument; derived by SymPy for
    derivatives that have no row.  A generic function has none."""
    fn = canonical(fn)
    row = TABLE.get(fn)
    if row is not None:
        return row.numpy
    if split_primes(fn)[0] not in TABLE:
        from .errors import UnsupportedError

        raise UnsupportedError(f"{fn} is a generic function: NumPy code needs a concrete one")
    return _derived_template(fn)


_DERIVED: dict = {}


def _derived_template(fn: str) -> str:
    if fn in _DERIVED:
        return _DERIVED[fn]
    import sympy
    from sympy.printing.numpy import NumPyPrinter

    base, k = split_primes(fn)
    row = TABLE.get(base)
    x = sympy.Symbol("x_")
    definition = row.sympy if row is not None else GENERIC_STANDIN
    expr = sympy.diff(sympy.sympify(definition, locals={"x": x}), x, k)
    source = NumPyPrinter({"fully_qualified_modules": True}).doprint(sympy.simplify(expr))
    source = source.replace("numpy.", "np.").replace("x_", "({0})")
    _DERIVED[fn] = f"({source})"
    return _DERIVED[fn]


def numpy_callable(fn: str):
    """f as a Python callable on arrays (a generic f is its smooth stand-in)."""
    import numpy as np

    fn = canonical(fn)
    row = TABLE.get(fn)
    template = row.numpy if row is not None else _derived_template(fn)
    namespace = {"np": np}
    if needs_scipy(template):
        import scipy.special

        namespace["scipy"] = scipy
    return eval("lambda x: " + template.format("x"), namespace)  # noqa: S307 - table text


def needs_scipy(template: str) -> bool:
    """Whether a NumPy template calls SciPy (erf, gelu: scipy.special.erf, erfc)."""
    return "scipy." in template
