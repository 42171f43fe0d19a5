"""Compact token sequences of the day's distinct prompts, for template mining.

Template evidence needs the words of a prompt, but a day of raw text does not fit
the memory budget. Each distinct prompt is therefore kept as at most
``head + tail`` interned token ids (4 bytes each, less than its embedding), and
the text itself is dropped after embedding.
"""

from __future__ import annotations

import re

import numpy as np

GAP = 0  # stands between a long prompt's head and tail so no n-gram bridges them
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"%")
_NO_SPACE_AFTER = set("([{$#")


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens of an (already normalised) prompt."""
    return _TOKEN.findall(text.lower())


class TokenStore:
    """Clipped token-id sequences of distinct prompts, appended in id order.

    Args:
        head: tokens kept from the start of a prompt.
        tail: tokens kept from its end when it is longer than ``head + tail``.
    """

    def __init__(self, *, head: int = 48, tail: int = 16) -> None:
        if head < 1 or tail < 0:
            raise ValueError("head must be >= 1 and tail >= 0")
        self.head, self.tail = head, tail
        self._vocab: dict[str, int] = {"<gap>": GAP}
        self._words: list[str] = ["<gap>"]
        self._ids: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, text: str) -> int:
        """Tokenise, clip and store one prompt; returns its position."""
        tokens = tokenize(text)
        if len(tokens) > self.head + self.tail:
            tokens = tokens[: self.head] + ["<gap>"] + (tokens[-self.tail :] if self.tail else [])
        vocab, words = self._vocab, self._words
        ids = np.empty(len(tokens), dtype=np.int32)
        for i, tok in enumerate(tokens):
            tid = vocab.get(tok)
            if tid is None:
                tid = vocab[tok] = len(words)
                words.append(tok)
            ids[i] = tid
        self._ids.append(ids)
        return len(self._ids) - 1

    def get(self, i: int) -> np.ndarray:
        """Token ids of prompt ``i``."""
        return self._ids[i]

    def reorder(self, order: np.ndarray) -> None:
        """Permute the stored prompts so that new position ``j`` holds old ``order[j]``."""
        self._ids = [self._ids[i] for i in order]

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All sequences concatenated (int64) and their offsets (len n+1)."""
        lengths = np.fromiter((len(a) for a in self._ids), dtype=np.int64, count=len(self._ids))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tokens = np.concatenate(self._ids).astype(np.int64) if self._ids else np.zeros(0, np.int64)
        return tokens, offsets

    def words(self) -> list[str]:
        """The vocabulary, indexed by token id."""
        return self._words

    def is_word(self, tid: int) -> bool:
        """Whether token ``tid`` is a word (not punctuation or the gap)."""
        return tid > GAP and self._words[tid][0].isalnum()

    def render(self, ids: list[int]) -> str:
        """Readable text of a token-id list; ``-1`` renders as the slot marker ``<*>``."""
        out: list[str] = []
        for tid in ids:
            word = "<*>" if tid < 0 else ("…" if tid == GAP else self._words[tid])
            if out and not (word[0] in _NO_SPACE_BEFORE or out[-1][-1] in _NO_SPACE_AFTER):
                out.append(" ")
            out.append(word)
        return "".join(out)
