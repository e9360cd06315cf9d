"""Generic element-wise functions written as products: sigma(Z), f(Z), h(Z).

No keyword marks them, so sigma(Z) parses as the product of sigma and (Z);
this pass, before inference, turns such a product into a call (a ``gcall``
node).  The left operand of a product with a parenthesis may end in the
function name: A sigma(Z) W parses as ((A sigma) (Z)) W, so the name is
looked for at the right end of the left side (through infix and prefix forms),
and the parenthesis may carry postfix operators: sigma(x)^T, f(Z).^2.
"""
from __future__ import annotations

from typing import Optional

from .convention import GENERIC_FUNCTIONS
from .forms import FORMS
from .tree import Syn
from .unknown_functions import _looks_like_function, unknown_function_error


def rewrite_calls(node: Syn, ctx) -> Syn:
    """The tree with generic calls in place of their products, rewritten bottom up."""
    stack, order = [node], []
    while stack:  # post-order without recursion
        n = stack.pop()
        order.append(n)
        stack.extend(a for a in n.args if isinstance(a, Syn))
    for n in reversed(order):
        n.args = tuple(_rewrite_one(a, ctx) if isinstance(a, Syn) else a for a in n.args)
    return _rewrite_one(node, ctx)


def _rewrite_one(n: Syn, ctx) -> Syn:
    """A product whose right operand is a parenthesis, or a parenthesis under
    postfix operators (sigma(x)^T, f(Z).^2), and whose left operand ends in a
    generic function name: the call, under the same postfix operators."""
    if n.op != "juxt":
        return n
    left, right = n.args
    postfix, paren = [], right
    while FORMS[paren.op].fixity == "postfix":
        postfix.append(paren)
        paren = paren.args[0]
    if paren.op != "paren":
        return n
    path, leaf = [], left
    while FORMS[leaf.op].fixity in ("infix", "prefix"):  # forms that end with their last operand
        path.append(leaf)
        leaf = leaf.args[-1]
    fn = _generic_call(leaf, paren, ctx)
    if fn is None:
        return n
    call = Syn("gcall", (paren.args[0],), leaf.start, paren.end, leaf.pos, fn)
    if postfix:  # f(Z)^T: the transpose of the call
        postfix[-1].args = (call,) + postfix[-1].args[1:]
        for p in postfix:
            p.start = leaf.start
        call = right
    if not path:
        return call
    path[-1].args = path[-1].args[:-1] + (call,)
    for p in path:
        p.end = right.end
    return left


def _generic_call(left: Syn, right: Syn, ctx) -> Optional[str]:
    """sigma(Z), sigma'(Z), f(Z): a generic element-wise function applied to a
    parenthesised argument.  A declared function (--function) is called however
    it is spaced; sigma, σ, f and g only when the parenthesis touches the name.
    Any other lowercase or Greek name touching the parenthesis is an unknown
    function: an error (see unknown_functions.py), not a product."""
    if right.op != "paren":
        return None
    primes, n = 0, left
    while n.op == "transpose" and ctx.source[n.pos] in "'’":
        primes, n = primes + 1, n.args[0]
    if n.op != "name" or n.value in ctx.declared:
        return None
    name = n.value
    if name in ctx.functions or (name in GENERIC_FUNCTIONS and left.end == right.start):
        return name + "'" * primes
    if not primes and left.end == right.start and name not in ctx.lets and _looks_like_function(name):
        raise unknown_function_error(name, ctx.source, n.pos)  # foo(x): a call, never the product foo (x)
    return None
