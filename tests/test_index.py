"""Einstein index notation, checked NUMERICALLY.

The test carries its own small evaluator for the printed index form: it parses
the right-hand side (coefficients, symbols with subscripts such as A_ik or W1_kq,
Kronecker deltas, opaque matrices such as (X^{-1})_ik, scalar functions such as
det(X), element-wise functions of inner sums such as exp(A_ip x_p) and powers
such as (x_p A_pq x_q)^-2), and evaluates it with numpy.einsum, summing every
index that is not free at the smallest scope that holds all its occurrences.
The result is compared with r.evaluate(...) arranged in the index layout:

    gradient   ∂f/∂X_ij         G[i, j]
    jacobian   ∂F_ij/∂X_kl      J.reshape(rows F, cols F, rows X, cols X, order="F")
    hessian    ∂²f/∂X_ij∂X_kl   H.reshape(rows X, cols X, rows X, cols X, order="F")

(column-stacking vec: entry (i, j) of an m x n matrix is row i + m j of vec).
"""
from __future__ import annotations

import re
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matcalc  # noqa: E402
from matcalc import api  # noqa: E402
from conftest import variables  # noqa: E402
from matcalc.numeric import evaluate, random_env  # noqa: E402

SIZES = {"m": 4, "n": 3, "p": 2, "q": 5, "r": 6}

# element-wise functions, written out here independently of matcalc's table
FUNCTIONS = {
    "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
    "tanh'": lambda z: 1 - np.tanh(z) ** 2,
    "tanh''": lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "sigmoid'": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "sigmoid''": lambda z: np.exp(-z) * (np.exp(-z) - 1) / (1 + np.exp(-z)) ** 3,
    "softplus": lambda z: np.log1p(np.exp(z)),
    "relu": lambda z: np.maximum(z, 0), "relu'": lambda z: (z > 0).astype(float),
}


# --- the parser: text -> nested terms ----------------------------------------------------------
#
#   sum    := ["-"] term ((" + " | " - ") term)*
#   term   := factor (" " factor)*
#   factor := number | "(" fraction ")" | "δ_" ix ix | name ["_" ix+]
#           | "(" matcalc text ")" "_" ix+          an opaque matrix, e.g. (X^{-1})_ik
#           | "(" sum ")^" exponent                  a power of an inner sum
#           | fn "(" sum ")"                         an element-wise function of an inner sum
#           | fn "(" matcalc text ")"                a scalar such as det(X) or norm(x)
#   ix     := a letter followed by digits, if any

INDEX = re.compile(r"[a-z]\d*")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*'*")


class Sym:
    def __init__(self, name, idx):
        self.name, self.idx = name, idx


class Opaque:
    """A piece of matcalc text evaluated as a matrix or scalar, with indices."""

    def __init__(self, text, idx):
        self.text, self.idx = text, idx


class Delta:
    def __init__(self, a, b):
        self.idx = (a, b)


class Fn:
    def __init__(self, fn, inner, power=None):
        self.fn, self.inner, self.power = fn, inner, power


def matching(s, i):
    """The index of the parenthesis closing the one at s[i]."""
    depth = 0
    for j in range(i, len(s)):
        depth += s[j] == "("
        depth -= s[j] == ")"
        if depth == 0:
            return j
    raise ValueError(f"unbalanced: {s}")


def subscript(s, i):
    """Index names after an underscore at s[i]; returns (names, next position)."""
    assert s[i] == "_", s[i:]
    j = i + 1
    while j < len(s) and s[j] not in " )":
        j += 1
    return tuple(INDEX.findall(s[i + 1:j])), j


def exponent(s, i):
    """The exponent after a caret at s[i]: 2, -3, (1/2), (-1/2)."""
    assert s[i] == "^", s[i:]
    if s[i + 1] == "(":
        j = matching(s, i + 1)
        return Fraction(s[i + 2:j]), j + 1
    m = re.compile(r"-?\d+").match(s, i + 1)
    return Fraction(m.group()), m.end()


