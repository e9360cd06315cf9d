"""Source text -> Lark tree, with the input's limits checked first.

The Lark grammar is grammar/matcalc.lark (shipped inside the package as
matcalc/grammar/matcalc.lark); the LALR parser is built once per process and
cached on disk by Lark.  Syntax errors become ParseError with a caret.  The
front end (matcalc/frontend/syntax.py) turns the tree into Syn nodes.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .errors import ParseError
from .functions import BUILTIN
from .operators import STRUCTURAL_FUNCTIONS
KEYWORDS = tuple(sorted(STRUCTURAL_FUNCTIONS + BUILTIN, key=lambda s: (-len(s), s)))
MAX_DEPTH = 400  # deeper nesting is refused before it reaches Python's recursion limit
MAX_LENGTH = 100_000  # longer input is refused at once: parsing it would take many seconds


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


def parse_tree(source: str):
    """Parse source text into a Lark tree, or raise ParseError."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

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
    return tree


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
