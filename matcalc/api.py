"""The Python API: parse, grad, jacobian, hessian (each returns a result.Result)."""
from __future__ import annotations

from typing import Optional

from . import build as b
from .calculus import gradient, hessian as _hessian, jacobian as _jacobian
from .dims import shape_text
from .errors import NameError_, ShapeError, UsageError
from .expr import Expr, Var
from .frontend import to_expr, to_exprs
from .frontend.shape_spec import shapes_argument, split_structure
from .result import Result, full_definitions as _full_definitions
from .symmetric import CONVENTIONS

LAYOUTS = ("numerator", "denominator")


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _shapes(shapes: Optional[dict]) -> dict:
    """{'A': 'm,n'} or {'A': (m, n)} -> {'A': shape} (see frontend/shape_spec.py); a
    LaTeX-spelled name is its text-language name (W_{2} is W_2)."""
    return {_spelled(name): shape for name, shape in shapes_argument(shapes).items()}


def parse(text: str, shapes: Optional[dict] = None, syntax: Optional[str] = None, *,
          symmetric=(), spd=()) -> Expr:
    """The canonical expression of a text in matcalc's language (or LaTeX: see
    grad); the names in ``symmetric`` (``spd``) are symmetric (positive
    definite) square matrices."""
    _text(text, "the expression")
    shapes, declared = split_structure(shapes)
    kinds = {**declared, **_kinds(symmetric, spd)}
    shapes, syntax = _shapes(shapes), _syntax(syntax)
    if not kinds:
        return to_expr(text, shapes, (), syntax)[0]
    f, _, ctx = _typed(text, [], shapes, (), syntax, kinds)
    return _declare(f, ctx, kinds, text)


def _names_list(names, option: str) -> list:
    if not names:
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple, set, frozenset)):
        raise UsageError(f"{option} must be a list of names, not {type(names).__name__}")
    return [_spelled(_text(n, f"a {option} name").strip()) for n in names]


def _kinds(symmetric, spd) -> dict:
    """{name: 'sym' | 'spd'} from the symmetric= and spd= lists (spd wins)."""
    kinds = {n: "sym" for n in _names_list(symmetric, "--symmetric")}
    kinds.update({n: "spd" for n in _names_list(spd, "--spd")})
    return kinds


def _option(kind: str) -> str:
    return "--spd" if kind == "spd" else "--symmetric"


def _at(source: str, name: str):
    """The column of the first occurrence of a name in the source, or its end."""
    import re

    m = re.search(r"(?<![\w'])" + re.escape(name) + r"(?!\w)", source)
    return m.start() if m else len(source)


def _typed(expr, lets, shapes, functions, syntax, kinds):
    """to_exprs, with a symmetric name whose shape was inferred non-square
    (S in tr(A S) is n×m until told otherwise) typed again as square."""
    f, definitions, ctx = to_exprs(expr, lets, shapes, functions, syntax)
    for name in kinds:
        if name in ctx.vars and name not in shapes and name not in definitions:
            r, c = (ctx.name_dim(d) for d in ctx.vars[name])
            if r == c or not (isinstance(r, str) and isinstance(c, str)):
                continue
            for d in (r, c):  # S square with the dimension of its rows, else of its columns
                try:
                    typed = to_exprs(expr, lets, dict(shapes, **{name: (d, d)}), functions, syntax)
                except ShapeError:
                    continue
                f, definitions, ctx = typed
                shapes = dict(shapes, **{name: (d, d)})
                break
    return f, definitions, ctx


def _declared(ctx, source: str, kinds: dict, definitions=()) -> dict:
    """{plain Var: symmetric Var} for the declared names, after checking them."""
    out = {}
    for name, kind in kinds.items():
        opt = _option(kind)
        if name in definitions:
            raise NameError_(f"{opt} {name}: {name} is a named intermediate (--let); declare the variables "
                             "it is made of", source, _at(source, name))
        if name not in ctx.vars:
            known = ", ".join(sorted(set(ctx.vars) - set(definitions))) or "none"
            raise NameError_(f"{opt} {name}: {name} does not occur in the expression (its variables: {known})",
                             source, len(source))
        shape = tuple(ctx.name_dim(d) for d in ctx.vars[name])
        r, c = shape
        if r == 1 or c == 1 or r != c:
            what = "a scalar" if (r, c) == (1, 1) else ("a vector" if 1 in (r, c) else "not square")
            raise ShapeError(f"{opt} {name}: {name} is {what} ({shape_text(shape)}); only a square matrix "
                             "can be symmetric", source, _at(source, name))
        out[b.var(name, shape)] = b.var(name, shape, kind)
    return out


def _declare(f: Expr, ctx, kinds: dict, source: str):
    mapping = _declared(ctx, source, kinds)
    return b.substitute(f, mapping) if mapping else f


