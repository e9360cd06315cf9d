"""Jupyter: docs/notebook.ipynb runs in a real kernel (nbclient + ipykernel,
both in the ``test`` extra) and its results display as LaTeX equations with
their left sides.  The outputs stored in the notebook (what a reader sees on
the web) must be what the code gives today; after a change of output, rewrite
them with

    python tests/test_notebook.py

The test skips only when nbclient or ipykernel is missing and
MATCALC_REQUIRE_NOTEBOOK is not set (CI sets it, and installs both)."""
from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":  # the matcalc of this checkout, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matcalc  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebook.ipynb"
UPDATE = "python tests/test_notebook.py"


def _require():
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as error:
        if os.environ.get("MATCALC_REQUIRE_NOTEBOOK"):
            raise
        pytest.skip(f"notebook test needs the test extra (nbclient, nbformat, ipykernel): {error}")


def execute(path: Path = NOTEBOOK):
    """The notebook run top to bottom in a fresh python3 kernel that imports
    the same matcalc as this process."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    package_root = str(Path(matcalc.__file__).resolve().parent.parent)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = package_root + (os.pathsep + old if old else "")
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    return nb


def _results(nb) -> list:
    """(source, {mime: text}) of each code cell's displayed result."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        data = {}
        for o in cell.get("outputs", []):
            assert o.output_type != "error", f"cell failed: {cell.source}\n{o.get('evalue')}"
            for mime in ("text/latex", "text/plain"):
                if mime in o.get("data", {}):
                    data[mime] = o["data"][mime]
        out.append((cell.source, data))
    return out


@pytest.fixture(scope="module")
def ran():
    _require()
    return execute()


def test_results_display_as_latex_equations(ran):
    results = dict(_results(ran))
    latex = {src: data.get("text/latex", "") for src, data in results.items()}
    assert latex['matcalc.grad("x^T A x", "x")'] == \
        r"$\displaystyle \frac{\partial f}{\partial x} = (A + A^{\top}) x$"
    assert latex['matcalc.jacobian("A X B", "X")'].startswith(
        r"$\displaystyle \frac{\partial \operatorname{vec}(F)}{\partial \operatorname{vec}(X)^{\top}} = ")
    assert latex['matcalc.hessian("sum(softplus(X w))", "w")'].startswith(
        r"$\displaystyle \frac{\partial^2 f}{\partial w \, \partial w^{\top}} = ")
    steps = next(v for k, v in latex.items() if k.startswith("from matcalc.notebook import steps"))
    assert steps.startswith(r"$\displaystyle \begin{aligned}") and r"\mathrm{d}f &= " in steps
    parsed = latex['matcalc.parse("sigmoid(W x + b) .* exp(-alpha x)")']
    assert parsed.startswith(r"$\displaystyle ") and r"\odot" in parsed
    assert "Trace" not in latex[next(k for k in latex if "to_sympy" in k)]  # SymPy's own LaTeX of A X + A^T X
    assert results["G.shape, matcalc.from_sympy(G) == r.expr"]["text/plain"].endswith("True)")
    # every cell with a result shows LaTeX, except the last (a tuple)
    for src, data in _results(ran)[1:-1]:
        assert data.get("text/latex", "").startswith("$"), src
        assert data.get("text/plain"), src


def test_stored_outputs_are_current(ran):
    """The outputs saved in docs/notebook.ipynb are what the code gives now."""
    import nbformat

    stored = _results(nbformat.read(NOTEBOOK, as_version=4))
    fresh = _results(ran)
    for (src, old), (_, new) in zip(stored, fresh):
        assert old == new, f"docs/notebook.ipynb is out of date at {src!r}: run `{UPDATE}`"
    assert len(stored) == len(fresh)


def test_display_never_fails_and_expr_loads_no_printer():
    """matcalc.expr imports no printer; the API installs the notebook display."""
    import subprocess

    code = ("import sys, matcalc.expr; print(any(m.startswith('matcalc.printing') for m in sys.modules)); "
            "e = matcalc.parse('x^T A x'); print('matcalc.notebook' in sys.modules); "
            "b = e._repr_mimebundle_(); print(sorted(b), 'matcalc.notebook' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(Path(matcalc.__file__).resolve().parent.parent))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split("\n")[:3] == ["False", "True", "['text/latex', 'text/plain'] True"]
    r = matcalc.grad("x^T A x", "x")
    assert r._repr_latex_() == r._repr_mimebundle_()["text/latex"]
    assert r._repr_mimebundle_()["text/plain"] == "∂f/∂x = (A + A^T) x"


def test_docs_page_sessions():
    """Every python block of docs/notebooks.md runs as a doctest."""
    import doctest
    import re

    doc = NOTEBOOK.parent / "notebooks.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    # one session: a later block uses the names of an earlier one
    runner.run(doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "notebooks.md", str(doc), 0))
    assert runner.summarize(verbose=False).failed == 0


def _strip(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    return nb


if __name__ == "__main__":  # rewrite the stored outputs
    import nbformat

    nbformat.write(_strip(execute()), NOTEBOOK)
    print(f"wrote {NOTEBOOK}")
