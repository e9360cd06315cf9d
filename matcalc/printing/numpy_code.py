"""Self-contained source for a result, for NumPy, JAX or PyTorch (one
printer, the backend a row of backends.py; the functions a result gets are
chosen in codegen.py).

Readable: a formula longer than LIMIT characters is cut by naming its longest
operands (_t1, _t2, ... in the order they are computed), parentheses come
from each node's precedence (Code.prec), and size-dependent choices become
``if _c1:`` statements when a branch needs lines of its own.

The module imports numpy (as ``_np``), and modules beyond the array library
only when it uses them (scipy.special for erf and gelu: backends.Backend.modules,
named in the function's docstring); user names are parameters and
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
from dataclasses import dataclass

from .. import build as b
from ..expr import Add, Apply, DiagMat, Differential, EPow, Expr, Hadamard, Inverse, MatMul, Num, Transpose, Var
from ..functions import GIVES_POSITIVE_OUTPUT
from ..walk import method
from .costs import _cadd, _gcd, _last, _padd, _pmul, _psize, _without, chain_orders, cheaper, cost


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








def _nonnegative(e: Expr) -> bool:
    """Known >= 0 entry-wise (so that sqrt(d) exists for a rank-k form)."""
    if isinstance(e, Apply):
        return e.fn in GIVES_POSITIVE_OUTPUT
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


# --- the printer ------------------------------------------------------------------------------------
# Every print method returns Code: the text and the precedence of its outermost
# operator, so that a parent adds parentheses exactly where Python needs them.
# A formula longer than LIMIT is cut by naming its longest operands (_t1, _t2,
# ... in the order they are computed), so that each line holds one short formula.

ATOM, POW, UNARY, MUL, ADD, EXPR, COND = 100, 90, 80, 70, 60, 11, 10
LIMIT = 72  # characters of one formula before its longest operand gets a name
_NAME = re.compile(r"-?[A-Za-z_][A-Za-z_0-9]*(\.T)?|[0-9.e+-]+")
_TEMP = re.compile(r"\b_tmp(\d+)_\b")


class Code(str):
    """Source text that knows the precedence of its outermost operator."""

    prec = ATOM


def code(text: str, prec: int = ATOM) -> Code:
    c = Code(text)
    c.prec = prec
    return c


def _prec(c) -> int:
    return getattr(c, "prec", ATOM)


def wrap(c, prec: int, strict: bool = False) -> str:
    """c in parentheses where an operator of precedence prec needs them."""
    p = _prec(c)
    return f"({c})" if p < prec or (strict and p == prec) else str(c)


def _template_code(template: str) -> Code:
    """A table template's text, its outer parentheses (if one pair encloses it all) dropped."""
    if template.startswith("("):
        depth = 0
        for i, ch in enumerate(template):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0:
                if i == len(template) - 1:
                    return code(template[1:-1], EXPR)
                break
    return code(template, ATOM)


