"""SymPy interop: matcalc expressions to SymPy matrix expressions and back.

    >>> import matcalc
    >>> matcalc.to_sympy(matcalc.parse("tr(X^T A X)"))
    Trace(X.T*A*X)

The correspondence, one row per matcalc node (``TO_SYMPY``):

    A (m x n variable)  MatrixSymbol('A', m, n), dimensions are Symbols
    alpha (scalar)      Symbol('alpha')
    A^T, A^{-1}, A^k    Transpose, Inverse, MatPow
    A B, A + B          MatMul, MatAdd (Mul, Add for scalars)
    A .* B, A .^ p      HadamardProduct, HadamardPower
    kron(A, B)          KroneckerProduct
    tr, det, logdet     Trace, Determinant, log(Determinant)
    I, ones, 0          Identity, OneMatrix, ZeroMatrix
    diag(v), diag(A)    DiagMatrix, DiagonalOf
    f(A) element-wise   ElementwiseApplyFunction (A.applyfunc(f)); f(s) for a scalar s
    sum(A)              Trace(OneMatrix(n, m) A)      (the sum of the entries)
    norm(A)             sqrt(Trace(A^T A))            (Frobenius)
    vec, unvec, K_{m,n} Vec, Unvec, CommutationMatrix (defined here: SymPy has none)

A matcalc scalar is a SymPy scalar: an inner product x^T A y (a 1 x 1 matrix in
SymPy) is read out as its entry, ``(x.T*A*y)[0, 0]``.  Element-wise functions
are written with their SymPy definitions from the function table
(``sigmoid`` is ``1/(1 + exp(-x))``); a generic ``f`` is an undefined SymPy
``Function('f')`` and ``f'`` its ``Derivative``.  A differential dX has no SymPy
counterpart: converting one raises UnsupportedError, and so does reading
back any SymPy object without a matcalc counterpart.  Nothing is ever
converted into something with another value.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from . import build as b
from .dims import dim_mul
from .errors import UnsupportedError
from .expr import (
    Add, Apply, Commutation, Det, DiagMat, DiagVec, Differential, DimProd, EPow, Expr, Hadamard, Identity,
    Inverse, Kron, LogDet, MatMul, MatPow, Norm, Num, Ones, Pow, Sum, Trace, Transpose, Var, Zero,
)
from .expr import Unvec as UnvecNode, Vec as VecNode
from .functions import ROWS, TABLE, split_primes

__all__ = ["to_sympy", "from_sympy", "Vec", "Unvec", "CommutationMatrix", "dimension"]


# --- the three matrix expressions SymPy lacks ---------------------------------------------


def _explicit(m):
    return isinstance(m, sp.MatrixBase)


class Vec(MatrixExpr):
    """vec(A): the columns of A stacked into one column (column-major)."""

    def __new__(cls, arg):
        return super().__new__(cls, sp.sympify(arg))

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        r, c = self.arg.shape
        return (r * c, 1)

    def _entry(self, i, j, **kwargs):
        r = self.arg.shape[0]
        return self.arg[i % r, i // r]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        return Vec(arg).as_explicit() if _explicit(arg) else Vec(arg)

    def _latex(self, printer):
        return r"\operatorname{vec}\left(%s\right)" % printer._print(self.arg)


class Unvec(MatrixExpr):
    """unvec(v, m, n): the m x n matrix whose vec is v."""

    def __new__(cls, arg, m, n):
        return super().__new__(cls, sp.sympify(arg), sp.sympify(m), sp.sympify(n))

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return (self.args[1], self.args[2])

    def _entry(self, i, j, **kwargs):
        return self.arg[i + j * self.args[1], 0]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        out = Unvec(arg, *self.args[1:])
        return out.as_explicit() if _explicit(arg) and self.args[1].is_Integer else out

    def _latex(self, printer):
        return r"\operatorname{unvec}_{%s,%s}\left(%s\right)" % (
            printer._print(self.args[1]), printer._print(self.args[2]), printer._print(self.arg))


class CommutationMatrix(MatrixExpr):
    """K_{m,n}: the mn x mn permutation with K vec(A) = vec(A^T) for A m x n."""

    def __new__(cls, m, n):
        return super().__new__(cls, sp.sympify(m), sp.sympify(n))

    @property
    def shape(self):
        m, n = self.args
        return (m * n, m * n)

    def _entry(self, i, j, **kwargs):
        m, n = self.args
        # vec(A^T)[i] = A[i // n, i % n] = vec(A)[i // n + (i % n) m]
        return sp.KroneckerDelta(j, i // n + (i % n) * m)

    def doit(self, **hints):
        return self.as_explicit() if all(a.is_Integer for a in self.args) else self

    def _latex(self, printer):
        return r"K_{%s,%s}" % tuple(printer._print(a) for a in self.args)


# --- dimensions -----------------------------------------------------------------------------


def dimension(d):
    """A matcalc dimension as SymPy: an Integer, a positive integer Symbol, or their product."""
    if isinstance(d, int):
        return sp.Integer(d)
    if isinstance(d, str):
        return sp.Symbol(d, integer=True, positive=True)
    return sp.Mul(*[dimension(f) for f in d.factors])


def _dim_back(d):
    d = sp.sympify(d)
    if d.is_Integer and d > 0:
        return int(d)
    if d.is_Symbol:
        return d.name
    if d.is_Mul:
        out = 1
        for f in d.args:
            out = dim_mul(out, _dim_back(f))
        return out
    if d.is_Pow and d.exp.is_Integer and d.exp > 0:  # n*n is n**2 in SymPy
        out, base = 1, _dim_back(d.base)
        for _ in range(int(d.exp)):
            out = dim_mul(out, base)
        return out
    raise UnsupportedError(f"the dimension {d} is no product of positive integers and names")


# --- element-wise functions -------------------------------------------------------------------

_X = sp.Dummy("x")  # the bound variable of element-wise functions: prints as _x, clashes with no name
# relu'(0) = 0, as the generated NumPy code has it (SymPy's Heaviside(0) is 1/2)
_OVERRIDES = {"relu'": lambda: sp.Heaviside(_X, 0)}
_BODIES: dict = {}


def function_body(fn: str):
    """f(x) as a SymPy expression in the Symbol x: the table's definition, its
    derivative for primes, an undefined Function for a generic name."""
    if fn not in _BODIES:
        base, k = split_primes(fn)
        if fn in _OVERRIDES:
            body = _OVERRIDES[fn]()
        elif fn in TABLE:
            body = sp.sympify(TABLE[fn].sympy, locals={"x": _X})
        elif base in TABLE:
            body = sp.diff(function_body(base), _X, k)
        else:
            f = sp.Function(base)(_X)
            body = sp.Derivative(f, (_X, k)) if k else f
        _BODIES[fn] = body
    return _BODIES[fn]


def _known_functions():
    """{body in x: name} for the table's functions and their first two derivatives."""
    if "known" not in _BODIES:
        names = [row.name for row in ROWS if "'" not in row.name]  # sign(x) is sign, not abs'
        for row in ROWS:
            base, _ = split_primes(row.name)
            names += [row.name, base + "'", base + "''"]
        known = {}
        for name in dict.fromkeys(names):  # first name wins: tanh' before tanh'' ...
            known.setdefault(function_body(name), name)
        _BODIES["known"] = known
    return _BODIES["known"]


