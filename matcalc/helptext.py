"""The command line's help texts: examples per command, the naming convention,
the formats, and ``matcalc help language`` (a summary of the input language).

The function lists are generated from the tables (operators.OPERATORS,
functions.BUILTIN), so that a new row shows up here by itself; the infix
operators are the grammar's tokens (a test checks every one of them is
listed).  Text only: nothing here runs at import time beyond building strings
on demand.
"""
from __future__ import annotations

NAMING = ("names: lowercase = column vector (x, w, b2), Uppercase = matrix (A, W1, Sigma), "
          "lowercase Greek = scalar (alpha, lambda, λ); I is the identity; --shape NAME=DIMS overrides")

#: --format: one line each
FORMATS = {
    "text": "matcalc's own language (parses back); several variables: ∂f/∂X = ... lines",
    "latex": "LaTeX (several variables: an aligned block)",
    "numpy": "a NumPy module: gradient, value, value_and_gradient (hessian: more)",
    "jax": "the same module over jax.numpy (jax.jit compiles it)",
    "torch": "the same module over torch tensors",
    "json": "everything as JSON (several variables: a list, one object per variable)",
    "index": "Einstein index notation, e.g. ∂f/∂M_ij = L_ki w_k x_l N_jl",
    "index-latex": "index notation in LaTeX",
}

#: the infix and postfix operators of the language, loosest-binding first: (spelling, meaning)
INFIX = (
    ("A + B, A - B", "sum and difference"),
    ("A : B", "Frobenius product tr(A^T B)"),
    ("A B, A * B", "matrix product (juxtaposition), scalar product"),
    ("A / alpha", "division by a scalar"),
    ("A .* B, A ∘ B, A ⊙ B", "element-wise (Hadamard) product"),
    ("A ./ B", "element-wise division"),
    ("A ⊗ B", "Kronecker product"),
    ("-A", "negation"),
    ("A^T, A', Aᵀ", "transpose"),
    ("A^{-1}, A⁻¹, A^{-T}, A⁻ᵀ", "inverse, inverse transpose"),
    ("A^2, alpha^(1/2)", "matrix or scalar power"),
    ("A.^2", "element-wise power"),
)

EXAMPLES = {
    "grad": ('matcalc grad "x^T A x" wrt x',
             'matcalc grad "norm(W2 tanh(W1 x) - y)^2" wrt W1 wrt W2 --format numpy'),
    "jacobian": ('matcalc jacobian "A X B" wrt X',
                 'matcalc jacobian "sigmoid(W x)" wrt x --shape W=m,n --check'),
    "hessian": ('matcalc hessian "x^T A x" wrt x',
                'matcalc hessian "sum(log(1 + exp(-y .* (X w))))" wrt w --format numpy'),
}


def functions_line() -> str:
    from .functions import BUILTIN
    from .operators import STRUCTURAL_FUNCTIONS

    return ("functions: " + ", ".join(STRUCTURAL_FUNCTIONS) + "; element-wise: " + ", ".join(BUILTIN)
            + "; generic element-wise: sigma, f, g (more with --function NAME)")


def _wrapped(text: str, indent: str = "") -> str:
    import textwrap

    return textwrap.fill(text, 79, subsequent_indent=indent + "  ", break_on_hyphens=False)


def formats_text() -> str:
    width = max(len(k) for k in FORMATS)
    return "\n".join(f"  {name:<{width}}  {what}" for name, what in FORMATS.items())


def main_epilog() -> str:
    return "\n".join([
        "examples:",
        *[f"  {EXAMPLES[c][0]}" for c in ("grad", "jacobian")],
        "",
        _wrapped(NAMING),
        _wrapped(functions_line()),
        "",
        "formats (--format):",
        formats_text(),
        "",
        "`matcalc help language` summarises the input language (operators and functions);",
        "docs/language.md is the full reference. `matcalc COMMAND --help` shows each command's options.",
    ])


def command_epilog(command: str) -> str:
    lines = ["examples:", *[f"  {e}" for e in EXAMPLES[command]], ""]
    if command in ("grad", "jacobian"):
        lines += [_wrapped("several variables: wrt X wrt Y (or wrt X, Y) prints one result per variable, "
                           "each with its left side (∂f/∂X = ...); the generated code returns a tuple "
                           "in that order."), ""]
    else:
        lines += ["one variable: the cross blocks ∂²f/∂X∂Y of several are not computed.", ""]
    lines += [_wrapped(NAMING), _wrapped(functions_line()), "", "formats (--format):", formats_text(), "",
              "`matcalc help language` summarises operators and functions; docs/language.md has the rest."]
    return "\n".join(lines)


def language() -> str:
    """`matcalc help language`: the language on one screen."""
    from .operators import OPERATORS

    width = max(len(s) for s, _ in INFIX)
    ops = [f"  {s:<{width}}  {m}" for s, m in INFIX]
    seen, rows = set(), []
    for row in OPERATORS:
        if row.example and (row.name, row.shape) not in seen:
            seen.add((row.name, row.shape))
            rows.append((f"{row.name}", row.shape))
    from .operators import DERIVED

    rows += [(name, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "") for name, fn in DERIVED.items()]
    fw = max(len(n) for n, _ in rows)
    structural = [f"  {n:<{fw}}  {s}" for n, s in rows]
    from .functions import BUILTIN

    return "\n".join([
        "matcalc's input language (the full reference: docs/language.md)",
        "",
        _wrapped(NAMING + "."),
        "Dimensions: --shape A=m,n (matrix), x=n (vector), alpha=scalar; numbers are 2, 0.5, 1e-3, 1/2.",
        "",
        "Operators, loosest-binding first (products bind left to right):",
        *ops,
        "",
        "Structural functions (argument -> result):",
        *structural,
        "",
        _wrapped("Element-wise functions: " + ", ".join(BUILTIN) + " (f' is the derivative: tanh'(x))"),
        "Generic element-wise functions: sigma, f, g, and any NAME declared with --function NAME.",
        "Special matrices: I (identity, size inferred), I_n, K_{m,n} (commutation), ones(n), ones(m, n).",
        "",
        "LaTeX input: an expression with a backslash (or --input latex) is read as LaTeX.",
        "Write the expression in quotes: matcalc grad \"x^T A x\" wrt x",
    ])
