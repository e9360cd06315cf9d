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
MAX_LENGTH = 100_000  # longer input is refused at once: parsing it would take many seconds
MAX_DIGITS = 300  # a number literal has at most this many digits and a decimal exponent at most this size
MAX_EXPONENT = 1000  # X^k multiplies k factors out; 2^k computes an exact k-bit number


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


def parse_syntax(source: str, syntax=None) -> Syn:
    """Parse source text into a Syn tree, or raise ParseError.  syntax='latex',
    or any source with a backslash, is LaTeX (matcalc/latex_input.py)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if syntax == "latex" or (syntax in (None, "auto") and "\\" in source):
        from .latex_input import parse_latex
        return parse_latex(source)
    if "||" in source:  # ||x|| is norm(x)
        from .latex_input import norm_bars, parse_mapped
        return parse_mapped(*norm_bars(source), source, parse_syntax)

    if not source.strip():
        raise ParseError("empty expression", source, 0)
    if len(source) > MAX_LENGTH:
        raise ParseError(f"expression longer than {MAX_LENGTH:,} characters ({len(source):,})", source, MAX_LENGTH)
    _check_nesting(source)
    _check_characters(source)
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


def _check_characters(source: str):
    """Superscript digits, vulgar fractions and other numerals that are not
    decimal digits are word characters to a regular expression, so X² and ½
    would lex as names: an error instead, with the ASCII spelling."""
    for i, ch in enumerate(source):
        if ch.isnumeric() and not ch.isdecimal() and source[i - 1:i + 1] != "⁻¹":  # X⁻¹ is the inverse
            import unicodedata

            value = unicodedata.numeric(ch, None)
            hint = ""
            if value is not None and "SUBSCRIPT" in unicodedata.name(ch, ""):
                hint = f" (write _{int(value)} for a subscript)"
            elif value is not None and ch.isdigit():
                hint = f" (write ^{int(value)} for a power)"
            elif value is not None:
                hint = f" (write {Fraction(value).limit_denominator(1000)} for the number)"
            raise ParseError(f"unexpected character {ch!r}{hint}", source, i)


def _check_nesting(source: str):
    depth = 0
    for i, ch in enumerate(source):
        if ch in "({":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"expression nested more than {MAX_DEPTH} levels deep", source, i)
        elif ch in ")}":
            depth -= 1


def _number(text: str, source: str = "", pos: int = 0) -> Fraction:
    """A number literal, exactly; a huge one (1e999999) is an error, not minutes of big-integer work."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > MAX_DIGITS + 1 or (exponent and abs(int(exponent)) > MAX_DIGITS):
        raise ParseError(f"number too large: at most {MAX_DIGITS} digits and exponents up to e{MAX_DIGITS}",
                         source, pos)
    return Fraction(text)


def _convert(tree, source: str) -> Syn:
    """Lark tree -> Syn, keeping spans and operator positions.  A loop, not
    recursion: a flat product of thousands of factors is a deep left-nested
    tree."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * MAX_DEPTH + 1000))
    done: dict = {}
    stack = [(tree, False)]
    while stack:
        t, ready = stack.pop()
        if ready:
            done[id(t)] = _make(t, [done.pop(id(k)) for k in _operands(t)], source)
        else:
            stack.append((t, True))
            stack.extend((k, False) for k in _operands(t))
    return done[id(tree)]


def _operands(t) -> list:
    """The children of a Lark node that become Syn nodes."""
    from lark import Tree

    data, kids = t.data, t.children
    if data in ("name", "number", "sized"):
        return []
    if data in ("paren", "neg"):
        return [kids[1]]
    if data == "call":
        return [k for k in kids[2:] if isinstance(k, Tree)]
    if data in ("add", "sub", "frob", "mul", "div", "hadamard", "ediv", "kronop"):
        return [kids[0], kids[2]]
    if data == "juxt":
        return [kids[0], kids[1]]
    if data in ("transpose", "inverse", "inverse_transpose", "power", "epower"):
        return [kids[0]]
    raise AssertionError(f"unknown grammar rule {data}")


def _make(t, args, source: str) -> Syn:
    """One Syn node from a Lark node and its converted operands."""
    data, kids = t.data, t.children
    start, end = t.meta.start_pos, t.meta.end_pos
    if data == "name":
        name = str(kids[0])
        return Syn("name", (), start, end, start, name if "{" not in name else _canonical_name(name))
    if data == "number":
        return Syn("number", (), start, end, start, _number(str(kids[0]), source, start))
    if data == "sized":
        return Syn("sized", (), start, end, start, str(kids[0]))
    if data == "paren":
        return Syn("paren", tuple(args), start, end, start)
    if data == "call":
        fn = kids[0]
        return Syn("call", tuple(args), start, end, fn.start_pos, str(fn))
    if data in ("add", "sub", "frob", "mul", "div", "hadamard", "ediv", "kronop"):
        return Syn(data, tuple(args), start, end, kids[1].start_pos)
    if data == "juxt":
        return Syn("juxt", tuple(args), start, end, args[1].start)
    if data == "neg":
        return Syn("neg", tuple(args), start, end, start)
    if data in ("transpose", "inverse", "inverse_transpose"):
        return Syn(data, tuple(args), start, end, kids[1].start_pos)
    base, op, exponent = kids  # power, epower
    return Syn(data, tuple(args), start, end, op.start_pos, _exponent(exponent, source, op.start_pos + 1))


def _canonical_name(name: str) -> str:
    from .latex_input import canonical_name

    return canonical_name(name)


def _exponent(t, source: str = "", pos: int = 0):
    """An exponent: 'T', '-T' or a Fraction of size at most MAX_EXPONENT."""
    from lark import Token

    while t.data == "exponent":  # braces or parentheses around the inner form
        t = t.children[0]
    if t.data == "exp_t":
        return "T"
    if t.data == "exp_neg_t":
        return "-T"
    toks = [c for c in t.children if isinstance(c, Token)]
    sign = -1 if toks and toks[0].type == "MINUS" else 1
    nums = [_number(str(c), source, c.start_pos) for c in toks if c.type == "NUMBER"]
    if len(nums) == 2 and nums[1] == 0:
        raise ParseError("division by zero in an exponent", source, pos)
    value = nums[0] / nums[1] if len(nums) == 2 else nums[0]
    if abs(value) > MAX_EXPONENT or value.denominator > MAX_EXPONENT:
        raise ParseError(f"exponent too large: at most {MAX_EXPONENT} (and a denominator at most {MAX_EXPONENT})",
                         source, pos)
    return sign * value
