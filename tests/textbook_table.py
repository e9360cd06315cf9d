"""Gradients with the form a textbook prints, for tests/test_textbook.py.

Each row: the expression, the variable, the textbook's gradient written in
matcalc's language, where it comes from, and optional shapes, named
intermediates (lets) and generic functions.  Sources:

  MC    The Matrix Cookbook (Petersen & Pedersen, 2012), section 2, equation number
  MN    Magnus & Neudecker, Matrix Differential Calculus (3rd ed.), chapters 8-10, 13
  seed  the seed problems in shared/seeds (000 back-propagation, 001 trace-form chain
        rule, 002 deep linear product, 003 C = A B and a row-vector layer)
  ML    machine-learning objectives in their usual textbook form (Bishop, PRML;
        Goodfellow et al., Deep Learning; Murphy, PML)

Where the textbook assumes a symmetric matrix (A = A^T, Sigma), the row states
the general form, which is what matcalc derives for an unconstrained matrix;
matcalc has no symmetric declaration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple


@dataclass(frozen=True)
class Row:
    expr: str
    wrt: str
    textbook: str
    source: str
    shapes: Dict[str, str] = field(default_factory=dict)
    lets: Tuple[str, ...] = ()
    functions: Tuple[str, ...] = ()

    @property
    def id(self) -> str:
        lets = "".join(f" [{x}]" for x in self.lets)
        return f"{self.source}: {self.expr}{lets} wrt {self.wrt}"


def R(expr, wrt, textbook, source, shapes=None, lets=(), functions=()):
    return Row(expr, wrt, textbook, source, dict(shapes or {}), tuple(lets), tuple(functions))


SQ = {"X": "n,n"}  # a square X where the row needs one
TALL = {"X": "5,3", "A": "5,5"}  # X^T X and X^T A X invertible

TABLE = [
    # --- Matrix Cookbook 2.4.1: first-order forms -------------------------------------------
    R("x^T a", "x", "a", "MC 69"),
    R("a^T x", "x", "a", "MC 69"),
    R("a^T X b", "X", "a b^T", "MC 70"),
    R("a^T X^T b", "X", "b a^T", "MC 71"),
    R("a^T X a", "X", "a a^T", "MC 72"),
    R("tr(X)", "X", "I", "MC 100", SQ),
    # --- 2.4.2: second-order forms --------------------------------------------------------
    R("b^T X^T X c", "X", "X (b c^T + c b^T)", "MC 77"),
    R("(B x + b)^T C (D x + d)", "x", "B^T C (D x + d) + D^T C^T (B x + b)", "MC 78"),
    R("b^T X^T D X c", "X", "D^T X b c^T + D X c b^T", "MC 80"),
    R("(X b + c)^T D (X b + c)", "X", "(D + D^T) (X b + c) b^T", "MC 81"),
    R("x^T B x", "x", "(B + B^T) x", "MC 85"),
    R("x^T x", "x", "2 x", "MC 85"),
    R("(x - s)^T W (x - s)", "x", "(W + W^T) (x - s)", "MC 84"),
    R("(x - s)^T W (x - s)", "s", "-(W + W^T) (x - s)", "MC 85"),
    R("(x - A s)^T W (x - A s)", "s", "-A^T (W + W^T) (x - A s)", "MC 86"),
    R("(x - A s)^T W (x - A s)", "A", "-(W + W^T) (x - A s) s^T", "MC 88"),
    R("(x - A s)^T W (x - A s)", "x", "(W + W^T) (x - A s)", "MC 87"),
    R("a^T X X^T b", "X", "(a b^T + b a^T) X", "MC 77"),
    R("a^T X^2 b", "X", "X^T a b^T + a b^T X^T", "MC 90", SQ),
    R("a^T X^3 b", "X", "(X^T)^2 a b^T + X^T a b^T X^T + a b^T (X^T)^2", "MC 90", SQ),
    # --- 2.2 and 2.4.x: inverses ------------------------------------------------------------
    R("a^T X^{-1} b", "X", "-X^{-T} a b^T X^{-T}", "MC 61"),
    R("tr(A X^{-1} B)", "X", "-X^{-T} A^T B^T X^{-T}", "MC 124"),
    R("tr(X^{-1})", "X", "-(X^{-2})^T", "MC 124"),
    R("tr(A X^{-1})", "X", "-X^{-T} A^T X^{-T}", "MC 124"),
    R("tr((X^T X)^{-1})", "X", "-2 X (X^T X)^{-2}", "MN 9", TALL),
    R("x^T (A + X)^{-1} x", "X", "-(A + X)^{-T} x x^T (A + X)^{-T}", "MN 9"),
    # --- 2.1 and 2.4: determinants --------------------------------------------------------
    R("det(X)", "X", "det(X) X^{-T}", "MC 49"),
    R("det(A X B)", "X", "det(A X B) X^{-T}", "MC 50", {"A": "n,n", "X": "n,n", "B": "n,n"}),
    R("logdet(X)", "X", "X^{-T}", "MC 57"),
    R("logdet(A X B)", "X", "X^{-T}", "MC 57", {"A": "n,n", "X": "n,n", "B": "n,n"}),
    R("det(X^T A X)", "X", "det(X^T A X) (A X (X^T A X)^{-1} + A^T X (X^T A^T X)^{-1})", "MC 54", TALL),
    R("det(X^T X)", "X", "2 det(X^T X) X (X^T X)^{-1}", "MC 55", TALL),
    R("logdet(X^T X)", "X", "2 X (X^T X)^{-1}", "MC 56", TALL),
    R("logdet(X^T A X)", "X", "A X (X^T A X)^{-1} + A^T X (X^T A^T X)^{-1}", "MN 8", TALL),
    R("det(X^2)", "X", "2 det(X^2) X^{-T}", "MC 53", SQ),
    R("det(X^{-1})", "X", "-det(X^{-1}) X^{-T}", "MN 8"),
    R("logdet(X^{-1})", "X", "-X^{-T}", "MN 8"),
    R("logdet(X + A)", "X", "(X + A)^{-T}", "MN 8"),
    R("det(X) tr(X)", "X", "det(X) (tr(X) X^{-T} + I)", "MN 8"),
    # --- 2.5: traces ------------------------------------------------------------------------
    R("tr(X A)", "X", "A^T", "MC 100"),
    R("tr(A X B)", "X", "A^T B^T", "MC 101"),
    R("tr(A X^T B)", "X", "B A", "MC 102"),
    R("tr(X^T A)", "X", "A", "MC 103"),
    R("tr(A X^T)", "X", "A", "MC 104"),
    R("tr(kron(A, X))", "X", "tr(A) I", "MC 105", SQ),
    R("tr(X^2)", "X", "2 X^T", "MC 106"),
    R("tr(X^2 B)", "X", "(X B + B X)^T", "MC 107"),
    R("tr(X^T B X)", "X", "B X + B^T X", "MC 108"),
    R("tr(B X X^T)", "X", "(B + B^T) X", "MC 109"),
    R("tr(X X^T B)", "X", "(B + B^T) X", "MC 110"),
    R("tr(X B X^T)", "X", "X B^T + X B", "MC 111"),
    R("tr(A X B X)", "X", "A^T X^T B^T + B^T X^T A^T", "MC 112"),
    R("tr(X^T X)", "X", "2 X", "MC 113"),
    R("tr(B^T X^T C X B)", "X", "C^T X B B^T + C X B B^T", "MC 114"),
    R("tr(X^T B X C)", "X", "B X C + B^T X C^T", "MC 115"),
    R("tr(A X B X^T C)", "X", "A^T C^T X B^T + C A X B", "MC 116"),
    R("tr((A X B + C) (A X B + C)^T)", "X", "2 A^T (A X B + C) B^T", "MC 117"),
    R("tr(kron(X, X))", "X", "2 tr(X) I", "MC 118", SQ),
    R("tr(X^3)", "X", "3 (X^2)^T", "MC 119"),
    R("tr(A X^2)", "X", "(A X + X A)^T", "MC 120"),
    R("tr(A X) tr(B X)", "X", "tr(B X) A^T + tr(A X) B^T", "MN 9"),
    R("tr(A X)^2", "X", "2 tr(A X) A^T", "MN 9"),
    R("tr(X) tr(X^T X)", "X", "tr(X^T X) I + 2 tr(X) X", "MN 9", SQ),
    R("tr(A X^T X)", "X", "X (A + A^T)", "MN 9"),
    # --- 2.6 norms --------------------------------------------------------------------------
    R("norm(x - a)", "x", "(x - a) / norm(x - a)", "MC 129"),
    R("norm(X)^2", "X", "2 X", "MC 130"),
    R("norm(X)", "X", "X / norm(X)", "MC 130"),
    R("norm(x)^2", "x", "2 x", "MC 129"),
    R("sqrt(x^T x)", "x", "x / sqrt(x^T x)", "MN 8"),
    # --- scalar functions of forms (Magnus & Neudecker ch. 8) ----------------------------------
    R("exp(a^T x)", "x", "exp(a^T x) a", "MN 8"),
    R("log(x^T A x)", "x", "(A + A^T) x / (x^T A x)", "MN 8"),
    R("1/(1 + x^T x)", "x", "-2 x / (1 + x^T x)^2", "MN 8"),
    R("(a^T x)^(3/2)", "x", "3/2 sqrt(a^T x) a", "MN 8"),
    R("(a^T X b)^2", "X", "2 (a^T X b) a b^T", "MN 8"),
    R("(x^T A x) / (x^T x)", "x", "((A + A^T) x - 2 (x^T A x) / (x^T x) x) / (x^T x)", "MN 11"),
    R("(x^T A x) / (x^T B x)", "x", "((A + A^T) x - (x^T A x) / (x^T B x) (B + B^T) x) / (x^T B x)", "MN 11"),
    # --- element-wise (Hadamard) forms ------------------------------------------------------------
    R("sum(A .* X)", "X", "A", "MN 8"),
    R("sum(X .* X)", "X", "2 X", "MN 8"),
    R("sum(A .* X .* X)", "X", "2 A .* X", "MN 8"),
    R("sum(X ./ Y)", "Y", "-X ./ Y.^2", "MN 8"),
    R("sum(X.^3)", "X", "3 X.^2", "MN 8"),
    R("sum(log(X))", "X", "X.^-1", "MN 8"),
    R("sum(exp(A X B))", "X", "A^T exp(A X B) B^T", "MN 8"),
    R("x^T diag(a) x", "x", "2 a .* x", "MN 8"),
    R("tr(diag(x) A)", "x", "diag(A)", "MN 8"),
    R("a^T exp(X b)", "X", "(a .* exp(X b)) b^T", "MN 8"),
    # --- Kronecker products -----------------------------------------------------------------------
    R("sum(kron(A, X))", "X", "sum(A) ones(p, q)", "MC 10.2", {"X": "p,q"}),
    R("sum(kron(X, X))", "X", "2 sum(X) ones(n, m)", "MC 10.2", {"X": "n,m"}),
    R("x^T kron(A, B) y", "A", "unvec(x, 5, 2)^T B unvec(y, 4, 3)", "MC 520",
      {"A": "2,3", "B": "5,4", "x": "10", "y": "12"}),
    R("x^T kron(A, B) y", "B", "unvec(x, 5, 2) A unvec(y, 4, 3)^T", "MC 520",
      {"A": "2,3", "B": "5,4", "x": "10", "y": "12"}),
    R("vec(X)^T kron(A, B) vec(X)", "X", "B X A^T + B^T X A", "MC 520", {"X": "n,m", "A": "m,m", "B": "n,n"}),
    R("vec(X)^T vec(A X B)", "X", "A X B + A^T X B^T", "MN 2", {"X": "n,m", "A": "n,n", "B": "m,m"}),
    # --- least squares and regularised regression ---------------------------------------------------
    R("norm(X w - y)^2", "w", "2 X^T (X w - y)", "ML least squares"),
    R("1/2 norm(X w - y)^2", "w", "X^T (X w - y)", "ML least squares"),
    R("(y - X w)^T (y - X w)", "w", "-2 X^T (y - X w)", "ML least squares"),
    R("norm(X w - y)^2 + lambda norm(w)^2", "w", "2 X^T (X w - y) + 2 lambda w", "ML ridge"),
    R("1/2 norm(X w - y)^2 + lambda/2 w^T w", "w", "X^T (X w - y) + lambda w", "ML ridge"),
    R("norm(A x - b)^2 + lambda norm(L x)^2", "x", "2 A^T (A x - b) + 2 lambda L^T L x", "ML Tikhonov"),
    R("(y - X w)^T W (y - X w)", "w", "-X^T (W + W^T) (y - X w)", "ML weighted least squares"),
    R("norm(A X - B)^2", "X", "2 A^T (A X - B)", "ML matrix least squares"),
    R("norm(Y - X B)^2", "B", "-2 X^T (Y - X B)", "ML multivariate regression"),
    R("norm(X - U V^T)^2", "U", "-2 (X - U V^T) V", "ML matrix factorisation"),
    R("norm(X - U V^T)^2", "V", "-2 (X - U V^T)^T U", "ML matrix factorisation"),
    R("norm(X - U V^T)^2 + lambda (norm(U)^2 + norm(V)^2)", "U", "2 lambda U - 2 (X - U V^T) V",
      "ML matrix factorisation"),
    R("norm(W^T W - I)^2", "W", "4 W (W^T W - I)", "ML orthogonality penalty"),
    R("tr(W^T L W)", "W", "(L + L^T) W", "ML graph Laplacian"),
    # --- logistic, Poisson, cross-entropy -------------------------------------------------------------
    R("sum(log(1 + exp(-y .* (X w))))", "w", "-X^T (y .* sigmoid(-y .* (X w)))", "ML logistic regression"),
    R("-(y^T log(sigmoid(X w)) + (1 - y)^T log(1 - sigmoid(X w)))", "w", "X^T (sigmoid(X w) - y)",
      "ML binary cross-entropy"),
    R("sum(softplus(X w)) - y^T X w", "w", "X^T (sigmoid(X w) - y)", "ML logistic log-likelihood"),
    R("sum(exp(X w)) - y^T X w", "w", "X^T (exp(X w) - y)", "ML Poisson regression"),
    R("-sum(Y .* log(P))", "P", "-Y ./ P", "ML cross-entropy"),
    R("-y^T log(p)", "p", "-y ./ p", "ML cross-entropy"),
    R("sum(p .* log(p ./ q))", "q", "-p ./ q", "ML KL divergence"),
    R("-sum(p .* log(p))", "p", "-1 - log(p)", "ML entropy"),
    R("-sum(y .* log(sigmoid(z)) + (1 - y) .* log(1 - sigmoid(z)))", "z", "sigmoid(z) - y",
      "ML binary cross-entropy"),
    R("y^T log(sigmoid(x))", "x", "y .* sigmoid(-x)", "ML log-sigmoid"),
    R("-(nu + kappa)/2 log(1 + (x - mu)^T inv(S) (x - mu) / nu)", "x",
      "-(nu + kappa) (S^{-1} + S^{-T}) (x - mu) / (2 (nu + (x - mu)^T S^{-1} (x - mu)))", "ML Student-t",
      {"mu": "n"}),
    R("log(sum(exp(x)))", "x", "exp(x) / sum(exp(x))", "ML log-sum-exp"),
    R("log(sum(exp(W x))) - y^T W x", "W", "(exp(W x) / sum(exp(W x)) - y) x^T", "ML softmax regression"),
    # --- Gaussian log-likelihoods ------------------------------------------------------------------------
    R("-1/2 (x - mu)^T inv(S) (x - mu)", "x", "-(S^{-1} + S^{-T}) (x - mu) / 2", "ML Gaussian",
      {"mu": "n"}),
    R("-1/2 (x - mu)^T inv(S) (x - mu)", "mu", "(S^{-1} + S^{-T}) (x - mu) / 2", "ML Gaussian",
      {"mu": "n"}),
    R("-1/2 logdet(S) - 1/2 (x - mu)^T inv(S) (x - mu)", "S",
      "(S^{-T} (x - mu) (x - mu)^T S^{-T} - S^{-T}) / 2", "ML Gaussian", {"mu": "n"}),
    R("1/2 logdet(P) - 1/2 (x - mu)^T P (x - mu)", "P", "(P^{-T} - (x - mu) (x - mu)^T) / 2",
      "ML Gaussian precision", {"mu": "n"}),
    R("-nu/2 logdet(S) - 1/2 tr(inv(S) C)", "S", "(S^{-T} C^T S^{-T} - nu S^{-T}) / 2", "ML Gaussian sample"),
    R("-1/2 y^T inv(K) y - 1/2 logdet(K)", "K", "(K^{-T} y y^T K^{-T} - K^{-T}) / 2", "ML Gaussian process"),
    R("-1/2 norm(y - X w)^2 / sigma^2", "w", "X^T (y - X w) / sigma^2", "ML Gaussian noise"),
    # --- PCA, Rayleigh quotients, Fisher --------------------------------------------------------------
    R("tr(W^T A W)", "W", "(A + A^T) W", "ML PCA"),
    R("(w^T A w) / (w^T B w)", "w", "((A + A^T) w - (w^T A w) / (w^T B w) (B + B^T) w) / (w^T B w)",
      "ML Fisher LDA"),
    R("norm(X - W W^T X)^2", "W",
      "-2 ((X - W W^T X) X^T + X (X - W W^T X)^T) W", "ML PCA reconstruction"),
    # --- layers of a network ---------------------------------------------------------------------------
    R("y^T tanh(W x + b)", "W", "(y .* tanh'(W x + b)) x^T", "ML tanh layer"),
    R("y^T tanh(W x + b)", "b", "y .* tanh'(W x + b)", "ML tanh layer"),
    R("sum(sigmoid(W x))", "W", "sigmoid'(W x) x^T", "ML sigmoid layer"),
    R("y^T relu(W x)", "W", "(y .* relu'(W x)) x^T", "ML ReLU layer"),
    R("G : (X W)", "W", "X^T G", "ML linear layer"),
    R("G : (X W)", "X", "G W^T", "ML linear layer"),
    R("G : (X W + ones(N) b^T)", "b", "G^T ones(N)", "ML affine layer", {"X": "N,d"}),
    R("norm(sigmoid(X W) - Y)^2", "W", "2 X^T ((sigmoid(X W) - Y) .* sigmoid'(X W))", "ML sigmoid regression"),
    R("1/2 norm(W2 sigmoid(W1 x) - y)^2", "W2", "(W2 sigmoid(W1 x) - y) sigmoid(W1 x)^T", "ML two-layer net"),
    R("1/2 norm(W2 sigmoid(W1 x) - y)^2", "W1", "(sigmoid'(W1 x) .* (W2^T (W2 sigmoid(W1 x) - y))) x^T",
      "ML two-layer net"),
    R("G : sigmoid(X W + ones(N) b^T)", "b", "(G .* sigmoid'(X W + ones(N) b^T))^T ones(N)", "ML affine layer",
      {"X": "N,d"}),
    R("sum(y .* sigmoid(X w))", "w", "X^T (y .* sigmoid'(X w))", "ML sigmoid layer"),
    R("sum(softplus(X w))", "w", "X^T sigmoid(X w)", "ML softplus"),
    R("sum(log(sigmoid(X w)))", "w", "X^T sigmoid(-X w)", "ML log-sigmoid"),
    R("sum(tanh(W2 tanh(W1 x)))", "W1", "(tanh'(W1 x) .* (W2^T tanh'(W2 tanh(W1 x)))) x^T", "ML two tanh layers"),
    # --- the seeds -------------------------------------------------------------------------------------
    R("G : (A sigma(Z) W)", "Z", "sigma'(Z) .* (A^T G W^T)", "seed 000"),
    R("G_k : Z_k", "Z_j", "sigma'(Z_j) .* (A^T G_k W_k^T)", "seed 000",
      lets=("Z_k = A H_j W_k", "H_j = sigma(Z_j)")),
    R("E : Z3", "Z1", "sigma'(Z1) .* (A^T (sigma'(Z2) .* (A^T E W3^T)) W2^T)", "seed 000",
      lets=("Z3 = A H2 W3", "H2 = sigma(Z2)", "Z2 = A H1 W2", "H1 = sigma(Z1)")),
    R("G : U", "X", "G .* sigma'(X)", "seed 001", lets=("U = sigma(X)",)),
    R("G : (A X B)", "X", "A^T G B^T", "seed 001"),
    R("G : exp(A X)", "X", "A^T (G .* exp(A X))", "seed 001"),
    R("w^T W3 W2 W1 x", "W2", "W3^T w x^T W1^T", "seed 002"),
    R("w^T W3 W2 W1 x", "W1", "W2^T W3^T w x^T", "seed 002"),
    R("w^T W3 W2 W1 x", "w", "W3 W2 W1 x", "seed 002"),
    R("G : (A B)", "A", "G B^T", "seed 003"),
    R("G : (A B)", "B", "A^T G", "seed 003"),
    R("G : sigmoid(h W)", "W", "h^T (G .* sigmoid'(h W))", "seed 003", {"h": "1,3", "G": "1,2"}),
    R("L : sigmoid(a B)", "a", "(L .* sigmoid'(a B)) B^T", "seed 003", {"a": "1,3", "L": "1,2"}),
]