def parse_factor(s, i):
    if s.startswith("δ_", i):
        idx, j = subscript(s, i + 1)
        assert len(idx) == 2, s[i:]
        return Delta(*idx), j
    if s[i].isdigit():
        m = re.compile(r"\d+").match(s, i)
        return Fraction(m.group()), m.end()
    if s[i] == "(":
        j = matching(s, i)
        content = s[i + 1:j]
        if j + 1 < len(s) and s[j + 1] == "_":
            idx, k = subscript(s, j + 1)
            return Opaque(content, idx), k
        if j + 1 < len(s) and s[j + 1] == "^":
            p, k = exponent(s, j + 1)
            return Fn(None, parse_sum(content), p), k
        return Fraction(content), j + 1  # a coefficient such as (1/2)
    m = NAME.match(s, i)
    assert m, s[i:]
    name, j = m.group(), m.end()
    if j < len(s) and s[j] == "(":
        k = matching(s, j)
        content = s[j + 1:k]
        if "_" not in content:  # a scalar function of whole matrices: det(X), norm(x)
            return Opaque(s[i:k + 1], ()), k + 1
        return Fn(name, parse_sum(content)), k + 1
    if j < len(s) and s[j] == "_":
        idx, k = subscript(s, j)
        return Sym(name, idx), k
    return Sym(name, ()), j


def parse_term(s):
    factors, coeff, i = [], Fraction(1), 0
    while i < len(s):
        f, i = parse_factor(s, i)
        if isinstance(f, Fraction):
            coeff *= f
        else:
            factors.append(f)
        if i < len(s):
            assert s[i] == " ", (s, i)
            i += 1
    return coeff, factors


def parse_sum(s):
    """[(coefficient, [factor, ...]), ...] of a sum at parenthesis depth 0."""
    s = s.strip()
    sign, start, depth, terms = 1, 0, 0, []
    if s.startswith("-"):
        sign, start = -1, 1
    i = start
    while i < len(s):
        depth += s[i] == "("
        depth -= s[i] == ")"
        if depth == 0 and s.startswith((" + ", " - "), i):
            c, fs = parse_term(s[start:i])
            terms.append((sign * c, fs))
            sign, start, i = (1 if s[i + 1] == "+" else -1), i + 3, i + 3
            continue
        i += 1
    c, fs = parse_term(s[start:])
    terms.append((sign * c, fs))
    return terms


# --- the evaluator -------------------------------------------------------------------------------


class Evaluator:
    def __init__(self, env, sizes, shapes, dims):
        self.env, self.sizes, self.shapes, self.dims = env, sizes, shapes, dict(dims)
        self.letters: dict = {}

    def letter(self, ix):
        if ix not in self.letters:
            self.letters[ix] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(self.letters)]
        return self.letters[ix]

    def matcalc_value(self, text):
        e = matcalc.parse(text, self.shapes)
        return evaluate(e, self.env, self.sizes)

    def indices(self, f):
        """Every index that occurs in a factor (inside functions too)."""
        if isinstance(f, Fn):
            return {ix for _, fs in f.inner for g in fs for ix in self.indices(g)}
        return set(f.idx)

    def tensor(self, f, keep):
        """(array, labels) of one factor; keep: the indices free outside it."""
        if isinstance(f, Delta):
            a, b = f.idx
            if a == b:
                return np.ones(self.dims[a]), (a,)
            return np.eye(self.dims[a]), (a, b)
        if isinstance(f, Fn):
            value, labels = self.sum(f.inner, keep)
            value = value ** float(f.power) if f.fn is None else FUNCTIONS[f.fn](value)
            return value, labels
        if isinstance(f, Opaque):
            value = self.matcalc_value(f.text)
        else:
            value = self.env[f.name]
        value = np.asarray(value, dtype=float)
        # a dimension of size 1 carries no index: X_l of a 1 x n matrix is X[0, l]
        array = value.reshape(-1) if len(f.idx) == 1 else (value.reshape(()) if not f.idx else value)
        for ix, d in zip(f.idx, array.shape):
            assert self.dims.setdefault(ix, d) == d, f"index {ix} has two sizes"
        return array, f.idx

    def term(self, coeff, factors, keep):
        occurrences = [self.indices(f) for f in factors]
        arrays, labels = [], []
        for k, f in enumerate(factors):
            elsewhere = set().union(*(occurrences[:k] + occurrences[k + 1:])) if len(factors) > 1 else set()
            a, ls = self.tensor(f, keep | elsewhere)
            arrays.append(a)
            labels.append(ls)
        present = set().union(*[set(ls) for ls in labels]) if labels else set()
        out = sorted(present & keep)
        if not arrays:
            return np.asarray(float(coeff)), ()
        spec = ",".join("".join(self.letter(ix) for ix in ls) for ls in labels)
        spec += "->" + "".join(self.letter(ix) for ix in out)
        return float(coeff) * np.einsum(spec, *arrays), tuple(out)

    def sum(self, terms, keep, top=False):
        """The sum of terms over the union of their free labels (broadcast).  At
        the top, each term has its own summed indices: p may be a row index in
        one term and a column index in the next."""
        parts = []
        for c, fs in terms:
            if top:
                self.dims = {ix: d for ix, d in self.dims.items() if ix in keep}
            parts.append(self.term(c, fs, keep))
        labels = sorted(set().union(*[set(ls) for _, ls in parts]))
        total = np.zeros([self.dims[ix] for ix in labels])
        for value, ls in parts:
            if ls:  # into the order of labels, with axes of size 1 for missing labels
                present = [ix for ix in labels if ix in ls]
                value = np.einsum("".join(map(self.letter, ls)) + "->" + "".join(map(self.letter, present)), value)
            total = total + np.reshape(value, [self.dims[ix] if ix in ls else 1 for ix in labels])
        return total, tuple(labels)


