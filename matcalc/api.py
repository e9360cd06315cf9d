"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import gradient, hessian as _hessian, jacobian as _jacobian
from .errors import UnknownNameError, UsageError
from .expr import Expr, Var
from .frontend import to_expr, to_exprs
from .frontend.shape_spec import shapes_argument
from .result import Result, Results, full_definitions as _full_definitions

LAYOUTS = ("numerator", "denominator")


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _shapes(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape} (see frontend/shape_spec.py); a
    LaTeX-spelled name is its text-language name (W_{2} is W_2)."""
    return {_spelled(name): shape for name, shape in shapes_argument(shapes).items()}


def parse(text: str, shapes: Optional[dict] = None, syntax: Optional[str] = None) -> Expr:
    """The canonical expression of a text in matcalc's language (or LaTeX: see grad)."""
    return to_expr(_text(text, "the expression"), _shapes(shapes), (), _syntax(syntax))[0]


def _syntax(syntax):
    """'text', 'latex', or None/'auto' (LaTeX when the expression has a backslash)."""
    if syntax not in (None, "auto", "text", "latex"):
        raise UsageError(f"syntax {syntax!r}: choose text, latex or auto")
    return syntax


def _spelled(name: str) -> str:
    from .frontend.syntax import spelled_name

    return spelled_name(name)


def _layout(layout: Optional[str], default: str) -> str:
    layout = layout or default
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: choose numerator or denominator")
    return layout


