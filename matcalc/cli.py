"""The command line: ``matcalc grad|jacobian|hessian EXPR wrt X [--shape N=D]... [--format F] [--check]``.

Every user error is one message on stderr (with the source line and a caret
where it applies) and exit status 2; a failed --check exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import MatcalcError, NumericError, UsageError

FORMATS = ("text", "latex", "numpy", "jax", "torch", "json", "index", "index-latex")
COMMANDS = {
    "grad": "gradient G of a scalar f, with df = G : dX (G shaped like X)",
    "jacobian": "Jacobian d vec(F) / d vec(X)^T of a vector or matrix F, with dF = L(dX)",
    "hessian": "Hessian d2f / d vec(X) d vec(X)^T of a scalar f, with its second differential",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="matcalc", description="Symbolic matrix differential calculus.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        g = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        g.add_argument("expr", help="the expression, e.g. 'x^T A x'")
        g.add_argument("words", nargs="+", metavar="wrt X", help="the variable: 'wrt X' or just 'X'")
        g.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                       help="declare a shape: scalar, n (a column vector) or m,n (a matrix)")
        g.add_argument("--format", choices=FORMATS, default="text")
        g.add_argument("--input", choices=("auto", "text", "latex"), default="auto",
                       help="the expression's syntax; auto (default) reads LaTeX when it has a backslash")
        if name != "hessian":
            g.add_argument("--layout", choices=("numerator", "denominator"), default=None,
                           help="grad: denominator (default, shaped like X); jacobian: numerator (default)")
        g.add_argument("--let", action="append", default=[], metavar="NAME=EXPR",
                       help="a named intermediate, e.g. --let 'r = A x - b' (repeatable)")
        g.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="declare NAME a generic element-wise function (sigma, f, g are already)")
        if name == "grad":
            g.add_argument("--steps", action="store_true",
                           help="show the derivation from df to G : dX, one rule per line")
            g.add_argument("--backprop", action="store_true",
                           help="print the recursion of adjoints G_V = ∂f/∂V through the --let names, "
                                "from the output back to X, one line each")
        g.add_argument("--equation", action="store_true",
                       help="print the whole equation, e.g. ∂f/∂X = G, whose left side states the layout")
        g.add_argument("--check", action="store_true",
                       help="compare with central finite differences on random data; exit 1 on failure")
    from .recursion import add_recursion_command

    add_recursion_command(sub)
    return p


def _wrt(words) -> str:
    if words[0] == "wrt":
        words = words[1:]
    if len(words) != 1:
        raise UsageError("give the variable as: wrt X")
    return words[0]


def _shapes(items) -> dict:
    """--shape NAME=DIMS items -> {name: 'DIMS'} (see frontend/shape_spec.py)."""
    from .frontend.shape_spec import shape_options

    return shape_options(items)


def render(result, fmt: str, equation: bool, steps: bool = False, backprop: bool = False) -> str:
    """The output of one result in one format (without the check line)."""
    from .printing.equations import differential_equation

    if fmt == "json":
        return result.json()
    if fmt in ("numpy", "jax", "torch"):
        return result.code(fmt).rstrip("\n")
    if fmt in ("index", "index-latex"):
        return result.index(latex=fmt == "index-latex")
    latex = fmt == "latex"
    if backprop:
        if fmt not in ("text", "latex") or steps or equation:
            raise UsageError("--backprop prints text or LaTeX, without --steps or --equation")
        return result.latex(form="backprop") if latex else result.text(form="backprop")
    if steps:
        final = result.equation(latex) if equation or not latex else result.latex()
        return result.steps_text(latex) + "\n" + (final if not latex else f"\\[ {final} \\]")
    if result.kind == "gradient":
        return result.equation(latex) if equation else (result.latex(True) if latex else result.text(True))
    return differential_equation(result, latex) + "\n" + result.equation(latex)


def run(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        raise UsageError('give a command, e.g.: matcalc grad "x^T A x" wrt x')
    if args.command == "recursion":
        from .recursion import run_recursion

        return run_recursion(args, _shapes(args.shape))
    from . import api
    from .result import CHECK_TOLERANCE

    wrt, shapes = _wrt(args.words), _shapes(args.shape)
    extra = {"lets": args.let, "functions": args.function, "syntax": args.input}
    if args.command == "hessian":
        result = api.hessian(args.expr, wrt, shapes, **extra)
    else:
        result = getattr(api, args.command)(args.expr, wrt, shapes, args.layout, **extra)
    try:
        error = result.check() if args.check else None
    except NumericError:  # no usable random point: the result stands, the check could not run
        print(render(result, args.format, args.equation, getattr(args, "steps", False),
                     getattr(args, "backprop", False)))
        raise
    if args.format == "json" and error is not None:
        data = result.to_dict()
        data["check"] = {"relative_error": error, "passed": error < CHECK_TOLERANCE}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render(result, args.format, args.equation, getattr(args, "steps", False),
                     getattr(args, "backprop", False)))
    if error is None:
        return 0
    passed = error < CHECK_TOLERANCE
    if args.format != "json":
        stream = sys.stderr if args.format in ("numpy", "jax", "torch") else sys.stdout
        print(f"check: relative error {error:.1e} against central differences "
              f"({'passed' if passed else 'FAILED'})", file=stream)
    return 0 if passed else 1


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
    except BrokenPipeError:  # the reader went away (matcalc ... | head): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a bug: still one line, never a traceback
        print(f"matcalc: internal error ({type(e).__name__}: {e}); please report this input", file=sys.stderr)
        return 3
