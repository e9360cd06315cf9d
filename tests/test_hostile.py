"""Hostile and broken input: every case ends with a one-line error (plus the
source line and a caret where the error has a place), exit status 2 from
the command line, a MatcalcError subclass from the API, within two seconds
of CPU time, and never a traceback, a RecursionError or a hang.

Time is measured as CPU time (the child's user + system time for the command
line, ``time.process_time`` in process), so that a busy machine does not make
the tests flaky; a wall-clock timeout catches hangs.
"""
from __future__ import annotations

import ast
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import matcalc
from matcalc.errors import MatcalcError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strategies import module_imports  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CPU_LIMIT = 2.0
WALL_LIMIT = 120  # a hang, not a slow machine

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")


# --- running ---------------------------------------------------------------------------------------


class Done:
    def __init__(self, returncode, stdout: str, stderr: str, cpu: float):
        self.returncode, self.stdout, self.stderr, self.cpu = returncode, stdout, stderr, cpu


def cli(*args) -> Done:
    """``python -m matcalc ARGS`` (str or bytes arguments), with its CPU time."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "matcalc", *args], cwd=REPO, env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=WALL_LIMIT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Done(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"), cpu)


def api(kind, expr, wrt, shapes=None):
    """The API call, its exception (or None) and its CPU time."""
    start = time.process_time()
    try:
        result = getattr(matcalc, kind)(expr, wrt, shapes)
        error = None
    except MatcalcError as e:
        result, error = None, e
    return result, error, time.process_time() - start


def assert_clean_error(done: Done, caret_column=None, source=None):
    """Exit 2, nothing on stdout, 'matcalc: ...' in one line, then at most the
    source line and a caret (under caret_column of the source when given)."""
    assert done.returncode == 2, (done.returncode, done.stdout[:300], done.stderr[:300])
    assert done.stdout == ""
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert "internal error" not in done.stderr, done.stderr
    lines = done.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("matcalc: "), lines
    assert len(lines) in (1, 3), lines
    if len(lines) == 3:
        assert lines[1].startswith("  ") and lines[2].startswith("  ") and lines[2].strip() == "^", lines
    if caret_column is not None:
        assert len(lines) == 3, lines
        shown, caret = lines[1][2:], lines[2].index("^") - 2
        assert shown == source, (shown, source)
        assert caret == caret_column, f"caret at {caret}, expected {caret_column}:\n{done.stderr}"
    assert done.cpu < CPU_LIMIT, f"{done.cpu:.2f} s of CPU"


def assert_api_error(kind, expr, wrt, shapes=None, column=None):
    result, error, cpu = api(kind, expr, wrt, shapes)
    assert error is not None, f"no error: {result!r}"
    text = str(error)
    lines = text.split("\n")
    assert len(lines) in (1, 3), lines
    if column is not None:
        assert error.column == column, (error.column, column, text)
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s of CPU"
    return error


# --- broken text -----------------------------------------------------------------------------------

BROKEN = [
    # (expression, caret column or None)
    ("", 0),
    ("   ", 0),
    ("(x^T x", 6),
    ("x^T x)", 5),
    ("((x^T A x)", 10),
    ("tr(X", 4),
    ("tr X)", None),
    ("x^T x +", 7),
    ("x^T x -", 7),
    ("* x", 0),
    ("x^T x * / y", None),
    ("x^T A x : ", 10),
    ("x .* ", 5),
    ("x^", 2),
    ("x^T ^", 5),
    ("kron(A, )", 8),
    ("tr()", 0),
    ("tr(X, Y)", None),
    (",", 0),
    ("x^T x\n+ +", None),
    ("x @ y", 2),
    ("x^{-1/0}", 2),
    ("1e999999 x^T x", 0),
    ("x^T x 2^100000", 8),
    ("tr(X^99999999)", 5),
    ("x^T x " + "1e300 " * 20, None),
    ("x^T x\x0c+ \x00", None),
    ("x^T x\u2028", None),
]


@pytest.mark.parametrize("expr, column", BROKEN, ids=[repr(e)[:30] for e, _ in BROKEN])
def test_broken_text_cli(expr, column):
    expr = expr.replace("\x00", "\x01")  # a command-line argument cannot hold NUL
    done = cli("grad", expr, "wrt", "x")
    assert_clean_error(done, column, expr if column is not None and "\n" not in expr else None)


@pytest.mark.parametrize("expr, column", BROKEN, ids=[repr(e)[:30] for e, _ in BROKEN])
def test_broken_text_api(expr, column):
    assert_api_error("grad", expr, "x", column=column)


def test_invalid_utf8_in_argv():
    """Bytes that are not UTF-8 reach Python as lone surrogates: a syntax
    error (or an unknown variable), shown without breaking the terminal."""
    for args in ([b"grad", b"x^T \xff x", b"wrt", b"x"],
                 [b"grad", b"\xc3\x28", b"wrt", b"x"],
                 [b"grad", b"x^T x", b"wrt", b"\xff\xfe"],
                 [b"jacobian", b"A \xed\xa0\x80 x", b"wrt", b"x"],
                 [b"grad", b"x^T x", b"wrt", b"x", b"--shape", b"x=\xff"]):
        done = cli(*args)
        assert_clean_error(done)


# --- the variable ------------------------------------------------------------------------------------


def test_wrt_a_name_that_does_not_occur():
    """Documented in docs/testing.md: the zero of y's shape, with a note naming the variables there are."""
    done = cli("grad", "x^T A x", "wrt", "y")
    assert (done.returncode, done.stdout) == (0, "0\n")
    assert "y does not occur" in done.stderr and "A, x" in done.stderr and "typo" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    for call, args in [(matcalc.grad, ("x^T A x", "y")), (matcalc.jacobian, ("A x", "y")),
                       (matcalc.hessian, ("x^T A x", "y"))]:
        r = call(*args)
        assert r.notes and "y does not occur" in r.notes[0]


