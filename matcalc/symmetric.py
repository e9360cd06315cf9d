"""Symmetric variables (--symmetric S, --spd S): declarations, and the
derivatives with respect to a variable constrained to symmetric matrices.

A symmetric variable is a ``Var`` with kind 'sym' (or 'spd'); build.transpose
returns it unchanged, so S^T = S, S^{-T} = S^{-1} and (A + A^T) x = 2 A x hold
by construction.  The engine still differentiates along an unconstrained dS:
the canonical f is one extension of f off the symmetric matrices, and its
gradient G~ is exact for that extension.  Only its symmetric part is
determined by f on symmetric matrices, so:

- gradient, convention 'symmetric' (the default): the symmetric G with
  df = G : dS for every symmetric dS, G = sym(G~) = (G~ + G~^T)/2;
- gradient, convention 'entrywise' (the Matrix Cookbook's): the partial
  derivatives with respect to the distinct entries S_ij = S_ji,
  G~ + G~^T - diag(diag(G~)) = 2 G - diag(diag(G));
- Jacobian: J with vec(dF) = J vec(dS) for symmetric dS, laid out as the
  unconstrained Jacobian after symmetrizing the direction,
  J = J~ (I + K)/2 (K the commutation matrix): J vec(V) is the derivative
  along a symmetric V, and J vec(W) = 0 for an antisymmetric W;
- Hessian: likewise H = (I + K)/2 H~ (I + K)/2, the Jacobian of
  vec(G) with G the symmetric-convention gradient.
"""
from __future__ import annotations

from fractions import Fraction

from . import build as b
from .expr import Differential, Expr, Var

from .frontend.arguments import CONVENTIONS  # noqa: F401 - re-exported
KINDS = {"sym": "symmetric", "spd": "symmetric positive definite"}


def sym(G: Expr) -> Expr:
    """sym(G) = (G + G^T)/2."""
    return b.mul(b.num(Fraction(1, 2)), b.add(G, b.transpose(G)))


def entrywise(G: Expr) -> Expr:
    """G + G^T - I .* G (the Matrix Cookbook's form) of an unconstrained gradient G;
    for a symmetric G it is 2 G - I .* G."""
    return b.add(G, b.transpose(G), b.neg(b.diag_mat(b.diag_vec(G))))


def from_entrywise(E: Expr) -> Expr:
    """The symmetric-convention gradient of an entrywise one: (E + diag(diag(E)))/2."""
    return b.mul(b.num(Fraction(1, 2)), b.add(E, b.diag_mat(b.diag_vec(E))))


def symmetrize_direction(dF: Expr, x: Var) -> Expr:
    """dF with dS replaced by sym(dS) = (dS + dS^T)/2: vectorized, it gives J~ (I + K)/2."""
    if not x.kind:
        return dF
    dx = b.differential(x)
    return b.substitute(dF, {dx: sym(dx)})


def convention_text(x: Var, convention: str, kind: str = "gradient") -> str:
    """One line on what the derivative with respect to a symmetric x means."""
    what = KINDS.get(x.kind, "symmetric")
    n = x.name
    if kind == "jacobian":
        return (f"{n} {what}: along symmetric directions, vec(dF) = J vec(d{n}) for symmetric d{n}, "
                "J = J~ (I + K)/2 of the unconstrained J~")
    if kind == "hessian":
        return (f"{n} {what}: along symmetric directions, H = P H~ P with P = (I + K)/2, "
                "the Jacobian of vec(G) for the symmetric gradient G")
    if convention == "entrywise":
        return (f"{n} {what}, entry-wise convention: G_ij = ∂f/∂{n}_ij over the distinct entries "
                f"{n}_ij = {n}_ji, G~ + G~^T - diag(diag(G~)) of the unconstrained G~")
    return (f"{n} {what}, symmetric convention: the symmetric G with df = G : d{n} for every "
            f"symmetric d{n}, (G~ + G~^T)/2 of the unconstrained G~")


def convention_latex(x: Var, convention: str, kind: str, name: str) -> str:
    """The LaTeX note of convention_text; ``name`` is x's LaTeX name."""
    what = KINDS.get(x.kind, "symmetric")
    head = r"\text{($" + name + "$ " + what
    if kind == "jacobian":
        return head + r"; along symmetric directions: $J = \tilde{J} (I + K)/2$)}"
    if kind == "hessian":
        return head + r"; along symmetric directions: $H = P \tilde{H} P$, $P = (I + K)/2$)}"
    if convention == "entrywise":
        return head + r"; entry-wise convention: $G_{ij} = \partial f / \partial " + name + \
            "_{ij}$ over the distinct entries)}"
    return head + r"; symmetric convention: $\mathrm{d}f = G : \mathrm{d}" + name + \
        r"$ for every symmetric $\mathrm{d}" + name + "$)}"


def is_differential_of(e: Expr, x: Var) -> bool:
    return isinstance(e, Differential) and e.var == x
