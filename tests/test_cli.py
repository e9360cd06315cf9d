"""The command line, run as a user runs it: ``python -m matcalc ...`` in a
subprocess.  Also: the README's examples print what the README says.

The console script ``matcalc`` is tested from an installed package in
test_packaging.py.
"""
from __future__ import annotations

import doctest
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import console_examples, normalise

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def matcalc(*args, cwd=REPO):
    """Run ``python -m matcalc ARGS`` (the source tree first on the path)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "matcalc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=120)


# --- the four commands of issue 2 -------------------------------------------------


def test_grad_text():
    done = matcalc("grad", "w^T L M N x", "wrt", "M")
    assert (done.returncode, done.stdout, done.stderr) == (0, "L^T w x^T N^T\n", "")


def test_wrt_word_is_optional():
    done = matcalc("grad", "w^T L M N x", "M")
    assert (done.returncode, done.stdout) == (0, "L^T w x^T N^T\n")


def test_grad_latex():
    done = matcalc("grad", "logdet(X) + (x - m)^T X^{-1} (x - m)", "wrt", "X", "--format", "latex")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert out.endswith("\n") and out.count("\n") == 1
    latex = out.strip()
    assert "^{-\\top}" in latex or "^{-T}" in latex
    assert latex.count("\\left(") == latex.count("\\right)") > 0
    assert latex.count("{") == latex.count("}")
    assert "^T" not in latex and "X^{-1}" not in latex  # X^{-1} and its transposes print as X^{-T}


def test_grad_check_passes_and_prints_the_relative_error():
    done = matcalc("grad", "sum(log(1 + exp(-y .* (X w))))", "wrt", "w", "--check")
    assert done.returncode == 0, done.stderr
    result, check = done.stdout.splitlines()
    assert result.startswith("-X^T (y .* sigmoid(")  # the exact text: test_docs_console_example
    m = re.fullmatch(r"check: relative error (\S+) against central differences \(passed\)", check)
    assert m, check
    assert float(m.group(1)) < 1e-6


def test_grad_numpy_with_shapes():
    done = matcalc("grad", "tr(A X^T B X C)", "wrt", "X", "--shape", "A=p,p", "--shape", "X=n,p",
                   "--format", "numpy")
    assert done.returncode == 0, done.stderr
    source = done.stdout
    assert re.search(r"^import numpy as \w+$", source, re.M)
    assert re.search(r"^def gradient\(A, B, C, X\):$", source, re.M)
    namespace: dict = {}
    exec(compile(source, "<matcalc numpy>", "exec"), namespace)
    rng = np.random.default_rng(1)
    n, p = 4, 3
    A, B = rng.standard_normal((p, p)), rng.standard_normal((n, n))
    X, C = rng.standard_normal((n, p)), rng.standard_normal((p, p))
    G = namespace["gradient"](X=X, C=C, B=B, A=A)  # by keyword, in any order
    assert G.shape == (n, p)
    np.testing.assert_allclose(G, B @ X @ C @ A + B.T @ X @ A.T @ C.T, rtol=1e-12, atol=1e-12)


def test_numpy_check_line_goes_to_stderr():
    """With --format numpy the stdout stays valid Python."""
    done = matcalc("grad", "x^T A x", "wrt", "x", "--format", "numpy", "--check")
    assert done.returncode == 0, done.stderr
    compile(done.stdout, "<stdout>", "exec")
    assert "relative error" in done.stderr


def test_json():
    done = matcalc("grad", "w^T L M N x", "wrt", "M", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["expression"] == "w^T L M N x"
    assert data["wrt"] == "M"
    assert data["result"] == "L^T w x^T N^T"
    assert data["latex"] == "L^{\\top} w x^{\\top} N^{\\top}"
    assert data["layout"] == "denominator"
    assert isinstance(data["shape"], list) and len(data["shape"]) == 2
    assert "check" not in data


def test_json_vector_shape_and_check():
    done = matcalc("grad", "x^T A x", "wrt", "x", "--format", "json", "--check", "--shape", "A=3,3")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # nothing but JSON on stdout
    assert data["result"] == "(A + A^T) x"
    assert [str(d) for d in data["shape"]] == ["3", "1"]
    assert data["check"]["passed"] is True
    assert data["check"]["relative_error"] < 1e-6


def test_leading_minus_is_an_expression_not_an_option():
    done = matcalc("grad", "-x^T x", "wrt", "x")
    assert (done.returncode, done.stdout) == (0, "-2 x\n")


def test_help():
    done = matcalc("--help")
    assert done.returncode == 0
    assert "grad" in done.stdout and "Traceback" not in done.stderr
    done = matcalc("grad", "--help")
    assert done.returncode == 0
    assert "--shape" in done.stdout and "--format" in done.stdout and "--check" in done.stdout


def test_unicode_and_greek_scalars():
    done = matcalc("grad", "λ x' x + α", "wrt", "x")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2 λ x\n"


def test_unicode_superscript_transpose():
    done = matcalc("grad", "tr(Aᵀ X)", "wrt", "X")
    assert (done.returncode, done.stdout) == (0, "A\n")


# --- errors: exit 2, one message line, the source and a caret where it applies -----

CARET = [
    # (arguments, words in the message, the caret's column in the source)
    (["grad", "x^T A x +", "wrt", "x"], ["syntax error", "end of input"], 9),
    (["grad", "tr(X", "wrt", "X"], ["syntax error"], 4),
    (["grad", "A : B : C", "wrt", "A"], ["syntax error", "':'"], 6),
    (["grad", "x @ y", "wrt", "x"], ["syntax error", "'@'"], 2),
    (["grad", "tr X", "wrt", "X"], ["syntax error"], 3),
    (["grad", "x^T A x", "wrt", "z"], ["z", "does not occur"], None),
    (["grad", "x^T A y", "wrt", "x", "--shape", "x=n", "--shape", "y=m", "--shape", "A=n,n"],
     ["shape error", "1×n", "m-vector"], 6),
    (["grad", "x + A", "wrt", "x"], ["shape error", "add", "vector", "×"], 2),
    (["grad", "det(x)", "wrt", "x"], ["shape error", "square"], 0),
    (["grad", "sum(x) / x", "wrt", "x"], ["shape error", "divide"], 7),
]


@pytest.mark.parametrize("args, words, column", CARET, ids=lambda v: None)
def test_errors_with_a_caret(args, words, column):
    done = matcalc(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.rstrip("\n").split("\n")
    assert len(lines) == 3, lines
    head, source, caret = lines
    assert head.startswith("matcalc: ")
    for w in words:
        assert w in head
    assert source == "  " + args[1]
    assert caret.strip() == "^"
    if column is not None:
        assert caret == "  " + " " * column + "^"


ONE_LINE = [
    (["grad", "A x", "wrt", "x"], ["scalar"]),  # a gradient needs a scalar expression
    (["grad", "x^T A", "wrt", "x"], ["scalar"]),
    (["grad", "x^T x", "wrt", "x", "--shape", "x=1,2,3"], ["usage error", "1,2,3"]),
    (["grad", "x^T x", "wrt", "x", "--shape", "x"], ["usage error", "NAME=DIMS"]),
    (["grad", "x^T x", "wrt", "x", "--shape", "x=n,0"], ["usage error", "positive"]),
    (["grad", "x^T x", "wrt", "x", "--shape", "x=n-1"], ["usage error", "n-1"]),
    (["grad", "x^T x", "wrt", "x", "--shape", "=n"], ["usage error"]),
    ([], ["usage error"]),
    (["grad"], ["usage error", "required"]),
    (["grad", "x^T x"], ["usage error"]),
    (["grad", "x^T x", "wrt"], ["usage error", "wrt"]),
    (["grad", "x^T x", "wrt", "x", "y"], ["usage error", "wrt"]),
    (["grad", "x^T x", "wrt", "x", "--bogus"], ["usage error", "--bogus"]),
    (["grad", "x^T x", "wrt", "x", "--format", "pdf"], ["usage error", "pdf"]),
    (["gradient", "x^T x", "wrt", "x"], ["usage error", "gradient"]),
    (["grad", "sum(f(x))", "wrt", "x", "--format", "numpy"], ["unsupported", "generic"]),
    (["jacobian", "kron(A, X)", "wrt", "X", "--format", "index"], ["unsupported", "index form"]),
]


@pytest.mark.parametrize("expr, wrt, column, words", [
    ("vec(X)^T kron(B, A) vec(X)", "X", 9, ["shape error", "--shape B="]),
    ("tr(kron(A, X))", "X", 0, ["not square", "--shape A="]),
    ("det(x)", "x", 0, ["not square", "x is a vector by the naming convention", "--shape x="]),
    ("sum(x .* A x)", "x", 6, ["x .* A x is (x .* A) x", "write x .* (A x)"]),
    ("y^T (x ./ A exp(B x)) + 1", "x", 7, ["is (x ./ A) exp(B x)", "write x ./ (A exp(B x))"]),
])
def test_shape_errors_suggest_the_declaration_that_fixes_them(expr, wrt, column, words):
    done = matcalc("grad", expr, "wrt", wrt)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and lines[1] == f"  {expr}" and lines[2] == " " * (2 + column) + "^", lines
    assert all(w in lines[0] for w in words), lines[0]


@pytest.mark.parametrize("expr, column, message", [
    ("x^T x / 0", 6, "numeric error: division by zero"),
    ("sum(x ./ 0)", 6, "numeric error: division by zero"),
    ("1/0 x^T x", 1, "numeric error: division by zero"),
    ("x^T x / (alpha - alpha)", 6, "numeric error: division by zero: (alpha - alpha) is 0"),
])
def test_division_by_zero_is_an_error_with_a_caret(expr, column, message):
    """It once printed 2 x / 0."""
    done = matcalc("grad", expr, "wrt", "x")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"matcalc: {message}", f"  {expr}", " " * (2 + column) + "^"]


@pytest.mark.parametrize("args, words", ONE_LINE, ids=lambda v: None)
def test_errors_in_one_line(args, words):
    done = matcalc(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.rstrip("\n").split("\n")
    assert len(lines) == 1, lines
    assert lines[0].startswith("matcalc: ")
    for w in words:
        assert w in lines[0]


AWKWARD = ["", "   ", "((((", "x^", "x^T^T", "2^x", "X^{1/2}", "x ./ 0", "tr(X, Y)", "foo(x)",
           "x\u200b", "x^T x\n+ y", "1e400 sum(x)", "sum(x ./ 0)", "I", "((" * 300 + "x" + "))" * 300,
           "x" + " + x" * 2000]


@pytest.mark.parametrize("source", AWKWARD, ids=lambda s: repr(s[:20]))
def test_awkward_input_never_a_traceback(source):
    done = matcalc("grad", source, "wrt", "x")
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if done.returncode == 2:
        assert done.stdout == ""
        assert done.stderr.startswith("matcalc: ")
        assert len(done.stderr.rstrip("\n").split("\n")) <= 3


@pytest.mark.parametrize("expr, wrt", [("sum(x) - sum(x)", "x"), ("x^T (y - y)", "x"), ("tr(X - X)", "X"),
                                       ("0 x^T y", "x"), ("alpha x^T (y - y)", "alpha")])
def test_gradient_of_a_cancelled_expression(expr, wrt):
    """The variable occurs but cancels: the gradient is zero, not an internal error."""
    done = matcalc("grad", expr, "wrt", wrt, "--check")
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    assert done.stdout.split("\n")[0] in ("0", "zeros(n)", "zeros(n, m)", "zeros(n, n)", "zeros(m, n)")


@pytest.mark.parametrize("expr, expected", [("sigma(x)^T y", "y .* sigma'(x)"),
                                            ("sum(f(x).^2)", "2 (f(x) .* f'(x))")])
def test_postfix_after_a_generic_call(expr, expected):
    done = matcalc("grad", expr, "wrt", "x")
    assert (done.returncode, done.stdout) == (0, expected + "\n")


def test_postfix_after_a_parenthesised_generic_call():
    done = matcalc("grad", "(sigma(x))^T y", "wrt", "x")
    assert (done.returncode, done.stdout) == (0, "y .* sigma'(x)\n")


def test_check_draws_again_where_random_sizes_make_a_matrix_singular():
    """B X is singular whenever X has fewer rows than columns: --check draws
    other sizes instead of failing, and its number is a real comparison."""
    done = matcalc("grad", "logdet(B X)", "wrt", "X", "--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("B^T (B X)^{-T}\ncheck: relative error ")


def test_check_of_a_matrix_singular_everywhere_is_a_numeric_error():
    """The result is still printed; the one-line error says it is not checked."""
    done = matcalc("grad", "logdet(x x^T)", "wrt", "x", "--check")
    assert done.returncode == 2
    assert done.stdout == "2 (x x^T)^{-1} x\n"
    assert done.stderr.startswith("matcalc: numeric error: x x^T is singular")
    assert done.stderr.rstrip().endswith("so the result is not checked") and len(done.stderr.splitlines()) == 1
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("expr, gradient", [("sum(log(x - 1))", "(x - 1).^-1"),
                                            ("sum(sqrt(x - 5))", "(x - 5).^(-1/2) / 2"),
                                            ("sum(log(1 - x))", "-(1 - x).^-1")])
def test_check_spreads_positive_draws_to_reach_a_shifted_domain(expr, gradient):
    """log(x - 1) needs x > 1, log(1 - x) needs x < 1: later draws spread the
    positive values wider or narrower until the expression is defined."""
    done = matcalc("grad", expr, "wrt", "x", "--check")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == gradient and lines[1].startswith("check: relative error") and "passed" in lines[1]
    assert float(lines[1].split()[3]) < 1e-6


def test_check_passes_a_gradient_that_is_zero_only_in_exact_arithmetic():
    done = matcalc("grad", "x^T (A - A^T) x", "wrt", "x", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("0\n")


def test_check_still_fails_a_small_wrong_gradient_of_a_cancelling_f():
    """The rounding allowance of the check does not hide a real gradient:
    (A + A^T) x / 1000 against f = x^T (A - A^T) x (gradient 0) fails."""
    from matcalc.api import grad
    from matcalc.finite_differences import jacobian_check

    zero = grad("x^T (A - A^T) x", "x", {"x": "n", "A": "n,n"})
    wrong = grad("x^T A x / 1000", "x", {"x": "n", "A": "n,n"})
    for seed in range(5):
        assert jacobian_check(zero.f, zero.x, wrong.numerator_form(), np.random.default_rng(seed)) > 1e-3


def test_dimension_names_may_contain_x():
    done = matcalc("grad", "u^T A v", "wrt", "A", "--shape", "u=nx", "--shape", "v=max", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["shape"] == ["nx", "max"]


# --- the README ----------------------------------------------------------------------


def _readme():
    return README.read_text(encoding="utf-8")


DOCS = [README, REPO / "docs" / "language.md"]


def _console_examples():
    """(file, command, expected output) for each `$ matcalc ...` in a console block."""
    return [(doc.name, cmd, expected) for doc in DOCS for cmd, expected in console_examples(doc)]


def test_readme_starts_with_the_two_commands():
    first, second = _readme().split("\n")[:2]
    assert first.strip() == 'pip install . && matcalc grad "w^T L M N x" wrt M'
    assert second.strip() == 'pip install ".[test,backends]" && python -m pytest -q'
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install ".[test,backends]"' in ci and "python -m pytest -q" in ci


def test_docs_have_console_examples():
    files = [f for f, _, _ in _console_examples()]
    assert files.count("README.md") >= 10 and files.count("language.md") >= 10


@pytest.mark.parametrize("doc, command, expected", _console_examples(),
                         ids=[f"{f}:{c[:60]}" for f, c, _ in _console_examples()])
def test_docs_console_example(doc, command, expected):
    """Every `$ matcalc ...` in README.md and docs/language.md prints what they show."""
    args = shlex.split(command)
    assert args[0] == "matcalc"
    done = matcalc(*args[1:])
    assert done.returncode in (0, 2), done.stderr
    assert normalise(done.stdout + done.stderr) == normalise(expected)


def test_readme_python_session():
    block = re.search(r"```python\n(.*?)```", _readme(), re.S).group(1)
    sys.path.insert(0, str(REPO))
    try:
        test = doctest.DocTestParser().get_doctest(block, {}, "README.md", str(README), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
    finally:
        sys.path.remove(str(REPO))
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("doc", DOCS + [REPO / "docs" / "design.md"], ids=lambda p: p.name)
def test_doc_links_resolve(doc):
    prose = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    for target in re.findall(r"\]\(([^)#]+)\)", prose):
        if not re.match(r"https?:", target):
            assert (doc.parent / target).exists(), target


def test_division_by_the_identity_is_an_error_not_ones():
    """tr(A ./ I) divides by its zeros off the diagonal (it once gave ones(n, n))."""
    for expr, caret in [("tr(A ./ I)", "     ^"), ("tr(A .* I.^-1)", "         ^")]:
        done = matcalc("grad", expr, "wrt", "A")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [
            "matcalc: unsupported: element-wise division by I divides by its zeros off the diagonal",
            f"  {expr}", f"  {caret}"]


def test_an_unknown_function_suggests_declaring_it():
    done = matcalc("grad", "sum(foo(x))", "wrt", "x")
    assert done.returncode == 2
    assert "declare an element-wise function with --function foo" in done.stderr
    done = matcalc("grad", "sum(foo(x))", "wrt", "x", "--function", "foo")
    assert (done.returncode, done.stdout) == (0, "foo'(x)\n")
