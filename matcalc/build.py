"""Smart constructors: every expression in matcalc is built here, so every
expression is in canonical form and the rules elsewhere stay short.

Canonical form, in brief:
  * products are n-ary: coefficient * sorted scalar factors * matrix chain;
    a 1 x 1 sub-chain such as x^T A y becomes a scalar factor;
  * adjacent powers of one square base merge: X X^{-1} = I, X X = X^2;
  * transposes sit on atoms only: (A B)^T = B^T A^T, (X^{-1})^T = X^{-T};
    an element-wise node is written in the orientation whose transposes
    print shorter (_orientation): tanh(W x)^T, not tanh(x^T W^T);
    sigma'(Z) .* (A^T G W^T), not (sigma'(Z)^T .* (W G^T A))^T;
  * Kronecker products: sum(A ⊗ B) = sum(A) sum(B), tr(A ⊗ B) = tr(A) tr(B),
    (A ⊗ B) vec(X) = vec(B X A^T), (A ⊗ B)(C ⊗ D) = (A C) ⊗ (B D);
  * like terms of a sum are collected, sums are flattened and sorted;
  * a scalar equal to its transpose (x^T A y = y^T A^T x) and a trace equal
    under rotation (tr(A B) = tr(B A)) are stored in one chosen orientation;
  * element-wise products merge powers (A .* A = A.^2) and drop ones;
    sigmoid(u) .* (1 - sigmoid(u)) = sigmoid'(u).
"""
from __future__ import annotations

from fractions import Fraction

from .expr import (
    ONE, SCALAR, Add, Apply, Commutation, Det, DiagMat, DiagVec, Differential, EPow, Expr,
    Hadamard, Identity, Inverse, Kron, LogDet, LogSumExp, MatMul, MatPow, Norm, Num, Ones, Softmax,
    Pow, Sum, Trace, Transpose, Unvec, Var, Vec, Zero,
)

_F1, _FM1 = Fraction(1), Fraction(-1)  # shared: constructing a Fraction costs a microsecond


class InternalShapeError(AssertionError):
    """A rule built an ill-shaped expression: a bug in matcalc, not user input."""


def num(value) -> Num:
    return Num(Fraction(value))


MAX_BITS = 3000  # about 900 digits: exact coefficients stay printable (Python refuses str() of 4300+ digits)


def _too_large(value: Fraction, power: int = 1) -> bool:
    return abs(power) * max(abs(value.numerator), value.denominator).bit_length() > MAX_BITS


def _number_error():
    from .errors import UnsupportedError

    return UnsupportedError(f"a coefficient with more than {MAX_BITS} bits (about 900 digits): "
                            "exact arithmetic stops there")


def zero(shape) -> Expr:
    return Num(Fraction(0)) if tuple(shape) == SCALAR else Zero(tuple(shape))


def identity(n) -> Expr:
    return ONE if n == 1 else Identity(n)


def ones(shape) -> Expr:
    return ONE if tuple(shape) == SCALAR else Ones(tuple(shape))


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Num) and e.value == 0)


def count_transposes(e: Expr) -> int:
    """How many transposes an expression shows (orientation tie-breaker);
    cached on the node, which is immutable."""
    n = e.__dict__.get("_ntransposes")
    if n is None:
        n = (1 if isinstance(e, Transpose) else 0) + sum(count_transposes(c) for c in e.children())
        e.__dict__["_ntransposes"] = n
    return n


# --- sums ---------------------------------------------------------------------


def split_coeff(e: Expr):
    """e = c * rest with c rational and rest free of a numeric coefficient."""
    if isinstance(e, Num):
        return e.value, ONE
    if isinstance(e, MatMul) and e.coeff != 1:
        return e.coeff, _product(_F1, e.scalars, e.chain)
    return _F1, e


def add(*terms: Expr, shape=None) -> Expr:
    """A + B + ...; a scalar added to a matrix is broadcast (1 + X)."""
    flat = []
    for t in terms:
        c, rest = split_coeff(t)  # c (A + B) = c A + c B: a - (b + c) collects like terms
        flat.extend([scale(c, x) for x in rest.terms] if isinstance(rest, Add) else (t,))
    for t in flat:
        if t.shape != SCALAR:
            shape = t.shape
            break
    shape = shape if shape is not None else SCALAR
    collected: dict = {}
    for t in flat:
        if is_zero(t):
            continue
        if t.shape != shape:
            if t.shape != SCALAR:
                raise InternalShapeError(f"adding shapes {t.shape} and {shape}")
            t = mul(t, Ones(shape))
        c, rest = split_coeff(t)
        collected[rest] = collected.get(rest, 0) + c
    out = [scale(c, rest) for rest, c in collected.items() if c != 0]
    if not out:
        return zero(shape)
    if len(out) == 1:
        return out[0]
    out.sort(key=lambda t: (split_coeff(t)[1].key, t.key))
    return Add(tuple(out))


def neg(e: Expr) -> Expr:
    return mul(Num(_FM1), e)


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


def scale(c, e: Expr) -> Expr:
    c = Fraction(c)
    if c == 1:
        return e
    return mul(Num(c), e)


# --- products -----------------------------------------------------------------


