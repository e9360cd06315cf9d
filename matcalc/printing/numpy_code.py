"""Self-contained NumPy source for a result.

The module imports numpy (as ``_np``), and scipy.special (as
``_scipy_special``) only when it calls erf or erfc (erf, gelu); user names are parameters and
never reach any other position in the code.  A name that is a Python keyword
(``lambda``, ``in``, ``None``) gets trailing underscores until it clashes with
no other name (``lambda_``); user names never start with an underscore, so
``_np``, ``_value`` and ``_dim_n`` cannot clash either.  Every value is a 2-D
array inside the function (vectors are columns, scalars 1 x 1); the return
value has the shape of the result, with vectors 1-D and scalars floats.
Matrix chains are multiplied in the order that costs least when every
symbolic dimension is large (vectors first).
"""
from __future__ import annotations

import keyword
import re
import unicodedata

from .. import build as b
from ..expr import (
    Add, Apply, Commutation, Det, DiagMat, DiagVec, Differential, EPow, Expr, Hadamard, Identity, Inverse, Kron,
    LogDet, MatMul, MatPow, Norm, Num, Ones, Pow, Sum, Trace, Transpose, Unvec, Var, Vec, Zero,
)
from ..functions import numpy_template

BIG = 1000  # the size assumed for a symbolic dimension when ordering products


MODULE_BUILTINS = frozenset({"float"})  # builtins the module refers to (dtype=float): a parameter must not hide them


def _reserved(name: str) -> bool:
    return keyword.iskeyword(name) or name in MODULE_BUILTINS


def spelled(name: str) -> bool:
    """Whether Python reads name as this very identifier (x² is no identifier;
    Python folds ﬁ to fi, so ﬁ and fi would be one parameter)."""
    return name.isidentifier() and unicodedata.normalize("NFKC", name) == name


def escaped(name: str) -> str:
    """An ASCII identifier for any name, one to one: x² -> _u_x_b2_ (the
    prefix keeps it apart from user names, which never start with _)."""
    return "_u_" + "".join(c if c.isascii() and c.isalnum() else ("__" if c == "_" else f"_{ord(c):x}_")
                           for c in name)


def py_name(name: str, taken=()) -> str:
    """A user name as a safe Python identifier: a keyword (or a builtin the
    module uses, float) gets trailing underscores until it is not in
    ``taken`` (the other user names); a name Python cannot spell as written
    is escaped.  Soft keywords (``match``, ``type``) are valid parameter names
    and stay as they are, so they can still be passed by keyword."""
    if not spelled(name):
        return escaped(name)
    if not _reserved(name):
        return name
    out = name + "_"
    while out in taken or _reserved(out):
        out += "_"
    return out


def dim_ident(d: str) -> str:
    """The module's variable for a dimension name: _dim_n."""
    return "_dim_" + (d if d.isascii() and d.isidentifier() else escaped(d))


def py_names(names) -> dict:
    """{user name: Python identifier} for a set of user names, all distinct."""
    names = set(names)
    return {n: py_name(n, names) for n in names}


_NP = re.compile(r"\bnp\.")
_SCIPY = re.compile(r"\bscipy\.special\.")
SCIPY_IMPORT = "import scipy.special as _scipy_special"


def _module_template(fn: str) -> str:
    """The table's NumPy source, written against this module's ``_np`` (and
    ``_scipy_special`` for erf and gelu)."""
    return _SCIPY.sub("_scipy_special.", _NP.sub("_np.", numpy_template(fn)))


# --- costs ----------------------------------------------------------------------------------------
# The work to evaluate an expression is a polynomial in its symbolic
# dimensions ({monomial: coefficient}, a monomial a sorted tuple of names).
# Where the cheapest way depends on sizes known only when the code runs
# (X V - U (V^T V) or (X - U V^T) V: it depends on the rank of U), a cost is
# the least of a few polynomials, and the code chooses when it runs.

SMALL = 16  # a symbolic dimension taken small (a rank, a batch) when ways are compared


def _cost_dim(d) -> int:
    return _value(_pdim(d), {})


def _pdim(d) -> dict:
    if isinstance(d, int):
        return {(): d}
    if isinstance(d, str):
        return {(d,): 1}
    return _pmul(*[_pdim(f) for f in d.factors])


def _pmul(*ps) -> dict:
    out = {(): 1}
    for p in ps:
        product: dict = {}
        for m1, c1 in out.items():
            for m2, c2 in p.items():
                m = tuple(sorted(m1 + m2))
                product[m] = product.get(m, 0) + c1 * c2
        out = product
    return out