def _function_sympy(fn: str):
    """The SymPy function object for an element-wise application: exp itself
    when f is a SymPy function of one argument, else Lambda(x, body)."""
    body = function_body(fn)
    if isinstance(body, sp.Function) and body.args == (_X,) and not isinstance(body, sp.core.function.AppliedUndef):
        return body.func
    return sp.Lambda(_X, body)


# --- matcalc -> SymPy ---------------------------------------------------------------------------


class _ToSympy:
    def __init__(self):
        self.memo: dict = {}

    def __call__(self, e: Expr):
        out = self.memo.get(e)
        if out is None:
            handler = TO_SYMPY.get(type(e))
            if handler is None:
                raise UnsupportedError(f"{type(e).__name__} has no SymPy counterpart")
            out = handler(e, self)
            if e.shape == (1, 1) and isinstance(out, MatrixExpr):
                out = MatrixElement(out, 0, 0)  # a 1 x 1 matrix in SymPy, a scalar in matcalc
            self.memo[e] = out
        return out


def _rational(value: Fraction):
    return sp.Rational(value.numerator, value.denominator)


def _var(e, c):
    if e.shape == (1, 1):
        return sp.Symbol(e.name)
    return sp.MatrixSymbol(e.name, *map(dimension, e.shape))


def _differential(e, c):
    raise UnsupportedError(f"the differential d{e.var.name} has no SymPy counterpart: "
                           "convert a result (r.to_sympy()), not a differential")