class NumpyPrinter:
    """Source for one backend (NumPy, JAX, PyTorch: see backends.py); methods
    ``_print_<Class>``, one per node class."""

    def __init__(self, names=None, backend="numpy", like="_like"):
        from .backends import backend as _backend

        self.bk = _backend(backend)
        self.p = self.bk.prefix
        self.like = like
        self.dims_used: set = set()
        self.names = dict(names or {})  # user name -> Python identifier
        self.costs: dict = {}
        self.choices: dict = {}  # condition source -> its name, computed from the sizes before the value
        self.lines: list = []  # the statements of the block being written
        self.temps = 0
        self.depth = 0  # inside how many size-dependent branches
        self.hoist_to = None  # for an operator: the block outside the closure
        self.direction = None  # ... and the name of the closure's argument
        self.hoisted: dict = {}

    # -- statements --
    def fresh(self) -> str:
        self.temps += 1
        return f"_tmp{self.temps}_"

    def bind(self, c) -> Code:
        """c computed into a named temporary (a name stays as it is)."""
        if _NAME.fullmatch(c):
            return c if isinstance(c, Code) else code(c)
        name = self.fresh()
        self.lines.append(f"{name} = {c}")
        return code(name)

    def compose(self, parts, build) -> Code:
        """build(texts) of the operands [(Code, precedence, strict)], naming the
        longest operand while the formula is longer than LIMIT."""
        codes = [c for c, _, _ in parts]
        while True:
            text, prec = build([wrap(c, p, s) for c, (_, p, s) in zip(codes, parts)])
            if len(text) <= LIMIT:
                return code(text, prec)
            long = [i for i, c in enumerate(codes) if not _NAME.fullmatch(c)]
            if not long:
                return code(text, prec)
            i = max(long, key=lambda k: len(codes[k]))
            codes[i] = self.bind(codes[i])

    def call(self, fn: str, *args) -> Code:
        return self.compose([(self(a) if isinstance(a, Expr) else a, 0, False) for a in args],
                            lambda t: (f"{fn}({', '.join(t)})", ATOM))

    def branch(self, cond: str, then, other) -> Code:
        """`then() if cond else other()`; as an if statement when a branch needs lines of its own."""
        saved = self.lines
        self.depth += 1
        self.lines = []
        a = then()
        la = self.lines
        self.lines = []
        c = other()
        lc = self.lines
        self.lines = saved
        self.depth -= 1
        text = f"{wrap(a, COND, True)} if {cond} else {wrap(c, COND)}"
        if not la and not lc and len(text) <= LIMIT:
            return code(text, COND)
        name = self.fresh()
        self.lines.append(f"if {cond}:")
        self.lines.extend("    " + line for line in la + [f"{name} = {a}"])
        self.lines.append("else:")
        self.lines.extend("    " + line for line in lc + [f"{name} = {c}"])
        return code(name)

    # -- sizes --
    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        if isinstance(d, str):
            self.dims_used.add(d)
            return dim_ident(d)
        return " * ".join(self.dim(f) for f in d.factors)

    def shape(self, shape) -> str:
        return "(" + ", ".join(self.dim(d) for d in shape) + ")"

    def create(self) -> str:
        return self.bk.create.format(like=self.like)

    # -- dispatch --
    def __call__(self, e: Expr) -> Code:
        if (self.hoist_to is not None and self.depth == 0 and not (self.direction & e.free)
                and not isinstance(e, (Var, Num, Differential)) and not _trivial_transpose(e)):
            # an operator's closure: what does not depend on V is computed once, outside
            if e not in self.hoisted:
                saved, inner = self.lines, self.hoist_to
                self.lines, self.hoist_to = inner, None
                try:
                    self.hoisted[e] = self.bind(self(e))
                finally:
                    self.lines, self.hoist_to = saved, inner
            return self.hoisted[e]
        c = method(self, "_print_", e)(e)  # a node without a method: UnsupportedError, not AttributeError
        return c if isinstance(c, Code) else code(c)

    def _print_Num(self, e):
        text = _literal(e.value).replace("_np.", self.p + ".").strip("()")
        return code(text, UNARY if text.startswith("-") else ATOM)

    def _print_Var(self, e):
        return self.names.get(e.name) or py_name(e.name)

    def _print_Differential(self, e):
        return "_d_" + e.var.name

    def _print_Identity(self, e):
        return f"{self.p}.eye({self.dim(e.n)}{self.create()})"

    def _print_Commutation(self, e):
        m, n = self.dim(e.m), self.dim(e.n)
        order = self.bind(code(f"{self.p}.arange({m} * {n}).reshape({n}, {m}).T.reshape(-1)"))
        return f"{self.p}.eye({m} * {n}{self.create()})[{order}]"

    def _print_Ones(self, e):
        return f"{self.p}.ones({self.shape(e.shape)}{self.create()})"

    def _print_Zero(self, e):
        return f"{self.p}.zeros({self.shape(e.shape)}{self.create()})"

    def _print_Transpose(self, e):
        return self.compose([(self(e.arg), ATOM, False)], lambda t: (f"{t[0]}.T", ATOM))

    def _print_Inverse(self, e):
        return self.call(f"{self.p}.linalg.inv", e.arg)

    def _print_MatPow(self, e):
        return self.call(f"{self.p}.linalg.matrix_power", e.base, code(str(e.exp)))

    def _print_Apply(self, e):
        from ..functions import numpy_template

        
        template = self.bk.fn(e.fn, numpy_template(e.fn))
        if "-({0})" in template and isinstance(e.arg, MatMul) and e.arg.coeff < 0:  # -(-a) is a
            template = template.replace(", -({0})", ", {0}").replace("(-({0})", "({0}").replace("-({0})", "({0})")
            arg = self._print_MatMul(e.arg, negate=True)
        else:
            arg = self(e.arg)
        if template.count("{0}") > 1:
            arg = self.bind(arg)
        # the operand's context in the template: a call's argument, a negation, a factor
        if "-({0})" in template:
            template, need, strict = template.replace("-({0})", "-{0}"), UNARY, True
        elif re.search(r"(\w\(|, |[^\w]\()\{0\}(\)|,)", template):
            need, strict = 0, False
        elif "* {0}" in template and "{0} *" not in template and "{0}*" not in template:
            need, strict = MUL, True
        else:
            need, strict = ATOM, False
        template = template.replace("(({0}))", "({0})")
        whole = _template_code(template)

        def build(t):
            tpl = template
            if _NAME.fullmatch(t[0]):  # a name needs no grouping parentheses
                tpl = re.sub(r"(?<![\w.])\(\{0\}\)", "{0}", tpl)
            return str(_template_code(tpl.format(t[0]))), whole.prec

        return self.compose([(arg, need, strict)], build)

    def _print_EPow(self, e):
        return self.compose([(self(e.base), ATOM, False), (code(_literal(e.exp)), 0, False)],
                            lambda t: (f"{t[0]} ** {t[1]}", POW))

    _print_Pow = _print_EPow

    def _print_DiagMat(self, e):
        return self.call(f"{self.p}.diagflat", e.arg)

    def _print_DiagVec(self, e):
        c = self.call(f"{self.p}.diag", e.arg)
        return code(f"{c}.reshape(-1, 1)")

    def _print_Vec(self, e):
        return self.compose([(self(e.arg), ATOM, False)], lambda t: (self.bk.vec.format(t[0]), ATOM))

    def _print_Unvec(self, e):
        shape = self.shape(e.shape)
        rshape = ", ".join(self.dim(d) for d in reversed(e.shape))
        return self.compose([(self(e.arg), ATOM, False)],
                            lambda t: (self.bk.unvec.format(t[0], shape=shape, rshape=rshape), ATOM))

    def _print_Trace(self, e):
        return self.call(f"{self.p}.trace", e.arg)

    def _print_Det(self, e):
        return self.call(f"{self.p}.linalg.det", e.arg)

    def _print_LogDet(self, e):
        return self.compose([(self(e.arg), 0, False)], lambda t: (self.bk.logdet.format(t[0], p=self.p), ATOM))

    def _print_Sum(self, e):
        return self.call(f"{self.p}.sum", e.arg)

    def _print_Softmax(self, e):
        return self.call("_softmax", e.arg, code("0" if e.arg.shape[1] == 1 else "1"))

    def _print_LogSumExp(self, e):
        c = self.call("_logsumexp", e.arg, code("0" if e.arg.shape[1] == 1 else "1"))
        if e.shape == (1, 1):  # over a vector's entries, or a row vector's one row: a scalar
            return code(f"{c}.reshape(())")
        return c

    def _print_Norm(self, e):
        return self.call(f"{self.p}.linalg.norm", e.arg)

    def _print_Hadamard(self, e):
        if self.hoist_to is not None and self.depth == 0:  # in an operator: the factors free of V together, once
            fixed = [f for f in e.factors if not (self.direction & f.free)]
            if 2 <= len(fixed) < len(e.factors):
                rest = [f for f in e.factors if self.direction & f.free]
                return self._times([self(b.hadamard(*fixed))] + [self(f) for f in rest])
        return self._times([self(f) for f in e.factors])

    def _times(self, codes, op: str = "*") -> Code:
        parts = [(c, MUL, i > 0) for i, c in enumerate(codes)]
        return self.compose(parts, lambda t: (f" {op} ".join(t), MUL))

    def _print_Kron(self, e):
        out = self(e.factors[0])
        for f in e.factors[1:]:
            out = self.call(self.bk.kron.format(p=self.p), out, f)
        return out

    def _print_MatMul(self, e, negate: bool = False):
        """(A + B) C runs as A C + B C where that costs less, at every size
        or, when it depends on sizes, by a choice made when the code runs."""
        for i, f in enumerate(e.chain):
            if not isinstance(f, Add):
                continue
            coeff = -e.coeff if negate else e.coeff
            terms = [b.mul(b.num(coeff), *e.scalars, *e.chain[:i], t, *e.chain[i + 1:]) for t in f.terms]
            spread = _cadd(*[cost(t, self.costs) for t in terms],
                           (_pmul(_psize(e.shape), {(): 2 * (len(terms) - 1)}),))
            whole = cost(e, self.costs)
            verdict = cheaper(spread, whole)
            if verdict is False:
                continue
            if verdict:
                return self._sum(terms)
            return self.branch(self.choice(spread, '<', whole), lambda: self._sum(terms),
                               lambda: self._product(e, negate))
        return self._product(e, negate)

    def _product(self, e, negate: bool = False):
        coeff = -e.coeff if negate else e.coeff
        if (len(e.chain) == 3 and isinstance(e.chain[1], DiagMat) and e.chain[0] == b.transpose(e.chain[2])
                and _nonnegative(e.chain[1].arg)):
            # A^T diag(d) A = B^T B with B = sqrt(d) .* A: a symmetric rank-k product
            root = self.call(f"{self.p}.sqrt", e.chain[1].arg)
            rows = self.bind(self._times([root, self(e.chain[2])]))
            last = code(f"{rows}.T @ {rows}", MUL)
        elif e.chain:
            last = self._chain(e.chain)
        else:
            last = None
        items = [self(s) for s in e.scalars] + ([last] if last is not None else [])
        if abs(coeff) != 1 or not items:
            items.insert(0, self._print_Num(b.num(coeff)))
        elif coeff == -1:
            items[0] = self.compose([(items[0], UNARY, True)], lambda t: (f"-{t[0]}", UNARY))
        return items[0] if len(items) == 1 else self._times(items)

    def _chain(self, chain) -> Code:
        """The chain in its cheapest order; where that depends on sizes (U V^T V:
        (U V^T) V, or U (V^T V) when U has few columns), chosen when the code runs."""
        orders = chain_orders([f.shape for f in chain])

        def from_(k):
            if k == len(orders) - 1:
                return self._tree(orders[k][0], chain)
            t, p = orders[k]
            rest = tuple(q for _, q in orders[k + 1:])
            return self.branch(self.choice((p,), '<=', rest), lambda: self._tree(t, chain), lambda: from_(k + 1))

        return from_(0)

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

    def _tree(self, t, chain) -> Code:
        if isinstance(t, int):
            return self(chain[t])
        left, right = t
        linalg = f"{self.p}.linalg"
        if isinstance(left, int) and isinstance(chain[left], Inverse):  # X^{-1} B: a solve
            return self.call(f"{linalg}.solve", chain[left].arg, self._tree(right, chain))
        if isinstance(right, int) and isinstance(chain[right], Inverse):  # A X^{-1} = (X^{-T} A^T)^T
            return self.compose([(self(chain[right].arg), ATOM, False), (self._tree(left, chain), ATOM, False)],
                                lambda t: (f"{linalg}.solve({t[0]}.T, {t[1]}.T).T", ATOM))
        if isinstance(left, int) and isinstance(chain[left], DiagMat):  # diag(d) B: scale the rows
            return self._times([self(chain[left].arg), self._tree(right, chain)])
        if isinstance(right, int) and isinstance(chain[right], DiagMat):  # A diag(d): scale the columns
            return self.compose([(self._tree(left, chain), MUL, False), (self(chain[right].arg), ATOM, False)],
                                lambda t: (f"{t[0]} * {t[1]}.T", MUL))
        if chain[_last(left)].shape[1] == 1:  # a column times a row: an outer product, by broadcasting
            return self._times([self._tree(left, chain), self._tree(right, chain)])
        if (self.bk.transposed_left and isinstance(left, int) and isinstance(chain[left], Transpose)
                and chain[left].shape[0] != 1):  # a matrix transposed (a row x^T costs nothing)
            return self.compose([(self(chain[left].arg), ATOM, False), (self._tree(right, chain), ATOM, False)],
                                lambda t: (self.bk.transposed_left.format(t[0], t[1]), ATOM))
        return self._times([self._tree(left, chain), self._tree(right, chain)], "@")

    def _print_Add(self, e):
        return self._sum(e.terms)

    def _sum(self, terms) -> Code:
        """a + b - c: a term with a negative coefficient is subtracted."""
        parts, ops = [], []
        for i, t in enumerate(terms):
            minus = i > 0 and isinstance(t, MatMul) and t.coeff < 0
            parts.append((self._print_MatMul(t, negate=True) if minus else self(t), ADD, i > 0))
            ops.append(" - " if minus else " + ")
        return self.compose(parts, lambda t: ("".join(op + x for op, x in zip(ops, t))[3:], ADD))