def _base_exp(f: Expr):
    """A chain factor as base^k: X^{-1} -> (X, -1), X^3 -> (X, 3)."""
    if isinstance(f, Inverse):
        return f.arg, -1
    if isinstance(f, MatPow):
        b, e = _base_exp(f.base)
        return b, e * f.exp
    return f, 1


def _power_of(base: Expr, k: int) -> Expr | None:
    if k == 0:
        return None
    if k == 1:
        return base
    if k == -1:
        return inverse(base)
    if k > 1:
        return MatPow(base, k)
    return MatPow(inverse(base), -k)


def _merge_chain(chain):
    """Merge adjacent powers of one square base and drop identities."""
    out = []
    for f in chain:
        if isinstance(f, Identity):
            continue
        if out and isinstance(f, Kron) and isinstance(out[-1], Kron) and _kron_conformable(out[-1], f):
            # mixed product: (A ⊗ B)(C ⊗ D) = (A C) ⊗ (B D)
            merged = kron(*[mul(a, c) for a, c in zip(out.pop().factors, f.factors)])
            out.extend(merged.chain if isinstance(merged, MatMul) and merged.coeff == 1 and not merged.scalars
                       else [merged])
            continue
        if out and isinstance(out[-1], Kron) and isinstance(f, Vec) and len(out[-1].factors) == 2:
            A, B = out[-1].factors  # kron_vec: (A ⊗ B) vec(X) = vec(B X A^T)
            if f.arg.shape == (B.shape[1], A.shape[1]):
                out[-1] = vec(mul(B, f.arg, transpose(A)))
                continue
        if (out and isinstance(f, Kron) and isinstance(out[-1], Transpose) and isinstance(out[-1].arg, Vec)
                and len(f.factors) == 2 and out[-1].arg.arg.shape == (f.factors[1].shape[0], f.factors[0].shape[0])):
            A, B = f.factors  # vec_kron: vec(X)^T (A ⊗ B) = vec(B^T X A)^T
            out[-1] = transpose(vec(mul(transpose(B), out[-1].arg.arg, A)))
            continue
        if out and isinstance(f, Ones) and isinstance(out[-1], Ones) and f.shape[0] == 1:
            out[-1] = Ones((out[-1].shape[0], f.shape[1]))  # ones(m) ones(n)^T = ones(m, n)
            continue
        if out and f.shape[0] == f.shape[1] and out[-1].shape[0] == out[-1].shape[1]:
            b1, e1 = _base_exp(out[-1])
            b2, e2 = _base_exp(f)
            if b1 == b2:
                out.pop()
                merged = _power_of(b1, e1 + e2)
                if merged is not None:
                    out.append(merged)
                continue
        out.append(f)
    return out


def _kron_conformable(a: Kron, b: Kron) -> bool:
    return len(a.factors) == len(b.factors) and all(
        x.shape[1] == y.shape[0] for x, y in zip(a.factors, b.factors))


def _extract_inner(chain, scalars):
    """Move each proper 1 x 1 sub-chain (row vector ... column vector) out of the
    chain into the scalar factors: A x y^T b = (y^T b) A x."""
    start = 0
    while True:
        i = next((k for k in range(start, len(chain)) if chain[k].shape[0] == 1), None)
        if i is None:
            return chain
        j = next((k for k in range(i, len(chain)) if chain[k].shape[1] == 1), None)
        if j is None:
            return chain
        if i == 0 and j == len(chain) - 1:
            return chain
        scalars.append(_inner(chain[i : j + 1]))
        chain = chain[:i] + chain[j + 1 :]
        start = i


def _inner(chain) -> Expr:
    """A 1 x 1 chain in canonical orientation (u^T A v or v^T A^T u)."""
    chain = list(chain)
    if len(chain) == 1:
        return chain[0]
    if len(chain) == 2:  # u^T (v ./ u) = sum(v): an inner product whose Hadamard factors cancel
        u, v = transpose(chain[0]), chain[1]
        if isinstance(u, Ones) or isinstance(v, Ones):  # 1^T v = v^T 1 = sum(v)
            return esum(v if isinstance(u, Ones) else u)
        if isinstance(u, (Hadamard, EPow)) or isinstance(v, (Hadamard, EPow)):
            h = hadamard(u, v)
            if h.size < max(u.size, v.size):  # smaller than either operand: factors cancelled
                return esum(h)
    flipped = _merge_chain([transpose(f) for f in reversed(chain)])
    a = MatMul(_F1, (), tuple(chain))
    if len(flipped) < 2:
        return a
    b = MatMul(_F1, (), tuple(flipped))
    return min(a, b, key=lambda m: transpose_cost(m) + (m.key,))


