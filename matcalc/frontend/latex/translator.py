"""LaTeX input: the translator, the expression and its operands (sequence, atoms, groups, norms).

Commands, fonts and functions are in commands.py, scripts and exponents in scripts.py;
the class is put together from the three."""
from __future__ import annotations

from typing import List, Optional, Tuple

from ...errors import ParseError

from .commands import Commands
from .scripts import Scripts
from .tokens import Name, Seg, Tok, tokenize
from .vocabulary import (GREEK, CAPITAL_GREEK, SPACES, NEGATIVE_SPACES, OPERATORS, STYLE_SWITCHES, _keywords,
                         _sized)


class Translator(Commands, Scripts):
    """LaTeX source -> segments of text-language source, each with the LaTeX span it came from."""

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

