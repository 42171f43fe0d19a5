"""The benign accounts of the demo day: ordinary users, two students, one enterprise pipeline.

Ordinary users have heavy-tailed volumes, few interests, free phrasing and
sessions in waking hours. The students and the enterprise pipeline are benign
look-alikes of a harvester: homework in one narrow area, and one template run
round the clock.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from synthetic.demo.phrasing import (
    ASPECTS, CLOSERS, COMPOUNDS, CONTEXT_FRAMES, EDIT_PREFIXES, EDIT_SUFFIXES, ENTERPRISE_TEMPLATE,
    EQUATIONS, FOLLOW_UPS, OPENERS, POPULAR, PRODUCTS, REVIEW_EXTRAS, STUDENT_LEADS, STUDENT_NAMES,
    STUDENT_TAILS, USER_ASKS, VERDICTS,
)
from synthetic.demo.rows import Row
from synthetic.timing import DAY_SECONDS, session_sizes, session_starts, steady_seconds
from synthetic.demo.text import Rng, capitalise, fill_slots, humanise, pick
from synthetic.demo.topics import CONTEXTS, SUBJECTS, SUBTOPICS

# Some subjects are far more popular than others among ordinary users.
_SUBJECT_WEIGHTS = 1.0 / (np.arange(len(SUBJECTS)) + 3.0) ** 0.7
_SUBJECT_WEIGHTS /= _SUBJECT_WEIGHTS.sum()


# ---------------------------------------------------------------------------
# Ordinary users.

def user_prompt(rng: Rng, subject: str, subtopic: str) -> str:
    """One free-form question: (opener | context frame) + ask + closer."""
    slots = fill_slots(rng, subject, subtopic)
    ask = pick(rng, USER_ASKS).format(**slots)
    if rng.random() < 0.3:
        text = pick(rng, CONTEXT_FRAMES).format(ctx=pick(rng, CONTEXTS[subject]), ask=ask)
    else:
        text = pick(rng, OPENERS).format(subj=subject) + ask
    return humanise(rng, text + pick(rng, CLOSERS))


def _small_edit(rng: Rng, text: str) -> str:
    """A user's light rewrite of their own earlier prompt."""
    r = rng.random()
    if r < 0.4:
        return text.rstrip() + pick(rng, EDIT_SUFFIXES)
    if r < 0.7:
        return pick(rng, EDIT_PREFIXES) + text[:1].lower() + text[1:]
    return capitalise(text.rstrip("?.! ")) + "?"


def _popular_prompt(rng: Rng) -> str:
    """A one-liner that many unrelated users send, verbatim or nearly."""
    text = pick(rng, POPULAR)
    if rng.random() < 0.4:
        text = capitalise(text)
    return text + pick(rng, ("", "", "?", "!", " please", " pls", "."))


class _Profile(NamedTuple):
    interests: tuple[str, ...]
    favourites: dict[str, tuple[str, ...]]


def _user_profile(rng: Rng) -> _Profile:
    n_interests = 1 + int(rng.choice(3, p=(0.35, 0.4, 0.25)))
    picks = rng.choice(len(SUBJECTS), size=n_interests, replace=False, p=_SUBJECT_WEIGHTS)
    interests = tuple(SUBJECTS[i] for i in picks)
    favourites = {}
    for subject in interests:
        chosen = rng.permutation(10)[: 2 + int(rng.integers(3))]
        favourites[subject] = tuple(SUBTOPICS[subject][i] for i in sorted(chosen))
    return _Profile(interests, favourites)


def _user_topic(rng: Rng, profile: _Profile) -> tuple[str, str]:
    """~87% from the user's interests (mostly favourite subtopics), else anything."""
    if rng.random() < 0.87:
        subject = pick(rng, profile.interests)
        pool = profile.favourites[subject] if rng.random() < 0.6 else SUBTOPICS[subject]
    else:
        subject = SUBJECTS[int(rng.choice(len(SUBJECTS), p=_SUBJECT_WEIGHTS))]
        pool = SUBTOPICS[subject]
    return subject, pick(rng, pool)