def _logistic_ratios(exps: dict) -> None:
    """In a product given as {base: exponent}: sigmoid'(u) / sigmoid(u) =
    1 - sigmoid(u) and sigmoid'(u) / (1 - sigmoid(u)) = sigmoid(u), so that
    log(sigmoid(u)) and log(1 - sigmoid(u)) differentiate as on paper; and
    sigmoid(u) (1 - sigmoid(u)) = sigmoid'(u), one name for the derivative."""
    for base in [g for g in exps if isinstance(g, Apply) and g.fn == "sigmoid'"]:
        s = apply("sigmoid", base.arg)
        rest = add(Num(_F1), neg(s))
        for den, result in ((s, rest), (rest, s)):
            while exps.get(base, 0) >= 1 and exps.get(den, 0) <= -1:
                exps[base] -= 1
                exps[den] += 1
                exps[result] = exps.get(result, 0) + 1
    # logistic_name: sigmoid(u) (1 - sigmoid(u)) = sigmoid'(u), so that the derivative has one name
    for rest in [g for g in exps if isinstance(g, Add) and len(g.terms) == 2]:
        one, other = rest.terms
        if not (one == ONE or isinstance(one, Ones)):
            one, other = other, one
        c, s = split_coeff(other)
        if not ((one == ONE or isinstance(one, Ones)) and c == -1 and isinstance(s, Apply) and s.fn == "sigmoid"):
            continue
        p, q = exps.get(s, 0), exps.get(rest, 0)
        k = min(p, q) if p > 0 and q > 0 else max(p, q) if p < 0 and q < 0 else 0
        if k:
            exps[s], exps[rest] = p - k, q - k
            base = apply("sigmoid'", s.arg)
            exps[base] = exps.get(base, 0) + k


def _merge_scalars(scalars):
    """Multiply scalar factors, adding the exponents of equal bases."""
    exps: dict = {}
    for s in scalars:
        base, e = (s.base, s.exp) if isinstance(s, Pow) else (s, _F1)
        exps[base] = exps.get(base, 0) + e
    _logistic_ratios(exps)
    out = []
    for base, e in exps.items():
        if e == 0:
            continue
        out.append(base if e == 1 else Pow(base, Fraction(e)))
    out.sort(key=lambda s: s.key)
    return out


def _product(coeff, scalars, chain) -> Expr:
    """Assemble a MatMul from canonical parts, unwrapping trivial products."""
    scalars, chain = tuple(scalars), tuple(chain)
    if not chain and not scalars:
        return Num(coeff if type(coeff) is Fraction else Fraction(coeff))
    if coeff == 1 and not chain and len(scalars) == 1:
        return scalars[0]
    if coeff == 1 and not scalars and len(chain) == 1:
        return chain[0]
    return MatMul(coeff if type(coeff) is Fraction else Fraction(coeff), scalars, chain)


product = _product  # the public name (presentation); rules may use either


def mul(*factors: Expr) -> Expr:
    """The product of factors; 1 x 1 factors commute as scalars."""
    coeff = _F1
    scalars: list = []
    chain: list = []
    zero_seen = False
    for f in factors:
        if isinstance(f, Num):
            coeff *= f.value
        elif isinstance(f, MatMul):
            coeff *= f.coeff
            scalars.extend(f.scalars)
            if f.chain:
                if f.shape == SCALAR:
                    scalars.append(MatMul(_F1, (), f.chain))
                else:
                    chain.extend(f.chain)
        elif f.shape == SCALAR:
            scalars.append(f)
        else:
            chain.append(f)
        zero_seen = zero_seen or isinstance(f, Zero)
    for a, b in zip(chain, chain[1:]):
        if a.shape[1] != b.shape[0]:
            raise InternalShapeError(f"multiplying {a.shape} by {b.shape}")
    shape = (chain[0].shape[0], chain[-1].shape[1]) if chain else SCALAR
    if coeff == 0 or zero_seen or any(is_zero(s) for s in scalars):
        return zero(shape)
    if _too_large(coeff):
        raise _number_error()
    for s in scalars:
        if isinstance(s, Num):
            raise InternalShapeError("number among scalar factors")
    merged = _merge_chain(chain)
    if not merged and shape != SCALAR:
        merged = [Identity(shape[0])]
    merged = _extract_inner(merged, scalars)
    if merged and merged[0].shape[0] == 1 and merged[-1].shape[1] == 1:
        if len(merged) == 1:
            scalars.append(merged[0])
        else:
            scalars.append(_inner(merged))
        merged = []
    for s in [s for s in scalars if isinstance(s, Num)]:  # an inner product that is a number: ones(2)^T ones(2) = 2
        coeff *= s.value
        scalars.remove(s)
    if coeff == 0:
        return zero(shape)
    return _product(coeff, _merge_scalars(scalars), merged)


def power(s: Expr, p) -> Expr:
    """s^p for a scalar s: (a b)^p = a^p b^p for integer p, (s^a)^p = s^(a p)."""
    p = Fraction(p)
    if s.shape != SCALAR:
        raise InternalShapeError("scalar power of a matrix")
    if p == 0:
        return ONE
    if p == 1:
        return s
    if isinstance(s, Num):
        if p.denominator == 1:
            if s.value == 0 and p < 0:
                return Pow(s, p)
            if _too_large(s.value, int(p)):
                raise _number_error()
            return Num(s.value ** int(p))
        return Pow(s, p)
    if isinstance(s, Pow) and (p.denominator == 1 or s.exp.denominator == 1 and s.exp > 0 and s.exp % 2 == 1):
        return power(s.base, s.exp * p)
    if isinstance(s, MatMul) and (s.coeff != 1 or s.scalars) and p.denominator == 1:
        parts = list(s.scalars)
        if s.chain:
            parts.append(MatMul(_F1, (), s.chain))
        return mul(Num(s.coeff ** int(p)), *[power(x, p) for x in parts])
    return Pow(s, p)


def matpow(e: Expr, k: int) -> Expr:
    """X^k for a square matrix and integer k (k < 0 is a power of X^{-1})."""
    if e.shape == SCALAR:
        return power(e, k)
    if k == 0:
        return identity(e.shape[0])
    if k < 0:
        return matpow(inverse(e), -k)
    return mul(*([e] * k))