def _matmul(e, c):
    scalars = ([] if e.coeff == 1 else [_rational(e.coeff)]) + [c(s) for s in e.scalars]
    if not e.chain:
        return sp.Mul(*scalars)
    chain = [c(f) for f in e.chain]
    if e.shape == (1, 1):  # an inner product times scalars
        return sp.Mul(*scalars, MatrixElement(sp.MatMul(*chain), 0, 0))
    return sp.MatMul(*scalars, *chain)


def _add(e, c):
    terms = [c(t) for t in e.terms]
    return sp.Add(*terms) if e.shape == (1, 1) else sp.MatAdd(*terms)


def _apply(e, c):
    arg = c(e.arg)
    if e.arg.shape == (1, 1):
        body = function_body(e.fn)
        # subs, not xreplace, for f'(u): Derivative(f(x), x) at u is Subs(...), not d/du f(u)
        return body.subs(_X, arg) if body.has(sp.Derivative) else body.xreplace({_X: arg})
    return ElementwiseApplyFunction(_function_sympy(e.fn), arg)


def _sum(e, c):
    r, cols = e.arg.shape
    return sp.Trace(sp.MatMul(sp.OneMatrix(dimension(cols), dimension(r)), c(e.arg)))


def _norm(e, c):
    a = c(e.arg)
    return sp.sqrt(sp.Trace(sp.MatMul(sp.Transpose(a), a)))


#: One row per node class: the SymPy construct that has the same value.
TO_SYMPY = {
    Num: lambda e, c: _rational(e.value),
    Var: _var,
    Differential: _differential,
    Identity: lambda e, c: sp.Identity(dimension(e.n)),
    Ones: lambda e, c: sp.OneMatrix(*map(dimension, e.shape)),
    Zero: lambda e, c: sp.ZeroMatrix(*map(dimension, e.shape)),
    Commutation: lambda e, c: CommutationMatrix(dimension(e.m), dimension(e.n)),
    Transpose: lambda e, c: sp.Transpose(c(e.arg)),
    Inverse: lambda e, c: sp.Inverse(c(e.arg)),
    MatPow: lambda e, c: sp.MatPow(c(e.base), e.exp),
    Apply: _apply,
    EPow: lambda e, c: sp.HadamardPower(c(e.base), _rational(Fraction(e.exp))),
    Pow: lambda e, c: sp.Pow(c(e.base), _rational(Fraction(e.exp))),
    DiagMat: lambda e, c: DiagMatrix(c(e.arg)),
    DiagVec: lambda e, c: DiagonalOf(c(e.arg)),
    VecNode: lambda e, c: Vec(c(e.arg)),
    UnvecNode: lambda e, c: Unvec(c(e.arg), *map(dimension, e.shape)),
    Trace: lambda e, c: sp.Trace(c(e.arg)),
    Det: lambda e, c: sp.Determinant(c(e.arg)),
    LogDet: lambda e, c: sp.log(sp.Determinant(c(e.arg))),
    Sum: _sum,
    Norm: _norm,
    Hadamard: lambda e, c: sp.HadamardProduct(*[c(f) for f in e.factors]),
    Kron: lambda e, c: sp.KroneckerProduct(*[c(f) for f in e.factors]),
    MatMul: _matmul,
    Add: _add,
}


