"""LaTeX input: commands (macros, sized delimiters, inner products, fonts) and functions."""
from __future__ import annotations

import re
from typing import List, Optional

from .tokens import Name, Seg, Tok
from .vocabulary import (GREEK_MACROS, NAME_FONTS, WORD_FONTS, ACCENTS, SPACES, NEGATIVE_SPACES, OPERATORS,
                         FUNCTION_MACROS, UNSUPPORTED, TRANSPOSE_MARKS, _sized)


class Commands:
    """The Translator's commands and functions (translator.py puts the class together)."""

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


