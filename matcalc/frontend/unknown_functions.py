"""Unknown functions: a name written as a call is never read as a product by accident.

A lowercase or Greek name (by the naming convention a vector or a scalar) that is
not declared with --shape, written directly before ``(``, is a function call:
a built-in, a function declared with --function, or this module's one-line
error naming it as an unknown function.  ``foo (x)`` (with a space) and
``foo * (x)`` stay products; so does ``A(B + C)``, an uppercase name.

Some names are known not to be element-wise: --function would make them an
element-wise stand-in with another meaning (and --check would pass it), so
the error says what to write instead, and --function refuses them.
"""
from __future__ import annotations

#: name -> what to write instead (or why it is not supported)
NOT_ELEMENTWISE = {
    "max": "the maximum is not differentiable where entries tie and is not supported; "
           "logsumexp(z) is its smooth version, and relu(x) is max(x, 0)",
    "min": "the minimum is not differentiable where entries tie and is not supported; "
           "-logsumexp(-z) is its smooth version",
    "argmax": "argmax is piecewise constant (its derivative is 0 where it exists): not supported",
    "argmin": "argmin is piecewise constant (its derivative is 0 where it exists): not supported",
    "prod": "the product of entries is not supported; for positive entries write exp(sum(log(x)))",
    "mean": "write sum(X) / n, with n the number of entries (or ones(n)^T x / n)",
    "avg": "write sum(X) / n, with n the number of entries",
    "var": "the variance is not a built-in: write it out, e.g. norm(x - sum(x)/n ones(n))^2 / n",
    "std": "the standard deviation is not a built-in: write sqrt of the variance written out",
    "softmin": "write softmax(-z)",
    "logsoftmax": "write log_softmax(z)",
    "lse": "write logsumexp(z)",
    "log_sum_exp": "write logsumexp(z)",
    "ln": "write log(x)",
    "trace": "write tr(X)",
    "transpose": "write X^T",
    "inverse": "write inv(X) or X^{-1}",
    "norm1": "the 1-norm is sum(abs(x)); norm(x) is the Euclidean (Frobenius) norm",
    "norm2": "write norm(x), the Euclidean (Frobenius) norm",
    "l1": "the 1-norm is sum(abs(x))",
    "ℓ1": "the 1-norm is sum(abs(x))",
    "nuclear": "the nuclear norm is not supported",
    "dot": "write x^T y (or x : y for matrices)",
    "outer": "write x y^T",
    "matmul": "write A B",
    "square": "write x.^2",
    "eye": "write I, or I_n for the n x n identity",
    "zeros": "write 0 (a zero matrix takes its shape from where it is used)",
    "logdet2": "write logdet(X)",
    "tril": "triangular parts are not supported",
    "triu": "triangular parts are not supported",
    "rank": "the rank is piecewise constant: not supported",
    "cross": "the cross product is not supported",
}


def _looks_like_function(name: str) -> bool:
    from .convention import convention

    return convention(name) in ("scalar", "vector")


def unknown_function_error(name: str, source: str, pos: int):
    """The one-line error for name(...) where name is no function."""
    from ..errors import NameError_

    known = NOT_ELEMENTWISE.get(name)
    if known is not None:
        return NameError_(f"unknown function {name}: {known}", source, pos)
    return NameError_(f"unknown function {name}: {name}(...) is not a built-in function; declare an element-wise "
                      f"function with --function {name}, or write {name} (...) with a space or {name} * (...) "
                      "for a product", source, pos)


def check_function_name(name: str):
    """--function NAME: refuse the names known not to be element-wise."""
    from ..errors import UsageError

    if name in NOT_ELEMENTWISE:
        raise UsageError(f"--function {name}: {name} is not element-wise, and a stand-in would change its meaning: "
                         f"{NOT_ELEMENTWISE[name]}")