def to_sympy(e, shapes=None):
    """The SymPy expression of a matcalc expression (an Expr, a Result, or a
    text parsed with ``shapes``)."""
    if isinstance(e, str):
        from .frontend import to_expr
        from .frontend.arguments import shapes_with_names, text_argument

        e = to_expr(text_argument(e, "the expression"), shapes_with_names(shapes))[0]
    elif not isinstance(e, Expr) and hasattr(e, "to_sympy"):
        return e.to_sympy()
    if not isinstance(e, Expr):
        raise UnsupportedError(f"to_sympy takes a matcalc expression, not {type(e).__name__}")
    try:
        return _ToSympy()(e)
    except (TypeError, ValueError, sp.matrices.exceptions.ShapeError) as error:  # SymPy refused a construct
        from .printing.text import to_text

        raise UnsupportedError(f"SymPy cannot represent {to_text(e)}: {error}") from None


# --- SymPy -> matcalc -------------------------------------------------------------------------------


def _number(x) -> Expr:
    if x.is_Rational:
        return b.num(Fraction(int(x.p), int(x.q)))
    if x.is_Float:
        return b.num(Fraction(str(x)))  # the decimal SymPy shows, exactly
    raise UnsupportedError(f"the number {x} is not rational")


def _exponent(p):
    p = sp.sympify(p)
    if not p.is_Rational:
        raise UnsupportedError(f"the exponent {p} is not a rational number")
    return Fraction(int(p.p), int(p.q))


def _elementwise_name(fn) -> str:
    """The matcalc name of a SymPy element-wise function (a class or a Lambda)."""
    d = sp.Dummy("d")
    body = fn(d)
    known = _known_functions()
    probe = body.xreplace({d: _X})
    if probe in known:
        return known[probe]
    if isinstance(probe, sp.core.function.AppliedUndef) and probe.args == (_X,):
        return probe.func.__name__
    if isinstance(probe, sp.Derivative) and isinstance(probe.expr, sp.core.function.AppliedUndef) \
            and probe.expr.args == (_X,) and all(v == _X for v, _ in probe.variable_count):
        return probe.expr.func.__name__ + "'" * sum(int(k) for _, k in probe.variable_count)
    return ""


def _table_function(x):
    """(name, u) when the scalar x is a table function's definition at u
    (1/(1 + exp(-u)) is sigmoid(u)), else None."""
    u = sp.Wild("u")
    for body, name in _known_functions().items():
        if type(body) is not type(x) or body.is_Function or name not in TABLE:
            continue
        try:
            match = x.match(body.xreplace({_X: u}))
        except Exception:  # noqa: BLE001 - SymPy's matcher fails on some matrix entries: no match
            continue
        if match and u in match and match[u] != x and body.xreplace({_X: match[u]}) == x:
            return name, match[u]
    return None


class _FromSympy:
    def __call__(self, x) -> Expr:
        if isinstance(x, (sp.Add, sp.Mul, sp.Pow)) and not isinstance(x, MatrixExpr):
            found = _table_function(x)
            if found is not None:
                return b.apply(found[0], self(found[1]))
        for cls in type(x).__mro__:
            handler = FROM_SYMPY.get(cls)
            if handler is not None:
                return handler(x, self)
        if isinstance(x, sp.core.function.AppliedUndef):
            return b.apply(x.func.__name__, self._one(x))
        raise UnsupportedError(f"from_sympy: {type(x).__name__} ({x}) has no matcalc counterpart")

    def _one(self, x):
        if len(x.args) != 1:
            raise UnsupportedError(f"from_sympy: {x} takes {len(x.args)} arguments; matcalc's functions take one")
        return self(x.args[0])

    def elementwise(self, body, d, arg: Expr) -> Expr:
        """A Lambda body in d read as an element-wise expression of arg."""
        if body == d:
            return arg
        if not body.has(d):
            if body.is_number:
                return b.mul(_number(body), b.ones(arg.shape))
            return b.mul(self(body), b.ones(arg.shape))
        name = _elementwise_name(sp.Lambda(d, body)) if body.is_Function or body.is_Derivative else ""
        if name:
            return b.apply(name, arg)
        if body.is_Add:
            return b.add(*[self.elementwise(t, d, arg) for t in body.args])
        if body.is_Mul:
            return b.hadamard(*[self.elementwise(f, d, arg) for f in body.args])
        if body.is_Pow:
            return b.epow(self.elementwise(body.base, d, arg), _exponent(body.exp))
        if body.is_Function and len(body.args) == 1:
            name = _scalar_function_name(body)
            if name:
                return b.apply(name, self.elementwise(body.args[0], d, arg))
        raise UnsupportedError(f"from_sympy: the element-wise function {body} (of {d}) is not one matcalc has")


