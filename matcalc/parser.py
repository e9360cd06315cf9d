"""Source text -> syntax tree (``Syn`` nodes with source spans).

The Lark grammar is grammar/matcalc.lark (shipped inside the package as
matcalc/grammar/matcalc.lark); the LALR parser is built once per process and
cached on disk by Lark.  Syntax errors become ParseError with a caret.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Tuple

from .errors import ParseError
from .functions import BUILTIN

STRUCTURAL_FUNCTIONS = ("tr", "det", "logdet", "inv", "diag", "vec", "unvec", "sum", "norm", "kron", "ones")
KEYWORDS = tuple(sorted(STRUCTURAL_FUNCTIONS + BUILTIN, key=lambda s: (-len(s), s)))
MAX_DEPTH = 400  # deeper nesting is refused before it reaches Python's recursion limit


@dataclass
class Syn:
    """A syntax node: ``op`` names the grammar alias; ``start``/``end`` span the
    node's source; ``pos`` is where a caret should point (its operator)."""

    op: str
    args: Tuple[Any, ...]
    start: int
    end: int
    pos: int
    value: Any = None
    info: dict = field(default_factory=dict)


def grammar_path() -> Path:
    """The grammar inside the installed package, else the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / "matcalc.lark", here.parent / "grammar" / "matcalc.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("matcalc grammar file not found (grammar/matcalc.lark)")


def grammar_text() -> str:
    functions = "|".join(KEYWORDS)
    return grammar_path().read_text(encoding="utf-8").replace("__FUNCTIONS__", functions)


_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        from lark import Lark

        # cache=True keeps the built LALR tables in the temp directory, keyed by
        # the grammar's hash: later processes load them instead of rebuilding.
        _PARSER = Lark(grammar_text(), parser="lalr", lexer="contextual",
                       propagate_positions=True, maybe_placeholders=False, cache=True)
    return _PARSER


def parse_syntax(source: str) -> Syn:
    """Parse source text into a Syn tree, or raise ParseError."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if not source.strip():
        raise ParseError("empty expression", source, 0)
    _check_nesting(source)
    try:
        tree = _parser().parse(source)
    except UnexpectedCharacters as e:
        raise ParseError(f"unexpected character {source[e.pos_in_stream]!r}", source, e.pos_in_stream) from None
    except UnexpectedEOF:
        raise ParseError("unexpected end of input", source, len(source)) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise ParseError("unexpected end of input", source, len(source)) from None
        raise ParseError(f"unexpected {e.token.value!r}", source, e.token.start_pos) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise ParseError("invalid input", source, getattr(e, "pos_in_stream", 0) or 0) from None
    return _convert(tree, source)


def _check_nesting(source: str):
    depth = 0
    for i, ch in enumerate(source):
        if ch in "({":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"expression nested more than {MAX_DEPTH} levels deep", source, i)
        elif ch in ")}":
            depth -= 1


def _number(text: str) -> Fraction:
    return Fraction(text)


def _convert(tree, source: str) -> Syn:
    """Lark tree -> Syn, keeping spans and operator positions."""
    from lark import Token, Tree

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * MAX_DEPTH + 1000))

    def conv(t) -> Syn:
        if isinstance(t, Token):  # a bare token (never the root)
            raise AssertionError(t)
        data = t.data
        kids = t.children
        start, end = t.meta.start_pos, t.meta.end_pos
        if data == "name":
            return Syn("name", (), start, end, start, str(kids[0]))
        if data == "number":
            return Syn("number", (), start, end, start, _number(str(kids[0])))
        if data == "sized":
            return Syn("sized", (), start, end, start, str(kids[0]))
        if data == "paren":
            inner = conv(kids[1])
            return Syn("paren", (inner,), start, end, start)
        if data == "call":
            fn = kids[0]
            args = tuple(conv(k) for k in kids[2:] if isinstance(k, Tree))
            return Syn("call", args, start, end, fn.start_pos, str(fn))
        if data in ("add", "sub", "frob", "mul", "div", "hadamard", "ediv", "kronop"):
            a, op, b = kids
            return Syn(data, (conv(a), conv(b)), start, end, op.start_pos)
        if data == "juxt":
            a, b = conv(kids[0]), conv(kids[1])
            return Syn("juxt", (a, b), start, end, b.start)
        if data == "neg":
            return Syn("neg", (conv(kids[1]),), start, end, start)
        if data in ("transpose", "inverse", "inverse_transpose"):
            return Syn(data, (conv(kids[0]),), start, end, kids[1].start_pos)
        if data in ("power", "epower"):
            base, op, exponent = kids
            return Syn(data, (conv(base),), start, end, op.start_pos, _exponent(exponent))
        raise AssertionError(f"unknown grammar rule {data}")

    return conv(tree)


def _exponent(t):
    """An exponent: 'T', '-T' or a Fraction."""
    from lark import Token

    while t.data == "exponent":  # braces or parentheses around the inner form
        t = t.children[0]
    if t.data == "exp_t":
        return "T"
    if t.data == "exp_neg_t":
        return "-T"
    toks = [c for c in t.children if isinstance(c, Token)]
    sign = -1 if toks and toks[0].type == "MINUS" else 1
    nums = [Fraction(str(c)) for c in toks if c.type == "NUMBER"]
    value = nums[0] / nums[1] if len(nums) == 2 else nums[0]
    return sign * value