def _next_user_turn(rng: Rng, profile: _Profile, history: list[Row], *,
                    in_session: bool, popular: bool) -> tuple[str, str, str, float]:
    """Return (prompt, subject, subtopic, seconds since the previous turn)."""
    gap = 20.0 + rng.exponential(90.0)
    r = rng.random()
    if popular:
        return _popular_prompt(rng), "", "", gap
    if in_session and r < 0.05:  # an exact retry, seconds to minutes later
        prev = history[-1]
        return prev.prompt, prev.subject, prev.subtopic, float(rng.uniform(3, 240))
    if history and r < 0.09:
        old = history[int(rng.random() * len(history))]
        return _small_edit(rng, old.prompt), old.subject, old.subtopic, gap
    if in_session and history[-1].subject and r < 0.22:
        prev = history[-1]
        prompt = pick(rng, FOLLOW_UPS).format(**fill_slots(rng, prev.subject, prev.subtopic))
        return humanise(rng, prompt), prev.subject, prev.subtopic, gap
    subject, subtopic = _user_topic(rng, profile)
    return user_prompt(rng, subject, subtopic), subject, subtopic, gap


def user_rows(account: str, volume: int, rng: Rng) -> list[Row]:
    """One ordinary user's day: bursts of prompts in waking hours."""
    profile = _user_profile(rng)
    n_sessions = min(volume, 1 + int(rng.poisson(volume / 8)))
    starts = session_starts(rng, n_sessions, first_hour=7, last_hour=23.5)
    popular_at = int(rng.integers(volume)) if rng.random() < 0.1 else -1
    rows: list[Row] = []
    for start, size in zip(starts, session_sizes(rng, volume, n_sessions)):
        second = float(start)
        for j in range(int(size)):
            prompt, subject, subtopic, gap = _next_user_turn(
                rng, profile, rows, in_session=j > 0, popular=len(rows) == popular_at)
            second += gap if j > 0 else 0.0
            rows.append(Row(account, int(second) % DAY_SECONDS, prompt, "user", "", subject, subtopic))
    return rows


def user_volumes(rng: Rng, n_users: int) -> np.ndarray:
    """Discrete lognormal volumes: median ~5, mean ~16, ~2.5% of users above 100."""
    draws = np.ceil(rng.lognormal(mean=np.log(5.0), sigma=1.55, size=n_users))
    return np.clip(draws, 1, 400).astype(int)


# ---------------------------------------------------------------------------
# Benign look-alikes: students and an enterprise pipeline.

def _student_prompt(rng: Rng, problems: Sequence[str]) -> str:
    a, b, c = (int(x) for x in rng.integers(2, 10, size=3))
    slots = {"a": a, "b": b, "c": c, "s": a + b, "p": a * b, "q": 2 * a + 1,
             "name": pick(rng, STUDENT_NAMES), "compound": pick(rng, COMPOUNDS),
             "equation": pick(rng, EQUATIONS)}
    text = (pick(rng, STUDENT_LEADS) + pick(rng, problems) + pick(rng, STUDENT_TAILS)).format(**slots)
    return text.lower() if rng.random() < 0.3 else text


def student_rows(account: str, problems: Sequence[str], subject: str, rng: Rng) -> list[Row]:
    """100-200 homework questions in after-school study sessions."""
    volume = int(rng.integers(100, 201))
    n_sessions = int(rng.integers(3, 7))
    starts = session_starts(rng, n_sessions, first_hour=15, last_hour=22)
    rows = []
    for start, size in zip(starts, session_sizes(rng, volume, n_sessions)):
        seconds = start + np.cumsum(rng.uniform(40, 400, size=int(size)))
        for second in seconds:
            prompt = _student_prompt(rng, problems)
            rows.append(Row(account, int(second) % DAY_SECONDS, prompt, "student", "", subject, ""))
    return rows


def _review(rng: Rng) -> str:
    text = pick(rng, VERDICTS).format(aspect=pick(rng, ASPECTS))
    if rng.random() < 0.3:
        text += pick(rng, (", but ", ", and ", ". Also ")) + pick(rng, VERDICTS).format(aspect=pick(rng, ASPECTS))
    return (capitalise(text) + ". " + pick(rng, REVIEW_EXTRAS)).strip()


def enterprise_rows(account: str, rng: Rng, n: int = 1500) -> list[Row]:
    """One sentiment-classification template over one product area, round the clock."""
    return [Row(account, int(second),
                ENTERPRISE_TEMPLATE.format(product=pick(rng, PRODUCTS), review=_review(rng)),
                "enterprise", "", "", "")
            for second in steady_seconds(rng, n)]
