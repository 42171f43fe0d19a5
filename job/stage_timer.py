"""Wall time and peak memory of each stage of a run, for the summary and the log."""

from __future__ import annotations

import logging
import resource
import time
from contextlib import contextmanager

log = logging.getLogger(__name__)


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class StageTimer:
    """Wall time of each named stage, in seconds, and the process's peak RSS when it ended (MB),
    so a summary shows which stage set the memory high-water mark. Logged as each stage ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_mb: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(time.perf_counter() - start, 3)
            self.peak_rss_mb[stage] = peak_rss_mb()
            log.info("%s: %.1f s (peak RSS so far %.0f MB)", stage, self.seconds[stage], self.peak_rss_mb[stage])
