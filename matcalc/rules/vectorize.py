"""The vec rules: for E linear in dX, the matrix J with vec(E) = J vec(dX)
(column-stacking vec, Magnus and Neudecker), one record per linear node
(``RULES``), each with the identity it applies in matcalc notation."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import build as b
from ..dims import dim_mul
from ..errors import UnsupportedError
from ..expr import (
    Add, DiagMat, DiagVec, Differential, Expr, Hadamard, Kron, MatMul, Sum, Trace, Transpose, Unvec, Vec,
)
from ..printing.text import to_text
from .identities import Identity


def size(shape):
    return dim_mul(shape[0], shape[1])


def holder(items) -> int:
    """The index of the one item that contains the differential (E is linear in dX)."""
    hits = [i for i, f in enumerate(items) if f.has_diff]
    if len(hits) != 1:
        raise AssertionError("differential is not linear in one factor")
    return hits[0]


def vec_product(E, J):
    """vec(c s L F R) = c s (R^T ⊗ L) vec(F); vec(s R) = vec(R) ds for a scalar factor s."""
    factors = list(E.scalars) + list(E.chain)
    i = holder(factors)
    if i < len(E.scalars):  # vec(c s t R) = c t vec(R) ds: only the matrix part goes under vec
        others = factors[:i] + factors[i + 1:len(E.scalars)]
        rest = b.mul(*E.chain) if E.chain else b.num(1)
        return b.mul(b.num(E.coeff), *others, b.vec(rest), J(factors[i]))
    k = i - len(E.scalars)
    F = E.chain[k]
    left = b.mul(*E.chain[:k]) if k else b.identity(F.shape[0])
    right = b.mul(*E.chain[k + 1:]) if k + 1 < len(E.chain) else b.identity(F.shape[1])
    return b.mul(b.num(E.coeff), *E.scalars, b.kron(b.transpose(right), left), J(F))


def vec_hadamard(E, J):
    """vec(A .* F) = diag(vec(A)) vec(F)."""
    i = holder(E.factors)
    others = b.hadamard(*E.factors[:i], *E.factors[i + 1:])
    return b.mul(b.diag_mat(b.vec(others)), J(E.factors[i]))


def vec_trace(E, J):
    """tr(c s L F R) = c s tr(R L F) = c s vec(L^T R^T)^T vec(F), and
    tr(c s L G^T R) = c s vec(R L)^T vec(G); otherwise tr(F) = vec(I)^T vec(F)."""
    arg = E.arg
    if isinstance(arg, MatMul) and arg.chain and not any(s.has_diff for s in arg.scalars):
        k = holder(arg.chain)
        F = arg.chain[k]
        around = b.mul(*arg.chain[k + 1:], *arg.chain[:k]) if len(arg.chain) > 1 else b.identity(F.shape[1])
        if isinstance(F, Transpose):
            weight, F = around, F.arg
        else:
            weight = b.transpose(around)
        return b.mul(b.num(arg.coeff), *arg.scalars, b.transpose(b.vec(weight)), J(F))
    return b.mul(b.transpose(b.vec(b.identity(arg.shape[0]))), J(arg))


def vec_diag_mat(E, J):
    """diag(v) = I .* (v 1^T), so vec(diag(v)) = diag(vec(I)) (1_n ⊗ I_n) v."""
    n = E.shape[0]
    select = b.diag_mat(b.vec(b.identity(n)))
    return b.mul(select, b.kron(b.ones((n, 1)), b.identity(n)), J(E.arg))


def vec_diag_vec(E, J):
    """diag(A) = (A .* I) 1_n, so diag(A) = (1_n^T ⊗ I_n) diag(vec(I)) vec(A)."""
    n = E.shape[0]
    select = b.diag_mat(b.vec(b.identity(n)))
    return b.mul(b.kron(b.ones((1, n)), b.identity(n)), select, J(E.arg))


def split_kron(E: Kron):
    """E = A ⊗ F or F ⊗ B with F the one factor group that holds the
    differential: returns (A, F, None) or (None, F, B)."""
    i = holder(E.factors)
    if i > 0:
        return b.kron(*E.factors[:i]), b.kron(*E.factors[i:]), None
    return None, E.factors[0], b.kron(*E.factors[1:])


def kron_as_product(E: Kron):
    """A Kronecker product with a vector factor is an ordinary product:
    a ⊗ F = (a ⊗ I_p) F, a^T ⊗ F = F (a^T ⊗ I_q), F ⊗ b = (I_p ⊗ b) F,
    F ⊗ b^T = F (I_q ⊗ b^T) for F p×q; None when neither factor is a vector."""
    A, F, B = split_kron(E)
    p, q = F.shape
    if A is not None and A.shape[1] == 1:
        return b.mul(b.kron(A, b.identity(p)), F)
    if A is not None and A.shape[0] == 1:
        return b.mul(F, b.kron(A, b.identity(q)))
    if B is not None and B.shape[1] == 1:
        return b.mul(b.kron(b.identity(p), B), F)
    if B is not None and B.shape[0] == 1:
        return b.mul(F, b.kron(b.identity(q), B))
    return None


def kron_vec_map(E: Kron):
    """(J, F) with vec(E) = J vec(F) (Magnus and Neudecker, theorem 3.10):
    vec(A ⊗ F) = (I_n ⊗ K_{q,m} ⊗ I_p)(vec(A) ⊗ I_{pq}) vec(F) for A m×n, F p×q;
    vec(F ⊗ B) = (I_n ⊗ K_{q,m} ⊗ I_p)(I_{mn} ⊗ vec(B)) vec(F) for F m×n, B p×q."""
    A, F, B = split_kron(E)
    (m, n), (p, q) = (A.shape, F.shape) if A is not None else (F.shape, B.shape)
    shuffle = b.kron(b.identity(n), b.commutation(q, m), b.identity(p))
    if A is not None:
        return b.mul(shuffle, b.kron(b.vec(A), b.identity(dim_mul(p, q)))), F
    return b.mul(shuffle, b.kron(b.identity(dim_mul(m, n)), b.vec(B))), F


def vec_kron(E, J):
    """vec of a Kronecker product: an ordinary product where a factor is a
    vector, else vec(E) = M vec(F) (kron_vec_map)."""
    product = kron_as_product(E)
    if product is not None:
        return J(product)
    M, F = kron_vec_map(E)
    return b.mul(M, J(F))


@dataclass(frozen=True, slots=True)
class VecRule:
    """A vec rule: ``apply(E, J)`` is the matrix M with vec(E) = M vec(dX) for a
    node E of its type linear in dX, where ``J`` gives it for a child;
    ``identity`` is the equation it applies, in matcalc notation (checked by the tests)."""

    identity: Identity
    apply: Callable


def _rule(key, lhs, rhs, apply, shapes=None):
    return VecRule(Identity("vec-rule-" + key, lhs, rhs, shapes), apply)


RULES = {
    Add: _rule("sum", "vec(A + B)", "vec(A) + vec(B)", lambda E, J: b.add(*[J(t) for t in E.terms if t.has_diff])),
    MatMul: _rule("product", "vec(alpha L F R)", "alpha kron(R^T, L) vec(F)", vec_product,
                  {"L": "p,m", "F": "m,n", "R": "n,q"}),
    Transpose: _rule("transpose", "vec(F^T)", "K_{m,n} vec(F)",
                     lambda E, J: b.mul(b.commutation(*E.arg.shape), J(E.arg)), {"F": "m,n"}),
    Hadamard: _rule("hadamard", "vec(A .* F)", "diag(vec(A)) vec(F)", vec_hadamard),
    Trace: _rule("trace", "tr(L F R)", "vec(L^T R^T)^T vec(F)", vec_trace, {"L": "p,m", "F": "m,n", "R": "n,p"}),
    Sum: _rule("sum-entries", "sum(F)", "ones(m*n)^T vec(F)",
               lambda E, J: b.mul(b.transpose(b.ones((size(E.arg.shape), 1))), J(E.arg)), {"F": "m,n"}),
    Vec: _rule("vec", "vec(vec(F))", "vec(F)", lambda E, J: J(E.arg)),
    Unvec: _rule("unvec", "vec(unvec(f, m, n))", "f", lambda E, J: J(E.arg)),
    DiagMat: _rule("diag-matrix", "vec(diag(v))", "diag(vec(I_n)) kron(ones(n), I_n) v", vec_diag_mat, {"v": "n"}),
    DiagVec: _rule("diag-vector", "diag(A)", "kron(ones(1, n), I_n) diag(vec(I_n)) vec(A)", vec_diag_vec,
                   {"A": "n,n"}),
    Kron: _rule("kron", "vec(kron(A, F))", "(I_n ⊗ K_{q,m} ⊗ I_p) (vec(A) ⊗ I_{p*q}) vec(F)", vec_kron,
                {"A": "m,n", "F": "p,q"}),
}


def vec_jacobian(dF: Expr, dx: Differential) -> Expr:
    """J with vec(dF) = J vec(dX), size(F) x size(X)."""
    n = size(dx.shape)

    def J(E: Expr) -> Expr:
        if isinstance(E, Differential):
            return b.identity(n)
        rule = RULES.get(type(E))
        if rule is None:
            raise UnsupportedError(
                f"no Kronecker form for the vec of {to_text(E)} in dF = {to_text(dF)}; "
                "matcalc cannot write this Jacobian as a matrix")
        return rule.apply(E, J)

    if not dF.has_diff:
        return b.zero((size(dF.shape), n))
    return J(dF)
