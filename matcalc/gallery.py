"""The worked gallery, docs/gallery.md: the four seed problems solved by matcalc.

Every command's output is produced here by running the command line in
process, so the page is whatever matcalc prints now:

    python -m matcalc.gallery > docs/gallery.md

(tests/test_gallery.py checks that the file is current and that every result
passes its numeric check).  Not imported by ``import matcalc``.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass, field
from typing import List, Tuple


@dataclass
class Command:
    """One `matcalc ...` run: argv without the program name, and optionally the
    text before it."""

    argv: Tuple[str, ...]
    before: str = ""
    latex: bool = False  # show the output in a ```latex block (to paste), not a console


@dataclass
class Problem:
    seed: str
    title: str
    question: str
    commands: List[Command] = field(default_factory=list)
    after: str = ""


def cmd(*argv, before="", latex=False) -> Command:
    return Command(tuple(argv), before, latex)


PROBLEMS = [
    Problem(
        "000_fc480c89a5effce7",
        "Back-propagation through Z_k = A H_{k-1} W_k, H_k = σ(Z_k)",
        """Recursive layers Z_k = A H_{k-1} W_k and H_k = σ(Z_k), with σ an
element-wise function and L a scalar function of the last Z. Given the
gradient G_k = ∂L/∂Z_k of one layer, find G_{k-1} = ∂L/∂Z_{k-1}. The accepted
answer writes dL = G_k : dZ_k and moves factors across the Frobenius product
until it reads G_{k-1} : dZ_{k-1}.

In matcalc the given upstream gradient is a constant matrix: `G2 : Z2` is a
scalar whose gradient with respect to Z2 is G2, so it stands for L (see
[steps.md](steps.md)). The layers are named intermediates (`--let`), `sigma`
is a generic element-wise function, and `--steps` prints the derivation the
engine performed, one rule per line:""",
        [
            cmd("grad", "G2 : Z2", "wrt", "Z1", "--let", "Z2 = A H1 W2", "--let", "H1 = sigma(Z1)", "--steps"),
            cmd("grad", "G_k : Z_k", "wrt", "Z_j", "--let", "Z_k = A H_j W_k", "--let", "H_j = sigma(Z_j)",
                before="The same with the layer indices of the question (j = k - 1), the result only:"),
            cmd("grad", "G_k : Z_k", "wrt", "Z_j", "--let", "Z_k = A H_j W_k", "--let", "H_j = sigma(Z_j)",
                "--steps", "--format", "latex", "--equation", latex=True,
                before="The derivation as LaTeX, one `align*` block that ends with the equation of the result:"),
            cmd("recursion", "Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k)", "--adjoint", "G_k = dL/dZ_k",
                before="That is the recursion of the accepted answer, G_{k-1} = (A^T G_k W_k^T) ⊙ σ'(Z_{k-1}). "
                       "`matcalc recursion` takes the question as it is asked, the layers written with the "
                       "index k: it shifts them to the layer k+1, where the adjoint G_{k+1} is given "
                       "(dL = G_{k+1} : dZ_{k+1}), and goes back through H_k to Z_k:"),
            cmd("recursion", "Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k)", "--adjoint", "G_k = dL/dZ_k", "--steps",
                before="`--steps` is the chain of equalities of the accepted answer, from the given adjoint "
                       "to the definition of G_k:"),
            cmd("recursion", "Z_k = A H_{k-1} W_k", "H_k = sigma(Z_k)", "--adjoint", "G_k = dL/dZ_k", "--steps",
                "--format", "latex", latex=True, before="The same as LaTeX, to paste into a paper:"),
            cmd("grad", "E : Z3", "wrt", "Z1", "--let", "Z3 = A H2 W3", "--let", "H2 = sigma(Z2)",
                "--let", "Z2 = A H1 W2", "--let", "H1 = sigma(Z1)", "--backprop",
                before="With numbered layers and the output gradient E given, `--backprop` prints the "
                       "gradient as the same recursion, one adjoint G_V = ∂f/∂V per named intermediate, "
                       "from the output back to the variable (the lines parse back as `--let`s):"),
            cmd("grad", "v^T tanh(W5 tanh(W4 tanh(W3 tanh(W2 tanh(W1 x)))))", "wrt", "W1",
                before="A deep composition without names prints the same way by default: matcalc names "
                       "the pre-activations Z_i and activations H_i, then the adjoints, so the output grows "
                       "linearly with the depth:"),
        ],
        """Going one layer further down repeats the same two steps: move the factors
