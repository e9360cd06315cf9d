"""NumPy evaluation of expressions and random instances on each operation's
domain (the finite-difference check is in finite_differences.py).  Imports
numpy; only numeric options and tests load it."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .dims import dim_names, dim_value
from .errors import UnsupportedError
from .expr import Apply, EPow, Expr, Identity, Ones, Pow, Unvec, Var, Zero
from .functions import NEEDS_POSITIVE_INPUT, NEEDS_UNIT_INPUT, numpy_callable
from .operators import NEEDS_NONSINGULAR, NONSINGULAR, OPERATORS
from .walk import variables


def _f(x: Fraction) -> float:
    """A float; beyond the float range, infinity (float() of a huge Fraction raises)."""
    try:
        return float(x)
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


class Evaluator:
    """Evaluate with every value a 2-D float array (scalars 1 x 1)."""

    CONDITION_LIMIT = 1e10  # strict: a matrix inverted or under det/logdet must be better conditioned

    def __init__(self, env: dict, sizes: dict, strict: bool = False):
        self.env = env
        self.sizes = sizes
        self.strict = strict
        self.memo: dict = {}
        self.fns: dict = {}

    def dims(self, shape):
        return tuple(dim_value(d, self.sizes) for d in shape)

    def __call__(self, e: Expr):
        if e not in self.memo:
            method = getattr(self, "_eval_" + type(e).__name__, None)
            if method is None:
                raise UnsupportedError(f"the evaluator cannot evaluate a {type(e).__name__} node")
            self.memo[e] = np.asarray(method(e), dtype=float).reshape(self.dims(e.shape))
        return self.memo[e]

    def _eval_Num(self, e):
        return _f(e.value)

    def _eval_Var(self, e):
        return self.env[e.name]

    def _eval_Differential(self, e):
        return self.env["d" + e.var.name]

    def _eval_Identity(self, e):
        return np.eye(self.dims(e.shape)[0])

    def _eval_Commutation(self, e):
        return commutation_matrix(*self.dims((e.m, e.n)))

    def _eval_Ones(self, e):
        return np.ones(self.dims(e.shape))

    def _eval_Zero(self, e):
        return np.zeros(self.dims(e.shape))

    def _eval_Transpose(self, e):
        return self(e.arg).T

    def _nonsingular(self, e):
        """The value of e, which must be invertible (strict: well-conditioned)."""
        a = self(e)
        if not self.strict or np.linalg.cond(a) < self.CONDITION_LIMIT:
            return a
        raise _singular(e)

    def _eval_MatPow(self, e):
        return np.linalg.matrix_power(self(e.base), e.exp)

    def _eval_Apply(self, e):
        if e.fn not in self.fns:
            self.fns[e.fn] = numpy_callable(e.fn)
        return self.fns[e.fn](self(e.arg))

    def _eval_EPow(self, e):
        return self(e.base) ** _f(e.exp)

    def _eval_Pow(self, e):
        return self(e.base) ** _f(e.exp)

    def _eval_Unvec(self, e):
        return self(e.arg).reshape(self.dims(e.shape), order="F")

    def _eval_Hadamard(self, e):
        out = self(e.factors[0])
        for f in e.factors[1:]:
            out = out * self(f)
        return out

    def _eval_Kron(self, e):
        out = self(e.factors[0])
        for f in e.factors[1:]:
            out = np.kron(out, self(f))
        return out

    def _eval_MatMul(self, e):
        out = _f(e.coeff)
        for s in e.scalars:
            out = out * self(s)[0, 0]
        if e.chain:
            mats = [self(f) for f in e.chain]
            prod = np.linalg.multi_dot(mats) if len(mats) > 2 else (mats[0] @ mats[1] if len(mats) == 2 else mats[0])
            return out * prod
        return out

    def _eval_Add(self, e):
        out = self(e.terms[0])
        for t in e.terms[1:]:
            out = out + self(t)
        return out


def softmax(a, axis: int):
    """softmax along an axis (0: a column vector's entries, 1: each row), the maximum subtracted first."""
    a = np.asarray(a, dtype=float)
    z = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def logsumexp(a, axis: int):
    """log(sum(exp(a))) along an axis, the maximum subtracted first (finite for entries of size 1000)."""
    a = np.asarray(a, dtype=float)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))


def _axis(e: Expr) -> int:
    """0 when e's argument is a column vector (act over its entries), else 1 (act on each row)."""
    return 0 if e.arg.shape[1] == 1 else 1


Evaluator._eval_Softmax = lambda self, e: softmax(self(e.arg), _axis(e))
Evaluator._eval_LogSumExp = lambda self, e: logsumexp(self(e.arg), _axis(e))


def _table_method(row):
    """_eval_<Node> of a one-argument operator row: its NumPy spelling applied to
    the argument's value, which must be nonsingular when the row's domain says so."""
    fn = eval("lambda a: " + row.numpy.format("a"), {"np": np})  # noqa: S307 - table text

    if row.domain != NONSINGULAR:
        return lambda self, e: fn(self(e.arg))

    def method(self, e):
        try:
            return fn(self._nonsingular(e.arg))
        except np.linalg.LinAlgError:
            raise _singular(e.arg) from None
    return method


for _row in OPERATORS:
    if _row.arity == (1, 1) and not hasattr(Evaluator, "_eval_" + _row.node.__name__):
        setattr(Evaluator, "_eval_" + _row.node.__name__, _table_method(_row))