def free_letters(shape, letters):
    return tuple(None if d == 1 else letters[k] for k, d in enumerate(shape))


def arguments(f, env):
    out = {}
    for name, v in variables(f).items():
        a = env[name]
        out[name] = float(a[0, 0]) if v.shape == (1, 1) else (a.reshape(-1) if v.shape[1] == 1 else a)
    return out


def index_value(r, shapes, seed=0):
    """(value of the printed index form, reference from r.evaluate) in the layout i, j, k, l."""
    text = r.index()
    lhs, rhs = text.split(" = ", 1)
    env, sizes = random_env([r.f], np.random.default_rng(seed), dict(SIZES))
    size = lambda shape: tuple(int(env_dim(d, sizes)) for d in shape)  # noqa: E731
    X = r.x
    if r.kind == "gradient":
        pattern = free_letters(X.shape, "ij")
        full = size(X.shape)
        ref = np.asarray(r.evaluate(**arguments(r.f, env)), dtype=float).reshape(full, order="F")
    else:
        top = r.f.shape if r.kind == "jacobian" else X.shape
        pattern = free_letters(top, "ij") + free_letters(X.shape, "kl")
        full = size(top) + size(X.shape)
        ref = np.asarray(r.evaluate(**arguments(r.f, env)), dtype=float).reshape(full, order="F")
    keep_axes = [k for k, ix in enumerate(pattern) if ix is not None]
    ref = ref.reshape([full[k] for k in keep_axes])
    letters = tuple(pattern[k] for k in keep_axes)
    dims = {ix: full[k] for k, ix in enumerate(pattern) if ix is not None}
    ev = Evaluator(env, sizes, shapes, dims)
    value, labels = ev.sum(parse_sum(rhs), set(letters), top=True)
    # broadcast to every free index, in the order i, j, k, l
    for ix in letters:
        if ix not in labels:
            value = np.expand_dims(value, axis=len(labels))
            labels = labels + (ix,)
            value = np.broadcast_to(value, value.shape[:-1] + (dims[ix],))
    value = np.transpose(value, [labels.index(ix) for ix in letters]) if letters else value
    return value, ref, lhs


def env_dim(d, sizes):
    from matcalc.dims import dim_value

    return dim_value(d, sizes)


# --- cases ---------------------------------------------------------------------------------------

LMN = {"w": "p", "L": "p,m", "M": "m,n", "N": "n,q", "x": "q"}

