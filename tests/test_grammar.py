"""The input language, awkward inputs included.

Three tables: SPELLINGS (a text parses to the expression built explicitly
with matcalc.build, and every alternative spelling parses to the same),
NUMERIC (a text evaluates to what NumPy computes from its meaning), and
ERRORS (bad input raises the named MatcalcError with a caret under the
source).  Shapes are declared where the convention would leave them open, so
that the expected expressions can be built from the same variables.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import matcalc
from conftest import environment, value
from matcalc import build as b
from matcalc.expr import Add, Apply, Identity, MatMul, Var, Zero

SH = {"A": "n,n", "B": "n,n", "C": "n,n", "D": "n,n", "X": "n,n", "x": "n", "y": "n", "a": "n",
      "alpha": "scalar", "W_2": "m,n", "x_hat": "n"}


def V(name):
    """The variable as the declared shapes make it."""
    from matcalc.frontend import parse_dims

    return Var(name, parse_dims(SH[name]))


A, B, C, D, X, x, y, a = (V(n) for n in ("A", "B", "C", "D", "X", "x", "y", "a"))
alpha = V("alpha")
T = b.transpose

SPELLINGS = [
    # (texts, expected expression) -- every text in the tuple must parse to the expected one
    (("A (B + C)", "A(B + C)", "A * (B + C)", "A·(B+C)"), b.mul(A, b.add(B, C))),
    (("A B + A C",), b.add(b.mul(A, B), b.mul(A, C))),
    (("x'*A*x", "x^T A x", "x' A x", "xᵀ A x", "x’ * A * x", "x^{T} A x"), b.mul(T(x), A, x)),
    (("X^-1", "X^{-1}", "X^(-1)", "inv(X)", "X⁻¹", "inv(inv(inv(X)))"), b.inverse(X)),
    (("X^{-T}", "X^-T", "inv(X^T)", "inv(X)^T", "(X^T)^{-1}", "X⁻ᵀ", "X'^-1"), b.inverse(T(X))),
    (("X^3", "X X X", "X^2 X", "X * X^2"), b.matpow(X, 3)),
    (("X^{-2}", "inv(X)^2", "inv(X X)"), b.matpow(b.inverse(X), 2)),
    (("X^0", "X X^{-1}", "X^{-1} X", "X^2 X^{-2}"), Identity("n")),
    (("X^-1 - inv(X)", "A - A", "0 A", "A .* 0"), Zero(("n", "n"))),
    (("(x^T x)^2", "(x'x)^2", "(x^T x) (x^T x)"), b.power(b.mul(T(x), x), 2)),
    (("1/2 x^T x", "x^T x / 2", "0.5 x^T x", "x^T x * 0.5", "(1/2) x^T x"),
     b.mul(b.num(Fraction(1, 2)), T(x), x)),
    (("A .* B", "A ∘ B", "A ⊙ B", "B .* A"), b.hadamard(A, B)),
    (("A ./ B", "A .* B.^-1", "A .* B .^ (-1)"), b.hadamard(A, b.epow(B, -1))),
    (("A .^ 2", "A.^2", "A .* A"), b.epow(A, 2)),
    (("A .^ 0.5", "sqrt(A)", "A.^(1/2)"), b.epow(A, Fraction(1, 2))),
    (("kron(A, B)", "A ⊗ B", "kron(A,B)"), b.kron(A, B)),
    (("kron(A, B, C)", "A ⊗ B ⊗ C", "kron(A, kron(B, C))", "kron(A ⊗ B, C)"), b.kron(A, B, C)),
    (("A : B + C : D", "(A : B) + (C : D)"), b.add(b.frob(A, B), b.frob(C, D))),
    (("A B : C D", "(A B) : (C D)"), b.frob(b.mul(A, B), b.mul(C, D))),
    (("A : B C",), b.frob(A, b.mul(B, C))),
    (("2 A : B", "(2 A) : B", "2 (A : B)"), b.scale(2, b.frob(A, B))),
    (("-A B", "-(A B)", "(-A) B", "A (-B)", "−A B"), b.neg(b.mul(A, B))),
    (("-x^T x", "-(x^T x)"), b.neg(b.mul(T(x), x))),
    (("-X^2", "-(X^2)"), b.neg(b.matpow(X, 2))),
    (("A - -B", "A + B", "B + A", "A - (-B)"), b.add(A, B)),
    (("A - (B - C)", "A - B + C"), b.add(A, b.neg(B), C)),
    (("W_2 x_hat",), b.mul(V("W_2"), V("x_hat"))),
    (("alpha x", "x alpha", "alpha * x"), b.mul(alpha, x)),
    (("A + I", "I + A"), b.add(A, Identity("n"))),
    (("I x", "x", "I I x"), x),
    (("2 A", "A + A", "A * 2", "4 A / 2", "2A"), b.scale(2, A)),
    (("2", "1 + 1", "4/2", "2.0"), b.num(2)),
    (("0.5", "1/2", ".5", "5e-1"), b.num(Fraction(1, 2))),
    (("tr(A)B", "tr(A) B", "B tr(A)"), b.mul(b.trace(A), B)),
    (("tr(A B)", "tr(B A)", "tr((A B)^T)"), b.trace(b.mul(A, B))),
    (("exp(x)'", "exp(x)^T", "exp(x^T)", "(exp(x))^T"), T(b.apply("exp", x))),
    (("log(1 + exp(x))", "softplus(x)"), b.apply("softplus", x)),
    (("log(det(X))", "logdet(X)"), b.logdet(X)),
    (("diag(x)",), b.diag_mat(x)),
    (("diag(A)",), b.diag_vec(A)),
    (("vec(A)",), b.vec(A)),
    (("sum(A)", "sum(A')"), b.esum(A)),
    (("norm(x)", "norm(-x)", "norm(x')"), b.norm(x)),
    (("a^T x + x^T a", "2 a^T x", "2 x^T a"), b.scale(2, b.mul(T(a), x))),
    (("(x - y)^T A (x - y)",), b.mul(T(b.sub(x, y)), A, b.sub(x, y))),
]


@pytest.mark.parametrize("texts,expected", SPELLINGS, ids=[s[0][0] for s in SPELLINGS])
def test_spellings(texts, expected):
    for text in texts:
        got = matcalc.parse(text, SH)
        assert got == expected, f"{text!r} parsed to {got!r}, expected {expected!r}"


def test_product_not_call():
    """A (B + C) is a product, never a call of A."""
    e = matcalc.parse("A (B + C)")
    assert isinstance(e, MatMul) and isinstance(e.chain[1], Add) and e.chain[0].name == "A"


def test_function_names_need_a_word_boundary():
    """trX, detA, expx, sumx are names; the naming convention types them."""
    for name, shape in (("trX", ("n", 1)), ("detA", ("n", 1)), ("expx", ("n", 1)), ("TrX", ("n", "m")),
                        ("sumx", ("n", 1)), ("normal", ("n", 1)), ("logdetX", ("n", 1))):
        e = matcalc.parse(name)
        assert isinstance(e, Var) and e.name == name and e.shape == shape, (name, e)
    e = matcalc.parse("trX^T A")
    assert isinstance(e, MatMul) and e.chain[0] == b.transpose(Var("trX", ("n", 1)))


def test_naming_convention():
    """Lowercase Latin: column vector; uppercase (Latin or Greek): matrix; Greek
    (spelled out in lowercase, or lowercase Unicode): scalar; I: the identity
    unless declared."""
    shapes = {name: matcalc.parse(name).shape
              for name in ("x", "x_hat", "w2", "W", "W_2", "X_train", "Sigma", "Σ", "Λ", "Ω1")}
    assert all(s[1] == 1 and s[0] != 1 for n, s in shapes.items() if n[0].islower())
    assert all(s[0] != 1 and s[1] != 1 for n, s in shapes.items() if n[0].isupper())
    for name in ("alpha", "lambda", "lambda_reg", "sigma2", "mu", "α", "λ", "σ", "ω_2"):
        assert matcalc.parse(name).shape == (1, 1), name
    assert isinstance(matcalc.parse("I"), Identity)
    assert matcalc.parse("I", {"I": "n,m"}) == Var("I", ("n", "m"))
    assert matcalc.parse("σ x") == b.mul(Var("σ", (1, 1)), Var("x", ("n", 1)))
    assert matcalc.parse("lambda x") == b.mul(Var("lambda", (1, 1)), Var("x", ("n", 1)))


@pytest.mark.parametrize("source, column, hint", [
    ("½ x^T x", 0, "write 1/2"), ("tr(X²)", 4, "write ^2"), ("x₂^T x", 1, "write _2"), ("A ① x", 2, ""),
])
def test_numerals_that_are_not_digits_are_errors_not_names(source, column, hint):
    """½, ² and ₂ are word characters to a regular expression; X² must not be a new name."""
    with pytest.raises(matcalc.ParseError) as info:
        matcalc.parse(source)
    assert info.value.column == column and hint in info.value.message


def test_sigma_before_a_parenthesis_is_a_function():
    """sigma(Z) directly before a parenthesis is a generic element-wise function;
    with a space it is the scalar sigma times Z."""
    z = Var("Z", ("n", "m"))
    assert matcalc.parse("sigma(Z)") == b.apply("sigma", z)
    assert matcalc.parse("σ(Z)") == b.apply("σ", z)
    assert matcalc.parse("sigma (Z)") == b.mul(Var("sigma", (1, 1)), z)


def test_precedence_of_frobenius():
    """A : B binds looser than products and tighter than +."""
    e = matcalc.parse("A B : C + D : E")
    assert isinstance(e, Add) and len(e.terms) == 2
    assert matcalc.parse("a : b + c : d") == matcalc.parse("(a^T b) + (c^T d)")


def test_unicode_and_numbers():
    e = matcalc.parse("λ w^T w")
    assert e.is_scalar and "λ" in e.free
    assert matcalc.parse("2.5 A") == b.scale(Fraction(5, 2), Var("A", ("n", "m")))
    assert matcalc.parse("1e-3 A") == b.scale(Fraction(1, 1000), Var("A", ("n", "m")))
    assert isinstance(matcalc.parse("sigmoid'(x)"), Apply)


# --- numbers: what each construct means -----------------------------------------------------------

inv, kron = np.linalg.inv, np.kron

NUMERIC = [
    ("x'*A*x", lambda v: v["x"].T @ v["A"] @ v["x"]),
    ("A (B + C)", lambda v: v["A"] @ (v["B"] + v["C"])),
    ("1/2 x^T x", lambda v: 0.5 * v["x"].T @ v["x"]),
    ("X^{-1} A", lambda v: inv(v["X"]) @ v["A"]),
    ("X^{-T} A", lambda v: inv(v["X"]).T @ v["A"]),
    ("X^3", lambda v: v["X"] @ v["X"] @ v["X"]),
    ("(x^T x)^2", lambda v: (v["x"].T @ v["x"]) ** 2),
    ("A .* B - A ∘ C", lambda v: v["A"] * v["B"] - v["A"] * v["C"]),
    ("A ./ B", lambda v: v["A"] / v["B"]),
    ("A .^ 2", lambda v: v["A"] ** 2),
    ("kron(A, B)", lambda v: kron(v["A"], v["B"])),
    ("A ⊗ B vec(C)", lambda v: kron(v["A"], v["B"]) @ v["C"].reshape(-1, 1, order="F")),
    ("A : B + C : D", lambda v: np.sum(v["A"] * v["B"]) + np.sum(v["C"] * v["D"])),
    ("A B : C", lambda v: np.sum((v["A"] @ v["B"]) * v["C"])),
    ("-x^T x", lambda v: -(v["x"].T @ v["x"])),
    ("-X^2", lambda v: -(v["X"] @ v["X"])),
    ("alpha x + 2 y", lambda v: v["alpha"] * v["x"] + 2 * v["y"]),
    ("I + A", lambda v: np.eye(len(v["A"])) + v["A"]),
    ("1 + A", lambda v: 1 + v["A"]),
    ("exp(x)'", lambda v: np.exp(v["x"]).T),
    ("tr(A) B", lambda v: np.trace(v["A"]) * v["B"]),
    ("diag(x) A", lambda v: np.diag(v["x"][:, 0]) @ v["A"]),
    ("diag(A)", lambda v: np.diag(v["A"]).reshape(-1, 1)),
    ("vec(A B)", lambda v: (v["A"] @ v["B"]).reshape(-1, 1, order="F")),
    ("norm(A)", lambda v: np.linalg.norm(v["A"])),
    ("sum(x ./ y)", lambda v: np.sum(v["x"] / v["y"])),
    ("sqrt(x)", lambda v: np.sqrt(v["x"])),
]


@pytest.mark.parametrize("text,meaning", NUMERIC, ids=[n[0] for n in NUMERIC])
def test_numeric_meaning(text, meaning):
    e = matcalc.parse(text, SH)
    env, sizes = environment([e], 0)
    got = value(e, env, sizes)
    expected = np.asarray(meaning(env), dtype=float).reshape(got.shape)
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-10), (text, got, expected)


# --- errors --------------------------------------------------------------------------------------

ERRORS = [
    ("A +", None, matcalc.ParseError),
    ("(A", None, matcalc.ParseError),
    ("", None, matcalc.ParseError),
    ("tr X", None, matcalc.ParseError),
    ("A ** B", None, matcalc.ParseError),
    ("x^T x^T", None, matcalc.ShapeError),
    ("A B", {"A": "m,n", "B": "p,q"}, matcalc.ShapeError),
    ("A + B", {"A": "m,n", "B": "n,m"}, matcalc.ShapeError),
    ("tr(x)", None, matcalc.ShapeError),
    ("X^(1/2)", None, matcalc.ShapeError),
    ("det(A)", {"A": "m,n"}, matcalc.ShapeError),
    ("x / y", None, matcalc.ShapeError),
    ("A : B", {"A": "m,n", "B": "n,m"}, matcalc.ShapeError),
    ("kron(A)", None, matcalc.ShapeError),
    ("unvec(x, m)", None, matcalc.MatcalcError),
]


@pytest.mark.parametrize("text,shapes,error", ERRORS, ids=[e[0] or "empty" for e in ERRORS])
def test_errors_are_clear(text, shapes, error):
    with pytest.raises(error) as info:
        matcalc.parse(text, shapes)
    rendered = str(info.value)
    assert rendered.splitlines()[0].strip(), rendered
    if info.value.column is not None and text:
        assert text in rendered and rendered.rstrip().endswith("^"), rendered


def test_shape_error_names_both_shapes():
    with pytest.raises(matcalc.ShapeError) as info:
        matcalc.parse("A B", {"A": "m,n", "B": "p,q"})
    assert "m×n" in info.value.message and "p×q" in info.value.message
    assert info.value.column == 2  # the caret points at B, where the product fails


def test_every_grammar_alias_is_a_form_of_the_front_end():
    """Each ``-> alias`` of the grammar is one row of matcalc/frontend/forms.py
    (the exponent's inner forms are read by frontend/literals.py; gcall is made
    by frontend/generic_calls.py, not by the grammar)."""
    import re

    from matcalc.frontend.forms import FORMS
    from matcalc.parser import grammar_path

    aliases = set(re.findall(r"->\s*(\w+)", grammar_path().read_text(encoding="utf-8")))
    assert aliases - {"exp_number", "exp_t", "exp_neg_t"} == set(FORMS) - {"gcall"}
