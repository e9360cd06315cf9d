"""LaTeX for amsmath: ^{\\top}, ^{-1}, \\operatorname{tr}, \\odot, \\otimes, \\frac."""
from __future__ import annotations

import re
from fractions import Fraction

from ..functions import LATEX_NAMES as ELEMENTWISE_LATEX
from ..operators import LATEX_NAMES as STRUCTURAL_LATEX
from .base import PREC_ATOM, Printer

GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "pi rho sigma tau upsilon phi varphi chi psi omega".split()
)
UNICODE_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψω", (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega").split()))
ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde", "dot": r"\dot", "check": r"\check"}
# capital Greek: the eleven LaTeX has; the others look like Latin capitals (Α is A)
CAPITAL_GREEK = {name.capitalize(): "\\" + name.capitalize() for name in
                 "gamma delta theta lambda xi pi sigma upsilon phi psi omega".split()}
CAPITAL_GREEK.update(zip("ΓΔΘΛΞΠΣΥΦΨΩ", list(CAPITAL_GREEK.values())))
CAPITAL_GREEK.update((g, r"\mathrm{%s}" % a) for g, a in zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX"))
#: function name -> LaTeX, read from the operator and element-wise tables
OPERATORS = {**STRUCTURAL_LATEX, **ELEMENTWISE_LATEX, "sqrt": "sqrt"}


MATH_ACCENTS = {"\u0301": r"\acute", "\u0300": r"\grave", "\u0302": r"\hat", "\u0303": r"\tilde",
                "\u0308": r"\ddot", "\u0304": r"\bar", "\u030c": r"\check", "\u0306": r"\breve",
                "\u0307": r"\dot", "\u030a": r"\mathring"}


def _accented(stem: str) -> str:
    """A non-ASCII Latin name in ASCII LaTeX: é is \\acute{e}; a letter that is
    no ASCII letter with math accents stays as it is, in \\text."""
    import unicodedata

    out = []
    for ch in stem:
        base, *marks = unicodedata.normalize("NFD", ch)
        if not (base.isascii() and all(m in MATH_ACCENTS for m in marks)):
            return r"\text{" + stem + "}"
        for m in marks:
            base = MATH_ACCENTS[m] + "{" + base + "}"
        out.append(base)
    return out[0] if len(out) == 1 else r"\mathrm{" + "".join(out) + "}"


class LatexPrinter(Printer):
    transpose_token = r"^{\top}"
    hadamard_token = r" \odot "
    ediv_token = r" \oslash "
    latex = True

    def paren(self, text):
        return rf"\left( {text} \right)"

    def fname(self, name):
        base = name.rstrip("'")
        primes = name[len(base):]
        if base in OPERATORS:
            return OPERATORS[base] + primes
        if base in GREEK or base in UNICODE_GREEK:
            return "\\" + UNICODE_GREEK.get(base, base) + primes
        if len(base) == 1:  # f(Z), f'(Z): a one-letter function is italic, like a variable
            return base + primes
        return r"\operatorname{" + base + "}" + primes

    def fn(self, name, *args):
        if name == "sqrt":
            return r"\sqrt{" + args[0] + "}"
        if name == r"\left\|":  # the operator table's spelling of norm
            return r"\left\| " + args[0] + r" \right\|"
        return name + self.paren(", ".join(args))

    def name(self, name):
        braced = re.fullmatch(r"(.+?)(?:_\{([^{}]*)\})?(?:\^\{([^{}]*)\})?", name) if "{" in name else None
        if braced:  # W_{k+1}, {H^{t-1}}: braces keep a later ^{\top} from making a double superscript
            base, sub, sup = braced.groups()
            out = self.name(base) + ("_{" + sub + "}" if sub else "")
            return "{" + out + "^{" + sup + "}}" if sup else out
        m = re.fullmatch(r"([^\W\d_]+?)(\d+|_\w+)?", name)
        stem, sub = (m.group(1), m.group(2)) if m else (name.replace("_", r"\_"), None)  # sum_ is \mathrm{sum\_}
        if stem in GREEK:
            stem = "\\" + stem
        elif stem in UNICODE_GREEK:
            stem = "\\" + UNICODE_GREEK[stem]
        elif stem in CAPITAL_GREEK:
            stem = CAPITAL_GREEK[stem]
        elif not stem.isascii():
            stem = _accented(stem)
        elif len(stem) > 1:
            stem = r"\mathrm{" + stem + "}"
        if sub:
            word = sub.lstrip("_")
            if word in ACCENTS:  # x_hat is \hat{x}
                return ACCENTS[word] + "{" + stem + "}"
            if len(word) > 1 and word.isalpha():  # X_train: an upright word, not t r a i n
                return stem + r"_{\mathrm{" + word + "}}"
            return stem + "_{" + word.replace("_", r"\_") + "}"
        return stem

    def _print_Differential(self, e):
        return r"\mathrm{d}" + self.name(e.var.name), PREC_ATOM

    kron_token = r" \otimes "

    def sized_identity(self, n):
        return "I_{%s}" % n

    def _print_Ones(self, e):
        r, c = e.shape
        return r"\mathbf{1}_{" + (str(r) if c == 1 else f"{r} \\times {c}") + "}", PREC_ATOM

    def _print_Unvec(self, e):
        r, c = e.shape
        return r"\operatorname{unvec}_{" + f"{r},{c}" + "}" + self.paren(self.p(e.arg)[0]), PREC_ATOM

    def join_product(self, parts):
        """Thin spaces set a differential apart: A \\, dX \\, B."""
        out = parts[0]
        for prev, part in zip(parts, parts[1:]):
            thin = part.startswith(r"\mathrm{d}") or prev.startswith(r"\mathrm{d}")
            out += (r" \, " if thin else " ") + part
        return out

    def fraction(self, value: Fraction):
        return r"\frac{%d}{%d}" % (value.numerator, value.denominator)

    def exponent(self, value):
        value = Fraction(value)
        if value.denominator == 1:
            return "{" + str(value.numerator) + "}"
        return "{" + f"{value.numerator}/{value.denominator}" + "}"

    def epow(self, base, exp):
        return base + "^{\\circ " + self.exponent(exp)[1:-1] + "}"

    def divide(self, num, den, den_is_compound):
        return r"\frac{" + num + "}{" + den + "}"

    def sup(self, base, exponent):
        return base + "^" + exponent


def to_latex(e) -> str:
    return LatexPrinter().doprint(e)