# (kind, expression, wrt, shapes, expected index form or None)
CASES = [
    # the two examples
    ("grad", "w^T L M N x", "M", LMN, "∂f/∂M_ij = L_ki w_k x_l N_jl"),
    ("jacobian", "A B", "A", {"A": "m,n", "B": "n,p"}, "∂F_ij/∂A_kl = δ_ik B_lj"),
    # gradients
    ("grad", "x^T A x", "x", {"x": "n", "A": "n,n"}, "∂f/∂x_i = A_ik x_k + A_ki x_k"),
    ("grad", "a^T X b", "X", {"a": "m", "X": "m,n", "b": "n"}, "∂f/∂X_ij = a_i b_j"),
    ("grad", "tr(A X B)", "X", {"A": "p,m", "X": "m,n", "B": "n,p"}, None),
    ("grad", "logdet(X)", "X", {"X": "n,n"}, "∂f/∂X_ij = (X^{-T})_ij"),
    ("grad", "sum(exp(A x))", "x", {"A": "m,n", "x": "n"}, None),
    ("grad", "alpha^2 x^T x", "alpha", {"x": "n"}, None),
    # Jacobians of matrices by matrices: fourth-order, always printable
    ("jacobian", "A X B", "X", {"A": "p,m", "X": "m,n", "B": "n,q"}, "∂F_ij/∂X_kl = A_ik B_lj"),
    ("jacobian", "A B", "B", {"A": "m,n", "B": "n,p"}, "∂F_ij/∂B_kl = A_ik δ_jl"),
    ("jacobian", "X^T", "X", {"X": "m,n"}, "∂F_ij/∂X_kl = δ_jk δ_il"),
    ("jacobian", "A X^T B", "X", {"A": "p,n", "X": "m,n", "B": "m,q"}, "∂F_ij/∂X_kl = A_il B_kj"),
    ("jacobian", "X^{-1}", "X", {"X": "n,n"}, "∂F_ij/∂X_kl = -(X^{-1})_ik (X^{-1})_lj"),
    ("jacobian", "A X^{-1} B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"}, None),
    ("jacobian", "X^2", "X", {"X": "n,n"}, "∂F_ij/∂X_kl = X_ik δ_jl + δ_ik X_lj"),
    ("jacobian", "X^3", "X", {"X": "n,n"}, None),
    ("jacobian", "X^T X", "X", {"X": "m,n"}, "∂F_ij/∂X_kl = X_ki δ_jl + δ_il X_kj"),
    ("jacobian", "X X^T", "X", {"X": "m,n"}, None),
    ("jacobian", "X^T A X", "X", {"X": "m,n", "A": "m,m"}, None),
    ("jacobian", "exp(X)", "X", {"X": "m,n"}, "∂F_ij/∂X_kl = δ_ik δ_jl exp(X_ij)"),
    ("jacobian", "A .* X", "X", {"A": "m,n", "X": "m,n"}, "∂F_ij/∂X_kl = A_ij δ_ik δ_jl"),
    ("jacobian", "exp(X) B", "X", {"X": "m,n", "B": "n,q"}, "∂F_ij/∂X_kl = δ_ik exp(X_il) B_lj"),
    ("jacobian", "sum(X) A", "X", {"X": "m,n", "A": "p,q"}, "∂F_ij/∂X_kl = A_ij"),
    ("jacobian", "det(X) A", "X", {"X": "n,n", "A": "m,p"}, None),
    ("jacobian", "diag(x) A", "x", {"x": "n", "A": "n,m"}, "∂F_ij/∂x_k = δ_ik A_ij"),
    ("jacobian", "diag(X)", "X", {"X": "n,n"}, "∂F_i/∂X_kl = δ_ik δ_il"),
    ("jacobian", "alpha X", "alpha", {"X": "m,n"}, "∂F_ij/∂alpha = X_ij"),
    # vector functions
    ("jacobian", "A x", "x", {"A": "m,n", "x": "n"}, "∂F_i/∂x_k = A_ik"),
    ("jacobian", "x^T A", "x", {"x": "m", "A": "m,n"}, "∂F_j/∂x_k = A_kj"),
    ("jacobian", "exp(A x)", "x", {"A": "m,n", "x": "n"}, "∂F_i/∂x_k = exp(A_ip x_p) A_ik"),
    ("jacobian", "tanh(W x)", "W", {"W": "m,n", "x": "n"}, "∂F_i/∂W_kl = tanh'(W_ip x_p) δ_ik x_l"),
    ("jacobian", "sigmoid(W x + b)", "b", {"W": "m,n", "x": "n", "b": "m"}, None),
    ("jacobian", "W2 tanh(W1 x)", "x", {"W1": "m,n", "W2": "p,m", "x": "n"},
     "∂F_i/∂x_k = W2_ip tanh'(W1_pq x_q) W1_pk"),
    ("jacobian", "W2 relu(W1 x)", "W2", {"W1": "m,n", "W2": "p,m", "x": "n"}, None),
    ("jacobian", "x x^T", "x", {"x": "n"}, "∂F_ij/∂x_k = x_i δ_jk + δ_ik x_j"),
    ("jacobian", "(x^T x) x", "x", {"x": "n"}, None),
    ("jacobian", "x / norm(x)", "x", {"x": "n"}, None),
    ("jacobian", "A x x^T B", "x", {"A": "p,n", "x": "n", "B": "n,q"}, None),
    ("jacobian", "tr(X^T A X)", "X", {"X": "m,n", "A": "m,m"}, None),
    # Hessians
    ("hessian", "x^T A x", "x", {"x": "n", "A": "n,n"}, "∂²f/∂x_i∂x_k = A_ik + A_ki"),
    ("hessian", "logdet(X)", "X", {"X": "n,n"}, "∂²f/∂X_ij∂X_kl = -(X^{-1})_jk (X^{-1})_li"),
    ("hessian", "tr(X^T A X)", "X", {"X": "m,n", "A": "m,m"}, "∂²f/∂X_ij∂X_kl = A_ki δ_jl + A_ik δ_jl"),
    ("hessian", "tr(X^2)", "X", {"X": "n,n"}, "∂²f/∂X_ij∂X_kl = 2 δ_jk δ_il"),
    ("hessian", "tr(X^3)", "X", {"X": "n,n"}, "∂²f/∂X_ij∂X_kl = 3 X_li δ_jk + 3 X_jk δ_il"),
    ("hessian", "sum(exp(X))", "X", {"X": "m,n"}, "∂²f/∂X_ij∂X_kl = δ_ik δ_jl exp(X_ij)"),
    ("hessian", "x^T diag(a) x", "x", {"a": "n", "x": "n"}, "∂²f/∂x_i∂x_k = 2 a_i δ_ik"),
    ("hessian", "(x^T x)^2", "x", {"x": "n"}, None),
    ("hessian", "sum(log(1 + exp(X w)))", "w", {"X": "m,n", "w": "n"},
     "∂²f/∂w_i∂w_k = sigmoid'(X_pq w_q) X_pi X_pk"),
    ("hessian", "det(X)", "X", {"X": "n,n"}, None),
    ("hessian", "tr(X^{-1})", "X", {"X": "n,n"}, None),
    ("hessian", "norm(x)", "x", {"x": "n"}, None),
    ("hessian", "log(x^T A x)", "x", {"x": "n", "A": "n,n"}, None),
    ("hessian", "v^T tanh(W x)", "W", {"W": "m,n", "x": "n", "v": "m"}, None),
    ("hessian", "norm(X - U V^T)^2", "U", {"X": "m,n", "U": "m,r", "V": "n,r"}, None),
    ("hessian", "logdet(S) + tr(S^{-1} C)", "S", {"S": "n,n", "C": "n,n"}, None),
    ("hessian", "tr(X^T X X^T X)", "X", {"X": "m,n"}, None),
    ("hessian", "alpha^2 x^T x", "alpha", {"x": "n"}, "∂²f/∂alpha² = 2 x_p x_p"),
    ("hessian", "w^T L M N x", "M", LMN, "∂²f/∂M_ij∂M_kl = 0"),
    # terms of an expanded sum shared factor objects, and contracting a delta in one renamed the
    # other's indices: A (X + X^T) B printed 2 A_ik B_lj; x^T (A + I) y printed A_ik y_i + δ_ik y_i
    ("jacobian", "A (X + X^T) B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"}, "∂F_ij/∂X_kl = A_ik B_lj + A_il B_kj"),
    ("jacobian", "A (X - 2 X^T) B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"}, None),
    ("jacobian", "A X^2 B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"}, "∂F_ij/∂X_kl = A_ip X_pk B_lj + A_ik X_lp B_pj"),
    ("jacobian", "A X^3 B", "X", {"A": "p,n", "X": "n,n", "B": "n,q"}, None),
    ("jacobian", "A (C X + X D)", "X", {"A": "p,n", "X": "n,n", "C": "n,n", "D": "n,n"}, None),
    ("jacobian", "x^T (A + A^T) B", "A", {"x": "n", "A": "n,n", "B": "n,q"}, "∂F_j/∂A_kl = x_k B_lj + x_l B_kj"),
    ("grad", "x^T (A + I) y", "x", {"x": "n", "A": "n,n", "y": "n"}, "∂f/∂x_i = A_ik y_k + y_i"),
    ("grad", "tr(A (X + I) B (X + I))", "X", {"A": "n,n", "X": "n,n", "B": "n,n"}, None),
    ("hessian", "x^T (A + I) (B + I) x", "x", {"x": "n", "A": "n,n", "B": "n,n"}, None),
    # an index summed over ones alone counts its dimension (it was dropped: G_ki P_jl)
    ("grad", "sum(G (Q P) ones(2, 3))", "Q", {"G": "6,2", "Q": "2,3", "P": "3,2"}, "∂f/∂Q_ij = 3 G_ki P_jl"),
    ("grad", "norm((a + 1) m^T S)^2", "m", {"a": "4", "m": "3", "S": "3,5"}, None),
]

