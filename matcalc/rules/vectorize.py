"""The vec rules: for E linear in dX, the matrix J with vec(E) = J vec(dX)
(column-stacking vec, Magnus and Neudecker), one rule per linear node."""
from __future__ import annotations

from .. import build as b
from ..dims import dim_mul
from ..errors import UnsupportedError
from ..expr import Add, Differential, Expr, Hadamard, MatMul, Sum, Trace, Transpose, Unvec, Vec
from ..printing.text import to_text


def size(shape):
    return dim_mul(shape[0], shape[1])


def vec_product(E, J, key):
    """vec(c s L F R) = c s (R^T ⊗ L) vec(F); vec(s R) = vec(R) ds for a scalar factor s."""
    factors = list(E.scalars) + list(E.chain)
    i = next(k for k, f in enumerate(factors) if key in f.free)
    if i < len(E.scalars):
        rest = b.mul(b.num(E.coeff), *factors[:i], *factors[i + 1:])
        return b.mul(b.vec(rest), J(factors[i]))
    k = i - len(E.scalars)
    F = E.chain[k]
    left = b.mul(*E.chain[:k]) if k else b.identity(F.shape[0])
    right = b.mul(*E.chain[k + 1:]) if k + 1 < len(E.chain) else b.identity(F.shape[1])
    return b.mul(b.num(E.coeff), *E.scalars, b.kron(b.transpose(right), left), J(F))


def vec_hadamard(E, J, key):
    """vec(A .* F) = diag(vec(A)) vec(F)."""
    i = next(k for k, f in enumerate(E.factors) if key in f.free)
    others = b.hadamard(*E.factors[:i], *E.factors[i + 1:])
    return b.mul(b.diag_mat(b.vec(others)), J(E.factors[i]))


RULES = {
    Add: lambda E, J, key: b.add(*[J(t) for t in E.terms if key in t.free]),  # vec(A + B) = vec A + vec B
    MatMul: vec_product,
    Transpose: lambda E, J, key: b.mul(b.commutation(*E.arg.shape), J(E.arg)),  # vec(F^T) = K vec(F)
    Hadamard: vec_hadamard,
    Trace: lambda E, J, key: b.mul(b.transpose(b.vec(b.identity(E.arg.shape[0]))), J(E.arg)),  # tr F = vec(I)^T vec F
    Sum: lambda E, J, key: b.mul(b.transpose(b.ones((size(E.arg.shape), 1))), J(E.arg)),  # sum F = 1^T vec F
    Vec: lambda E, J, key: J(E.arg),
    Unvec: lambda E, J, key: J(E.arg),
}


def vec_jacobian(dF: Expr, dx: Differential) -> Expr:
    """J with vec(dF) = J vec(dX), size(F) x size(X)."""
    key = next(iter(dx.free))
    n = size(dx.shape)

    def J(E: Expr) -> Expr:
        if isinstance(E, Differential):
            return b.identity(n)
        rule = RULES.get(type(E))
        if rule is None:
            raise UnsupportedError(
                f"no Kronecker form for the vec of {to_text(E)}; use --format index for this derivative")
        return rule(E, J, key)

    if key not in dF.free:
        return b.zero((size(dF.shape), n))
    return J(dF)
