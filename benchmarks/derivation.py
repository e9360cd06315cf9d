"""Section 1: derivation through the Python API, matcalc.grad against SymPy's
``MatrixSymbol(...).diff`` in this same process, on the fixed problems and the
scaling families, every answer checked against central differences."""
from __future__ import annotations

import math
from typing import Optional

from benchmarks.checks import CHECK_TOLERANCE, check_gradient
from benchmarks.config import Config
from benchmarks.derive import clear_matcalc_caches, derive_matcalc
from benchmarks.harness import Measure, Timeout, measure, ratio, time_limit
from benchmarks.problems import Problem, _sympy_symbols, families, selected, sympy_check_error
from benchmarks.report import Table, fmt_ratio, fmt_time, say


def warm_up_sympy():
    """SymPy loads parts of itself on first use: pay for that before any timing."""
    from sympy import MatrixSymbol, Symbol, Trace, tanh

    n = Symbol("n", integer=True, positive=True)
    x, A = MatrixSymbol("x", n, 1), MatrixSymbol("A", n, n)
    (x.T * A * x).diff(x)
    Trace(A * A).diff(A)
    (x.T * (A * x).applyfunc(tanh)).diff(A)


def run_pair(cfg: Config, p: Problem, do_matcalc: bool = True) -> dict:
    """Time matcalc and SymPy on one problem, check both answers numerically."""
    from sympy.core.cache import clear_cache

    shapes = p.matcalc_shapes()
    vals = p.numbers()
    row = {"problem": p.name, "wrt": p.wrt}
    if do_matcalc:
        mc = measure(lambda: derive_matcalc(p.name, p.wrt, shapes), cfg, setup=clear_matcalc_caches,
                     limit=cfg.matcalc_limit)
    else:
        mc = Measure(status="skipped")
    row["matcalc"] = mc.to_dict()
    if mc.status == "ok":
        r = mc.value
        row["matcalc"]["text"] = r.text()
        row["matcalc"]["size"] = len(r.text())
        try:  # with repeated subexpressions named once ("where t1 = ..."), where matcalc offers it
            row["matcalc"]["compact_size"] = len(r.text(compact=True))
        except TypeError:
            row["matcalc"]["compact_size"] = None
        try:
            with time_limit(cfg.matcalc_limit * 3):
                err = check_gradient(r.evaluate(**vals), p.f, p.wrt, vals)
            row["matcalc"]["check_error"] = err
            row["matcalc"]["correct"] = bool(err < CHECK_TOLERANCE)
        except (Exception, Timeout) as e:  # noqa: BLE001
            row["matcalc"]["correct"] = None
            row["matcalc"]["check_error"] = f"{type(e).__name__}: {e}"
    if p.sympy is None:
        row["sympy"] = {"status": "n/a", "error": p.sympy_note}
        return row
    S = _sympy_symbols(p.dims)
    sy = measure(lambda: p.sympy(S), cfg, setup=clear_cache, limit=cfg.sympy_limit)
    row["sympy"] = sy.to_dict()
    if sy.status == "ok":
        row["sympy"]["size"] = len(str(sy.value))
        row["sympy"]["text"] = str(sy.value)[:300]
        try:
            with time_limit(max(cfg.sympy_limit, 5.0)):
                err = sympy_check_error(sy.value, vals, p.f, p.wrt)
            row["sympy"]["check_error"] = err
            if err >= CHECK_TOLERANCE:
                row["sympy"]["status"] = "wrong"
        except Timeout:
            row["sympy"]["status"] = "unchecked"
            row["sympy"]["error"] = "its answer could not be evaluated in time"
        except Exception as e:  # noqa: BLE001
            msg = f"{type(e).__name__}: {e}"
            row["sympy"]["status"] = "failed" if "Derivative" in msg else "unchecked"
            row["sympy"]["error"] = msg[:200]
    if row["matcalc"]["status"] == "ok" and row["sympy"]["status"] == "ok":
        row["ratio"] = ratio(sy.median, mc.median)
    return row


def growth(points) -> Optional[float]:
    """The exponent a in y ~ x^a between the last two points."""
    pts = [(x, y) for x, y in points if y]
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    return math.log(y1 / y0) / math.log(x1 / x0) if x1 != x0 and y0 > 0 else None