# --- transpose and inverse ------------------------------------------------------


def transpose(e: Expr) -> Expr:
    """A^T, pushed inward: (A B)^T = B^T A^T, (A + B)^T = A^T + B^T, ...
    Cached on the node: orientation choices ask for it again and again."""
    t = e.__dict__.get("_transpose")
    if t is None:
        t = _transpose(e)
        e.__dict__["_transpose"] = t
    return t


def _transpose(e: Expr) -> Expr:
    if e.shape == SCALAR:
        return e
    t = type(e)
    if t is Var and e.kind:  # a symmetric variable: S^T = S
        return e
    if t in (Var, Differential, Vec, DiagVec, Unvec, Softmax, LogSumExp):
        return Transpose(e)
    if t is Transpose:
        return e.arg
    if t in (Identity, DiagMat):
        return e
    if t is Commutation:
        return commutation(e.n, e.m)
    if t is Ones or t is Zero:
        return t((e.shape[1], e.shape[0]))
    if t is MatMul:
        return mul(Num(e.coeff), *e.scalars, *[transpose(f) for f in reversed(e.chain)])
    if t is Add:
        return add(*[transpose(x) for x in e.terms])
    if t is Inverse:
        return inverse(transpose(e.arg))
    if t is MatPow:
        return MatPow(transpose(e.base), e.exp)
    if t in ELEMENTWISE:
        flipped = _flip(e)
        if flipped == e:  # f(S)^T = f(S) for a symmetric S
            return e
        return min(Transpose(e), flipped, key=_orientation)
    if t is Kron:
        return kron(*[transpose(f) for f in e.factors])
    raise InternalShapeError(f"no transpose rule for {t.__name__}")


def inverse(e: Expr) -> Expr:
    """A^{-1}: (A B)^{-1} = B^{-1} A^{-1} for square factors, (c A)^{-1} = A^{-1}/c."""
    if e.shape == SCALAR:
        return power(e, -1)
    t = type(e)
    if t is Inverse:
        return e.arg
    if t is Identity:
        return e
    if t is Commutation:
        return commutation(e.n, e.m)
    if t is MatPow:
        return MatPow(inverse(e.base), e.exp)
    if t is MatMul:
        outer = [power(s, -1) for s in e.scalars]
        if all(f.shape[0] == f.shape[1] for f in e.chain):
            return mul(Num(1 / e.coeff), *outer, *[inverse(f) for f in reversed(e.chain)])
        if e.coeff != 1 or e.scalars:
            return mul(Num(1 / e.coeff), *outer, Inverse(_product(1, (), e.chain)))
    if t is DiagMat:
        return DiagMat(epow(e.arg, -1))
    return Inverse(e)


# --- element-wise ---------------------------------------------------------------


def hadamard(*factors: Expr) -> Expr:
    """A .* B .* ...; scalars and coefficients move out, A .* A = A.^2."""
    shape = next((f.shape for f in factors if f.shape != SCALAR), None)
    if shape is None:
        return mul(*factors)
    outer: list = []
    items: list = []
    work = list(factors)
    while work:
        g = work.pop(0)
        if isinstance(g, Hadamard):
            work[:0] = g.factors
        elif isinstance(g, Transpose) and isinstance(g.arg, Hadamard):  # (A .* B)^T = A^T .* B^T
            work[:0] = [transpose(x) for x in g.arg.factors]
        elif g.shape == SCALAR:
            outer.append(g)
        elif g.shape != shape:
            raise InternalShapeError(f"Hadamard product of {g.shape} and {shape}")
        elif isinstance(g, Zero):
            return Zero(shape)
        elif isinstance(g, Ones):
            continue
        elif isinstance(g, MatMul) and (g.coeff != 1 or g.scalars):  # (c s A) .* B = c s (A .* B)
            outer.append(Num(g.coeff))
            outer.extend(g.scalars)
            work.insert(0, _product(1, (), g.chain))
        else:
            items.append(g)
    exps: dict = {}
    for g in items:
        if isinstance(g, EPow):
            base, p = g.base, g.exp
        elif isinstance(g, Transpose) and isinstance(g.arg, EPow):  # (A.^p)^T = (A^T).^p
            base, p = transpose(g.arg.base), g.arg.exp
        else:
            base, p = g, _F1
        exps[base] = exps.get(base, 0) + p
    _logistic_ratios(exps)
    merged = []
    for base, p in exps.items():
        if p == 0:
            continue
        merged.append(base if p == 1 else _oriented(EPow(base, Fraction(p))))
    merged.sort(key=lambda g: g.key)
    if not merged:
        inner = Ones(shape)
    elif len(merged) == 1:
        inner = merged[0]
    else:
        inner = _oriented(Hadamard(tuple(merged)))
    return mul(*outer, inner)


