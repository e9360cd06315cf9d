"""Calls of the built-in functions: tr(X), det(X), ..., kron(A, B), ones(m, n),
unvec(v, m, n), and the element-wise functions exp(X), tanh'(X), h(X).

Everything the front end knows about one function sits here together: its
number of arguments (ARITY), which arguments have shapes (``operands``: the
dimensions of ones and unvec do not), its shape rule with the square checks
(``shape``) and its constructor (``lower``).
"""
from __future__ import annotations

from .. import build
from ..expr import SCALAR
from ..functions import BUILTIN, TABLE, canonical, split_primes
from .infer import is_scalar, square

ELEMENTWISE = set(BUILTIN)
from ..operators import ARITY, DERIVED, NAMED, NOT_SCALAR  # (least, most) arguments; one row per structural function


def operands(ctx, node) -> tuple:
    """The arguments that are expressions (the dimensions of ones and unvec are
    not), after checking the number of arguments and the primes of f'(X)."""
    fn = node.value
    base, primes = split_primes(fn)
    lo, hi = ARITY.get(base, (1, 1))
    n = len(node.args)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} or {hi}")
        raise ctx.error(node, f"{base}(...) takes {want} argument{'s' if (hi or 2) > 1 else ''}, got {n}")
    if primes and base not in ELEMENTWISE and base not in ctx.functions:
        raise ctx.error(node, f"{fn}: only element-wise functions have derivatives written with '")
    if base == "ones":
        return ()
    if base == "unvec":
        return node.args[:1]
    return node.args


def shape(ctx, node, *shapes):
    """The shape of a call, from the shapes of its expression arguments."""
    base, _ = split_primes(node.value)
    if base == "ones":
        dims = [ctx.dim_arg(a) for a in node.args]
        return (dims[0], 1) if len(dims) == 1 else tuple(dims)
    a = shapes[0]
    if base == "unvec":
        m, k = ctx.dim_arg(node.args[1]), ctx.dim_arg(node.args[2])
        if a[1] != 1 or not ctx.u.unify(a[0], ctx.u.product(m, k)):
            raise ctx.error(node, f"unvec needs a vector of length {m}*{k}, got {ctx.shape_str(a)}")
        return (m, k)
    if base in NOT_SCALAR:  # softmax, log_softmax, logsumexp: over a column vector's entries, else each row
        if is_scalar(a):
            raise ctx.error(node, f"{base} of a scalar: {ctx.text(node.args[0])} is 1 x 1; {base} takes a "
                                  "vector (over its entries) or a matrix (over each row)" + ctx.hint(node.args[0]))
        if base == "logsumexp":
            return SCALAR if ctx.u.resolve(a[1]) == 1 else (a[0], 1)
        return a
    if base == "norm" and node.info.get("norm") == "2" and a[0] != 1 and a[1] != 1:  # LaTeX \|X\|_2
        raise ctx.error(node, f"\\|{ctx.text(node.args[0])}\\|_2 of a matrix is its spectral norm, which is "
                              "not supported; \\|X\\|_F is the Frobenius norm")
    row = NAMED.get(base)  # the operator table: square checks, scalar results
    if row is not None and row.square:  # tr, det, logdet, inv
        square(ctx, node, node.args[0], a, row.square)
    if row is not None and row.scalar:  # tr, det, logdet, sum, norm
        return SCALAR
    if base == "vec":
        return (ctx.u.product(a[0], a[1]), 1)
    if base == "diag":
        if is_scalar(a):
            return a
        if a[1] == 1:
            return (a[0], a[0])
        square(ctx, node, node.args[0], a, "take the diagonal of")
        return (a[0], 1)
    if base == "kron":
        r, c = 1, 1
        for s in shapes:
            r, c = ctx.u.product(r, s[0]), ctx.u.product(c, s[1])
        return (r, c)
    return a  # element-wise


def lower(ctx, node, *args):
    """The expression of a call, from its lowered expression arguments."""
    fn = node.value
    base, _ = split_primes(fn)
    if base == "ones":
        return build.ones(ctx.shape(node))
    if base == "unvec":  # unvec(v, m, n): m and n are dimensions, not variables
        return build.unvec(args[0], ctx.shape(node))
    a = args[0]
    if base in NAMED:  # tr, det, ..., kron: the operator table's constructor
        return NAMED[base].build(*args)
    if base in DERIVED:  # log_softmax: lowered to other operators
        return DERIVED[base](*args)
    if base in TABLE or base == "sqrt" or base in ctx.functions:
        return build.apply(canonical(fn), a)  # asin(A) is arcsin(A)
    raise ctx.error(node, f"unknown function {fn}")
