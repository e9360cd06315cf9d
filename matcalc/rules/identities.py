"""Identities as data: two spellings of one value in matcalc's own notation.

An ``Identity(name, lhs, rhs, shapes, canonical)`` says lhs = rhs for every
value of the variables (``shapes`` declares the ones the naming convention
does not fix; both sides share one set of shapes).  ``canonical``: both sides
also build the same canonical expression (the constructors in matcalc.build
know the identity).  A ``DifferentialIdentity(name, f, df, shapes)`` says
d(f) = df, where the variable dV of df is the differential of the variable V of
f (declared with V's shape): every rule of matcalc.rules carries one of these.

``IDENTITIES`` is the table of textbook identities (Frobenius product, trace,
determinant, transpose and inverse, element-wise, Kronecker and vec).  One
generic test (tests/test_identities.py) parses and checks every identity of
every table numerically on random inputs; adding one never needs a new test.
"""
from __future__ import annotations

from typing import NamedTuple, Optional


class Identity(NamedTuple):
    """lhs = rhs, in matcalc notation."""

    name: str
    lhs: str
    rhs: str
    shapes: Optional[dict] = None
    canonical: bool = False  # both sides build the same expression

    def __str__(self):
        return f"{self.lhs} = {self.rhs}"


class DifferentialIdentity(NamedTuple):
    """d(f) = df, with dV in df the differential of the variable V of f."""

    name: str
    f: str
    df: str
    shapes: Optional[dict] = None

    def __str__(self):
        return f"d({self.f}) = {self.df}"


SQ = {"A": "n,n", "B": "n,n"}

