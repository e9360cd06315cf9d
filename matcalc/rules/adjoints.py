"""The adjoint (Frobenius) rules: C : L(E) = L*(C) : E, one record per linear
node (``RULES``).

Peeling applies them to every pair C : E of df until each E is dX; then
df = G : dX with G the sum of the C's.  Each rule has a name and the identity
it applies, an equation in matcalc notation that the tests parse and check
numerically; ``--steps`` shows both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .. import build as b
from ..expr import (
    Add, DiagMat, DiagVec, Differential, Hadamard, Kron, MatMul, Sum, Trace, Transpose, Unvec, Vec,
)
from .identities import Identity
from .vectorize import holder, kron_as_product, kron_vec_map


@dataclass(frozen=True, slots=True)
class Adjoint:
    """A rule C : L(E) = L*(C) : E: ``move(C, E)`` is the list of pairs (C', E')
    it gives; ``check`` the identity, parsed and checked by the tests;
    ``shown`` what ``--steps`` shows where that is not the text of ``check``."""

    name: str
    check: Identity
    move: Callable  # (C, E) -> list of (C', E')
    shown: Optional[str] = None
    identity: str = field(init=False)  # as --steps shows it: shown, else the text of check

    def __post_init__(self):
        object.__setattr__(self, "identity", self.shown if self.shown is not None else str(self.check))


def move_sum(C, E):
    """C : (A + B) = C : A + C : B (the terms that hold a differential)."""
    return [(C, t) for t in E.terms if t.has_diff]


def move_scalar(C, E):
    """C : (s R) = (C : R) s for the scalar factor s that holds the differential:
    the rest R of the product (with its coefficient) joins C."""
    factors = list(E.scalars) + list(E.chain)
    i = holder(factors)
    rest = b.mul(b.num(E.coeff), *factors[:i], *factors[i + 1:])
    return [(b.frob(C, rest), factors[i])]


def move_product(C, E):
    """C : (c s A E B) = (c s A^T C B^T) : E, A and B the chain around E."""
    factors = list(E.scalars) + list(E.chain)
    i = holder(factors)
    k = i - len(E.scalars)
    left, right = E.chain[:k], E.chain[k + 1:]
    new_c = b.mul(b.num(E.coeff), *E.scalars,
                  *[b.transpose(f) for f in reversed(left)], C, *[b.transpose(f) for f in reversed(right)])
    return [(new_c, E.chain[k])]


def move_hadamard(C, E):
    """C : (A .* E) = (C .* A) : E."""
    i = holder(E.factors)
    return [(b.hadamard(C, *E.factors[:i], *E.factors[i + 1:]), E.factors[i])]


def move_kron(C, E):
    """C : (a ⊗ F) = C : ((a ⊗ I) F) where a factor is a vector; otherwise
    C : (A ⊗ F) = vec(C) : (M vec(F)) with vec(A ⊗ F) = M vec(F)."""
    product = kron_as_product(E)
    if product is not None:
        return [(C, product)]
    M, F = kron_vec_map(E)
    return [(b.vec(C), b.mul(M, b.vec(F)))]


def move_trace(C, E):
    """c tr(L E R) = c tr(R L E) = (c (R L)^T) : E, and (c R L) : F for E = F^T."""
    arg = E.arg
    if not isinstance(arg, MatMul) or arg.coeff != 1 or arg.scalars:
        return [(b.mul(C, b.identity(arg.shape[0])), arg)]
    k = holder(arg.chain)
    F, around = arg.chain[k], b.mul(*arg.chain[k + 1:], *arg.chain[:k]) if len(arg.chain) > 1 else None
    if around is None:
        return [(b.mul(C, b.identity(arg.shape[0])), arg)]
    if isinstance(F, Transpose):
        return [(b.mul(C, around), F.arg)]
    return [(b.mul(C, b.transpose(around)), F)]


def _adjoint(name, key, lhs, rhs, move, shapes=None, shown=None):
    return Adjoint(name, Identity("adjoint-" + key, lhs, rhs, shapes), move, shown)


SCALAR_MOVE = _adjoint("move a scalar factor", "scalar", "C : (s E)", "(C : E) s", move_scalar, {"s": "scalar"})

RULES = {
    Add: _adjoint("split the sum", "sum", "C : (A + B)", "C : A + C : B", move_sum),
    MatMul: _adjoint("move factors across", "product", "C : (A E B)", "(A^T C B^T) : E", move_product,
                     {"A": "p,m", "E": "m,n", "B": "n,q"}),
    Transpose: _adjoint("transpose", "transpose", "C : E^T", "C^T : E", lambda C, E: [(b.transpose(C), E.arg)],
                        {"E": "m,n"}),
    Hadamard: _adjoint("Hadamard", "hadamard", "C : (A .* E)", "(C .* A) : E", move_hadamard),
    Trace: _adjoint("trace", "trace", "c tr(L E R)", "(c (R L)^T) : E", move_trace,
                    {"c": "scalar", "L": "p,m", "E": "m,n", "R": "n,p"}),
    Sum: _adjoint("sum", "sum-entries", "c sum(E)", "(c ones(m, n)) : E",
                  lambda C, E: [(b.mul(C, b.ones(E.arg.shape)), E.arg)], {"c": "scalar", "E": "m,n"},
                  shown="c sum(E) = (c ones) : E"),
    DiagMat: _adjoint("diag", "diag-matrix", "C : diag(e)", "diag(C) : e", lambda C, E: [(b.diag_vec(C), E.arg)]),
    DiagVec: _adjoint("diag", "diag-vector", "c : diag(E)", "diag(c) : E", lambda C, E: [(b.diag_mat(C), E.arg)]),
    Vec: _adjoint("vec", "vec", "c : vec(E)", "unvec(c, m, n) : E", lambda C, E: [(b.unvec(C, E.arg.shape), E.arg)],
                  {"E": "m,n"}, shown="c : vec(E) = unvec(c) : E"),
    Unvec: _adjoint("unvec", "unvec", "C : unvec(e, m, n)", "vec(C) : e", lambda C, E: [(b.vec(C), E.arg)],
                   shown="C : unvec(e) = vec(C) : e"),
    Kron: _adjoint("Kronecker", "kron", "C : kron(A, E)",
                   "vec(C) : ((I_n ⊗ K_{q,m} ⊗ I_p) (vec(A) ⊗ I_{p*q}) vec(E))", move_kron, {"A": "m,n", "E": "p,q"},
                   shown="C : (A ⊗ E) = vec(C) : (M vec(E)), vec(A ⊗ E) = M vec(E)"),
}

#: The last step of a gradient: the pairs with the same differential add up.
COLLECT = Identity("collect-terms", "A : dX + B : dX", "(A + B) : dX", {"dX": "m,n"})


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
        if isinstance(E, MatMul) and holder(list(E.scalars) + list(E.chain)) < len(E.scalars):
            rule = SCALAR_MOVE
        if rule is None:
            raise AssertionError(f"{type(E).__name__} is not linear in the differentials")
        work = rule.move(C, E) + work
        if record is not None:
            record.append(Step(rule.name, rule.identity, tuple(done + work)))
    return done
