"""LaTeX input: the text and its map back onto the LaTeX, the tree's spans, ||x|| and name spellings."""
from __future__ import annotations

import re
from typing import List, Tuple

from ...errors import ParseError

from .translator import Translator


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
    from ...parser import MAX_LENGTH

    if len(source) > MAX_LENGTH:
        raise ParseError(f"expression longer than {MAX_LENGTH:,} characters ({len(source):,})", source, MAX_LENGTH)
    from ...parser import MAX_DEPTH

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
