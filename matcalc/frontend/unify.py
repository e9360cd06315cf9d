"""Unknown dimensions and their unification.

A DimVar is an unknown dimension, never 1 (a matrix is not a vector by
accident).  The Unifier binds DimVars to dimensions or to other DimVars
(union-find), and keeps products of dimensions in one normal form, so that
equal products compare equal.
"""
from __future__ import annotations

from typing import Dict

from ..dims import dim_mul
from ..expr import DimProd


class DimVar:
    """An unknown dimension; never 1 (a matrix is not a vector by accident)."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id

    def __repr__(self):
        return f"?{self.id}"


class Unifier:
    def __init__(self):
        self.parent: Dict[DimVar, object] = {}
        self.count = 0

    def fresh(self) -> DimVar:
        self.count += 1
        return DimVar(self.count)

    def find(self, d):
        while isinstance(d, DimVar) and d in self.parent:
            d = self.parent[d]
        return d

    def resolve(self, d):
        d = self.find(d)
        if isinstance(d, tuple):
            return self._product([self.resolve(f) for f in d[1:]])
        return d

    def unify(self, a, b) -> bool:
        a, b = self.resolve(a), self.resolve(b)
        if a is b or a == b:
            return True
        if isinstance(a, DimVar) or isinstance(b, DimVar):
            var, other = (a, b) if isinstance(a, DimVar) else (b, a)
            if other == 1 or (isinstance(other, tuple) and var in other[2:]):
                return False  # n = n * m needs m = 1, which an unknown never is
            self.parent[var] = other
            return True
        if isinstance(a, tuple) != isinstance(b, tuple):  # 3 * ?1 = 12, ?1 * ?1 = n*n
            prod, other = (a, b) if isinstance(a, tuple) else (b, a)
            return self._solve(prod, other)
        if isinstance(a, tuple) and a[1] == b[1] and len(a) == len(b) == 3:  # k * ?1 = k * ?2
            return self.unify(a[2], b[2])
        return False

    def _solve(self, prod, other) -> bool:
        """("*", known, v, ..., v) = other, a known dimension: v = (other / known)^(1/k)."""
        known, unknowns = prod[1], prod[2:]
        if len(set(unknowns)) != 1:
            return False
        quotient = _dim_quotient(other, known)
        root = None if quotient is None else _dim_root(quotient, len(unknowns))
        if root is None or root == 1:
            return False
        self.parent[unknowns[0]] = root
        return True

    def product(self, a, b):
        return self._product([self.resolve(a), self.resolve(b)])

    @staticmethod
    def _product(factors):
        """A product in normal form: a dimension when every factor is known,
        else ("*", known part, unknowns in creation order), flattened, so that
        equal products compare equal (kron(A, B) and A ⊗ B have one shape)."""
        known, unknown = 1, []
        for f in factors:
            for part in f[1:] if isinstance(f, tuple) else (f,):
                if isinstance(part, DimVar):
                    unknown.append(part)
                else:
                    known = dim_mul(known, part)
        if not unknown:
            return known
        unknown.sort(key=lambda v: v.id)
        if known == 1 and len(unknown) == 1:
            return unknown[0]
        return ("*", known) + tuple(unknown)


def _dim_parts(d):
    """A known dimension as (integer factor, {name: multiplicity})."""
    number, names = 1, {}
    for f in d.factors if isinstance(d, DimProd) else (d,):
        if isinstance(f, int):
            number *= f
        else:
            names[f] = names.get(f, 0) + 1
    return number, names


def _dim_of_parts(number, names) -> object:
    out = number
    for name in sorted(names):
        for _ in range(names[name]):
            out = dim_mul(out, name)
    return out


def _dim_quotient(a, b):
    """a / b for known dimensions, or None when b does not divide a."""
    (na, ca), (nb, cb) = _dim_parts(a), _dim_parts(b)
    if na % nb or any(ca.get(k, 0) < v for k, v in cb.items()):
        return None
    return _dim_of_parts(na // nb, {k: v - cb.get(k, 0) for k, v in ca.items() if v - cb.get(k, 0)})


def _dim_root(d, k: int):
    """The k-th root of a known dimension (n*n -> n, 9 -> 3), or None."""
    number, names = _dim_parts(d)
    root = round(number ** (1 / k))
    root = next((r for r in (root - 1, root, root + 1) if r >= 1 and r ** k == number), None)
    if root is None or any(v % k for v in names.values()):
        return None
    return _dim_of_parts(root, {name: v // k for name, v in names.items()})
