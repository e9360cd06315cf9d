"""What a result file records about the run: the machine, its load, the git
commit and the versions of the software."""
from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path

import numpy as np

import matcalc
from benchmarks import REPO
from benchmarks.threads import THREADS


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    try:
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")) / 2 ** 20
    except (OSError, StopIteration):
        mem = None
    return {"host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "cpus_used": affinity,
            "threads": THREADS, "memory_gib": round(mem, 1) if mem else None, "os": platform.platform(),
            "python": platform.python_version()}


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def git(*args, cwd=REPO) -> str:
    """The output of a git command in the checkout (empty if git fails)."""
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd).stdout.strip()
    except OSError:
        return ""


def git_info(cwd=REPO) -> dict:
    """The commit of a checkout, and whether its matcalc has uncommitted changes."""
    dirty = git("status", "--porcelain", "--", "matcalc", "grammar", cwd=cwd)
    return {"commit": git("rev-parse", "HEAD", cwd=cwd), "subject": git("log", "-1", "--format=%s", cwd=cwd),
            "matcalc_dirty": bool(dirty)}


def versions() -> dict:
    import sympy

    out = {"matcalc": getattr(matcalc, "__version__", None), "numpy": np.__version__, "sympy": sympy.__version__}
    try:
        import lark
        out["lark"] = lark.__version__
    except ImportError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        out["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001
        pass
    return out
