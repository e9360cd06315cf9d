"""Expression nodes: plain immutable data with structural equality.

Every node has a ``shape`` (rows, cols) whose entries are dimensions: a
positive int, a symbolic name (str) or a ``DimProd`` of those.  A scalar is
1 x 1, a column vector n x 1, a row vector 1 x n.  Nodes carry no behaviour:
construction rules live in ``build``, calculus in ``rules``, output in
``printing``.  Only ``build`` should call these constructors directly.
"""
from __future__ import annotations

from fractions import Fraction

from .dims import SCALAR, Dim, DimProd, Shape, dim_mul  # noqa: F401 - re-exported

DIFF = "∂"  # prefix of a differential's name in ``free`` (no variable name can start with it)


class cached_property:  # noqa: N801 - used like functools.cached_property
    """A value computed on first access and stored in the instance's __dict__
    (which then shadows this non-data descriptor).  functools.cached_property
    takes a lock on every first access before Python 3.12: a quarter of a
    small derivation's time went there."""

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class Expr:
    """Base of all nodes: immutable, positional fields named in ``_fields``.
    Equality and hashing go through ``key``, computed once per node.  (Plain
    classes rather than dataclasses: two dozen generated classes cost a
    noticeable share of the command's start-up.)"""

    _fields: tuple = ()
    rank = 0  # orders node classes in canonical sorting

    def __init__(self, *args):
        if len(args) != len(self._fields):
            raise TypeError(f"{type(self).__name__} takes {len(self._fields)} arguments")
        self.__dict__.update(zip(self._fields, args))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def fields(self):
        return tuple(self.__dict__[f] for f in self._fields)

    @cached_property
    def key(self):
        parts = []
        for f in self.fields():
            if isinstance(f, Expr):
                parts.append(f.key)
            elif isinstance(f, tuple):
                parts.append(tuple(x.key if isinstance(x, Expr) else _atom_key(x) for x in f))
            else:
                parts.append(_atom_key(f))
        return (self.rank, tuple(parts))

    @cached_property
    def _hash(self):
        """From the children's cached hashes: hashing the nested key tuple
        would walk the whole tree each time (quadratic in a deep network)."""
        parts = []
        for f in self.fields():
            if isinstance(f, Expr):
                parts.append(f._hash)
            elif isinstance(f, tuple):
                parts.append(tuple(x._hash if isinstance(x, Expr) else _atom_key(x) for x in f))
            else:
                parts.append(_atom_key(f))
        return hash((self.rank, type(self).__name__, tuple(parts)))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, Expr) or type(self) is not type(other):
            return False
        return self._hash == other._hash and self.key == other.key

    def __ne__(self, other):
        return not self.__eq__(other)

    def children(self) -> tuple:
        """The child nodes, computed once (nodes are immutable)."""
        kids = self.__dict__.get("_children")
        if kids is None:
            out = []
            for f in self.fields():
                if isinstance(f, Expr):
                    out.append(f)
                elif isinstance(f, tuple):
                    out.extend(x for x in f if isinstance(x, Expr))
            kids = self.__dict__["_children"] = tuple(out)
        return kids

    @cached_property
    def free(self) -> frozenset:
        """Names of the variables in the expression; a differential dX adds 'dX'."""
        out = frozenset()
        for c in self.children():
            out |= c.free
        return out

    @cached_property
    def has_diff(self) -> bool:
        """Whether a differential dX occurs in the expression."""
        return any(n.startswith(DIFF) for n in self.free)

    @cached_property
    def size(self) -> int:
        return 1 + sum(c.size for c in self.children())

    @property
    def is_scalar(self):
        return self.shape == SCALAR

    #: The readable form used by repr: printing/text.py installs its printer
    #: here when it is imported (expr.py imports no printer); until then, and
    #: if printing fails, repr shows the structure.
    readable = None

    def __repr__(self):
        """<MatMul L^T w x^T N^T>; without a printer, the structure:
        Trace(Var('X', ('n', 'n')))."""
        if Expr.readable is not None:
            try:
                return f"<{type(self).__name__} {Expr.readable(self)}>"
            except Exception:  # repr must never fail
                return f"<{type(self).__name__} {self.fields()!r}>"
        return f"{type(self).__name__}({', '.join(_field_repr(f) for f in self.fields())})"

    #: Jupyter's rich display: matcalc/notebook.py installs its LaTeX-and-text
    #: bundle here when imported (the API imports it); until then, plain text.
    display = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter's display hook: LaTeX and text (see ``display``)."""
        if Expr.display is not None:
            return Expr.display(self)
        return {"text/plain": repr(self)}


