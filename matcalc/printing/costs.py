"""The cost model of generated code: a rough count of the floating-point work
to evaluate an expression, matrix-chain orders, and which of two ways is cheaper.

The work is a polynomial in the symbolic dimensions ({monomial: coefficient}, a
monomial a sorted tuple of names); a cost is a tuple of polynomials, the least of
which applies (where the cheapest way depends on sizes known only when the code
runs, numpy_code.py writes the choice as an ``if`` on the sizes).  ``cost`` is
also read by the operator table's test (every node has a cost).
"""
from __future__ import annotations

from ..expr import Add, Differential, Expr, MatMul, Num, Transpose, Var
from ..operators import OPERATORS

#: node classes whose work is cubic in their argument's rows (the table's cost column)
CUBIC = frozenset(row.node for row in OPERATORS if row.cost == "cubic")

BIG = 1000  # the size assumed for a symbolic dimension when ordering products

# The work to evaluate an expression is a polynomial in its symbolic
# dimensions ({monomial: coefficient}, a monomial a sorted tuple of names).
# Where the cheapest way depends on sizes known only when the code runs
# (X V - U (V^T V) or (X - U V^T) V: it depends on the rank of U), a cost is
# the least of a few polynomials, and the code chooses when it runs.

SMALL = 16  # a symbolic dimension taken small (a rank, a batch) when ways are compared


def _cost_dim(d) -> int:
    return _value(_pdim(d), {})


def _pdim(d) -> dict:
    if isinstance(d, int):
        return {(): d}
    if isinstance(d, str):
        return {(d,): 1}
    return _pmul(*[_pdim(f) for f in d.factors])


def _pmul(*ps) -> dict:
    out = {(): 1}
    for p in ps:
        product: dict = {}
        for m1, c1 in out.items():
            for m2, c2 in p.items():
                m = tuple(sorted(m1 + m2))
                product[m] = product.get(m, 0) + c1 * c2
        out = product
    return out


def _padd(*ps) -> dict:
    out: dict = {}
    for p in ps:
        for m, c in p.items():
            out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c}


def _value(p: dict, sizes: dict) -> int:
    total = 0
    for m, c in p.items():
        for d in m:
            c *= sizes.get(d, BIG)
        total += c
    return total


def _regimes(polys) -> list:
    """Every symbolic dimension large, then each one small in turn."""
    names = sorted({d for p in polys for m in p for d in m})
    return [{}] + [{d: SMALL} for d in names]


def _least(alternatives: list) -> tuple:
    """The alternatives that are cheapest in some regime, the all-large one first."""
    if len(alternatives) == 1:
        return tuple(alternatives)
    keep = []
    for sizes in _regimes(alternatives):
        best = min(alternatives, key=lambda p: _value(p, sizes))
        if best not in keep:
            keep.append(best)
    return tuple(keep)


def _cadd(*costs) -> tuple:
    """The sum of costs (each the least of its polynomials)."""
    out = ({},)
    for c in costs:
        out = _least([_padd(x, y) for x in out for y in c])
    return out


def cheaper(a: tuple, b: tuple):
    """True when cost a is below cost b at every size, False when never,
    None when it depends on the sizes."""
    verdicts = {min(_value(p, s) for p in a) < min(_value(p, s) for p in b) for s in _regimes(a + b)}
    return verdicts.pop() if len(verdicts) == 1 else None


def _tree_cost(t, dims: list) -> tuple:
    """(first, last, polynomial) of multiplying out a chain-order tree."""
    if isinstance(t, int):
        return t, t, {}
    i, k, left = _tree_cost(t[0], dims)
    _, j, right = _tree_cost(t[1], dims)
    return i, j, _padd(left, right, _pmul(dims[i], dims[k + 1], dims[j + 1]))


def chain_order(shapes, sizes=None):
    """Matrix-chain ordering: a nested tuple of indices of least cost, with
    the symbolic dimensions at the given sizes (default: all large)."""
    n = len(shapes)
    dims = [_value(_pdim(shapes[0][0]), sizes or {})] + [_value(_pdim(s[1]), sizes or {}) for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    def tree(i, j):
        return i if i == j else (tree(i, split[i][j]), tree(split[i][j] + 1, j))
    return tree(0, n - 1)


def chain_orders(shapes) -> list:
    """[(tree, polynomial)]: the orders that are cheapest in some regime of
    sizes (all large first), with the cost of each."""
    dims = [_pdim(shapes[0][0])] + [_pdim(s[1]) for s in shapes]
    out: list = []
    for sizes in _regimes(dims):
        t = chain_order(shapes, sizes)
        if all(t != seen for seen, _ in out):
            out.append((t, _tree_cost(t, dims)[2]))
    least = _least([p for _, p in out])
    return [(t, p) for t, p in out if p in least]


def _last(t) -> int:
    """The index of the last factor of a chain-order tree."""
    while not isinstance(t, int):
        t = t[1]
    return t


def _gcd(p: dict) -> list:
    """The dimensions every monomial of p has, with multiplicity."""
    from collections import Counter

    counts = [Counter(m) for m in p]
    common = counts[0] if counts else Counter()
    for c in counts[1:]:
        common &= c
    return sorted(common.elements())


def _without(monomial: tuple, common: list) -> list:
    """The monomial divided by the common dimensions."""
    out = list(monomial)
    for d in common:
        out.remove(d)
    return out


def _psize(shape) -> dict:
    return _pmul(_pdim(shape[0]), _pdim(shape[1]))


def _size(shape) -> int:
    return _value(_psize(shape), {})


def cost(e: Expr, memo: dict) -> tuple:
    """A rough count of the floating-point work to evaluate e, as the least
    of a few polynomials in the dimensions (products by the cheapest chain
    order; a sum pays for its temporaries)."""
    if e in memo:
        return memo[e]
    parts = [cost(c, memo) for c in e.children()]
    if isinstance(e, MatMul):
        if len(e.chain) > 1:
            parts.append(tuple(p for _, p in chain_orders([f.shape for f in e.chain])))
        parts.append((_pmul(_psize(e.shape), {(): len(e.scalars)}),))
    elif isinstance(e, Add):
        parts.append((_pmul(_psize(e.shape), {(): 2 * (len(e.terms) - 1)}),))
    elif type(e) in CUBIC:  # inv, det, logdet: n^3, n the argument's rows
        parts.append((_pmul(*[_pdim(e.arg.shape[0])] * 3),))
    elif not isinstance(e, (Var, Num, Transpose, Differential)):
        parts.append((_psize(e.shape),))
    memo[e] = _cadd(*parts)
    return memo[e]
