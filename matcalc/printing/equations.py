"""Equations whose left side states the layout, so that no reader has to guess:
  gradient    ∂f/∂X = G                      (denominator: shaped like X)
              ∂f/∂X^T = G^T                  (numerator)
  jacobian    ∂vec(F)/∂vec(X)^T = J          (numerator; ∂F/∂x^T for vectors)
              ∂vec(F)^T/∂vec(X) = J^T        (denominator)
  hessian     ∂²f/∂vec(X)∂vec(X)^T = H       (∂²f/∂x∂x^T for a vector, ∂²f/∂α² for a scalar)
A scalar is its own transpose, so a scalar f, F or x carries no ^T.
Each function takes a derivative.Derivative.
"""
from __future__ import annotations

from .latex import LatexPrinter, to_latex
from .text import to_text


def _is_vector(shape) -> bool:
    return shape[1] == 1


def _vec(name: str, shape, latex: bool) -> str:
    if _is_vector(shape):
        return name
    return (r"\operatorname{vec}(%s)" if latex else "vec(%s)") % name


def lhs(result, latex: bool = False) -> str:
    x = LatexPrinter().name(result.wrt) if latex else result.wrt
    T = r"^{\top}" if latex else "^T"
    xshape = result.x.shape
    if latex:
        frac = lambda a, b: r"\frac{%s}{%s}" % (a, b)  # noqa: E731
        d, d2 = r"\partial ", r"\partial^2 "
    else:
        frac = lambda a, b: f"{a}/{b}"  # noqa: E731
        d, d2 = "∂", "∂²"
    # a scalar is its own transpose: no ^T on a scalar f, F or x
    xT = "" if xshape == (1, 1) else T
    if result.kind == "gradient":
        return frac(d + "f", d + x + ("" if result.layout == "denominator" else xT))
    if result.kind == "hessian":
        if xshape == (1, 1):
            return frac(d2 + "f", d + x + ("^2" if latex else "²"))
        v = _vec(x, xshape, latex)
        return frac(d2 + "f", d + v + (r" \, " if latex else " ") + d + v + T)
    F = _vec("F", result.f.shape, latex)
    FT = "" if result.f.shape == (1, 1) else T
    v = _vec(x, xshape, latex)
    if result.layout == "numerator":
        return frac(d + F, d + v + xT)
    return frac(d + F + FT, d + v)


def equation(result, latex: bool = False) -> str:
    body = to_latex(result.expr) if latex else to_text(result.expr)
    return f"{lhs(result, latex)} = {body}"


def differential_sides(result, latex: bool = False):
    """(left, right) of df = ..., dF = ... or d2f = ..."""
    name = {"gradient": "f", "jacobian": "F", "hessian": "f"}[result.kind]
    if latex:
        left = (r"\mathrm{d}^2 " if result.kind == "hessian" else r"\mathrm{d}") + name
        return left, to_latex(result.differential)
    return ("d2" if result.kind == "hessian" else "d") + name, to_text(result.differential)


def differential_equation(result, latex: bool = False) -> str:
    """df = ..., dF = ... or d2f = ..."""
    return " = ".join(differential_sides(result, latex))


def derivation(result, latex: bool = False) -> str:
    """The differential, then the equation of the result: two lines of text,
    or in LaTeX one ``aligned`` block (the equals signs aligned) that goes
    inside one display, \\[ ... \\] or an equation environment."""
    if not latex:
        return differential_equation(result) + "\n" + equation(result)
    d_left, d_right = differential_sides(result, True)
    return "\n".join([r"\begin{aligned}", f"{d_left} &= {d_right} \\\\",
                      f"{lhs(result, True)} &= {to_latex(result.expr)}", r"\end{aligned}"])
