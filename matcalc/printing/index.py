"""Einstein index notation: repeated indices are summed.

    ∂f/∂M_ij = L_ki w_k x_l N_jl          (gradient: G at (i, j))
    ∂C_ij/∂A_kl = δ_ik B_lj               (Jacobian: dF at (i, j), dX_ab -> δ_ak δ_bl)
    ∂²f/∂x_i∂x_k = A_ik + A_ki            (Hessian: both dX of d2f, both ways)

An expression at an index pair becomes a sum of terms; a term is a rational
coefficient and a list of factors: symbols with indices, Kronecker deltas and
functions of inner sums.  A delta with a summed index is contracted away.
A dimension of size 1 carries no index.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product as cartesian
from typing import Optional, Tuple

from ..errors import UnsupportedError
from ..expr import Differential, Expr
from .latex import LatexPrinter, to_latex
from .text import to_text

Ix = Optional[str]


@dataclass
class Sym:
    name: str
    idx: Tuple[str, ...]
    expr: Optional[Expr] = None  # an opaque matrix or scalar, printed whole: (X^{-1})_ik, det(X)


@dataclass
class Delta:
    a: str
    b: str


@dataclass
class OnesMark:
    """An entry of ones(m, n): no factor, but it keeps its indices, so that an
    index summed over ones alone (ones(m, n) ones(n)) is found and counted."""

    idx: Tuple[str, ...]


@dataclass
class Fn:
    """A function of an inner sum at the same indices: tanh'(W_ik x_k)."""

    head: str
    terms: list
    tail: str = ""


class IndexBuilder:
    def __init__(self, reserved):
        self.reserved = set(reserved)
        self.count = 0
        self.dims: dict = {}  # summed index -> its dimension

    def fresh(self) -> str:
        pool = "klpqrstuvabcdegh"
        while True:
            name = pool[self.count] if self.count < len(pool) else f"k{self.count}"
            self.count += 1
            if name not in self.reserved:
                return name

    def dim_index(self, d) -> Ix:
        if d == 1:
            return None
        name = self.fresh()
        self.dims[name] = d
        return name

    def terms(self, e: Expr, idx) -> list:
        """e at (row, col) as [(coeff, [factor, ...]), ...]."""
        method = getattr(self, "_index_" + type(e).__name__, None)
        if method is None:
            raise UnsupportedError(f"no index form for {to_text(e)}")
        return method(e, idx)

    # leaves
    def _index_Num(self, e, idx):
        return [(e.value, [])]

    def _index_Var(self, e, idx):
        return [(Fraction(1), [Sym(e.name, tuple(i for i in idx if i is not None))])]

    def _index_Differential(self, e, idx):
        return [(Fraction(1), [Sym("d" + e.var.name, tuple(i for i in idx if i is not None))])]

    def _index_Identity(self, e, idx):
        return [(Fraction(1), [Delta(*idx)])]

    def _index_Ones(self, e, idx):
        return [(Fraction(1), [OnesMark(tuple(i for i in idx if i is not None))])]

    def _index_Zero(self, e, idx):
        return []

    def _index_Transpose(self, e, idx):
        return self.terms(e.arg, (idx[1], idx[0]))

    # structure
    def _index_Add(self, e, idx):
        return [t for x in e.terms for t in self.terms(x, idx)]

    def _index_MatMul(self, e, idx):
        parts = [[(e.coeff, [])]]
        parts += [self.terms(s, (None, None)) for s in e.scalars]
        if e.chain:
            inner = [self.dim_index(f.shape[1]) for f in e.chain[:-1]]
            bounds = [idx[0]] + inner + [idx[1]]
            parts += [self.terms(f, (bounds[k], bounds[k + 1])) for k, f in enumerate(e.chain)]
        return _multiply(parts)

    def _index_Hadamard(self, e, idx):
        return _multiply([self.terms(f, idx) for f in e.factors])

    def _index_Trace(self, e, idx):
        k = self.fresh()
        return self.terms(e.arg, (k, k))

    def _index_Sum(self, e, idx):
        r, c = e.arg.shape
        return self.terms(e.arg, (self.dim_index(r), self.dim_index(c)))

    def _index_DiagMat(self, e, idx):
        return _multiply([[(Fraction(1), [Delta(*idx)])], self.terms(e.arg, (idx[0], None))])

    def _index_DiagVec(self, e, idx):
        return self.terms(e.arg, (idx[0], idx[0]))

    # opaque functions of their argument
    def _index_Apply(self, e, idx):
        return [(Fraction(1), [Fn(e.fn + "(", self.terms(e.arg, idx), ")")])]

    def _index_EPow(self, e, idx):
        if _expands(e):  # (dX x).^2 in a second differential: a product of copies
            return _multiply([self.terms(e.base, idx) for _ in range(int(e.exp))])
        return [(Fraction(1), [Fn("(", self.terms(e.base, idx), f")^{_exp(e.exp)}")])]

    def _index_Pow(self, e, idx):
        if _expands(e):  # (x^T dx)^2: each copy gets its own summed indices
            return _multiply([self.terms(e.base, (None, None)) for _ in range(int(e.exp))])
        return [(Fraction(1), [Fn("(", self.terms(e.base, (None, None)), f")^{_exp(e.exp)}")])]

    def _opaque(self, e, idx):
        name = "(" + to_text(e) + ")"
        return [(Fraction(1), [Sym(name, tuple(i for i in idx if i is not None), e)])]

    _index_Inverse = _opaque

    def _index_MatPow(self, e, idx):
        if not _expands(e):
            return self._opaque(e, idx)
        n = e.base.shape[0]  # dX^2 = dX dX: a chain with summed inner indices
        bounds = [idx[0]] + [self.dim_index(n) for _ in range(e.exp - 1)] + [idx[1]]
        return _multiply([self.terms(e.base, (bounds[k], bounds[k + 1])) for k in range(e.exp)])

    def _scalar_fn(self, e, idx):
        return [(Fraction(1), [Sym(to_text(e), (), e)])]

    _index_Det = _index_LogDet = _index_Norm = _scalar_fn


