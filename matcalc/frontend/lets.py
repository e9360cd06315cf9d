"""--let definitions: named intermediates (r = A x - b), put in an order in
which every definition comes after the ones it uses."""
from __future__ import annotations

from ..errors import UsageError
from .tree import Syn


def check_let(name: str, parsed: dict, shapes) -> None:
    """A let is defined once and not declared with --shape (its definition gives its shape)."""
    if name in parsed:
        raise UsageError(f"--let {name} is defined twice")
    if name in (shapes or {}):
        raise UsageError(f"--let {name} is also declared with --shape; its shape comes from its definition")


def definition_order(parsed: dict) -> list:
    """The names of parsed ({name: (text, Syn)}) with every definition after
    the definitions it uses, else the order given; a cycle is a UsageError."""
    order, state = [], {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            raise UsageError("the --let definitions refer to each other in a cycle: " + " -> ".join(chain + [name]))
        state[name] = "active"
        for other in sorted(_names(parsed[name][1]) & set(parsed)):
            visit(other, chain + [name])
        state[name] = "done"
        order.append(name)

    for name in parsed:
        visit(name, [])
    return order


def _names(node: Syn) -> set:
    """The names written in a tree."""
    out, stack = set(), [node]
    while stack:
        n = stack.pop()
        if n.op == "name":
            out.add(n.value)
        stack.extend(a for a in n.args if isinstance(a, Syn))
    return out