def commutation_matrix(m: int, n: int):
    """K with K vec(A) = vec(A^T) for A m x n (column-major vec)."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _singular(e: Expr):
    from .errors import NumericError
    from .printing.text import to_text

    return NumericError(f"{to_text(e)} is singular at these values (a random check draws it "
                        "singular when it is singular everywhere, as A B for A n×m, B m×n, m < n)")


def evaluate(e: Expr, env: dict, sizes: dict):
    """The value of e as a 2-D array, with env of 2-D arrays."""
    return Evaluator(env, sizes)(e)


# --- random instances ----------------------------------------------------------------

def _meet(a, b):
    """The domain that satisfies both marks: spd wins; 'unit' (inside (-1, 1),
    under arcsin) and 'positive' (under log) together are 'positive unit'."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if "spd" in (a, b):
        return "spd"
    return "positive unit"


def domains(e: Expr, out=None, under=None):
    """Map each variable to 'spd' (under inverse, det, logdet, negative matrix
    power), 'positive' (under log, sqrt, a fractional or negative power),
    'unit' (under arcsin and arccos: entries in (-1, 1)) or 'positive unit'
    (both; a variable under arcsin in f and under a negative power in f')."""
    out = {} if out is None else out
    t = type(e)
    if t is Var:
        if under is not None:
            out[e.name] = _meet(out.get(e.name), under)
        return out
    mark = under
    if t in NEEDS_NONSINGULAR:  # inv, det, logdet: the operator table's domain
        mark = "spd"
    elif t is Apply and e.fn.rstrip("'") in NEEDS_POSITIVE_INPUT:
        mark = _meet(mark, "positive")
    elif t is Apply and e.fn.rstrip("'") in NEEDS_UNIT_INPUT:
        mark = _meet(mark, "unit")
    elif t in (EPow, Pow) and (e.exp.denominator != 1 or e.exp < 0):
        mark = _meet(mark, "positive")
    for c in e.children():
        domains(c, out, mark)
    return out


def symbolic_dims(exprs) -> set:
    """The names of the symbolic dimensions the expressions' leaves carry."""
    names = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if isinstance(e, (Var, Identity, Ones, Zero, Unvec)):
            for d in e.shape:
                names |= dim_names(d)
        stack.extend(e.children())
    return names


def random_sizes(exprs, rng, fixed=None) -> dict:
    """Distinct sizes 2..7 for the symbolic dimensions (distinct, so that a
    wrong transpose cannot pass by accident)."""
    names = symbolic_dims(exprs)
    sizes = dict(fixed or {})
    pool = [n for n in (3, 2, 4, 5, 6, 7, 8, 9, 10, 11) ]
    rng.shuffle(pool)
    for i, n in enumerate(sorted(names - set(sizes))):
        sizes[n] = pool[i % len(pool)] if i < len(pool) else 2 + i
    return sizes


def random_value(shape, domain, rng, spread=1.0, kind=""):
    """Standard normal entries; a positive definite matrix under inv, det and
    logdet (entries in (0.5, 1.5) when it is not square); entries in
    spread * (0.5, 1.5) under log, sqrt and negative powers; in (-0.9, 0.9)
    under arcsin and arccos, (0.1, 0.9) where both apply.  A symmetric
    variable (kind 'sym') is symmetrized (an average, so it stays in its
    domain); a positive definite one (kind 'spd') is drawn positive definite
    whatever its domain."""
    r, c = shape
    if kind == "spd":
        domain = "spd"
    if kind and domain != "spd":
        a = random_value(shape, domain, rng, spread)
        return (a + a.T) / 2
    if domain == "spd" and r == c and kind:
        b = rng.standard_normal((r, r))
        return b @ b.T / r + np.eye(r)
    if domain == "spd" and r == c:
        b = rng.uniform(0.1, 1.0, size=(r, r))
        return b @ b.T / r + np.eye(r)
    if domain in ("spd", "positive"):
        return (spread if domain == "positive" else 1.0) * rng.uniform(0.5, 1.5, size=shape)
    if domain == "unit":  # arcsin(2 x) needs |x| < 1/2: a spread below 1 narrows the draw
        return min(spread, 1.0) * rng.uniform(-0.9, 0.9, size=shape)
    if domain == "positive unit":
        return min(spread, 1.0) * rng.uniform(0.1, 0.9, size=shape)
    return rng.standard_normal(shape)


#: The spreads of successive draws for the check: log(x - 1) needs x > 1,
#: log(1 - x) needs x < 1, sqrt(x - 5) needs x > 5.
SPREADS = (1.0, 2.0, 0.5, 4.0, 0.25, 8.0, 16.0, 0.125, 64.0, 1.0)


def random_env(exprs, rng, sizes=None, spread=1.0):
    """Random values for every variable in the expressions; returns (env, sizes)."""
    sizes = random_sizes(exprs, rng, sizes)
    marks: dict = {}
    for e in exprs:
        domains(e, marks)
    found = variables(*exprs)
    env = {}
    for name in sorted(found):
        v = found[name]
        env[name] = random_value(tuple(dim_value(d, sizes) for d in v.shape), marks.get(name), rng, spread,
                                 getattr(v, "kind", ""))
    return env, sizes
