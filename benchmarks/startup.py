"""Section 2: whole-process time of the matcalc command beside
``python -c "import sympy"``, interleaved, and which heavy modules it imports."""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks import REPO
from benchmarks.config import Config
from benchmarks.harness import perf
from benchmarks.report import Table, fmt_ratio, fmt_time, say


MATCALC_CMD = 'python -m matcalc grad "x^T A x" wrt x'
SYMPY_CMD = 'python -c "import sympy"'
CONSOLE_CMD = 'matcalc grad "x^T A x" wrt x (the installed console script)'
CONSOLE_EQUIV = "what the console script runs: python -c 'from matcalc.cli import main; ...' grad ..."


def section_startup(cfg: Config, out: dict, tables: list):
    say("\n[2/4] start-up: whole-process time, matcalc command vs python -c 'import sympy'")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    args = ["grad", "x^T A x", "wrt", "x"]
    cmds = {
        MATCALC_CMD: [sys.executable, "-m", "matcalc", *args],
        CONSOLE_EQUIV: [sys.executable, "-c", "import sys; from matcalc.cli import main; sys.exit(main())", *args],
        SYMPY_CMD: [sys.executable, "-c", "import sympy"],
        "python -c \"import numpy\"": [sys.executable, "-c", "import numpy"],
        "python -c \"pass\" (the interpreter alone)": [sys.executable, "-c", "pass"],
    }
    script = Path(sys.executable).parent / "matcalc"
    script = str(script) if script.exists() else shutil.which("matcalc")
    notes = []
    if script:
        probe = subprocess.run([script, *args], capture_output=True, text=True, env=env, cwd=REPO)
        if probe.returncode == 0 and "A" in probe.stdout:
            cmds[CONSOLE_CMD] = [script, *args]
        else:
            notes.append(f"a 'matcalc' on PATH ({script}) is not this program; skipped")
    else:
        notes.append("no installed 'matcalc' console script (pip install -e . adds one); only python -m matcalc")
    for cmd in cmds.values():  # warm the OS caches (and Lark's on-disk parser cache)
        subprocess.run(cmd, capture_output=True, env=env, cwd=REPO)
    times = {k: [] for k in cmds}
    fails = {}
    for _ in range(cfg.startup_reps):  # interleaved, so drift hits all alike
        for k, cmd in cmds.items():
            t0 = perf()
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
            times[k].append(perf() - t0)
            if p.returncode != 0:
                fails[k] = p.stderr.strip()[-300:]
    med = {k: statistics.median(v) for k, v in times.items()}
    sympy_t = med[SYMPY_CMD]
    # Which heavy modules the command's path imports.
    probe_code = ("import sys, io, contextlib\nfrom matcalc.cli import main\n"
                  "with contextlib.redirect_stdout(io.StringIO()):\n    main(['grad', 'x^T A x', 'wrt', 'x'])\n"
                  "print(','.join(m for m in ('sympy', 'numpy', 'lark', 'scipy', 'jax', 'torch') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", probe_code], capture_output=True, text=True, env=env, cwd=REPO)
    heavy = [m for m in p.stdout.strip().split(",") if m] if p.returncode == 0 else None
    out["startup"] = {"median_s": med, "samples_s": times, "failures": fails, "imported_modules": heavy,
                      "ratio_to_import_sympy": {k: med[k] / sympy_t for k in med}, "notes": notes}
    t = Table("Start-up: whole-process wall time (median)", ["command", "median", "/ import sympy"])
    for k in cmds:
        t.add(k + (" FAILED" if k in fails else ""), fmt_time(med[k]), fmt_ratio(med[k] / sympy_t))
    t.notes.append(f"modules imported by the command's path (of sympy, numpy, lark, scipy, jax, torch): "
                   f"{', '.join(heavy) if heavy else 'none' if heavy is not None else 'probe failed'}")
    t.notes.extend(notes)
    for k, e in fails.items():
        t.notes.append(f"{k} failed: {e}")
    tables.append(t)
    for k in cmds:
        say(f"  {k:52s} {fmt_time(med[k]):>9s}  {fmt_ratio(med[k] / sympy_t):>7s} of import sympy")
