"""Section 3: run time of the NumPy code matcalc generates beside a
hand-written NumPy formula, JAX and PyTorch, after checking that all agree."""
from __future__ import annotations

import functools

import numpy as np

from benchmarks.cases import generated_function, numeric_cases
from benchmarks.checks import AGREE_TOLERANCE, agreement
from benchmarks.config import Config
from benchmarks.harness import measure_many, ratio
from benchmarks.report import Table, fmt_ratio, fmt_time, say


def section_numeric(cfg: Config, out: dict, tables: list, jax, torch):
    if cfg.backend_cases is not None and (jax or torch):
        say(f"  (--quick: JAX and PyTorch only on {', '.join(cfg.backend_cases)})")
    say("\n[3/4] generated NumPy code vs a hand-written formula, JAX and PyTorch (float64, 2 threads)")
    rng = np.random.default_rng(0)
    rows = []
    disagreements = []
    for case in numeric_cases():
        say(f"  {case.name}")
        d = case.data(rng, cfg.sizes)
        row = {"case": case.name, "kind": case.kind, "expr": case.expr, "wrt": case.wrt,
               "hand_formula": case.hand_text, "impls": {}, "agreement": {}}
        try:
            fn, params, src, text = generated_function(case.kind, case.expr, case.wrt, case.shapes)
            row["matcalc_result"] = text
            row["matcalc_code"] = src
        except Exception as e:  # noqa: BLE001
            row["impls"]["matcalc"] = {"status": "failed", "error": f"{type(e).__name__}: {e}"}
            fn = None
        ref = case.hand(d)
        impls = {"hand": lambda: case.hand(d)}
        if fn is not None:
            kwargs = {p: d[p] for p in params}
            impls["matcalc"] = lambda: fn(**kwargs)
        x0 = d[case.wrt]
        others = {k: v for k, v in d.items() if k != case.wrt}
        backends = cfg.backend_cases is None or case.name in cfg.backend_cases
        if jax is not None and backends:
            import jax.numpy as jnp

            jx = jnp.asarray(x0)
            jo = {k: jnp.asarray(v) for k, v in others.items()}
            jf = functools.partial(case.f, jnp)
            op = jax.hessian(jf) if case.kind == "hessian" else jax.grad(jf)
            jit_op = jax.jit(op)
            impls["jax"] = lambda: op(jx, jo).block_until_ready()  # op by op: its first call compiles too
            impls["jax.jit"] = lambda: jit_op(jx, jo).block_until_ready()
        if torch is not None and backends:
            tx = torch.from_numpy(np.ascontiguousarray(x0))
            to = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in others.items()}
            tf = functools.partial(case.f, torch)
            top = torch.func.hessian(tf) if case.kind == "hessian" else torch.func.grad(tf)
            impls["torch"] = lambda: top(tx, to)
        measured = measure_many(impls, cfg, keep_heavy_first=lambda name: not name.startswith("jax"))
        for name, m in measured.items():
            rec = m.to_dict()
            if m.status == "ok":
                val = m.value.numpy() if torch is not None and isinstance(m.value, torch.Tensor) else np.asarray(m.value)
                err = agreement(val, ref)
                rec["max_rel_diff_vs_hand"] = err
                row["agreement"][name] = err
                if not err < AGREE_TOLERANCE:
                    disagreements.append(f"{case.name}: {name} differs from the hand-written formula "
                                         f"by {err:.2e} (relative, max)")
            row["impls"][name] = rec
            say(f"    {name:8s} {fmt_time(m.median):>9s}  first call {fmt_time(m.first):>9s}"
                + ("" if m.status == "ok" else f"  {m.status}: {m.error}")
                + (f"  DISAGREES ({rec.get('max_rel_diff_vs_hand'):.1e})"
                   if m.status == "ok" and not rec.get("max_rel_diff_vs_hand", 0) < AGREE_TOLERANCE else ""))
        rows.append(row)
    out["numeric"] = rows
    out["numeric_disagreements"] = disagreements
    med = lambda row, k: row["impls"].get(k, {}).get("median_s")  # noqa: E731
    t = Table("Generated code: run time (median) and ratios",
              ["case", "matcalc", "hand", "jax.jit", "jax", "torch", "mc/hand", "mc/jax.jit", "jax.jit/mc",
               "torch/mc", "mc 1st call", "jax.jit 1st call"])
    for row in rows:
        mc = med(row, "matcalc")
        t.add(row["case"], fmt_time(mc), fmt_time(med(row, "hand")), fmt_time(med(row, "jax.jit")),
              fmt_time(med(row, "jax")), fmt_time(med(row, "torch")),
              fmt_ratio(ratio(mc, med(row, "hand"))), fmt_ratio(ratio(mc, med(row, "jax.jit"))),
              fmt_ratio(ratio(med(row, "jax.jit"), mc)), fmt_ratio(ratio(med(row, "torch"), mc)),
              fmt_time(row["impls"].get("matcalc", {}).get("first_call_s")),
              fmt_time(row["impls"].get("jax.jit", {}).get("first_call_s")))
    s = cfg.sizes
    t.notes.append(f"sizes: x^T A x n = {s['quad']}; logistic X {s['logistic'][0]} x {s['logistic'][1]}; "
                   f"factorisation X {s['factor'][0]} x {s['factor'][1]}, rank {s['factor'][2]}; "
                   f"sum(exp(A x)) n = {s['exp']}; chain 8 matrices {s['chain']} x {s['chain']}")
    t.notes.append("mc = the NumPy code matcalc generates (exec'd from Result.numpy_source()); hand = the best "
                   "hand-written NumPy formula; jax = jax.grad / jax.hessian, jax.jit = the same jitted "
                   "(its first call compiles); torch = torch.func.grad / torch.func.hessian")
    if disagreements:
        t.notes.append("DISAGREEMENTS: " + "; ".join(disagreements))
    else:
        t.notes.append(f"all implementations agree with the hand-written formula to {AGREE_TOLERANCE:g} "
                       "(max relative difference) on every case")
    tables.append(t)
    if disagreements:
        say("\n" + "!" * 78)
        for dmsg in disagreements:
            say("!!! DISAGREEMENT: " + dmsg)
        say("!" * 78)
