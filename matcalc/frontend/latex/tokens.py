"""LaTeX input: the tokenizer and the pieces the translation is made of (tokens, segments, names)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from ...errors import ParseError


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

