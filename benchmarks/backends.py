"""JAX and PyTorch, the optional peers of the generated code: loaded, set to
float64 on the CPU, and warmed up; without them their columns are skipped."""
from __future__ import annotations

from benchmarks.report import say
from benchmarks.threads import THREADS


def load_backends(out: dict):
    jax = torch = None
    notes = []
    try:
        import jax  # noqa: F811

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy  # noqa: F401
    except Exception as e:  # noqa: BLE001
        jax = None
        notes.append(f"JAX not available ({type(e).__name__}: {e}); its columns are skipped "
                     f"(pip install \".[bench]\")")
    try:
        import torch  # noqa: F811
        import torch.func  # noqa: F401

        torch.set_num_threads(THREADS)
    except Exception as e:  # noqa: BLE001
        torch = None
        notes.append(f"PyTorch not available ({type(e).__name__}: {e}); its columns are skipped "
                     f"(pip install \".[bench]\" or pip install torch==2.13.0)")
    try:  # both load parts of themselves on first use: pay for that before any timing
        if jax is not None:
            jax.hessian(lambda v: jax.numpy.sum(jax.numpy.exp(v)))(jax.numpy.ones(3)).block_until_ready()
            jax.jit(jax.grad(lambda v: jax.numpy.sum(v * v)))(jax.numpy.ones(3)).block_until_ready()
        if torch is not None:
            torch.func.hessian(lambda v: torch.sum(torch.exp(v)))(torch.ones(3, dtype=torch.float64))
            torch.func.grad(lambda v: torch.sum(v * v))(torch.ones(3, dtype=torch.float64))
    except Exception as e:  # noqa: BLE001
        notes.append(f"warm-up of JAX/PyTorch failed: {type(e).__name__}: {e}")
    out["backends"] = {"jax": getattr(jax, "__version__", None), "torch": getattr(torch, "__version__", None),
                       "notes": notes}
    for n in notes:
        say("  " + n)
    return jax, torch