def _lets(lets) -> list:
    """[(name, text)] from {'r': 'A x - b'} or ['r = A x - b', ...]."""
    if not lets:
        return []
    if isinstance(lets, str):
        lets = [lets]
    items = lets.items() if isinstance(lets, dict) else [_split_let(x) for x in lets]
    out = []
    for name, text in items:
        name = _text(name, "a --let name").strip()
        _text(text, f"the definition of {name}")
        if not _is_name(name):
            raise UsageError(f"--let {name!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
        out.append((name, text))
    return out


def _is_name(name: str) -> bool:
    """A name of the language that is not a function's: tr = A would never be used."""
    from .parser import KEYWORDS

    return bool(name) and name[0].isalpha() and all(c.isalnum() or c == "_" for c in name) \
        and name not in KEYWORDS and name != "I"


def _functions(functions) -> tuple:
    """--function names: each a plain name, not a built-in function."""
    if not functions:
        return ()
    if isinstance(functions, str):
        functions = [functions]
    for fn in functions:
        if not _is_name(_text(fn, "a --function name")):
            raise UsageError(f"--function {fn!r}: give a new name (a letter, then letters, digits or _), "
                             "not a built-in function")
    return tuple(functions)


def _split_let(item: str):
    name, sep, text = _text(item, "a --let").partition("=")
    if not sep:
        raise UsageError(f"--let {item!r}: write NAME = EXPR, e.g. r = A x - b")
    return name, text


def _wrt_names(wrt) -> list:
    """wrt as a list of names: a string (one name, or several separated by
    commas) or a list/tuple of strings; each name once."""
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")] if "," in wrt else [wrt]
    elif isinstance(wrt, (list, tuple)):
        names = [_text(w, "each wrt name").strip() for w in wrt]
    else:
        raise UsageError(f"wrt must be a string or a list of strings, not {type(wrt).__name__}")
    if not names or not all(names):
        raise UsageError("give the variables as wrt='X' or wrt=['X', 'Y']")
    for i, name in enumerate(names):
        if name in names[:i]:
            raise UsageError(f"{name} is given twice as a variable to differentiate with respect to")
    return names


def _prepare(expr, wrt, shapes, lets=None, functions=(), syntax=None):
    """(f, [X per wrt name], lets {Var: definition}, the dimension names matcalc made up)."""
    _text(expr, "the expression")
    names = _wrt_names(wrt)
    f, definitions, ctx = to_exprs(expr, _lets(lets), _shapes(shapes), _functions(functions), _syntax(syntax))
    xs = []
    for name in names:
        name = _spelled(name)  # W_{2} is W_2, \mathbf{x} is x
        if name in definitions:
            raise UnknownNameError(f"{name} is a named intermediate (--let); differentiate with respect to a variable")
        xs.append(_variable(ctx, expr, name, definitions))
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    return f, xs, let_vars, frozenset(ctx.dim_names.values())


def _absent(f, x, lets) -> bool:
    """X occurs in neither f nor the definitions f goes through."""
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    return x.name not in full.free


def _notes(kind: str, f, x, absent: bool, declared, lets=None) -> tuple:
    """The note for a variable that does not occur: its derivative is zero (a typo?)."""
    if not absent:
        return ()
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    known = ", ".join(sorted(full.free - {x.name})) or "none"
    what = {"gradient": "its gradient", "jacobian": "the Jacobian", "hessian": "the Hessian"}[kind]
    how = "as declared" if x.name in declared else "by the naming convention"
    from .result import _a

    shape = _a(x.shape)
    return (f"{x.name} does not occur in the expression (its variables: {known}; a typo?), so {what} "
            f"is zero ({x.name} is {shape} {how})",)


def _one_or_many(wrt, results):
    """One Result for a string wrt naming one variable, else Results in order."""
    if isinstance(wrt, str) and "," not in wrt:
        return results[0]
    return Results(results)


def grad(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None):
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never.

    ``wrt`` is one name (a Result) or a list of names (a Results: a list of
    Result in that order, whose generated code computes them together).
    A variable that does not occur gets the zero gradient of its shape, with
    a note (Result.notes) that it may be a typo."""
    layout = _layout(layout, "denominator")
    f, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax)
    out = []
    for x in xs:
        g = gradient(f, x, lets)
        G = g.result if layout == "denominator" else b.transpose(g.result)
        r = Result("gradient", expr, x.name, g, G, g.df, layout, lets)
        r.notes = _notes("gradient", f, x, _absent(f, x, lets), _declared(shapes), lets)
        r.invented = invented
        out.append(r)
    return _one_or_many(wrt, out)


def jacobian(expr: str, wrt, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None):
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose.
    Several variables (a list) give a Results, one Jacobian block per variable."""
    layout = _layout(layout, "numerator")
    F, xs, lets, invented = _prepare(expr, wrt, shapes, lets, functions, syntax)
    full = b.substitute(F, _full_definitions(lets)) if lets else F
    out = []
    for x in xs:
        j = _jacobian(full, x)
        J = j.result if layout == "numerator" else b.transpose(j.result)
        r = Result("jacobian", expr, x.name, j, J, j.df, layout)
        r.notes = _notes("jacobian", full, x, x.name not in full.free, _declared(shapes))
        r.invented = invented
        out.append(r)
    return _one_or_many(wrt, out)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX).  One
    variable: the blocks across several variables are not computed."""
    names = _wrt_names(wrt)
    if len(names) > 1:
        raise UsageError("the Hessian is taken with respect to one variable (the cross blocks "
                         "∂²f/∂X∂Y are not computed): run one hessian per variable")
    f, (x,), lets, invented = _prepare(expr, names[0], shapes, lets, functions, syntax)
    full = b.substitute(f, _full_definitions(lets)) if lets else f
    h = _hessian(full, x)
    r = Result("hessian", expr, x.name, h, h.result, h.d2f, "symmetric")
    r.notes = _notes("hessian", full, x, x.name not in full.free, _declared(shapes))
    r.invented = invented
    return r


def _declared(shapes) -> set:
    return set(shapes or ()) if isinstance(shapes, dict) else set()


def _variable(ctx, source: str, wrt: str, definitions=()) -> Var:
    """The Var called wrt.  A name that does not occur gets its shape from
    --shape or the naming convention (fresh dimensions), so that its
    derivative is the zero of the right shape."""
    if wrt in ctx.functions or wrt in ctx.used_functions:
        raise UnknownNameError(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        if not _is_name(wrt):
            raise UsageError(f"cannot differentiate with respect to {wrt!r}: give a variable's name "
                             "(a letter, then letters, digits or _)")
        ctx.var_shape(wrt)
    return b.var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
