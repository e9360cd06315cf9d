"""The benchmark script (benchmarks/run.py, issue 6) must keep running: its
--quick setting is run here end to end.  This checks that it runs and writes
its results, not how fast anything is."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_and_writes_its_results(tmp_path):
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO, timeout=900, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout[-4000:] + "\n" + p.stderr[-4000:]
    (js,) = tmp_path.glob("*-quick.json")
    (md,) = tmp_path.glob("*-quick.md")
    data = json.loads(js.read_text(encoding="utf-8"))
    for key in ("machine", "derivation", "scaling", "startup", "numeric", "chain_order", "targets"):
        assert data.get(key), key
    assert {"chain", "trace_power", "mlp"} <= set(data["scaling"])
    assert all(r["matcalc"]["status"] == "ok" for r in data["derivation"]), data["derivation"]
    text = md.read_text(encoding="utf-8")
    for title in ("Derivation", "Start-up", "Generated code", "Chain ordering", "Targets of issue 6"):
        assert title in text, title
    assert "Targets of issue 6" in p.stdout
