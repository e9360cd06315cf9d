"""Presentation: make a result read like a textbook's without changing its
value.  Common factors of a sum come out (A x + A^T x = (A + A^T) x) and a
common coefficient or scalar factor comes out of a sum (2 A + 2 B = 2 (A + B))."""
from __future__ import annotations

from fractions import Fraction
from math import gcd

from .. import build as b
from ..expr import Add, Expr, Hadamard, Kron, MatMul, Num, Unvec


def _parts(t: Expr):
    """A term as (scalar part, chain)."""
    if isinstance(t, MatMul):
        return b._product(t.coeff, t.scalars, ()), list(t.chain)
    if t.shape == (1, 1):
        return t, []
    return b.num(1), [t]


def factor_sum(e: Add) -> Expr:
    """Pull a factor shared by several terms to the left or right of their sum."""
    terms = merge_kron_terms(list(e.terms))
    while True:
        best = None
        for side in (-1, 0):
            groups: dict = {}
            for i, t in enumerate(terms):
                pre, chain = _parts(t)
                if len(chain) >= 2:
                    groups.setdefault(chain[side], []).append(i)
            for factor, idx in groups.items():
                if len(idx) >= 2 and (best is None or len(idx) > len(best[2])):
                    best = (side, factor, idx)
        if best is None:
            break
        side, factor, idx = best
        rest = []
        for i in idx:
            pre, chain = _parts(terms[i])
            rest.append(b.mul(pre, *(chain[:-1] if side == -1 else chain[1:])))
        inner = tidy(b.add(*rest))
        merged = b.mul(inner, factor) if side == -1 else b.mul(factor, inner)
        terms = [t for i, t in enumerate(terms) if i not in idx] + [merged]
    out = b.add(*terms)
    return pull_coefficient(out) if isinstance(out, Add) else out


MAX_EXPANDED_TERMS = 32


def _scaled_hadamard(t: Expr) -> bool:
    """c s (A .* B): a Hadamard product under coefficients and scalar factors."""
    return isinstance(t, MatMul) and len(t.chain) == 1 and isinstance(t.chain[0], Hadamard)


def _distribute(t: Expr, budget: list) -> Expr:
    """(a + b) .* c = a .* c + b .* c, through coefficients and scalar factors;
    t unchanged once the expansion has used up its budget of terms."""
    if _scaled_hadamard(t):
        return b.mul(b.num(t.coeff), *t.scalars, _distribute(t.chain[0], budget))
    if not isinstance(t, Hadamard):
        return t
    i = next((i for i, f in enumerate(t.factors) if isinstance(f, Add)), None)
    if i is None or budget[0] < len(t.factors[i].terms):
        return t
    budget[0] -= len(t.factors[i].terms)
    others = t.factors[:i] + t.factors[i + 1:]
    return b.add(*[_distribute(b.hadamard(term, *others), budget) for term in t.factors[i].terms])


def expand_hadamard(e: Add) -> Expr:
    """Distribute Hadamard products over sums, kept only where like terms then
    cancel and the sum gets shorter: s .* (1 - y) - y .* (1 - s) = s - y."""
    if not any(isinstance(t, Hadamard) or _scaled_hadamard(t) for t in e.terms):
        return e
    budget = [MAX_EXPANDED_TERMS]
    expanded = b.add(*[_distribute(t, budget) for t in e.terms])
    return expanded if expanded.size < e.size else e


