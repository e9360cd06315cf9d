"""The two settings of a run: the full benchmark and ``--quick``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Config:
    quick: bool
    reps: int  # timed repetitions (at most) per measurement
    budget: float  # seconds per measurement, after which no more repetitions start
    heavy: float  # a first call slower than this counts as a sample (see measure)
    sample: float  # seconds one sample of a fast call should last (see measure_many)
    sympy_limit: float  # seconds one SymPy call may take
    matcalc_limit: float  # seconds one matcalc derivation may take
    chain_ns: tuple
    trace_ks: tuple
    mlp_ls: tuple
    startup_reps: int
    sizes: dict  # numeric problem sizes
    compare_reps: int = 15  # samples per side and problem in --compare
    backend_cases: Optional[tuple] = None  # numeric cases run on JAX and PyTorch too (None: all)


FULL = Config(
    quick=False, reps=9, budget=4.0, heavy=2.0, sample=0.05, sympy_limit=20.0, matcalc_limit=20.0,
    chain_ns=(2, 4, 8, 16, 32, 64, 128, 256, 512), trace_ks=(2, 4, 8, 16, 32, 64, 128),
    mlp_ls=(1, 2, 4, 8, 16, 32, 64), startup_reps=10,
    sizes=dict(quad=1000, logistic=(10000, 500), factor=(2000, 1000, 50), exp=2000, chain=500),
)
QUICK = Config(
    quick=True, reps=2, budget=0.2, heavy=0.5, sample=0.002, sympy_limit=3.0, matcalc_limit=3.0,
    chain_ns=(2, 4), trace_ks=(2, 4), mlp_ls=(1, 2), startup_reps=2, compare_reps=3,
    sizes=dict(quad=60, logistic=(300, 20), factor=(60, 40, 5), exp=60, chain=30),
    backend_cases=("x^T A x, gradient", "x^T A x, Hessian"),
)
