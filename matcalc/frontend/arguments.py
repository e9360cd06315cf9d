"""The API's arguments, checked and turned into what the front end takes:
the expression text, wrt, shapes, --let definitions, --function names and
the syntax, and the symmetric declarations (--symmetric, --spd, --shape
S=n,n,symmetric); ``prepare``/``prepare_many`` run the front end on them and
return f, the variables (declared names as symmetric variables, Var.kind)
and the lets.  Every wrong argument is a UsageError or an UnknownNameError
with a one-line message."""
from __future__ import annotations

from typing import Optional

from .. import build as b
from ..dims import shape_text
from ..errors import ShapeError, UnknownNameError, UsageError
from ..expr import Expr, Var
from ..parser import KEYWORDS
from .pipeline import to_exprs
from .shape_spec import shapes_argument, split_structure
from .syntax import spelled_name

CONVENTIONS = ("symmetric", "entrywise")


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


def prepare(expr, wrt, shapes, lets=None, functions=(), syntax=None, symmetric=(), spd=()):
    """(f, X, lets {Var: definition}) for one variable."""
    text_argument(wrt, "wrt")
    f, (x,), let_vars, _ = prepare_many(expr, [wrt], shapes, lets, functions, syntax, symmetric, spd)
    return f, x, let_vars


def prepare_many(expr, wrt, shapes, lets=None, functions=(), syntax=None, symmetric=(), spd=()):
    """(f, [X per wrt name], lets {Var: definition}, the dimension names matcalc made up);
    the names declared symmetric (positive definite) are symmetric variables."""
    text_argument(expr, "the expression")
    names = wrt_names(wrt)
    shapes, declared = split_structure(shapes)
    kinds = {**declared, **kinds_argument(symmetric, spd)}
    lets, shapes = lets_argument(lets), shapes_with_names(shapes)
    functions, syntax = functions_argument(functions), syntax_argument(syntax)
    if kinds:
        f, definitions, ctx = typed_square(expr, lets, shapes, functions, syntax, kinds)
    else:
        f, definitions, ctx = to_exprs(expr, lets, shapes, functions, syntax)
    xs = []
    for name in names:
        name = spelled_name(name)  # W_{2} is W_2, \mathbf{x} is x
        if name in definitions:
            raise UnknownNameError(f"{name} is a named intermediate (--let); differentiate with respect to a variable")
        xs.append(variable(ctx, expr, name, definitions))
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    if kinds:
        mapping = declared_variables(ctx, expr, kinds, definitions)
        f = b.substitute(f, mapping)
        let_vars = {v: b.substitute(d, mapping) for v, d in let_vars.items()}
        xs = [mapping.get(x, x) for x in xs]
    return f, xs, let_vars, frozenset(ctx.dim_names.values())


def parse_declared(text, shapes, syntax=None, symmetric=(), spd=()) -> Expr:
    """The canonical expression of a text, with the symmetric declarations."""
    text_argument(text, "the expression")
    shapes, declared = split_structure(shapes)
    kinds = {**declared, **kinds_argument(symmetric, spd)}
    shapes, syntax = shapes_with_names(shapes), syntax_argument(syntax)
    f, _, ctx = (typed_square if kinds else _plain)(text, [], shapes, (), syntax, kinds)
    return b.substitute(f, declared_variables(ctx, text, kinds)) if kinds else f


def _plain(expr, lets, shapes, functions, syntax, kinds):
    return to_exprs(expr, lets, shapes, functions, syntax)


# --- symmetric variables (--symmetric, --spd; matcalc/symmetric.py) ---------------------


def _names_list(names, option: str) -> list:
    if not names:
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple, set, frozenset)):
        raise UsageError(f"{option} must be a list of names, not {type(names).__name__}")
    return [spelled_name(text_argument(n, f"a {option} name").strip()) for n in names]


def kinds_argument(symmetric, spd) -> dict:
    """{name: 'sym' | 'spd'} from the symmetric= and spd= lists (spd wins)."""
    kinds = {n: "sym" for n in _names_list(symmetric, "--symmetric")}
    kinds.update({n: "spd" for n in _names_list(spd, "--spd")})
    return kinds


def convention_argument(convention: Optional[str], kind: str) -> str:
    """'symmetric' (the default) or 'entrywise', which only a gradient has."""
    convention = convention or "symmetric"
    if convention not in CONVENTIONS:
        raise UsageError(f"convention {convention!r}: choose symmetric or entrywise")
    if convention == "entrywise" and kind != "gradient":
        raise UsageError("the entry-wise convention is for gradients; a Jacobian or Hessian with respect to "
                         "a symmetric variable acts on symmetric directions (docs/derivatives.md)")
    return convention


def _option(kind: str) -> str:
    return "--spd" if kind == "spd" else "--symmetric"


def _at(source: str, name: str) -> int:
    """The column of the first occurrence of a name in the source, or its end."""
    import re

    m = re.search(r"(?<![\w'])" + re.escape(name) + r"(?!\w)", source)
    return m.start() if m else len(source)


def typed_square(expr, lets, shapes, functions, syntax, kinds):
    """to_exprs, with a symmetric name whose shape was inferred non-square
    (S in tr(A S) is n×m until told otherwise) typed again as square: with the
    dimension of its rows, else of its columns."""
    f, definitions, ctx = to_exprs(expr, lets, shapes, functions, syntax)
    for name in kinds:
        if name in ctx.vars and name not in shapes and name not in definitions:
            r, c = (ctx.name_dim(d) for d in ctx.vars[name])
            if r == c or not (isinstance(r, str) and isinstance(c, str)):
                continue
            for d in (r, c):
                try:
                    typed = to_exprs(expr, lets, dict(shapes, **{name: (d, d)}), functions, syntax)
                except ShapeError:
                    continue
                f, definitions, ctx = typed
                shapes = dict(shapes, **{name: (d, d)})
                break
    return f, definitions, ctx


def declared_variables(ctx, source: str, kinds: dict, definitions=()) -> dict:
    """{plain Var: symmetric Var} for the declared names, after checking that
    each is a square matrix of the expression (a one-line error with a caret)."""
    out = {}
    for name, kind in kinds.items():
        opt = _option(kind)
        if name in definitions:
            raise UnknownNameError(f"{opt} {name}: {name} is a named intermediate (--let); declare the variables "
                             "it is made of", source, _at(source, name))
        if name not in ctx.vars:
            known = ", ".join(sorted(set(ctx.vars) - set(definitions))) or "none"
            raise UnknownNameError(f"{opt} {name}: {name} does not occur in the expression (its variables: {known})",
                             source, len(source))
        shape = tuple(ctx.name_dim(d) for d in ctx.vars[name])
        r, c = shape
        if r == 1 or c == 1 or r != c:
            what = "a scalar" if (r, c) == (1, 1) else ("a vector" if 1 in (r, c) else "not square")
            raise ShapeError(f"{opt} {name}: {name} is {what} ({shape_text(shape)}); only a square matrix "
                             "can be symmetric", source, _at(source, name))
        out[b.var(name, shape)] = b.var(name, shape, kind)
    return out


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