def epow(e: Expr, p) -> Expr:
    """A.^p, element-wise; a scalar's is its power."""
    p = Fraction(p)
    if e.shape == SCALAR:
        return power(e, p)
    if p == 0:
        return Ones(e.shape)
    if p == 1:
        return e
    if isinstance(e, (Ones,)):
        return e
    if isinstance(e, (Zero, Identity)) and p > 0:  # entries 0 and 1 are their own powers
        return e
    if isinstance(e, (Zero, Identity)) and p < 0 and e.shape != (1, 1):
        from .errors import UnsupportedError

        raise UnsupportedError("element-wise division by I divides by its zeros off the diagonal"
                               if isinstance(e, Identity) else "element-wise division by 0")
    if isinstance(e, Transpose) and isinstance(e.arg, ELEMENTWISE):  # (A^T).^p = (A.^p)^T
        return transpose(epow(e.arg, p))
    if isinstance(e, EPow) and (p.denominator == 1 or e.exp.denominator == 1 and e.exp % 2 == 1):
        return epow(e.base, e.exp * p)
    if isinstance(e, Hadamard) and p.denominator == 1:
        return hadamard(*[epow(f, p) for f in e.factors])
    if isinstance(e, MatMul) and (e.coeff != 1 or e.scalars) and p.denominator == 1:
        return mul(power(Num(e.coeff), p), *[power(s, p) for s in e.scalars],
                   epow(_product(1, (), e.chain), p))
    return _oriented(EPow(e, p))


def apply(fn: str, e: Expr) -> Expr:
    """f(A) element-wise, fn the table's name (the front end reads asin as
    arcsin: functions.canonical).  sqrt is the power 1/2; log(det A) is logdet A."""
    if fn == "sqrt":
        return epow(e, Fraction(1, 2))
    if fn == "log" and isinstance(e, Det):
        return LogDet(e.arg)
    if fn == "log" and isinstance(e, Softmax):  # log(softmax(z)) = log_softmax(z) = z - logsumexp(z) 1
        return log_softmax(e.arg)
    if fn == "log" and isinstance(e, Add) and len(e.terms) == 2:  # log(1 + exp(u)) = softplus(u)
        one, other = sorted(e.terms, key=lambda t: not (t == ONE or isinstance(t, Ones)))
        if (one == ONE or isinstance(one, Ones)) and isinstance(other, Apply) and other.fn == "exp":
            return _oriented(Apply("softplus", other.arg))
    if isinstance(e, (Zero, Ones)):  # f of a constant matrix is f(0) or f(1) broadcast: cos(0) ones(m, n)
        return mul(Apply(fn, Num(Fraction(isinstance(e, Ones)))), Ones(e.shape))
    return _oriented(Apply(fn, e))


# An element-wise node commutes with transposition: f(A^T) = f(A)^T,
# (A^T).^p = (A.^p)^T, A^T .* B^T = (A .* B)^T.  Of the two ways to write the
# same matrix, the canonical one keeps the node's operands columns rather than
# rows, then shows fewer transposes, then puts the transpose outside:
# tanh(W x)^T, not tanh(x^T W^T); (a .* b)^T, not a^T .* b^T.
ELEMENTWISE = (Apply, EPow, Hadamard)


def _flip(e: Expr) -> Expr:
    """The element-wise node e with its operands transposed (its value is e^T)."""
    if isinstance(e, Apply):
        return Apply(e.fn, transpose(e.arg))
    if isinstance(e, EPow):
        return EPow(transpose(e.base), e.exp)
    return Hadamard(tuple(sorted((transpose(f) for f in e.factors), key=lambda g: g.key)))


def _parenthesised(a: Expr) -> bool:
    """Whether a transposed a prints in parentheses: (A .* B)^T, (X.^2)^T; not f(A)^T, sqrt(A)^T, X^T."""
    return not (isinstance(a, (Var, Differential, Vec, DiagVec, Unvec, Apply))
                or isinstance(a, EPow) and a.exp == Fraction(1, 2))


def transpose_cost(e: Expr) -> tuple:
    """(printed cost, transposed variables) of the transposes of e.  The cost
    is in units of "^T": one per transpose, and one more for the parentheses
    of a transposed compound ((A .* B)^T, (X.^2)^T; not f(A)^T or vec(A)^T).
    Cached on the node."""
    n = e.__dict__.get("_tcost")
    if n is None:
        cost = nvar = 0
        for c in e.children():
            cc, cv = transpose_cost(c)
            cost, nvar = cost + cc, nvar + cv
        if isinstance(e, Transpose):
            a = e.arg
            cost += 2 if _parenthesised(a) else 1
            nvar += isinstance(a, (Var, Differential))
        n = e.__dict__["_tcost"] = (cost, nvar)
    return n


def _orientation(e: Expr):
    """Orientation rule (of the canonical form): of the two ways to write an
    element-wise node, the one that prints shorter (fewer transposes, and no
    parenthesised transpose of a whole product: sigma'(Z) .* (A^T G W^T),
    not (sigma'(Z)^T .* (W G^T A))^T); on a tie, the one whose operands are
    columns rather than rows ((a .* b)^T, exp(x)^T), then not the transpose of
    a whole Hadamard product or power (sigma(Z^T) .* W^T, not
    (sigma(Z) .* W)^T), then the one that keeps the variables' own
    orientation, then the transpose inside."""
    cost, nvar = transpose_cost(e)
    node = e.arg if isinstance(e, Transpose) else e
    whole = isinstance(e, Transpose) and _parenthesised(e.arg)
    return (cost, node.shape[0] == 1 and node.shape[1] != 1, whole, nvar, isinstance(e, Transpose), e.key)


