"""Where in a synthetic day an account's prompts fall: a machine's steady rate or a person's sessions."""

from __future__ import annotations

import datetime as dt
import numpy as np

Rng = np.random.Generator

DAY_SECONDS = 86_400
"""Seconds in the day; every row's ``second`` is in [0, DAY_SECONDS)."""


def session_starts(rng: Rng, n: int, *, first_hour: float, last_hour: float) -> np.ndarray:
    """Sorted UTC second-of-day starts for n sessions in a random timezone's local window."""
    tz_hours = int(rng.integers(-8, 10))
    local = rng.uniform(first_hour * 3600, last_hour * 3600, size=n)
    return np.sort((local - tz_hours * 3600) % DAY_SECONDS)


def session_sizes(rng: Rng, volume: int, n_sessions: int) -> np.ndarray:
    """Split volume prompts at random over n_sessions sessions of at least one prompt each."""
    return rng.multinomial(volume - n_sessions, np.full(n_sessions, 1.0 / n_sessions)) + 1


def hourly_starts(rng: Rng, n: int, *, first_hour: int, last_hour: int) -> np.ndarray:
    """Sorted UTC second-of-day starts for sessions in n distinct local hours of a random timezone's window.

    A heavy user's day: a session in most hours they are awake, not a few bursts.
    """
    tz_hours = int(rng.integers(-8, 10))
    hours = rng.choice(np.arange(first_hour, last_hour), size=min(n, last_hour - first_hour), replace=False)
    local = (hours + rng.uniform(0, 0.5, size=len(hours))) * 3600
    return np.sort((local - tz_hours * 3600) % DAY_SECONDS)


def session_seconds(starts: np.ndarray, sizes: np.ndarray, gaps) -> list[int]:
    """Seconds of the day for consecutive prompts: ``sizes[i]`` of them from ``starts[i]`` on, each
    ``gaps[j]`` seconds after the one before (a session's first gap is not used), wrapping at midnight.

    A session that would start before the previous one ends starts a minute after it
    instead: one sender keeps one session at a time.
    """
    seconds, at, end = [], 0, -np.inf
    for start, size in zip(starts, sizes):
        offsets = max(float(start), end + 60.0) + np.cumsum([0.0, *gaps[at + 1: at + int(size)]])
        seconds += [int(offset) % DAY_SECONDS for offset in offsets]
        at, end = at + int(size), float(offsets[-1])
    return seconds


def in_sessions(rng: Rng, gaps, *, n_sessions: int, first_hour: float, last_hour: float) -> list[int]:
    """Seconds of the day for consecutive prompts split at random into sessions in a local-time window."""
    starts = session_starts(rng, n_sessions, first_hour=first_hour, last_hour=last_hour)
    return session_seconds(starts, session_sizes(rng, len(gaps), n_sessions), gaps)


def steady_seconds(rng: Rng, n: int) -> np.ndarray:
    """n jittered, evenly spaced seconds across the whole day (a machine's steady rate)."""
    spacing = DAY_SECONDS / n
    seconds = (np.arange(n) + rng.random() + rng.uniform(-0.4, 0.4, size=n)) * spacing
    return np.clip(seconds, 0, DAY_SECONDS - 1).astype(int)


def parse_day(day: str) -> np.datetime64:
    """Midnight UTC of a ``YYYY-MM-DD`` date; ValueError naming the expected form otherwise."""
    try:
        parsed = dt.datetime.strptime(day, "%Y-%m-%d")
    except (TypeError, ValueError):
        raise ValueError(f"day must be a date like '2026-11-27', got {day!r}") from None
    return np.datetime64(parsed.date().isoformat(), "s")
