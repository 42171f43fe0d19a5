"""Random text helpers shared by every demo account: picking, filling slots, typing like a person.

Plain indexing with ``rng.random()`` is much faster than ``rng.choice`` for one
pick, and the generator is called ~1M times for a large day.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from synthetic.demo.phrasing import AUDIENCES, COUNTS
from synthetic.demo.topics import TOPICS

Rng = np.random.Generator
"""The random generator every demo account draws from (one per account)."""


def pick(rng: Rng, options: Sequence[str]) -> str:
    """One option, uniformly at random."""
    return options[int(rng.random() * len(options))]


def fill_slots(rng: Rng, subject: str, subtopic: str) -> dict[str, str]:
    """Fill values for the {e} {e2} {e3} {sub} {subj} {who} {n} template slots."""
    entities = TOPICS[subject][subtopic]
    e, e2, e3 = (entities[i] for i in rng.permutation(len(entities))[:3])
    return {"e": e, "e2": e2, "e3": e3, "sub": subtopic, "subj": subject,
            "who": pick(rng, AUDIENCES), "n": pick(rng, COUNTS)}


def capitalise(text: str) -> str:
    """Upper-case the first character only (str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]


def _typo(rng: Rng, text: str) -> str:
    """Swap, drop or double one letter inside one word."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    i = candidates[int(rng.random() * len(candidates))]
    word, j, op = words[i], 1 + int(rng.random() * (len(words[i]) - 2)), rng.random()
    if op < 0.4:
        word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    elif op < 0.7:
        word = word[:j] + word[j + 1:]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def humanise(rng: Rng, text: str) -> str:
    """Vary case, trailing punctuation and spelling the way people type."""
    style = rng.random()
    if style < 0.3:
        text = text.lower()
    elif style < 0.85:
        text = capitalise(text)
    if rng.random() < 0.1:
        text = text.rstrip("?.!")
    if rng.random() < 0.08:
        text = _typo(rng, text)
    return text
