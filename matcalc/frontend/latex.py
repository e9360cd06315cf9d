r"""LaTeX input: LaTeX source as written in papers -> matcalc's text language.

The translation keeps, for every character of the text it writes, the
position of the LaTeX it came from, so a syntax or shape error points its
caret at the user's LaTeX.  ``parse_latex`` translates, parses the text with
the ordinary grammar and moves every span of the syntax tree back onto the
LaTeX, so the rest of the pipeline (shapes, errors, hints) reads the LaTeX as
its source.

What is read (see docs/language.md, "LaTeX input"):

- names: single letters (``Ax`` is ``A x``, as TeX sets it), Greek macros
  (``\Sigma`` is ``Sigma``, ``\lambda`` is ``lambda``), fonts that do not
  change the name (``\mathbf{x}``, ``\boldsymbol{\Sigma}``, ``\bm{W}``,
  ``\textbf{A}``, ``\mathrm{xhat}`` for a word), accents (``\hat{x}`` is
  ``x_hat``), subscripts (``W_1``, ``W_{2}`` is ``W_2``, ``X_{\mathrm{train}}``
  is ``X_train``, ``W_{k+1}`` stays ``W_{k+1}``) and superscript indices
  (``H^{t-1}``, ``W^{(l)}``: any superscript that is not a transpose, a number
  or an inverse becomes part of the name);
- operators ``+ - : \cdot \times \odot \circ \oslash \otimes``, ``\frac``
  (``\tfrac \dfrac``), ``\sqrt``, ``^{\top}`` and its spellings, ``^{-1}``,
  ``^{-\top}``, ``^{\circ 2}``, ``\langle A, B \rangle``;
- delimiters ``( ) [ ] { }`` with ``\left \right \bigl \bigr ...``, norms
  ``\|x\|``, ``\lVert x \rVert``, ``\|x\|_2``, ``\|X\|_F``;
- functions ``\operatorname{tr}``, ``\mathrm{Tr}``, ``\text{tr}``, ``\det``,
  ``\log\det``, ``\log``, ``\exp``, ... with or without parentheses
  (``\log\det\Sigma``), ``\sigma(\cdot)``-style generic functions, and
  ``\mathbf{1}`` (the ones vector) and ``\mathbf{I}`` (the identity).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..errors import ParseError

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi varphi chi psi omega").split()
CAPITAL_GREEK = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
GREEK_MACROS = {g: g for g in GREEK + CAPITAL_GREEK}
GREEK_MACROS.update({"varsigma": "sigma", "varrho": "rho", "varpi": "pi", "ell": "l", "imath": "i", "jmath": "j"})

# fonts and styles that keep the name: \mathbf{x} is x
NAME_FONTS = {"mathbf", "boldsymbol", "bm", "textbf", "mathit", "mathnormal", "pmb", "bold", "mathbfit",
              "symbf", "symbfit", "symit", "mathsf", "mathbb", "vb", "vec", "mathrm", "text", "textrm",
              "textit", "operatorname", "mathup", "symrm", "textsf", "mathtt"}
# \mathrm{word} and friends: a word is one name (or a function); in \mathbf{Ax} each letter is one
WORD_FONTS = {"mathrm", "text", "textrm", "textit", "operatorname", "mathup", "symrm", "textsf", "mathtt",
              "mathsf"}
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
           "widetilde": "tilde", "dot": "dot", "check": "check"}
SPACES = {",", ";", ":", ">", " ", "quad", "qquad", "thinspace", "medspace", "thickspace", "enspace",
          "nobreakspace", "space"}
NEGATIVE_SPACES = {"!", "negthinspace", "negmedspace", "negthickspace"}
SIZED_SIDES = {"l": "open", "r": "close", "m": None, "": None}
OPERATORS = {"cdot": "*", "times": "*", "ast": "*", "odot": ".*", "circ": ".*", "oslash": "./",
             "otimes": "⊗", "div": "/", "colon": ":", "bullet": "*"}
# LaTeX's own function macros: \log x, \det X
FUNCTION_MACROS = {"log": "log", "ln": "log", "exp": "exp", "det": "det", "sin": "sin", "cos": "cos",
                   "tanh": "tanh", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "arcsin": "arcsin",
                   "arccos": "arccos", "arctan": "arctan", "tr": "tr", "Tr": "tr", "trace": "tr",
                   "diag": "diag", "logdet": "logdet", "sgn": "sign", "erf": "erf"}
UNSUPPORTED = {
    "sum": "a sum with limits: write sum(...) of a vector or matrix, or \\mathbf{1}^\\top x",
    "prod": "a product with limits", "int": "an integral", "partial": "a derivative sign",
    "nabla": "a derivative sign", "max": "max (not supported)", "min": "min (not supported)",
    "arg": "arg", "lim": "a limit", "sup": "sup", "inf": "inf", "mathcal": "a calligraphic name",
    "mathscr": "a script name", "mathfrak": "a fraktur name", "in": "a set membership",
    "le": "an inequality", "leq": "an inequality", "ge": "an inequality", "geq": "an inequality",
    "approx": "an approximation", "propto": "proportionality", "to": "an arrow", "mapsto": "an arrow",
    "rightarrow": "an arrow", "sim": "a distribution", "mid": "a conditional bar", "vert": "|...|",
    "lvert": "|...| (absolute value or determinant: write \\det(X) or \\operatorname{abs}(x))",
    "rvert": "|...| (absolute value or determinant: write \\det(X) or \\operatorname{abs}(x))",
    "dots": "dots", "ldots": "dots", "cdots": "dots", "binom": "a binomial coefficient",
    "begin": "an environment (matrices written entry by entry)", "end": "an environment",
    "label": "a label", "tag": "a tag", "over": "\\over (write \\frac)",
}
STYLE_SWITCHES = {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits"}
TRANSPOSE_MARKS = {"top", "intercal", "T", "mathsf{T}", "mathrm{T}", "text{T}", "textsf{T}",
                   "mathsf{\\top}", "bot"}


def _keywords():
    from ..parser import KEYWORDS

    return set(KEYWORDS)


@dataclass
class Tok:
    kind: str  # cmd (control word or symbol), letter, digit, char, space, eof
    text: str
    start: int
    end: int


def tokenize(source: str) -> List[Tok]:
    out, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            j = i + 1
            if j < n and source[j].isascii() and source[j].isalpha():
                while j < n and source[j].isascii() and source[j].isalpha():
                    j += 1
                out.append(Tok("cmd", source[i + 1:j], i, j))
            elif j < n:
                out.append(Tok("cmd", source[j], i, j + 1))
                j += 1
            else:
                raise ParseError("a lone backslash at the end", source, i)
            i = j
        elif ch.isspace() or ch == "~":
            j = i
            while j < n and (source[j].isspace() or source[j] == "~"):
                j += 1
            out.append(Tok("space", " ", i, j))
            i = j
        elif ch.isdigit() and ch.isascii():
            out.append(Tok("digit", ch, i, i + 1))
            i += 1
        elif ch.isalpha() and ch != "ᵀ":
            out.append(Tok("letter", ch, i, i + 1))
            i += 1
        else:
            out.append(Tok("char", ch, i, i + 1))
            i += 1
    out.append(Tok("eof", "", n, n))
    return out


@dataclass
class Seg:
    text: str
    start: int
    end: int


class Name:
    """A name being read: its text-language spelling and source span."""

    def __init__(self, stem: str, start: int, end: int):
        self.stem, self.sub, self.sup, self.start, self.end = stem, "", "", start, end

    def spelling(self) -> str:
        sub = self.sub
        out = self.stem
        if sub:
            out += "_" + sub if re.fullmatch(r"\w+", sub) else "_{" + sub + "}"
        if self.sup:
            out += "^{" + self.sup + "}"
        return out


class Translator:
    def __init__(self, source: str):
        self.source = source
        self.toks = tokenize(source)
        self.i = 0
        self.keywords = _keywords()
        self.euclidean: set = set()  # where the norms written \|x\|_2 start: vectors only

    # --- tokens -------------------------------------------------------------------------------
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def skip_space(self):
        while self.tok.kind == "space" or (self.tok.kind == "cmd" and (self.tok.text in SPACES or
                                                                       self.tok.text in NEGATIVE_SPACES or
                                                                       self.tok.text in STYLE_SWITCHES)):
            self.i += 1

    def error(self, message: str, tok: Optional[Tok] = None):
        tok = tok or self.tok
        return ParseError(message, self.source, tok.start)

    def is_cmd(self, *names) -> bool:
        return self.tok.kind == "cmd" and self.tok.text in names

    def is_char(self, *chars) -> bool:
        return self.tok.kind == "char" and self.tok.text in chars

    # --- the expression ---------------------------------------------------------------------------
    def translate(self) -> List[Seg]:
        segs = self.sequence(stop=())
        if self.tok.kind != "eof":
            t = self.tok
            raise self.error(f"unexpected {t.text if t.kind != 'cmd' else chr(92) + t.text!r}")
        return segs

    def sequence(self, stop) -> List[Seg]:
        """Atoms and operators up to a token in ``stop`` (not consumed).  As in
        papers, \\odot, \\circ, \\oslash and \\otimes bind more loosely than a
        product: a \\odot B c is a .* (B c), so their operands are parenthesised."""
        out: List[Seg] = []
        run: List[Seg] = []  # the current product: the operand of a Hadamard or Kronecker product
        state = {"wrap_next": False}
        operand = False  # the last thing was an operand (a norm bar then closes)

        def flush(wrap: bool = False):
            content = [x for x in run if x.text.strip()]
            if content and (wrap or state["wrap_next"]):
                out.append(Seg("(", content[0].start, content[0].start))
                out.extend(run)
                out.append(Seg(")", content[-1].end, content[-1].end))
            else:
                out.extend(run)
            run.clear()
            state["wrap_next"] = False

        def finish():
            flush()
            return out

        while True:
            t = self.tok
            if t.kind == "eof":
                return finish()
            if t.kind == "space":
                run.append(Seg(" ", t.start, t.end))
                self.next()
                continue
            if t.kind == "cmd" and (t.text in SPACES or t.text in STYLE_SWITCHES):
                run.append(Seg(" ", t.start, t.end))
                self.next()
                continue
            if t.kind == "cmd" and t.text in NEGATIVE_SPACES:
                self.next()
                continue
            if self._stops(stop, operand):
                return finish()
            if t.kind == "char" and t.text in "}":
                raise self.error("unexpected '}' (no '{' to close)")
            if t.kind == "char" and t.text in ")]":
                raise self.error(f"unexpected {t.text!r} (no opening parenthesis)")
            if t.kind == "char" and t.text in ".," and self._trailing(self.i + 1):
                self.next()  # the full stop or comma that ends a displayed formula
                continue
            if t.kind == "char" and t.text in "+-−,:" and (operand or t.text in ",:"):
                flush()
                out.append(Seg(t.text, t.start, t.end))
                self.next()
                operand = False
                continue
            if t.kind == "char" and t.text in "+-−*/":
                run.append(Seg(t.text, t.start, t.end))
                self.next()
                operand = False
                continue
            if t.kind == "char" and t.text == ".":
                nxt = self.toks[self.i + 1]
                if nxt.kind == "char" and nxt.text in "*/^":
                    if nxt.text == "^":  # X.^2, as in the text language
                        self.next()
                        self.next()
                        run.append(Seg(".^", t.start, nxt.end))
                        run.extend(self.plain_exponent())
                        continue
                    flush(wrap=True)
                    out.append(Seg(" ." + nxt.text + " ", t.start, nxt.end))
                    state["wrap_next"] = True
                    self.i += 2
                    operand = False
                    continue
                raise self.error("unexpected '.'")
            if (t.kind == "char" and t.text in "∘⊙⊗") or (t.kind == "cmd" and t.text in OPERATORS
                                                        and OPERATORS[t.text] in (".*", "./", "⊗")):
                flush(wrap=True)
                out.append(Seg(" " + (OPERATORS[t.text] if t.kind == "cmd" else t.text) + " ", t.start, t.end))
                state["wrap_next"] = True
                self.next()
                operand = False
                continue
            if t.kind == "char" and t.text == "·":
                run.append(Seg(t.text, t.start, t.end))
                self.next()
                operand = False
                continue
            if t.kind == "cmd" and t.text in OPERATORS:
                if not operand and t.text == "cdot":
                    raise self.error("\\cdot with no left operand: a placeholder such as \\sigma(\\cdot) names a "
                                     "function and is no expression; give its argument")
                run.append(Seg(" " + OPERATORS[t.text] + " ", t.start, t.end))
                self.next()
                operand = False
                continue
            if t.kind == "char" and t.text == "=":
                raise self.error("an equation ('=') is not an expression: give the right-hand side only")
            run.extend(self.atom())
            operand = True

    def _trailing(self, j: int) -> bool:
        while self.toks[j].kind == "space":
            j += 1
        return self.toks[j].kind == "eof"

    def _stops(self, stop, operand: bool) -> bool:
        t = self.tok
        for s in stop:
            if s == "norm":
                if operand and self.norm_bar() == "bar":
                    return True
            elif s == "rangle":
                if t.kind == "cmd" and t.text in ("rangle", "right"):
                    if t.text == "rangle" or self._delim_after(self.i) == ("cmd", "rangle"):
                        return True
            elif s == "right":
                if t.kind == "cmd" and (t.text == "right" or _sized(t.text) == "close" or
                                        _sized(t.text) is None and self._delim_after(self.i)[1] in (")", "]")):
                    return True
            elif t.kind == "char" and t.text == s:
                return True
        return False

    def _delim_after(self, j: int):
        j += 1
        while self.toks[j].kind == "space":
            j += 1
        return self.toks[j].kind, self.toks[j].text

    def norm_bar(self) -> Optional[str]:
        """'bar' when the current token is a norm bar (\\|, ||, \\Vert, ‖, \\lVert,
        \\rVert, or one after \\left, \\right, \\bigl, ...), 'open' or 'close' when it says so."""
        t = self.tok
        if t.kind == "cmd" and t.text in ("|", "Vert"):
            return "bar"
        if t.kind == "cmd" and t.text == "lVert":
            return "open"
        if t.kind == "cmd" and t.text == "rVert":
            return "bar"
        if t.kind == "char" and t.text == "‖":
            return "bar"
        if t.kind == "char" and t.text == "|" and self.toks[self.i + 1].kind == "char" and self.toks[self.i + 1].text == "|":
            return "bar"
        if t.kind == "cmd" and (t.text in ("left", "right", "middle") or _sized(t.text)):
            k, text = self._delim_after(self.i)
            if (k, text) in (("cmd", "|"), ("cmd", "Vert"), ("cmd", "lVert"), ("cmd", "rVert"), ("char", "‖")):
                return "bar"
        return None

    def take_norm_bar(self) -> Tok:
        """Consume a norm bar (with its sizing command); return its first token."""
        t = self.next()
        if t.kind == "cmd" and (t.text in ("left", "right", "middle") or _sized(t.text)):
            self.skip_space()
            self.next()
        elif t.kind == "char" and t.text == "|":
            self.next()
        return t

    # --- atoms ----------------------------------------------------------------------------------
    def atom(self) -> List[Seg]:
        """One operand with its sub- and superscripts and primes."""
        t = self.tok
        start = t.start
        kind, value = self.primary()
        return self.scripts(kind, value, start)

    def primary(self):
        """(kind, value): ('name', Name), ('segs', [Seg]), ('ones', tok), ('norm', [Seg]),
        ('func', (name, tok)), ('letters', [Name...])."""
        t = self.tok
        if t.kind == "letter":
            return self.letters()
        if t.kind == "digit":
            return "segs", self.number()
        if t.kind == "char":
            if t.text in "([":
                self.next()
                inner = self.sequence(stop=(")", "]"))
                close = self.tok
                if close.kind == "eof":
                    raise self.error(f"unexpected end of input: {t.text!r} is not closed", t)
                self.next()
                return "segs", [Seg("(", t.start, t.end)] + inner + [Seg(")", close.start, close.end)]
            if t.text == "{":
                return "segs", self.group_as_paren()
            if t.text == "|":
                if self.norm_bar() == "bar":
                    return self.norm()
                raise self.error("|...| is not supported (absolute value or determinant?): "
                                 "write \\det(X) or \\operatorname{abs}(x)")
            if t.text == "‖":
                return self.norm()
            if t.text in "ᵀ'’^_":
                raise self.error(f"unexpected {t.text!r}")
            if t.text.isnumeric():
                self.next()
                return "segs", [Seg(t.text, t.start, t.end)]
            raise self.error(f"unexpected character {t.text!r}")
        if t.kind == "cmd":
            return self.command()
        raise self.error("unexpected end of input")

    def letters(self):
        """A run of letters: a function or Greek word stays whole, other runs are
        one name per letter (Ax is A x), a letter followed by digits one name (W2)."""
        toks = []
        j = self.i
        while self.toks[j].kind == "letter":
            toks.append(self.toks[j])
            j += 1
        word = "".join(t.text for t in toks)
        if word in self.keywords or word.lower() in ("tr", "logdet"):
            self.i = j
            return "func", (word.lower() if word.lower() in ("tr",) else word, toks[0], toks[-1].end)
        if word in GREEK or word in CAPITAL_GREEK:
            self.i = j
            return "name", Name(word, toks[0].start, toks[-1].end)
        if len(toks) == 1:
            self.i = j
            name = Name(word, toks[0].start, toks[0].end)
            digits = []
            while self.toks[self.i].kind == "digit":
                digits.append(self.next())
            if digits:
                name.stem += "".join(d.text for d in digits)
                name.end = digits[-1].end
            return "name", name
        # several letters: each is a name; the scripts that follow belong to the last
        self.i = j - 1
        segs = [Seg(t.text, t.start, t.end) for t in toks[:-1]]
        kind, value = self.letters()
        return "prefixed", (segs, kind, value)

    def number(self) -> List[Seg]:
        t0 = self.tok
        text = ""
        end = t0.start
        while self.tok.kind == "digit" or (self.is_char(".") and self.toks[self.i + 1].kind == "digit"
                                           and "." not in text):
            text += self.tok.text
            end = self.next().end
        return [Seg(text, t0.start, end)]

    def group_as_paren(self) -> List[Seg]:
        open_ = self.next()
        inner = self.sequence(stop=("}",))
        close = self.tok
        if close.kind == "eof":
            raise self.error("unexpected end of input: '{' is not closed", open_)
        self.next()
        if not "".join(s.text for s in inner).strip():
            raise self.error("empty group {}", open_)
        return [Seg("(", open_.start, open_.end)] + inner + [Seg(")", close.start, close.end)]

    def norm(self):
        first = self.take_norm_bar()
        inner = self.sequence(stop=("norm",))
        if self.norm_bar() is None:
            raise self.error("unexpected end of input: the norm \\| is not closed" if self.tok.kind == "eof"
                             else "expected a closing norm bar \\|", first if self.tok.kind == "eof" else None)
        close = self.take_norm_bar()
        segs = [Seg("norm(", first.start, first.end)] + inner + [Seg(")", close.start, close.end)]
        return "norm", segs

    def braced_or_token(self) -> Tuple[List[Tok], Tok]:
        """The raw tokens of a macro argument: {...} or one token (a control word
        with its own braced argument, \\mathsf{T})."""
        self.skip_space()
        t = self.tok
        if t.kind == "eof":
            raise self.error("unexpected end of input: an argument is missing")
        if self.is_char("{"):
            depth, j = 0, self.i
            while True:
                u = self.toks[j]
                if u.kind == "eof":
                    raise self.error("unexpected end of input: '{' is not closed", t)
                if u.kind == "char" and u.text == "{":
                    depth += 1
                elif u.kind == "char" and u.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = self.toks[self.i + 1:j]
            self.i = j + 1
            return inner, t
        self.next()
        if t.kind == "cmd" and t.text.isalpha() and self.is_char("{"):
            inner, _ = self.braced_or_token()
            return [t, Tok("char", "{", t.end, t.end)] + inner + [Tok("char", "}", t.end, t.end)], t
        return [t], t

    def sub_translate(self, toks: List[Tok], what: str, at: Tok) -> List[Seg]:
        """Translate a macro's argument (a token list) as an expression."""
        saved_toks, saved_i = self.toks, self.i
        self.toks, self.i = toks + [Tok("eof", "", toks[-1].end if toks else at.end, at.end)], 0
        try:
            segs = self.sequence(stop=())
            if self.tok.kind != "eof":
                raise self.error(f"unexpected {self.tok.text!r}")
        finally:
            self.toks, self.i = saved_toks, saved_i
        if not "".join(s.text for s in segs).strip():
            raise self.error(f"{what}: the argument is empty", at)
        return segs

    def command(self):
        t = self.tok
        name = t.text
        if name in GREEK_MACROS:
            self.next()
            return "name", Name(GREEK_MACROS[name], t.start, t.end)
        if name in ("frac", "tfrac", "dfrac", "cfrac"):
            self.next()
            num, nfirst = self.braced_or_token()
            nend = self.toks[self.i - 1].end
            den, at = self.braced_or_token()
            dend = self.toks[self.i - 1].end
            a = self.sub_translate(num, "\\" + name, t)
            b_ = self.sub_translate(den, "\\" + name, at)
            return "segs", ([Seg("(", t.start, t.start), Seg("(", nfirst.start, nfirst.start)] + a +
                            [Seg(")", nend, nend), Seg(" / ", at.start, at.start), Seg("(", at.start, at.start)] +
                            b_ + [Seg(")", dend, dend), Seg(")", dend, dend)])
        if name == "sqrt":
            self.next()
            self.skip_space()
            if self.is_char("["):
                raise self.error("\\sqrt[n]{...}, a root other than the square root, is not supported")
            arg, _ = self.braced_or_token()
            return "segs", [Seg("sqrt(", t.start, t.end)] + self.sub_translate(arg, "\\sqrt", t) + \
                [Seg(")", self.toks[self.i - 1].start, self.toks[self.i - 1].end)]
        if name in NAME_FONTS:
            return self.font()
        if name in ACCENTS:
            self.next()
            arg, at = self.braced_or_token()
            inner = self.name_of(arg, "\\" + name, at)
            inner.sub = (inner.sub + "_" if inner.sub else "") + ACCENTS[name]
            inner.start, inner.end = t.start, self.toks[self.i - 1].end
            return "name", inner
        if _sized(name) is None and self._delim_after(self.i)[1] in (")", "]"):
            raise self.error(f"unexpected \\{name}{self._delim_after(self.i)[1]} (nothing to close)")
        if name in ("left", "middle") or _sized(name) in ("open", None) and _sized(name) is not False:
            if self.norm_bar():
                return self.norm()
            return self.sized_group()
        if name in ("|", "Vert", "lVert"):
            return self.norm()
        if name == "langle":
            return self.inner_product()
        if name in ("{",):
            raise self.error("\\{ ... \\} braces are not supported: use ( ) for grouping", t)
        if name == "log":
            self.next()
            self.skip_space()
            if self.is_cmd("det"):
                det = self.next()
                return "func", ("logdet", t, det.end)
            return "func", ("log", t, t.end)
        if name in FUNCTION_MACROS:
            self.next()
            return "func", (FUNCTION_MACROS[name], t, t.end)
        if name in TRANSPOSE_MARKS:
            raise self.error(f"\\{name} outside a superscript: write X^\\{name}")
        if name in UNSUPPORTED:
            raise self.error(f"LaTeX \\{name} is not supported: {UNSUPPORTED[name]}")
        if name in ("right", "rangle", "rVert") or _sized(name) == "close":
            raise self.error(f"unexpected \\{name} (nothing to close)")
        if not name.isalpha():
            raise self.error(f"LaTeX \\{name} is not supported")
        raise self.error(f"unknown LaTeX command \\{name}")

    def sized_group(self):
        """\\left( ... \\right), \\bigl[ ... \\bigr], \\Big( ... \\Big)."""
        t = self.next()
        self.skip_space()
        d = self.tok
        if not (d.kind == "char" and d.text in "([") and not (d.kind == "cmd" and d.text == "{"):
            if d.kind == "char" and d.text == ".":
                raise self.error(f"\\{t.text}. (an invisible delimiter) is not supported", t)
            if d.kind == "cmd" and d.text == "langle":
                self.next()
                return self.inner_product(opened=t)
            raise self.error(f"\\{t.text} before {d.text!r}: expected a parenthesis, a bracket or a norm bar", d)
        self.next()
        inner = self.sequence(stop=("right", ")", "]"))
        close = self.tok
        if close.kind == "eof":
            raise self.error(f"unexpected end of input: \\{t.text}{d.text} is not closed", t)
        self.next()
        if close.kind == "cmd":  # \right) : the delimiter follows
            self.skip_space()
            cd = self.next()
            if not ((cd.kind == "char" and cd.text in ")]") or (cd.kind == "cmd" and cd.text == "}")):
                raise self.error(f"\\{close.text} before {cd.text!r}: expected a closing parenthesis or bracket", cd)
            end = cd.end
        else:
            end = close.end
        return "segs", [Seg("(", t.start, d.end)] + inner + [Seg(")", close.start, end)]

    def inner_product(self, opened: Optional[Tok] = None):
        """\\langle A, B \\rangle is the Frobenius product A : B."""
        t = opened or self.next()
        a = self.sequence(stop=(",",))
        if not self.is_char(","):
            raise self.error("\\langle A, B \\rangle needs a comma")
        comma = self.next()
        b_ = self.sequence(stop=("rangle",))
        close = self.tok
        if close.kind == "eof":
            raise self.error("unexpected end of input: \\langle is not closed", t)
        self.next()
        if close.text == "right":
            self.skip_space()
            self.next()
        first = next((x for x in a if x.text.strip()), comma)
        last = next((x for x in reversed(b_) if x.text.strip()), close)
        end = self.toks[self.i - 1].end
        return "segs", ([Seg("(", t.start, t.start), Seg("(", first.start, first.start)] + a +
                        [Seg(")", comma.start, comma.start), Seg(" : ", comma.start, comma.end), Seg("(", comma.end, comma.end)] +
                        b_ + [Seg(")", last.end, last.end), Seg(")", end, end)])

    def font(self):
        """\\mathbf{x}, \\boldsymbol{\\Sigma}, \\mathrm{tr}, \\operatorname{diag}, \\mathbf{1}, \\mathbf{I}."""
        t = self.next()
        arg, at = self.braced_or_token()
        end = self.toks[self.i - 1].end
        plain = [a for a in arg if a.kind != "space"]
        if len(plain) == 1 and plain[0].kind == "digit" and plain[0].text == "1":
            return "ones", (t, end)
        word = "".join(a.text for a in plain) if plain and plain[0].kind == "letter" and all(
            a.kind in ("letter", "digit") or (a.kind == "cmd" and a.text == "_") for a in plain) else None
        if word and (len(word) == 1 or t.text not in WORD_FONTS) and not word.isalpha():
            word = None  # \mathbf{W2}: a name with scripts, read below
        if t.text in ("mathrm", "text", "textrm", "mathup") and word == "d":
            raise self.error("a differential (\\mathrm{d}X) is not input: give the expression to differentiate", t)
        if word and self.is_char("_") and word != "unvec":  # \mathrm{logdet}_{2}: a name, not a function
            return "name", Name(word, t.start, end)
        if word and (t.text in WORD_FONTS or word.lower() in ("tr",)):
            low = word.lower()
            if low in ("tr", "trace"):
                return "func", ("tr", t, end)
            if word in self.keywords or (low in self.keywords and word == word.capitalize()):
                return "func", (low, t, end)
            if word in ("softmax", "log_softmax", "logsumexp") or t.text == "operatorname":
                return "func", (word, t, end)
            return "name", Name(word, t.start, end)
        if t.text == "operatorname":
            raise self.error("\\operatorname{...}: expected a function name", at)
        if word and t.text in ("vec", "vb") and len(word) == 1 or word and len(word) == 1:
            return "name", Name(word, t.start, end)
        if word:  # \mathbf{Ax}: one bold letter after another, as TeX sets them
            segs = [Seg(a.text, a.start, a.end) for a in plain[:-1]]
            return "prefixed", (segs, "name", Name(plain[-1].text, plain[-1].start, end))
        name = self.name_of(arg, "\\" + t.text, at)
        name.start, name.end = t.start, end
        return "name", name

    def name_of(self, toks: List[Tok], what: str, at: Tok) -> Name:
        """The name inside a font or accent: a letter, a Greek macro, a nested font."""
        saved_toks, saved_i = self.toks, self.i
        self.toks, self.i = toks + [Tok("eof", "", at.end, at.end)], 0
        try:
            self.skip_space()
            kind, value = self.primary()
            out = self.scripts(kind, value, at.start, name_only=True)
            self.skip_space()
            if self.tok.kind != "eof" or not isinstance(out, Name):
                raise self.error(f"{what}{{...}} takes a name here", at)
        finally:
            self.toks, self.i = saved_toks, saved_i
        return out

    # --- scripts ------------------------------------------------------------------------------
    def scripts(self, kind, value, start, name_only=False):
        """Subscripts, superscripts and primes after a primary; the segments."""
        prefix: List[Seg] = []
        if kind == "prefixed":
            prefix, kind, value = value
        if kind == "func":  # the call, then its postfix operators: \operatorname{vec}(X)^\top
            kind, value = "segs", self.function(*value)
        segs: List[Seg] = []
        name = value if kind == "name" else None
        while True:
            t = self.tok
            if t.kind == "char" and t.text == "_":
                self.next()
                if name is not None:
                    if name.sub or name.sup:
                        raise self.error("a second subscript", t)
                    if name.stem in ("I", "K"):
                        arg, at = self.braced_or_token()
                        dims = self.dims_text(arg, at)
                        if name.stem == "I" and re.fullmatch(r"\w+", dims):
                            name.sub = dims
                        else:
                            name.stem, name.sub = name.stem + "_{" + dims + "}", ""
                    else:
                        name.sub = self.script_word(t, subscript=True)
                    name.end = self.toks[self.i - 1].end
                    continue
                if kind == "ones":
                    arg, at = self.braced_or_token()
                    dims = self.dims_text(arg, at, ones=True)
                    value = (value[0], self.toks[self.i - 1].end, dims)
                    kind = "ones_sized"
                    continue
                if kind == "norm":
                    arg, at = self.braced_or_token()
                    word = "".join(a.text if a.kind != "cmd" else "\\" + a.text for a in arg if a.kind != "space"
                                   and not (a.kind == "char" and a.text in "{}"))
                    word = re.sub(r"\\(mathrm|text|mathsf|operatorname)", "", word)
                    if word not in ("2", "F", "Fro", "fro"):
                        raise self.error(f"the norm \\|.\\|_{{{word}}} is not supported: "
                                         "\\|x\\|_2 (Euclidean) and \\|X\\|_F (Frobenius) are", t)
                    if word == "2":  # of a matrix, the spectral norm: shape inference refuses it
                        self.euclidean.add(value[0].start)
                    continue
                raise self.error("a subscript on something that is not a name", t)
            if t.kind == "char" and t.text == "^" and name is not None and name.stem == "e" and not (
                    name.sub or name.sup) and self.exponential():
                kind, value, name = "segs", self.exponential_segs(name), None
                continue
            if t.kind == "char" and t.text == "^":
                if name is None and kind in ("ones", "ones_sized"):
                    segs = self.flush(kind, value, name, segs)
                    kind, value = "segs", []
                sup = self.superscript(name, t)
                if sup is None:  # an index: now part of the name
                    continue
                segs = self.flush(kind, value, name, segs)
                kind, value, name = "segs", [], None
                segs.extend(sup)
                continue
            if t.kind == "char" and t.text in "'’":
                if name_only:
                    break
                segs = self.flush(kind, value, name, segs)
                kind, value, name = "segs", [], None
                segs.append(Seg(t.text, t.start, t.end))
                self.next()
                continue
            if t.kind == "char" and t.text == "ᵀ":
                segs = self.flush(kind, value, name, segs)
                kind, value, name = "segs", [], None
                segs.append(Seg("ᵀ", t.start, t.end))
                self.next()
                continue
            break
        if name_only:
            return name
        return prefix + self.flush(kind, value, name, segs)

    def exponential(self) -> bool:
        """Whether the superscript after e is an exponent of e (e^{-x^\top x / 2}):
        anything but a transpose, an inverse, a number or an index in parentheses."""
        saved, probe = self.i, Name("e", 0, 0)
        try:  # e^{(l)}, in parentheses, stays an index
            return self.superscript(probe, self.tok) is None and not re.fullmatch(r"\(.*\)", probe.sup)
        except ParseError:
            return True
        finally:
            self.i = saved

    def exponential_segs(self, name: Name) -> List[Seg]:
        """e^{...} is exp(...)."""
        self.next()
        arg, first = self.braced_or_token()
        inner = self.sub_translate(arg, "e^{...}", first)
        end = self.toks[self.i - 1].end
        return [Seg("exp(", name.start, name.end)] + inner + [Seg(")", end, end)]

    def flush(self, kind, value, name, segs):
        if kind == "name" and name is not None:
            return segs + [Seg(name.spelling(), name.start, name.end)]
        if kind == "ones":
            return segs + [Seg("diag(I)", value[0].start, value[1])]
        if kind == "ones_sized":
            return segs + [Seg(f"ones({value[2]})", value[0].start, value[1])]
        if kind in ("segs", "norm"):
            return segs + value
        return segs

    def dims_text(self, arg: List[Tok], at: Tok, ones: bool = False) -> str:
        """The sizes in I_{n}, K_{m,n}, \\mathbf{1}_{m \\times n}."""
        out = ""
        for a in arg:
            if a.kind == "space":
                out += " "
            elif a.kind in ("letter", "digit"):
                out += a.text
            elif a.kind == "char" and a.text in ",*":
                out += a.text
            elif a.kind == "cmd" and a.text == "times":
                out += ","
            elif a.kind == "cmd" and a.text == "cdot":
                out += "*"
            elif a.kind == "cmd" and a.text in SPACES:
                out += " "
            else:
                raise self.error("a size must be a name or a number", a)
        parts = [re.sub(r"\s+", "*", p.strip()) for p in out.split(",")]
        if not all(parts):
            raise self.error("a size is missing", at)
        return ", ".join(parts) if ones else ",".join(parts)

    def script_word(self, at: Tok, subscript: bool) -> str:
        """The text of a subscript or an index superscript, as part of a name."""
        arg, first = self.braced_or_token()
        return self.script_text(arg, first, index=True)

    def script_text(self, arg: List[Tok], first: Tok, index: bool) -> str:
        out = ""
        j = 0
        while j < len(arg):
            a = arg[j]
            j += 1
            if a.kind == "space" or (a.kind == "cmd" and (a.text in SPACES or a.text in NEGATIVE_SPACES)):
                continue
            if a.kind in ("letter", "digit"):
                out += a.text
            elif a.kind == "char" and a.text in "+-−(),*'/.":
                out += "-" if a.text == "−" else a.text
            elif a.kind == "char" and a.text in "{}":
                continue
            elif a.kind == "char" and a.text == "⊤":
                out += "\0T"
            elif a.kind == "cmd" and a.text in GREEK_MACROS:
                out += GREEK_MACROS[a.text]
            elif a.kind == "cmd" and a.text in ("top", "intercal", "T"):
                out += "\0T"
            elif a.kind == "cmd" and a.text in ("mathsf", "mathrm", "text", "textsf", "mathbf", "boldsymbol",
                                                "bm", "mathit", "operatorname", "textrm"):
                # the braced argument follows as tokens: { word }
                continue
            elif a.kind == "cmd" and a.text == "_":
                out += "_"
            elif a.kind == "cmd" and a.text in ("prime",):
                out += "'"
            elif a.kind == "cmd" and a.text in ("ast", "star"):
                out += "*"
            elif a.kind == "cmd" and a.text == "circ":
                out += "\0o"
            elif a.kind == "cmd" and a.text in ("frac", "tfrac", "dfrac"):
                out += "\0f"
            else:
                raise self.error(f"\\{a.text} in a sub- or superscript is not supported" if a.kind == "cmd"
                                 else f"unexpected {a.text!r} in a sub- or superscript", a)
        if not out:
            raise self.error("an empty sub- or superscript", first)
        return out

    def superscript(self, name: Optional[Name], caret: Tok) -> Optional[List[Seg]]:
        """^...: a transpose, an inverse, a power, a Hadamard power (segments), or an
        index that becomes part of the name (None)."""
        self.next()
        self.skip_space()
        if self.is_char("-", "−") and self.toks[self.i + 1].kind in ("digit", "letter", "cmd"):
            minus = self.next()  # X^-1, X^-T: the text language's spelling
            arg, first = self.braced_or_token()
            arg = [Tok("char", "-", minus.start, minus.end)] + arg
        else:
            arg, first = self.braced_or_token()
        text = self.script_text(arg, first, index=False)
        end = self.toks[self.i - 1].end
        frac = re.fullmatch(r"(-?)\0f(\d+)(\d+)", text)  # \frac12, \frac{1}{2}
        if frac:
            text = f"{frac.group(1)}{frac.group(2)}/{frac.group(3)}"
        if text in ("\0T", "T"):
            return [Seg("^T", caret.start, end)]
        if text in ("-\0T", "-T"):
            return [Seg("^{-T}", caret.start, end)]
        if text == "'":
            return [Seg("'", caret.start, end)]
        if re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?", text):
            return [Seg("^{" + text + "}", caret.start, end)]
        if text.startswith("\0o") and re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?", text[2:]):
            return [Seg(".^{" + text[2:] + "}", caret.start, end)]
        if "\0" in text or "/" in text or "." in text:
            raise self.error("this superscript is not supported: write a transpose (^\\top), an inverse "
                             "(^{-1}, ^{-\\top}), a number, or an index such as ^{(l)}", caret)
        if name is None:
            raise self.error(f"the superscript {text!r} is not a power, a transpose or an inverse; "
                             "as an index it must follow a name (H^{t-1})", caret)
        if name.sup:
            raise self.error("a second superscript index", caret)
        name.sup = text
        name.end = end
        return None

    def plain_exponent(self) -> List[Seg]:
        arg, first = self.braced_or_token()
        text = self.script_text(arg, first, index=False)
        if not re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?", text):
            raise self.error("an element-wise power needs a number", first)
        return [Seg("{" + text + "}", first.start, self.toks[self.i - 1].end)]

    # --- functions ----------------------------------------------------------------------------
    def function(self, fn: str, tok: Tok, end: int) -> List[Seg]:
        """fn(...) with its parenthesis, or fn applied to the next operand (\\log\\det\\Sigma)."""
        head: List[Seg] = []
        primes = ""
        while self.is_char("'", "’"):
            primes += "'"
            self.next()
        if self.is_char("^"):
            caret = self.tok
            raise self.error(f"a power of a function name ({fn}^...) is not supported: "
                             f"write ({fn}(x))^2", caret)
        if fn == "unvec" and self.is_char("_"):
            self.next()
            arg, at = self.braced_or_token()
            dims = self.dims_text(arg, at)
            head = [Seg(", " + dims.replace(",", ", "), at.start, at.end)]
        j = self.i
        while self.toks[j].kind == "space" or (self.toks[j].kind == "cmd" and self.toks[j].text in SPACES | NEGATIVE_SPACES):
            j += 1
        u = self.toks[j]
        paren = (u.kind == "char" and u.text in "([") or (u.kind == "cmd" and (u.text == "left" or _sized(u.text) in ("open", None) and _sized(u.text) is not False))
        if paren and not (u.kind == "cmd" and self._delim_after(j)[1] in ("|", "Vert", "‖")):
            self.i = j
            kind, segs = self.primary()  # a parenthesis: its segments are ( ... )
            open_, *inner, close = segs
            if fn == "unvec" and head:
                inner = inner + head
            out = [Seg(fn + primes, tok.start, end), Seg("(", open_.start, open_.end)] + inner + [close]
            return out
        if fn == "unvec":
            raise self.error("\\operatorname{unvec} needs its argument in parentheses", tok)
        # no parenthesis: the next operand, with its scripts, is the argument
        self.i = j
        if self.tok.kind in ("eof",) or (self.tok.kind == "char" and self.tok.text in "+-−*/,:)]}=") or \
                (self.tok.kind == "cmd" and self.tok.text in OPERATORS):
            raise self.error(f"{fn} needs an argument", tok)
        arg = self.atom()
        u = self.tok
        if len(arg) == 1 and re.fullmatch(r"[^\W\d]\w*", arg[0].text) and (
                (u.kind == "char" and u.text == "(") or (u.kind == "cmd" and u.text in ("left", "bigl", "Bigl"))):
            arg = arg + self.atom()  # \log \sigma(z): the name and its parenthesis, a call
        return [Seg(fn + primes + "(", tok.start, end)] + arg + [Seg(")", arg[-1].end, arg[-1].end)]