def test_the_old_name_of_the_name_error_class_still_works():
    assert matcalc.errors.NameError_ is matcalc.errors.UnknownNameError
    with pytest.raises(matcalc.errors.NameError_) as info:
        matcalc.grad("x^T A x", "x").evaluate(x=[1.0, 2.0])
    assert type(info.value).__name__ == "UnknownNameError" and info.value.kind == "name error"


@pytest.mark.parametrize("wrt", ["tr", "exp", "sigmoid", "kron", "logdet"])
def test_wrt_a_builtin_function(wrt):
    done = cli("grad", "sum(exp(A x)) + tr(A)", "wrt", wrt)
    assert_clean_error(done)
    assert_api_error("grad", "sum(exp(A x)) + tr(A)", wrt)


def test_wrt_a_declared_function():
    done = cli("grad", "sum(phi(A x))", "wrt", "phi", "--function", "phi")
    assert_clean_error(done)
    assert "function" in done.stderr


@pytest.mark.parametrize("wrt", ["", " ", "x y", "2", "x^T", "_x", "x\n"])
def test_wrt_not_a_name(wrt):
    assert_clean_error(cli("grad", "x^T x", "wrt", wrt))
    assert_api_error("grad", "x^T x", wrt)


# --- shapes ------------------------------------------------------------------------------------------

