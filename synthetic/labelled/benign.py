"""The benign accounts of a simulated day: ordinary users and four kinds of benign look-alike.

Ordinary users return to one to three topics (TF-IDF clusters of the benign
pool), retry and lightly edit their own prompts, in sessions during waking hours.
The look-alikes share some shape with a harvester and must not be flagged:
``enterprise`` (one template, one domain, round the clock), ``eval_runner``
(a contiguous benchmark slice in an hour or two), ``student`` (homework from
one subject) and ``survey_writer`` (human-written templated questions).
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np

from synthetic.timing import DAY_SECONDS, session_sizes, session_starts, steady_seconds
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.templates import render

EDIT_SUFFIXES = (" please", " Please.", ", please", " in simple terms", " Explain in simple terms.",
                 " Keep it short.", " thanks")
RETRY_SHARE, EDIT_SHARE, TYPO_FIX_SHARE, INTEREST_SHARE = 0.05, 0.05, 0.02, 0.85


def user_volumes(rng: Rng, n_users: int) -> np.ndarray:
    """Discrete lognormal prompts per user: median ~5, most 1-15, ~2.5% above 100, capped at 400."""
    draws = np.ceil(rng.lognormal(mean=np.log(5.0), sigma=1.55, size=n_users))
    return np.clip(draws, 1, 400).astype(int)


def _typo(rng: Rng, text: str) -> str:
    """Swap two adjacent letters inside one longer word ('' when there is no such word)."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return ""
    i = candidates[int(rng.random() * len(candidates))]
    word, j = words[i], 1 + int(rng.random() * (len(words[i]) - 3))
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def _small_edit(rng: Rng, text: str) -> str:
    """A user's light rewrite of an earlier prompt: add a politeness/simplicity ask, or drop the last sentence."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(sentences) >= 2 and rng.random() < 0.4:
        return " ".join(sentences[:-1])
    return text.rstrip() + EDIT_SUFFIXES[int(rng.random() * len(EDIT_SUFFIXES))]


def _allowed_edit(rng: Rng, text: str, *, allowed: Callable[[str], bool], tries: int = 4) -> str:
    """A small edit that ``allowed`` accepts, or '' after a few tries."""
    for _ in range(tries):
        edited = _small_edit(rng, text)
        if allowed(edited):
            return edited
    return ""


class UserPools:
    """Decks an ordinary user draws from: one per topic cluster, and one over the whole benign pool."""

    def __init__(self, clusters: Sequence[Sequence[str]], *, rng: Rng) -> None:
        self.clusters = [Deck(texts, rng) for texts in clusters]
        self.anywhere = Deck([text for texts in clusters for text in texts], rng)
        sizes = np.array([len(texts) for texts in clusters], dtype=float)
        self.popularity = sizes / sizes.sum()  # bigger topics attract more users


def _user_prompts(rng: Rng, volume: int, *, pools: UserPools, interests: np.ndarray,
                  allowed: Callable[[str], bool]) -> tuple[list[str], list[float]]:
    """The user's prompts in order, each with the seconds since the one before (in a session)."""
    prompts: list[str] = []
    gaps: list[float] = []
    while len(prompts) < volume:
        r, gap = rng.random(), 20.0 + rng.exponential(90.0)
        if prompts and r < RETRY_SHARE:  # the same prompt again, seconds to minutes later
            prompts.append(prompts[-1])
            gaps.append(float(rng.uniform(3, 240)))
            continue
        if prompts and r < RETRY_SHARE + EDIT_SHARE:
            edited = _allowed_edit(rng, prompts[int(rng.random() * len(prompts))], allowed=allowed)
            if edited:
                prompts.append(edited)
                gaps.append(gap)
                continue
        if rng.random() < INTEREST_SHARE:
            text = pools.clusters[interests[int(rng.random() * len(interests))]].draw()
        else:
            text = pools.anywhere.draw()
        typo = _typo(rng, text) if r > 1 - TYPO_FIX_SHARE else ""
        if typo and allowed(typo) and len(prompts) + 1 < volume:  # sent with a typo, then fixed
            prompts.append(typo)
            gaps.append(gap)
            gap = float(rng.uniform(10, 60))
        prompts.append(text)
        gaps.append(gap)
    return prompts, gaps


def _in_sessions(rng: Rng, gaps: Sequence[float], *, n_sessions: int, first_hour: float,
                 last_hour: float) -> list[int]:
    """Seconds of the day for consecutive prompts split into sessions in a local-time window."""
    starts = session_starts(rng, n_sessions, first_hour=first_hour, last_hour=last_hour)
    seconds, at = [], 0
    for start, size in zip(starts, session_sizes(rng, len(gaps), n_sessions)):
        offsets = np.cumsum([0.0, *gaps[at + 1: at + int(size)]])
        seconds += [int(start + offset) % DAY_SECONDS for offset in offsets]
        at += int(size)
    return seconds


