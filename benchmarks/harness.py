"""The one timing harness of the benchmark: a time limit for one call, one
timed call, the median of repeated calls (``measure``), interleaved timing of
several implementations (``measure_many``) and the ratio of two times.

Every section times through this module, and so does ``--compare`` in its
worker processes (which is why it imports neither numpy nor matcalc)."""
from __future__ import annotations

import gc
import signal
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Optional

perf = time.perf_counter


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no library's
    ``except Exception`` swallows it."""


@contextmanager
def time_limit(seconds: Optional[float]):
    """Interrupt pure-Python work (SymPy, matcalc) after ``seconds``."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Measure:
    status: str = "ok"  # ok | timeout | failed
    times: list = field(default_factory=list)
    first: Optional[float] = None  # the first call, timed on its own
    value: object = None  # what the last call returned
    error: str = ""
    number: int = 1  # calls per sample (a sample is their mean)

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times and self.status == "ok" else None

    def to_dict(self):
        return {"status": self.status, "median_s": self.median, "first_call_s": self.first,
                "min_s": min(self.times) if self.times and self.status == "ok" else None,
                "calls_per_sample": self.number, "samples_s": self.times, "error": self.error or None}


def timed_call(fn: Callable, setup: Optional[Callable] = None, limit: Optional[float] = None,
               collect: bool = True):
    """(seconds, value) of one call of fn().  ``setup`` runs untimed first, then
    (``collect``) a full garbage collection (so that one implementation's
    garbage, SymPy's cleared cache say, is not collected inside the other's
    timed call); ``limit`` bounds the call (``Timeout``)."""
    if setup:
        setup()
    if collect:
        gc.collect()
    with time_limit(limit):
        t0 = perf()
        value = fn()
        return perf() - t0, value


def failure(e: BaseException) -> str:
    """An exception as the error of a result."""
    return f"{type(e).__name__}: {str(e).strip()[:200]}"


def measure(fn: Callable, cfg, setup: Optional[Callable] = None, limit: Optional[float] = None,
            reps: Optional[int] = None, budget: Optional[float] = None, keep_heavy_first: bool = True) -> Measure:
    """Median wall time of fn() (one ``timed_call`` per sample).  The first call
    is timed on its own (``first``) and is the warm-up: it is not a sample,
    unless it took longer than ``cfg.heavy`` seconds and ``keep_heavy_first`` (a
    call that slow is not worth paying for twice; never so for a JIT, whose
    first call compiles).  Then up to ``reps`` calls, none started once
    ``budget`` seconds have gone by."""
    reps = reps or cfg.reps
    budget = cfg.budget if budget is None else budget
    m = Measure()

    def call():
        t, m.value = timed_call(fn, setup, limit)
        return t

    try:
        m.first = spent = call()
        if keep_heavy_first and m.first > cfg.heavy:
            m.times.append(m.first)
        while len(m.times) < reps and not (m.times and spent > budget):
            t = call()
            m.times.append(t)
            spent += t
    except Timeout:
        m.status, m.error = "timeout", f"over {limit:g} s"
    except Exception as e:  # noqa: BLE001 - a failure is a result here
        m.status, m.error = "failed", failure(e)
    return m


def measure_many(calls: dict, cfg, keep_heavy_first=lambda name: True) -> dict:
    """Interleaved timing of several implementations of the same thing, so that
    load from elsewhere on the machine falls on all of them alike: after each
    one's first call (timed on its own, as in ``measure``) and one calibration
    call, rounds call each implementation in turn until each has ``cfg.reps``
    samples or has used ``cfg.budget`` seconds.  A sample is the mean of
    ``number`` back-to-back calls, enough to fill about ``cfg.sample`` seconds
    (so sub-millisecond calls are not lost in timer and scheduler noise).
    Returns {name: Measure}; one failing implementation does not stop the others."""
    ms = {name: Measure() for name in calls}
    spent = {name: 0.0 for name in calls}

    def run(name, number=1):
        m = ms[name]
        try:
            t0 = perf()
            for _ in range(number):
                m.value = calls[name]()
            return (perf() - t0) / number
        except Exception as e:  # noqa: BLE001
            m.status, m.error = "failed", failure(e)
            return None

    for name in calls:
        m = ms[name]
        t = run(name)
        if t is None:
            continue
        m.first = spent[name] = t
        if keep_heavy_first(name) and t > cfg.heavy:
            m.times.append(t)
            continue
        t = run(name)  # calibration
        if t is None:
            continue
        spent[name] += t
        m.number = calls_per_sample(t, cfg)

    def needs(name):
        m = ms[name]
        return m.status == "ok" and len(m.times) < cfg.reps and not (m.times and spent[name] > cfg.budget)

    while any(needs(n) for n in calls):
        for name in calls:
            if needs(name):
                t = run(name, ms[name].number)
                if t is not None:
                    ms[name].times.append(t)
                    spent[name] += t * ms[name].number
    return ms


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b is not None and b > 0 else None


def sample(fn: Callable, number: int, setup: Optional[Callable] = None, limit: Optional[float] = None) -> float:
    """One sample: the mean time of ``number`` timed calls, ``setup`` untimed
    before each, one full garbage collection before them all."""
    gc.collect()
    return sum(timed_call(fn, setup, limit, collect=False)[0] for _ in range(number)) / number


def calls_per_sample(t: float, cfg) -> int:
    """How many calls of ``t`` seconds fill a sample of about ``cfg.sample`` seconds."""
    return max(1, min(1000, int(cfg.sample / max(t, 1e-7))))
