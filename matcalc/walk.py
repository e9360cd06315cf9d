"""Walks over expressions, and the one dispatch rule every visitor uses.

``walk(e)`` yields every distinct node once, without recursion (deep nests
are safe); ``variables(*es)`` maps each variable's name to its Var.  A
visitor (printer, evaluator, index builder) names its method for a node
class ``<prefix><Class>`` (``_print_Trace``, ``_eval_Trace``,
``_index_Trace``) and finds it with ``method``: a class without one is an
UnsupportedError naming the node, never an AttributeError.
"""
from __future__ import annotations

from .errors import UnsupportedError
from .expr import Expr, Var


def walk(*roots: Expr):
    """Every distinct node under the roots, each once (parents before children)."""
    seen = set()
    stack = list(reversed(roots))
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        yield e
        stack.extend(reversed(e.children()))


def variables(*roots: Expr) -> dict:
    """{name: Var} of the variables in the expressions."""
    return {e.name: e for e in walk(*roots) if isinstance(e, Var)}


def method(visitor, prefix: str, e: Expr):
    """The visitor's method for e's class, e.g. ``_print_Trace``."""
    found = getattr(visitor, prefix + type(e).__name__, None)
    if found is None:
        raise UnsupportedError(f"{type(visitor).__name__} has no {prefix}{type(e).__name__}: "
                               f"{type(e).__name__} is not supported here")
    return found