IDS = [f"{k} {e} wrt {w}" for k, e, w, *_ in CASES]


def compute(kind, expr, wrt, shapes):
    if kind == "grad":
        return api.grad(expr, wrt, shapes)
    return getattr(matcalc, kind)(expr, wrt, shapes=shapes)


@pytest.mark.parametrize("kind, expr, wrt, shapes, expected", CASES, ids=IDS)
def test_index_form_numerically(kind, expr, wrt, shapes, expected):
    r = compute(kind, expr, wrt, shapes)
    if expected is not None:
        assert r.index() == expected
    value, ref, lhs = index_value(r, shapes)
    assert value.shape == ref.shape, (r.index(), value.shape, ref.shape)
    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    assert float(np.max(np.abs(value - ref))) / scale < 1e-9, r.index()


def _table(module):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return __import__(module).CASES


# index notation has no composite indices for a Kronecker product of the variable: those
# cases raise UnsupportedError (test_jacobians.test_no_index_form_is_unsupported_never_wrong)
SWEEP = [("jacobian", c[0], c[1], c[2]) for c in _table("test_jacobians") if "kron" not in c[0]] + \
        [("hessian", c[0], c[1], c[2]) for c in _table("test_hessians") if "kron" not in c[0]]


@pytest.mark.parametrize("kind, expr, wrt, shapes", SWEEP, ids=[f"{k} {e} wrt {w}" for k, e, w, _ in SWEEP])
def test_index_form_of_every_table_case(kind, expr, wrt, shapes):
    """Every Jacobian and Hessian of the other two tables, in index form, numerically."""
    r = compute(kind, expr, wrt, shapes)
    value, ref, _ = index_value(r, shapes, seed=1)
    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    assert float(np.max(np.abs(value - ref))) / scale < 1e-9, r.index()


