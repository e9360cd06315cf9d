"""Presentation rewrites: how an expression is shown, not what it is.

The printers ask these functions how to show a node; each returns an
equal expression (or parts of one) in a form that reads better.  They build
through ``build`` so that the printers never need to.

  tr(P Q^T)         shows as  P : Q                (frobenius_pair)
  x^T - m^T         shows as  (x - m)^T            (untransposed, row_sum)
  X^T A^T           shows as  (A X)^T under ^{-1}  (untransposed)
  c ones(m, n) + B  shows as  c + B                (broadcast_scalar)
  A .* B.^-2        shows as  A ./ B.^2            (reciprocal)
  c s^-2            shows as  c / s^2              (reciprocal_power)
"""
from __future__ import annotations

from .build import count_transposes, epow, mul, neg, num, power, product, transpose
from .expr import Add, EPow, MatMul, Ones, Transpose


def frobenius_pair(trace):
    """(P, Q) with tr(A) = P : Q, the smaller operand first, when A is a
    product with a transposed factor (rotated last: tr(P Q^T) = P : Q); else None."""
    arg = trace.arg
    if not (isinstance(arg, MatMul) and arg.coeff == 1 and not arg.scalars and len(arg.chain) >= 2):
        return None
    chain = list(arg.chain)
    k = next((k for k in range(len(chain) - 1, -1, -1) if isinstance(chain[k], Transpose)), None)
    if k is None:
        return None
    chain = chain[k + 1:] + chain[:k + 1]
    left, right = mul(*chain[:-1]), chain[-1].arg
    return (right, left) if right.size < left.size else (left, right)


def row_sum(e):
    """S with S^T == e, for a sum of row vectors that shows fewer transposes
    that way (x^T - m^T is (x - m)^T); else None."""
    if e.shape[0] == 1 and e.shape[1] != 1:
        t = transpose(e)
        if count_transposes(t) < count_transposes(e):
            return t
    return None


def untransposed(e):
    """A with A^T == e, when e is a transpose, a sum that shows fewer
    transposes that way (A^T + X^T is (A + X)^T) or a product that shows none
    (X^T A^T is (A X)^T; X^T A^T X stays, as in the Cookbook); else None."""
    if isinstance(e, Transpose):
        return e.arg
    if isinstance(e, (Add, MatMul)):
        t = transpose(e)
        if count_transposes(t) < count_transposes(e) and (isinstance(e, Add) or count_transposes(t) == 0):
            return t
    return None


def broadcast_scalar(t):
    """In a sum, c * ones(shape) shows as the scalar c (1 + exp(x)); other terms are themselves."""
    if isinstance(t, Ones):
        return num(1)
    if isinstance(t, MatMul) and len(t.chain) == 1 and isinstance(t.chain[0], Ones):
        return product(t.coeff, t.scalars, ())
    return t


def is_reciprocal(f) -> bool:
    """A factor B.^-p of a Hadamard product, shown after ./ as B.^p."""
    return isinstance(f, EPow) and f.exp < 0


def reciprocal(f):
    """B.^p for the factor B.^-p."""
    return epow(f.base, -f.exp)


def reciprocal_power(s):
    """b^p for a scalar factor s = b^-p, shown under a division bar (b itself for p = 1)."""
    return s.base if s.exp == -1 else power(s.base, -s.exp)


def number(value):
    """The number value, shown as a coefficient's denominator or a term's magnitude."""
    return num(value)


def negated(t):
    """-t, for a negative term shown after a minus sign."""
    return neg(t)
