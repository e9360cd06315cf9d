"""The API's arguments, checked and turned into what the front end takes:
the expression text, wrt, shapes, --let definitions, --function names and
the syntax; ``prepare`` runs the front end on them and returns (f, X, lets).
Every wrong argument is a UsageError or an UnknownNameError with a one-line message."""
from __future__ import annotations

from typing import Optional

from .. import build as b
from ..errors import UnknownNameError, UsageError
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
    for fn in functions:
        if not is_new_name(text_argument(fn, "a --function name")):
            raise UsageError(f"--function {fn!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
    return tuple(functions)


def split_let(item: str):
    name, sep, text = text_argument(item, "a --let").partition("=")
    if not sep:
        raise UsageError(f"--let {item!r}: write NAME = EXPR, e.g. r = A x - b")
    return name, text


def wrt_names(wrt) -> list:
    """wrt as a list of names: a string (one name, or several separated by
    commas) or a list/tuple of strings; each name once."""
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")] if "," in wrt else [wrt]
    elif isinstance(wrt, (list, tuple)):
        names = [text_argument(w, "each wrt name").strip() for w in wrt]
    else:
        raise UsageError(f"wrt must be a string or a list of strings, not {type(wrt).__name__}")
    if not names or not all(names):
        raise UsageError("give the variables as wrt='X' or wrt=['X', 'Y']")
    for i, name in enumerate(names):
        if name in names[:i]:
            raise UsageError(f"{name} is given twice as a variable to differentiate with respect to")
    return names


def prepare(expr, wrt, shapes, lets=None, functions=(), syntax=None):
    """(f, X, lets {Var: definition}) for one variable."""
    text_argument(wrt, "wrt")
    f, (x,), let_vars, _ = prepare_many(expr, [wrt], shapes, lets, functions, syntax)
    return f, x, let_vars


def prepare_many(expr, wrt, shapes, lets=None, functions=(), syntax=None):
    """(f, [X per wrt name], lets {Var: definition}, the dimension names matcalc made up)."""
    text_argument(expr, "the expression")
    names = wrt_names(wrt)
    f, definitions, ctx = to_exprs(expr, lets_argument(lets), shapes_with_names(shapes), functions_argument(functions), syntax_argument(syntax))
    xs = []
    for name in names:
        name = spelled_name(name)  # W_{2} is W_2, \mathbf{x} is x
        if name in definitions:
            raise UnknownNameError(f"{name} is a named intermediate (--let); differentiate with respect to a variable")
        xs.append(variable(ctx, expr, name, definitions))
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    return f, xs, let_vars, frozenset(ctx.dim_names.values())


def variable(ctx, source: str, wrt: str, definitions=()) -> Var:
    """The Var called wrt.  A name that does not occur gets its shape from
    --shape or the naming convention (fresh dimensions), so that its
    derivative is the zero of the right shape (the API adds a note)."""
    wrt = spelled_name(wrt)  # W_{2} is W_2, \mathbf{x} is x
    if wrt in ctx.functions or wrt in ctx.used_functions:
        raise UnknownNameError(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        if not is_new_name(wrt):
            raise UsageError(f"cannot differentiate with respect to {wrt!r}: give a variable's name "
                             "(a letter, then letters, digits or _)")
        ctx.var_shape(wrt)
    return b.var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