def _oriented(e: Expr) -> Expr:
    """e or (flipped e)^T, whichever is canonical (see ELEMENTWISE)."""
    if e.shape == SCALAR:
        return e
    return min(e, Transpose(_flip(e)), key=_orientation)


# --- Kronecker ---------------------------------------------------------------------


def kron(*factors: Expr) -> Expr:
    """kron(A, B, ...): associative; scalar factors and coefficients move out."""
    outer: list = []
    items: list = []
    for f in factors:
        for g in f.factors if isinstance(f, Kron) else (f,):
            if g.shape == SCALAR:
                outer.append(g)
            elif isinstance(g, MatMul) and (g.coeff != 1 or g.scalars):
                outer.append(Num(g.coeff))
                outer.extend(g.scalars)
                items.append(_product(1, (), g.chain))
            else:
                items.append(g)
    if not items:
        return mul(*outer)
    if all(isinstance(g, Identity) for g in items):  # I_m ⊗ I_n = I_mn
        from .dims import dim_mul

        n = 1
        for g in items:
            n = dim_mul(n, g.n)
        items = [Identity(n)]
    inner = items[0] if len(items) == 1 else Kron(tuple(items))
    if any(isinstance(g, Zero) for g in items):
        return Zero(inner.shape)
    return mul(*outer, inner)


def rank_one(C: Expr):
    """(u, v) with C = u v^T for a product that splits into a column and a row
    (c s x A y^T: u = c s x ... , v = ...); else None."""
    if not isinstance(C, MatMul):
        return None
    k = next((k for k in range(1, len(C.chain)) if C.chain[k - 1].shape[1] == 1), None)
    if k is None:
        return None
    return (mul(Num(C.coeff), *C.scalars, *C.chain[:k]), transpose(mul(*C.chain[k:])))


def kron_rank_one_adjoint(C: Expr, E: Expr):
    """The Kronecker bilinear form without vec: with U = unvec(u), V = unvec(v),
    (u v^T) : (E ⊗ B) = u^T (E ⊗ B) v = U : (B V E^T) = (U^T B V) : E   (kron_left_adjoint)
    (u v^T) : (A ⊗ E) = U : (E V A^T) = (U A V^T) : E                  (kron_right_adjoint)
    for the held factor E first or last of a Kronecker product E ⊗ B or A ⊗ E
    (the others grouped); returns the pair (C', E), or None if C is not u v^T."""
    uv = rank_one(C)
    if uv is None or len(E.factors) < 2:
        return None
    u, v = uv
    i = next(i for i, f in enumerate(E.factors) if f.has_diff)
    F = E.factors[i]
    if i == 0:
        B = kron(*E.factors[1:])
        U, V = unvec(u, (B.shape[0], F.shape[0])), unvec(v, (B.shape[1], F.shape[1]))
        return (mul(transpose(U), B, V), F)
    if i == len(E.factors) - 1:
        A = kron(*E.factors[:-1])
        U, V = unvec(u, (F.shape[0], A.shape[0])), unvec(v, (F.shape[1], A.shape[1]))
        return (mul(U, A, transpose(V)), F)
    return None


# --- scalar-valued functions ----------------------------------------------------


def _pull_linear(e: Expr, build):
    """For a linear map L: L(sum) = sum L, L(c s A) = c s L(A)."""
    if isinstance(e, Add):
        return add(*[build(t) for t in e.terms])
    if isinstance(e, MatMul) and (e.coeff != 1 or e.scalars) and e.chain:
        return mul(Num(e.coeff), *e.scalars, build(_product(1, (), e.chain)))
    return None


def _trace_candidate(seq):
    m = mul(*seq)
    if isinstance(m, Identity):
        return Trace(m)
    if m.shape == SCALAR:
        return m
    return Trace(m)


def _known_size(shape) -> int:
    """The number of entries of a shape whose dimensions are numbers, else 0.
    (A symbolic size n has no scalar node: sum(ones(n)) and tr(I_n) stay.)"""
    r, c = shape
    return r * c if isinstance(r, int) and isinstance(c, int) else 0


def trace(e: Expr) -> Expr:
    """tr(A): linear; tr(A B) = tr(B A) = tr(B^T A^T); tr(A x y^T) = y^T A x."""
    if e.shape == SCALAR:
        return e
    if e.shape[0] != e.shape[1]:
        raise InternalShapeError("trace of a non-square matrix")
    pulled = _pull_linear(e, trace)
    if pulled is not None:
        return pulled
    if isinstance(e, Zero):
        return zero(SCALAR)
    if isinstance(e, Kron) and all(f.shape[0] == f.shape[1] for f in e.factors):  # A (m x n) ⊗ B (n x m) is square
        return mul(*[trace(f) for f in e.factors])
    if isinstance(e, DiagMat):
        return esum(e.arg)
    if isinstance(e, Identity) and _known_size((e.n, 1)):  # size_of_identity: tr(I_3) = 3
        return num(e.n)
    if isinstance(e, MatMul) and e.coeff == 1 and not e.scalars:
        chain = list(e.chain)
        for j, f in enumerate(chain):
            if f.shape[1] == 1:
                return mul(*(chain[j + 1 :] + chain[: j + 1]))
        flipped = [transpose(f) for f in reversed(chain)]
        # the chain is canonical, so a rotation can only merge at the new junction, last factor times
        # first; where that pair does not merge, every rotation is its plain chain (no mul needed)
        plain = _merge_chain([chain[-1], chain[0]]) == [chain[-1], chain[0]]
        best = None
        for seq in (chain, flipped):
            for i in range(len(seq)):
                rotated = seq[i:] + seq[:i]
                cand = Trace(MatMul(_F1, (), tuple(rotated))) if plain else _trace_candidate(rotated)
                k = (cand.size,) + transpose_cost(cand) + (cand.key,)
                if best is None or k < best[0]:
                    best = (k, cand)
        return best[1]
    t = transpose(e)
    if count_transposes(t) < count_transposes(e):
        e = t
    return Trace(e)


