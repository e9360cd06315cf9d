"""The adjoint (Frobenius) rules: C : L(E) = L*(C) : E, one per linear node.

Peeling applies them to every pair C : E of df until each E is dX; then
df = G : dX with G the sum of the C's.  Each rule has a name and the identity
it applies, written in matcalc notation; ``--steps`` shows both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import build as b
from ..errors import UnsupportedError
from ..expr import (
    Add, DiagMat, DiagVec, Differential, Expr, Hadamard, Kron, MatMul, Sum, Trace, Transpose, Unvec, Vec,
)
from ..printing.text import to_text


@dataclass(frozen=True)
class Adjoint:
    name: str
    identity: str
    move: Callable  # (C, E, dX name) -> list of (C', E')


def _holder(items, key):
    """The index of the one item that contains the differential."""
    hits = [i for i, f in enumerate(items) if key in f.free]
    if len(hits) != 1:
        raise AssertionError("differential is not linear in one factor")
    return hits[0]


def move_sum(C, E, key):
    return [(C, t) for t in E.terms if key in t.free]


def move_product(C, E, key):
    factors = list(E.scalars) + list(E.chain)
    i = _holder(factors, key)
    if i < len(E.scalars):  # a scalar factor: C : (s R) = (C : R) : s
        rest = b.mul(b.num(E.coeff), *factors[:i], *factors[i + 1:])
        return [(b.frob(C, rest), factors[i])]
    k = i - len(E.scalars)
    left, right = E.chain[:k], E.chain[k + 1:]
    new_c = b.mul(b.num(E.coeff), *E.scalars,
                  *[b.transpose(f) for f in reversed(left)], C, *[b.transpose(f) for f in reversed(right)])
    return [(new_c, E.chain[k])]


def move_hadamard(C, E, key):
    i = _holder(E.factors, key)
    return [(b.hadamard(C, *E.factors[:i], *E.factors[i + 1:]), E.factors[i])]


def move_kron(C, E, key):
    raise UnsupportedError(
        f"the gradient through a Kronecker product ({to_text(E)}) is not supported; "
        "ask for the jacobian of its argument instead")


RULES = {
    Add: Adjoint("split the sum", "C : (A + B) = C : A + C : B", move_sum),
    MatMul: Adjoint("move factors across", "C : (A E B) = (A^T C B^T) : E, C : (s E) = (C s) : E", move_product),
    Transpose: Adjoint("transpose", "C : E^T = C^T : E",
                       lambda C, E, k: [(b.transpose(C), E.arg)]),
    Hadamard: Adjoint("Hadamard", "C : (A .* E) = (C .* A) : E", move_hadamard),
    Trace: Adjoint("trace", "c tr(E) = (c I) : E", lambda C, E, k: [(b.mul(C, b.identity(E.arg.shape[0])), E.arg)]),
    Sum: Adjoint("sum", "c sum(E) = (c ones) : E", lambda C, E, k: [(b.mul(C, b.ones(E.arg.shape)), E.arg)]),
    DiagMat: Adjoint("diag", "C : diag(e) = diag(C) : e", lambda C, E, k: [(b.diag_vec(C), E.arg)]),
    DiagVec: Adjoint("diag", "c : diag(E) = diag(c) : E", lambda C, E, k: [(b.diag_mat(C), E.arg)]),
    Vec: Adjoint("vec", "c : vec(E) = unvec(c) : E", lambda C, E, k: [(b.unvec(C, E.arg.shape), E.arg)]),
    Unvec: Adjoint("unvec", "C : unvec(e) = vec(C) : e", lambda C, E, k: [(b.vec(C), E.arg)]),
    Kron: Adjoint("Kronecker", "", move_kron),
}


@dataclass(frozen=True)
class Step:
    """One equality of a derivation: the rule used and the pairs C : E after it."""

    rule: str
    identity: str
    pairs: tuple


def peel(df: Expr, dx: Differential, record=None):
    """Write df = G : dX; return G (unsimplified sum of the peeled C's).

    ``record``, a list, receives a Step after every rule application."""
    key = next(iter(dx.free))
    done: list = []
    work = [(b.ones(df.shape) if df.shape != (1, 1) else b.num(1), df)]
    while work:
        C, E = work.pop(0)
        if isinstance(E, Differential):
            done.append((C, E))
            continue
        rule = RULES.get(type(E))
        if rule is None:
            raise AssertionError(f"{type(E).__name__} is not linear in {to_text(dx)}")
        moved = rule.move(C, E, key)
        work = moved + work
        if record is not None:
            record.append(Step(rule.name, rule.identity, tuple(done + work)))
    return b.add(*[C for C, _ in done], shape=dx.shape)
