"""The row every demo account emits."""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    """One generated prompt: who sent it, when (second of the day), and its ground truth."""

    account_id: str
    second: int
    prompt: str
    kind: str
    strategy: str
    subject: str
    subtopic: str