def _scalar_function_name(x) -> str:
    return SCALAR_FUNCTIONS.get(x.func, "")


#: SymPy's functions that are rows of the element-wise table
SCALAR_FUNCTIONS = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tanh: "tanh", sp.Abs: "abs",
                    sp.sign: "sign", sp.tan: "tan", sp.asin: "arcsin", sp.acos: "arccos", sp.atan: "arctan",
                    sp.sinh: "sinh", sp.cosh: "cosh", sp.erf: "erf"}


def _matrix_symbol(x, c):
    return Var(x.name, (_dim_back(x.shape[0]), _dim_back(x.shape[1])))


def _symbol(x, c):
    if not x.is_commutative:
        raise UnsupportedError(f"from_sympy: the non-commutative symbol {x} is no scalar")
    return Var(x.name, (1, 1))


def _mul(x, c):
    return b.mul(*[c(f) for f in x.args])


def _add_back(x, c):
    return b.add(*[c(t) for t in x.args])


def _pow(x, c):
    base, p = x.args
    if base == sp.E:
        return b.apply("exp", c(p))
    if p == sp.Rational(1, 2) and isinstance(base, sp.Trace):  # sqrt(tr(A^T A)) = norm(A)
        inner = base.arg
        if isinstance(inner, sp.MatMul) and len(inner.args) == 2 and inner.args[0] == sp.Transpose(inner.args[1]):
            return b.norm(c(inner.args[1]))
    return b.power(c(base), _exponent(p))


def _matpow(x, c):
    base, k = x.args
    k = _exponent(k)
    if k.denominator != 1:
        raise UnsupportedError(f"from_sympy: the matrix power {x} has a fractional exponent")
    a = c(base)
    k = int(k)
    if k < 0:
        a, k = b.inverse(a), -k
    return b.identity(a.shape[0]) if k == 0 else (a if k == 1 else b.matpow(a, k))


def _trace(x, c):
    inner = x.arg
    if isinstance(inner, sp.MatMul) and len(inner.args) == 2 and isinstance(inner.args[0], sp.OneMatrix):
        a = c(inner.args[1])  # tr(ones(n, m) A) = sum(A)
        return b.esum(a)
    return b.trace(c(inner))


def _log(x, c):
    (arg,) = x.args
    if isinstance(arg, sp.Determinant):
        return b.logdet(c(arg.arg))
    return b.apply("log", c(arg))


def _matrix_element(x, c):
    m, i, j = x.args
    if m.shape != (1, 1) or i != 0 or j != 0:
        raise UnsupportedError(f"from_sympy: the matrix entry {x} is not the entry of a 1 x 1 matrix")
    return c(m)


def _apply_function(x, c):
    arg = c(x.expr)
    name = _elementwise_name(x.function)
    if name:
        return b.apply(name, arg)
    d = sp.Dummy("d")
    return c.elementwise(x.function(d), d, arg)


def _derivative(x, c):
    f = x.expr
    if isinstance(f, sp.core.function.AppliedUndef) and len(f.args) == 1 \
            and all(v == f.args[0] for v, _ in x.variable_count) and f.args[0].is_Symbol:
        k = sum(int(n) for _, n in x.variable_count)
        return b.apply(f.func.__name__ + "'" * k, c(f.args[0]))
    raise UnsupportedError(f"from_sympy: the derivative {x} is not f'(s) of a generic function")


def _subs(x, c):
    """f'(u) for a compound u: Subs(Derivative(f(x), x), x, u)."""
    expr, (var,), (point,) = x.args
    if isinstance(expr, sp.Derivative):
        name = _elementwise_name(sp.Lambda(var, expr))
        if name:
            return b.apply(name, c(point))
    raise UnsupportedError(f"from_sympy: {x} is not f'(s) of a generic function")