def _trivial_transpose(e) -> bool:
    return isinstance(e, Transpose) and isinstance(e.arg, (Var, Num))



# --- modules ----------------------------------------------------------------------------------------


@dataclass
class Spec:
    """One function of a generated module.  returns: [(expr, how)] with how
    'value' (a scalar), 'like' (shaped like the printed result: float, 1-D or
    2-D) or 'matrix' (always 2-D); direction: V, the first (positional)
    parameter; operator: the function returns a closure of V instead."""

    name: str
    doc: str
    params: list
    returns: list
    direction: Var = None
    operator: bool = False
    outs: list = None   # the names of the returned values (default _value, _gradient)
    pack: tuple = None  # how they are returned: indices into returns, nested tuples for
                        # nested tuples ((0, (1, 2)) returns f, (G1, G2)); default: in order


def _packed(pack, items) -> str:
    """The return expression: pack's indices replaced by items, tuples nested."""
    def one(p):
        if isinstance(p, int):
            return items[p]
        return "(" + ", ".join(one(q) for q in p) + ("," if len(p) == 1 else "") + ")"

    return ", ".join(one(p) for p in pack)


def _convert(bk, n: str, shape) -> str:
    arr = bk.convert.format(n)
    if shape == (1, 1):
        return f"{n} = {arr}.reshape(1, 1)"
    if shape[1] == 1:
        return f"{n} = {arr}.reshape(-1, 1)"
    return f"{n} = {arr}"