DEEP = [
    # (expression, shapes, the operator the caret points at: its column)
    ("tr(A B + exp(C (D E + F G H)))", {"A": "2,3", "B": "3,2", "C": "2,4", "D": "4,5", "E": "5,2",
                                        "F": "4,6", "G": "6,7", "H": "8,2"}, "H)))"),
    ("x^T (A + B) y", {"A": "m,n", "B": "n,m"}, "+ B"),
    ("sum(log(1 + exp(-y .* (X w))))", {"y": "m", "X": "n,p", "w": "p"}, ".* ("),
    ("sum(exp(A .* B))", {"A": "2,3", "B": "3,2"}, ".* B"),
    ("tr(A X) + (A : (B X))", {"A": "2,3", "B": "3,3", "X": "3,2"}, ": (B"),
    ("x^T * y", {"x": "m", "y": "n"}, "* y"),
    ("norm(A x - b)^2 + lambda norm(x)^2", {"A": "m,n", "b": "p"}, "- b"),
    ("logdet(S) + (x - m)^T inv(S) (x - m)", {"S": "n,n", "x": "n", "m": "p"}, "- m)^T"),
    ("tr(W2 tanh(W1 x + b1) y^T)", {"W1": "h,n", "b1": "k"}, "+ b1"),
    ("sum(A ./ B)", {"A": "2,3", "B": "2,4"}, "./"),
    ("x^T kron(A, B) y", {"A": "2,2", "B": "3,3", "x": "6", "y": "5"}, "y"),
    ("inv(A)", {"A": "m,n"}, "inv"),
    ("tr(A^{-1})", {"A": "m,n"}, "^{-1}"),
    ("det(A) + 1", {"A": "m,n"}, "det"),
    ("logdet(X' X + A)", {"X": "m,n", "A": "m,m"}, "+ A"),
    ("tr(x)", {}, "tr"),
    ("tr(x y^T) + tr(x)", {}, "tr(x)"),
    ("sum(A^2)", {"A": "m,n"}, "^2"),
    ("x / y", {}, "/"),
]


@pytest.mark.parametrize("expr, shapes, at", DEEP, ids=[e for e, _, _ in DEEP])
def test_shape_errors_point_at_the_operator(expr, shapes, at):
    column = expr.rindex(at) if at == "tr(x)" else expr.index(at)
    args = ["grad", expr, "wrt", "x" if "x" in expr else "A"]
    for name, dims in shapes.items():
        args += ["--shape", f"{name}={dims}"]
    done = cli(*args)
    assert_clean_error(done, column, expr)
    assert "shape error" in done.stderr
    error = assert_api_error("grad", expr, args[3], shapes, column=column)
    assert isinstance(error, matcalc.errors.ShapeError)


# --- size --------------------------------------------------------------------------------------------


def test_ten_thousand_nested_parentheses():
    expr = "(" * 10000 + "x^T x" + ")" * 10000
    assert_clean_error(cli("grad", expr, "wrt", "x"))
    assert_api_error("grad", expr, "x")
    assert_api_error("grad", "tr(" * 5000 + "X" + ")" * 5000, "X")
    assert_api_error("grad", "sum(" + "exp(" * 5000 + "x" + ")" * 5001, "x")


RUNS = [("-" * 10000 + "x^T x", "x"), ("x^T " + "x" + "'" * 10000, "x"), ("tr(X" + "^T^{-1}" * 5000 + ")", "X"),
        ("x^T x" + " + x^T x" * 10000, "x"), ("x^T " + "(-" * 300 + "x" + ")" * 300, "x"),
        ("sum(" + " .* ".join(["x"] * 3000) + ")", "x")]


@pytest.mark.parametrize("expr, wrt", RUNS, ids=[f"{e[:12]}...{len(e)}" for e, _ in RUNS])
def test_long_runs_of_operators_are_not_a_recursion_error(expr, wrt):
    """Left-nested sums and products and runs of unary or postfix operators
    nest deeply without parentheses: they succeed."""
    result, error, cpu = api("grad", expr, wrt)
    assert error is None, error
    if ".*" not in expr:  # x.^3000 overflows
        assert result.check() < 1e-6


def test_a_one_megabyte_expression():
    """Refused at once (more than 100,000 characters).  Linux refuses a single
    command-line argument over 128 KiB before matcalc runs, so the command
    line gets the largest argument it can take."""
    big = " + ".join(["x^T A x"] * 100_000)[:1_000_000]
    assert len(big) >= 999_000
    error = assert_api_error("grad", big, "x")
    assert "longer than" in str(error) and len(str(error)) < 1000  # a window round the caret
    done = cli("grad", big[:130_000], "wrt", "x")
    assert_clean_error(done)
    assert "longer than" in done.stderr
    assert len(done.stderr) < 1000
    assert_api_error("grad", "x^T x" + " @" * 500_000, "x")


