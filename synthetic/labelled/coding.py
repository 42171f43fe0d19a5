"""A developer's coding assistant: a benign account that sends hundreds of templated code prompts.

The assistant wraps code from the developer's project (code-like benign texts
of one or two topic clusters) in one of two or three fixed instructions, and the
developer retries, edits and asks again about the same code: repetitive,
templated and narrow, like a harvester, yet benign.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from synthetic.timing import in_sessions
from synthetic.labelled.people import allowed_edit
from synthetic.labelled.sources import AccountDay, Rng
from synthetic.labelled.topics import members_of

# Project-written instructions a coding assistant puts around the code it sends.
CODE_TEMPLATES: tuple[str, ...] = (
    "Explain what this code does:\n{code}",
    "Fix the bug in this code:\n{code}",
    "Write unit tests for this code:\n{code}",
    "Refactor this code so it is easier to read, and keep its behaviour:\n{code}",
    "Add comments to this code:\n{code}",
    "Review this code and point out any problems:\n{code}",
)
RETRY_SHARE, EDIT_SHARE, SNIPPET_MIN_LINES = 0.08, 0.06, 12


def _snippet(rng: Rng, text: str, *, allowed: Callable[[str], bool]) -> str:
    """The part of a longer text a developer selects: a run of 6-30 of its lines (the whole text if short)."""
    lines = text.split("\n")
    if len(lines) < SNIPPET_MIN_LINES:
        return text
    for _ in range(4):
        size = int(rng.integers(6, min(30, len(lines)) + 1))
        start = int(rng.integers(len(lines) - size + 1))
        part = "\n".join(lines[start: start + size]).strip()
        if part and allowed(part):
            return part
    return text


def _project(rng: Rng, code: Sequence[str], topic: np.ndarray) -> list[str]:
    """The code texts of 1-2 clusters: the developer's project."""
    clusters = members_of(topic)
    picked = rng.choice(len(clusters), size=min(len(clusters), int(rng.integers(1, 3))), replace=False)
    return [code[i] for c in picked for i in clusters[c]]


def coding_user_day(rng: Rng, *, code: Sequence[str], topic: np.ndarray,
                    allowed: Callable[[str], bool]) -> AccountDay:
    """150-600 code prompts in 2-3 wrappers over the developer's project, in working-hour sessions.

    Args:
        rng: the account's own generator.
        code: code-like benign texts (any benign texts when the split has none).
        topic: their topic clusters.
        allowed: whether a derived text (an edit, a selected part) may be sent.
    """
    n = int(rng.integers(150, 601))
    project = _project(rng, code, topic)
    templates = [CODE_TEMPLATES[i] for i in rng.choice(len(CODE_TEMPLATES), size=int(rng.integers(2, 4)),
                                                       replace=False)]
    prompts: list[str] = []
    gaps: list[float] = []
    while len(prompts) < n:
        r = rng.random()
        if prompts and r < RETRY_SHARE:  # regenerate: the same request again
            prompts.append(prompts[-1])
            gaps.append(float(rng.uniform(5, 120)))
            continue
        edited = allowed_edit(rng, prompts[-1], allowed=allowed) if prompts and r < RETRY_SHARE + EDIT_SHARE else ""
        if edited:
            prompts.append(edited)
        else:
            code_text = _snippet(rng, project[int(rng.integers(len(project)))], allowed=allowed)
            prompts.append(templates[int(rng.integers(len(templates)))].format(code=code_text))
        gaps.append(float(15 + rng.exponential(120)))
    seconds = in_sessions(rng, gaps, n_sessions=int(rng.integers(4, 11)), first_hour=8, last_hour=19)
    return AccountDay("coding_user", "", "benign", True, seconds, prompts)