def test_numerator_gradient_has_the_same_index_form():
    """Index notation names each entry, so the layout does not change it."""
    d = api.grad("w^T L M N x", "M", LMN)
    n = api.grad("w^T L M N x", "M", LMN, layout="numerator")
    assert n.index() == d.index() == "∂f/∂M_ij = L_ki w_k x_l N_jl"


# --- the evaluator itself is tested on hand-written forms -----------------------------------------


def test_evaluator_on_known_forms():
    rng = np.random.default_rng(5)
    A, B, x = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(3)
    env = {"A": A, "B": B, "x": x.reshape(-1, 1)}
    ev = Evaluator(env, {"m": 4, "n": 3, "p": 2}, {"A": "m,n", "B": "n,p", "x": "n"}, {"i": 4, "j": 2})
    value, labels = ev.sum(parse_sum("A_ik B_kj"), {"i", "j"})
    assert labels == ("i", "j") and np.allclose(value, A @ B)
    value, labels = ev.sum(parse_sum("exp(A_ip x_p) - (1/2) A_ip x_p"), {"i"})
    assert np.allclose(value, np.exp(A @ x) - (A @ x) / 2)
    value, labels = ev.sum(parse_sum("(x_p x_p)^-1 x_q x_q"), set())
    assert np.isclose(float(value), 1.0)


