"""Fleets: one generator stream spread over many small accounts (10-30 prompts each), one operation per shape.

- ``round_clock``: the stream at a steady rate, each prompt through a random account.
- ``send_windows``: the operation sends in ~20 twenty-minute windows; each account is active in 1-2 of them.
- ``human_sessions``: each account keeps 1-3 sessions in the waking hours of its own time zone.
- ``topic_slices``: the stream in topical order, each account a contiguous slice of it (one narrow topic),
  sent round the clock or in sessions.
- ``reseller_mix``: each account also carries its customers' genuine traffic (40-60% of its prompts).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from synthetic.timing import DAY_SECONDS, in_sessions, steady_seconds
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.topics import topical_order

FLEET_SHAPES: tuple[str, ...] = ("round_clock", "send_windows", "human_sessions", "topic_slices", "reseller_mix")
FLEET_CORPUS: dict[str, str] = {
    "round_clock": "distill/alpaca", "send_windows": "distill/alpaca_pipeline_reruns",
    "human_sessions": "distill/alpaca", "topic_slices": "distill/alpaca", "reseller_mix": "distill/moss003",
}
"""The generator corpus each shape streams (spread so no corpus is asked for much more than it holds);
each fleet deals its own part of it (``accounts.Decks``)."""


def fleet_corpus(shape: str, available: list[str]) -> str:
    """The corpus a fleet of ``shape`` streams: its own, or the first generator corpus the split has."""
    return FLEET_CORPUS[shape] if FLEET_CORPUS[shape] in available else available[0]
WINDOWS, WINDOW_SECONDS = 20, 1200
Genuine = Callable[[Rng, int], list[str]]


def _account(shape: str, corpus: str, seconds, prompts: list[str]) -> AccountDay:
    return AccountDay("harvester", "fleet", "harvester", False, [int(s) for s in seconds], prompts, corpus, shape)


def _human_seconds(rng: Rng, n: int) -> list[int]:
    gaps = (20.0 + rng.exponential(90.0, size=n)).tolist()
    return in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(1, 4))), first_hour=7, last_hour=23.5)


def round_clock(rng: Rng, sizes: np.ndarray, *, stream: Deck, corpus: str) -> list[AccountDay]:
    """The stream runs at a steady rate; each of its prompts goes out through a random account."""
    total = int(sizes.sum())
    prompts, seconds = stream.deal(total), steady_seconds(rng, total)
    owner = np.repeat(np.arange(len(sizes)), sizes)[rng.permutation(total)]
    return [_account("round_clock", corpus, seconds[owner == a], [prompts[i] for i in np.flatnonzero(owner == a)])
            for a in range(len(sizes))]


def send_windows(rng: Rng, sizes: np.ndarray, *, stream: Deck, corpus: str) -> list[AccountDay]:
    """~20 twenty-minute windows over the day (on the 20-minute grid); each account sends in 1-2 of them."""
    slots = rng.choice(DAY_SECONDS // WINDOW_SECONDS, size=WINDOWS, replace=False) * WINDOW_SECONDS
    accounts = []
    for size in sizes:
        mine = rng.choice(slots, size=int(rng.integers(1, 3)), replace=False)
        seconds = np.sort(mine[rng.integers(len(mine), size=size)] + rng.uniform(0, WINDOW_SECONDS, size=size))
        accounts.append(_account("send_windows", corpus, seconds, stream.deal(int(size))))
    return accounts


def human_sessions(rng: Rng, sizes: np.ndarray, *, stream: Deck, corpus: str) -> list[AccountDay]:
    """Each account is a person-like sender: 1-3 sessions in waking hours of its own random time zone."""
    return [_account("human_sessions", corpus, _human_seconds(rng, int(size)), stream.deal(int(size)))
            for size in sizes]


def topic_slices(rng: Rng, sizes: np.ndarray, *, stream: Deck, corpus: str) -> list[AccountDay]:
    """The stream ordered by topic (TF-IDF clusters, neighbours together), each account its own contiguous
    slice; every other account sends round the clock, the rest in sessions."""
    total = int(sizes.sum())
    prompts = stream.deal(total)
    order = topical_order(prompts, seed=int(rng.integers(2**31)))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    accounts = []
    for a, size in enumerate(sizes):
        mine = [prompts[i] for i in order[bounds[a]: bounds[a + 1]]]
        seconds = steady_seconds(rng, int(size)) if a % 2 == 0 else _human_seconds(rng, int(size))
        accounts.append(_account("topic_slices", corpus, seconds, mine))
    return accounts


def reseller_mix(rng: Rng, sizes: np.ndarray, *, stream: Deck, corpus: str, genuine: Genuine) -> list[AccountDay]:
    """Each account resells access: 40-60% of its prompts are its customers' ordinary prompts, the rest the
    operation's stream, interleaved, in 1-3 sessions in waking hours."""
    accounts = []
    for size in sizes:
        n_genuine = int(round(size * rng.uniform(0.4, 0.6)))
        prompts = stream.deal(int(size) - n_genuine) + genuine(rng, n_genuine)
        prompts = [prompts[i] for i in rng.permutation(len(prompts))]
        accounts.append(_account("reseller_mix", corpus, _human_seconds(rng, int(size)), prompts))
    return accounts


def fleet_days(rng: Rng, shape: str, *, n_accounts: int, stream: Deck, corpus: str,
               genuine: Genuine) -> list[AccountDay]:
    """The accounts of one fleet of ``shape`` (one of :data:`FLEET_SHAPES`), 10-30 prompts each.

    Args:
        rng: the fleet's own generator.
        shape: how the operation spreads its stream.
        n_accounts: accounts of the fleet.
        stream: the generator corpus's shared deck.
        corpus: the corpus file the stream comes from (the accounts' ``corpus`` label).
        genuine: ``genuine(rng, n)``: n ordinary prompts (for ``reseller_mix``).
    """
    sizes = rng.integers(10, 31, size=n_accounts)
    if shape == "reseller_mix":
        return reseller_mix(rng, sizes, stream=stream, corpus=corpus, genuine=genuine)
    shapes = {"round_clock": round_clock, "send_windows": send_windows, "human_sessions": human_sessions,
              "topic_slices": topic_slices}
    return shapes[shape](rng, sizes, stream=stream, corpus=corpus)