def _shaped(bk, value: str, how: str, shape) -> str:
    if how == "value" or (how == "like" and shape == (1, 1)):
        return bk.item.format(value)
    if how == "like" and shape[1] == 1:
        return f"{value}.reshape(-1)"
    if how == "matrix" and shape == (1, 1):
        return f"{value}.reshape(1, 1)"
    return value


def _long_line(head: str, text: str, width: int = 92) -> str:
    """head + text, broken inside parentheses at spaces where longer than width."""
    if len(head) + len(text) <= width:
        return head + text
    lines, line = [], head + "("
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = " " * (len(head) + 5)
        line += word + " "
    return "\n".join(lines + [line.rstrip() + ")"])


def _docstring(doc: str, indent: str) -> list:
    import textwrap

    doc = doc.replace("\\", "\\\\").replace('"', "'")  # the docstring cannot end early
    paragraphs = doc.split("\n")
    lines = []
    for para in paragraphs:
        lines.extend(textwrap.wrap(para, 96 - len(indent), break_long_words=False, break_on_hyphens=False) or [""])
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}'] + [f"{indent}{x}" if x else "" for x in lines[1:]] + [f'{indent}"""']


def function_lines(spec: Spec, backend="numpy") -> list:
    from .backends import backend as _backend
    from .cse import common_subexpressions

    bk = _backend(backend)
    params = spec.params
    names = py_names(p.name for p in params)
    if spec.direction is not None:
        names[spec.direction.name] = spec.direction.name
    like = names[params[0].name] if params else "_like"
    printer = NumpyPrinter(names, bk, like)
    roots = [r for r, _ in spec.returns]
    temps, roots = common_subexpressions(roots, prefix="_t", taken=set(names) | set(names.values()))
    for v, _ in temps:
        printer.names[v.name] = printer.fresh()
    outer = printer.lines
    direction = spec.direction.name if spec.direction is not None else None
    inner = [] if spec.operator else outer
    varying = {direction}  # V and the temporaries that depend on it
    for v, d in temps:
        if varying & d.free:
            varying.add(v.name)
    for v, d in temps:  # those free of V first (outside an operator's closure), in dependency order
        if not (spec.operator and v.name in varying):
            c = printer(d)
            outer.append(f"{printer.names[v.name]} = {c}")
    if spec.operator:
        printer.lines, printer.hoist_to, printer.direction = inner, outer, varying
        for v, d in temps:
            if v.name in varying:
                c = printer(d)
                inner.append(f"{printer.names[v.name]} = {c}")
    outs = spec.outs or (["_value"] if len(roots) == 1 else ["_value", "_gradient"])
    indent = "        " if spec.operator else "    "
    for out, root in zip(outs, roots):
        c = printer(root)
        line = f"{out} = " + bk.out.format(c, like=like)
        if len(line) + len(indent) > 95:
            c = printer.bind(c)
            line = f"{out} = " + bk.out.format(c, like=like)
        printer.lines.append(line)
    shaped = [_shaped(bk, out, how, r.shape) for out, (r, how) in zip(outs, spec.returns)]
    results = ", ".join(shaped) if spec.pack is None else _packed(spec.pack, shaped)
    printer.hoist_to = None

    renamed = [f"{names[p.name]} is {p.name}" for p in params if names[p.name] != p.name]
    doc = spec.doc
    if renamed:
        doc += " Parameters renamed (Python keywords, or names Python cannot spell): " + ", ".join(renamed) + "."
    dim_lines, dim_params = [], {}
    taken = set(names.values())
    for d in sorted(printer.dims_used):
        src = next(((p, i) for p in params for i, x in enumerate(p.shape) if x == d), None)
        if src is not None:
            dim_lines.append(f"{dim_ident(d)} = {names[src[0].name]}.shape[{src[1]}]")
            continue
        param = d if spelled(d) else escaped(d)
        while param in taken or _reserved(param):
            param += "_"
        taken.add(param)
        dim_params[d] = param
        dim_lines.append(f"{dim_ident(d)} = _np.int64({param}).item()")
    if dim_params:
        doc += " Sizes no argument fixes are keyword-only parameters: " + ", ".join(dim_params.values()) + "."
    for *_, note in bk.used_modules("\n".join([*printer.choices, *outer, *inner])):
        doc += ("\n" + note) if note else ""
    signature = ([direction] if direction and not spec.operator else []) + [names[p.name] for p in params]
    signature += ["*", *dim_params.values()] if dim_params else []
    lines = [f"def {spec.name}({', '.join(signature)}):", *_docstring(doc, "    ")]
    body = []
    if direction and not spec.operator:
        body.append(_convert(bk, direction, spec.direction.shape))
    body.extend(_convert(bk, names[p.name], p.shape) for p in params)
    body.extend(dim_lines)
    # the ways to evaluate that depend on sizes, chosen once: see NumpyPrinter.choice
    body.extend(_long_line(f"{name} = ", text) for text, name in printer.choices.items())
    body.extend(outer)
    if spec.operator:
        body.append("")
        body.append(f"def _product({direction}):")
        body.append(f'    """H[{direction}]: the Hessian applied to {direction} (shaped like the variable)."""')
        body.append("    " + _convert(bk, direction, spec.direction.shape))
        body.extend("    " + x for x in inner)
        body.append(f"    return {results}")
        body.append("")
        body.append("return _product")
    else:
        body.append(f"return {results}")
    lines.extend(("    " + x) if x else "" for x in body)
    # temporaries numbered in the order they are computed
    order: dict = {}
    for x in lines:
        m = re.match(r"\s*(_tmp\d+_) = ", x)
        if m and m.group(1) not in order:
            order[m.group(1)] = f"_t{len(order) + 1}"
    return [_TEMP.sub(lambda m: order.get(m.group(0), m.group(0)), x) for x in lines]


def module_source(specs, backend="numpy", doc: str = "") -> str:
    """A module: the backend's imports, its helpers, then one function per spec."""
    from .backends import backend as _backend

    bk = _backend(backend)
    functions = []
    for spec in specs:
        functions += ["", "", *function_lines(spec, bk)]
    imports = list(bk.imports) + [line for _, _, line, _ in bk.used_modules("\n".join(functions))]
    lines = (_docstring(doc, "") if doc else []) + imports
    if bk.prelude:
        lines += ["", "", *bk.prelude]
    helpers = bk.helper_lines("\n".join(functions))  # softmax, logsumexp: only when called
    if helpers:
        lines += ["", "", *helpers]
    return "\n".join(lines + functions) + "\n"


def function_source(name: str, doc: str, params, result: Expr, out_shape, backend="numpy") -> str:
    """A module defining ``def name(params)`` that returns result.  A size
    that no argument fixes (``ones(k)``, or a variable that cancelled out of
    f) becomes a keyword-only parameter named after the dimension."""
    how = "like" if name == "gradient" else "matrix"
    return module_source([Spec(name, doc, list(params), [(result, how)])], backend)