def test_a_product_of_five_thousand_factors():
    """Succeeds (recorded in docs/testing.md with its time)."""
    expr = "x^T " + " ".join(f"A{i}" for i in range(5000)) + " y"
    start = time.process_time()
    r = matcalc.grad(expr, "A2500")
    text = r.text()
    cpu = time.process_time() - start
    assert text.startswith("A2499^T A2498^T") and " A0^T x y^T A4999^T " in text and text.endswith("A2501^T")
    assert cpu < 30, cpu
    same = matcalc.grad("x^T " + " ".join(["A"] * 5000) + " x", "x")
    assert same.text() == "(A^{5000} + (A^T)^{5000}) x"
    done = cli("grad", expr, "wrt", "A2500")
    assert done.returncode == 0 and done.stdout.startswith("A2499^T"), done.stderr[:500]


def test_a_sum_and_a_hadamard_product_of_five_thousand_terms():
    r = matcalc.grad(" + ".join(f"x{i}^T x" for i in range(5000)), "x")
    assert r.text().startswith("x0 + x1 + ")
    r = matcalc.grad("sum(" + " .* ".join(f"x{i}" for i in range(5000)) + ")", "x17")
    assert "x17" not in r.text().split(" .* ")


# --- fuzz ----------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALPHABET = st.sampled_from(list("xyAXBw^T'()[]{}+-*/.,:|=;!@#$%&~ 0123456789") +
                           [".*", "./", ".^", "⊗", "ᵀ", "⁻¹", "tr(", "det(", "inv(", "kron(", "sum(", "exp(",
                            "log(", "norm(", "diag(", "vec(", "unvec(", "ones(", "I", "I_n", "K_{m,n}",
                            "alpha", "lambda", "\n", "\t", "\x00", "\udcff", "é", "λ"])


def _api_never_crashes(text, wrt="x"):
    for kind in ("grad", "jacobian", "hessian"):
        start = time.process_time()
        try:
            getattr(matcalc, kind)(text, wrt)
        except MatcalcError as e:
            rendered = str(e)
            assert 1 <= len(rendered.split("\n")) <= 3, rendered
        assert time.process_time() - start < CPU_LIMIT, (kind, text)


@given(st.text(max_size=60))
@FUZZ
def test_random_strings(text):
    _api_never_crashes(text)


@given(st.lists(ALPHABET, max_size=25).map("".join))
@FUZZ
def test_random_token_soup(text):
    _api_never_crashes(text)


@given(st.binary(max_size=60))
@FUZZ
def test_random_bytes(data):
    _api_never_crashes(data.decode("utf-8", "surrogateescape"))


@given(st.binary(min_size=1, max_size=40))
@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_bytes_cli(data):
    if b"\x00" in data:  # an argument cannot hold NUL
        data = data.replace(b"\x00", b" ")
    done = cli("grad", data, "wrt", "x")
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    if done.returncode != 0:
        assert_clean_error(done)


# --- names that look like Python ---------------------------------------------------------------------

PYTHONIC = ["os", "np", "exec", "print", "gradient", "jacobian", "hessian", "lambda", "eval", "open", "float",
            "int", "import", "None", "True", "def", "class", "return", "sys", "globals", "dtype", "reshape",
            "asarray", "type", "match", "numpy", "builtins", "getattr", "self"]