def _max(x, c):
    args = [a for a in x.args if a != 0]
    if len(x.args) == 2 and len(args) == 1:
        return b.apply("relu", c(args[0]))
    raise UnsupportedError(f"from_sympy: {x} is not max(s, 0)")


def _heaviside(x, c):
    if len(x.args) == 2 and x.args[1] != 0:
        raise UnsupportedError(f"from_sympy: {x} has value {x.args[1]} at 0; matcalc's relu' has 0")
    if len(x.args) == 1:
        raise UnsupportedError(f"from_sympy: {x} is 1/2 at 0; write Heaviside(s, 0) for matcalc's relu'")
    return b.apply("relu'", c(x.args[0]))


def _kind(name):
    return lambda x, c: b.apply(name, c._one(x))


def _kron_back(x, c):
    return b.kron(*[c(f) for f in x.args])


#: One row per SymPy class (looked up along the class's MRO).
FROM_SYMPY = {
    sp.MatrixSymbol: _matrix_symbol,
    sp.Symbol: _symbol,
    sp.Number: lambda x, c: _number(x),
    type(sp.E): lambda x, c: b.apply("exp", b.num(1)),  # e = exp(1), as matcalc writes it
    sp.Mul: _mul,
    sp.MatMul: _mul,
    sp.Add: _add_back,
    sp.MatAdd: _add_back,
    sp.Pow: _pow,
    sp.MatPow: _matpow,
    sp.Transpose: lambda x, c: b.transpose(c(x.arg)),
    sp.Inverse: lambda x, c: b.inverse(c(x.arg)),
    sp.Trace: _trace,
    sp.Determinant: lambda x, c: b.det(c(x.arg)),
    sp.HadamardProduct: lambda x, c: b.hadamard(*[c(f) for f in x.args]),
    sp.HadamardPower: lambda x, c: b.epow(c(x.base), _exponent(x.exp)),
    sp.KroneckerProduct: _kron_back,
    sp.Identity: lambda x, c: b.identity(_dim_back(x.rows)),
    sp.OneMatrix: lambda x, c: b.ones((_dim_back(x.rows), _dim_back(x.cols))),
    sp.ZeroMatrix: lambda x, c: b.zero((_dim_back(x.rows), _dim_back(x.cols))),
    DiagMatrix: lambda x, c: b.diag_mat(c(x.args[0])),
    DiagonalOf: lambda x, c: b.diag_vec(c(x.arg)),
    Vec: lambda x, c: b.vec(c(x.arg)),
    Unvec: lambda x, c: b.unvec(c(x.arg), (_dim_back(x.args[1]), _dim_back(x.args[2]))),
    CommutationMatrix: lambda x, c: b.commutation(*map(_dim_back, x.args)),
    MatrixElement: _matrix_element,
    ElementwiseApplyFunction: _apply_function,
    sp.exp: _kind("exp"),
    sp.log: _log,
    sp.sin: _kind("sin"),
    sp.cos: _kind("cos"),
    sp.tanh: _kind("tanh"),
    sp.Abs: _kind("abs"),
    sp.sign: _kind("sign"),
    sp.tan: _kind("tan"),
    sp.asin: _kind("arcsin"),
    sp.acos: _kind("arccos"),
    sp.atan: _kind("arctan"),
    sp.sinh: _kind("sinh"),
    sp.cosh: _kind("cosh"),
    sp.erf: _kind("erf"),
    sp.Max: _max,
    sp.Heaviside: _heaviside,
    sp.Derivative: _derivative,
    sp.Subs: _subs,
}


def from_sympy(x) -> Expr:
    """The matcalc expression of a SymPy matrix or scalar expression; a SymPy
    object without a matcalc counterpart raises UnsupportedError."""
    from .errors import MatcalcError

    x = sp.sympify(x)
    try:
        return _FromSympy()(x)
    except MatcalcError:
        raise
    except (TypeError, ValueError, AssertionError, AttributeError) as error:
        raise UnsupportedError(f"from_sympy: cannot read {x}: {error}") from None
