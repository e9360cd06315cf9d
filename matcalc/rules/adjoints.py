"""The adjoint (Frobenius) rules: C : L(E) = L*(C) : E, one per linear node.

Peeling applies them to every pair C : E of df until each E is dX; then
df = G : dX with G the sum of the C's.  Each rule has a name and the identity
it applies, written in matcalc notation; ``--steps`` shows both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import build as b
from ..expr import (
    Add, DiagMat, DiagVec, Differential, Expr, Hadamard, Kron, MatMul, Sum, Trace, Transpose, Unvec, Vec,
)
from .vectorize import kron_as_product, kron_vec_map


@dataclass(frozen=True)
class Adjoint:
    name: str
    identity: str
    move: Callable  # (C, E, dX name) -> list of (C', E')


def _holder(items, key=None):
    """The index of the one item that contains the differential."""
    hits = [i for i, f in enumerate(items) if f.has_diff]
    if len(hits) != 1:
        raise AssertionError("differential is not linear in one factor")
    return hits[0]


def move_sum(C, E, key):
    return [(C, t) for t in E.terms if t.has_diff]


def move_scalar(C, E, key):
    factors = list(E.scalars) + list(E.chain)
    i = _holder(factors, key)
    rest = b.mul(b.num(E.coeff), *factors[:i], *factors[i + 1:])
    return [(b.frob(C, rest), factors[i])]


def move_product(C, E, key):
    factors = list(E.scalars) + list(E.chain)
    i = _holder(factors, key)
    k = i - len(E.scalars)
    left, right = E.chain[:k], E.chain[k + 1:]
    new_c = b.mul(b.num(E.coeff), *E.scalars,
                  *[b.transpose(f) for f in reversed(left)], C, *[b.transpose(f) for f in reversed(right)])
    return [(new_c, E.chain[k])]


def move_hadamard(C, E, key):
    i = _holder(E.factors, key)
    return [(b.hadamard(C, *E.factors[:i], *E.factors[i + 1:]), E.factors[i])]


def move_kron(C, E, key):
    """C : (a ⊗ F) = C : ((a ⊗ I) F) where a factor is a vector; for C = u v^T,
    (u v^T) : (E ⊗ B) = (U^T B V) : E and (u v^T) : (A ⊗ E) = (U A V^T) : E with
    U = unvec(u), V = unvec(v) (build.kron_rank_one_adjoint); otherwise
    C : (A ⊗ F) = vec(C) : (M vec(F)) with vec(A ⊗ F) = M vec(F)."""
    product = kron_as_product(E)
    if product is not None:
        return [(C, product)]
    bilinear = b.kron_rank_one_adjoint(C, E)
    if bilinear is not None:
        return [bilinear]
    M, F = kron_vec_map(E)
    return [(b.vec(C), b.mul(M, b.vec(F)))]


def move_trace(C, E, key):
    """c tr(L E R) = c tr(R L E) = (c (R L)^T) : E, and (c R L) : F for E = F^T."""
    arg = E.arg
    if not isinstance(arg, MatMul) or arg.coeff != 1 or arg.scalars:
        return [(b.mul(C, b.identity(arg.shape[0])), arg)]
    k = _holder(arg.chain)
    F, around = arg.chain[k], b.mul(*arg.chain[k + 1:], *arg.chain[:k]) if len(arg.chain) > 1 else None
    if around is None:
        return [(b.mul(C, b.identity(arg.shape[0])), arg)]
    if isinstance(F, Transpose):
        return [(b.mul(C, around), F.arg)]
    return [(b.mul(C, b.transpose(around)), F)]


SCALAR_MOVE = Adjoint("move a scalar factor", "C : (s E) = (C : E) s", move_scalar)

RULES = {
    Add: Adjoint("split the sum", "C : (A + B) = C : A + C : B", move_sum),
    MatMul: Adjoint("move factors across", "C : (A E B) = (A^T C B^T) : E", move_product),
    Transpose: Adjoint("transpose", "C : E^T = C^T : E",
                       lambda C, E, k: [(b.transpose(C), E.arg)]),
    Hadamard: Adjoint("Hadamard", "C : (A .* E) = (C .* A) : E", move_hadamard),
    Trace: Adjoint("trace", "c tr(L E R) = (c (R L)^T) : E", move_trace),
    Sum: Adjoint("sum", "c sum(E) = (c ones) : E", lambda C, E, k: [(b.mul(C, b.ones(E.arg.shape)), E.arg)]),
    DiagMat: Adjoint("diag", "C : diag(e) = diag(C) : e", lambda C, E, k: [(b.diag_vec(C), E.arg)]),
    DiagVec: Adjoint("diag", "c : diag(E) = diag(c) : E", lambda C, E, k: [(b.diag_mat(C), E.arg)]),
    Vec: Adjoint("vec", "c : vec(E) = unvec(c) : E", lambda C, E, k: [(b.unvec(C, E.arg.shape), E.arg)]),
    Unvec: Adjoint("unvec", "C : unvec(e) = vec(C) : e", lambda C, E, k: [(b.vec(C), E.arg)]),
    Kron: Adjoint("Kronecker", "C : (A ⊗ E) = vec(C) : (M vec(E)), vec(A ⊗ E) = M vec(E)", move_kron),
}


@dataclass(frozen=True)
class Step:
    """One equality of a derivation: the rule used and the pairs C : E after it."""

    rule: str
    identity: str
    pairs: tuple


def peel_pairs(work, record=None):
    """Apply adjoint rules to pairs C : E until every E is a differential dV;
    return those pairs.  ``record``, a list, receives a Step after each rule."""
    done: list = []
    work = list(work)
    while work:
        C, E = work.pop(0)
        if b.is_zero(E):  # C : 0 = 0 (the differential of a constant)
            continue
        if isinstance(E, Differential):
            done.append((C, E))
            continue
        rule = RULES.get(type(E))
        if isinstance(E, MatMul) and _holder(list(E.scalars) + list(E.chain)) < len(E.scalars):
            rule = SCALAR_MOVE
        if rule is None:
            raise AssertionError(f"{type(E).__name__} is not linear in the differentials")
        work = rule.move(C, E, None) + work
        if record is not None:
            record.append(Step(rule.name, rule.identity, tuple(done + work)))
    return done


def peel(df: Expr, dx: Differential, record=None):
    """Write df = G : dX; return G (unsimplified sum of the peeled C's)."""
    done = peel_pairs([(b.num(1), df)], record)
    return b.add(*[C for C, E in done if E == dx], shape=dx.shape)
