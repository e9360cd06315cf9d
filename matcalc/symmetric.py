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

CONVENTIONS = ("symmetric", "entrywise")
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


def convention_text(x: Var, convention: str) -> str:
    """One sentence on what the derivative with respect to a symmetric x means."""
    if convention == "entrywise":
        return (f"{x.name} is {KINDS[x.kind]}; entry-wise convention: entry (i, j) is the partial "
                f"derivative with respect to the distinct entry {x.name}_ij = {x.name}_ji "
                f"(G~ + G~^T - diag(diag(G~)) of the unconstrained G~)")
    return (f"{x.name} is {KINDS[x.kind]}; symmetric convention: the symmetric G with df = G : d{x.name} "
            f"for every symmetric d{x.name} (sym(G~) = (G~ + G~^T)/2 of the unconstrained G~)")


def is_differential_of(e: Expr, x: Var) -> bool:
    return isinstance(e, Differential) and e.var == x
