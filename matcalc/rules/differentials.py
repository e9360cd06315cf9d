"""The differential rules, one per node type.  ``differential(f, X)`` returns
df, an expression linear in the node dX."""
from __future__ import annotations

from fractions import Fraction

from .. import build as b
from ..expr import (
    Add, Apply, Det, DiagMat, DiagVec, Differential, EPow, Expr, Hadamard, Identity, Inverse,
    Kron, LogDet, LogSumExp, MatMul, MatPow, Norm, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec, Var,
    Vec, Zero,
)
from ..functions import derivative


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
    Row-wise, S = softmax(Z) (m x n): dS = S .* dZ - S .* (((S .* dZ) 1) 1^T)."""
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


RULES = {
    Softmax: d_softmax,
    LogSumExp: d_logsumexp,
    Var: d_var,
    Add: lambda e, d, x: b.add(*[d(t) for t in e.terms], shape=e.shape),  # d(A + B) = dA + dB
    MatMul: d_matmul,
    Transpose: lambda e, d, x: b.transpose(d(e.arg)),  # d(A^T) = dA^T
    Inverse: lambda e, d, x: b.mul(b.num(-1), e, d(e.arg), e),  # d(A^{-1}) = -A^{-1} dA A^{-1}
    MatPow: d_matpow,
    Apply: lambda e, d, x: b.hadamard(derivative(e.fn, e.arg), d(e.arg)),  # d f(A) = f'(A) .* dA
    EPow: lambda e, d, x: b.hadamard(b.scale(e.exp, b.epow(e.base, e.exp - 1)), d(e.base)),  # d A.^p = p A.^(p-1) .* dA
    Pow: lambda e, d, x: b.mul(b.num(e.exp), b.power(e.base, e.exp - 1), d(e.base)),  # d s^p = p s^(p-1) ds
    Hadamard: lambda e, d, x: b.add(*_product_rule(list(e.factors), d, b.hadamard), shape=e.shape),
    Kron: lambda e, d, x: b.add(*_product_rule(list(e.factors), d, b.kron), shape=e.shape),
    Trace: lambda e, d, x: b.trace(d(e.arg)),  # d tr(A) = tr(dA)
    Sum: lambda e, d, x: b.esum(d(e.arg)),  # d sum(A) = sum(dA)
    Det: lambda e, d, x: b.mul(e, b.trace(b.mul(b.inverse(e.arg), d(e.arg)))),  # d det A = det A tr(A^{-1} dA)
    LogDet: lambda e, d, x: b.trace(b.mul(b.inverse(e.arg), d(e.arg))),  # d logdet A = tr(A^{-1} dA)
    Norm: lambda e, d, x: b.mul(b.frob(e.arg, d(e.arg)), b.power(e, -1)),  # d norm(A) = (A : dA) / norm(A)
    DiagMat: lambda e, d, x: b.diag_mat(d(e.arg)),  # d diag(v) = diag(dv)
    DiagVec: lambda e, d, x: b.diag_vec(d(e.arg)),
    Vec: lambda e, d, x: b.vec(d(e.arg)),
    Unvec: lambda e, d, x: b.unvec(d(e.arg), e.shape),
}
CONSTANTS = (Num, Identity, Ones, Zero, Differential)


NAMES = {
    Add: "sum rule", MatMul: "product rule", Transpose: "d(A^T) = dA^T",
    Inverse: "d(X^{-1}) = -X^{-1} dX X^{-1}", MatPow: "d(X^k) = sum_i X^i dX X^(k-1-i)",
    Apply: "element-wise chain rule d f(A) = f'(A) .* dA", EPow: "d(A.^p) = p A.^(p-1) .* dA",
    Pow: "d(s^p) = p s^(p-1) ds", Hadamard: "product rule for .*", Kron: "product rule for kron",
    Trace: "d tr(A) = tr(dA)", Sum: "d sum(A) = sum(dA)", Det: "d det(X) = det(X) tr(X^{-1} dX)",
    LogDet: "d logdet(X) = tr(X^{-1} dX)", Norm: "d norm(A) = (A : dA) / norm(A)",
    DiagMat: "d diag(v) = diag(dv)", DiagVec: "d diag(A) = diag(dA)", Vec: "d vec(A) = vec(dA)",
    Unvec: "d unvec(v) = unvec(dv)",
    Softmax: "d softmax(z) = softmax(z) .* dz - softmax(z) (softmax(z)^T dz)",
    LogSumExp: "d logsumexp(z) = softmax(z)^T dz",
}


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
            memo[e] = RULES[type(e)](e, d, xs)
            name = NAMES.get(type(e))
            if used is not None and name and name not in used:
                used.append(name)
        return memo[e]

    return d(f)


__all__ = ["differential", "RULES", "Fraction"]
