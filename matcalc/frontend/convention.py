"""The naming convention: what an undeclared name means (the seed answers' convention).

lowercase Latin -> column vector, Uppercase -> matrix, Greek (spelled out or
Unicode) -> scalar; ``I`` -> the identity of inferred size and ``I_n`` the
n x n identity; sigma, σ, f and g written f(Z) -> generic element-wise
functions.  Dimensions that inference leaves unknown are named n, m, p, ...
in the order they are printed.
"""
from __future__ import annotations

import re
import unicodedata

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron pi rho sigma tau upsilon phi varphi chi psi omega"
).split()
_GREEK_STEM = re.compile(r"^(%s)(\d+|_\w*)?$" % "|".join(sorted(GREEK, key=len, reverse=True)))
DIM_NAMES = "n m p q r s k l t u v a b c d e".split()
GENERIC_FUNCTIONS = ("sigma", "σ", "f", "g")  # generic element-wise functions when written f(Z)


def convention(name: str) -> str:
    """'scalar', 'vector' or 'matrix' for an undeclared name."""
    first = name[0]
    if _GREEK_STEM.match(re.sub(r"[_^]\{.*", "_", name)):  # lambda_{k+1}, mu^{(l)}: Greek too
        return "scalar"
    if "GREEK" in unicodedata.name(first, ""):  # Σ and Λ are matrices, as Sigma and Lambda are
        return "matrix" if first.isupper() else "scalar"
    if first.isupper():
        return "matrix"
    return "vector"


def sized_identity(name: str) -> bool:
    """I_n, I_3, I_n1: the name of a sized identity (unless declared)."""
    return re.fullmatch(r"I_(\d+|[A-Za-z]\w*)", name) is not None


def dim_name_pool():
    """n, m, p, ..., then n1, n2, ...: the names of inferred dimensions, in order."""
    yield from DIM_NAMES
    i = 1
    while True:
        yield f"n{i}"
        i += 1
