"""The command line: ``matcalc grad EXPR wrt X [--shape N=D]... [--format F] [--check]``.

Every user error is one message on stderr (with the source line and a caret
where it applies) and exit status 2; a failed --check exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import MatcalcError, UsageError

FORMATS = ("text", "latex", "numpy", "json")
CHECK_TOLERANCE = 1e-5


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="matcalc", description="Symbolic matrix differential calculus.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    g = sub.add_parser("grad", help="gradient of a scalar expression",
                       description="The gradient G of a scalar f, with df = G : dX (G has the shape of X).")
    g.add_argument("expr", help="the expression, e.g. 'x^T A x'")
    g.add_argument("words", nargs="+", metavar="wrt X", help="the variable: 'wrt X' or just 'X'")
    g.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="declare a shape: scalar, n (a column vector) or m,n (a matrix)")
    g.add_argument("--format", choices=FORMATS, default="text")
    g.add_argument("--check", action="store_true",
                   help="compare with central finite differences on random data; exit 1 on failure")
    return p


def _wrt(words) -> str:
    if words[0] == "wrt":
        words = words[1:]
    if len(words) != 1:
        raise UsageError("give the variable as: wrt X")
    return words[0]


def _shapes(items) -> dict:
    out = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--shape {item!r}: write NAME=DIMS, e.g. A=m,n or x=n or alpha=scalar")
        out[name.strip()] = dims
    return out


def run(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        raise UsageError("give a command, e.g.: matcalc grad \"x^T A x\" wrt x")
    from .api import grad

    result = grad(args.expr, _wrt(args.words), _shapes(args.shape))
    error = result.check() if args.check else None
    if args.format == "json":
        data = result.to_dict()
        if error is not None:
            data["check"] = {"relative_error": error, "passed": error < CHECK_TOLERANCE}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.format == "latex":
        print(result.latex())
    elif args.format == "numpy":
        print(result.numpy_source(), end="")
    else:
        print(result.text())
    if error is not None:
        passed = error < CHECK_TOLERANCE
        if args.format != "json":
            print(f"check: relative error {error:.1e} against central differences "
                  f"({'passed' if passed else 'FAILED'})", file=sys.stderr if args.format == "numpy" else sys.stdout)
        return 0 if passed else 1
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        return run(argv)
    except MatcalcError as e:
        print(f"matcalc: {e.render()}", file=sys.stderr)
        return 2
    except RecursionError:
        print("matcalc: error: the expression is nested too deeply", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: still one line, never a traceback
        print(f"matcalc: internal error ({type(e).__name__}: {e}); please report this input", file=sys.stderr)
        return 3