def frob(a: Expr, b: Expr) -> Expr:
    """A : B = tr(A^T B) = sum(A .* B); a^T b for vectors."""
    if a.shape != b.shape:
        raise InternalShapeError(f"Frobenius product of {a.shape} and {b.shape}")
    if a.shape == SCALAR:
        return mul(a, b)
    if a.shape[1] == 1:
        return mul(transpose(a), b)
    if a.shape[0] == 1:
        return mul(a, transpose(b))
    return trace(mul(transpose(a), b))


def det(e: Expr) -> Expr:
    """det(A): det(A^T) = det A, det(A^{-1}) = 1/det A, det(A B) = det A det B."""
    if e.shape == SCALAR:
        return e
    if isinstance(e, Transpose):
        return det(e.arg)
    if isinstance(e, Inverse):
        return power(det(e.arg), -1)
    if isinstance(e, Identity):
        return ONE
    if isinstance(e, MatPow):
        return power(det(e.base), e.exp)
    if isinstance(e, MatMul) and e.coeff == 1 and not e.scalars and all(
        f.shape[0] == f.shape[1] for f in e.chain
    ):
        return mul(*[det(f) for f in e.chain])
    return Det(e)


def logdet(e: Expr) -> Expr:
    """logdet(A) = log|det A|: additive over square products, -logdet A for A^{-1}."""
    if e.shape == SCALAR:
        return apply("log", apply("abs", e))
    if isinstance(e, Transpose):
        return logdet(e.arg)
    if isinstance(e, Inverse):
        return neg(logdet(e.arg))
    if isinstance(e, Identity):
        return zero(SCALAR)
    if isinstance(e, MatPow):
        return scale(e.exp, logdet(e.base))
    if isinstance(e, MatMul) and e.coeff == 1 and not e.scalars and all(
        f.shape[0] == f.shape[1] for f in e.chain
    ):
        return add(*[logdet(f) for f in e.chain])
    return LogDet(e)


def esum(e: Expr) -> Expr:
    """sum(A): linear; sum(A .* B) = A : B; sum(A^T) = sum(A)."""
    if e.shape == SCALAR:
        return e
    pulled = _pull_linear(e, esum)
    if pulled is not None:
        return pulled
    if isinstance(e, Zero):
        return zero(SCALAR)
    if isinstance(e, Transpose):
        return esum(e.arg)
    if isinstance(e, DiagMat):
        return esum(e.arg)
    if isinstance(e, Hadamard) and len(e.factors) == 2:
        return frob(*e.factors)
    if isinstance(e, Kron):  # kron_sum: sum(A ⊗ B) = sum(A) sum(B)
        return mul(*[esum(f) for f in e.factors])
    if isinstance(e, Ones) and _known_size(e.shape):  # size_of_ones: sum(ones(3, 4)) = 12
        return num(_known_size(e.shape))
    return Sum(e)


def norm(e: Expr) -> Expr:
    """norm(A): norm(c A) = |c| norm(A), norm(A^T) = norm(A)."""
    if e.shape == SCALAR:
        return apply("abs", e)
    if isinstance(e, Transpose):
        return norm(e.arg)
    if isinstance(e, Zero):
        return zero(SCALAR)
    c, rest = split_coeff(e)
    if c != 1:
        return mul(Num(abs(c)), norm(rest))
    return Norm(e)


# --- softmax, logsumexp, log_softmax -------------------------------------------------


def _check_not_scalar(e: Expr, fn: str):
    if e.shape == SCALAR:
        raise InternalShapeError(f"{fn} of a scalar")


def softmax(e: Expr) -> Expr:
    """softmax(z) = exp(z) / sum(exp(z)) over a column vector's entries; a
    matrix's rows one by one (softmax(Z) = exp(Z) ./ (exp(Z) 1 1^T))."""
    _check_not_scalar(e, "softmax")
    if isinstance(e, Zero):  # softmax(0) = softmax(1): the same in every entry (keeps the argument a matrix in text)
        return Softmax(Ones(e.shape))
    return Softmax(e)


def logsumexp(e: Expr) -> Expr:
    """logsumexp(z) = log(sum(exp(z))) of a column vector; of a matrix, one entry per row."""
    _check_not_scalar(e, "logsumexp")
    if isinstance(e, Zero):  # logsumexp(0) = logsumexp(1) - 1
        return sub(LogSumExp(Ones(e.shape)), ones(LogSumExp(e).shape))
    return LogSumExp(e)


def log_softmax(e: Expr) -> Expr:
    """log_softmax(z) = z - logsumexp(z) 1 (a vector); log_softmax(Z) = Z - logsumexp(Z) 1^T (row-wise)."""
    _check_not_scalar(e, "log_softmax")
    rows, cols = e.shape
    ones_ = Ones((rows, 1)) if cols == 1 else Ones((1, cols))
    return sub(e, mul(logsumexp(e), ones_))


