"""The shared skeleton of the text and LaTeX printers.

Dispatch is on the node class (``_print_<Class>``); parentheses come from one
precedence table, never from the printed string.  A printer method returns
(text, precedence).  Subclasses supply the tokens of their format.
"""
from __future__ import annotations

from fractions import Fraction

from .. import presentation
from ..errors import UnsupportedError
from ..expr import (
    SCALAR, Add, Apply, Commutation, DiagMat, DiagVec, EPow, Hadamard, Identity, Inverse, Kron, MatMul, MatPow,
    Num, Ones, Pow, Transpose, Unvec, Var, Vec,
)
from ..operators import OPERATORS

PREC_ADD, PREC_FROB, PREC_NEG, PREC_MUL, PREC_POW, PREC_ATOM = 10, 12, 15, 20, 30, 40


def decimal(value: Fraction) -> str:
    """The exact decimal of a number whose denominator is 2^a 5^b with a 5 in
    it and at least 100 (0.003, 2500.501: what 1e-3 and 2.5e3 + 0.5 look like
    typed), else ''.  Small denominators stay fractions: x / 2, 3 x / 20."""
    den = value.denominator
    if den < 100 or den % 5:
        return ""
    while den % 5 == 0 or den % 2 == 0:  # what is left besides 2s and 5s must be 1
        den //= 5 if den % 5 == 0 else 2
    if den != 1:
        return ""
    places = 0  # the smallest with value * 10^places whole
    while (value * 10 ** places).denominator != 1:
        places += 1
    text = str(abs(value.numerator) * 10 ** places // value.denominator).rjust(places + 1, "0")
    return ("-" if value < 0 else "") + text[:-places] + "." + text[-places:]


class Printer:
    transpose_token = "^T"
    hadamard_token = " .* "
    ediv_token = " ./ "

    def doprint(self, e) -> str:
        return self.p(e)[0]

    def p(self, e):
        path = self.__dict__.setdefault("_path", [])  # the nodes being printed, root first
        path.append(e)
        try:
            method = getattr(self, "_print_" + type(e).__name__, None)
            if method is None:
                raise UnsupportedError(f"{type(self).__name__} cannot print a {type(e).__name__} node")
            return method(e)
        finally:
            path.pop()

    def wrap(self, e, prec: int) -> str:
        text, own = self.p(e)
        return self.paren(text) if own < prec else text

    # --- hooks a format overrides ------------------------------------------------
    def paren(self, text: str) -> str:
        return f"({text})"

    def fn(self, name: str, *args: str) -> str:
        return f"{name}({', '.join(args)})"

    def fraction(self, value: Fraction) -> str:
        return f"{value.numerator}/{value.denominator}"

    def divide(self, num: str, den: str, den_is_compound: bool) -> str:
        return f"{num} / {self.paren(den) if den_is_compound else den}"

    def sup(self, base: str, exponent: str) -> str:
        return f"{base}^{exponent}"

    def exponent(self, value) -> str:
        value = Fraction(value)
        if value.denominator == 1:
            return str(value.numerator)
        return "(" + self.fraction(value) + ")"

    # --- leaves ---------------------------------------------------------------------
    def _print_Num(self, e):
        v = e.value
        digits = decimal(abs(v))
        if digits:
            return ("-" if v < 0 else "") + digits, PREC_NEG if v < 0 else PREC_ATOM
        if v.denominator == 1:
            return str(v.numerator), PREC_NEG if v < 0 else PREC_ATOM
        return ("-" if v < 0 else "") + self.fraction(abs(v)), PREC_NEG if v < 0 else PREC_MUL

    def _print_Var(self, e):
        return self.name(e.name), PREC_ATOM

    def name(self, name: str) -> str:
        return name

    def _print_Differential(self, e):
        return "d" + self.name(e.var.name), PREC_ATOM

    def _print_Identity(self, e):
        """I where the text fixes its size (X + I, the whole result), else I_n
        (tr(I_n), vec(I_n), exp(alpha I_n)): the text must parse back to
        the same value."""
        return ("I" if _size_fixed(self.__dict__.get("_path") or [e], len(self._path) - 1) else
                self.sized_identity(e.n)), PREC_ATOM

    def _print_Zero(self, e):
        return "0", PREC_ATOM

    def _print_Ones(self, e):
        r, c = e.shape
        return self.fn(self.fname("ones"), *([str(r)] if c == 1 else [str(r), str(c)])), PREC_ATOM

    def fname(self, name: str) -> str:
        return name

    # --- postfix --------------------------------------------------------------------
    def _print_Transpose(self, e):
        return self.wrap(e.arg, PREC_ATOM) + self.transpose_token, PREC_POW

    def inverse_text(self, e) -> str:
        """X^{-1}; X^{-T} for the inverse of X^T, and for a sum of transposes:
        (A + X)^{-T}, not (A^T + X^T)^{-1}."""
        untransposed = presentation.untransposed(e.arg)
        if untransposed is not None:
            return self.sup(self.wrap(untransposed, PREC_ATOM), "{-T}" if not self.latex else "{-\\top}")
        return self.sup(self.wrap(e.arg, PREC_ATOM), "{-1}")

    latex = False
    bar_groups = False  # a division bar groups its numerator (LaTeX's \\frac), so it needs no parenthesis

    def _print_Inverse(self, e):
        return self.inverse_text(e), PREC_POW

    def _print_MatPow(self, e):
        base = e.base
        if isinstance(base, Inverse) and presentation.untransposed(base.arg) is None:
            return self.sup(self.wrap(base.arg, PREC_ATOM), "{-%d}" % e.exp), PREC_POW
        return self.sup(self.wrap(base, PREC_ATOM), self.braced(str(e.exp))), PREC_POW

    def braced(self, text: str) -> str:
        return text if len(text) == 1 else "{" + text + "}"

    def _print_EPow(self, e):
        if e.exp == Fraction(1, 2):
            return self.fn(self.fname("sqrt"), self.p(e.base)[0]), PREC_ATOM
        return self.epow(self.wrap(e.base, PREC_ATOM), e.exp), PREC_POW

    def epow(self, base: str, exp) -> str:
        return f"{base}.^{self.exponent(exp)}"

    def _print_Pow(self, e):
        if e.exp == Fraction(1, 2):
            return self.fn(self.fname("sqrt"), self.p(e.base)[0]), PREC_ATOM
        if e.exp < 0:  # 1 / s^p, the denominator printed as in a product: 1 / (x^T x)
            den = presentation.reciprocal_power(e)
            return self.divide("1", *self._denominator([den])), PREC_MUL
        return self.sup(self.wrap(e.base, PREC_ATOM), self.exponent(e.exp)), PREC_POW

    # --- functions ------------------------------------------------------------------
    def _print_Apply(self, e):
        return self.fn(self.fname(e.fn), self.arg(e.arg)), PREC_ATOM

    def arg(self, e) -> str:
        """A function's argument (an identity in it shows its size unless the
        argument fixes it: see _print_Identity)."""
        return self.p(e)[0]

    def _print_Trace(self, e):
        """tr(P Q^T), and any rotation of it, prints as the Frobenius product P : Q."""
        pair = presentation.frobenius_pair(e)
        if pair is not None:
            return f"{self.wrap(pair[0], PREC_POW)} : {self.wrap(pair[1], PREC_POW)}", PREC_FROB
        return self.fn(self.fname("tr"), self.arg(e.arg)), PREC_ATOM

    def call(self, e):
        """f(A) for a structural function of one argument, named as its operator row says."""
        return self.fn(self.fname(_CALLED[type(e)]), self.arg(e.arg)), PREC_ATOM

    def _print_Unvec(self, e):
        r, c = e.shape
        return self.fn(self.fname("unvec"), self.arg(e.arg), str(r), str(c)), PREC_ATOM

    kron_token = " ⊗ "

    def _print_Kron(self, e):
        return self.kron_token.join(self.kron_factor(f) for f in e.factors), PREC_MUL

    def kron_factor(self, f) -> str:
        """Identities show their size inside a Kronecker product: I_n ⊗ A."""
        if isinstance(f, Identity):
            return self.sized_identity(f.n)
        return self.wrap(f, PREC_POW)

    def sized_identity(self, n) -> str:
        return f"I_{n}" if len(str(n)) == 1 else "I_{%s}" % n

    def _print_Commutation(self, e):
        return "K_{%s,%s}" % (e.m, e.n), PREC_ATOM

    def _print_Hadamard(self, e):
        """A .* B.^-2 prints as A ./ B.^2."""
        shown = presentation
        num = [self.wrap(f, PREC_POW) for f in e.factors if not shown.is_reciprocal(f)]
        den = [self.wrap(shown.reciprocal(f), PREC_POW) for f in e.factors if shown.is_reciprocal(f)]
        text = self.hadamard_token.join(num) if num else "1"
        return "".join([text] + [self.ediv_token + d for d in den]), PREC_MUL

    # --- products and sums ------------------------------------------------------------
    def _denominator(self, den) -> tuple:
        """(text, compound) of the scalar factors under a division bar: one
        factor unwrapped unless it needs a parenthesis after '/' (a sum, an
        inner product), several as a product that does."""
        if len(den) == 1:
            text, prec = self.p(den[0])
            return text, isinstance(den[0], MatMul) or prec < PREC_POW
        return self.join_product([self.scalar_factor(d) for d in den]), True

    def _print_MatMul(self, e):
        coeff = e.coeff
        sign = "-" if coeff < 0 else ""
        coeff = abs(coeff)
        num, den = [], []
        digits = decimal(coeff)
        if digits:
            num.append(digits)
        else:
            if coeff.numerator != 1:
                num.append(str(coeff.numerator))
            if coeff.denominator != 1:
                den.append(presentation.number(coeff.denominator))
        for s in e.scalars:
            if isinstance(s, Pow) and s.exp < 0:
                den.append(presentation.reciprocal_power(s))
            else:
                num.append(self.scalar_factor(s, alone=len(e.scalars) == 1 and not e.chain))
        if sign and not num and not den and len(e.chain) == 1 and isinstance(e.chain[0], Hadamard):
            return sign + self.p(e.chain[0])[0], PREC_NEG  # -(a .* b) = -a .* b
        if not den and not e.chain and len(e.scalars) == 1:  # 2 A : B = (2 A) : B, bilinear
            text, own = self.p(e.scalars[0])
            if own == PREC_FROB:
                return sign + " ".join(num[:-1] + [text]), PREC_FROB
        num.extend(self.wrap(f, PREC_POW) for f in e.chain)
        above = [f for f in e.chain] + [s for s in e.scalars if not (isinstance(s, Pow) and s.exp < 0)]
        if den and self.bar_groups and len(num) == 1 and len(above) == 1:
            num = [self.p(above[0])[0]]  # \frac{A + B}{2}: the bar groups its numerator
        text = self.join_product(num) if num else "1"
        if den:
            text = self.divide(text, *self._denominator(den))
        return sign + text, PREC_NEG if sign else PREC_MUL

    def scalar_factor(self, s, alone: bool = False) -> str:
        """A scalar factor; an inner product is parenthesised unless it stands
        alone after a number (2 x^T A x)."""
        if isinstance(s, MatMul):
            return self.p(s)[0] if alone else self.paren(self.p(s)[0])
        return self.wrap(s, PREC_POW)

    def join_product(self, parts) -> str:
        return " ".join(parts)

    def _print_Add(self, e):
        t = presentation.row_sum(e)  # a row-vector sum reads best as (x - m)^T
        if t is not None:
            return self.paren(self.p(t)[0]) + self.transpose_token, PREC_POW
        out = []
        # positive terms first (x - m, not -m + x); then numbers, products, the rest (1 + W x + b)
        # c ones(m, n) prints as the scalar c only beside a term that fixes the shape (1 + exp(x)),
        # else the sum would read back as a scalar
        broadcast = _broadcast_scalar if any(_broadcast_scalar(t) is t for t in e.terms) else (lambda t: t)
        terms = sorted(e.terms, key=lambda t: (_is_negative(t), _term_class(broadcast(t))))
        for i, t in enumerate(terms):
            t = broadcast(t)
            negative = (isinstance(t, MatMul) and t.coeff < 0) or (isinstance(t, Num) and t.value < 0)
            if negative:
                if isinstance(t, Num):
                    text = self.p(presentation.number(-t.value))[0]
                else:
                    text = self.wrap(presentation.negated(t), PREC_MUL)
                out.append(("-" if i == 0 else " - ") + text)
            else:
                out.append(("" if i == 0 else " + ") + self.wrap(t, PREC_ADD + 1))
        return "".join(out), PREC_ADD


def _determined(e) -> bool:
    """Whether the text of e fixes its shape without help from around it:
    a variable does, a bare I does not, ones(m, n) and K_{m,n} show theirs."""
    if e.shape == SCALAR or isinstance(e, (Var, Ones, Commutation, Unvec)):
        return True
    if isinstance(e, Add):  # c ones(m, n) in a sum prints as the scalar c: it fixes nothing
        return any(_determined(c) for c in e.children() if _broadcast_scalar(c) is c)
    if isinstance(e, Hadamard):
        return any(_determined(c) for c in e.children())
    if isinstance(e, (MatMul, Kron)):
        factors = e.chain if isinstance(e, MatMul) else e.factors
        return bool(factors) and all(_determined(c) for c in factors)
    if isinstance(e, (Transpose, Inverse, MatPow, Apply, EPow, Vec, DiagVec, DiagMat)):
        return _determined(e.children()[0])
    return False


def _size_fixed(path, i) -> bool:
    """Whether the shape of path[i] follows from the text around it: the
    whole printed expression's does (its shape is known, a result's or a
    variable's); a term of a sum or a factor of a Hadamard product takes it
    from a sibling or from the whole; f(A), A^T, A^{-1}, A^k and c A from
    their own node; a function's argument (tr, vec, diag, ...) fixes nothing."""
    node = path[i]
    if i == 0 or node.shape == SCALAR or (not isinstance(node, Identity) and _determined(node)):
        return True
    parent = path[i - 1]
    if isinstance(parent, (Add, Hadamard)):
        siblings = list(parent.children())
        if node in siblings:
            siblings.remove(node)
        if isinstance(parent, Add):
            siblings = [s for s in siblings if _broadcast_scalar(s) is s]
        return any(_determined(s) for s in siblings) or _size_fixed(path, i - 1)
    if isinstance(parent, (Apply, EPow, Transpose, Inverse, MatPow)):
        return _size_fixed(path, i - 1)
    if isinstance(parent, MatMul) and len(parent.chain) == 1 and node in parent.chain:
        return _size_fixed(path, i - 1)
    return False


def _term_class(t) -> int:
    return 0 if isinstance(t, Num) else (1 if isinstance(t, (MatMul, Kron)) else 2)


def _is_negative(t) -> bool:
    return (isinstance(t, MatMul) and t.coeff < 0) or (isinstance(t, Num) and t.value < 0)


_broadcast_scalar = presentation.broadcast_scalar

#: node class -> function name, for the structural functions printed as f(A)
_CALLED = {row.node: row.text for row in OPERATORS if row.text is not None and row.arity == (1, 1)}
for _node in _CALLED:  # tr has a method of its own (P : Q)
    if not hasattr(Printer, "_print_" + _node.__name__):
        setattr(Printer, "_print_" + _node.__name__, Printer.call)