def _calls_only_numpy(source: str):
    """Every call in the module is a numpy function (_np.<...>) or an array
    method; every name it loads is a parameter, a local or _np."""
    tree = ast.parse(source)
    array_methods = {"reshape", "item", "astype", "copy", "ravel", "transpose", "dot", "sum"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            assert isinstance(f, ast.Attribute), ast.unparse(node)
            root = f
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id == "_np":
                continue
            assert f.attr in array_methods, ast.unparse(node)


def _run_restricted(source: str, name: str, kwargs: dict):
    """exec the module with builtins reduced to an import of numpy alone."""
    imported = []

    def only_numpy(module, *args, **kw):
        imported.append(module)
        if module != "numpy":
            raise ImportError(module)
        return __import__(module, *args, **kw)

    namespace = {"__builtins__": {"__import__": only_numpy, "float": float}}  # float: dtype=float, never called
    exec(compile(source, "<matcalc numpy>", "exec"), namespace)  # noqa: S102 - the module under test
    out = namespace[name](**kwargs)
    assert imported == ["numpy"], imported
    return out


@pytest.mark.parametrize("name", PYTHONIC)
def test_python_names_never_become_code(name):
    for kind, expr, wrt in [("grad", f"{name}^T A {name}", name), ("grad", f"sum(exp({name}))", name),
                            ("jacobian", f"A {name}", name), ("hessian", f"{name}^T A {name}", name)]:
        result, error, _ = api(kind, expr, wrt, {name: "n", "A": "n,n"})
        assert error is None, error
        source = result.numpy_source()
        assert module_imports(source) == ["numpy"], source
        _calls_only_numpy(source)
        tree = ast.parse(source)
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
        params = [a.arg for a in fn.args.args]
        assert len(params) == 2 and params[1].rstrip("_") == name or params[0].rstrip("_") == name, params
        rng = np.random.default_rng(0)
        A, v = rng.standard_normal((3, 3)), rng.standard_normal(3)
        kwargs = dict(zip(params, [A, v] if params[0] == "A" else [v, A]))
        out = _run_restricted(source, {"grad": "gradient"}.get(kind, kind), kwargs)
        expected = result.evaluate(**{"A": A, name: v})
        assert np.allclose(out, expected), (out, source)


@pytest.mark.parametrize("name", ["x²", "Ⅳ"])
def test_numerals_in_names_are_syntax_errors(name):
    """x² would otherwise be a new name (not x^2), Ⅳ a vector."""
    done = cli("grad", f"{name}^T x", "wrt", "x")
    assert_clean_error(done, name.index(next(c for c in name if not c.isalpha())), f"{name}^T x")
    assert "syntax error" in done.stderr


@pytest.mark.parametrize("name", ["__import__", "_np", "__builtins__", "_value", "_dim_n", "_t1", "_"])
def test_underscore_names_are_rejected(name):
    done = cli("grad", f"{name}^T x", "wrt", "x")
    assert_clean_error(done, 0, f"{name}^T x")
    assert "syntax error" in done.stderr
    assert_api_error("grad", f"{name}^T x", "x")


@pytest.mark.parametrize("name", ["ﬁ", "ℌ", "xⁱ", "x٣", "ℍ1"])
def test_names_python_cannot_spell(name):
    """A matcalc name that Python would read as another identifier (ﬁ as fi,
    ℌ as H) is renamed in the NumPy module."""
    result, error, _ = api("grad", f"{name}^T {name} + fi^T fi", name, {name: "n", "fi": "n"})
    assert error is None, error
    source = result.numpy_source()
    compile(source, "<matcalc numpy>", "exec")
    _calls_only_numpy(source)
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102
    fn = namespace["gradient"]
    params = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    assert len(set(params)) == 2, params
    v = np.arange(3.0)
    out = fn(**{p: v for p in params})
    assert np.allclose(out, 2 * v)


def test_dimension_names_never_become_code():
    """A shape given to the API as a tuple cannot smuggle code into _dim_ names."""
    for dims in [("n), print('pwned'), (", "n"), ("n\nimport os", 3), ("n", -1), ("n", 0), (2.5, 3),
                 ("n", "m", "p"), (True, 3), ("", 3), ("x y", 2)]:
        result, error, _ = api("grad", "tr(X)", "X", {"X": dims})
        assert error is not None, (dims, result.numpy_source())
        assert isinstance(error, matcalc.errors.UsageError)


def test_a_message_quoting_a_huge_expression_stays_short():
    source = " ⊗ ".join(f"x{i}" for i in range(400))
    with pytest.raises(matcalc.UnsupportedError) as info:  # index notation has no Kronecker products
        matcalc.jacobian(source, "x17").index()
    assert len(str(info.value)) < 500
    done = cli("jacobian", source, "wrt", "x17", "--format", "index")
    assert_clean_error(done)
    assert len(done.stderr) < 500


def test_python_names_through_the_command_line():
    done = cli("grad", "exec^T A exec + sum(exp(os)) + lambda np^T print", "wrt", "exec", "--format", "numpy",
               "--shape", "exec=n", "--shape", "os=n", "--shape", "np=n", "--shape", "print=n")
    assert done.returncode == 0, done.stderr
    assert module_imports(done.stdout) == ["numpy"]
    _calls_only_numpy(done.stdout)
    rng = np.random.default_rng(1)
    args = {"A": rng.standard_normal((3, 3)), "exec": rng.standard_normal(3), "lambda_": 0.5,
            "np": rng.standard_normal(3), "os": rng.standard_normal(3), "print": rng.standard_normal(3)}
    out = _run_restricted(done.stdout, "gradient", args)
    assert np.allclose(out, (args["A"] + args["A"].T) @ args["exec"])


_XAX = None


def _xax():
    global _XAX
    _XAX = _XAX or matcalc.grad("x^T A x", "x")
    return _XAX


@pytest.mark.parametrize("call, words", [
    (lambda: _xax().evaluate(A=np.ones((3, 4)), x=np.ones(3)), ["A of shape (3, 4) does not fit its shape n×n"]),
    (lambda: _xax().evaluate(A=np.ones((3, 3)), x=np.ones(4)),
     ["x of shape (4,) and A of shape (3, 3) disagree on the size n", "x is an n-vector"]),
    (lambda: _xax().evaluate(x=np.ones(3), A=np.ones((4, 4))), ["x of shape (3,) and A of shape (4, 4)"]),
    (lambda: _xax().evaluate(A=np.ones((3, 3, 1)), x=np.ones(3)), ["A must be a matrix"]),
    (lambda: _xax().evaluate(A="abc", x=np.ones(3)), ["not an array of numbers"]),
    (lambda: matcalc.grad("x^T x", "x", shapes={"x": 3}), ["shape of x"]),
    (lambda: matcalc.grad("x^T x", "x", shapes=["x"]), ["shapes must be a dict"]),
    (lambda: matcalc.grad("r^T r", "x", lets={"r": 3}), ["definition of r"]),
    (lambda: matcalc.grad(None, "x"), ["must be a string"]),
    (lambda: matcalc.grad(b"x^T x", "x"), ["must be a string"]),
    (lambda: matcalc.grad("x^T x", 1), ["wrt must be a string"]),
    (lambda: matcalc.parse(None), ["must be a string"]),
    (lambda: matcalc.grad("tr(X)", "X", lets=["tr = A"]), ["--let 'tr'", "new name"]),
    (lambda: matcalc.grad("sum(phi(x))", "x", functions=["phi psi"]), ["--function 'phi psi'"]),
    (lambda: matcalc.grad("sum(exp(x))", "x", functions=["exp"]), ["--function 'exp'"]),
])
def test_wrongly_typed_api_arguments_are_usage_errors(call, words):
    """Not a TypeError, ValueError or AttributeError from inside matcalc, and never a silent misreading."""
    with pytest.raises(matcalc.errors.UsageError) as info:
        call()
    assert all(w in info.value.message for w in words), info.value.message


def test_a_single_let_or_function_string_is_one_item():
    """lets="r = A x - b" was iterated character by character, functions="phi" made phi a scalar."""
    assert matcalc.grad("r^T r", "x", lets="r = A x - b").text() == "2 A^T r"
    assert matcalc.grad("sum(phi(x))", "x", functions="phi").text() == "phi'(x)"


def test_cli_let_with_a_function_name_is_an_error():
    done = cli("grad", "tr(X)", "wrt", "X", "--let", "tr = A")
    assert_clean_error(done)
    assert "--let 'tr'" in done.stderr
