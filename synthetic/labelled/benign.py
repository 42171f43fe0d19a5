"""The benign look-alikes of a simulated day: accounts that share some shape with a harvester.

``enterprise`` (one template over one narrow domain, round the clock),
``eval_runner`` (a contiguous benchmark slice in an hour or two), ``student``
(homework from one subject) and ``survey_writer`` (human-written templated
questions) must not be flagged. Ordinary users, power users and sharers are in
:mod:`synthetic.labelled.people`, coding users in :mod:`synthetic.labelled.coding`.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from synthetic.timing import DAY_SECONDS, in_sessions, steady_seconds
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.templates import render


def sentence_units(texts: Sequence[str], *, min_chars: int = 30) -> list[str]:
    """Distinct sentences and lines of some texts (more fillings from one narrow domain)."""
    units = (unit.strip() for text in texts for unit in re.split(r"(?<=[.!?])\s+|\n+", text))
    return list(dict.fromkeys(unit for unit in units if len(unit) >= min_chars)) or list(texts)


def enterprise_day(rng: Rng, *, template: str, domain: Sequence[str], options: Sequence[str]) -> AccountDay:
    """One FLAN template filled only from one narrow domain, 800-2,000 prompts at a steady rate.

    ``domain`` is a few dozen texts on one subject (a seed text and its nearest
    neighbours); its sentences are the documents the pipeline classifies.
    """
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
    seconds = in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(2, 6))), first_hour=15, last_hour=22)
    return AccountDay("student", "", "benign", True, seconds, prompts)


def survey_writer_day(rng: Rng, *, survey: Sequence[str]) -> AccountDay:
    """200-500 consecutive human-written templated questions, in working-hour sessions."""
    n = min(len(survey), int(rng.integers(200, 501)))
    if n == 0:  # more writers than questions in a tiny corpus
        return AccountDay("survey_writer", "", "benign", True, [], [])
    start = int(rng.integers(len(survey) - n + 1))
    gaps = rng.uniform(30, 240, size=n).tolist()
    seconds = in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(3, 8))), first_hour=9, last_hour=18)
    return AccountDay("survey_writer", "", "benign", True, seconds, list(survey[start: start + n]))
