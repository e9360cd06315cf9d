#!/usr/bin/env python
"""matcalc's benchmark (issue 6): derivation, start-up and generated code, each
measured beside what a user would use instead, in one run.

    python benchmarks/run.py            # the full run: a few minutes on 2 cores
    python benchmarks/run.py --quick    # tiny sizes, few repetitions: under a minute
    python benchmarks/run.py --out DIR  # where the results go (default benchmarks/results)
    python benchmarks/run.py --section derivation --compare REV   # this tree against git revision REV

This file is only the command: the benchmark is the package beside it (see
benchmarks/README.md for its sections and the results it writes).
"""
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# Import the package from the source tree (and matcalc too: the source tree is
# benchmarked, not an installed copy), not this folder's modules as top-level ones.
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)
sys.path.insert(0, str(_HERE.parent))

import benchmarks.threads  # noqa: E402,F401  the thread settings, before numpy, jax or torch is imported
from benchmarks.main import main  # noqa: E402

if __name__ == "__main__":
    import traceback

    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