def merge_kron_terms(terms):
    """A ⊗ B + A ⊗ C = A ⊗ (B + C) (and likewise in any one position)."""
    changed = True
    while changed:
        changed = False
        for i, t in enumerate(terms):
            ci, ki = b.split_coeff(t)
            if not isinstance(ki, Kron):
                continue
            for j in range(i + 1, len(terms)):
                cj, kj = b.split_coeff(terms[j])
                if not isinstance(kj, Kron) or len(kj.factors) != len(ki.factors):
                    continue
                diff = [p for p, (x, y) in enumerate(zip(ki.factors, kj.factors)) if x != y]
                if len(diff) != 1 or ki.factors[diff[0]].shape != kj.factors[diff[0]].shape:
                    continue
                p = diff[0]
                inner = tidy(b.add(b.scale(ci, ki.factors[p]), b.scale(cj, kj.factors[p])))
                merged = b.kron(*ki.factors[:p], inner, *ki.factors[p + 1:])
                terms = [x for k, x in enumerate(terms) if k not in (i, j)] + [merged]
                changed = True
                break
            if changed:
                break
    return terms


def _scalar_factors(t: Expr) -> list:
    """The scalar factors of a term, without its numeric coefficient."""
    if isinstance(t, MatMul):
        extra = [b._product(1, (), t.chain)] if t.chain and t.shape == (1, 1) else []
        return list(t.scalars) + extra
    if t.shape == (1, 1) and not isinstance(t, Num):
        return [t]
    return []


def _common_scalars(terms) -> list:
    """The scalar factors that every term has (s A + s B: [s])."""
    common = _scalar_factors(terms[0])
    for t in terms[1:]:
        rest = _scalar_factors(t)
        keep = []
        for s in common:
            if s in rest:
                rest.remove(s)
                keep.append(s)
        common = keep
    return common


def _without(t: Expr, c: Fraction, scalars) -> Expr:
    """t / (c * product of scalars), for scalars that are factors of t."""
    if isinstance(t, MatMul):
        rest = list(t.scalars)
        chain = list(t.chain)
        for s in scalars:
            if s in rest:
                rest.remove(s)
            else:  # the inner product of a scalar chain
                chain = []
        return b.mul(b.num(t.coeff / c), *rest, *chain)
    if scalars:
        return b.num(1 / c)
    return b.scale(1 / c, t)


def pull_coefficient(e: Add) -> Expr:
    """2 A + 4 B = 2 (A + 2 B); A / 2 + B / 2 = (A + B) / 2; -A - B = -(A + B);
    s A + s B = s (A + B) for a scalar factor s of every term."""
    coeffs = [b.split_coeff(t)[0] for t in e.terms]
    common = Fraction(1)
    if len({c.denominator for c in coeffs}) == 1:
        g = 0
        for c in coeffs:
            g = gcd(g, c.numerator)
        common = Fraction(g, coeffs[0].denominator)
    if all(c < 0 for c in coeffs):
        common = -common
    shared = _common_scalars(e.terms)
    if common == 1 and not shared:
        return e
    return b.mul(b.num(common), *shared, b.add(*[_without(t, common, shared) for t in e.terms]))


def unvec_kron(e: Unvec) -> Expr:
    """unvec((A ⊗ B) v) = B unvec(v) A^T (Roth's column lemma), so
    unvec((A ⊗ B) vec(X)) = B X A^T."""
    arg = e.arg
    if not (isinstance(arg, MatMul) and len(arg.chain) == 2 and isinstance(arg.chain[0], Kron)
            and len(arg.chain[0].factors) == 2):
        return e
    A, B = arg.chain[0].factors
    if e.shape != (B.shape[0], A.shape[0]):
        return e
    inner = b.unvec(arg.chain[1], (B.shape[1], A.shape[1]))
    return b.mul(b.num(arg.coeff), *arg.scalars, B, inner, b.transpose(A))


def tidy(e: Expr) -> Expr:
    """Apply expand_hadamard and factor_sum to every sum and unvec_kron to
    every unvec, innermost first; a subexpression shared in several places is tidied once."""
    memo: dict = {}

    def go(x: Expr) -> Expr:
        if x not in memo:
            y = b.map_children(x, go)
            if isinstance(y, Unvec):
                y = unvec_kron(y)
            elif isinstance(y, Add):
                y = expand_hadamard(y)
                if isinstance(y, Add):
                    y = factor_sum(y)
            memo[x] = y
        return memo[x]

    return go(e)
