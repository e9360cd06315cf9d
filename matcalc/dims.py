"""Symbolic dimensions and shapes: a dimension is a positive int, a name (str)
or a ``DimProd`` of those; a shape is (rows, cols).  DimProd and its algebra
live here together; this module imports nothing from matcalc."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple, Union


@dataclass(frozen=True)
class DimProd:
    """The product of dimensions, e.g. the rows of vec(X) for X m x n."""

    factors: Tuple[Union[int, str], ...]

    def __str__(self):
        return "*".join(str(f) for f in self.factors)


Dim = Union[int, str, DimProd]
Shape = Tuple[Dim, Dim]
SCALAR: Shape = (1, 1)


def dim_mul(a: Dim, b: Dim) -> Dim:
    """a * b, with ints multiplied out and names sorted (m*n == n*m)."""
    factors = []
    number = 1
    for d in (a, b):
        for f in d.factors if isinstance(d, DimProd) else (d,):
            if isinstance(f, int):
                number *= f
            else:
                factors.append(f)
    if not factors:
        return number
    factors.sort()
    if number != 1:
        factors.insert(0, number)
    return factors[0] if len(factors) == 1 else DimProd(tuple(factors))


def dim_text(d: Dim) -> str:
    return str(d)


def shape_text(shape: Shape) -> str:
    """'scalar', 'n' (column vector), '1×n' (row vector) or 'm×n'."""
    r, c = shape
    if shape == (1, 1):
        return "scalar"
    if c == 1:
        return f"{dim_text(r)}-vector"
    return f"{dim_text(r)}×{dim_text(c)}"


def dim_value(d: Dim, sizes: dict) -> int:
    """The integer value of a dimension under an assignment of its names."""
    if isinstance(d, int):
        return d
    if isinstance(d, str):
        return sizes[d]
    out = 1
    for f in d.factors:
        out *= dim_value(f, sizes)
    return out


def dim_names(d: Dim):
    if isinstance(d, str):
        return {d}
    if isinstance(d, DimProd):
        return {f for f in d.factors if isinstance(f, str)}
    return set()
