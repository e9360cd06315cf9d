"""Presentation: make a result read like a textbook's without changing its
value.  Common factors of a sum come out (A x + A^T x = (A + A^T) x) and a
common coefficient or scalar factor comes out of a sum (2 A + 2 B = 2 (A + B))."""
from __future__ import annotations

from fractions import Fraction
from math import gcd

from .. import build as b
from ..expr import Add, DiagMat, Expr, Hadamard, Kron, MatMul, Num, Pow, Unvec


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


def merge_diag_terms(e: Add) -> Expr:
    """diag(a) + c diag(b) = diag(a + c b), the vectors' sum tidied: like terms
    collect inside it (diag(y .* s) + diag(s .* (1 - y)) = diag(s))."""
    diags = [t for t in e.terms if isinstance(b.split_coeff(t)[1], DiagMat)]
    if len(diags) < 2:
        return e
    inner = tidy(b.add(*[b.scale(c, d.arg) for c, d in map(b.split_coeff, diags)]))
    out = b.add(b.diag_mat(inner), *[t for t in e.terms if t not in diags])
    return out if out.size < e.size else e


def group_scalar_terms(e: Add) -> Expr:
    """s A + s B + C = s (A + B) + C for the scalar factors s that several but
    not all terms share, where that is shorter: A + A^T - r B - r B^T =
    A + A^T - r (B + B^T)."""
    groups: dict = {}
    for t in e.terms:
        if isinstance(t, MatMul) and t.scalars and t.chain:
            groups.setdefault(t.scalars, []).append(t)
    best = e
    for scalars, ts in groups.items():
        if len(ts) < 2 or len(ts) == len(e.terms):
            continue
        inner = tidy(b.add(*[b.product(t.coeff, (), t.chain) for t in ts]))
        out = b.add(b.mul(*scalars, inner), *[t for t in e.terms if t not in ts])
        if out.size < best.size:
            best = out
    return best


def _hadamard_factors(t: Expr):
    """A term as (coefficient and scalars, its Hadamard factors): 2 s (A .* B) -> (2 s, [A, B])."""
    if _scaled_hadamard(t):
        return b.product(t.coeff, t.scalars, ()), list(t.chain[0].factors)
    if isinstance(t, Hadamard):
        return b.num(1), list(t.factors)
    c, rest = b.split_coeff(t)
    return b.num(c), [rest]


def factor_hadamard(e: Add) -> Expr:
    """A .* B + A .* C + D = A .* (B + C) + D, and A + A .* C = A .* (1 + C), where
    that is shorter: s' + log(s) .* s' = (1 + log(s)) .* s'."""
    if not any(isinstance(t, Hadamard) or _scaled_hadamard(t) for t in e.terms):
        return e
    parts = [_hadamard_factors(t) for t in e.terms]
    counts: dict = {}
    for _, fs in parts:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    best = e
    for f, n in counts.items():
        if n < 2:
            continue
        inside, outside = [], []
        for t, (pre, fs) in zip(e.terms, parts):
            if f in fs:
                rest = list(fs)
                rest.remove(f)
                inside.append(b.mul(pre, b.hadamard(*rest) if rest else b.ones(e.shape)))
            else:
                outside.append(t)
        out = b.add(b.hadamard(f, tidy(b.add(*inside, shape=e.shape))), *outside)
        if out.size < best.size:
            best = out
    return best


def _powers(t: Expr) -> dict:
    """A term's scalar factors as {base: exponent} (x^T A x / s^2: {x^T A x: 1, s: -2})."""
    out: dict = {}
    for s in _scalar_factors(t):
        base, p = (s.base, s.exp) if isinstance(s, Pow) else (s, Fraction(1))
        out[base] = out.get(base, 0) + p
    return out


def _common_powers(terms) -> list:
    """The scalar factors every term has, to the smallest power that all share:
    A / s + B / s^2 share 1 / s (a common denominator), s A + s^2 B share s."""
    maps = [_powers(t) for t in terms]
    out = []
    for base, p in maps[0].items():
        ps = [m.get(base, 0) for m in maps]
        if all(q > 0 for q in ps) or all(q < 0 for q in ps):
            k = min(ps, key=abs)
            out.append(b.power(base, k))
    return out


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
    s A + s B = s (A + B) for a scalar factor s of every term, and
    A / s + B / s^2 = (A + B / s) / s (common_denominator)."""
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
    out = e if common == 1 and not shared else b.mul(
        b.num(common), *shared, b.add(*[_without(t, common, shared) for t in e.terms]))
    powers = [p for p in _common_powers(e.terms) if p not in shared]
    if powers:  # a common denominator, kept where it shortens the result
        undo = [b.power(p, -1) for p in powers]
        pulled = b.mul(*powers, b.add(*[b.mul(t, *undo) for t in (out.terms if isinstance(out, Add) else [])]))
        if isinstance(out, Add) and pulled.size < out.size:
            out = pulled
    return out


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


def absorb_into_sum(e: MatMul) -> Expr:
    """s^k (a + b / s)^(+-1) = s^(k-+1) (s a + b)^(+-1) where that is shorter:
    nu (1 + q / nu) = nu + q, 1 / (nu^2 (1 + q / nu)) = 1 / (nu (nu + q))."""
    powers: dict = {}
    for f in e.scalars:
        base, p = (f.base, f.exp) if isinstance(f, Pow) else (f, Fraction(1))
        powers[base] = p
    for total, p in powers.items():
        if not isinstance(total, Add) or abs(p) != 1:
            continue
        for s, k in powers.items():
            if s is total or isinstance(s, Add) or k * p <= 0:
                continue
            spread = b.add(*[b.mul(s, t) for t in total.terms])
            if spread.size >= total.size + s.size:
                continue
            rest = [f for f in e.scalars if (f.base if isinstance(f, Pow) else f) not in (s, total)]
            return b.mul(b.num(e.coeff), *rest, b.power(s, k - p), b.power(spread, p), *e.chain)
    return e


def tidy(e: Expr) -> Expr:
    """Apply expand_hadamard, merge_diag_terms, group_scalar_terms,
    factor_hadamard and factor_sum to every sum,
    absorb_into_sum to every product of scalars and unvec_kron to every
    unvec, innermost first; a subexpression shared in several places is tidied once."""
    memo: dict = {}

    def go(x: Expr) -> Expr:
        if x not in memo:
            y = b.map_children(x, go)
            if isinstance(y, Unvec):
                y = unvec_kron(y)
            elif isinstance(y, Add):
                y = expand_hadamard(y)
                if isinstance(y, Add):
                    y = merge_diag_terms(y)
                if isinstance(y, Add):
                    y = group_scalar_terms(y)
                if isinstance(y, Add):
                    y = factor_hadamard(y)
                if isinstance(y, Add):
                    y = factor_sum(y)
            elif isinstance(y, MatMul) and len(y.scalars) >= 2:
                y = absorb_into_sum(y)
            memo[x] = y
        return memo[x]

    return go(e)
