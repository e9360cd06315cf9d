"""The results of a run: the tables printed, and DIR/<date>-<host>[-quick]...
.json (every sample and the metadata) and .md (the tables) written."""
from __future__ import annotations

import json
import re
from pathlib import Path

from benchmarks.report import say
from benchmarks.threads import THREADS


def write_results(out: dict, tables: list, now, outdir, quick: bool, suffix: str = ""):
    say("")
    for t in tables:
        say(t.text() + "\n")
    say(f"total time {out['elapsed_s']:.0f} s; load average at the start {out['load_average_start']}, "
        f"at the end {out['load_average_end']}")

    mach = out["machine"]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    host = re.sub(r"[^A-Za-z0-9_.-]+", "-", mach["host"]) or "host"
    stem = (f"{now:%Y-%m-%d}-{host}" + ("-quick" if quick else "") + (f"-threads{THREADS}" if THREADS != 2 else "")
            + ("-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", suffix) if suffix else ""))
    (outdir / f"{stem}.json").write_text(json.dumps(out, indent=1, default=str) + "\n", encoding="utf-8")
    md = [f"# matcalc benchmark, {now:%Y-%m-%d %H:%M} UTC{' (--quick)' if quick else ''}", "",
          f"- machine: {mach['cpu']}, {mach['cores']} cores ({mach['cpus_used']} used, {THREADS} threads), "
          f"{mach['memory_gib']} GiB, {mach['os']}",
          "- software: " + ", ".join(f"{k} {v}" for k, v in out["versions"].items() if v),
          f"- matcalc commit {out['git']['commit'][:12]} ({out['git']['subject']})"
          + (" with uncommitted changes to matcalc/" if out["git"]["matcalc_dirty"] else ""),
          f"- command: `{out['command']}`; total time {out['elapsed_s']:.0f} s",
          f"- load average (1, 5, 15 min) at the start {out['load_average_start']}, at the end "
          f"{out['load_average_end']} (other work on the machine makes every time noisier)", ""]
    for n in out.get("backends", {}).get("notes", []):
        md.append(f"- {n}")
    md += [t.markdown() + "\n" for t in tables]
    (outdir / f"{stem}.md").write_text("\n".join(md), encoding="utf-8")
    say(f"wrote {outdir / (stem + '.json')} and {outdir / (stem + '.md')}")
