"""The thread settings of the benchmark process (and the processes it starts,
which inherit its environment), applied on import: run.py imports this module
before numpy, jax or torch is imported anywhere."""
from __future__ import annotations

import os
import sys


def threads_from_argv(argv) -> int:
    """--threads N (default 2), read before anything is imported."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv) and argv[i + 1].isdigit():
            return max(1, int(argv[i + 1]))
        if a.startswith("--threads=") and a.split("=", 1)[1].isdigit():
            return max(1, int(a.split("=", 1)[1]))
    return 2


THREADS = threads_from_argv(sys.argv[1:])
# Before numpy, jax or torch is imported anywhere in this process (or in the
# subprocesses it starts, which inherit the environment).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
# Thread pools that spin after their work steal the cores from the next
# library's pool: with PyTorch's OpenMP threads spinning, a 2-thread OpenBLAS
# matrix-vector product measured 15 ms instead of 0.3 ms in this process.  So
# idle threads sleep at once (OpenMP's passive policy; OpenBLAS's shortest
# timeout, 2^4 cycles) and each library pays only for its own work.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=true --xla_force_host_platform_device_count=1").strip()
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["JAX_ENABLE_X64"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
try:  # XLA's and PyTorch's pools size themselves from the CPUs this process may use
    _cpus = sorted(os.sched_getaffinity(0))
    if len(_cpus) > THREADS:
        os.sched_setaffinity(0, _cpus[:THREADS])
except (AttributeError, OSError):
    pass