def _padd(*ps) -> dict:
    out: dict = {}
    for p in ps:
        for m, c in p.items():
            out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c}


def _value(p: dict, sizes: dict) -> int:
    total = 0
    for m, c in p.items():
        for d in m:
            c *= sizes.get(d, BIG)
        total += c
    return total


def _regimes(polys) -> list:
    """Every symbolic dimension large, then each one small in turn."""
    names = sorted({d for p in polys for m in p for d in m})
    return [{}] + [{d: SMALL} for d in names]


def _least(alternatives: list) -> tuple:
    """The alternatives that are cheapest in some regime, the all-large one first."""
    if len(alternatives) == 1:
        return tuple(alternatives)
    keep = []
    for sizes in _regimes(alternatives):
        best = min(alternatives, key=lambda p: _value(p, sizes))
        if best not in keep:
            keep.append(best)
    return tuple(keep)


def _cadd(*costs) -> tuple:
    """The sum of costs (each the least of its polynomials)."""
    out = ({},)
    for c in costs:
        out = _least([_padd(x, y) for x in out for y in c])
    return out


def cheaper(a: tuple, b: tuple):
    """True when cost a is below cost b at every size, False when never,
    None when it depends on the sizes."""
    verdicts = {min(_value(p, s) for p in a) < min(_value(p, s) for p in b) for s in _regimes(a + b)}
    return verdicts.pop() if len(verdicts) == 1 else None


def _tree_cost(t, dims: list) -> tuple:
    """(first, last, polynomial) of multiplying out a chain-order tree."""
    if isinstance(t, int):
        return t, t, {}
    i, k, left = _tree_cost(t[0], dims)
    _, j, right = _tree_cost(t[1], dims)
    return i, j, _padd(left, right, _pmul(dims[i], dims[k + 1], dims[j + 1]))


