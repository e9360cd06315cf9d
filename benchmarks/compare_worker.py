"""A worker of ``--compare``: one process timing the matcalc of one checkout.

    python benchmarks/compare_worker.py TREE

imports the timing harness from this benchmark and matcalc from TREE, then
answers requests, one JSON object a line on stdin, with one JSON line on stdout:

    {"op": "first" | "sample", "expr": ..., "wrt": ..., "shapes": {...}, "number": N, "limit": S}

"first" times one call and returns the answer's text; "sample" returns the mean
time of N calls (``harness.sample``).  Both ways matcalc is called as section 1
calls it (``derive.derive_matcalc``, caches cleared before every call)."""
import gc
import json
import sys
from pathlib import Path

TREE = str(Path(sys.argv[1]).resolve())
sys.path[0] = str(Path(__file__).resolve().parents[1])  # this benchmark's package, not TREE's
from benchmarks.harness import Timeout, failure, sample, timed_call  # noqa: E402  (imports no matcalc)

sys.path[0] = TREE  # matcalc from TREE (the package above is already imported)
from benchmarks.derive import clear_matcalc_caches, derive_matcalc  # noqa: E402
import matcalc  # noqa: E402


def answer(req: dict) -> dict:
    call = lambda: derive_matcalc(req["expr"], req["wrt"], req["shapes"])  # noqa: E731
    limit = req.get("limit")
    try:
        if req["op"] == "first":
            t, r = timed_call(call, clear_matcalc_caches, limit)
            return {"status": "ok", "t": t, "text": r.text()}
        return {"status": "ok", "t": sample(call, req["number"], clear_matcalc_caches, limit)}
    except Timeout:
        return {"status": "timeout", "error": f"over {limit:g} s"}
    except Exception as e:  # noqa: BLE001 - a failure is a result here
        return {"status": "failed", "error": failure(e)}


def main():
    print(json.dumps({"matcalc": matcalc.__file__, "version": getattr(matcalc, "__version__", None)}), flush=True)
    derive_matcalc("x^T A x", "x", None)  # builds the parser: a start-up cost, as in section 1
    gc.freeze()  # what is loaded by now stays: the collection before each sample is then short
    for line in sys.stdin:
        print(json.dumps(answer(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
