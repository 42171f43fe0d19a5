"""String pools for the scale generator (:mod:`synthetic.scale.day`), built from the demo vocabulary.

A prompt of the large synthetic day is a handful of pool entries glued together
by Arrow kernels, so a million rows cost a few vectorised ``take`` and ``join``
calls rather than a million Python format calls. The pools are built once per
day from the word lists of the demo day (:mod:`synthetic.demo.phrasing`,
:mod:`synthetic.demo.topics`), a few tens of thousands of short strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthetic.demo.phrasing import (
    ASPECTS, CLOSERS, CONTEXT_FRAMES, ENTERPRISE_TEMPLATE, FOLLOW_UPS, OPENERS, POPULAR, PRODUCTS,
    REVIEW_EXTRAS, USER_ASKS, VERDICTS,
)
from synthetic.demo.text import Rng, capitalise, fill_slots, pick
from synthetic.demo.topics import CONTEXTS, SUBJECTS, SUBTOPICS

CELLS: tuple[tuple[str, str], ...] = tuple((s, t) for s in SUBJECTS for t in SUBTOPICS[s])
"""The topic space as (subject, subtopic) cells, subject-major: cell // 10 is the subject."""
SUBTOPICS_PER_SUBJECT = 10
FOLLOW_UP_SHARE = 0.12  # of a cell's asks: short second turns ("and what about X?")
POPULAR_ENDINGS: tuple[str, ...] = ("", "", "?", "!", " please", " pls", ".")


@dataclass(frozen=True)
class Pools:
    """Every string a generated user or bot prompt is assembled from.

    Attributes:
        asks: ``per_cell`` filled asks per topic cell, cell-major (entry ``c * per_cell + j``).
        per_cell: asks per cell.
        pre, post: what comes before and after the ask, ``n_wraps`` per subject, subject-major;
            the first ``n_plain`` of each subject are opener + closer, the rest context frames.
        n_wraps, n_plain: wraps per subject, and how many of them are plain.
        popular: one-liners many unrelated users send, with their punctuation variants.
        reviews: product reviews the enterprise bots classify (each already in the template).
    """

    asks: pa.StringArray
    per_cell: int
    pre: pa.StringArray
    post: pa.StringArray
    n_wraps: int
    n_plain: int
    popular: pa.StringArray
    reviews: pa.StringArray


def build_pools(rng: Rng, *, per_cell: int = 64, n_reviews: int = 4_000) -> Pools:
    """All pools of one generated day, drawn from ``rng``.

    Args:
        rng: the day's pool generator.
        per_cell: distinct filled asks per topic cell (more: more distinct prompts).
        n_reviews: distinct enterprise-bot prompts.
    """
    if per_cell < 1 or n_reviews < 1:
        raise ValueError("per_cell and n_reviews must be >= 1")
    pre, post, n_plain = _wraps()
    return Pools(asks=pa.array(_asks(rng, per_cell), pa.string()), per_cell=per_cell,
                 pre=pa.array(pre, pa.string()), post=pa.array(post, pa.string()),
                 n_wraps=len(pre) // len(SUBJECTS), n_plain=n_plain,
                 popular=pa.array(_popular(), pa.string()),
                 reviews=pa.array(_reviews(rng, n_reviews), pa.string()))


def _asks(rng: Rng, per_cell: int) -> list[str]:
    """Filled user asks (and some follow-ups) for every cell, cell-major."""
    out: list[str] = []
    for subject, subtopic in CELLS:
        for _ in range(per_cell):
            slots = fill_slots(rng, subject, subtopic)
            template = pick(rng, FOLLOW_UPS if rng.random() < FOLLOW_UP_SHARE else USER_ASKS)
            out.append(template.format(**slots))
    return out


def _wraps() -> tuple[list[str], list[str], int]:
    """(pre, post) pairs per subject: every opener x closer, then every context frame x context."""
    pre: list[str] = []
    post: list[str] = []
    n_plain = len(OPENERS) * len(CLOSERS)
    for subject in SUBJECTS:
        for opener in OPENERS:
            for closer in CLOSERS:
                pre.append(opener.format(subj=subject))
                post.append(closer)
        for frame in CONTEXT_FRAMES:
            before, after = frame.split("{ask}")
            for ctx in CONTEXTS[subject]:
                pre.append(before.format(ctx=ctx))
                post.append(after.format(ctx=ctx))
    return pre, post, n_plain


def _popular() -> list[str]:
    """The demo's popular one-liners, as typed and capitalised, with each ending."""
    return [form + ending for text in POPULAR for form in (text, capitalise(text)) for ending in POPULAR_ENDINGS]


def _reviews(rng: Rng, n: int) -> list[str]:
    """n enterprise-bot prompts: the demo's sentiment template over its product reviews."""
    out = []
    for _ in range(n):
        text = pick(rng, VERDICTS).format(aspect=pick(rng, ASPECTS))
        if rng.random() < 0.3:
            text += pick(rng, (", but ", ", and ", ". Also ")) + pick(rng, VERDICTS).format(aspect=pick(rng, ASPECTS))
        review = (capitalise(text) + ". " + pick(rng, REVIEW_EXTRAS)).strip()
        out.append(ENTERPRISE_TEMPLATE.format(product=pick(rng, PRODUCTS), review=review))
    return out


def subject_weights(power: float = 0.7) -> np.ndarray:
    """Zipf-like popularity of the subjects among ordinary users (sums to 1)."""
    weights = 1.0 / (np.arange(len(SUBJECTS)) + 3.0) ** power
    return weights / weights.sum()
