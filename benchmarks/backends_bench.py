"""Generated code against JAX (issue 13): value_and_gradient, Hessian-vector
products, the prepared Hessian operator, the JAX backend, and the NumPy
gradient against the previous generator.

    python benchmarks/backends_bench.py [--baseline DIR] [--quick] [--threads N]

--baseline DIR: a source tree of an earlier matcalc (e.g. `git archive main
matcalc grammar | tar -x -C DIR`); its generated `gradient` is timed beside
today's.  Times are medians (minimums beside them) of interleaved batches, so
that load from elsewhere falls on every implementation alike; float64
throughout; every implementation is checked against the generated NumPy
code first.  Ratios above 1 mean matcalc is faster.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
if "--threads" in __import__("sys").argv:  # before numpy and jax start their thread pools
    _n = __import__("sys").argv[__import__("sys").argv.index("--threads") + 1]
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = _n
    if _n == "1":
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import matcalc  # noqa: E402


def timeit(fns: dict, rounds: int, batch_seconds: float = 0.03) -> dict:
    """{name: (median, min)} seconds per call, the implementations measured in turns."""
    for f in fns.values():  # warm up (and compile)
        f()
    per = {}
    for name, f in fns.items():
        t = time.perf_counter()
        f()
        per[name] = max(1, int(batch_seconds / max(time.perf_counter() - t, 1e-7)))
    samples = {k: [] for k in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            n = per[name]
            t = time.perf_counter()
            for _ in range(n):
                f()
            samples[name].append((time.perf_counter() - t) / n)
    return {k: (float(np.median(v)), float(min(v))) for k, v in samples.items()}


def block(x):
    if isinstance(x, tuple):
        return tuple(block(y) for y in x)
    return x.block_until_ready() if hasattr(x, "block_until_ready") else x


def close(a, b, what):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    err = np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)
    assert err < 1e-8, (what, err)


def baseline_source(tree: str, kind: str, expr: str, wrt: str) -> str:
    code = (f"import sys; sys.path.insert(0, {tree!r}); import matcalc; "
            f"print(matcalc.{kind}({expr!r}, {wrt!r}).numpy_source())")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd="/").stdout


def load(source: str) -> dict:
    ns: dict = {}
    exec(compile(source, "<generated>", "exec"), ns)
    return ns


def problems(rng, quick):
    s = 4 if quick else 1
    X = rng.standard_normal((10000 // s, 500 // s)) / 10
    w = rng.standard_normal(500 // s) / 10
    y = np.sign(rng.standard_normal(10000 // s))
    n = 1000 // s
    A = rng.standard_normal((n, n))
    x = rng.standard_normal(n)
    Xf, U, V = rng.standard_normal((2000 // s, 1000 // s)), rng.standard_normal((2000 // s, 20)), \
        rng.standard_normal((1000 // s, 20))
    A2, x2 = rng.standard_normal((2000 // s, 2000 // s)) / 50, rng.standard_normal(2000 // s)
    W1 = rng.standard_normal((200 // s, 500 // s)) / 20
    W2 = rng.standard_normal((10, 200 // s)) / 10
    Xn, Yn = rng.standard_normal((500 // s, 2000 // s)), rng.standard_normal((10, 2000 // s))
    return [
        # name, expression, wrt, arrays, the loss in jax.numpy
        ("x^T A x (n = 1000)", "x^T A x", "x", dict(A=A, x=x), lambda j, a: a["x"] @ a["A"] @ a["x"]),
        ("logistic (X 10000 x 500)", "sum(log(1 + exp(X w)))", "w", dict(X=X, w=w),
         lambda j, a: j.sum(j.logaddexp(0, a["X"] @ a["w"]))),
        ("logistic with labels", "sum(log(1 + exp(-y .* (X w))))", "w", dict(X=X, w=w, y=y),
         lambda j, a: j.sum(j.logaddexp(0, -a["y"] * (a["X"] @ a["w"])))),
        ("norm(X - U V^T)^2 wrt U", "norm(X - U V^T)^2", "U", dict(X=Xf, U=U, V=V),
         lambda j, a: j.sum((a["X"] - a["U"] @ a["V"].T) ** 2)),
        ("sum(exp(A x)) (n = 2000)", "sum(exp(A x))", "x", dict(A=A2, x=x2),
         lambda j, a: j.sum(j.exp(a["A"] @ a["x"]))),
        ("norm(W2 tanh(W1 X) - Y)^2 wrt W1", "norm(W2 tanh(W1 X) - Y)^2", "W1",
         dict(W1=W1, W2=W2, X=Xn, Y=Yn), lambda j, a: j.sum((a["W2"] @ j.tanh(a["W1"] @ a["X"]) - a["Y"]) ** 2)),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", help="an earlier matcalc source tree, for the NumPy gradient's speed")
    ap.add_argument("--quick", action="store_true", help="smaller problems, fewer rounds")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--threads", help="BLAS and XLA threads (1 also pins the process to one CPU)")
    ap.add_argument("--torch", action="store_true", help="only the torch backend against torch.func.grad")
    args = ap.parse_args(argv)
    rounds = 5 if args.quick else args.rounds

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    rows = []
    if args.torch:
        return torch_rows(args, rng, rounds)

    def report(problem, what, t_mc, t_peer, peer):
        row = dict(problem=problem, what=what, mc_ms=t_mc[0] * 1e3, mc_min_ms=t_mc[1] * 1e3, peer=peer,
                   peer_ms=t_peer[0] * 1e3, peer_min_ms=t_peer[1] * 1e3, ratio=t_peer[0] / t_mc[0],
                   ratio_min=t_peer[1] / t_mc[1])
        rows.append(row)
        print(f"{problem:34s} {what:28s} mc {row['mc_ms']:8.3f} ms  {peer:26s} {row['peer_ms']:8.3f} ms  "
              f"peer/mc {row['ratio']:5.2f}x (min {row['ratio_min']:5.2f}x)", flush=True)

    for name, expr, wrt, arrays, loss in problems(rng, args.quick):
        others = {k: v for k, v in arrays.items() if k != wrt}
        jarrays = {k: jnp.asarray(v) for k, v in arrays.items()}

        jothers = {k: jnp.asarray(v) for k, v in others.items()}

        def jf(xv, _others, _loss=loss, _wrt=wrt):  # every array an argument, as for the generated code
            return _loss(jnp, {**_others, _wrt: xv})

        r = matcalc.grad(expr, wrt)
        mc = r.function()
        mj = r.function("jax")
        vg_jax = jax.jit(jax.value_and_grad(jf))
        g_jax = jax.jit(jax.grad(jf))
        f0, G0 = mc.value_and_gradient(**arrays)
        fj, Gj = vg_jax(jarrays[wrt], jothers)
        close(fj, f0, name)
        close(Gj, G0, name)
        t = timeit({"mc": lambda: mc.value_and_gradient(**arrays),
                    "jax": lambda: block(vg_jax(jarrays[wrt], jothers))}, rounds)
        report(name, "value_and_gradient", t["mc"], t["jax"], "jit(value_and_grad)")
        # the JAX backend under jit against jax.jit(jax.grad(f))
        gb = jax.jit(lambda **a: mj.gradient(**a))
        close(gb(**jarrays), G0, name + " jax backend")
        t = timeit({"mcjax": lambda: block(gb(**jarrays)), "jax": lambda: block(g_jax(jarrays[wrt], jothers))}, rounds)
        report(name, "gradient, JAX backend (jit)", t["mcjax"], t["jax"], "jit(grad)")
        if args.baseline:
            old = load(baseline_source(args.baseline, "grad", expr, wrt))["gradient"]
            close(old(**arrays), G0, name + " baseline")
            t = timeit({"new": lambda: mc.gradient(**arrays), "old": lambda: old(**arrays)}, rounds)
            report(name, "NumPy gradient vs previous", t["new"], t["old"], "previous generator")

    for name, expr, wrt, arrays, loss in problems(rng, args.quick):
        if not (name.startswith("logistic (") or name.startswith("norm(W2")):
            continue
        others = {k: jnp.asarray(v) for k, v in arrays.items() if k != wrt}

        def jf(xv, _others, _loss=loss, _wrt=wrt):
            return _loss(jnp, {**_others, _wrt: xv})

        h = matcalc.hessian(expr, wrt)
        mc = h.function()
        V = rng.standard_normal(np.shape(arrays[wrt]))
        hvp_jax = jax.jit(lambda xv, v, o: jax.jvp(lambda z: jax.grad(jf)(z, o), (xv,), (v,))[1])
        x0, Vj = jnp.asarray(arrays[wrt]), jnp.asarray(V)
        want = mc.hessian_vector_product(V, **arrays)
        close(hvp_jax(x0, Vj, others), want, name + " hvp")
        op = mc.hessian_operator(**arrays)
        close(op(V), want, name + " operator")
        t = timeit({"mc": lambda: mc.hessian_vector_product(V, **arrays),
                    "op": lambda: op(V), "jax": lambda: block(hvp_jax(x0, Vj, others))}, rounds)
        report(name, "hessian_vector_product", t["mc"], t["jax"], "jit(jvp(grad))")
        report(name, "hessian_operator, per product", t["op"], t["jax"], "jit(jvp(grad))")
        if name.startswith("logistic ("):
            mj = h.function("jax")
            jarrays = {k: jnp.asarray(v) for k, v in arrays.items()}
            hb = jax.jit(lambda v, **a: mj.hessian_vector_product(v, **a))
            close(hb(Vj, **jarrays), want, name + " jax backend hvp")
            t = timeit({"mcjax": lambda: block(hb(Vj, **jarrays)), "jax": lambda: block(hvp_jax(x0, Vj, others))}, rounds)
            report(name, "hvp, JAX backend (jit)", t["mcjax"], t["jax"], "jit(jvp(grad))")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


def torch_rows(args, rng, rounds):
    """The torch backend's gradient (eager) against torch.func.grad of the same loss (eager)."""
    import torch

    if args.threads:
        torch.set_num_threads(int(args.threads))
    for name, expr, wrt, arrays, loss in problems(rng, args.quick):
        t_arrays = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in arrays.items()}
        others = {k: v for k, v in t_arrays.items() if k != wrt}
        tj = type("T", (), {"sum": staticmethod(torch.sum), "exp": staticmethod(torch.exp),
                            "tanh": staticmethod(torch.tanh),
                            "logaddexp": staticmethod(lambda a, b: torch.logaddexp(torch.zeros(()).double(), b))})

        def tf(xv, _others=others, _loss=loss, _wrt=wrt):
            return _loss(tj, {**_others, _wrt: xv})

        g_func = torch.func.grad(tf)
        mt = matcalc.grad(expr, wrt).function("torch")
        close(mt.gradient(**t_arrays).numpy(), g_func(t_arrays[wrt]).numpy(), name + " torch")
        t = timeit({"mc": lambda: mt.gradient(**t_arrays), "tf": lambda: g_func(t_arrays[wrt])}, rounds)
        print(f"{name:34s} torch backend gradient {t['mc'][0] * 1e3:8.3f} ms  torch.func.grad "
              f"{t['tf'][0] * 1e3:8.3f} ms  peer/mc {t['tf'][0] / t['mc'][0]:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
