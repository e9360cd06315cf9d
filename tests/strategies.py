"""Hypothesis strategies for matcalc: random WELL-SHAPED expressions as text,
and the numerical oracle the property tests and regression tests share.

An expression is generated top-down for a target shape, as source text in
matcalc's input language together with the ``shapes`` dictionary that declares
its variables (``{"A": "3,4"}`` or ``{"A": "m,n"}``).  Dimensions are either
symbolic names (``m n p q k``) or small integers; a dimension may be a product
of those (``vec(A)`` is m*n long, ``kron(A, B)`` is m*p x n*q).  Every construct
of the input language can appear: products (juxtaposition, ``*``, ``·``), sums,
transposes in every spelling, inverses and powers of square factors, ``tr det
logdet inv diag vec unvec sum norm ones kron softmax log_softmax logsumexp``, ``.* ./ .^ ⊗ :``, the smooth
element-wise functions, scalar powers and fractions, Greek scalars and ``I``.

Domains stay sane by construction: ``log``, ``sqrt``, ``./`` and negative or
fractional powers only take arguments that are positive whenever their
variables are (``numeric.random_env`` draws those positive), and ``inv det
logdet`` and negative matrix powers only take arguments that are positive
definite (or at least have a positive determinant and a small condition
number) whenever their square variables are SPD.

The oracle (``check_derivative``) decides between three outcomes: the
analytic derivative agrees with central differences (pass), the function is
not finite or its finite differences do not converge at the drawn point
(``Reject``: the case says nothing), or f is finite and smooth there, the
finite differences converge and the analytic value disagrees (a bug).
"""
from __future__ import annotations

import inspect
import math
import os
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import numpy as np
from hypothesis import assume, strategies as st

from conftest import assert_latex_well_formed, difference_quotient, variables, vec

# --- text with precedence ------------------------------------------------------------

# Grammar levels, loosest first (grammar/matcalc.lark): sum < frob < product
# < unary minus < postfix < atom.
SUM, FROB, PROD, UNARY, POST, ATOM = range(6)


@dataclass(frozen=True)
class Piece:
    text: str
    level: int


def wrap(p: Piece, need: int) -> str:
    return p.text if p.level >= need else f"({p.text})"


# --- dimensions ------------------------------------------------------------------------
# A dimension is a sorted tuple of atoms (names, or ints in integer mode); ()
# is 1.  In integer mode two dimensions are equal when their products are.

SYMBOLIC_ATOMS = ("m", "n", "p", "q", "k")
INTEGER_ATOMS = (2, 3, 4, 5)

Dim = Tuple
Shape = Tuple[Dim, Dim]
UNIT: Dim = ()
SCALAR_SHAPE: Shape = ((), ())

MATRIX_NAMES = "A B C D E F G H J L M N P Q R S T U V W X Y Z".split()
VECTOR_NAMES = "a b c u v w x y z g h s".split()
GREEK_NAMES = ["alpha", "beta", "gamma", "lambda", "mu", "sigma2", "theta_1", "λ", "τ"]
# Names outside the naming convention, always declared (``mu`` as a vector,
# ``V`` as a vector, lower-case matrices ...), and names that look like Python.
ODD_NAMES = ["x_hat", "W_2", "b2", "Wt", "mu", "V", "m1", "lambda", "np", "os", "print",
             "gradient", "exec", "None", "in", "np2", "sum_", "trX", "expx", "logdet2", "type", "match"]


@dataclass
class Case:
    """One generated expression: text, declared shapes, the variable, a seed."""

    text: str
    shapes: Dict[str, str]
    wrt: str
    seed: int
    layout: Optional[str] = None  # grad and jacobian: None (the default), "numerator" or "denominator"
    symmetric: Tuple[str, ...] = ()  # square matrices declared symmetric (--symmetric)
    spd: Tuple[str, ...] = ()  # ... and symmetric positive definite (--spd)
    convention: Optional[str] = None  # grad wrt a symmetric variable: None (symmetric) or "entrywise"

    def options(self) -> dict:
        """The API keywords of the declarations: symmetric=, spd= (when any)."""
        out = {}
        if self.symmetric:
            out["symmetric"] = list(self.symmetric)
        if self.spd:
            out["spd"] = list(self.spd)
        return out

    def __repr__(self):
        layout = f", layout={self.layout!r}" if self.layout else ""
        extra = "".join(f", {k}={getattr(self, k)!r}" for k in ("symmetric", "spd", "convention") if getattr(self, k))
        return (f"Case(text={self.text!r}, shapes={self.shapes!r}, wrt={self.wrt!r}, seed={self.seed}"
                f"{layout}{extra})")