def _sized(name: str):
    """For \\bigl, \\Bigr, \\big: 'open', 'close', None (no side); False if no size command."""
    m = re.fullmatch(r"(big|Big|bigg|Bigg)([lrm]?)", name)
    if not m:
        return False
    return SIZED_SIDES[m.group(2)]


# --- the text, its map, and the tree's spans -----------------------------------------------------

def to_text(source: str, translator=None) -> Tuple[str, List[int], List[int]]:
    """(text-language source, st, en): character i of the text comes from the
    LaTeX source[st[i]:en[i]]."""
    segs = (translator or Translator(source)).translate()
    text, st, en = [], [], []
    for s in segs:
        if text and s.text and (text[-1][-1:].isalnum() or text[-1][-1:] in "_'") and (s.text[0].isalnum() or s.text[0] == "_"):
            text.append(" ")  # two names, or a number and a name, stay apart: A x, not Ax
            st.append(s.start)
            en.append(s.start)
        text.append(s.text)
        st.extend([s.start] * len(s.text))
        en.extend([s.end] * len(s.text))
    return "".join(text), st, en


def latex_to_text(source: str) -> str:
    """The text-language spelling of a LaTeX expression (for display and tests)."""
    return re.sub(r" \)", ")", re.sub(r"\( ", "(", " ".join(to_text(source)[0].split())))