IDENTITIES = [
    # --- Frobenius product (the moves of the peeling loop) ----------------------------------------
    Identity("frob-move-right", "C : (A B)", "(C B^T) : A", {"A": "m,n", "B": "n,p"}, True),
    Identity("frob-move-left", "C : (A B)", "(A^T C) : B", {"A": "m,n", "B": "n,p"}, True),
    Identity("frob-symmetric", "A : B", "B : A", None, True),
    Identity("frob-transpose", "A : B", "A^T : B^T", None, True),
    Identity("frob-hadamard", "(A .* B) : C", "A : (B .* C)", None),
    Identity("frob-trace", "A : B", "tr(A^T B)", {"A": "m,n"}, True),
    Identity("frob-sum", "A : B", "sum(A .* B)", {"A": "m,n"}, True),
    Identity("frob-vec", "A : B", "vec(A)^T vec(B)", {"A": "m,n"}),
    Identity("frob-norm", "A : A", "norm(A)^2", {"A": "m,n"}),
    Identity("frob-vectors", "a : b", "a^T b", None, True),
    # --- trace -------------------------------------------------------------------------------------------
    Identity("trace-cyclic", "tr(A B)", "tr(B A)", {"A": "m,n"}, True),
    Identity("trace-cyclic-3", "tr(A B C)", "tr(C A B)", {"A": "m,n", "B": "n,p"}, True),
    Identity("trace-transpose", "tr(A^T)", "tr(A)", None, True),
    Identity("trace-linear", "tr(A + 2 B)", "tr(A) + 2 tr(B)", None, True),
    Identity("trace-outer", "tr(x y^T)", "y^T x", None, True),
    Identity("trace-kron", "tr(kron(A, B))", "tr(A) tr(B)", {"A": "n,n", "B": "m,m"}, True),
    Identity("trace-diag", "tr(diag(x))", "sum(x)", None, True),
    Identity("trace-identity-sum", "sum(diag(A))", "tr(A)", None),
    # --- determinant and log-determinant -----------------------------------------------------------------
    Identity("det-product", "det(A B)", "det(A) det(B)", SQ, True),
    Identity("det-transpose", "det(A^T)", "det(A)", None, True),
    Identity("det-inverse", "det(A^{-1})", "1 / det(A)", None, True),
    Identity("det-power", "det(A^3)", "det(A)^3", None, True),
    Identity("det-scale", "det(2 A)", "8 det(A)", {"A": "3,3"}),
    Identity("logdet-inverse", "logdet(X^{-1})", "-logdet(X)", None, True),
    Identity("logdet-product", "logdet(A B)", "logdet(A) + logdet(B)", SQ, True),
    Identity("logdet-log-det", "log(det(X))", "logdet(X)", None, True),
    Identity("logdet-power", "logdet(X^3)", "3 logdet(X)", None, True),
    Identity("logdet-transpose", "logdet(X^T)", "logdet(X)", None, True),
    # --- transpose, inverse, powers ---------------------------------------------------------------------
    Identity("transpose-product", "(A B)^T", "B^T A^T", None, True),
    Identity("transpose-sum", "(A + B)^T", "A^T + B^T", None, True),
    Identity("transpose-twice", "(A^T)^T", "A", None, True),
    Identity("transpose-tick", "x' A' y", "x^T A^T y", None, True),
    Identity("inverse-product", "(A B)^{-1}", "B^{-1} A^{-1}", SQ, True),
    Identity("inverse-transpose", "(X^T)^{-1}", "X^{-T}", None, True),
    Identity("transpose-inverse", "(X^{-1})^T", "X^{-T}", None, True),
    Identity("inverse-spellings", "inv(X)", "X^-1", None, True),
    Identity("inverse-twice", "inv(inv(X))", "X", None, True),
    Identity("inverse-transpose-sum", "inv(A^T + B^T)", "(A + B)^{-T}", None, True),
    Identity("inverse-cancel", "A X X^{-1} B", "A B", None, True),
    Identity("inverse-scalar", "(2 X)^{-1}", "X^{-1} / 2", None, True),
    Identity("power-product", "X X X", "X^3", None, True),
    Identity("power-merge", "X^2 X^{-1}", "X", None, True),
    Identity("power-negative", "X^{-2}", "inv(X)^2", None, True),
    Identity("scalar-transpose", "a^T B c", "c^T B^T a", None, True),
    Identity("scalar-commute", "(a^T b) x", "x (b^T a)", None, True),
    Identity("outer-inner", "x y^T z", "(y^T z) x", None, True),
    Identity("scalar-fraction", "1/2 x^T x", "x^T x / 2", None, True),
    Identity("scalar-decimal", "0.5 A", "A / 2", None, True),
    Identity("scalar-power", "(a^T b)^2", "(a^T b) (b^T a)", None, True),
    Identity("distribute", "A (B + C)", "A B + A C", None),
    # --- element-wise ---------------------------------------------------------------------------------------
    Identity("diag-outer", "diag(x x^T)", "x .* x", None, True),
    Identity("diag-diag", "diag(diag(x))", "x", None, True),
    Identity("diag-hadamard", "diag(x) y", "x .* y", None),
    Identity("softplus", "log(1 + exp(x))", "softplus(x)", None, True),
    Identity("hadamard-commute", "A .* B", "B .* A", None, True),
    Identity("hadamard-spellings", "A ∘ B", "A ⊙ B", None, True),
    Identity("hadamard-square", "A .* A", "A.^2", None, True),
    Identity("hadamard-divide", "A ./ B", "A .* B.^-1", None, True),
    Identity("hadamard-transpose", "(a .* b)^T", "a^T .* b^T", None, True),
    Identity("hadamard-sign", "-a .* b ./ c", "-(a .* (b ./ c))", None, True),
    Identity("hadamard-scalars", "(2 a) .* (alpha b)", "2 alpha (a .* b)", None, True),
    Identity("ones-outer", "ones(m) ones(n)^T", "ones(m, n)", None, True),
    Identity("elementwise-transpose", "tanh(X^T)", "tanh(X)^T", None, True),
    Identity("epow-transpose", "(X^T).^3", "(X.^3)^T", None, True),
    Identity("epow-merge", "X^T .* (X.^2)^T", "(X.^3)^T", None, True),
    Identity("sqrt-power", "sqrt(x)", "x.^(1/2)", None, True),
    Identity("sigmoid-tanh", "sigmoid(x)", "1/2 + 1/2 tanh(x / 2)", None),
    Identity("sigmoid-prime", "sigmoid'(x)", "sigmoid(x) .* (1 - sigmoid(x))", None),
    Identity("tanh-prime", "tanh'(x)", "1 - tanh(x).^2", None),
    Identity("softplus-prime", "sigmoid(x)", "1 ./ (1 + exp(-x))", None),
    Identity("exp-log", "exp(log(x))", "x", None),
    # --- Kronecker, vec, sum, norm ----------------------------------------------------------------------------
    Identity("kron-spellings", "kron(A, B)", "A ⊗ B", None, True),
    Identity("kron-transpose", "kron(A, B)^T", "kron(A^T, B^T)", None, True),
    Identity("kron-mixed-product", "kron(A, B) kron(C, D)", "kron(A C, B D)",
             {"A": "m,n", "B": "p,q", "C": "n,r", "D": "q,s"}, True),
    Identity("kron-vec", "kron(A, B) vec(X)", "vec(B X A^T)", {"A": "p,n", "B": "q,m", "X": "m,n"}),
    Identity("kron-inverse", "inv(kron(A, B))", "kron(inv(A), inv(B))", {"A": "n,n", "B": "m,m"}),
    # the Kronecker rules of build (kron_vec, vec_kron, kron_sum) and of the adjoint (kron_rank_one_adjoint)
    Identity("kron-vec-canonical", "kron(A, B) vec(X)", "vec(B X A^T)", {"A": "p,n", "B": "q,m", "X": "m,n"}, True),
    Identity("vec-kron", "vec(Y)^T kron(A, B)", "vec(B^T Y A)^T", {"A": "p,n", "B": "q,m", "Y": "q,p"}, True),
    Identity("kron-sum", "sum(kron(A, B))", "sum(A) sum(B)", {"A": "m,n", "B": "p,q"}, True),
    Identity("kron-bilinear-left", "x^T kron(A, B) y", "unvec(x, 4, 2) : (B unvec(y, 5, 3) A^T)",
             {"A": "2,3", "B": "4,5", "x": "8", "y": "15"}),
    Identity("kron-bilinear-right", "(unvec(x, 4, 2) A unvec(y, 5, 3)^T) : B", "x^T kron(A, B) y",
             {"A": "2,3", "B": "4,5", "x": "8", "y": "15"}),
    Identity("size-of-ones", "sum(ones(3, 4))", "12", None, True),
    Identity("size-of-identity", "tr(I_3)", "3", None, True),
    Identity("kron-scalar", "kron(2 A, B)", "2 kron(A, B)", None, True),
    Identity("vec-of-vector", "vec(x^T)", "x", None, True),
    Identity("vec-ones", "vec(ones(m, n))", "ones(m*n)", None, True),
    Identity("vec-product", "vec(A X B)", "kron(B^T, A) vec(X)", {"A": "p,m", "X": "m,n", "B": "n,q"}),
    Identity("sum-ones", "sum(x)", "ones(n)^T x", {"x": "n"}),
    Identity("sum-transpose", "sum(A^T)", "sum(A)", None, True),
    Identity("sum-linear", "sum(A - 3 B)", "sum(A) - 3 sum(B)", None, True),
    Identity("norm-squared", "norm(x)^2", "x^T x", None),
    Identity("norm-scale", "norm(-2 x)", "2 norm(x)", None, True),
    Identity("norm-transpose", "norm(A^T)", "norm(A)", None, True),
    Identity("norm-sqrt", "norm(x)", "sqrt(x^T x)", None),
    Identity("identity-matrix", "I x", "x", None, True),
    Identity("frob-identity", "I : A", "tr(A)", None, True),
    # --- softmax, log_softmax, logsumexp: over a vector's entries, over each row of a matrix ----------------
    Identity("softmax-definition", "softmax(z)", "exp(z) / sum(exp(z))"),
    Identity("softmax-rows", "softmax(Z)", "exp(Z) ./ (exp(Z) ones(n) ones(n)^T)", {"Z": "m,n"}),
    Identity("softmax-shift", "softmax(z + alpha ones(n))", "softmax(z)"),
    Identity("logsumexp-definition", "logsumexp(z)", "log(sum(exp(z)))"),
    Identity("logsumexp-rows", "logsumexp(Z)", "log(exp(Z) ones(n))", {"Z": "m,n"}),
    Identity("logsumexp-shift", "logsumexp(z + alpha ones(n))", "logsumexp(z) + alpha"),
    Identity("log-softmax", "log(softmax(z))", "z - logsumexp(z) ones(n)", None, True),
    Identity("log-softmax-rows", "log_softmax(Z)", "log(exp(Z) ./ (exp(Z) ones(n) ones(n)^T))", {"Z": "m,n"}),
    Identity("softmax-exp-log-softmax", "exp(log_softmax(z))", "softmax(z)"),
]


#: Differential identities beyond the one each rule carries: the row-wise forms
#: of the softmax rules (one rule per node class serves vectors and matrices).
DIFFERENTIAL_IDENTITIES = [
    DifferentialIdentity("d-softmax-rows", "softmax(Z)", "softmax(Z) .* dZ - ((softmax(Z) .* dZ) ones(n) ones(n)^T) .* softmax(Z)",
                         {"Z": "m,n"}),
    DifferentialIdentity("d-logsumexp-rows", "logsumexp(Z)", "(softmax(Z) .* dZ) ones(n)", {"Z": "m,n"}),
    DifferentialIdentity("d-log-softmax", "log_softmax(z)", "dz - (softmax(z)^T dz) ones(n)"),
]
