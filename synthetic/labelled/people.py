"""People in a simulated day: ordinary users, power users and popular-prompt sharers.

A person has one to a few interests (TF-IDF clusters of the benign pool) and a
personal focus: half of their interest prompts are the nearest neighbours of a
seed prompt of their own, so two people with the same interests still ask
different things. A session tends to stay on one interest. People retry, lightly
edit and mistype their own prompts, in sessions during waking hours.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from synthetic.timing import hourly_starts, session_seconds, session_sizes, session_starts
from synthetic.labelled.sources import AccountDay, Rng
from synthetic.labelled.topics import members_of, nearest

EDIT_SUFFIXES = (" please", " Please.", ", please", " in simple terms", " Explain in simple terms.",
                 " Keep it short.", " thanks")
RETRY_SHARE, EDIT_SHARE, TYPO_FIX_SHARE, INTEREST_SHARE = 0.05, 0.05, 0.02, 0.85
FOCUS_SHARE, SESSION_TOPIC_SHARE = 0.5, 0.8
Allowed = Callable[[str], bool]


def user_volumes(rng: Rng, n_users: int) -> np.ndarray:
    """Discrete lognormal prompts per user: median ~5, most 1-15, ~2.5% above 100, capped at 400."""
    draws = np.ceil(rng.lognormal(mean=np.log(5.0), sigma=1.55, size=n_users))
    return np.clip(draws, 1, 400).astype(int)


def typo(rng: Rng, text: str) -> str:
    """Swap two adjacent letters inside one longer word ('' when there is no such word)."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return ""
    i = candidates[int(rng.random() * len(candidates))]
    word, j = words[i], 1 + int(rng.random() * (len(words[i]) - 3))
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def small_edit(rng: Rng, text: str) -> str:
    """A person's light rewrite of an earlier prompt: add a politeness/simplicity ask, or drop the last sentence."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(sentences) >= 2 and rng.random() < 0.4:
        return " ".join(sentences[:-1])
    return text.rstrip() + EDIT_SUFFIXES[int(rng.random() * len(EDIT_SUFFIXES))]


def allowed_edit(rng: Rng, text: str, *, allowed: Allowed, tries: int = 4) -> str:
    """A small edit that ``allowed`` accepts, or '' after a few tries."""
    for _ in range(tries):
        edited = small_edit(rng, text)
        if allowed(edited):
            return edited
    return ""


class UserPools:
    """The benign pool people draw from, by topic cluster, shared by everyone of the day.

    A text is dealt once until its cluster is used up (then the cluster starts a
    new round), whether it was dealt at random or as someone's nearest neighbour.
    """

    def __init__(self, texts: Sequence[str], topic: np.ndarray, vectors: sp.csr_matrix, *, rng: Rng) -> None:
        self.texts, self._vectors, self._rng = list(texts), vectors, rng
        self.members = members_of(topic)
        sizes = np.array([len(rows) for rows in self.members], dtype=float)
        self.popularity = sizes / sizes.sum()  # bigger topics attract more people
        self._used = np.zeros(len(self.texts), dtype=bool)
        self._orders = [rng.permutation(rows) for rows in self.members]
        self._next = [0] * len(self.members)

    def draw(self, cluster: int) -> str:
        """The next unused text of a cluster."""
        while True:
            if self._next[cluster] == len(self._orders[cluster]):
                self._used[self.members[cluster]] = False
                self._orders[cluster], self._next[cluster] = self._rng.permutation(self.members[cluster]), 0
            row = self._orders[cluster][self._next[cluster]]
            self._next[cluster] += 1
            if not self._used[row]:
                self._used[row] = True
                return self.texts[row]

    def anywhere(self) -> str:
        """A text of a cluster picked by popularity."""
        return self.draw(int(self._rng.choice(len(self.members), p=self.popularity)))

    def focus(self, rng: Rng, cluster: int) -> "Focus":
        """A person's personal focus: a random seed text of ``cluster`` and its neighbours, nearest first."""
        rows = self.members[cluster]
        return Focus(self, cluster, nearest(self._vectors, rows, int(rows[int(rng.integers(len(rows)))])))

    def take(self, row: int) -> str | None:
        """Text ``row`` if nobody has used it this round (and mark it used), else None."""
        if self._used[row]:
            return None
        self._used[row] = True
        return self.texts[row]


class Focus:
    """The texts nearest to one person's seed, dealt nearest first, skipping those others took."""

    def __init__(self, pools: UserPools, cluster: int, order: np.ndarray) -> None:
        self._pools, self.cluster, self._order, self._next = pools, cluster, order, 0

    def draw(self) -> str:
        """The nearest text still free, or any text of the cluster once the neighbours are used up."""
        while self._next < len(self._order):
            self._next += 1
            text = self._pools.take(int(self._order[self._next - 1]))
            if text is not None:
                return text
        return self._pools.draw(self.cluster)