def _convention(convention: Optional[str], x: Var, kind: str) -> str:
    convention = convention or "symmetric"
    if convention not in CONVENTIONS:
        raise UsageError(f"convention {convention!r}: choose symmetric or entrywise")
    if convention == "entrywise" and kind != "gradient":
        raise UsageError("the entry-wise convention is for gradients; a Jacobian or Hessian with respect to "
                         "a symmetric variable acts on symmetric directions (docs/derivatives.md)")
    return convention


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


def _prepare(expr, wrt, shapes, lets=None, functions=(), syntax=None, symmetric=(), spd=()):
    _text(expr, "the expression")
    _text(wrt, "wrt")
    shapes, declared = split_structure(shapes)
    kinds = {**declared, **_kinds(symmetric, spd)}
    lets, shapes, functions, syntax = _lets(lets), _shapes(shapes), _functions(functions), _syntax(syntax)
    if kinds:
        f, definitions, ctx = _typed(expr, lets, shapes, functions, syntax, kinds)
    else:
        f, definitions, ctx = to_exprs(expr, lets, shapes, functions, syntax)
    if wrt in definitions:
        raise NameError_(f"{wrt} is a named intermediate (--let); differentiate with respect to a variable")
    x = _variable(ctx, expr, wrt, definitions)
    let_vars = {b.var(name, tuple(ctx.name_dim(d) for d in ctx.vars[name])): d for name, d in definitions.items()}
    if kinds:
        mapping = _declared(ctx, expr, kinds, definitions)
        f = b.substitute(f, mapping)
        let_vars = {v: b.substitute(d, mapping) for v, d in let_vars.items()}
        x = mapping.get(x, x)
    return f, x, let_vars


def grad(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
         lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
         convention: Optional[str] = None) -> Result:
    """The gradient of a scalar expression: G with df = G : dX.  Denominator
    layout (the default) gives G shaped like X; numerator layout gives G^T.
    ``lets`` names intermediates ({'r': 'A x - b'} or ['r = A x - b']); the
    result is written with them and the steps go through them.  ``syntax``
    'latex' reads LaTeX (as does any expression with a backslash), 'text' never.
    ``symmetric`` and ``spd`` name symmetric (positive definite) matrices; with
    respect to one, ``convention`` 'symmetric' (default) gives the symmetric G
    with df = G : dS for symmetric dS, 'entrywise' the partial derivatives with
    respect to the distinct entries (docs/derivatives.md)."""
    layout = _layout(layout, "denominator")
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    convention = _convention(convention, x, "gradient")
    g = gradient(f, x, lets, convention)
    out = g.result if layout == "denominator" else b.transpose(g.result)
    return Result("gradient", expr, wrt, g, out, g.df, layout, lets, convention if x.kind else None)


def jacobian(expr: str, wrt: str, shapes: Optional[dict] = None, layout: Optional[str] = None,
             lets=None, functions=(), syntax=None, *, symmetric=(), spd=(),
             convention: Optional[str] = None) -> Result:
    """d vec(F) / d vec(X)^T (numerator layout, the default) or its transpose.
    With respect to a symmetric S: J = J~ (I + K)/2, the derivative along
    symmetric directions (docs/derivatives.md)."""
    layout = _layout(layout, "numerator")
    F, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    convention = _convention(convention, x, "jacobian")
    j = _jacobian(b.substitute(F, _full_definitions(lets)) if lets else F, x)
    out = j.result if layout == "numerator" else b.transpose(j.result)
    return Result("jacobian", expr, wrt, j, out, j.df, layout, convention=convention if x.kind else None)


def hessian(expr: str, wrt: str, shapes: Optional[dict] = None, lets=None, functions=(),
            syntax=None, *, symmetric=(), spd=(), convention: Optional[str] = None) -> Result:
    """H = d2f / d vec(X) d vec(X)^T with d2f = vec(dX)^T H vec(dX).  With
    respect to a symmetric S: H = P H~ P, P = (I + K)/2 (docs/derivatives.md)."""
    f, x, lets = _prepare(expr, wrt, shapes, lets, functions, syntax, symmetric, spd)
    convention = _convention(convention, x, "hessian")
    h = _hessian(b.substitute(f, _full_definitions(lets)) if lets else f, x)
    return Result("hessian", expr, wrt, h, h.result, h.d2f, "symmetric",
                  convention=convention if x.kind else None)


def _variable(ctx, source: str, wrt: str, definitions=()) -> Var:
    """The Var called wrt, or a clear error if the expression has no such name."""
    wrt = _spelled(wrt)  # W_{2} is W_2, \mathbf{x} is x
    if wrt in ctx.functions or wrt in ctx.used_functions:
        raise NameError_(f"cannot differentiate with respect to {wrt}: it is a function")
    if wrt not in ctx.vars:
        known = ", ".join(sorted(set(ctx.vars) - set(definitions))) or "none"
        raise NameError_(f"{wrt} does not occur in the expression (its variables: {known})", source, len(source))
    return b.var(wrt, tuple(ctx.name_dim(d) for d in ctx.vars[wrt]))
