"""The installed package finds its grammar, and its command works.

These tests run Python in a subprocess from a temporary directory, so the
source tree is not on sys.path and ``import matcalc`` finds the installed
(non-editable) package.  Without an installed package they are skipped; .ci/run
sets MATCALC_REQUIRE_INSTALLED=1, which turns every skip into a failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DIST = "matcalc-differential"
REQUIRED = os.environ.get("MATCALC_REQUIRE_INSTALLED", "") not in ("", "0")

PROBE = r"""
import importlib.metadata as md, importlib.util, json
spec = importlib.util.find_spec("matcalc")
try:
    version = md.version("matcalc-differential")
except md.PackageNotFoundError:
    version = None
print(json.dumps({"origin": spec.origin if spec else None, "version": version}))
"""


def _clean_env() -> dict:
    """The environment without anything that would put the source tree on sys.path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}


def _run(args, cwd, **kw):
    return subprocess.run(args, cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, **kw)


def _under_repo(path: str) -> bool:
    try:
        Path(path).resolve().relative_to(REPO)
    except ValueError:
        return False
    return True


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(f"MATCALC_REQUIRE_INSTALLED is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The installed matcalc's location, or a skip (a failure under CI)."""
    cwd = tmp_path_factory.mktemp("outside")
    probe = _run([sys.executable, "-c", PROBE], cwd)
    assert probe.returncode == 0, probe.stderr
    info = json.loads(probe.stdout)
    if info["origin"] is None or info["version"] is None:
        _skip_or_fail(f"{DIST} is not installed in {sys.executable} (pip install .)")
    if _under_repo(info["origin"]):
        _skip_or_fail(f"matcalc is installed in editable mode ({info['origin']}); "
                      "the grammar test needs a non-editable install (pip install .)")
    return cwd, Path(info["origin"]).parent


def test_installed_package_finds_its_grammar(installed):
    cwd, package = installed
    grammar = package / "grammar" / "matcalc.lark"
    assert grammar.is_file(), f"the wheel does not ship {grammar}"
    source = (REPO / "grammar" / "matcalc.lark").read_text(encoding="utf-8")
    if grammar.read_text(encoding="utf-8") != source and not REQUIRED:
        pytest.skip("the installed matcalc is older than this source tree (pip install . again)")
    assert grammar.read_text(encoding="utf-8") == source
    script = r"""
import sys
from pathlib import Path
import matcalc
from matcalc import parser
repo = Path(sys.argv[1]).resolve()
here = Path(matcalc.__file__).resolve()
assert repo not in here.parents, f"imported the source tree: {here}"
assert all(Path(p or ".").resolve() != repo for p in sys.path), "the repository is on sys.path"
grammar = parser.grammar_path().resolve()
assert grammar == here.parent / "grammar" / "matcalc.lark", grammar
from matcalc.printing.text import to_text
e = matcalc.parse("w^T L M N x + tr(A (B + C)) + x'*A*x")
r = matcalc.grad("w^T L M N x", wrt="M")
print(r.text())
print(to_text(matcalc.parse(r.text())) == r.text())
"""
    done = _run([sys.executable, "-c", script, str(REPO)], cwd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["L^T w x^T N^T", "True"]


def test_python_dash_m_from_outside_the_tree(installed):
    cwd, _ = installed
    done = _run([sys.executable, "-m", "matcalc", "grad", "w^T L M N x", "wrt", "M"], cwd)
    assert (done.returncode, done.stdout, done.stderr) == (0, "L^T w x^T N^T\n", "")


def test_console_script(installed):
    cwd, _ = installed
    scripts = Path(sysconfig.get_path("scripts"))
    exe = scripts / ("matcalc.exe" if os.name == "nt" else "matcalc")
    if not exe.is_file():
        _skip_or_fail(f"no matcalc console script in {scripts}")
    done = _run([str(exe), "grad", "w^T L M N x", "wrt", "M"], cwd)
    assert (done.returncode, done.stdout, done.stderr) == (0, "L^T w x^T N^T\n", "")
    bad = _run([str(exe), "grad", "x^T A x +", "wrt", "x"], cwd)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("matcalc: syntax error")


def test_pyproject_ships_the_grammar():
    """The wheel configuration names the grammar (a cheap check that runs
    everywhere, also without an install)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        pytest.importorskip("tomli")
        import tomli as tomllib
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == DIST
    assert meta["project"]["scripts"]["matcalc"] == "matcalc.cli:main"
    force = meta["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["grammar/matcalc.lark"] == "matcalc/grammar/matcalc.lark"