def _field_repr(f) -> str:
    if isinstance(f, Fraction):
        return str(f)
    if isinstance(f, tuple):
        return "(" + ", ".join(_field_repr(x) for x in f) + ("," if len(f) == 1 else "") + ")"
    return repr(f)


def _atom_key(x):
    # numbers as (numerator, denominator): a total order is all sorting needs,
    # and hashing Fractions dominated the cost of keys
    if isinstance(x, Fraction):
        return (0, (x.numerator, x.denominator), "")
    if isinstance(x, int):
        return (0, (x, 1), "")
    if isinstance(x, (str, DimProd)):
        return (1, 0, str(x))
    if isinstance(x, tuple):
        return tuple(_atom_key(y) for y in x)
    return (2, 0, repr(x))


# --- leaves -----------------------------------------------------------------


class Num(Expr):
    """A rational scalar constant."""
    _fields = ('value',)
    rank = 0
    shape = SCALAR


class Var(Expr):
    """A named variable of a given shape.  ``kind`` is '' for a general
    variable, 'sym' for a symmetric and 'spd' for a symmetric positive definite
    square matrix (--symmetric, --spd): build.transpose(S) is then S itself."""
    _fields = ('name', 'shape', 'kind')
    rank = 1

    def __init__(self, name, shape, kind=""):
        super().__init__(name, shape, kind)

    @property
    def symmetric(self) -> bool:
        return bool(self.kind)

    @cached_property
    def free(self):
        return frozenset((self.name,))


class Differential(Expr):
    """dX: the differential of a variable; constant for a second differential."""
    _fields = ('var',)
    rank = 2

    @cached_property
    def shape(self):
        return self.var.shape

    @cached_property
    def free(self):
        return frozenset((DIFF + self.var.name,))


class Identity(Expr):
    """The n x n identity matrix I."""
    _fields = ('n',)
    rank = 3

    @cached_property
    def shape(self):
        return (self.n, self.n)


class Ones(Expr):
    """The all-ones matrix (the identity of the Hadamard product)."""
    _fields = ('shape',)
    rank = 4


class Zero(Expr):
    """The zero matrix of a shape."""
    _fields = ('shape',)
    rank = 5


class Commutation(Expr):
    """K_{m,n}: the mn x mn permutation with K vec(A) = vec(A^T) for A m x n."""
    _fields = ('m', 'n')
    rank = 25

    @cached_property
    def shape(self):
        d = dim_mul(self.m, self.n)
        return (d, d)


# --- unary structural -------------------------------------------------------


class Transpose(Expr):
    """A^T; canonical form keeps it on atoms only."""
    _fields = ('arg',)
    rank = 6

    @cached_property
    def shape(self):
        r, c = self.arg.shape
        return (c, r)


class Inverse(Expr):
    """A^{-1} of a square matrix."""
    _fields = ('arg',)
    rank = 7

    @cached_property
    def shape(self):
        return self.arg.shape


class MatPow(Expr):
    """A^k, k >= 2, of a square matrix (A may be an inverse)."""
    _fields = ('base', 'exp')
    rank = 8

    @cached_property
    def shape(self):
        return self.base.shape


class Apply(Expr):
    """An element-wise function f(A) (a scalar function when A is 1 x 1)."""
    _fields = ('fn', 'arg')
    rank = 9

    @cached_property
    def shape(self):
        return self.arg.shape


class EPow(Expr):
    """A.^p, the element-wise power of a non-scalar A."""
    _fields = ('base', 'exp')
    rank = 10

    @cached_property
    def shape(self):
        return self.base.shape


