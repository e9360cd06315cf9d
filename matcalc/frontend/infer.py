"""Shape rules, one per form of the grammar (the ``infer`` column of forms.py).

A rule takes the typing context, the node and the shapes of its operands
(already inferred, left to right) and returns the node's shape, whose
dimensions are ints, names or unknowns (DimVar); a mismatch is a ShapeError
at the operator, naming both operands and their shapes.  Rules never recurse:
forms.infer_tree walks the tree.  The rules of function calls are in calls.py.
"""
from __future__ import annotations

from ..dims import dim_mul
from ..errors import NameError_
from ..expr import SCALAR
from .convention import sized_identity


def is_scalar(shape) -> bool:
    return shape[0] == 1 and shape[1] == 1


def square(ctx, node, arg, shape, verb):
    """shape is square (unified), or an error: 'cannot {verb} arg (...): it is not square'."""
    if not ctx.u.unify(shape[0], shape[1]):
        raise ctx.error(node, f"cannot {verb} {ctx.text(arg)} ({ctx.shape_str(shape)}): it is not square"
                              + ctx.hint(arg))


def name(ctx, node):
    """A variable's shape (declared, or by the naming convention); I and I_n are identities."""
    name = node.value
    if name == "I" and "I" not in ctx.declared:
        n = ctx.u.fresh()
        return (n, n)
    if name not in ctx.declared and sized_identity(name):  # I_n: the n x n identity
        d = ctx.dim_text(node, name[2:])
        return (d, d)
    if name in ctx.functions:
        raise NameError_(f"{name} is a function; call it as {name}(...)", ctx.source, node.pos)
    return ctx.var_shape(name)


def scalar(ctx, node):
    """A number is 1 x 1."""
    return SCALAR


def sized(ctx, node):
    """I_{n} is n x n; K_{m,n} is mn x mn."""
    dims = ctx.sized_dims(node)
    n = dims[0] if len(dims) == 1 else dim_mul(*dims)
    return (n, n)


def same(ctx, node, a):
    """(A), -A and f(A) element-wise are shaped like A."""
    return a


def generic_call(ctx, node, a):
    """sigma(Z): element-wise, shaped like Z; the name is a function from now on."""
    ctx.used_functions.add(node.value.rstrip("'"))
    return a


VERBS = {"add": "add", "sub": "subtract", "hadamard": "multiply element-wise", "ediv": "divide element-wise"}


def elementwise(ctx, node, a, b):
    """A + B, A - B, A .* B, A ./ B: equal shapes, or a scalar broadcast."""
    if is_scalar(a):
        return b
    if is_scalar(b):
        return a
    u = ctx.u
    if not (u.unify(a[0], b[0]) and u.unify(a[1], b[1])):
        raise ctx.error(node, f"cannot {VERBS[node.op]} {ctx.text(node.args[0])} ({ctx.shape_str(a)}) and "
                              f"{ctx.text(node.args[1])} ({ctx.shape_str(b)})"
                              + (_binding_hint(ctx, node) or ctx.hint(*node.args)))
    return a


def product(ctx, node, a, b):
    """A B and A * B: inner dimensions equal, or either side a scalar."""
    left, right = node.args
    if is_scalar(a):
        return b
    if is_scalar(b):
        return a
    if not ctx.u.unify(a[1], b[0]):
        raise ctx.error(node, f"cannot multiply {ctx.text(left)} ({ctx.shape_str(a)}) by "
                              f"{ctx.text(right)} ({ctx.shape_str(b)}): inner dimensions differ"
                              + (_call_hint(left, right) or ctx.hint(left, right)))
    return (a[0], b[1])


def divide(ctx, node, a, b):
    """A / s: by a scalar only."""
    if not is_scalar(b):
        raise ctx.error(node, f"cannot divide by {ctx.text(node.args[1])} ({ctx.shape_str(b)}): "
                              "only by a scalar; use inv(...) or ./ for element-wise division")
    return a


def kron(ctx, node, a, b):
    """A ⊗ B is (rows A * rows B) x (cols A * cols B)."""
    return (ctx.u.product(a[0], b[0]), ctx.u.product(a[1], b[1]))


def frob(ctx, node, a, b):
    """A : B needs equal shapes and is a scalar."""
    if not (ctx.u.unify(a[0], b[0]) and ctx.u.unify(a[1], b[1])):
        raise ctx.error(node, f"Frobenius product needs equal shapes: {ctx.text(node.args[0])} "
                              f"({ctx.shape_str(a)}) : {ctx.text(node.args[1])} ({ctx.shape_str(b)})")
    return SCALAR


def transpose(ctx, node, a):
    return (a[1], a[0])


def inverse(ctx, node, a):
    """X^{-1} and X^{-T}: X square."""
    square(ctx, node, node.args[0], a, "invert")
    return a


def power(ctx, node, a):
    """X^T, X^{-T}, s^r, and X^k for an integer k with X square."""
    e = node.value
    if e == "T":
        return (a[1], a[0])
    if is_scalar(a):
        return a
    if e == "-T":
        square(ctx, node, node.args[0], a, "invert")
        return a
    if e.denominator != 1:
        raise ctx.error(node, f"{ctx.text(node.args[0])} ({ctx.shape_str(a)}) is a matrix: a fractional "
                              "power is not supported; use .^ for an element-wise power")
    square(ctx, node, node.args[0], a, "raise to a power")
    return a


def epower(ctx, node, a):
    """A .^ r: a number exponent, shaped like A."""
    if node.value in ("T", "-T"):
        raise ctx.error(node, "an element-wise power needs a number, not T")
    return a


def _binding_hint(ctx, node) -> str:
    """x .* A x is (x .* A) x: .* and ./ bind like a product, left to right.
    When an operand follows the right one directly, say so."""
    if node.op not in ("hadamard", "ediv"):
        return ""
    after = ctx.source[node.end:].lstrip()
    if not after or not (after[0].isalpha() or after[0] == "("):
        return ""
    depth, end = 0, 0
    for end, ch in enumerate(after + ")"):  # the rest of the product: up to a sum, a comma or a closing parenthesis
        depth += (ch == "(") - (ch == ")")
        if depth < 0 or depth == 0 and ch in "+-,:":
            break
    rest = " ".join(after[:end].split())
    op = ".*" if node.op == "hadamard" else "./"
    left, right = ctx.text(node.args[0]), ctx.text(node.args[1])
    return (f" ({left} {op} {right} {rest} is ({left} {op} {right}) {rest}: {op} binds like a product, "
            f"left to right; write {left} {op} ({right} {rest}))")


def _call_hint(left, right) -> str:
    """foo(x), with the parenthesis touching the name, reads as a product; the
    user probably meant a function."""
    if left.op == "name" and right.op == "paren" and right.pos == left.pos + len(left.value):
        return (f" ({left.value}(...) is a product here: {left.value} is no built-in function; "
                f"declare an element-wise function with --function {left.value})")
    return ""