def _has_differential(e: Expr) -> bool:
    return isinstance(e, Differential) or any(_has_differential(c) for c in e.children())


def _expands(e) -> bool:
    """A positive integer power of something holding a differential: written out
    as a product, so that every differential gets its own index."""
    p = Fraction(e.exp)
    return p.denominator == 1 and p > 0 and _has_differential(e.base)


def _exp(p: Fraction) -> str:
    return str(p) if p.denominator == 1 else f"({p})"


def _multiply(parts):
    out = []
    for combo in cartesian(*parts):
        coeff = Fraction(1)
        factors = []
        for c, fs in combo:
            coeff *= c
            factors.extend(fs)
        out.append((coeff, factors))
    return out


# --- substitution of differentials and contraction of deltas ------------------------


def _rename(factors, old, new):
    for f in factors:
        if isinstance(f, (Sym, OnesMark)):
            f.idx = tuple(new if i == old else i for i in f.idx)
        elif isinstance(f, Delta):
            f.a, f.b = (new if f.a == old else f.a), (new if f.b == old else f.b)
        else:
            for _, inner in f.terms:
                _rename(inner, old, new)


def _contract(term, free):
    coeff, factors = term
    changed = True
    while changed:
        changed = False
        for f in factors:
            if isinstance(f, Delta):
                if f.a == f.b and f.a not in free:
                    continue
                dummy, keep = (f.b, f.a) if f.b not in free else (f.a, f.b)
                if dummy in free:
                    continue
                factors.remove(f)
                _rename(factors, dummy, keep)
                changed = True
                break
    # a delta between two free indices stays, but the other factors use one name
    # for both (δ_ik exp(X_kl) -> δ_ik exp(X_il)), so that equal terms collect
    for f in [f for f in factors if isinstance(f, Delta) and f.a != f.b]:
        first, second = sorted((f.a, f.b))
        others = [g for g in factors if g is not f]
        _rename(others, second, first)
    return coeff, factors


def _replace_differentials(term, key, targets):
    """Replace the differential factors named key, in order, by deltas to targets."""
    coeff, factors = term
    out, n = [], 0
    for f in factors:
        if isinstance(f, Sym) and f.name == key:
            for a, t in zip(f.idx, targets[n]):
                out.append(Delta(a, t))
            n += 1
        else:
            out.append(f)
    return coeff, out


def _copy(term):
    coeff, factors = term
    return coeff, [_copy_factor(f) for f in factors]


def _copy_factor(f):
    if isinstance(f, Sym):
        return Sym(f.name, f.idx, f.expr)
    if isinstance(f, OnesMark):
        return OnesMark(f.idx)
    if isinstance(f, Delta):
        return Delta(f.a, f.b)
    return Fn(f.head, [_copy(t) for t in f.terms], f.tail)


