"""Text -> canonical expression: the front end's stages in order.

parse (syntax.py) -> generic calls (generic_calls.py) -> shapes
(forms.infer_tree) -> expression (forms.lower_tree), in one typing Context
shared by the main expression and its --let definitions.
"""
from __future__ import annotations

from typing import Optional

from .context import Context
from .forms import infer_tree, lower_tree
from .generic_calls import rewrite_calls
from .lets import check_let, definition_order
from .syntax import parse_syntax


def to_expr(source: str, shapes: Optional[dict] = None, functions=(), syntax=None):
    """Parse and type source text; return (expression, context)."""
    expr, _, ctx = to_exprs(source, (), shapes, functions, syntax)
    return expr, ctx


def to_exprs(source: str, lets=(), shapes: Optional[dict] = None, functions=(), syntax=None):
    """Parse a main expression and named intermediates ``lets`` ([(name, text)])
    in one typing context; return (expression, {name: definition}, context).
    A definition may use other intermediates, in any order, but not itself.
    ``shapes`` holds declared shapes as tuples (shape_spec.shapes_argument);
    ``syntax`` is None (LaTeX when a backslash occurs), "text" or "latex"."""
    ctx = Context(source, shapes, functions)
    ctx.lets = {name for name, _ in lets}  # h(x), h a --let name, is a product, not an unknown function
    parsed = {}
    for name, text in lets:
        check_let(name, parsed, shapes)
        ctx.source = text
        parsed[name] = (text, rewrite_calls(parse_syntax(text, syntax), ctx))
    order = definition_order(parsed)
    for name in order:
        text, syn = parsed[name]
        ctx.source = text
        ctx.vars[name] = infer_tree(syn, ctx)
        ctx.declared[name] = ctx.vars[name]
    ctx.source = source
    syn = rewrite_calls(parse_syntax(source, syntax), ctx)
    infer_tree(syn, ctx)
    definitions = {}
    for name in order:
        ctx.source = parsed[name][0]
        definitions[name] = lower_tree(parsed[name][1], ctx)
    ctx.source = source
    return lower_tree(syn, ctx), definitions, ctx