def parse_latex(source: str, parse_syntax):
    """LaTeX source -> Syn tree whose spans point into the LaTeX; ``parse_syntax``
    parses the translated text (frontend/syntax.py)."""
    if not source.strip():
        raise ParseError("empty expression", source, 0)
    from ..parser import MAX_LENGTH

    if len(source) > MAX_LENGTH:
        raise ParseError(f"expression longer than {MAX_LENGTH:,} characters ({len(source):,})", source, MAX_LENGTH)
    from ..parser import MAX_DEPTH

    depth = 0
    for i, ch in enumerate(source):  # the translation recurses: refuse deep nesting first
        depth += (ch in "({[") - (ch in ")}]")
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nested more than {MAX_DEPTH} levels deep", source, i)
    translator = Translator(source)
    tree = parse_mapped(*to_text(source, translator), source, parse_syntax)
    if translator.euclidean:
        stack = [tree]
        while stack:
            n = stack.pop()
            if n.op == "call" and n.value == "norm" and n.start in translator.euclidean:
                n.info["norm"] = "2"  # shapes: the spectral norm of a matrix is not supported
            stack.extend(a for a in n.args if hasattr(a, "op"))
    return tree


def parse_mapped(text: str, st: List[int], en: List[int], source: str, parse):
    """Parse translated text; move error columns and every span back to ``source``
    (a node starts where its first character came from and ends where its last did)."""
    end_of_source = len(source.rstrip())

    def start(i: int) -> int:
        return st[i] if i < len(st) else end_of_source

    def end(i: int) -> int:
        return en[i - 1] if 0 < i <= len(en) else start(i)

    try:
        tree = parse(text, syntax="text")
    except ParseError as e:
        e.source, e.column = source, start(e.column if e.column is not None else len(text))
        raise
    stack = [tree]
    while stack:
        n = stack.pop()
        n.start, n.end, n.pos = start(n.start), end(n.end), start(n.pos)
        stack.extend(a for a in n.args if hasattr(a, "op"))
    return tree


