"""The element-wise function table: one row per function.

Each row gives the function's definition for SymPy (the source of truth for
derivatives: tests derive f' from it and check every row), its NumPy source,
and its derivative either in closed form (exp' = exp, sin' = cos, log'(x) = x.^-1)
or by name with a prime (tanh' is printed ``tanh'(Z)``).  Higher derivatives
without a NumPy row are derived from the SymPy definition when needed.

sqrt is not here: it is the element-wise power 1/2.
"""
from __future__ import annotations

from dataclasses import dataclass
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
    ]
}

#: Built-in element-wise names the grammar knows: the rows without a prime,
#: and sqrt, which is the element-wise power 1/2 rather than a row.
BUILTIN = tuple(name for name in TABLE if "'" not in name) + ("sqrt",)

#: Functions defined for positive arguments only (their derivatives too: log'(x) = 1/x).
NEEDS_POSITIVE_INPUT = frozenset(name for name, row in TABLE.items() if row.positive_input)
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

    row = TABLE.get(fn)
    template = row.numpy if row is not None else _derived_template(fn)
    return eval("lambda x: " + template.format("x"), {"np": np})  # noqa: S307 - table text
