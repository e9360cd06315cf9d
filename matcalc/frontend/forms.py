"""The forms of the grammar: one row per ``-> alias`` of grammar/matcalc.lark
(and ``gcall``, the generic call f(Z) that generic_calls.py makes), read by
every stage of the front end:

- the syntax tree (syntax.py): which Lark children are the operands, where
  an error's caret points, how the node's value is read;
- generic call rewriting (generic_calls.py): the fixity;
- shape inference (infer.py, calls.py): the shape rule;
- lowering (lower.py, calls.py): the lowering rule, and the chain family of
  left-nested runs that are lowered as one n-ary node.

Adding a form to the grammar is one row here (and its two rules).  The walks
(``infer_tree``, ``lower_tree``) use an explicit stack, never recursion: a
product of 5,000 factors or 10,000 nested minus signs is as safe as x.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Union

from ..errors import MatcalcError
from . import calls, infer, lower

ARGS = slice(2, None)  # the arguments of FUNC "(" sum, ... ")"


@dataclass(frozen=True)
class Form:
    """One form of the grammar.

    fixity: 'leaf', 'prefix' (-x), 'infix' (x + y), 'postfix' (x^T) or
    'enclosed' ((x), f(x)); kids: the Lark children that are operands, in
    order; caret: the Lark child an error points at (None: the form's start);
    value: how the node's value is read from its Lark children ('text',
    'number', 'exponent'); shape, lower: the rules of infer.py and lower.py,
    called as rule(ctx, node, *values of its operands); operands(ctx, node):
    the operands that have shapes, when not all do (ones(n)); chain: the family
    whose left-nested runs lower as one node."""

    fixity: str
    kids: Union[tuple, slice]
    caret: Optional[int]
    value: Optional[str]
    shape: Callable
    lower: Callable
    operands: Optional[Callable] = None
    chain: Optional[str] = None


FORMS = {
    # alias                    fixity      kids    caret value       shape rule          lowering rule
    "name":              Form("leaf",     (),     None, "name",     infer.name,         lower.name),
    "number":            Form("leaf",     (),     None, "number",   infer.scalar,       lower.number),
    "sized":             Form("leaf",     (),     None, "text",     infer.sized,        lower.sized),
    "paren":             Form("enclosed", (1,),   None, None,       infer.same,         lower.same),
    "call":              Form("enclosed", ARGS,   0,    "text",     calls.shape,        calls.lower, calls.operands),
    "gcall":             Form("enclosed", (),     None, None,       infer.generic_call, lower.generic_call),
    "neg":               Form("prefix",   (1,),   None, None,       infer.same,         lower.neg),
    "add":               Form("infix",    (0, 2), 1,    None,       infer.elementwise,  lower.sum_, chain="sum"),
    "sub":               Form("infix",    (0, 2), 1,    None,       infer.elementwise,  lower.sum_, chain="sum"),
    "frob":              Form("infix",    (0, 2), 1,    None,       infer.frob,         lower.frob),
    "juxt":              Form("infix",    (0, 1), 1,    None,       infer.product,      lower.product, chain="product"),
    "mul":               Form("infix",    (0, 2), 1,    None,       infer.product,      lower.product, chain="product"),
    "div":               Form("infix",    (0, 2), 1,    None,       infer.divide,       lower.product, chain="product"),
    "hadamard":          Form("infix",    (0, 2), 1,    None,       infer.elementwise,  lower.hadamard, chain="hadamard"),
    "ediv":              Form("infix",    (0, 2), 1,    None,       infer.elementwise,  lower.hadamard, chain="hadamard"),
    "kronop":            Form("infix",    (0, 2), 1,    None,       infer.kron,         lower.kron, chain="kron"),
    "transpose":         Form("postfix",  (0,),   1,    None,       infer.transpose,    lower.transpose),
    "inverse":           Form("postfix",  (0,),   1,    None,       infer.inverse,      lower.inverse),
    "inverse_transpose": Form("postfix",  (0,),   1,    None,       infer.inverse,      lower.inverse_transpose),
    "power":             Form("postfix",  (0,),   1,    "exponent", infer.power,        lower.power),
    "epower":            Form("postfix",  (0,),   1,    "exponent", infer.epower,       lower.epower),
}


def infer_tree(root, ctx):
    """Give every node its shape (node.info['shape']), operands first, left to right; return root's."""
    return _walk(root, ctx, "shape", _typed, _shape)


def lower_tree(root, ctx):
    """The canonical expression of an inferred tree (node.info['expr'])."""
    return _walk(root, ctx, "expr", _lowered, _lower)


def _walk(root, ctx, key: str, operands, rule):
    """Post-order, left to right, with an explicit stack: operands(ctx, node) is
    asked when the walk reaches node (so its checks come before its operands'
    errors), rule(ctx, node) when its operands are done; info[key] holds the results."""
    stack = [root]
    while stack:
        item = stack.pop()
        if item.__class__ is tuple:  # (node, its operands), the operands done
            node, kids = item
            node.info[key] = rule(ctx, node, kids)
        else:
            kids = operands(ctx, item)
            stack.append((item, kids))
            stack += kids[::-1]
    return root.info[key]


def _typed(ctx, node):
    form = FORMS[node.op]
    return form.operands(ctx, node) if form.operands else node.args


def _shape(ctx, node, kids):
    return FORMS[node.op].shape(ctx, node, *[k.info["shape"] for k in kids])


def _lowered(ctx, node):
    """A chain's operands are those of its whole left-nested run of one family:
    the bottom operand, then each node's right operand, left to right."""
    family = FORMS[node.op].chain
    if family is None:
        return _typed(ctx, node)
    rights = []
    while FORMS[node.op].chain == family:
        rights.append(node.args[1])
        node = node.args[0]
    return [node] + rights[::-1]


def _lower(ctx, node, kids):
    """The lowering rule, with the node's position on a builder's error (A ./ I)."""
    try:
        return FORMS[node.op].lower(ctx, node, *[k.info["expr"] for k in kids])
    except MatcalcError as error:
        if error.source is None:
            error.source, error.column = ctx.source, node.pos
        raise
