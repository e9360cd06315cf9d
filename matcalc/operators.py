"""The structural operator table: one row per node class that a built-in
function of the language builds (tr, det, logdet, inv, diag, vec, unvec,
sum, norm, kron, ones, softmax, logsumexp); log_softmax is a keyword that
lowers to other operators (DERIVED).

A row says everything the layers need to know about the operator: the
keyword and its arity (parser, shape inference), the shape rule and the
square check, the constructor (lowering), the text / LaTeX / NumPy
spellings (printers, evaluator, generated code), the numeric domain (random
instances for checks) and whether the index notation can show it.  The
element-wise functions have their own table, functions.TABLE.

Invariant (tests/test_operator_table.py walks every row): the text and LaTeX
printers, the evaluator, the index builder (or an explicit ``index=False``),
the differential rules, transpose and map_children all handle each row's
node class.

Adding a one-argument structural function, adj(X) say, takes:
  1. expr.py: the node class (fields, shape, a rank of its own);
  2. build.py: its constructor (canonical forms), its case in ``_transpose``
     and its entry in ``UNARY`` (map_children);
  3. a row here (keyword, constructor, shape rule, square check, spellings,
     NumPy source, domain, example): the parser's keyword, the shape check,
     the lowering, the text and LaTeX printers and the evaluator follow;
  4. rules/: its differential rule (and an adjoint rule if it is linear);
  5. printing/index.py: an ``_index_<Class>`` method, or ``index=False``;
     printing/numpy_code.py: its method (it can read ``numpy``); printing/costs.py reads ``cost``.
A shape rule other than "scalar" or "same as the argument" also needs its case
in frontend/calls.py (shape).  An element-wise function is one row of functions.TABLE.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from . import build
from .expr import Det, DiagMat, DiagVec, Inverse, Kron, LogDet, LogSumExp, Norm, Ones, Softmax, Sum, Trace, Unvec, Vec

#: Numeric domains: what a random value must satisfy for the operator to be defined.
NONSINGULAR = "nonsingular"  # an invertible (square) argument; random checks draw it positive definite


@dataclass(frozen=True)
class Operator:
    node: type  # the node class
    name: str  # the keyword of the language (several rows may share one: diag)
    build: Callable  # the constructor the keyword lowers to (build.diag picks DiagMat or DiagVec)
    shape: str  # the shape rule, in words: argument shape(s) -> result shape
    arity: Tuple[int, Optional[int]] = (1, 1)  # (least, most) arguments; most None: any number
    square: Optional[str] = None  # the verb of the "not square" error, when the argument must be square
    scalar: bool = False  # the result is 1 x 1
    text: Optional[str] = None  # the function name in text (None: a notation of its own, see the printer)
    latex: Optional[str] = None  # its LaTeX spelling (a function name, or the notation's token)
    numpy: Optional[str] = None  # NumPy source, {0} for the argument (evaluator, generated code)
    domain: Optional[str] = None  # NONSINGULAR, or None: defined everywhere
    index: bool = True  # the index notation can show it (else an UnsupportedError says so)
    cost: str = "size"  # floating-point work: "size" (one per result entry) or "cubic" (n^3, n the argument's rows)
    example: str = ""  # a use building the node, in X (n x n), A (n x n), x (n), y (m): tests walk it


OPERATORS = (
    Operator(Trace, "tr", build.trace, "n×n -> scalar", square="take tr of", scalar=True,
             text="tr", latex=r"\operatorname{tr}", numpy="np.trace({0})", example="tr(A X)"),
    Operator(Det, "det", build.det, "n×n -> scalar", square="take det of", scalar=True,
             text="det", latex=r"\det", numpy="np.linalg.det({0})", domain=NONSINGULAR, cost="cubic",
             example="det(X)"),
    Operator(LogDet, "logdet", build.logdet, "n×n -> scalar", square="take logdet of", scalar=True,
             text="logdet", latex=r"\log\det", numpy="np.linalg.slogdet({0})[1]", domain=NONSINGULAR, cost="cubic",
             example="logdet(X)"),
    Operator(Inverse, "inv", build.inverse, "n×n -> n×n", square="invert",
             latex=r"^{-1}", numpy="np.linalg.inv({0})", domain=NONSINGULAR, cost="cubic", example="inv(X)"),
    Operator(DiagMat, "diag", build.diag, "n-vector -> n×n", text="diag", latex=r"\operatorname{diag}",
             numpy="np.diagflat({0})", example="diag(X x)"),
    Operator(DiagVec, "diag", build.diag, "n×n -> n-vector", square="take the diagonal of", text="diag",
             latex=r"\operatorname{diag}", numpy="np.diag({0}).reshape(-1, 1)", example="diag(A X)"),
    Operator(Vec, "vec", build.vec, "m×n -> m*n-vector", text="vec", latex=r"\operatorname{vec}",
             numpy="{0}.reshape(-1, 1, order='F')", index=False, example="vec(A X)"),
    Operator(Unvec, "unvec", build.unvec, "(m*n-vector, m, n) -> m×n", arity=(3, 3), text="unvec",
             latex=r"\operatorname{unvec}", numpy="{0}.reshape({shape}, order='F')", index=False,
             example="unvec(kron(y, X x), m, n)"),
    Operator(Sum, "sum", build.esum, "m×n -> scalar", scalar=True, text="sum", latex=r"\operatorname{sum}",
             numpy="np.sum({0})", example="sum(A X)"),
    Operator(Norm, "norm", build.norm, "m×n -> scalar", scalar=True, text="norm", latex=r"\left\|",
             numpy="np.linalg.norm({0})", example="norm(A X)"),
    Operator(Kron, "kron", build.kron, "(m×n, p×q, ...) -> mp×nq", arity=(2, None), latex=r"\otimes",
             numpy="np.kron({0}, {1})", index=False, example="kron(A, X)"),
    Operator(Ones, "ones", build.ones, "(m) -> m-vector, (m, n) -> m×n", arity=(1, 2), text="ones",
             latex=r"\mathbf{1}", numpy="np.ones({shape})", example="ones(n)^T X x"),
    # over a column vector's entries, else over each row of a matrix (attention, per-sample scores X W);
    # the evaluator and generated code subtract the maximum (numpy: the axis is 0 or 1, see numeric.py)
    Operator(Softmax, "softmax", build.softmax, "n-vector -> n-vector, m×n -> m×n (each row)", text="softmax",
             latex=r"\operatorname{softmax}", numpy="_softmax({0}, {axis})", index=False,
             example="softmax(X x)"),
    Operator(LogSumExp, "logsumexp", build.logsumexp, "n-vector -> scalar, m×n -> m-vector (each row)",
             text="logsumexp", latex=r"\operatorname{logsumexp}", numpy="_logsumexp({0}, {axis})", index=False,
             example="logsumexp(A X)"),
)

#: Keywords that lower to other operators rather than to a node of their own:
#: log_softmax(z) = z - logsumexp(z) 1, log_softmax(Z) = Z - logsumexp(Z) 1^T.
DERIVED = {"log_softmax": build.log_softmax}
#: keywords whose argument must not be a scalar (softmax of a scalar means nothing): frontend/calls.py
NOT_SCALAR = ("softmax", "logsumexp", "log_softmax")

#: The keyword of each structural function, for the parser.
STRUCTURAL_FUNCTIONS = tuple(dict.fromkeys(row.name for row in OPERATORS)) + tuple(DERIVED)
#: keyword -> row (for diag, the first: the rows of one keyword agree on arity and constructor)
NAMED = {}
for _row in OPERATORS:
    NAMED.setdefault(_row.name, _row)
#: node class -> row
OF_NODE = {row.node: row for row in OPERATORS}
#: argument counts of the keywords that do not take exactly one
ARITY = {row.name: row.arity for row in OPERATORS if row.arity != (1, 1)}
#: node classes whose argument must be nonsingular
NEEDS_NONSINGULAR = tuple(row.node for row in OPERATORS if row.domain == NONSINGULAR)
#: keyword -> LaTeX, for the functions printed as f(A) (norm: \left\| A \right\|)
LATEX_NAMES = {row.name: row.latex for row in OPERATORS if row.text is not None and row.arity == (1, 1)}
