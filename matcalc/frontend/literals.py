"""Number literals and exponents, read exactly and within size limits: a huge
number (1e999999) or exponent (X^100000) is an error, not minutes of
big-integer work or a product of a hundred thousand factors."""
from __future__ import annotations

from fractions import Fraction

from ..errors import ParseError

MAX_DIGITS = 300  # a number literal has at most this many digits and a decimal exponent at most this size
MAX_EXPONENT = 1000  # X^k multiplies k factors out; 2^k computes an exact k-bit number


def number(text: str, source: str = "", pos: int = 0) -> Fraction:
    """A number literal, exactly."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > MAX_DIGITS + 1 or (exponent and abs(int(exponent)) > MAX_DIGITS):
        raise ParseError(f"number too large: at most {MAX_DIGITS} digits and exponents up to e{MAX_DIGITS}",
                         source, pos)
    return Fraction(text)


def exponent(t, source: str = "", pos: int = 0):
    """An exponent (a Lark tree): 'T', '-T' or a Fraction of size at most MAX_EXPONENT."""
    from lark import Token

    while t.data == "exponent":  # braces or parentheses around the inner form
        t = t.children[0]
    if t.data == "exp_t":
        return "T"
    if t.data == "exp_neg_t":
        return "-T"
    toks = [c for c in t.children if isinstance(c, Token)]
    sign = -1 if toks and toks[0].type == "MINUS" else 1
    nums = [number(str(c), source, c.start_pos) for c in toks if c.type == "NUMBER"]
    if len(nums) == 2 and nums[1] == 0:
        raise ParseError("division by zero in an exponent", source, pos)
    value = nums[0] / nums[1] if len(nums) == 2 else nums[0]
    if abs(value) > MAX_EXPONENT or value.denominator > MAX_EXPONENT:
        raise ParseError(f"exponent too large: at most {MAX_EXPONENT} (and a denominator at most {MAX_EXPONENT})",
                         source, pos)
    return sign * value