# --- ||x|| in the text language ---------------------------------------------------------------

def norm_bars(source: str) -> Tuple[str, List[int], List[int]]:
    """||x|| -> norm(x): a || opens a norm unless one is open and an operand
    comes right before it.  Returns the text and its map onto source (as to_text)."""
    text, st, en = [], [], []
    depth, operand, i = 0, False, 0
    while i < len(source):
        ch = source[i]
        if source.startswith("||", i):
            closing = depth and operand
            piece = ")" if closing else "norm("
            depth += -1 if closing else 1
            operand = bool(closing)
            text.append(piece)
            st.extend([i] * len(piece))
            en.extend([i + 2] * len(piece))
            i += 2
            continue
        text.append(ch)
        st.append(i)
        en.append(i + 1)
        if not ch.isspace():
            operand = (ch.isalnum() or ch in ")'’ᵀ}_.") and ch not in "+-−*/:,(^∘⊙⊗·"
        i += 1
    return "".join(text), st, en


def canonical_name(name: str) -> str:
    """A name's one spelling: W_{2} is W_2, W_{k + 1} is W_{k+1}, H^{ t-1 } is H^{t-1}."""
    m = re.fullmatch(r"([^_^{]+?)(?:_\{([^{}]*)\})?(?:\^\{([^{}]*)\})?", name)
    if not m:
        return name
    stem, sub, sup = m.group(1), m.group(2), m.group(3)
    out = stem
    if sub is not None:
        sub = "".join(sub.split()).replace("−", "-")
        out += "_" + sub if re.fullmatch(r"\w+", sub) else "_{" + sub + "}"
    if sup is not None:
        out += "^{" + "".join(sup.split()).replace("−", "-") + "}"
    return out
