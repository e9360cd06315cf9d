"""Section 4: the matrix-chain ordering of the generated gradient of
``w^T M1 ... M8 x`` wrt M4, whatever order the user typed, against
vector-first and strictly left-to-right evaluation."""
from __future__ import annotations

import functools
import math

import numpy as np

from benchmarks.cases import CHAIN8_SHAPES, chain_left, chain_right, generated_function
from benchmarks.checks import AGREE_TOLERANCE, agreement
from benchmarks.config import Config
from benchmarks.harness import measure_many, ratio
from benchmarks.report import Table, fmt_ratio, fmt_time, say


CHAIN_VARIANTS = [
    "w^T M1 M2 M3 M4 M5 M6 M7 M8 x",
    "w^T ((((((M1 M2) M3) M4) M5) M6) M7) M8 x",
    "w^T (M1 (M2 (M3 (M4 (M5 (M6 (M7 M8))))))) x",
    "(w^T (M1 (M2 M3))) M4 ((M5 M6) (M7 (M8 x)))",
    "x^T M8^T M7^T M6^T M5^T M4^T M3^T M2^T M1^T w",
    "tr(M1 M2 M3 M4 M5 M6 M7 M8 x w^T)",
]


def chain_bad(d):
    """The gradient multiplied strictly left to right, as written:
    M3^T M2^T M1^T w x^T M8^T M7^T M6^T M5^T."""
    G = d["M3"].T @ d["M2"].T
    G = G @ d["M1"].T
    G = G @ d["w"][:, None]
    G = G @ d["x"][None, :]
    for m in ("M8", "M7", "M6", "M5"):
        G = G @ d[m].T
    return G


def section_chain(cfg: Config, out: dict, tables: list):
    say("\n[4/4] matrix-chain ordering: generated gradient of w^T M1 ... M8 x wrt M4 as typed in several ways")
    n = cfg.sizes["chain"]
    rng = np.random.default_rng(1)
    d = {f"M{i}": rng.standard_normal((n, n)) / math.sqrt(n) for i in range(1, 9)}
    d.update(w=rng.standard_normal(n), x=rng.standard_normal(n))
    ref = np.outer(chain_left(d), chain_right(d))
    calls = {"vector-first": lambda: np.outer(chain_left(d), chain_right(d)), "left-to-right": lambda: chain_bad(d)}
    rows = []
    for text in CHAIN_VARIANTS:
        row = {"typed": text}
        try:
            fn, params, src, res = generated_function("gradient", text, "M4", CHAIN8_SHAPES)
            row.update(result=res, code=src)
            calls[text] = functools.partial(fn, **{p: d[p] for p in params})
        except Exception as e:  # noqa: BLE001
            row.update(status="failed", error=f"{type(e).__name__}: {e}")
        rows.append(row)
    ms = measure_many(calls, cfg)  # interleaved: the ratios are what matters here
    vector_first, bad = ms["vector-first"], ms["left-to-right"]
    bad_err = agreement(bad.value, ref)
    for row in rows:
        m = ms.get(row["typed"])
        if m is not None:
            row.update(m.to_dict())
            row["max_rel_diff"] = agreement(m.value, ref) if m.status == "ok" else None
            row["ratio_to_vector_first"] = ratio(m.median, vector_first.median)
        say(f"  {row['typed']:48s} {fmt_time(row.get('median_s')):>9s}  "
            f"{fmt_ratio(row.get('ratio_to_vector_first')):>7s} of vector-first")
    out["chain_order"] = {
        "n": n, "vector_first": vector_first.to_dict(), "left_to_right": dict(bad.to_dict(), max_rel_diff=bad_err),
        "bad_over_vector_first": ratio(bad.median, vector_first.median), "variants": rows,
        "worst_generated_over_vector_first": max((r.get("ratio_to_vector_first") or math.inf) for r in rows),
    }
    t = Table(f"Chain ordering: gradient of w^T M1 ... M8 x wrt M4 ({n} x {n})",
              ["as typed", "generated", "/ vector-first", "left-to-right / generated", "agrees"])
    for r in rows:
        t.add(r["typed"], fmt_time(r.get("median_s")), fmt_ratio(r.get("ratio_to_vector_first")),
              fmt_ratio(ratio(bad.median, r.get("median_s"))),
              "yes" if (r.get("max_rel_diff") is not None and r["max_rel_diff"] < AGREE_TOLERANCE) else "NO")
    t.add("hand: vector-first (M3^T M2^T M1^T w)(M5 M6 M7 M8 x)^T", fmt_time(vector_first.median), "1.00x",
          fmt_ratio(ratio(bad.median, vector_first.median)), "reference")
    t.add("hand: left-to-right M3^T M2^T M1^T w x^T M8^T M7^T M6^T M5^T", fmt_time(bad.median),
          fmt_ratio(ratio(bad.median, vector_first.median)), "1.00x",
          "yes" if bad_err < AGREE_TOLERANCE else "NO")
    tables.append(t)
