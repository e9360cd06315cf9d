"""The command line of the benchmark: which sections run, in which setting;
then the targets are judged and the results printed and written."""
from __future__ import annotations

import argparse
import datetime
import sys

from benchmarks import REPO
from benchmarks.backends import load_backends
from benchmarks.chain import section_chain
from benchmarks.compare import section_compare
from benchmarks.config import FULL, QUICK
from benchmarks.derivation import section_derivation
from benchmarks.generated import section_numeric
from benchmarks.harness import perf
from benchmarks.meta import git_info, load_average, machine, versions
from benchmarks.report import say
from benchmarks.results import write_results
from benchmarks.startup import section_startup
from benchmarks.targets import targets, targets_table
from benchmarks.threads import THREADS

SECTIONS = ("derivation", "startup", "numeric", "chain")
DESCRIPTION = """matcalc's benchmark: derivation, start-up and generated code, each measured
beside what a user would use instead, in one run.

    python benchmarks/run.py            # the full run: a few minutes on 2 cores
    python benchmarks/run.py --quick    # tiny sizes, few repetitions: under a minute
    python benchmarks/run.py --out DIR  # where the results go (default benchmarks/results)
    python benchmarks/run.py --section derivation --compare REV
                                        # matcalc here against matcalc at git revision REV"""


def parse(argv):
    ap = argparse.ArgumentParser(description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes and few repetitions (under a minute)")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"), help="directory for the result files")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads for BLAS, XLA and PyTorch (default 2, what issue 6 asks for)")
    ap.add_argument("--only", "--section", dest="only", default="",
                    help="comma-separated sections to run: " + ",".join(SECTIONS))
    old = ap.add_mutually_exclusive_group()
    old.add_argument("--compare", metavar="REV",
                     help="derivation: time this tree's matcalc against matcalc at git revision REV (interleaved, "
                          "each in its own process) instead of against SymPy; alone, only that section runs")
    old.add_argument("--baseline", metavar="DIR", help="like --compare, with the other matcalc in checkout DIR")
    args = ap.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    if only - set(SECTIONS):
        ap.error(f"unknown section {', '.join(sorted(only - set(SECTIONS)))}; the sections are {', '.join(SECTIONS)}")
    args.sections = only or ({"derivation"} if args.compare or args.baseline else set(SECTIONS))
    return args


def main(argv=None) -> int:
    args = parse(argv)
    cfg = QUICK if args.quick else FULL
    only = args.sections
    start = perf()
    now = datetime.datetime.now(datetime.timezone.utc)
    out = {"benchmark": "matcalc issue 6", "date": now.isoformat(timespec="seconds"),
           "command": " ".join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
           "quick": cfg.quick, "machine": machine(), "git": git_info(), "versions": versions()}
    mach = out["machine"]
    out["load_average_start"] = load_average()
    say(f"matcalc benchmark{' (quick)' if cfg.quick else ''}: {mach['cpu']}, {mach['cores']} cores "
        f"({mach['cpus_used']} used, {THREADS} threads), Python {mach['python']}, commit {out['git']['commit'][:10]}"
        + (" + uncommitted changes to matcalc/" if out["git"]["matcalc_dirty"] else ""))
    tables: list = []
    if "derivation" in only and (args.compare or args.baseline):
        section_compare(cfg, out, tables, rev=args.compare, baseline=args.baseline)
    elif "derivation" in only:
        section_derivation(cfg, out, tables)
    if "startup" in only:
        section_startup(cfg, out, tables)
    jax = torch = None
    if "numeric" in only or "chain" in only:
        jax, torch = load_backends(out)
        out["versions"].update(jax=out["backends"]["jax"], torch=out["backends"]["torch"])
    if "numeric" in only:
        section_numeric(cfg, out, tables, jax, torch)
    if "chain" in only:
        section_chain(cfg, out, tables)
    T = targets(cfg, out)
    T_min = targets(cfg, out, "min_s")
    out["targets"] = T
    out["targets_by_best_samples"] = T_min
    tables.append(targets_table(T, T_min))
    out["elapsed_s"] = perf() - start
    out["load_average_end"] = load_average()
    suffix = "-".join(sorted(only)) if args.only else ""
    if "compare" in out:
        suffix = "-".join(filter(None, [suffix, "compare", out["compare"]["old"]["label"]]))
    write_results(out, tables, now, args.out, cfg.quick, suffix)
    return 0
