"""LaTeX input: subscripts, superscripts, primes and exponents after a primary."""
from __future__ import annotations

import re
from typing import List, Optional

from ...errors import ParseError

from .tokens import Name, Seg, Tok
from .vocabulary import (GREEK_MACROS, SPACES, NEGATIVE_SPACES)


class Scripts:
    """The Translator's scripts (translator.py puts the class together)."""

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
            elif a.kind == "char" and a.text in "^{}":  # a power of a size, m^{2} n: read below
                out += a.text
            elif a.kind == "cmd" and a.text == "times":
                out += ","
            elif a.kind == "cmd" and a.text == "cdot":
                out += "*"
            elif a.kind == "cmd" and a.text in SPACES:
                out += " "
            else:
                raise self.error("a size must be a name or a number", a)
        out = re.sub(r"\{\s*([^{}^]*?)\s*\}", r" \1 ", out)  # braces group nothing in a size: {n}^{2} is n^2
        out = re.sub(r"(\w+)\s*\^\s*(\d+)", lambda m: " ".join([m.group(1)] * int(m.group(2))), out)
        if "^" in out or "{" in out or "}" in out:
            raise self.error("a size must be a name or a number (a power of a name: m^{2})", at)
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
