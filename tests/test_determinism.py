"""The same input gives byte-identical output: across runs, and across
PYTHONHASHSEED values (string hashing decides the order of sets and of
dicts built from them, so any ordering that leaks from one shows here).

Each subprocess runs every case through the command line's own main() and
prints the outputs; the outputs of PYTHONHASHSEED=0, 1, 2 and a random seed
must be equal byte for byte.  One plain ``python -m matcalc`` per seed checks
the real entry point too.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["0", "1", "2", "random"]
FORMATS = ["text", "latex", "json", "numpy", "index"]

CASES = [
    # (command, expression, wrt, shape options)
    ("grad", "w^T L M N x", "M", []),
    ("grad", "logdet(X) + (x - m)^T X^{-1} (x - m)", "X", []),
    ("grad", "tr(A X^T B X C) + sum(exp(y .* (X z))) + alpha beta gamma x^T x", "X",
     ["--shape", "A=p,p", "--shape", "X=n,p"]),
    ("grad", "sum(log(1 + exp(-y .* (X w)))) + lambda norm(w)^2 + mu sum(sigmoid(V w)) + nu tr(W W^T)", "w", []),
    ("grad", "G : (A sigmoid(Z) W) + H : (B tanh(Z) C) + K : (D softplus(Z) E)", "Z", []),
    ("grad", "z^T kron(P, Q) z + u^T diag(v) u + vec(R)^T vec(S) + sqrt(a^T b)", "b",
     ["--shape", "P=2,2", "--shape", "Q=3,3", "--shape", "z=6", "--shape", "R=m,n", "--shape", "S=m,n"]),
    ("jacobian", "A X B + C X^T D + X .* E + exp(X)", "X", ["--shape", "X=m,n"]),
    ("jacobian", "exp(A x) + diag(x) b + x x^T c + alpha x", "x", []),
    ("jacobian", "x y^T + (y^T y) x ones(n)^T + sum(x) ones(m) z^T + P .* (x z^T)", "x",
     ["--shape", "x=m", "--shape", "y=n", "--shape", "z=n", "--shape", "P=m,n"]),
    ("hessian", "x^T A x + sum(log(1 + exp(X x))) + b^T x x^T c", "x", []),
    ("hessian", "logdet(X) + tr(X^T A X B) + norm(X - U V^T)^2", "X", ["--shape", "X=n,n"]),
    ("hessian", "alpha^2 beta + alpha gamma^3 + sin(alpha) theta", "alpha", []),
]

DRIVER = r"""
import contextlib, io, json, sys
from matcalc.cli import main
cases, formats = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = []
for command, expr, wrt, options in cases:
    for fmt in formats:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main([command, expr, "wrt", wrt, "--format", fmt, *options])
        out.append({"case": [command, expr, wrt, fmt], "code": code,
                    "stdout": stdout.getvalue(), "stderr": stderr.getvalue()})
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"""


def _env(seed: str) -> dict:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = seed
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _run_all(seed: str) -> list:
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(CASES), json.dumps(FORMATS)], cwd=REPO,
                          env=_env(seed), capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    return json.loads(done.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def outputs():
    return {seed: _run_all(seed) for seed in SEEDS}


def test_every_case_succeeds(outputs):
    for item in outputs["0"]:
        assert item["code"] == 0 and item["stdout"], item
        # stderr holds at most notes (dimension names matcalc made up, printed in I_n, ones(n))
        assert all(line.startswith("matcalc: note: ") for line in item["stderr"].splitlines()), item


@pytest.mark.parametrize("seed", SEEDS[1:])
def test_byte_identical_across_hash_seeds(outputs, seed):
    for a, b in zip(outputs["0"], outputs[seed]):
        assert a["case"] == b["case"]
        assert a["stdout"].encode("utf-8") == b["stdout"].encode("utf-8"), \
            f"{a['case']} differs with PYTHONHASHSEED={seed}:\n{a['stdout']}\n---\n{b['stdout']}"


def test_byte_identical_across_runs(outputs):
    again = _run_all("0")
    assert [x["stdout"] for x in again] == [x["stdout"] for x in outputs["0"]]


@pytest.mark.parametrize("fmt", ["text", "numpy"])
def test_the_command_itself(fmt):
    digests = set()
    for seed in SEEDS:
        done = subprocess.run([sys.executable, "-m", "matcalc", "hessian", CASES[10][1], "wrt", "X",
                               *CASES[10][3], "--format", fmt], cwd=REPO, env=_env(seed), capture_output=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        digests.add(hashlib.sha256(done.stdout).hexdigest())
    assert len(digests) == 1


def test_the_generated_numpy_runs_the_same(outputs):
    """The numpy modules of different seeds are the same text, hence the same code;
    a module also gives the same numbers when run twice."""
    import numpy as np

    item = next(x for x in outputs["random"] if x["case"][0] == "hessian" and x["case"][3] == "numpy")
    namespace: dict = {}
    exec(item["stdout"], namespace)  # noqa: S102 - matcalc's own output
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4)
    args = dict(A=rng.standard_normal((4, 4)), X=rng.standard_normal((3, 4)), b=rng.standard_normal(4),
                c=rng.standard_normal(4), x=x)
    first = namespace["hessian"](**args)
    assert np.array_equal(first, namespace["hessian"](**args))