# --- diag, vec --------------------------------------------------------------------


def diag(e: Expr) -> Expr:
    """diag(v) is the diagonal matrix of a vector; diag(A) the diagonal of A."""
    if e.shape == SCALAR:
        return e
    if e.shape[1] == 1:
        return diag_mat(e)
    return diag_vec(e)


def diag_mat(v: Expr) -> Expr:
    c, rest = split_coeff(v)
    if c != 1:
        return scale(c, diag_mat(rest))
    if isinstance(rest, Ones):
        return Identity(rest.shape[0])
    if isinstance(rest, Zero):
        return Zero((rest.shape[0], rest.shape[0]))
    if isinstance(rest, DiagVec) and isinstance(rest.arg, Identity):
        return rest.arg
    return DiagMat(rest)


def diag_vec(a: Expr) -> Expr:
    c, rest = split_coeff(a)
    if c != 1:
        return scale(c, diag_vec(rest))
    if isinstance(rest, DiagMat):
        return rest.arg
    if isinstance(rest, Identity):
        return Ones((rest.n, 1))
    if isinstance(rest, Transpose):
        return diag_vec(rest.arg)
    if isinstance(rest, Zero):
        return Zero((rest.shape[0], 1))
    if isinstance(rest, MatMul):  # diag(x y^T) = x .* y, where the chain splits into a column and a row
        k = next((k for k in range(1, len(rest.chain)) if rest.chain[k - 1].shape[1] == 1), None)
        if k is not None:
            column, row = mul(*rest.chain[:k]), mul(*rest.chain[k:])
            return mul(Num(rest.coeff), *rest.scalars, hadamard(column, transpose(row)))
    return DiagVec(rest)


def vec(e: Expr) -> Expr:
    """vec(A), column-major; vec(x) = x, vec(x^T) = x, vec(unvec(v)) = v,
    vec(ones(m, n)) = ones(m*n)."""
    if e.shape[1] == 1:
        return e
    if e.shape[0] == 1:
        return transpose(e)
    c, rest = split_coeff(e)
    if c != 1:
        return scale(c, vec(rest))
    if isinstance(rest, Add):
        return add(*[vec(t) for t in rest.terms])
    if isinstance(rest, Unvec):
        return rest.arg
    if isinstance(rest, (Zero, Ones)):
        return type(rest)(Vec(rest).shape)
    return Vec(rest)


def unvec(v: Expr, shape) -> Expr:
    """unvec(v, m, n): the m x n matrix whose vec is v."""
    shape = tuple(shape)
    if shape[1] == 1:
        return v
    if shape[0] == 1:
        return transpose(v)
    c, rest = split_coeff(v)
    if c != 1:
        return scale(c, unvec(rest, shape))
    if isinstance(rest, Vec) and rest.arg.shape == shape:
        return rest.arg
    if isinstance(rest, Zero):
        return Zero(shape)
    return Unvec(rest, shape)


def commutation(m, n) -> Expr:
    """K_{m,n}; K_{1,n} = K_{n,1} = I."""
    if m == 1 or n == 1:
        from .dims import dim_mul

        return identity(dim_mul(m, n))
    return Commutation(m, n)


def var(name: str, shape, kind: str = "") -> Var:
    """The variable called name, of a shape (rows, cols); kind 'sym' or 'spd'
    for a symmetric (positive definite) square matrix."""
    return Var(name, tuple(shape), kind)


def differential(v: Var) -> Differential:
    return Differential(v)


def map_children(e: Expr, f) -> Expr:
    """Rebuild e through the smart constructors with f applied to each child."""
    t = type(e)
    if t in (Num, Var, Differential, Identity, Ones, Zero, Commutation):
        return e
    if t is Add:
        return add(*[f(x) for x in e.terms], shape=e.shape)
    if t is MatMul:
        return mul(Num(e.coeff), *[f(x) for x in e.scalars], *[f(x) for x in e.chain])
    if t is Hadamard:
        return hadamard(*[f(x) for x in e.factors])
    if t is Kron:
        return kron(*[f(x) for x in e.factors])
    if t is MatPow:
        return matpow(f(e.base), e.exp)
    if t is Pow:
        return power(f(e.base), e.exp)
    if t is EPow:
        return epow(f(e.base), e.exp)
    if t is Apply:
        return apply(e.fn, f(e.arg))
    if t is Unvec:
        return unvec(f(e.arg), e.shape)
    return UNARY[t](f(e.arg))


UNARY = {Transpose: transpose, Inverse: inverse, Trace: trace, Det: det, LogDet: logdet, Sum: esum,
         Norm: norm, DiagMat: diag_mat, DiagVec: diag_vec, Vec: vec, Softmax: softmax, LogSumExp: logsumexp}


def substitute(e: Expr, mapping: dict) -> Expr:
    """e with every occurrence of a key replaced by its value (rebuilt canonically)."""
    memo: dict = {}

    def go(x):
        if x in mapping:
            return mapping[x]
        if not (x.free & names):
            return x
        if x not in memo:
            memo[x] = map_children(x, go)
        return memo[x]

    names = frozenset(n for k in mapping for n in k.free)
    return go(e)
