"""Common subexpressions, named once.

A deep result repeats its forward values: the gradient of an L-layer MLP holds
tanh'(W2 tanh(W1 x)) and, inside the next layer, W2 tanh(W1 x) again, so its
plain text grows as L^2.  ``common_subexpressions`` names every subexpression
that occurs more than once (largest saving first, until none saves enough),
which makes the printed form, and the generated code, grow linearly.
"""
from __future__ import annotations

from .. import build as b
from ..expr import Commutation, Differential, Expr, Identity, Num, Ones, Transpose, Var, Zero

TRIVIAL = (Var, Num, Identity, Ones, Zero, Differential, Commutation)


def _trivial(e: Expr) -> bool:
    return isinstance(e, TRIVIAL) or (isinstance(e, Transpose) and isinstance(e.arg, TRIVIAL))


def _postorder(roots) -> list:
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in node.children())
    return order


def common_subexpressions(roots, prefix: str = "t", min_size: int = 3, taken=()):
    """(definitions [(Var, expr)] in dependency order, the roots rewritten).

    One pass, parents before children: a node is named when it is used at
    least twice and has at least min_size nodes; a named node is computed
    once, so it lends its children one use, not one per use of its own."""
    roots = list(roots)
    taken = set(taken)
    for r in roots:
        taken |= r.free
    order = _postorder(roots)
    uses: dict = {}
    for r in roots:
        uses[r] = uses.get(r, 0) + 1
    named: dict = {}
    counter = 0
    for node in reversed(order):
        n = uses.get(node, 0)
        name_it = (n >= 2 and not _trivial(node) and node.size >= min_size
                   and not (node.shape == (1, 1) and node.size < 3))
        if name_it:
            counter += 1
            while f"{prefix}{counter}" in taken:
                counter += 1
            named[node] = b.var(f"{prefix}{counter}", node.shape)
            taken.add(named[node].name)
        for c in node.children():
            uses[c] = uses.get(c, 0) + (1 if name_it else n)
    if not named:
        return [], roots
    memo: dict = {}

    def go(x):
        if x in named:
            return named[x]
        if x not in memo:
            memo[x] = b.map_children(x, go)
        return memo[x]

    defs = [(v, b.map_children(node, go)) for node, v in named.items()]
    return _renumber(_dependency_order(defs), [go(r) for r in roots], prefix, taken)


def _dependency_order(defs):
    names = {v.name: (v, d) for v, d in defs}
    out, done = [], set()

    def visit(name):
        if name in done:
            return
        done.add(name)
        v, d = names[name]
        for other in sorted(d.free & set(names)):
            visit(other)
        out.append((v, d))

    for v, _ in defs:
        visit(v.name)
    return out


def _renumber(defs, roots, prefix, taken):
    """Name the definitions t1, t2, ... in the order they are computed."""
    old = [v for v, _ in defs]
    reserved = taken - {v.name for v in old}
    fresh, k = [], 0
    for v in old:
        k += 1
        while f"{prefix}{k}" in reserved:
            k += 1
        fresh.append(b.var(f"{prefix}{k}", v.shape))
    # through temporary names, so that t2 -> t1 and t1 -> t2 cannot collide
    tmp = {v: b.var("\0" + v.name, v.shape) for v in old}
    final = {tmp[v]: f for v, f in zip(old, fresh)}

    def rename(e):
        return b.substitute(b.substitute(e, tmp), final)

    return [(f, rename(d)) for f, (_, d) in zip(fresh, defs)], [rename(r) for r in roots]
