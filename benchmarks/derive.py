"""The call the derivation benchmark times: one fresh ``matcalc.grad``.  Section
1 and the ``--compare`` workers (each importing its own matcalc) both use it."""
from __future__ import annotations

import inspect
import sys

import matcalc


def clear_matcalc_caches():
    """matcalc memoises nothing per input (today); should it start to, clear
    every functools cache of a function with arguments, so that each repetition
    derives afresh.  Zero-argument caches are one-time builds (the parser) and
    stay: their cost is start-up, measured in section 2."""
    for name, mod in list(sys.modules.items()):
        if not (name == "matcalc" or name.startswith("matcalc.")) or mod is None:
            continue
        for obj in list(vars(mod).values()):
            if callable(getattr(obj, "cache_clear", None)):
                try:
                    nargs = len(inspect.signature(getattr(obj, "__wrapped__", obj)).parameters)
                except (TypeError, ValueError):
                    nargs = 1
                if nargs:
                    obj.cache_clear()


def derive_matcalc(expr, wrt, shapes):
    return matcalc.grad(expr, wrt, shapes)