def _drop_ones(term, free, dims):
    """Remove the entries of ones; an index summed over ones alone counts its
    dimension: ones(m, 3) ones(3) is 3 ones(m)."""
    coeff, factors = term
    marks = [f for f in factors if isinstance(f, OnesMark)]
    rest = [f for f in factors if not isinstance(f, OnesMark)]
    elsewhere = {i for f in rest for i in _indices(f)}
    for i in sorted({i for m in marks for i in m.idx} - elsewhere - set(free)):
        if not isinstance(dims.get(i), int):
            raise UnsupportedError("no index form for a sum over ones whose size is a symbol "
                                   f"({dims.get(i)}): index notation has no dimensions as numbers")
        coeff *= dims[i]
    for f in rest:
        if isinstance(f, Fn):
            for k, inner in enumerate(f.terms):
                f.terms[k] = _drop_ones(inner, free | elsewhere, dims)
    return coeff, rest


# --- rendering ------------------------------------------------------------------------


class Render:
    def __init__(self, latex: bool):
        self.latex = latex

    def sub(self, idx) -> str:
        if not idx:
            return ""
        return "_{" + "".join(idx) + "}" if self.latex else "_" + "".join(idx)

    def indexed(self, base: str, idx) -> str:
        """base with the index subscript; in LaTeX a base with a subscript of its
        own is parenthesised, (H_{1})_{ij}, never the double subscript H_{1}_{ij}."""
        sub = self.sub(idx)
        if sub and self.latex and "_" in base and not base.endswith(")"):
            base = LatexPrinter().paren(base)
        return base + sub

    def name(self, name: str) -> str:
        if not self.latex:
            return name
        if name.startswith("("):
            return LatexPrinter().paren(name[1:-1])
        return LatexPrinter().name(name)

    def factor(self, f) -> str:
        if isinstance(f, Sym):
            if self.latex and f.expr is not None:  # printed by the LaTeX printer, not as text
                body = to_latex(f.expr)
                return self.indexed(LatexPrinter().paren(body) if f.name.startswith("(") else body, f.idx)
            return self.indexed(self.name(f.name), f.idx)
        if isinstance(f, Delta):
            return (r"\delta" if self.latex else "δ") + self.sub(tuple(sorted((f.a, f.b))))
        if not self.latex:
            return f.head + self.terms(f.terms) + f.tail
        # a function f(...) or a power (...)^p of an inner sum
        inner = LatexPrinter().paren(self.terms(f.terms))  # stretched only around a fraction
        opening = "" if f.head == "(" else LatexPrinter().fname(f.head[:-1]) + (r"\!" if inner[0] == "\\" else "")
        sup = ""
        if f.tail.startswith(")^"):
            p = f.tail[2:]
            sup = "^{" + (p[1:-1] if p.startswith("(") and p.endswith(")") else p) + "}"
        return opening + inner + sup

    def term(self, coeff, factors) -> str:
        body = " ".join(self.factor(f) for f in factors)
        c = abs(coeff)
        if c != 1 or not body:
            cs = str(c) if c.denominator == 1 else (r"\frac{%d}{%d}" % (c.numerator, c.denominator)
                                                      if self.latex else f"({c})")
            body = cs + (" " + body if body else "")
        return body

    def terms(self, terms) -> str:
        if not terms:
            return "0"
        out = []
        for k, (coeff, factors) in enumerate(terms):
            text = self.term(coeff, factors)
            if coeff < 0:
                out.append(("-" if k == 0 else " - ") + text)
            else:
                out.append(("" if k == 0 else " + ") + text)
        return "".join(out)


def _free(shape, letters):
    return tuple(None if d == 1 else letters[k] for k, d in enumerate(shape))