def user_day(rng: Rng, *, volume: int, pools: UserPools, allowed: Callable[[str], bool]) -> AccountDay:
    """One ordinary user: 1-3 interests, ~85% of prompts from them, sessions in waking hours.

    Args:
        rng: the user's own generator.
        volume: number of prompts (>= 1).
        pools: the shared decks of the benign pool.
        allowed: whether an edited prompt may be sent (False for text of the other split).
    """
    n_interests = min(len(pools.clusters), 1 + int(rng.choice(3, p=(0.35, 0.4, 0.25))))
    interests = rng.choice(len(pools.clusters), size=n_interests, replace=False, p=pools.popularity)
    prompts, gaps = _user_prompts(rng, volume, pools=pools, interests=interests, allowed=allowed)
    n_sessions = min(volume, 1 + int(rng.poisson(volume / 8)))
    seconds = _in_sessions(rng, gaps, n_sessions=n_sessions, first_hour=7, last_hour=23.5)
    return AccountDay("user", "", "benign", False, seconds, prompts)


def sentence_units(texts: Sequence[str], *, min_chars: int = 30) -> list[str]:
    """Distinct sentences and lines of some texts (more fillings from one narrow domain)."""
    units = (unit.strip() for text in texts for unit in re.split(r"(?<=[.!?])\s+|\n+", text))
    return list(dict.fromkeys(unit for unit in units if len(unit) >= min_chars)) or list(texts)


def enterprise_day(rng: Rng, *, template: str, domain: Sequence[str], options: Sequence[str]) -> AccountDay:
    """One FLAN template filled only from one topic cluster, 800-2,000 prompts at a steady rate."""
    n = int(rng.integers(800, 2001))
    fills = Deck(sentence_units(domain), rng)
    # Once every sentence of the domain is used, documents are two of them: still one domain, new text.
    prompts = [render(template, [fills.draw() if i < len(fills) else fills.draw() + " " + fills.draw()],
                      options=options) for i in range(n)]
    return AccountDay("enterprise", "", "benign", True, steady_seconds(rng, n).tolist(), prompts)


def _burst(rng: Rng, n: int) -> list[int]:
    """n ordered seconds packed into one to two hours."""
    duration = rng.uniform(3600, 7200)
    start = rng.uniform(0, DAY_SECONDS - duration)
    return (start + np.sort(rng.uniform(0, duration, size=n))).astype(int).tolist()


def _mmlu_slice(rng: Rng, mmlu: dict[str, list[str]], n: int) -> list[str]:
    """Adjacent subjects in file order, 1-3 of them (more only while under 300 rows), cut to n rows."""
    subjects = list(mmlu)
    at, rows, taken = int(rng.integers(len(subjects))), [], 0
    while taken < len(subjects) and len(rows) < n and (taken < 3 or len(rows) < 300):
        rows += mmlu[subjects[(at + taken) % len(subjects)]]
        taken += 1
    return rows[:n]


def eval_runner_day(rng: Rng, *, gsm8k: Sequence[str], mmlu: dict[str, list[str]]) -> AccountDay:
    """A contiguous benchmark slice (300-1,000 MMLU rows of 1-3 subjects, or GSM8K) within two hours."""
    n = int(rng.integers(300, 1001))
    if mmlu and (not gsm8k or rng.random() < 0.67):
        prompts = _mmlu_slice(rng, mmlu, n)
    else:
        start = int(rng.integers(max(1, len(gsm8k) - n + 1)))
        prompts = list(gsm8k[start: start + n])
    return AccountDay("eval_runner", "", "benign", True, _burst(rng, len(prompts)), prompts)


def student_day(rng: Rng, *, gsm8k: Sequence[str], mmlu: dict[str, list[str]]) -> AccountDay:
    """30-200 GSM8K questions or questions of one MMLU subject, in after-school sessions."""
    if mmlu and (not gsm8k or rng.random() < 0.5):
        subjects = [s for s in mmlu if len(mmlu[s]) >= 30] or list(mmlu)
        pool: Sequence[str] = mmlu[subjects[int(rng.integers(len(subjects)))]]
    else:
        pool = gsm8k
    n = min(len(pool), int(rng.integers(30, 201)))
    prompts = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    gaps = rng.uniform(40, 400, size=n).tolist()
    seconds = _in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(2, 6))), first_hour=15, last_hour=22)
    return AccountDay("student", "", "benign", True, seconds, prompts)


def survey_writer_day(rng: Rng, *, survey: Sequence[str]) -> AccountDay:
    """200-500 consecutive human-written templated questions, in working-hour sessions."""
    n = min(len(survey), int(rng.integers(200, 501)))
    if n == 0:  # more writers than questions in a tiny corpus
        return AccountDay("survey_writer", "", "benign", True, [], [])
    start = int(rng.integers(len(survey) - n + 1))
    gaps = rng.uniform(30, 240, size=n).tolist()
    seconds = _in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(3, 8))), first_hour=9, last_hour=18)
    return AccountDay("survey_writer", "", "benign", True, seconds, list(survey[start: start + n]))