class Pow(Expr):
    """s^p for a scalar s (p rational, not 0 or 1)."""
    _fields = ('base', 'exp')
    rank = 11
    shape = SCALAR


class DiagMat(Expr):
    """diag(v): the diagonal matrix of a column vector."""
    _fields = ('arg',)
    rank = 12

    @cached_property
    def shape(self):
        return (self.arg.shape[0], self.arg.shape[0])


class DiagVec(Expr):
    """diag(A): the column vector of the diagonal of a square matrix."""
    _fields = ('arg',)
    rank = 13

    @cached_property
    def shape(self):
        return (self.arg.shape[0], 1)


class Vec(Expr):
    """vec(A): the columns of A stacked into one column vector."""
    _fields = ('arg',)
    rank = 14

    @cached_property
    def shape(self):
        r, c = self.arg.shape
        return (dim_mul(r, c), 1)


class Unvec(Expr):
    """unvec(v, m, n): the inverse of vec, column-major."""
    _fields = ('arg', 'shape')
    rank = 15


# --- scalar-valued ----------------------------------------------------------


class Trace(Expr):
    """tr(A) of a square matrix."""
    _fields = ('arg',)
    rank = 16
    shape = SCALAR


class Det(Expr):
    """det(A)."""
    _fields = ('arg',)
    rank = 17
    shape = SCALAR


class LogDet(Expr):
    """logdet(A) = log(det(A))."""
    _fields = ('arg',)
    rank = 18
    shape = SCALAR


class Sum(Expr):
    """sum(A): the sum of all entries."""
    _fields = ('arg',)
    rank = 19
    shape = SCALAR


class Norm(Expr):
    """norm(A): Euclidean norm of a vector, Frobenius norm of a matrix."""
    _fields = ('arg',)
    rank = 20
    shape = SCALAR


# --- softmax family -----------------------------------------------------------


def _over_entries(a) -> bool:
    """A column vector: softmax and logsumexp act over its entries, else over each row."""
    return a.shape[1] == 1


class Softmax(Expr):
    """softmax(z) = exp(z) / sum(exp(z)) of a column vector; of a matrix, of each row."""
    _fields = ('arg',)
    rank = 26

    @cached_property
    def shape(self):
        return self.arg.shape


class LogSumExp(Expr):
    """logsumexp(z) = log(sum(exp(z))) of a column vector (a scalar); of a
    matrix, of each row (a column vector with one entry per row)."""
    _fields = ('arg',)
    rank = 27

    @cached_property
    def shape(self):
        return SCALAR if _over_entries(self.arg) else (self.arg.shape[0], 1)


# --- n-ary ------------------------------------------------------------------


class Hadamard(Expr):
    """A .* B .* ...: sorted factors, none scalar, none Ones."""
    _fields = ('factors',)
    rank = 21

    @cached_property
    def shape(self):
        return self.factors[0].shape


class Kron(Expr):
    """kron(A, B, ...): the Kronecker product, no scalar factors."""
    _fields = ('factors',)
    rank = 22

    @cached_property
    def shape(self):
        r, c = 1, 1
        for f in self.factors:
            r, c = dim_mul(r, f.shape[0]), dim_mul(c, f.shape[1])
        return (r, c)


class MatMul(Expr):
    """coeff * (scalar factors) * (chain of non-scalar factors).

    Invariants (kept by build.mul): coeff != 0; scalars are sorted 1 x 1
    non-product factors; the chain has no proper sub-chain that is 1 x 1.
    A 1 x 1 chain with coeff 1 and no scalars is an inner product such as
    x^T A y, stored in the orientation that ``build`` picks as canonical."""
    _fields = ('coeff', 'scalars', 'chain')
    rank = 23

    @cached_property
    def shape(self):
        if not self.chain:
            return SCALAR
        return (self.chain[0].shape[0], self.chain[-1].shape[1])


class Add(Expr):
    """A sum of at least two terms of one shape, like terms collected."""
    _fields = ('terms',)
    rank = 24

    @cached_property
    def shape(self):
        return self.terms[0].shape


ONE = Num(Fraction(1))