def index_form(result, latex: bool = False) -> str:
    """A gradient, Jacobian or Hessian (a derivative.Derivative) in index notation."""
    r = Render(latex)
    x = result.x
    key = "d" + x.name
    if result.kind == "gradient":
        xi = _free(x.shape, "ij")
        b = IndexBuilder({"i", "j"})
        terms = b.terms(result.gradient, xi)
        lhs = _partial(r, "f", None, x.name, xi, latex)
    elif result.kind == "jacobian":
        fi, xi = _free(result.f.shape, "ij"), _free(x.shape, "kl")
        b = IndexBuilder({"i", "j", "k", "l"})
        terms = [_replace_differentials(t, key, [[i for i in xi if i is not None]])
                 for t in b.terms(result.differential, fi)]
        lhs = _partial(r, "F", [i for i in fi if i is not None], x.name, xi, latex)
    else:
        xi, yi = _free(x.shape, "ij"), _free(x.shape, "kl")
        b = IndexBuilder({"i", "j", "k", "l"})
        first = [i for i in xi if i is not None]
        second = [i for i in yi if i is not None]
        terms = []
        for coeff, factors in b.terms(result.differential, (None, None)):
            # d2f = vec(dX)^T H vec(dX): each term gives H half its value each way round
            half = (coeff / 2, factors)
            terms.append(_replace_differentials(_copy(half), key, [first, second]))
            terms.append(_replace_differentials(_copy(half), key, [second, first]))
        lhs = _partial2(r, x.name, xi, yi, latex)
    free = {"i", "j"} if result.kind == "gradient" else {"i", "j", "k", "l"}  # k, l are summed in a gradient
    # terms of an expanded product share factor objects (A_ip in A_ip dX_pq B_qj + A_ip dX_qp B_qj),
    # and contraction renames indices in place: each term gets its own copies first
    terms = [_drop_ones(_contract(_copy(t), free), free, b.dims) for t in terms]
    keep = {i for i in (xi if result.kind == "gradient" else free) if i is not None}  # i, j of a vector: i
    terms = [_canonical_dummies(t, keep, Render(False)) for t in terms]
    return f"{lhs} = {r.terms(_collect(terms, r))}"


DUMMIES = "klpqrstuvabcdegh"


def _indices(f):
    """The indices of a factor in reading order, inside functions too."""
    if isinstance(f, (Sym, OnesMark)):
        return list(f.idx)
    if isinstance(f, Delta):
        return [f.a, f.b]
    return [i for _, inner in f.terms for g in inner for i in _indices(g)]


def _canonical_dummies(term, free, render):
    """Rename the summed indices p, q, r, ... in an order that does not depend on
    their old names (factors sorted as if every summed index were '?'), so that
    terms equal up to renaming print, and collect, alike:
    x_r A_ri x_v A_vk and x_v A_vk x_r A_ri both become x_p A_pi x_q A_qk."""
    coeff, factors = term
    dummies = {i for f in factors for i in _indices(f)} - set(free)
    if not dummies:
        return term

    def masked(f):
        g = _copy_factor(f)
        for d in dummies:
            _rename([g], d, "?")
        return render.factor(g)

    order = []
    for f in sorted(factors, key=masked):
        order.extend(i for i in _indices(f) if i in dummies and i not in order)
    names = [n for n in DUMMIES if n not in free] + [f"k{n}" for n in range(len(order))]
    for n, d in enumerate(order):  # through temporary names, so no rename captures another
        _rename(factors, d, f"#{n}")
    for n in range(len(order)):
        _rename(factors, f"#{n}", names[n])
    return coeff, factors


def _collect(terms, r):
    """Add up terms that render the same."""
    seen: dict = {}
    order = []
    for coeff, factors in terms:
        key = " ".join(sorted(r.factor(f) for f in factors))
        if key not in seen:
            seen[key] = [Fraction(0), factors]
            order.append(key)
        seen[key][0] += coeff
    return [(seen[k][0], seen[k][1]) for k in order if seen[k][0] != 0]


def _partial(r, top, top_idx, x, xi, latex):
    sub = r.sub([i for i in xi if i is not None])
    tsub = r.sub(top_idx) if top_idx else ""
    if latex:
        return r"\frac{\partial %s%s}{\partial %s}" % (top, tsub, r.indexed(r.name(x), [i for i in xi if i]))
    return f"∂{top}{tsub}/∂{x}{sub}"


def _partial2(r, x, xi, yi, latex):
    a = r.sub([i for i in xi if i is not None])
    b = r.sub([i for i in yi if i is not None])
    if not a and not b:  # a scalar variable: ∂²f/∂α²
        return r"\frac{\partial^2 f}{\partial %s^2}" % r.name(x) if latex else f"∂²f/∂{x}²"
    if latex:
        return r"\frac{\partial^2 f}{\partial %s \, \partial %s}" % (
            r.indexed(r.name(x), [i for i in xi if i]), r.indexed(r.name(x), [i for i in yi if i]))
    return f"∂²f/∂{x}{a}∂{x}{b}"