def chain_order(shapes, sizes=None):
    """Matrix-chain ordering: a nested tuple of indices of least cost, with
    the symbolic dimensions at the given sizes (default: all large)."""
    n = len(shapes)
    dims = [_value(_pdim(shapes[0][0]), sizes or {})] + [_value(_pdim(s[1]), sizes or {}) for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    def tree(i, j):
        return i if i == j else (tree(i, split[i][j]), tree(split[i][j] + 1, j))
    return tree(0, n - 1)


def chain_orders(shapes) -> list:
    """[(tree, polynomial)]: the orders that are cheapest in some regime of
    sizes (all large first), with the cost of each."""
    dims = [_pdim(shapes[0][0])] + [_pdim(s[1]) for s in shapes]
    out: list = []
    for sizes in _regimes(dims):
        t = chain_order(shapes, sizes)
        if all(t != seen for seen, _ in out):
            out.append((t, _tree_cost(t, dims)[2]))
    least = _least([p for _, p in out])
    return [(t, p) for t, p in out if p in least]


def _last(t) -> int:
    """The index of the last factor of a chain-order tree."""
    while not isinstance(t, int):
        t = t[1]
    return t


def _gcd(p: dict) -> list:
    """The dimensions every monomial of p has, with multiplicity."""
    from collections import Counter

    counts = [Counter(m) for m in p]
    common = counts[0] if counts else Counter()
    for c in counts[1:]:
        common &= c
    return sorted(common.elements())


def _without(monomial: tuple, common: list) -> list:
    """The monomial divided by the common dimensions."""
    out = list(monomial)
    for d in common:
        out.remove(d)
    return out


def _psize(shape) -> dict:
    return _pmul(_pdim(shape[0]), _pdim(shape[1]))


def _size(shape) -> int:
    return _value(_psize(shape), {})


def cost(e: Expr, memo: dict) -> tuple:
    """A rough count of the floating-point work to evaluate e, as the least
    of a few polynomials in the dimensions (products by the cheapest chain
    order; a sum pays for its temporaries)."""
    if e in memo:
        return memo[e]
    parts = [cost(c, memo) for c in e.children()]
    if isinstance(e, MatMul):
        if len(e.chain) > 1:
            parts.append(tuple(p for _, p in chain_orders([f.shape for f in e.chain])))
        parts.append((_pmul(_psize(e.shape), {(): len(e.scalars)}),))
    elif isinstance(e, Add):
        parts.append((_pmul(_psize(e.shape), {(): 2 * (len(e.terms) - 1)}),))
    elif isinstance(e, Inverse):
        parts.append((_pmul(*[_pdim(e.shape[0])] * 3),))
    elif isinstance(e, (Det, LogDet)):
        parts.append((_pmul(*[_pdim(e.arg.shape[0])] * 3),))
    elif not isinstance(e, (Var, Num, Transpose, Differential)):
        parts.append((_psize(e.shape),))
    memo[e] = _cadd(*parts)
    return memo[e]


POSITIVE_FUNCTIONS = {"exp", "sigmoid", "sigmoid'", "softplus", "tanh'"}


def _nonnegative(e: Expr) -> bool:
    """Known >= 0 entry-wise (so that sqrt(d) exists for a rank-k form)."""
    if isinstance(e, Apply):
        return e.fn in POSITIVE_FUNCTIONS
    if isinstance(e, EPow):
        return e.exp.denominator == 1 and e.exp.numerator % 2 == 0
    if isinstance(e, Hadamard):
        return all(_nonnegative(f) for f in e.factors)
    if isinstance(e, MatMul):
        return e.coeff > 0 and not e.chain and all(_nonnegative(f) for f in e.scalars)
    return False


def _literal(value) -> str:
    """A float literal; beyond the float range, _np.inf (float() of a huge Fraction raises)."""
    try:
        return repr(float(value))
    except OverflowError:
        return "_np.inf" if value > 0 else "(-_np.inf)"


class NumpyPrinter:
    def __init__(self, names=None):
        self.dims_used: set = set()
        self.names = dict(names or {})  # user name -> Python identifier
        self.costs: dict = {}
        self.choices: dict = {}  # condition source -> its name, computed from the sizes before the value

    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        if isinstance(d, str):
            self.dims_used.add(d)
            return dim_ident(d)
        return " * ".join(self.dim(f) for f in d.factors)

    def shape(self, shape) -> str:
        return "(" + ", ".join(self.dim(d) for d in shape) + ")"

    def __call__(self, e: Expr) -> str:
        return getattr(self, "_" + type(e).__name__)(e)

    def _Num(self, e):
        return _literal(e.value)

    def _Var(self, e):
        return self.names.get(e.name) or py_name(e.name)

    def _Differential(self, e):
        return "_d_" + e.var.name

    def _Identity(self, e):
        return f"_np.eye({self.dim(e.n)})"

    def _Commutation(self, e):
        m, n = self.dim(e.m), self.dim(e.n)
        return (f"_np.eye({m} * {n})[_np.arange({m} * {n}).reshape(({m}, {n}), order='F')"
                f".reshape(-1)]")

    def _Ones(self, e):
        return f"_np.ones({self.shape(e.shape)})"

    def _Zero(self, e):
        return f"_np.zeros({self.shape(e.shape)})"

    def _Transpose(self, e):
        return f"{self(e.arg)}.T"

    def _Inverse(self, e):
        return f"_np.linalg.inv({self(e.arg)})"

    def _MatPow(self, e):
        return f"_np.linalg.matrix_power({self(e.base)}, {e.exp})"

    def _Apply(self, e):
        template, arg = _module_template(e.fn), self(e.arg)
        if template.count("{0}") > 1 and not arg.isidentifier():  # gelu' reads its argument 3 times
            return f"(lambda _a: {template.format('_a')})({arg})"
        return template.format(arg)

    def _EPow(self, e):
        return f"({self(e.base)} ** {_literal(e.exp)})"

    _Pow = _EPow

    def _DiagMat(self, e):
        return f"_np.diagflat({self(e.arg)})"

    def _DiagVec(self, e):
        return f"_np.diag({self(e.arg)}).reshape(-1, 1)"

    def _Vec(self, e):
        return f"{self(e.arg)}.reshape(-1, 1, order='F')"

    def _Unvec(self, e):
        return f"{self(e.arg)}.reshape({self.shape(e.shape)}, order='F')"

    def _Trace(self, e):
        return f"_np.trace({self(e.arg)})"

    def _Det(self, e):
        return f"_np.linalg.det({self(e.arg)})"

    def _LogDet(self, e):
        return f"_np.linalg.slogdet({self(e.arg)})[1]"

    def _Sum(self, e):
        return f"_np.sum({self(e.arg)})"

    def _Norm(self, e):
        return f"_np.linalg.norm({self(e.arg)})"

    def _Hadamard(self, e):
        return "(" + " * ".join(self(f) for f in e.factors) + ")"

    def _Kron(self, e):
        out = self(e.factors[0])
        for f in e.factors[1:]:
            out = f"_np.kron({out}, {self(f)})"
        return out

    def _MatMul(self, e):
        """(A + B) C runs as A C + B C where that costs less, at every size
        or, when it depends on sizes, by a choice made when the code runs."""
        for i, f in enumerate(e.chain):
            if not isinstance(f, Add):
                continue
            terms = [b.mul(b.num(e.coeff), *e.scalars, *e.chain[:i], t, *e.chain[i + 1:]) for t in f.terms]
            spread = _cadd(*[cost(t, self.costs) for t in terms],
                           (_pmul(_psize(e.shape), {(): 2 * (len(terms) - 1)}),))
            whole = cost(e, self.costs)
            verdict = cheaper(spread, whole)
            if verdict is False:
                continue
            spread_code = "(" + " + ".join(self(t) for t in terms) + ")"
            if verdict:
                return spread_code
            return f"({spread_code} if {self.choice(spread, '<', whole)} else {self._product(e)})"
        return self._product(e)

    def _product(self, e):
        if (len(e.chain) == 3 and isinstance(e.chain[1], DiagMat) and e.chain[0] == b.transpose(e.chain[2])
                and _nonnegative(e.chain[1].arg)):
            # A^T diag(d) A = B^T B with B = sqrt(d) .* A: a symmetric rank-k product
            rank_k = (f"(lambda _b: _b.T @ _b)(_np.sqrt({self(e.chain[1].arg)}) * {self(e.chain[2])})")
            rest = b.mul(b.num(e.coeff), *e.scalars)
            return rank_k if rest == b.num(1) else f"({self(rest)} * {rank_k})"
        parts = []
        if e.coeff != 1:
            parts.append(_literal(e.coeff))
        parts.extend(self(s) for s in e.scalars)
        if e.chain:
            parts.append(self._chain(e.chain))
        return "(" + " * ".join(parts) + ")"

    def _chain(self, chain) -> str:
        """The chain in its cheapest order; where that depends on sizes (U V^T V:
        (U V^T) V, or U (V^T V) when U has few columns), chosen when the code runs."""
        orders = chain_orders([f.shape for f in chain])
        code = self._tree(orders[-1][0], chain)
        for k in range(len(orders) - 2, -1, -1):
            t, p = orders[k]
            rest = [q for _, q in orders[k + 1:]]
            code = f"({self._tree(t, chain)} if {self.choice((p,), '<=', tuple(rest))} else {code})"
        return code

    def choice(self, a: tuple, op: str, b: tuple) -> str:
        """A boolean computed once from the sizes, before the value: the
        name of `cost a op cost b` (_c1, _c2, ...)."""
        if len(a) == len(b) == 1:  # a polynomial inequality: common terms and factors cancel
            diff = _padd(a[0], {m: -k for m, k in b[0].items()})
            common = _gcd(diff)
            diff = {tuple(_without(m, common)): k for m, k in diff.items()}
            text = (f"{self._poly({m: k for m, k in diff.items() if k > 0})} {op} "
                    f"{self._poly({m: -k for m, k in diff.items() if k < 0})}")
        else:
            text = f"{self._cost(a)} {op} {self._cost(b)}"
        if text not in self.choices:
            self.choices[text] = f"_c{len(self.choices) + 1}"
        return self.choices[text]

    def _poly(self, p: dict) -> str:
        terms = [" * ".join([str(k)] * (k != 1) + [self.dim(d) for d in m]) or str(k) for m, k in sorted(p.items())]
        return " + ".join(terms) or "0"

    def _cost(self, c: tuple) -> str:
        return self._poly(c[0]) if len(c) == 1 else "min(" + ", ".join(self._poly(p) for p in c) + ")"

    def _tree(self, t, chain):
        if isinstance(t, int):
            return self(chain[t])
        left, right = t
        if isinstance(left, int) and isinstance(chain[left], Inverse):  # X^{-1} B: a solve
            return f"_np.linalg.solve({self(chain[left].arg)}, {self._tree(right, chain)})"
        if isinstance(right, int) and isinstance(chain[right], Inverse):  # A X^{-1} = (X^{-T} A^T)^T
            return f"_np.linalg.solve({self(chain[right].arg)}.T, {self._tree(left, chain)}.T).T"
        if isinstance(left, int) and isinstance(chain[left], DiagMat):  # diag(d) B: scale the rows
            return f"({self(chain[left].arg)} * {self._tree(right, chain)})"
        if isinstance(right, int) and isinstance(chain[right], DiagMat):  # A diag(d): scale the columns
            return f"({self._tree(left, chain)} * {self(chain[right].arg)}.T)"
        if chain[_last(left)].shape[1] == 1:  # a column times a row: an outer product, by broadcasting
            return f"({self._tree(left, chain)} * {self._tree(right, chain)})"
        return f"({self._tree(left, chain)} @ {self._tree(right, chain)})"

    def _Add(self, e):
        return "(" + " + ".join(self(t) for t in e.terms) + ")"


def _variables(e: Expr, out: dict):
    if isinstance(e, Var):
        out[e.name] = e
    for c in e.children():
        _variables(c, out)
    return out


def function_source(name: str, doc: str, params, result: Expr, out_shape) -> str:
    """A module defining ``def name(params)`` that returns result.  A size
    that no argument fixes (``ones(k)``, or a variable that cancelled out of
    f) becomes a keyword-only parameter named after the dimension."""
    from .cse import common_subexpressions

    names = py_names(p.name for p in params)
    # common subexpressions are computed once, into _t1, _t2, ... (user names
    # never start with an underscore)
    temps, (result,) = common_subexpressions([result], prefix="_t")
    names.update({v.name: v.name for v, _ in temps})
    printer = NumpyPrinter(names)
    temp_lines = [f"    {v.name} = {printer(d)}" for v, d in temps]
    body = printer(result)
    renamed = [f"{names[p.name]} is {p.name}" for p in params if names[p.name] != p.name]
    if renamed:
        doc += " Parameters renamed (Python keywords, or names Python cannot spell): " + ", ".join(renamed) + "."
    dim_lines, dim_params = [], {}
    taken = set(names.values())
    for d in sorted(printer.dims_used):
        src = next(((p, i) for p in params for i, x in enumerate(p.shape) if x == d), None)
        if src is not None:
            dim_lines.append(f"    {dim_ident(d)} = {names[src[0].name]}.shape[{src[1]}]")
            continue
        param = d if spelled(d) else escaped(d)
        while param in taken or _reserved(param):
            param += "_"
        taken.add(param)
        dim_params[d] = param
        dim_lines.append(f"    {dim_ident(d)} = _np.int64({param}).item()")
    if dim_params:
        doc += " Sizes no argument fixes are keyword-only parameters: " + ", ".join(dim_params.values()) + "."
    scipy = any("_scipy_special." in line for line in [*temp_lines, *printer.choices, body])
    if scipy:
        doc += " Needs SciPy (scipy.special: erf, erfc) besides NumPy."
    doc = doc.replace("\\", "\\\\").replace('"', "'")  # the docstring cannot end early
    signature = [names[p.name] for p in params] + (["*", *dim_params.values()] if dim_params else [])
    imports = ["import numpy as _np"] + ([SCIPY_IMPORT] if scipy else [])
    lines = [*imports, "", "", f"def {name}({', '.join(signature)}):", f'    """{doc}"""']
    for p in params:
        n = names[p.name]
        if p.shape == (1, 1):
            lines.append(f"    {n} = _np.asarray({n}, dtype=float).reshape(1, 1)")
        elif p.shape[1] == 1:
            lines.append(f"    {n} = _np.asarray({n}, dtype=float).reshape(-1, 1)")
        else:
            lines.append(f"    {n} = _np.asarray({n}, dtype=float)")
    lines.extend(dim_lines)
    # the ways to evaluate that depend on sizes, chosen once: see NumpyPrinter.choice
    lines.extend(f"    {name} = {text}" for text, name in printer.choices.items())
    lines.extend(temp_lines)
    lines.append(f"    _value = _np.asarray({body}, dtype=float)")
    r, c = out_shape
    if name != "gradient":  # a Jacobian or Hessian is always a 2-D array, as Result.evaluate gives it
        lines.append("    return _value.reshape(1, 1)" if (r, c) == (1, 1) else "    return _value")
    elif (r, c) == (1, 1):
        lines.append("    return _value.item()")
    elif c == 1:
        lines.append("    return _value.reshape(-1)")
    else:
        lines.append("    return _value")
    return "\n".join(lines) + "\n"


def free_parameters(*exprs):
    """The variables of the expressions, sorted by name."""
    out: dict = {}
    for e in exprs:
        _variables(e, out)
    return [out[k] for k in sorted(out)]


