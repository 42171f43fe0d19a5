"""The options of the history kept across days (``history.*``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class HistoryOptions:
    """Where the days are kept and how many a day is scored over.

    Attributes:
        dir: the state store's folder; None (the default) keeps no history: each day is scored alone.
        window_days: a day's accounts are scored over their prompts of this many days, the day included.
        retention_days: days older than this (counted back from the day scored) are dropped from the store.
    """

    dir: Optional[str] = None
    window_days: int = 7
    retention_days: int = 30

    def __post_init__(self) -> None:
        for key, value in (("history.window_days", self.window_days), ("history.retention_days", self.retention_days)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be an integer >= 1, got {value!r}")
        if self.retention_days < self.window_days:
            raise ValueError(f"history.retention_days ({self.retention_days}) must be at least history.window_days "
                             f"({self.window_days}): a window needs its days kept")
