"""The differential rules, one record per node type (``RULES``): the name
``--steps`` shows, the identity d(f) = df it applies (in matcalc notation,
checked numerically by the tests) and the function that applies it.
``differential(f, X)`` returns df, an expression linear in the node dX."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .. import build as b
from ..expr import (
    Add, Apply, Det, DiagMat, DiagVec, Differential, EPow, Expr, Hadamard, Identity, Inverse,
    Kron, LogDet, LogSumExp, MatMul, MatPow, Norm, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec, Var,
    Vec, Zero,
)
from ..functions import derivative
from .identities import DifferentialIdentity


def _holds_differential(e: Expr) -> bool:
    return isinstance(e, Differential) or any(_holds_differential(c) for c in e.children())


def _product_rule(factors, d, build):
    """d(F1 F2 ... Fk) = sum_i F1 .. dFi .. Fk (order kept).  In a second
    differential (another factor already holds a dX) a sum dFi is spread out, so
    that d2f reads as a sum of bilinear terms: dX (A dX + dX B) = dX A dX + dX dX B."""
    terms = []
    for i, f in enumerate(factors):
        df = d(f)
        if b.is_zero(df):
            continue
        others = factors[:i] + factors[i + 1:]
        spread = isinstance(df, Add) and any(_holds_differential(g) for g in others)
        terms.extend(build(*factors[:i], t, *factors[i + 1:]) for t in (df.terms if spread else (df,)))
    return terms


def d_var(e, d, x):
    """dX for the variable, 0 for any other."""
    return b.differential(e) if e in x else b.zero(e.shape)


def d_matmul(e, d, x):
    """d(c s A B) = c (ds A B + s dA B + s A dB)."""
    terms = _product_rule(list(e.scalars) + list(e.chain), d, b.mul)
    return b.scale(e.coeff, b.add(*terms, shape=e.shape))


def d_matpow(e, d, x):
    """d(A^k) = sum_{i<k} A^i dA A^(k-1-i)."""
    dA = d(e.base)
    return b.add(*[b.mul(b.matpow(e.base, i), dA, b.matpow(e.base, e.exp - 1 - i)) for i in range(e.exp)])


def d_softmax(e, d, x):
    """s = softmax(z): ds = s .* dz - s (s^T dz), that is (diag(s) - s s^T) dz.
    Row-wise, S = softmax(Z) (m x n): dS = S .* dZ - ((S .* dZ) 1 1^T) .* S."""
    dz = d(e.arg)
    rows, cols = e.shape
    local = b.hadamard(e, dz)
    if cols == 1:
        return b.sub(local, b.mul(e, b.transpose(e), dz))
    per_row = b.mul(local, b.ones((cols, 1)), b.ones((1, cols)))
    return b.sub(local, b.hadamard(e, per_row))


def d_logsumexp(e, d, x):
    """d logsumexp(z) = softmax(z)^T dz; row-wise d logsumexp(Z) = (softmax(Z) .* dZ) 1."""
    z = e.arg
    dz = d(z)
    s = b.softmax(z)
    if z.shape[1] == 1:
        return b.mul(b.transpose(s), dz)
    return b.mul(b.hadamard(s, dz), b.ones((z.shape[1], 1)))


@dataclass(frozen=True, slots=True)
class Rule:
    """A differential rule: ``apply(e, d, x)`` is d e for a node e of its type,
    where ``d`` differentiates a child and ``x`` is the set of variables;
    ``identity`` is the equation it applies, d(f) = df in matcalc notation
    (checked by the tests); ``name`` is what ``--steps`` shows (None: nothing)."""

    name: Optional[str]
    identity: DifferentialIdentity
    apply: Callable


def _rule(name, identity_name, f, df, apply, shapes=None):
    return Rule(name, DifferentialIdentity(identity_name, f, df, shapes), apply)


MN = {"A": "m,n", "B": "m,n"}

RULES = {
    Var: _rule(None, "d-variable", "X", "dX", d_var),
    Add: _rule("sum rule", "d-sum", "A + B", "dA + dB",
               lambda e, d, x: b.add(*[d(t) for t in e.terms], shape=e.shape), MN),
    MatMul: _rule("product rule", "d-product", "alpha A B", "dalpha A B + alpha dA B + alpha A dB", d_matmul,
                  {"A": "m,n", "B": "n,p"}),
    Transpose: _rule("d(A^T) = dA^T", "d-transpose", "A^T", "dA^T", lambda e, d, x: b.transpose(d(e.arg)), MN),
    Inverse: _rule("d(X^{-1}) = -X^{-1} dX X^{-1}", "d-inverse", "X^{-1}", "-X^{-1} dX X^{-1}",
                   lambda e, d, x: b.mul(b.num(-1), e, d(e.arg), e)),
    MatPow: _rule("d(X^k) = sum_i X^i dX X^(k-1-i)", "d-matrix-power", "X^3", "dX X^2 + X dX X + X^2 dX", d_matpow),
    Apply: _rule("element-wise chain rule d f(A) = f'(A) .* dA", "d-elementwise", "tanh(A)", "tanh'(A) .* dA",
                 lambda e, d, x: b.hadamard(derivative(e.fn, e.arg), d(e.arg)), MN),
    EPow: _rule("d(A.^p) = p A.^(p-1) .* dA", "d-elementwise-power", "A.^(3/2)", "3/2 A.^(1/2) .* dA",
                lambda e, d, x: b.hadamard(b.scale(e.exp, b.epow(e.base, e.exp - 1)), d(e.base)), MN),
    Pow: _rule("d(s^p) = p s^(p-1) ds", "d-scalar-power", "alpha^3", "3 alpha^2 dalpha",
               lambda e, d, x: b.mul(b.num(e.exp), b.power(e.base, e.exp - 1), d(e.base))),
    Hadamard: _rule("product rule for .*", "d-hadamard", "A .* B", "dA .* B + A .* dB",
                    lambda e, d, x: b.add(*_product_rule(list(e.factors), d, b.hadamard), shape=e.shape), MN),
    Kron: _rule("product rule for kron", "d-kron", "kron(A, B)", "kron(dA, B) + kron(A, dB)",
                lambda e, d, x: b.add(*_product_rule(list(e.factors), d, b.kron), shape=e.shape),
                {"A": "m,n", "B": "p,q"}),
    Trace: _rule("d tr(A) = tr(dA)", "d-trace", "tr(A)", "tr(dA)", lambda e, d, x: b.trace(d(e.arg))),
    Sum: _rule("d sum(A) = sum(dA)", "d-sum-entries", "sum(A)", "sum(dA)", lambda e, d, x: b.esum(d(e.arg)), MN),
    Det: _rule("d det(X) = det(X) tr(X^{-1} dX)", "d-det", "det(X)", "det(X) tr(X^{-1} dX)",
               lambda e, d, x: b.mul(e, b.trace(b.mul(b.inverse(e.arg), d(e.arg))))),
    LogDet: _rule("d logdet(X) = tr(X^{-1} dX)", "d-logdet", "logdet(X)", "tr(X^{-1} dX)",
                  lambda e, d, x: b.trace(b.mul(b.inverse(e.arg), d(e.arg)))),
    Norm: _rule("d norm(A) = (A : dA) / norm(A)", "d-norm", "norm(A)", "(A : dA) / norm(A)",
                lambda e, d, x: b.mul(b.frob(e.arg, d(e.arg)), b.power(e, -1)), MN),
    DiagMat: _rule("d diag(v) = diag(dv)", "d-diag-matrix", "diag(v)", "diag(dv)",
                   lambda e, d, x: b.diag_mat(d(e.arg))),
    DiagVec: _rule("d diag(A) = diag(dA)", "d-diag-vector", "diag(A)", "diag(dA)",
                   lambda e, d, x: b.diag_vec(d(e.arg))),
    Vec: _rule("d vec(A) = vec(dA)", "d-vec", "vec(A)", "vec(dA)", lambda e, d, x: b.vec(d(e.arg)), MN),
    Unvec: _rule("d unvec(v) = unvec(dv)", "d-unvec", "unvec(v, m, n)", "unvec(dv, m, n)",
                 lambda e, d, x: b.unvec(d(e.arg), e.shape)),
    # over a column vector's entries; a matrix's rows one by one (the row-wise identity is in identities.py)
    Softmax: _rule("d softmax(z) = softmax(z) .* dz - softmax(z) (softmax(z)^T dz)", "d-softmax", "softmax(z)",
                   "softmax(z) .* dz - softmax(z) (softmax(z)^T dz)", d_softmax),
    LogSumExp: _rule("d logsumexp(z) = softmax(z)^T dz", "d-logsumexp", "logsumexp(z)", "softmax(z)^T dz",
                     d_logsumexp),
}
CONSTANTS = (Num, Identity, Ones, Zero, Differential)


def differential(f: Expr, x, used: list | None = None) -> Expr:
    """df with respect to x, a Var or several (every other variable held constant).
    ``used``, a list, receives the names of the rules applied, in order."""
    xs = frozenset([x] if isinstance(x, Var) else x)
    names = frozenset(v.name for v in xs)
    memo: dict = {}

    def d(e: Expr) -> Expr:
        if not (names & e.free) or isinstance(e, CONSTANTS):
            return b.zero(e.shape)
        if e not in memo:
            rule = RULES[type(e)]
            memo[e] = rule.apply(e, d, xs)
            name = rule.name
            if used is not None and name and name not in used:
                used.append(name)
        return memo[e]

    return d(f)


__all__ = ["differential", "Rule", "RULES"]
