"""matcalc's benchmark (issues 6 and 10), one module per job: run.py is the
command; main.py reads its options and writes the results; harness.py is the one
timing harness; one module per section (derivation, startup, generated, chain,
compare) with the problems and cases they time; targets.py judges the results.
See benchmarks/README.md."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