of Z_k = A H_{k-1} W_k across, then the Hadamard factor σ'.""",
    ),
    Problem(
        "001_f0e1369c888dcb5e",
        "The trace form of the matrix chain rule",
        """For a scalar g(U) of a matrix U = f(X), the chain rule in components is
∂g/∂X_ij = Σ_kl (∂g/∂U_kl)(∂U_kl/∂X_ij), and in trace form
∂g/∂X_ij = tr(G^T ∂U/∂X_ij) with G = ∂g/∂U. With differentials it is one line:
dg = tr(G^T dU) = G : dU, and dU is then expanded and the factors moved across.
matcalc prints the Frobenius product G : dU for tr(G^T dU) and goes through U
by the chain rule:""",
        [
            cmd("grad", "G : U", "wrt", "X", "--let", "U = A X B", "--steps"),
            cmd("grad", "G : U", "wrt", "X", "--let", "U = A X B", "--format", "index",
                before="The component form of the same result (repeated indices are summed):"),
            cmd("grad", "G : U", "wrt", "X", "--let", "U = X^{-1}", "--steps",
                before="Any differentiable U works the same way, for example an inverse or a Gram matrix:"),
            cmd("grad", "G : U", "wrt", "X", "--let", "U = X^T X", "--steps"),
            cmd("grad", "G : U", "wrt", "X", "--let", "U = X^T X", "--steps", "--format", "latex", latex=True),
        ],
    ),
    Problem(
        "002_907858842489ee9a",
        "A chain of matrices between two vectors",
        """F = (W^N)^T W^{N-1} ... W^1 x is a scalar; what is ∂F/∂W^m, and where does
the calculator's (W^{N-1})^T ... (W^{m+1})^T W^N (W^{m-1} ... W^1 x)^T come
from? The accepted answer reduces it to φ = w^T L M N x with M the matrix in
the middle: dφ = (L^T w x^T N^T) : dM.""",
        [
            cmd("grad", "w^T L M N x", "wrt", "M", "--steps"),
            cmd("grad", "v^T W3 W2 W1 x", "wrt", "W2", "--steps",
                before="With three layers (v is W^N, the vector at the end) and m = 2:"),
            cmd("grad", "v^T W3 W2 W1 x", "wrt", "v", before="and for m = N:"),
            cmd("grad", "w^T L M N x", "wrt", "M", "--steps", "--format", "latex", "--equation", latex=True),
        ],
        """W3^T v x^T W1^T is (W3^T v)(W1 x)^T, the calculator's formula: the factors
left of dW2 come out transposed in reverse order on the left, those on the
right on the right.""",
    ),
    Problem(
        "003_b084e3c7269f910b",
        "The derivative of a matrix product C = A B",
        """What are ∂C/∂A and ∂C/∂B for C = A B? As a derivative of a matrix by a
matrix it is a linear map, and it has three usual notations: the differential
dC, the Kronecker-product Jacobian of vec(C) by vec(A), and index notation.
matcalc prints all three (A is m×n, B is n×p):""",
        [
            cmd("jacobian", "A B", "wrt", "A", "--shape", "A=m,n", "--shape", "B=n,p"),
            cmd("jacobian", "A B", "wrt", "A", "--shape", "A=m,n", "--shape", "B=n,p", "--format", "index"),
            cmd("jacobian", "A B", "wrt", "B", "--shape", "A=m,n", "--shape", "B=n,p"),
            cmd("jacobian", "A B", "wrt", "B", "--shape", "A=m,n", "--shape", "B=n,p", "--format", "index"),
            cmd("jacobian", "A B", "wrt", "A", "--shape", "A=m,n", "--shape", "B=n,p", "--format", "latex",
                "--equation", latex=True),
            cmd("grad", "G : (A B)", "wrt", "A", "--steps",
                before="In back-propagation one never forms these Jacobians: with the upstream gradient "
                       "G = ∂L/∂C given, dL = G : dC, and the gradients are matrices shaped like A and B:"),
            cmd("grad", "G : (A B)", "wrt", "B", "--steps"),
            cmd("grad", "G : sigma(H W)", "wrt", "W", "--steps",
                before="The question's layer, out = H W and ŷ = σ(out), with G = ∂L/∂ŷ:"),
        ],
    ),
]


def quote(arg: str) -> str:
    """An argument as a user types it: double quotes when it needs any."""
    if re.fullmatch(r"[\w.,=/+-]+", arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def command_line(c: Command) -> str:
    return "matcalc " + " ".join(quote(a) for a in c.argv)


def run(c: Command) -> str:
    """What `matcalc ARGV` prints on stdout (it must succeed)."""
    from .cli import run as cli_run

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli_run(list(c.argv))
    if status != 0:
        raise RuntimeError(f"{command_line(c)} exited with {status}")
    return out.getvalue().rstrip("\n")


def result(c: Command):
    """The API result of a command (for checks)."""
    from . import api
    from .cli import _shapes, _wrt, build_parser

    args = build_parser().parse_args(list(c.argv))
    if args.command == "recursion":
        from .recursion import recursion

        return recursion(args.definitions, args.adjoint, _shapes(args.shape), tuple(args.function), args.index)
    extra = {"lets": args.let, "functions": args.function}
    wrt, shapes = _wrt(args.words), _shapes(args.shape)
    if args.command == "hessian":
        return api.hessian(args.expr, wrt, shapes, **extra)
    return getattr(api, args.command)(args.expr, wrt, shapes, args.layout, **extra)


def commands():
    return [c for p in PROBLEMS for c in p.commands]


def render() -> str:
    out = [
        "# Gallery: the seed problems, solved by matcalc",
        "",
        "<!-- Generated by `python -m matcalc.gallery > docs/gallery.md`; do not edit by hand.",
        "     tests/test_gallery.py checks that this file is current. -->",
        "",
        "Each section is one of the questions matcalc was built from, with the commands",
        "that answer it and their output, exactly as matcalc prints it. How `--steps`,",
        "`--let`, generic functions such as `sigma` and `--equation` work is explained",
        "in [steps.md](steps.md). Every result on this page also passes matcalc's",
        "numeric check against finite differences (`--check`).",
        "",
    ]
    for k, p in enumerate(PROBLEMS):
        out += [f"## {k + 1}. {p.title}", "", f"Seed `{p.seed}`.", "", p.question, ""]
        console: list = []

        def flush():
            if console:
                out.extend(["```console", *console, "```", ""])
                console.clear()

        for c in p.commands:
            if c.before:
                flush()
                out += [c.before, ""]
            if c.latex:
                flush()
                out += [f"`{command_line(c)}`:", "", "```latex", run(c), "```", ""]
            else:
                console += ["$ " + command_line(c), run(c)]
        flush()
        if p.after:
            out += [p.after, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