# --- string-only checks: LaTeX and the command line -------------------------------------------------


def test_latex_index_forms():
    r = matcalc.jacobian("A B", "A", shapes={"A": "m,n", "B": "n,p"})
    assert r.index(latex=True) == r"\frac{\partial F_{ij}}{\partial A_{kl}} = \delta_{ik} B_{lj}"
    r = api.grad("w^T L M N x", "M", LMN)
    assert r.index(latex=True) == r"\frac{\partial f}{\partial M_{ij}} = L_{ki} w_{k} x_{l} N_{jl}"
    r = matcalc.hessian("logdet(X)", "X")
    assert r.index(latex=True) == (r"\frac{\partial^2 f}{\partial X_{ij} \, \partial X_{kl}} = "
                                   r"-\left( X^{-1} \right)_{jk} \left( X^{-1} \right)_{li}")
    r = matcalc.jacobian("exp(A x)", "x")
    assert r.index(latex=True) == r"\frac{\partial F_{i}}{\partial x_{k}} = \exp\left( A_{ip} x_{p} \right) A_{ik}"
    # opaque pieces go through the LaTeX printer; powers of inner sums get braced exponents
    r = matcalc.jacobian("X^{-T}", "X")
    assert r.index(latex=True).endswith(r"= -\left( X^{-\top} \right)_{il} \left( X^{-\top} \right)_{kj}")
    r = matcalc.jacobian("sqrt(X)", "X")
    assert r.index(latex=True).endswith(r"\left( X_{ij} \right)^{-1/2}")
    r = matcalc.hessian("norm(x)", "x")
    assert r.index(latex=True) == (r"\frac{\partial^2 f}{\partial x_{i} \, \partial x_{k}} = "
                                   r"-\left( \left\| x \right\| \right)^{-3} x_{i} x_{k} "
                                   r"+ \left( \left\| x \right\| \right)^{-1} \delta_{ik}")
    assert "operatorname{}" not in r.index(latex=True)
    r = matcalc.hessian("alpha^2 x^T x", "alpha")
    assert r.index() == "∂²f/∂alpha² = 2 x_p x_p"
    assert r.index(latex=True) == r"\frac{\partial^2 f}{\partial \alpha^2} = 2 x_{p} x_{p}"


@pytest.mark.parametrize("argv, line", [
    (["jacobian", "A B", "wrt", "A", "--format", "index"], "∂F_ij/∂A_kl = δ_ik B_lj"),
    (["grad", "w^T L M N x", "wrt", "M", "--format", "index"], "∂f/∂M_ij = L_ki w_k x_l N_jl"),
    (["hessian", "logdet(X)", "wrt", "X", "--format", "index"], "∂²f/∂X_ij∂X_kl = -(X^{-1})_jk (X^{-1})_li"),
    (["jacobian", "A B", "wrt", "A", "--format", "index-latex"],
     r"\frac{\partial F_{ij}}{\partial A_{kl}} = \delta_{ik} B_{lj}"),
])
def test_cli_index(argv, line, capsys):
    from matcalc.cli import main

    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [line]


def test_a_sum_over_ones_of_symbolic_size_has_no_index_form():
    """ones(n)^T ones(n) = n, and index notation has no dimensions as numbers: an error, never a lost n."""
    r = api.grad("norm((a + 1) m^T S)^2", "m", {"a": "n", "m": "p", "S": "p,q"})
    with pytest.raises(matcalc.UnsupportedError) as info:
        r.index()
    assert "sum over ones" in info.value.message