class Gen:
    """Draws one expression; ``draw`` is hypothesis's."""

    def __init__(self, draw, integer: bool, atoms):
        self.draw = draw
        self.integer = integer
        self.atoms = atoms
        self.vars: Dict[str, Shape] = {}  # name -> shape
        self.shapes: Dict[str, str] = {}  # the declarations
        self.odd_ok = True
        self.kron_depth = 0  # inside a Kronecker product
        self.structured: Dict[str, str] = {}  # name -> 'sym' | 'spd' (--symmetric, --spd)

    # --- choice helpers --------------------------------------------------------
    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def coin(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) < percent

    @staticmethod
    def leaf_weight(budget: int) -> int:
        """A variable is a likely choice only when little budget is left, so
        that expressions grow past one function of one name."""
        return 4 if budget <= 2 else (2 if budget <= 4 else 1)

    def weighted(self, options, budget: int = 0):
        """options: list of (weight, fn); the first one is what a failing
        example shrinks to.  With budget left, the first (a variable) moves
        last: hypothesis often draws zeros, and a bare name tests little."""
        if budget > 2:
            options = options[1:] + options[:1]
        options = [(w, f) for w, f in options if w > 0]
        total = sum(w for w, _ in options)
        r = self.draw(st.integers(0, total - 1))
        for w, f in options:
            if r < w:
                return f()
            r -= w
        raise AssertionError

    # --- dimensions --------------------------------------------------------------
    def key(self, d: Dim):
        return math.prod(d) if self.integer else d

    def same(self, a: Dim, b: Dim) -> bool:
        return self.key(a) == self.key(b)

    def is_unit(self, d: Dim) -> bool:
        return self.key(d) in (1, ())

    def atom(self) -> Dim:
        return (self.pick(self.atoms),)

    def dim_or_unit(self) -> Dim:
        return UNIT if self.coin(25) else self.atom()

    def dim_text(self, d: Dim) -> str:
        return str(math.prod(d)) if self.integer else d[0]

    def leafable(self, shape: Shape) -> bool:
        return self.integer or all(len(d) <= 1 for d in shape)

    def spec(self, shape: Shape) -> str:
        r, c = shape
        if self.is_unit(r) and self.is_unit(c):
            return self.pick(["scalar", "1"]) if self.coin(20) else "scalar"
        if self.is_unit(c):
            return self.dim_text(r) + (",1" if self.coin(10) else "")
        return f"{self.dim_text(r) if not self.is_unit(r) else '1'},{self.dim_text(c)}"

    def split(self, d: Dim):
        """d = a * b, both sorted tuples (either may be 1)."""
        atoms = list(d)
        mask = [self.coin(50) for _ in atoms]
        if len(atoms) >= 2 and len(set(mask)) == 1:  # a proper split, so that recursion ends
            mask[0] = not mask[0]
        a = tuple(sorted(x for x, m in zip(atoms, mask) if m))
        b = tuple(sorted(x for x, m in zip(atoms, mask) if not m))
        return a, b

    @staticmethod
    def mul(a: Dim, b: Dim) -> Dim:
        return tuple(sorted(a + b))

    # --- leaves ----------------------------------------------------------------
    def convention_of(self, name: str) -> str:
        if name in GREEK_NAMES:
            return "scalar"
        if name[0].isupper():
            return "matrix"
        return "vector"

    def kind(self, shape: Shape) -> str:
        r, c = shape
        if self.is_unit(r) and self.is_unit(c):
            return "scalar"
        if self.is_unit(c):
            return "vector"
        if self.is_unit(r):
            return "row"
        return "matrix"

    def var(self, shape: Shape, positive: bool = False, declare: bool = False) -> Piece:
        """A variable of this shape (a row vector is x^T); reuse one often."""
        kind = self.kind(shape)
        if kind == "row" and self.coin(85):
            return self.transpose(self.var((shape[1], shape[0])))
        same = [n for n, s in self.vars.items() if self.same(s[0], shape[0]) and self.same(s[1], shape[1])]
        if same and self.coin(65):
            name = self.pick(sorted(same))
            if declare and name not in self.shapes:  # under inv/det: its squareness must not be left to inference
                self.shapes[name] = self.spec(shape)
            return Piece(name, ATOM)
        pool = {"scalar": GREEK_NAMES, "vector": VECTOR_NAMES, "row": VECTOR_NAMES, "matrix": MATRIX_NAMES}[kind]
        if self.odd_ok and self.coin(8):
            pool = ODD_NAMES
        free = [n for n in pool if n not in self.vars]
        if not free:
            free = [n for n in MATRIX_NAMES + VECTOR_NAMES + GREEK_NAMES if n not in self.vars]
        name = self.pick(free)
        self.vars[name] = shape
        conventional = {"scalar": "scalar", "vector": "vector", "matrix": "matrix"}.get(kind)
        if kind == "matrix" and self.same(shape[0], shape[1]) and self.leafable(shape) and self.coin(20):
            # a symmetric (positive definite) square matrix, declared with its shape
            self.structured[name] = "spd" if declare and self.coin(50) else "sym"
            self.shapes[name] = self.spec(shape)
        elif (conventional == self.convention_of(name) and name not in ODD_NAMES and not self.integer and not declare
                and self.coin(35)):
            pass  # left to the naming convention; shape inference must find it
        else:
            self.shapes[name] = self.spec(shape)
        return Piece(name, ATOM)

    def identity(self, n: Dim) -> Piece:
        """I, or a sized I_n, I_{m*n}, I_{6}: always sized inside a Kronecker
        product, where nothing else can fix its size."""
        if not self.kron_depth and self.coin(60):
            return Piece("I", ATOM)
        text = "*".join(str(a) for a in n) if not self.integer else str(math.prod(n))
        return Piece(f"I_{text}" if not self.integer and len(n) == 1 and self.coin(50) else f"I_{{{text}}}", ATOM)

    def number(self, positive: bool = True) -> Piece:
        text = self.pick(["2", "3", "0.5", "1/2", "2.5", "1", "4"] + ([] if positive else ["0"]))
        return Piece(text, PROD if "/" in text else ATOM)

    # --- combinators -----------------------------------------------------------
    def transpose(self, p: Piece) -> Piece:
        return Piece(wrap(p, POST) + self.pick(["^T", "'", "^{T}", "^(T)", "ᵀ"]), POST)

    def juxt(self, a: Piece, b: Piece) -> Piece:
        op = self.pick([" ", " ", " ", " * ", " · "])
        return Piece(f"{wrap(a, PROD)}{op}{wrap(b, POST if op == ' ' else UNARY)}", PROD)

    def binary(self, a: Piece, op: str, b: Piece) -> Piece:
        return Piece(f"{wrap(a, PROD)} {op} {wrap(b, UNARY)}", PROD)

    def add(self, a: Piece, b: Piece, minus: bool) -> Piece:
        op = (" - " if self.coin(90) else " − ") if minus else " + "
        return Piece(f"{wrap(a, SUM)}{op}{wrap(b, FROB)}", SUM)

    def neg(self, a: Piece) -> Piece:
        return Piece("-" + wrap(a, UNARY), UNARY)

    def call(self, fn: str, *args: Piece) -> Piece:
        return Piece(f"{fn}({', '.join(a.text for a in args)})", ATOM)

    def maybe_paren(self, p: Piece) -> Piece:
        return Piece(f"({p.text})", ATOM) if self.coin(5) else p

    # --- general expressions -----------------------------------------------------
    def gen(self, shape: Shape, budget: int) -> Piece:
        return self.maybe_paren(self._gen(shape, budget))

    def _gen(self, shape: Shape, budget: int) -> Piece:
        r, c = shape
        kind = self.kind(shape)
        if kind == "scalar":
            return self.scalar(budget)
        leaf = self.leafable(shape)
        if budget <= 0:
            if leaf:
                return self.var(shape) if not (r == c and self.coin(5)) else self.identity(r)
            return self.kron_of(shape, 0)
        b = budget - 1
        square = self.same(r, c)
        opts = [
            (self.leaf_weight(budget) if leaf else 0, lambda: self.var(shape)),
            (5, lambda: self.product(shape, b)),
            (3, lambda: self.scaled(shape, b)),
            (4, lambda: self.sum(shape, b)),
            (2, lambda: self.transpose(self.gen((c, r), b))),
            (2, lambda: self.hadamard(shape, b)),
            (3, lambda: self.elementwise(shape, b)),
            (3 if square else 0, lambda: self.square(shape, b)),
            (2 if kind == "vector" else 0, lambda: self.vector(shape, b)),
            (1 if (r or c) and self.kron_ok(shape) else 0, lambda: self.kron_of(shape, b)),
            (1 if kind == "matrix" and leaf else 0, lambda: self.unvec(shape, b)),
            (1 if leaf else 0, lambda: self.ones(shape)),
            (2, lambda: self.softmax_of(shape, b)),
            (1 if kind == "vector" else 0, lambda: self.logsumexp_rows(shape[0], b)),
        ]
        if not leaf:  # product dimensions: only structure makes them
            opts = [(w, f) for w, f in opts if f is not None]
            opts.append((4, lambda: self.kron_of(shape, b)))
        return self.weighted(opts, budget)

    def kron_ok(self, shape):
        return len(shape[0]) + len(shape[1]) >= 2

    def product(self, shape: Shape, b: int) -> Piece:
        r, c = shape
        k = self.dim_or_unit()
        if self.is_unit(r) and self.is_unit(k):
            k = self.atom()
        left = self.gen((r, k), b // 2)
        right = self.gen((k, c), b - b // 2)
        return self.juxt(left, right)

    def scaled(self, shape: Shape, b: int) -> Piece:
        m = self.gen(shape, b)
        return self.weighted([
            (3, lambda: self.juxt(self.number(positive=False), m)),
            (3, lambda: self.juxt(self.scalar(b // 2), m)),
            (1, lambda: self.binary(m, "*", self.scalar(b // 2))),
            (2, lambda: self.binary(m, "/", self.pos_scalar(b // 2))),
            (2, lambda: self.neg(m)),
        ])

    def sum(self, shape: Shape, b: int) -> Piece:
        first = self.gen(shape, b // 2)
        if self.coin(12):  # a scalar broadcast: 1 + X, X - alpha
            s = self.number() if self.coin(50) else self.scalar(b // 2)
            return self.add(s, first, self.coin(50)) if self.coin(50) else self.add(first, s, self.coin(50))
        if self.square_shape(shape) and self.coin(10):
            second = self.identity(shape[0])
        else:
            second = self.gen(shape, b - b // 2)
        return self.add(first, second, self.coin(40))

    def square_shape(self, shape):
        return self.same(shape[0], shape[1]) and not self.is_unit(shape[0])

    def hadamard(self, shape: Shape, b: int) -> Piece:
        a = self.gen(shape, b // 2)
        if self.coin(35):
            return self.binary(a, "./", self.pos(shape, b - b // 2))
        return self.binary(a, self.pick([".*", ".*", "∘", "⊙"]), self.gen(shape, b - b // 2))

    def elementwise(self, shape: Shape, b: int) -> Piece:
        fn = self.pick(["exp", "sin", "cos", "tanh", "sigmoid", "softplus", "log", "sqrt", "pow", "pos_pow",
                        "tan", "arcsin", "asin", "arccos", "acos", "arctan", "atan", "sinh", "cosh", "sign", "erf",
                        "gelu", "log1p", "expm1", "logsigmoid", "silu",
                        "sigma", "f", "σ"])  # the last three: generic element-wise functions, f(Z)
        if fn in ("log", "sqrt", "log1p"):
            return self.call(fn, self.pos(shape, b))
        if fn in ("arcsin", "asin", "arccos", "acos"):  # defined on (-1, 1): of a tanh
            return self.call(fn, self.call("tanh", self.gen(shape, b)))
        if fn == "pow":
            base = self.gen(shape, b)
            return Piece(f"{wrap(base, POST)} .^ {self.pick(['2', '3', '{2}', '(2)'])}", POST)
        if fn == "pos_pow":
            base = self.pos(shape, b)
            return Piece(f"{wrap(base, POST)} .^ {self.pick(['(1/2)', '{-1}', '-1', '(-1/2)', '(3/2)', '-2'])}", POST)
        return self.call(fn, self.gen(shape, b))

    def square(self, shape: Shape, b: int) -> Piece:
        n = shape[0]
        return self.weighted([
            (4, lambda: self.inverse(self.spd(n, b))),
            (2, lambda: Piece(f"{wrap(self.gen(shape, b), POST)}^{self.pick(['2', '3', '{2}'])}", POST)),
            (1, lambda: Piece(f"{wrap(self.spd(n, b), POST)}^{self.pick(['-2', '{-2}', '(-2)'])}", POST)),
            (2, lambda: self.call("diag", self.gen((n, UNIT), b))),
            (1, lambda: self.identity(n)),
        ])

    def inverse(self, p: Piece) -> Piece:
        form = self.pick(["inv", "^{-1}", "^-1", "^(-1)", "⁻¹", "^{-T}", "^-T", "⁻ᵀ"])
        if form == "inv":
            return self.call("inv", p)
        return Piece(wrap(p, POST) + form, POST)

    def vector(self, shape: Shape, b: int) -> Piece:
        r = shape[0]
        options = [(3, lambda: self.call("diag", self.gen((r, r), b)))]
        a, c = self.split(r)
        if not self.is_unit(a) and not self.is_unit(c):
            options.append((3, lambda: self.call("vec", self.gen((a, c), b))))
        options.append((1, lambda: self.call("vec", self.gen((r, UNIT) if self.coin(50) else (UNIT, r), b))))
        return self.weighted(options)

    def kron_of(self, shape: Shape, b: int) -> Piece:
        (r1, r2), (c1, c2) = self.split(shape[0]), self.split(shape[1])
        self.kron_depth += 1
        left = self.gen((r1, c1), b // 2)
        right = self.gen((r2, c2), b - b // 2)
        self.kron_depth -= 1
        if self.coin(50):
            return self.call("kron", left, right)
        return self.binary(left, "⊗", right)

    def unvec(self, shape: Shape, b: int) -> Piece:
        r, c = shape
        if self.coin(50):
            inner = self.call("vec", self.gen(shape, b))
        else:  # vec(a b^T) = b ⊗ a
            inner = self.call("kron", self.gen((c, UNIT), b // 2), self.gen((r, UNIT), b - b // 2))
        return self.call("unvec", inner, Piece(self.dim_text(r), ATOM), Piece(self.dim_text(c), ATOM))

    def ones(self, shape: Shape) -> Piece:
        r, c = shape
        if self.is_unit(c):
            return self.call("ones", Piece(self.dim_text(r), ATOM))
        if self.is_unit(r):
            return self.transpose(self.call("ones", Piece(self.dim_text(c), ATOM)))
        return self.call("ones", Piece(self.dim_text(r), ATOM), Piece(self.dim_text(c), ATOM))

    def softmax_of(self, shape: Shape, b: int) -> Piece:
        """softmax, log_softmax or log(softmax(...)) of a vector (over its entries) or a matrix (each row)."""
        fn = self.pick(["softmax", "softmax", "log_softmax", "log_softmax", "log softmax"])
        arg = self.gen(shape, b)
        if fn == "log softmax":
            return self.call("log", self.call("softmax", arg))
        return self.call(fn, arg)

    def logsumexp_rows(self, r: Dim, b: int) -> Piece:
        """logsumexp of an r x k matrix: the r-vector of its rows' log-sum-exps."""
        return self.call("logsumexp", self.gen((r, self.atom()), b))

    def any_shape(self, b: int) -> Piece:
        """An expression of a random non-scalar shape (a product shape too)."""
        r = self.dim_or_unit()
        c = self.dim_or_unit()
        if self.is_unit(r) and self.is_unit(c):
            r = self.atom()
        if self.coin(20):
            r = self.mul(r, self.atom())
        return self.gen((r, c), b)

    # --- scalars -----------------------------------------------------------------
    def scalar(self, budget: int) -> Piece:
        if budget <= 0:
            return self.var(SCALAR_SHAPE) if self.coin(70) else self.number(positive=False)
        b = budget - 1
        n = self.atom()
        return self.weighted(budget=budget, options=[
            (self.leaf_weight(budget), lambda: self.var(SCALAR_SHAPE)),
            (4, lambda: self.call("tr", self.gen((n, n), b))),
            (2, lambda: self.call(self.pick(["det", "logdet", "logdet"]), self.spd(n, b))),
            (1, lambda: self.call("log", self.call("det", self.spd(n, b)))),
            (2, lambda: self.call("sum", self.any_shape(b))),
            (2, lambda: self.norm(b)),
            (3, lambda: self.frob(b)),
            (5, lambda: self.inner(b)),
            (3, lambda: self.add(self.scalar(b // 2), self.scalar(b - b // 2), self.coin(40))),
            (2, lambda: self.juxt(self.scalar(b // 2), self.scalar(b - b // 2))),
            (2, lambda: self.binary(self.scalar(b // 2), "/", self.pos_scalar(b - b // 2))),
            (2, lambda: Piece(f"{wrap(self.scalar(b), POST)}^{self.pick(['2', '3', '{2}'])}", POST)),
            (2, lambda: Piece(f"{wrap(self.pos_scalar(b), POST)}^{self.pick(['(1/2)', '{-1}', '-1', '(-3/2)', '{-2}'])}", POST)),
            (2, lambda: self.call(self.pick(["exp", "sin", "cos", "tanh", "sigmoid", "softplus", "tan", "arctan", "atan",
                                             "sinh", "cosh", "sign", "erf", "gelu", "expm1", "logsigmoid", "silu"]),
                                  self.scalar(b))),
            (1, lambda: self.call(self.pick(["log", "sqrt"]), self.pos_scalar(b))),
            (2, lambda: self.call("logsumexp", self.gen((n, UNIT), b))),
            (1, lambda: self.call("sum", self.logsumexp_rows(n, b))),
            (1, lambda: self.neg(self.scalar(b))),
            (1, lambda: self.number(positive=False)),
        ])

    def inner(self, b: int) -> Piece:
        k = self.atom()
        return self.juxt(self.gen((UNIT, k), b // 2), self.gen((k, UNIT), b - b // 2))

    def frob(self, b: int) -> Piece:
        if self.coin(15):  # Kronecker products of equal factor shapes
            s1 = (self.atom(), self.atom())
            s2 = (self.atom(), self.atom())
            self.kron_depth += 1
            k1 = self.call("kron", self.gen(s1, b // 4), self.gen(s2, b // 4))
            k2 = self.binary(self.gen(s1, b // 4), "⊗", self.gen(s2, b // 4))
            self.kron_depth -= 1
            return Piece(f"{wrap(k1, PROD)} : {wrap(k2, PROD)}", FROB)
        shape = (self.dim_or_unit(), self.atom())
        a, c = self.gen(shape, b // 2), self.gen(shape, b - b // 2)
        return Piece(f"{wrap(a, PROD)} : {wrap(c, PROD)}", FROB)

    def norm(self, b: int) -> Piece:
        p = self.call("norm", self.any_shape(b))
        if self.coin(40):
            return Piece(f"{p.text}^2", POST)
        return p

    # --- positive values (under log, sqrt, ./, negative and fractional powers) ----------
    def pos(self, shape: Shape, budget: int) -> Piece:
        """Element-wise positive whenever its variables are (random_env makes the
        variables under log, sqrt and negative powers positive)."""
        if self.kind(shape) == "scalar":
            return self.pos_scalar(budget)
        leaf = self.leafable(shape)
        if budget <= 0:
            if leaf:
                return self.var(shape)
            return self.pos_kron(shape, 0)
        b = budget - 1
        k = self.dim_or_unit()
        opts = [
            (self.leaf_weight(budget) if leaf else 0, lambda: self.var(shape)),
            (2, lambda: self.add(self.pos(shape, b // 2), self.pos(shape, b - b // 2), False)),
            (2, lambda: self.binary(self.pos(shape, b // 2), self.pick([".*", "./"]), self.pos(shape, b - b // 2))),
            (2 if not (self.is_unit(shape[0]) and self.is_unit(k)) else 0,
             lambda: self.juxt(self.pos((shape[0], k), b // 2), self.pos((k, shape[1]), b - b // 2))),
            (1, lambda: self.transpose(self.pos((shape[1], shape[0]), b))),
            (1, lambda: self.juxt(self.number(), self.pos(shape, b))),
            (2, lambda: self.call(self.pick(["exp", "sigmoid", "softplus", "cosh"]), self.gen(shape, b))),
            (1, lambda: self.call("softmax", self.gen(shape, b))),
            (1, lambda: self.call("sqrt", self.pos(shape, b))),
            (1, lambda: Piece(f"{wrap(self.pos(shape, b), POST)} .^ {self.pick(['2', '(1/2)', '-1'])}", POST)),
            (1, lambda: self.add(self.number(), self.pos(shape, b), False)),
            (1 if not leaf else 0, lambda: self.pos_kron(shape, b)),
        ]
        return self.weighted(opts, budget)

    def pos_kron(self, shape: Shape, b: int) -> Piece:
        (r1, r2), (c1, c2) = self.split(shape[0]), self.split(shape[1])
        return self.call("kron", self.pos((r1, c1), b // 2), self.pos((r2, c2), b - b // 2))

    def pos_scalar(self, budget: int) -> Piece:
        if budget <= 0:
            return self.var(SCALAR_SHAPE) if self.coin(70) else self.number()
        b = budget - 1
        n = self.atom()
        return self.weighted(budget=budget, options=[
            (self.leaf_weight(budget), lambda: self.var(SCALAR_SHAPE)),
            (1, lambda: self.number()),
            (2, lambda: self.call("norm", self.any_shape(b))),
            (2, lambda: self.juxt(self.pos((UNIT, n), b // 2), self.pos((n, UNIT), b - b // 2))),
            (1, lambda: self.call("sum", self.pos((n, self.dim_or_unit()), b))),
            (1, lambda: self.call("tr", self.pos((n, n), b))),
            (1, lambda: self.call("det", self.spd(n, b))),
            (1, lambda: self.call("exp", self.scalar(b))),
            (1, lambda: self.add(self.pos_scalar(b // 2), self.pos_scalar(b - b // 2), False)),
            (1, lambda: Piece(f"{wrap(self.pos_scalar(b), POST)}^{self.pick(['2', '(1/2)', '{-1}'])}", POST)),
        ])

    # --- positive definite (under inv, det, logdet, negative matrix powers) -----------
    def spd(self, n: Dim, budget: int) -> Piece:
        """Square n x n with positive determinant and modest condition number
        whenever its square variables are SPD (random_env makes them so)."""
        leaf = self.leafable((n, n))
        if budget <= 0:
            return self.var((n, n), declare=True) if leaf else self.call("kron", *self.spd_split(n, 0))
        b = budget - 1
        k = self.atom()
        return self.weighted(budget=budget, options=[
            (self.leaf_weight(budget) if leaf else 0, lambda: self.var((n, n), declare=True)),
            (2, lambda: self.add(self.spd(n, b // 2), self.spd(n, b - b // 2), False)),
            (2, lambda: self.juxt(self.spd(n, b // 2), self.spd(n, b - b // 2))),
            (1, lambda: self.transpose(self.spd(n, b))),
            (1, lambda: self.inverse(self.spd(n, b))),
            (1, lambda: self.juxt(self.number(), self.spd(n, b))),
            (1, lambda: self.juxt(self.var(SCALAR_SHAPE), self.spd(n, b))),
            (2, lambda: self.gram(n, k, b)),
            (1, lambda: self.add(self.spd(n, b), self.identity(n), False)),
            (1, lambda: self.binary(self.spd(n, b // 2), ".*", self.spd(n, b - b // 2))),
            (1, lambda: self.call("diag", self.pos((n, UNIT), b))),
            (1, lambda: Piece(f"{wrap(self.spd(n, b), POST)}^2", POST)),
            (1 if not leaf or len(n) >= 2 else 0, lambda: self.call("kron", *self.spd_split(n, b))),
        ])

    def spd_split(self, n: Dim, b: int):
        a, c = self.split(n)
        self.kron_depth += 1
        out = (self.spd(a, b // 2) if not self.is_unit(a) else Piece("1", ATOM),
               self.spd(c, b - b // 2) if not self.is_unit(c) else Piece("1", ATOM))
        self.kron_depth -= 1
        return out

    def gram(self, n: Dim, k: Dim, b: int) -> Piece:
        """E^T E + S (E k x n) or S + e e^T: positive definite."""
        if self.coin(50):
            e = self.gen((k, n), min(b, 1))
            return self.add(self.juxt(self.transpose(e), e), self.spd(n, b // 2), False)
        e = self.gen((n, UNIT), min(b, 1))
        return self.add(self.spd(n, b // 2), self.juxt(e, self.transpose(e)), False)


# --- strategies ------------------------------------------------------------------------


@st.composite
def _case(draw, kind: str, max_budget: int):
    integer = draw(st.booleans())
    pool = INTEGER_ATOMS if integer else SYMBOLIC_ATOMS
    natoms = draw(st.integers(1, len(pool)))
    atoms = tuple(draw(st.permutations(pool))[:natoms])
    g = Gen(draw, integer, atoms)
    budget = draw(st.integers(min(2, max_budget), max_budget))
    if kind == "scalar":
        shape = SCALAR_SHAPE
        p = g.scalar(budget)
    else:
        r, c = g.dim_or_unit(), g.dim_or_unit()
        if g.is_unit(r) and g.is_unit(c):
            r = g.atom()
        if g.coin(20):
            r = g.mul(r, g.atom())
        shape = (r, c)
        p = g.gen(shape, budget)
    if not g.vars:  # a constant: add a variable so that there is something to differentiate
        if not g.leafable(shape):
            assume(False)
        p = g.add(p, g.var(shape), False)
    if any(op in p.text for op in ("kron", "⊗", "unvec")):
        # a product of two unknown dimensions cannot be inferred: declare every name
        g.shapes = {name: g.shapes.get(name) or g.spec(shape) for name, shape in g.vars.items()}
    if _divides_by_zero(p.text, g.shapes):
        assume(False)
    wrt = draw(st.sampled_from(sorted(g.vars)))
    seed = draw(st.integers(0, 2**31 - 1))
    layout = draw(st.sampled_from([None, None, "numerator", "denominator"]))
    sym = tuple(sorted(n for n, k in g.structured.items() if k == "sym"))
    spd = tuple(sorted(n for n, k in g.structured.items() if k == "spd"))
    convention = draw(st.sampled_from([None, "entrywise"])) if kind == "scalar" and wrt in g.structured else None
    return Case(p.text, dict(g.shapes), wrt, seed, layout, sym, spd, convention)


def _divides_by_zero(text: str, shapes: dict) -> bool:
    """Whether the text divides by a scalar that is identically zero
    (``alpha / norm(I - I)``: a positive scalar of the generator, ``norm(...)``,
    can have an argument that cancels).  matcalc refuses such an expression
    when it parses it (a NumericError), so it is no case: the generator draws
    again."""
    import matcalc
    from matcalc.errors import MatcalcError, NumericError

    try:
        matcalc.parse(text, shapes)
    except NumericError:
        return True
    except MatcalcError:  # any other refusal is the property tests' to report
        return False
    return False


def scalar_cases(max_budget: int = 14):
    """Scalar expressions (for grad and hessian)."""
    return _case("scalar", max_budget)


def matrix_cases(max_budget: int = 9):
    """Vector- and matrix-valued expressions (for jacobian)."""
    return _case("matrix", max_budget)


# --- the numerical oracle ----------------------------------------------------------------


class Reject(Exception):
    """The case says nothing: f is not finite at the drawn point, or its finite
    differences do not converge there (not smooth, or too ill-conditioned)."""


class Bug(AssertionError):
    """A wrong answer or a broken printer: the test fails with this message."""


PASS_TOL = 1e-5  # relative agreement with the best finite difference
BUG_TOL = 1e-4  # a wrong answer is this far off converged finite differences
CONVERGED = 1e-6  # consecutive step sizes agree this well: the difference quotient is trustworthy
STEPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


def _eval(e, env, sizes):
    from matcalc.numeric import evaluate

    with np.errstate(all="ignore"):
        return evaluate(e, env, sizes)


def _finite(a) -> bool:
    return bool(np.all(np.isfinite(a)))


def _overflows(e, env, sizes) -> bool:
    """Whether evaluating e meets an infinite intermediate value."""
    from matcalc.numeric import Evaluator

    ev = Evaluator(env, sizes)
    with np.errstate(all="ignore"):
        ev(e)
    return any(np.isinf(v).any() for v in ev.memo.values())


def careful_check(F, x, J, env, sizes, V, what="derivative"):
    """Compare J vec(V) with central differences of F along V at several step
    sizes.  Returns the best relative error; raises Reject or Bug."""
    F0 = _eval(F, env, sizes)
    if not _finite(F0):
        raise Reject("f is not finite at the point")
    with np.errstate(all="ignore"):
        Jv = _eval(J, env, sizes) @ vec(V)
    if not _finite(Jv) and _overflows(J, env, sizes):
        # a right formula can overflow where f does not: tr(exp(exp(X^2))) reads the diagonal only, its
        # gradient I .* exp(X^2) .* exp(exp(X^2)) is 0 * inf off the diagonal.  A nan without an inf
        # anywhere (log of a negative, 0/0) is still judged below.
        raise Reject("the derivative overflows at the point although f does not")
    scale_f = float(np.max(np.abs(F0))) if F0.size else 0.0
    quotients = []
    for h in STEPS:
        with np.errstate(all="ignore"):
            q = vec(difference_quotient(F, {x.name: V}, env, sizes, h))
        quotients.append((h, q if _finite(q) else None))
    def norm(a):
        with np.errstate(all="ignore"):
            return np.linalg.norm(a)

    errors = []
    for h, q in quotients:
        if q is None:
            continue
        noise = 1e-8 + 1e-13 * scale_f / h  # rounding in f, amplified by 1/h
        scale = max(norm(Jv) if _finite(Jv) else 0.0, norm(q), noise)
        errors.append(float(norm(Jv - q) / scale) if _finite(Jv) else float("inf"))
    best = min(errors, default=float("inf"))
    if best < PASS_TOL:
        return best
    # Converged: three step sizes in a row whose differences shrink as the O(h^2) truncation error
    # does (by 10 or more for a tenfold smaller h), or are rounding-small throughout (f linear or
    # quadratic along V).  Two bit-identical quotients alone are no evidence: near a saturated
    # tanh, 1 - tanh(s)^2 moves in steps of 2e-16 and equal quotients mean a flat staircase.
    converged = None
    for (_, q0), (_, q1), (h2, q2) in zip(quotients, quotients[1:], quotients[2:]):
        if q0 is None or q1 is None or q2 is None:
            continue
        scale = max(norm(q1), norm(q2), 1e-8 + 1e-13 * scale_f / h2)
        d_prev, d = norm(q0 - q1), norm(q1 - q2)
        shrinking = d > 0 and d_prev >= 10 * d
        rounding = d <= 1e-9 * scale and d_prev <= 1e-9 * scale
        # the answer must miss by far more than the quotients of the triple scatter
        if d <= CONVERGED * scale and (shrinking or rounding) and norm(Jv - q2) > 100 * max(d_prev, d):
            converged = q2
            break
    if converged is None or best < BUG_TOL:
        raise Reject(f"finite differences of f do not settle (best relative error {best:.1e})")
    raise Bug(f"{what} disagrees with converged central differences: relative error {best:.3g}\n"
              f"  analytic J v = {Jv[:6]}\n  finite diff. = {converged[:6]}")


def check_derivative(r, seed: int, trials: int = 3) -> float:
    """Result.check() first; when it is not small, decide between an
    ill-conditioned point (Reject) and a wrong answer (Bug) on exactly the
    points and directions Result.check() used."""
    from matcalc import build as b
    from matcalc.dims import dim_value
    from matcalc.numeric import random_env

    from matcalc.errors import NumericError

    with np.errstate(all="ignore"):
        try:
            err = r.check(seed=seed, trials=trials)
        except NumericError as e:  # every draw outside the domain (singular, or not finite)
            raise Reject(str(e)) from None
    if err < PASS_TOL:
        return err
    rng = np.random.default_rng(seed)
    J = r.numerator_form()
    pairs = []
    if r.kind == "hessian":
        pairs += [(r.derivation.grad.result, J, "Hessian")] * trials
        pairs += [(r.f, b.transpose(b.vec(r.derivation.grad.result)), "gradient")] * trials
    else:
        pairs += [(r.f, J, r.kind)] * trials
    rejected = None
    worst = 0.0
    for F, JJ, what in pairs:
        env, sizes = random_env([F, JJ, r.x], rng)  # as Result.check draws it
        V = rng.standard_normal(tuple(dim_value(d, sizes) for d in r.x.shape))
        if r.x.kind:  # a symmetric variable: symmetric directions, as Result.check draws them
            V = (V + V.T) / 2
        try:
            worst = max(worst, careful_check(F, r.x, JJ, env, sizes, V, what))
        except Reject as e:
            rejected = e
    if rejected is not None:
        raise rejected
    return worst


def point(r, seed: int):
    """One random point on the domains of f and of the result: (env, sizes)."""
    from matcalc.numeric import random_env

    exprs = [r.f, r.expr, r.x]
    if r.kind == "hessian":
        exprs.append(r.derivation.grad.result)
    return random_env(exprs, np.random.default_rng(seed))


def sizes_from(expr, env, shape_hint=None, fallback=None):
    """Sizes of the dimension names of expr, read off the arrays of its
    variables (and off the expected shape of the whole, for dimensions that
    only a bare I or ones(...) carries)."""
    from matcalc.expr import DimProd, Var

    sizes: dict = {}
    products = []

    def learn(d, n):
        if isinstance(d, str):
            if sizes.setdefault(d, n) != n:
                raise Bug(f"dimension {d} is both {sizes[d]} and {n}")
        elif isinstance(d, DimProd):
            products.append((d, n))

    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Var):
            for d, n in zip(e.shape, np.shape(env[e.name])):
                learn(d, n)
        stack.extend(e.children())
    if shape_hint is not None:
        for d, n in zip(expr.shape, shape_hint):
            learn(d, n)
    for _ in range(3):  # a product with one unknown factor
        for d, n in products:
            unknown = [f for f in d.factors if isinstance(f, str) and f not in sizes]
            if len(unknown) == 1:
                known = math.prod(f if isinstance(f, int) else sizes[f] for f in d.factors if f != unknown[0])
                learn(unknown[0], n // known)
    for name, n in (fallback or {}).items():  # a size no variable fixes (tr(I) in f): the same as before
        sizes.setdefault(name, n)
    return sizes


def _close(a, b, what: str, source: str):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise Bug(f"{what}: shape {a.shape} != {b.shape}\n  {source}")
    if not (_finite(a) and _finite(b)):
        if np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)]):
            return
        raise Reject(f"{what}: values not finite")
    scale = max(1.0, float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0)
    if not np.allclose(a, b, rtol=1e-6, atol=1e-7 * scale):
        raise Bug(f"{what} differs: max |diff| {float(np.max(np.abs(a - b))):.3g} (scale {scale:.3g})\n  {source}")


def check_printers(r, case: Case):
    """LaTeX, JSON, equations succeed; the text parses back to the same value;
    the input's canonical text parses back to f; the NumPy module evaluates to
    the same numbers as Result.evaluate."""
    import matcalc
    from matcalc.printing.text import to_text

    text = r.text()
    assert text and "\n" not in text
    assert r.latex()
    r.json()
    r.equation()
    r.equation(latex=True)
    r.differential_text()
    assert_latex_well_formed(r.latex())
    assert_latex_well_formed(r.equation(latex=True))
    from matcalc.errors import UnsupportedError

    try:  # index notation: a Kronecker product inside a Jacobian has no index form yet (UnsupportedError)
        assert r.index() and r.index(latex=True)
    except UnsupportedError:
        pass
    try:
        source = r.numpy_source()
    except UnsupportedError:  # a generic function (sigma, f) has no NumPy code
        # (in the result, or only in f, whose value() the module also defines)
        assert any(name in r.text() or name in to_text(r.f) for name in ("sigma", "σ", "f")), r.text()
        source = None

    env, sizes = point(r, case.seed)
    value = _eval(r.expr, env, sizes)
    if not _finite(value):
        raise Reject("the result is not finite at the point")

    # Undeclared names keep the shapes inference gave them (the dimension
    # names the output uses, as in K_{n,n} for an undeclared X).
    shapes = dict(case.shapes)
    for name, v in variables(r.f).items():
        shapes.setdefault(name, v.shape)
    kinds = {**{n: "sym" for n in case.symmetric}, **{n: "spd" for n in case.spd}}
    _round_trip(text, shapes, value, env, sizes, "parse(r.text())", kinds)
    f_value = _eval(r.f, env, sizes)
    if _finite(f_value):
        _round_trip(to_text(r.f), shapes, f_value, env, sizes, "parse(text(f))", kinds, r.f)
    if source is not None:
        check_numpy_module(r, source, env, sizes)


def _round_trip(text, shapes, value, env, sizes, what, kinds=None, expected=None):
    """text parses back to the same value; with the symmetric declarations of
    the names it holds, to the same expression when ``expected`` is given."""
    import matcalc

    try:
        back = matcalc.parse(text, shapes)
        used = {n: k for n, k in (kinds or {}).items() if n in back.free}
        if used:
            back = matcalc.parse(text, shapes, symmetric=[n for n, k in used.items() if k == "sym"],
                                 spd=[n for n, k in used.items() if k == "spd"])
    except matcalc.MatcalcError as e:
        raise Bug(f"{what}: the text does not parse back: {text!r}\n{e}") from None
    if used and expected is not None and back != expected:
        raise Bug(f"{what}: parses back to another expression: {text!r}")
    back_value = _eval(back, env, sizes_from(back, env, value.shape, sizes))
    if text == "0" and back_value.shape == (1, 1):  # a zero matrix prints as 0
        back_value = np.zeros(value.shape)
    _close(back_value, value, what, text)


def arrays_for(r, env) -> dict:
    """User-facing arrays: floats for scalars, 1-D vectors, 2-D matrices."""
    out = {}
    for name, a in env.items():
        if name not in r.f.free and name != r.x.name:
            continue
        if a.shape == (1, 1) and _declared_scalar(r, name):
            out[name] = float(a[0, 0])
        elif a.shape[1] == 1 and _declared_vector(r, name):
            out[name] = a[:, 0].copy()
        else:
            out[name] = a.copy()
    return out


def _var_shape(r, name):
    if name == r.x.name:
        return r.x.shape
    return variables(r.f)[name].shape


def _declared_scalar(r, name):
    return _var_shape(r, name) == (1, 1)


def _declared_vector(r, name):
    s = _var_shape(r, name)
    return s[1] == 1 and s[0] != 1


def module_imports(source: str):
    """Every module the source imports (ast Import and ImportFrom nodes)."""
    import ast

    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append(node.module or "")
    return out


def check_numpy_module(r, source: str, env, sizes):
    """The module imports numpy only (and scipy.special where it calls erf or
    erfc: erf, gelu); its parameters are the variables of f by
    name (keywords renamed name_), then keyword-only sizes that no argument
    fixes; it returns what Result.evaluate returns."""
    assert module_imports(source) == ["numpy"] + ["scipy.special"] * ("_scipy_special." in source), source
    namespace: dict = {}
    exec(compile(source, "<matcalc numpy>", "exec"), namespace)  # noqa: S102 - our own generated code
    fn = namespace[r.kind]
    signature = inspect.signature(fn).parameters.values()
    params = [p.name for p in signature if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    dims = [p.name for p in signature if p.kind is inspect.Parameter.KEYWORD_ONLY]
    names = sorted(r.f.free | {r.x.name})
    if len(params) != len(names):
        raise Bug(f"numpy parameters {params} for variables {names}")
    arrays = arrays_for(r, env)
    kwargs = {}
    for p, n in zip(params, names):
        if p != n and p.rstrip("_") != n:
            raise Bug(f"numpy parameter {p!r} for variable {n!r}")
        kwargs[p] = arrays[n]
    for d in dims:
        name = d if d in sizes else d.rstrip("_")
        if name not in sizes:
            raise Bug(f"numpy size parameter {d!r} is no dimension of the result")
        kwargs[d] = sizes[name]
    with np.errstate(all="ignore"):
        got = fn(**kwargs)
        want = r.evaluate(**arrays, **{d: kwargs[d] for d in dims})
    if np.shape(got) != np.shape(want):
        raise Bug(f"numpy module returns shape {np.shape(got)}, evaluate() {np.shape(want)}")
    _close(got, want, "numpy module", source)
