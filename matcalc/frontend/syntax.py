"""Source text -> syntax tree: the Lark tree of parser.py turned into Syn
nodes, one per form (forms.py says which Lark children are operands, where
the caret points and how the value is read), keeping source spans."""
from __future__ import annotations

import sys

from ..errors import ParseError
from ..parser import MAX_DEPTH, parse_tree
from . import literals
from . import latex as latex_input
from .forms import FORMS
from .tree import Syn

READ = {  # a node's value from its Lark children, its source and its start
    "text": lambda kids, source, start: str(kids[0]),
    "name": lambda kids, source, start: _name(str(kids[0])),
    "number": lambda kids, source, start: literals.number(str(kids[0]), source, start),
    "exponent": lambda kids, source, start: literals.exponent(kids[2], source, kids[1].start_pos + 1),
}


def parse_syntax(source: str, syntax=None) -> Syn:
    """Parse source text into a Syn tree, or raise ParseError.  syntax='latex',
    or any source with a backslash, is LaTeX (matcalc/latex_input.py): it is
    translated to the text language and the spans moved back onto the LaTeX."""
    if syntax == "latex" or (syntax in (None, "auto") and "\\" in source):
        return latex_input.parse_latex(source, parse_syntax)
    if "||" in source:  # ||x|| is norm(x)
        return latex_input.parse_mapped(*latex_input.norm_bars(source), source, parse_syntax)
    return _convert(parse_tree(source), source)


def _convert(tree, source: str) -> Syn:
    """Lark tree -> Syn, operands first.  A loop, not recursion: a flat product
    of thousands of factors is a deep left-nested tree."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * MAX_DEPTH + 1000))
    done: dict = {}
    stack = [(tree, False)]
    while stack:
        t, ready = stack.pop()
        if ready:
            done[id(t)] = _make(t, [done.pop(id(k)) for k in _operands(t)], source)
        else:
            stack.append((t, True))
            stack.extend((k, False) for k in _operands(t))
    return done[id(tree)]


def _operands(t) -> list:
    """The children of a Lark node that become Syn nodes."""
    kids = FORMS[t.data].kids
    return t.children[kids] if isinstance(kids, slice) else [t.children[i] for i in kids]


def _make(t, args, source: str) -> Syn:
    """One Syn node from a Lark node and its converted operands."""
    form, kids = FORMS[t.data], t.children
    start, end = t.meta.start_pos, t.meta.end_pos
    pos = start if form.caret is None else _start(kids[form.caret])
    value = None if form.value is None else READ[form.value](kids, source, start)
    return Syn(t.data, tuple(args), start, end, pos, value)


def _start(kid) -> int:
    """Where a Lark child starts: a token's position, a subtree's first character."""
    meta = getattr(kid, "meta", None)
    return kid.start_pos if meta is None else meta.start_pos


def _name(name: str) -> str:
    """A name's one spelling: W_{ 2 } is W_2 (latex.canonical_name)."""
    return name if "{" not in name else latex_input.canonical_name(name)


def spelled_name(name: str) -> str:
    """The text-language spelling of a name given to wrt or --shape: W_{2} is W_2,
    \\mathbf{x} is x, \\boldsymbol{\\Sigma} is Sigma.  Anything else is left alone."""
    if "\\" in name:
        try:
            syn = parse_syntax(name, "latex")
        except ParseError:
            return name
        return syn.value if syn.op == "name" else name
    return _name(name)