def section_derivation(cfg: Config, out: dict, tables: list):
    say("\n[1/4] derivation: matcalc.grad vs SymPy MatrixSymbol.diff (same process, cache cleared)")
    import sympy  # noqa: F401  (imported once, outside every timing)

    derive_matcalc("x^T A x", "x", None)  # builds the parser: a start-up cost, measured in section 2
    warm_up_sympy()
    rows = []
    for p in selected(cfg):
        row = run_pair(cfg, p)
        rows.append(row)
        say(f"  {p.name:42s} wrt {p.wrt:3s} matcalc {fmt_time(row['matcalc']['median_s']):>9s}  "
            f"sympy {sympy_cell(row['sympy']):>24s}")
    out["derivation"] = rows
    t = Table("Derivation: matcalc vs SymPy (median per call)",
              ["problem", "wrt", "matcalc", "SymPy", "SymPy / matcalc", "matcalc result"])
    for row in rows:
        t.add(row["problem"], row["wrt"], mc_cell(row["matcalc"]), sympy_cell(row["sympy"]),
              fmt_ratio(row.get("ratio")), row["matcalc"].get("text", "")[:60])
    t.notes.append("'wrong': SymPy answered, and its answer fails the check against central differences "
                   "(no time is compared); 'failed': SymPy raised or returned an unevaluated derivative.")
    tables.append(t)

    out["scaling"] = {}
    for key, (title, var, sizes, make) in families(cfg).items():
        say(f"  family {title}")
        rows, mc_dead, sy_dead = [], "", ""
        for n in sizes:
            p = make(n)
            if sy_dead:
                p.sympy, p.sympy_note = None, sy_dead
            row = {"size": n, **run_pair(cfg, p, do_matcalc=not mc_dead)}
            if len(row["problem"]) > 80:
                row["problem"] = row["problem"][:77] + "..."
            if mc_dead:
                row["matcalc"] = {"status": "skipped", "error": mc_dead}
            if sy_dead:
                row["sympy"] = {"status": "skipped", "error": sy_dead}
            if row["matcalc"]["status"] in ("timeout", "failed"):
                mc_dead = f"skipped after matcalc {row['matcalc']['status']} at {var} = {n}"
            if row["sympy"]["status"] in ("timeout", "failed", "wrong"):
                sy_dead = f"skipped after SymPy {row['sympy']['status']} at {var} = {n}"
            rows.append(row)
            say(f"    {var} = {n:4d}  matcalc {mc_cell(row['matcalc']):>14s} size {row['matcalc'].get('size', '-')!s:>6s}"
                f"  sympy {sympy_cell(row['sympy']):>24s}")
        ok = [r for r in rows if r["matcalc"].get("status") == "ok"]
        full_pts = [(r["size"], r["matcalc"].get("size")) for r in ok]
        size_pts = [(r["size"], out_size(r["matcalc"])) for r in ok]
        time_pts = [(r["size"], r["matcalc"].get("median_s")) for r in ok]
        out["scaling"][key] = {"title": title, "var": var, "rows": rows,
                               "size_growth_exponent": growth(size_pts), "full_size_growth_exponent": growth(full_pts),
                               "time_growth_exponent": growth(time_pts)}
        t = Table(f"Scaling: {title}", [var, "matcalc", "SymPy", "SymPy / matcalc", "matcalc text() (chars)",
                                        "text(compact=True)", "SymPy output (chars)"])
        for r in rows:
            t.add(r["size"], mc_cell(r["matcalc"]), sympy_cell(r["sympy"]), fmt_ratio(r.get("ratio")),
                  r["matcalc"].get("size", "-"), r["matcalc"].get("compact_size") or "-",
                  r["sympy"].get("size", "-") if r["sympy"].get("status") == "ok" else "-")
        ge, te = out["scaling"][key]["size_growth_exponent"], out["scaling"][key]["time_growth_exponent"]
        fe = out["scaling"][key]["full_size_growth_exponent"]
        t.notes.append(f"growth between the last two measured sizes: output size ~ {var}^"
                       f"{'-' if ge is None else f'{ge:.2f}'} (compact; text() ~ {var}^{'-' if fe is None else f'{fe:.2f}'}),"
                       f" matcalc time ~ {var}^{'-' if te is None else f'{te:.2f}'}")
        errs = {r["sympy"].get("error") for r in rows if r["sympy"].get("status") in ("failed", "timeout")}
        for e in sorted(x for x in errs if x):
            t.notes.append(f"SymPy: {e}")
        tables.append(t)


def out_size(m: dict):
    """The size of matcalc's answer: compact (named subexpressions) where offered."""
    return m.get("compact_size") or m.get("size")


def mc_cell(m: dict) -> str:
    s = m.get("status")
    if s == "ok":
        bad = m.get("correct") is False
        return fmt_time(m.get("median_s")) + (" WRONG" if bad else "")
    return s or "-"


def sympy_cell(m: dict) -> str:
    s = m.get("status")
    if s == "ok":
        return fmt_time(m.get("median_s"))
    if s == "wrong":
        return "wrong"
    if s == "unchecked":
        return fmt_time(m.get("median_s")) + " (unchecked)"
    if s == "timeout":
        return f"timeout ({m.get('error')})"
    if s == "failed":
        err = m.get("error") or ""
        return "failed (" + err.split(":")[0] + ")"
    return s or "-"
