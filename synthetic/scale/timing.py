"""When each account of the scale generator sends its prompts: sessions, cut into time slices.

People (users, students) work in a few sessions in their local waking hours, a
turn every minute or two; machines (bots, harvesters) send at a steady rate
round the clock, which is one session spanning the day. Every session is
(start, gap, size): its k-th prompt goes out at ``start + k * gap`` seconds after
midnight UTC (plus a little jitter), so the prompts of any time slice are found
by arithmetic on the sessions alone, without materialising the day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.timing import DAY_SECONDS

WAKING_HOURS = (7.0, 23.5)  # local time of day, as the demo's users
TURN_SECONDS = (20.0, 90.0)  # gap between a person's turns: 20 s + exponential(90 s), as the demo's


@dataclass(frozen=True)
class Sessions:
    """One entry per session: whose, first prompt (s after midnight UTC), seconds between prompts, prompts."""

    account: np.ndarray  # int64
    start: np.ndarray  # float64
    gap: np.ndarray  # float64
    size: np.ndarray  # int64


def plan_sessions(rng: np.random.Generator, volume: np.ndarray, waking: np.ndarray) -> Sessions:
    """Sessions of every account: ``1 + Poisson(volume / 8)`` in waking hours, or one steady stream.

    Args:
        rng: the generator.
        volume: prompts per account (>= 0); the sessions of an account sum to it.
        waking: per account, True for a person (sessions), False for a machine (steady).
    """
    volume = np.asarray(volume, dtype=np.int64)
    n_sessions = np.where(waking, np.minimum(volume, 1 + rng.poisson(volume / 8.0)), (volume > 0).astype(np.int64))
    account = np.repeat(np.arange(len(volume)), n_sessions)
    size = _split(rng, volume, n_sessions, account)
    person = waking[account]
    tz = rng.integers(-8, 10, size=len(volume))[account]
    local = rng.uniform(WAKING_HOURS[0] * 3600, WAKING_HOURS[1] * 3600, size=len(account))
    gap = np.where(person, TURN_SECONDS[0] + rng.exponential(TURN_SECONDS[1], size=len(account)),
                   DAY_SECONDS / np.maximum(size, 1))
    start = np.where(person, (local - tz * 3600.0) % DAY_SECONDS, rng.uniform(0, 1, size=len(account)) * gap)
    # Keep each session inside the day: shift it back, or squeeze it when it is longer than the day.
    span = (size - 1) * gap
    gap = np.where(span >= DAY_SECONDS - 1, (DAY_SECONDS - 1) / np.maximum(size, 1), gap)
    start = np.clip(np.minimum(start, DAY_SECONDS - 1 - (size - 1) * gap), 0, None)
    return Sessions(account=account, start=start, gap=gap, size=size)


def _split(rng: np.random.Generator, volume: np.ndarray, n_sessions: np.ndarray, account: np.ndarray) -> np.ndarray:
    """Session sizes: at least one prompt each, the rest shared in random proportions, summing to the volume."""
    weight = rng.exponential(1.0, size=len(account))
    first = np.r_[0, np.cumsum(n_sessions)[:-1]][n_sessions > 0]
    total = np.add.reduceat(weight, first) if len(first) else np.zeros(0)
    share = np.zeros(len(volume))
    share[n_sessions > 0] = total
    extra = volume[account] - n_sessions[account]
    size = 1 + np.floor(weight / share[account] * extra).astype(np.int64)
    short = volume - np.bincount(account, weights=size, minlength=len(volume)).astype(np.int64)
    size[first] += short[n_sessions > 0]  # the rounding remainder goes to each account's first session
    return size


def slice_rows(rng: np.random.Generator, sessions: Sessions, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """The prompts sent in [t0, t1): (account, seconds after midnight UTC), in time order.

    Every prompt of every session falls in exactly one slice of a partition of the day.
    """
    k_lo = np.clip(np.ceil((t0 - sessions.start) / sessions.gap), 0, sessions.size).astype(np.int64)
    k_hi = np.clip(np.ceil((t1 - sessions.start) / sessions.gap), 0, sessions.size).astype(np.int64)
    count = k_hi - k_lo
    live = np.flatnonzero(count)
    rep = np.repeat(live, count[live])
    first = np.r_[0, np.cumsum(count[live])[:-1]]
    k = k_lo[rep] + np.arange(len(rep)) - np.repeat(first, count[live])
    seconds = sessions.start[rep] + k * sessions.gap[rep]
    jitter = rng.uniform(-0.3, 0.3, size=len(rep)) * np.minimum(sessions.gap[rep], 60.0)
    seconds = np.clip(seconds + jitter, t0, np.nextafter(t1, t0))
    order = np.argsort(seconds, kind="stable")
    return sessions.account[rep][order], seconds[order]
