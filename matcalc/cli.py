"""The command line: ``matcalc grad|jacobian|hessian EXPR wrt X [wrt Y ...] [--shape N=D]... [--format F] [--check]``.

stdout holds the answer only (it parses in its format: text, LaTeX, Python,
JSON); everything else goes to stderr: the --check line, notes (a variable
that does not occur, dimensions matcalc named) and errors.  Every user error
is one message on stderr (with the source line and a caret where it
applies) and exit status 2; a failed --check exits 1.
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
    from . import __version__, helptext

    p = _Parser(prog="matcalc", description="Symbolic matrix differential calculus.",
                epilog=helptext.main_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"matcalc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        g = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                           epilog=helptext.command_epilog(name), formatter_class=argparse.RawDescriptionHelpFormatter)
        g.add_argument("expr", help="the expression, in quotes, e.g. \"x^T A x\"")
        g.add_argument("words", nargs="+", metavar="wrt X",
                       help="the variable: 'wrt X' (or just 'X')" + ("" if name == "hessian" else
                            "; several: wrt X wrt Y, or wrt X, Y"))
        g.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                       help="declare a shape: scalar, n (a column vector) or m,n (a matrix)")
        g.add_argument("--format", choices=FORMATS, default="text",
                       help="the output format (default text; see the list below)")
        g.add_argument("--input", choices=("auto", "text", "latex"), default="auto",
                       help="the expression's syntax; auto (default) reads LaTeX when it has a backslash")
        if name != "hessian":
            g.add_argument("--layout", choices=("numerator", "denominator"), default=None,
                           help="grad: denominator (default, shaped like X); jacobian: numerator (default)")
        g.add_argument("--let", action="append", default=[], metavar="NAME=EXPR",
                       help="a named intermediate, e.g. --let 'r = A x - b' (repeatable)")
        g.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="declare NAME a generic element-wise function (sigma, f, g are already)")
        g.add_argument("--symmetric", action="append", default=[], metavar="NAME",
                       help="declare the square matrix NAME symmetric (repeatable)")
        g.add_argument("--spd", action="append", default=[], metavar="NAME",
                       help="declare the square matrix NAME symmetric positive definite (repeatable)")
        if name == "grad":
            g.add_argument("--symmetric-convention", choices=("symmetric", "entrywise"), default=None,
                           help="gradient wrt a symmetric matrix: symmetric (default; the symmetric G with "
                                "df = G : dS) or entrywise (the partial derivatives wrt the distinct entries)")
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
    h = sub.add_parser("help", help="matcalc help language: a summary of the input language")
    h.add_argument("topic", choices=("language",), help="language: operators, functions, naming convention")
    return p


def _wrt(words, command: str = "grad", expr: str = ""):
    """The variable's name (``wrt X`` or ``X``), or a list of names for several
    (``wrt X wrt Y`` or ``wrt X, Y``)."""
    names = _wrt_list(words, command, expr)
    return names[0] if len(names) == 1 else names


def _wrt_list(words, command: str = "grad", expr: str = "") -> list:
    """The variables: ``wrt X``, ``X``, ``wrt X wrt Y`` or ``wrt X, Y``."""
    if words[0] != "wrt":
        if len(words) == 1:
            return words
        _unquoted(command, expr, words)
    names, i = [], 0
    while i < len(words):
        if words[i] != "wrt":
            raise UsageError("give each variable after its own wrt: wrt X wrt Y (or wrt X, Y)")
        i, group = i + 1, []
        while i < len(words):
            word = words[i]
            i += 1
            group.extend(part for part in word.split(",") if part)
            if not word.endswith(",") and not (i < len(words) and words[i].startswith(",")):
                break
        if not group:
            raise UsageError("give the variable as: wrt X")
        names.extend(group)
    return names


def _unquoted(command: str, expr: str, words):
    """The shell split an unquoted expression (matcalc grad x^T A x wrt x): say how to quote it."""
    k = words.index("wrt") if "wrt" in words else len(words)
    whole = " ".join([expr, *words[:k]])
    rest = " ".join(words[k:]) or "wrt X"
    raise UsageError(f"quote the expression: matcalc {command} \"{whole}\" {rest} "
                     "(without quotes the shell splits it into several arguments)")


def _shapes(items) -> dict:
    """--shape NAME=DIMS items -> {name: 'DIMS'} (see frontend/shape_spec.py)."""
    from .frontend.shape_spec import shape_options

    return shape_options(items)


def render(result, fmt: str, equation: bool, steps: bool = False, backprop: bool = False) -> str:
    """The output of one result in one format (without the check line)."""
    from .printing.equations import derivation

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
    if steps:  # the derivation ends with what it derived, left side stated: ∂f/∂X = G
        return result.steps_text(latex, equation=True)
    if result.kind == "gradient":
        return result.equation(latex) if equation else (result.latex(True) if latex else result.text(True))
    return derivation(result, latex)  # LaTeX: one aligned block for one display


def run(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        raise UsageError('give a command, e.g.: matcalc grad "x^T A x" wrt x')
    if args.command == "help":
        from .helptext import language

        print(language())
        return 0
    if args.command == "recursion":
        from .recursion import run_recursion

        return run_recursion(args, _shapes(args.shape))
    from . import api
    from .result import CHECK_TOLERANCE

    wrt, shapes = _wrt(args.words, args.command, args.expr), _shapes(args.shape)
    extra = {"lets": args.let, "functions": args.function, "syntax": args.input,
             "symmetric": args.symmetric, "spd": args.spd}
    if getattr(args, "symmetric_convention", None):
        extra["convention"] = args.symmetric_convention
    if args.command == "hessian":
        result = api.hessian(args.expr, wrt, shapes, **extra)
    else:
        result = getattr(api, args.command)(args.expr, wrt, shapes, args.layout, **extra)
    results = list(result) if isinstance(result, list) else [result]
    output = lambda: _output(result, args)  # noqa: E731
    try:
        errors = [r.check() for r in results] if args.check else None
    except NumericError:  # no usable random point: the result stands, the check could not run
        print(output())
        raise
    printed = ""
    if args.format == "json" and errors is not None:
        data = [r.to_dict() for r in results]
        for d, error in zip(data, errors):
            d["check"] = {"relative_error": error, "passed": error < CHECK_TOLERANCE}
        print(json.dumps(data if isinstance(result, list) else data[0], ensure_ascii=False, indent=2))
    else:
        printed = output()
        print(printed)
    for note in _notes(result, args.format, printed if args.format in ("text", "latex") else ""):
        print(f"matcalc: note: {note}", file=sys.stderr)
    if errors is None:
        return 0
    for r, error in zip(results, errors):  # one rule: the check line goes to stderr, in every format
        which = f" wrt {r.wrt}" if len(results) > 1 else ""
        print(f"check{which}: relative error {error:.1e} against central differences "
              f"({'passed' if error < CHECK_TOLERANCE else 'FAILED'})", file=sys.stderr)
    return 0 if all(e < CHECK_TOLERANCE for e in errors) else 1


def _output(result, args) -> str:
    steps, backprop = getattr(args, "steps", False), getattr(args, "backprop", False)
    if not isinstance(result, list):
        return render(result, args.format, args.equation, steps, backprop)
    return render_many(result, args.format, args.equation, steps, backprop)


def render_many(results, fmt: str, equation: bool, steps: bool = False, backprop: bool = False) -> str:
    """Several variables: text one ``∂f/∂X = G`` line per variable (LaTeX an
    aligned block), JSON a list, code one module whose functions return
    tuples in the order of wrt; --steps and --backprop one block per variable."""
    if fmt == "json":
        return results.json()
    if fmt in ("numpy", "jax", "torch"):
        return results.code(fmt).rstrip("\n")
    if fmt in ("index", "index-latex"):
        return results.index(latex=fmt == "index-latex")
    if steps or backprop:
        return "\n\n".join(render(r, fmt, equation, steps, backprop) for r in results)
    latex = fmt == "latex"
    if results.kind == "gradient":
        return results.latex(True) if latex else results.text(True)
    from . import build as b
    from .printing.latex import to_latex
    from .printing.text import to_text

    total = b.add(*[r.differential for r in results], shape=results[0].differential.shape)
    left = r"\mathrm{d}F" if latex else "dF"
    return f"{left} = {(to_latex if latex else to_text)(total)}\n" + results.equation(latex)


def _notes(result, fmt: str, printed: str) -> list:
    """Notes for stderr: variables that do not occur; where the text or LaTeX
    printed names a dimension matcalc made up (I_n, K_{m,n}, ones(n)), the
    shapes that define it."""
    results = list(result) if isinstance(result, list) else [result]
    notes = [n for r in results for n in r.notes]
    note = results[0].dimensions_note(results, printed) if printed else None
    return notes + ([note] if note else [])


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
