"""Lowering rules, one per form (the ``lower`` column of forms.py): a typed
syntax node and the expressions of its operands -> a canonical expression,
built through ``build`` with every dimension resolved and named.

A left-nested run of one chain family (a sum, a product, a Hadamard or a
Kronecker product: the ``chain`` column of forms.py) is lowered as one n-ary node: its
operands are the first operand at the bottom of the run and the right
operand of every node in it, left to right.
"""
from __future__ import annotations

from .. import build
from ..errors import NumericError
from ..expr import SCALAR, Var
from .convention import sized_identity


def name(ctx, node):
    """A variable, built once per name; I and I_n (undeclared) are identities."""
    name = node.value
    if (name == "I" or sized_identity(name)) and name not in ctx.declared:
        return build.identity(ctx.shape(node)[0])
    cache = ctx.var_exprs
    if name not in cache:
        cache[name] = Var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name]))
    return cache[name]


def number(ctx, node):
    return build.num(node.value)


def sized(ctx, node):
    dims = ctx.sized_dims(node)
    return build.identity(dims[0]) if len(dims) == 1 else build.commutation(*dims)


def same(ctx, node, a):
    """(A) is A."""
    return a


def neg(ctx, node, a):
    return build.neg(a)


def generic_call(ctx, node, a):
    return build.apply(node.value, a)


def frob(ctx, node, a, b):
    return build.frob(a, b)


def transpose(ctx, node, a):
    return build.transpose(a)


def inverse(ctx, node, a):
    return build.inverse(a)


def inverse_transpose(ctx, node, a):
    return build.inverse(build.transpose(a))


def power(ctx, node, a):
    """X^T, X^{-T}, s^r, X^k."""
    e = node.value
    if e == "T":
        return build.transpose(a)
    if e == "-T":
        return build.inverse(build.transpose(a))
    if a.shape == SCALAR:
        return build.power(a, e)
    return build.matpow(a, int(e))


def epower(ctx, node, a):
    return build.epow(a, node.value)


def _run(node, rest) -> list:
    """The nodes of the run that node tops, bottom first: one per right operand in rest."""
    nodes = []
    for _ in rest:
        nodes.append(node)
        node = node.args[0]
    return nodes[::-1]


def _no_zero_division(ctx, nodes, rest):
    """Division by a scalar that is zero is refused at its operator."""
    for n, x in zip(nodes, rest):
        if n.op in ("div", "ediv") and build.is_zero(x) and x.shape == SCALAR:
            what = "" if n.args[1].op == "number" else f": {ctx.text(n.args[1])} is 0"
            raise NumericError("division by zero" + what, ctx.source, n.pos)


def sum_(ctx, node, first, *rest):
    """a + b - c is a + b + (-c)."""
    ops = [n.op for n in _run(node, rest)]
    return build.add(first, *[x if o == "add" else build.neg(x) for o, x in zip(ops, rest)])


def product(ctx, node, first, *rest):
    """a b * c / s is a b c s^-1, with scalar runs (x^T y) as one factor."""
    nodes = _run(node, rest)
    _no_zero_division(ctx, nodes, rest)
    return build.mul(*_scalar_runs([first] + [build.power(x, -1) if n.op == "div" else x
                                              for n, x in zip(nodes, rest)]))


def hadamard(ctx, node, first, *rest):
    """a .* b ./ c is a .* b .* c.^-1."""
    nodes = _run(node, rest)
    _no_zero_division(ctx, nodes, rest)
    return build.hadamard(first, *[build.epow(x, -1) if n.op == "ediv" else x for n, x in zip(nodes, rest)])


def kron(ctx, node, first, *rest):
    return build.kron(first, *rest)


def _scalar_runs(factors):
    """Left to right, a run of factors whose product is 1 x 1 (x^T y in
    x^T y A) becomes one scalar factor: build.mul takes a chain whose
    neighbours conform, and (x^T y) A is a scalar times A."""
    out, run = [], []
    for f in factors:
        if f.shape == SCALAR:
            out.append(f)
            continue
        run.append(f)
        if run[0].shape[0] == 1 and f.shape[1] == 1 and len(run) > 1:
            out.append(build.mul(*run))
            run = []
    return out + run
