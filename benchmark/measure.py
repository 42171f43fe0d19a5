"""Wall time and peak memory of one call, for the benchmark (``tools/benchmark.py``).

Memory is the process's resident set size (RSS), sampled every few milliseconds
by a background thread while the call runs; the figure reported is the peak
minus the RSS at the start. RSS sees what numpy, faiss and torch allocate in C,
which ``tracemalloc`` does not. It undercounts memory the call takes from what
the allocator had already freed, so it is a lower bound, comparable between
stages run in the same process.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Current resident set size of this process in bytes (0 where /proc is absent)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


@dataclass(frozen=True)
class Measured:
    """What one call returned, how long it took (s) and its peak RSS growth (MB, >= 0)."""

    result: Any
    seconds: float
    peak_mb: float


class _Sampler(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self._stop_event = interval, rss_bytes(), threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return max(self.peak, rss_bytes())


def measure(fn: Callable[[], Any], *, interval: float = 0.005, repeat: int = 1) -> Measured:
    """Run ``fn()`` ``repeat`` times; return the fastest run's result and wall seconds, and the
    largest peak RSS growth in MB.

    The fastest of a few runs is the least disturbed by other work on a shared machine
    (the convention of ``timeit``); one run is the default.
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    runs = []
    for _ in range(repeat):
        start_rss = rss_bytes()
        sampler = _Sampler(interval)
        sampler.start()
        start = time.perf_counter()
        try:
            result = fn()
        finally:
            seconds = time.perf_counter() - start
            peak = sampler.stop()
        runs.append(Measured(result=result, seconds=seconds, peak_mb=max(0.0, (peak - start_rss) / 2**20)))
    fastest = min(runs, key=lambda m: m.seconds)
    return Measured(result=fastest.result, seconds=fastest.seconds, peak_mb=max(m.peak_mb for m in runs))
