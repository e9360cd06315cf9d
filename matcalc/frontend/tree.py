"""The syntax tree: one ``Syn`` node per form of the grammar (see forms.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Tuple


@dataclass
class Syn:
    """A syntax node: ``op`` names the grammar alias; ``start``/``end`` span the
    node's source; ``pos`` is where a caret should point (its operator).
    ``info`` holds what the passes find: its 'shape', then its 'expr'."""

    op: str
    args: Tuple[Any, ...]
    start: int
    end: int
    pos: int
    value: Any = None
    info: dict = field(default_factory=dict)
