"""Errors: every failure a user can cause is a MatcalcError with one line of
message and, when it comes from the input, the source line and a caret."""
from __future__ import annotations


class MatcalcError(Exception):
    """Base class.  ``source`` and ``column`` (0-based) locate the error."""

    kind = "error"

    def __init__(self, message: str, source: str | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.column = column

    def render(self) -> str:
        """The message, then the source line with a caret under the column."""
        head = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                       for c in f"{self.kind}: {self.message}")  # one line, whatever the input held
        if len(head) > 400:  # a message quoting a huge expression: its ends
            head = head[:300] + " ... " + head[-60:]
        if self.source is None or self.column is None:
            return head
        line_start = self.source.rfind("\n", 0, self.column) + 1
        line_end = self.source.find("\n", self.column)
        line = self.source[line_start : None if line_end < 0 else line_end]
        col = self.column - line_start
        if len(line) > 100:  # keep huge inputs readable: a window round the caret
            lo = max(0, col - 50)
            line, col = ("..." if lo else "") + line[lo : lo + 100], col - lo + (3 if lo else 0)
        # one visible character for each one of the source, so that the caret stays in its column
        line = "".join(c if c.isprintable() else (" " if c == "\t" else "\ufffd") for c in line)
        return f"{head}\n  {line}\n  {' ' * col}^"

    def __str__(self):
        return self.render()


class ParseError(MatcalcError):
    kind = "syntax error"


class ShapeError(MatcalcError):
    kind = "shape error"


class UnknownNameError(MatcalcError):
    """A name used where it cannot be: a missing value, a function or a
    --let name given as the variable."""

    kind = "name error"


NameError_ = UnknownNameError  # deprecated alias (the old name), kept for code that imports it


class UnsupportedError(MatcalcError):
    kind = "unsupported"


class UsageError(MatcalcError):
    kind = "usage error"


class NumericError(MatcalcError):
    """Evaluation failed at the given values: a singular matrix to invert."""

    kind = "numeric error"


class CheckError(MatcalcError):
    kind = "check failed"
