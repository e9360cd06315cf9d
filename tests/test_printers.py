"""Printers: the text printer speaks the input language, so parse(text(e))
gives back e; the LaTeX printer gives well-formed amsmath.

The round trip runs over every expression and every result of the gradient
table.  Re-parsing declares every variable with the shape it had, so the
dimensions match; a free-standing I or ones(...) whose size no variable fixes
re-parses with a fresh dimension name, so the comparison is then by text and
by value rather than by identity.
"""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
from conftest import environment, sizes_for, value, var_shapes
from matcalc.printing.latex import to_latex
from matcalc.printing.text import to_text
from test_gradients import CASES
from test_identities import IDENTITIES, _sides


def _round_trip(e, shapes: dict):
    text = to_text(e)
    again = matcalc.parse(text, shapes)
    assert to_text(again) == text, f"{text!r} re-parses as {to_text(again)!r}"
    if again.shape == e.shape:  # else a free-standing I, ones or 0 took a fresh size
        assert again == e, f"{text!r}: {again!r} != {e!r}"
    for seed in (0, 1):
        env, sizes = environment([e], seed)
        left, right = value(e, env, sizes), value(again, env, sizes_for(again, e, sizes))
        assert np.allclose(left, right, rtol=1e-10, atol=1e-12), text


@pytest.mark.parametrize("expr,wrt,shapes,expected", CASES, ids=[f"{c[0]} wrt {c[1]}" for c in CASES])
def test_round_trip_gradient_table(expr, wrt, shapes, expected):
    r = matcalc.grad(expr, wrt, shapes=shapes)
    declared = var_shapes(r.derivation.f)
    declared.setdefault(wrt, r.derivation.x.shape)
    _round_trip(r.derivation.f, declared)
    _round_trip(r.expr, declared)


@pytest.mark.parametrize("identity", IDENTITIES, ids=[i.name for i in IDENTITIES])
def test_round_trip_identities(identity):
    for e in _sides(identity)[:2]:
        _round_trip(e, var_shapes(e))


def test_parse_text_is_identity_on_awkward_forms():
    """Forms whose printing needs care: negated Hadamard, element-wise
    division, transposed element-wise nodes, fractions, row-vector sums."""
    for text in ("-y .* sigmoid(-y .* (X w))", "x ./ y.^2", "x.^-1", "tanh(W x)^T", "v^T (a .* b)", "(a .* b)^T A",
                 "(x - m)^T A (x - m)", "x^T A x / 2", "(A + A^T) x / (x^T x)", "-(A + B)",
                 "X^{-T}", "(X^T)^2", "X^{-2}", "sqrt(x)^T", "2 (a^T x) b", "a / (b^T x)", "A ⊗ B + C",
                 "exp(W x) x^T / sum(exp(W x))", "det(X) (tr(X) X^{-T} + I)", "unvec(a, q, p)",
                 "1 - y", "sigmoid'(Z) .* (A^T G W^T)", "x.^(-1/2) / 2",
                 "1 / (x^T x)", "1 / (x^T x)^2", "-a .* b ./ x.^2", "(A + X)^{-T}", "((B X + A)^{-T})^2",
                 "ones(m*n)", "ones(1, 2*n) X"):
        e = matcalc.parse(text)
        assert to_text(e) == text, (text, to_text(e))
        _round_trip(e, var_shapes(e))


# --- LaTeX ---------------------------------------------------------------------------------------

LATEX_TOKENS = [  # (in the text, must appear in the LaTeX)
    ("^T", r"^{\top}"), ("^{-T}", r"^{-\top}"), ("^{-1}", "^{-1}"), ("tr(", r"\operatorname{tr}"),
    ("logdet(", r"\log\det"), ("det(", r"\det"), (" .* ", r"\odot"), (" ./ ", r"\oslash"),
    (" ⊗ ", r"\otimes"), ("diag(", r"\operatorname{diag}"), ("norm(", r"\|"), ("sqrt(", r"\sqrt{"),
    (" / ", r"\frac"),
]


@pytest.mark.parametrize("expr,wrt,shapes,expected", CASES, ids=[f"{c[0]} wrt {c[1]}" for c in CASES])
def test_latex_of_gradient_table(expr, wrt, shapes, expected):
    r = matcalc.grad(expr, wrt, shapes=shapes)
    text, tex = r.text(), r.latex()
    for token, latex in LATEX_TOKENS:
        if token in text and not (token == "det(" and "logdet(" in text and text.count("det(") == text.count("logdet(")):
            assert latex in tex, (token, text, tex)
    for e in (r.derivation.f, r.expr):  # the input is printed too, in step and equation output
        _check_latex(to_latex(e))


def _check_latex(tex: str):
    depth = 0
    for ch in tex:
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, tex
    assert depth == 0, tex
    assert tex.count(r"\left") == tex.count(r"\right"), tex
    assert " .* " not in tex and "^T" not in tex and "kron(" not in tex, tex


LATEX = [  # (expression, wrt, LaTeX of the gradient)
    ("x^T A x", "x", r"(A + A^{\top}) x"),
    ("logdet(X)", "X", r"X^{-\top}"),
    ("det(X)", "X", r"\det(X) X^{-\top}"),
    ("1/2 x^T A x", "x", r"\frac{(A + A^{\top}) x}{2}"),
    ("norm(x)", "x", r"\frac{x}{\left\| x \right\|}"),
    ("sum(x ./ y)", "y", r"-x \oslash y^{\circ 2}"),
    ("sum(tanh(W x))", "W", r"\tanh'(W x) x^{\top}"),
    ("λ x^T x", "x", r"2 \lambda x"),
    ("alpha x^T x", "x", r"2 \alpha x"),
    ("tr(X^{-1})", "X", r"-(X^{-\top})^2"),
    ("v^T W3 W2 W1 x", "W2", r"W_{3}^{\top} v x^{\top} W_{1}^{\top}"),
    ("x_hat^T A x_hat", "x_hat", r"(A + A^{\top}) \hat{x}"),
    ("norm(X_train w - y)^2", "w", r"2 X_{\mathrm{train}}^{\top} (X_{\mathrm{train}} w - y)"),
    ("lambda_2 w^T w", "w", r"2 \lambda_{2} w"),
]


@pytest.mark.parametrize("expr,wrt,tex", LATEX, ids=[c[0] for c in LATEX])
def test_latex_exact(expr, wrt, tex):
    assert matcalc.grad(expr, wrt).latex() == tex