class Interests:
    """What one person asks about: a few clusters, one of them around a personal seed."""

    def __init__(self, rng: Rng, pools: UserPools, n_interests: int) -> None:
        n = min(len(pools.members), n_interests)
        self.clusters = rng.choice(len(pools.members), size=n, replace=False, p=pools.popularity)
        self.pools, self.personal = pools, pools.focus(rng, int(self.clusters[0]))

    def fresh(self, rng: Rng, session_topic: int) -> str:
        """A new prompt of this person in a session on ``session_topic`` (one of their clusters)."""
        if rng.random() >= INTEREST_SHARE:
            return self.pools.anywhere()
        if rng.random() < FOCUS_SHARE:
            return self.personal.draw()
        stay = len(self.clusters) == 1 or rng.random() < SESSION_TOPIC_SHARE
        cluster = session_topic if stay else int(self.clusters[int(rng.integers(len(self.clusters)))])
        return self.pools.draw(cluster)


def person_prompts(rng: Rng, sizes: Sequence[int], *, interests: Interests,
                   allowed: Allowed) -> tuple[list[str], list[float]]:
    """A person's prompts session by session, each with the seconds since the one before."""
    prompts: list[str] = []
    gaps: list[float] = []
    for size in sizes:
        topic, end = int(interests.clusters[int(rng.integers(len(interests.clusters)))]), len(prompts) + size
        while len(prompts) < end:
            r, gap = rng.random(), 20.0 + rng.exponential(90.0)
            if prompts and r < RETRY_SHARE:  # the same prompt again, seconds to minutes later
                prompts.append(prompts[-1])
                gaps.append(float(rng.uniform(3, 240)))
                continue
            if prompts and r < RETRY_SHARE + EDIT_SHARE:
                edited = allowed_edit(rng, prompts[int(rng.random() * len(prompts))], allowed=allowed)
                if edited:
                    prompts.append(edited)
                    gaps.append(gap)
                    continue
            text = interests.fresh(rng, topic)
            typoed = typo(rng, text) if r > 1 - TYPO_FIX_SHARE else ""
            if typoed and allowed(typoed) and len(prompts) + 1 < end:  # sent with a typo, then fixed
                prompts.append(typoed)
                gaps.append(gap)
                gap = float(rng.uniform(10, 60))
            prompts.append(text)
            gaps.append(gap)
    return prompts, gaps


def _n_interests(rng: Rng) -> int:
    return 1 + int(rng.choice(3, p=(0.35, 0.4, 0.25)))


def user_like_prompts(rng: Rng, n: int, *, pools: UserPools, allowed: Allowed) -> list[str]:
    """n prompts of an ordinary person (the genuine side of a mixed harvester or a reseller)."""
    interests = Interests(rng, pools, _n_interests(rng))
    n_sessions = min(n, 1 + int(rng.poisson(n / 8)))
    return person_prompts(rng, session_sizes(rng, n, n_sessions).tolist(), interests=interests, allowed=allowed)[0]


def user_day(rng: Rng, *, volume: int, pools: UserPools, allowed: Allowed) -> AccountDay:
    """One ordinary user: 1-3 interests, sessions in waking hours.

    Args:
        rng: the user's own generator.
        volume: number of prompts (>= 1).
        pools: the shared pools of the benign texts.
        allowed: whether an edited prompt may be sent (False for text of the other split).
    """
    interests = Interests(rng, pools, _n_interests(rng))
    n_sessions = min(volume, 1 + int(rng.poisson(volume / 8)))
    starts = session_starts(rng, n_sessions, first_hour=7, last_hour=23.5)
    sizes = session_sizes(rng, volume, n_sessions)
    prompts, gaps = person_prompts(rng, sizes.tolist(), interests=interests, allowed=allowed)
    return AccountDay("user", "", "benign", False, session_seconds(starts, sizes, gaps), prompts)


def power_user_day(rng: Rng, *, pools: UserPools, allowed: Allowed) -> AccountDay:
    """100-400 prompts over 3-6 interests, a session in most hours of a waking day (13-16 of 16)."""
    volume = int(rng.integers(100, 401))
    interests = Interests(rng, pools, int(rng.integers(3, 7)))
    starts = hourly_starts(rng, int(rng.integers(13, 17)), first_hour=7, last_hour=23)
    sizes = session_sizes(rng, volume, len(starts))
    prompts, gaps = person_prompts(rng, sizes.tolist(), interests=interests, allowed=allowed)
    return AccountDay("power_user", "", "benign", True, session_seconds(starts, sizes, gaps), prompts)


def popular_sharer_day(rng: Rng, *, volume: int, pools: UserPools, popular: Sequence[str],
                       allowed: Allowed) -> AccountDay:
    """An ordinary user of whose prompts 30-60% come from a shared pool of popular prompts.

    Popular prompts go out verbatim or lightly edited; the most popular ones are
    sent by many sharers (Zipf-like weights), so their exact text recurs across
    unrelated benign accounts.
    """
    day = user_day(rng, volume=volume, pools=pools, allowed=allowed)
    weights = 1.0 / np.arange(1, len(popular) + 1)
    prompts = list(day.prompts)
    for i in np.flatnonzero(rng.random(volume) < rng.uniform(0.3, 0.6)):
        text = popular[int(rng.choice(len(popular), p=weights / weights.sum()))]
        prompts[i] = (allowed_edit(rng, text, allowed=allowed) or text) if rng.random() < 0.3 else text
    return day._replace(kind="popular_sharer", prompts=prompts)
