"""Presentation: make a result read like a textbook's without changing its
value.  Common factors of a sum come out (A x + A^T x = (A + A^T) x) and a
common coefficient comes out of a sum (2 A + 2 B = 2 (A + B))."""
from __future__ import annotations

from fractions import Fraction
from math import gcd

from .. import build as b
from ..expr import Add, Expr, Kron, MatMul


def _parts(t: Expr):
    """A term as (scalar part, chain)."""
    if isinstance(t, MatMul):
        return b._product(t.coeff, t.scalars, ()), list(t.chain)
    if t.shape == (1, 1):
        return t, []
    return b.num(1), [t]


def factor_sum(e: Add) -> Expr:
    """Pull a factor shared by several terms to the left or right of their sum."""
    terms = merge_kron_terms(list(e.terms))
    while True:
        best = None
        for side in (-1, 0):
            groups: dict = {}
            for i, t in enumerate(terms):
                pre, chain = _parts(t)
                if len(chain) >= 2:
                    groups.setdefault(chain[side], []).append(i)
            for factor, idx in groups.items():
                if len(idx) >= 2 and (best is None or len(idx) > len(best[2])):
                    best = (side, factor, idx)
        if best is None:
            break
        side, factor, idx = best
        rest = []
        for i in idx:
            pre, chain = _parts(terms[i])
            rest.append(b.mul(pre, *(chain[:-1] if side == -1 else chain[1:])))
        inner = tidy(b.add(*rest))
        merged = b.mul(inner, factor) if side == -1 else b.mul(factor, inner)
        terms = [t for i, t in enumerate(terms) if i not in idx] + [merged]
    out = b.add(*terms)
    return pull_coefficient(out) if isinstance(out, Add) else out


def merge_kron_terms(terms):
    """A ⊗ B + A ⊗ C = A ⊗ (B + C) (and likewise in any one position)."""
    changed = True
    while changed:
        changed = False
        for i, t in enumerate(terms):
            ci, ki = b.split_coeff(t)
            if not isinstance(ki, Kron):
                continue
            for j in range(i + 1, len(terms)):
                cj, kj = b.split_coeff(terms[j])
                if not isinstance(kj, Kron) or len(kj.factors) != len(ki.factors):
                    continue
                diff = [p for p, (x, y) in enumerate(zip(ki.factors, kj.factors)) if x != y]
                if len(diff) != 1 or ki.factors[diff[0]].shape != kj.factors[diff[0]].shape:
                    continue
                p = diff[0]
                inner = tidy(b.add(b.scale(ci, ki.factors[p]), b.scale(cj, kj.factors[p])))
                merged = b.kron(*ki.factors[:p], inner, *ki.factors[p + 1:])
                terms = [x for k, x in enumerate(terms) if k not in (i, j)] + [merged]
                changed = True
                break
            if changed:
                break
    return terms


def pull_coefficient(e: Add) -> Expr:
    """2 A + 4 B = 2 (A + 2 B); -A - B = -(A + B)."""
    coeffs = [b.split_coeff(t)[0] for t in e.terms]
    common = 1
    if all(c.denominator == 1 for c in coeffs):
        common = 0
        for c in coeffs:
            common = gcd(common, c.numerator)
    common = Fraction(common)
    if all(c < 0 for c in coeffs):
        common = -common
    if common in (0, 1):
        return e
    return b.mul(b.num(common), b.add(*[b.scale(1 / common, t) for t in e.terms]))


def tidy(e: Expr) -> Expr:
    """Apply factor_sum to every sum, innermost first."""
    e = b.map_children(e, tidy)
    return factor_sum(e) if isinstance(e, Add) else e
