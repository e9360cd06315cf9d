"""The API's arguments, checked and turned into what the front end takes:
the expression text, wrt, shapes, --let definitions, --function names and
the syntax; ``prepare`` runs the front end on them and returns (f, X, lets).
Every wrong argument is a UsageError or a NameError_ with a one-line message."""
from __future__ import annotations

from typing import Optional

from .. import build as b
from ..errors import NameError_, UsageError
from ..expr import Var
from ..parser import KEYWORDS
from .pipeline import to_exprs
from .shape_spec import shapes_argument
from .syntax import spelled_name

def text_argument(value, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def shapes_with_names(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape} (see frontend/shape_spec.py); a
    LaTeX-spelled name is its text-language name (W_{2} is W_2)."""
    return {spelled_name(name): shape for name, shape in shapes_argument(shapes).items()}


def syntax_argument(syntax):
    """'text', 'latex', or None/'auto' (LaTeX when the expression has a backslash)."""
    if syntax not in (None, "auto", "text", "latex"):
        raise UsageError(f"syntax {syntax!r}: choose text, latex or auto")
    return syntax


def lets_argument(lets) -> list:
    """[(name, text)] from {'r': 'A x - b'} or ['r = A x - b', ...]."""
    if not lets:
        return []
    if isinstance(lets, str):
        lets = [lets]
    items = lets.items() if isinstance(lets, dict) else [split_let(x) for x in lets]
    out = []
    for name, text in items:
        name = text_argument(name, "a --let name").strip()
        text_argument(text, f"the definition of {name}")
        if not is_new_name(name):
            raise UsageError(f"--let {name!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
        out.append((name, text))
    return out


def is_new_name(name: str) -> bool:
    """A name of the language that is not a function's: tr = A would never be used."""
    return bool(name) and name[0].isalpha() and all(c.isalnum() or c == "_" for c in name) \
        and name not in KEYWORDS and name != "I"


def functions_argument(functions) -> tuple:
    """--function names: each a plain name, not a built-in function."""
    if not functions:
        return ()
    if isinstance(functions, str):
        functions = [functions]
    from .unknown_functions import check_function_name

    for fn in functions:
        if isinstance(fn, str) and (fn in KEYWORDS or fn == "I"):
            raise UsageError(f"--function {fn!r}: {fn} is a built-in, and a stand-in would change its meaning; "
                             "call it as it is")
        if not is_new_name(text_argument(fn, "a --function name")):
            raise UsageError(f"--function {fn!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
        check_function_name(fn)  # max, argmax, prod, ...: not element-wise
    return tuple(functions)


def split_let(item: str):
    name, sep, text = text_argument(item, "a --let").partition("=")
    if not sep:
        raise UsageError(f"--let {item!r}: write NAME = EXPR, e.g. r = A x - b")
    return name, text


def prepare(expr, wrt, shapes, lets=None, functions=(), syntax=None):
    text_argument(expr, "the expression")
    text_argument(wrt, "wrt")
    f, definitions, ctx = to_exprs(expr, lets_argument(lets), shapes_with_names(shapes), functions_argument(functions), syntax_argument(syntax))
    if wrt in definitions:
        raise NameError_(f"{wrt} is a named intermediate (--let); differentiate with respect to a variable")
    x = variable(ctx, expr, wrt, definitions)
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    return f, x, let_vars


def variable(ctx, source: str, wrt: str, definitions=()) -> Var:
    """The Var called wrt, or a clear error if the expression has no such name."""
    wrt = spelled_name(wrt)  # W_{2} is W_2, \mathbf{x} is x
    if wrt in ctx.functions or wrt in ctx.used_functions:
        raise NameError_(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        known = ", ".join(sorted(set(ctx.vars) - set(definitions))) or "none"
        raise NameError_(f"{wrt} does not occur in the expression (its variables: {known})", source, len(source))
    return b.var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
