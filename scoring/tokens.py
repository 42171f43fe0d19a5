"""Compact token sequences of the day's distinct prompts, for template mining.

Template evidence needs the words of a prompt, but a day of raw text does not fit
the memory budget. Each distinct prompt is therefore kept as at most
``head + tail`` interned token ids (4 bytes each, less than its embedding), and
the text itself is dropped after embedding. Of the middle that a long prompt
loses, only its field labels (the words before its colons, at most
``MAX_HIDDEN_LABELS``) are kept: where a template wraps one passage in another,
they are what is left of its own wording.
"""

from __future__ import annotations

import hashlib
import re
from array import array

import numpy as np

from scoring.arrays import distinct, ranges

GAP = 0  # stands between a long prompt's head and tail so no n-gram bridges them
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"%")
_NO_SPACE_AFTER = set("([{$#")
_FLUSH_TOKENS = 1 << 22  # pending token ids (16 MB) that make a block
_REORDER_BATCH = 1 << 17  # prompts gathered at a time by reorder (an int64 index per token of them)
# A field label is a word right before a colon ("Question:", "Choices:", "Hint:"), not a URL's scheme.
# Searched for backwards from each colon; the look-behind keeps the match a whole token as tokenize()
# splits it ("x-ray:" has no label).
_LABEL_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_]+)\s*\Z")
_LABEL_REACH = 32  # characters searched before a colon (a field name is a short word)
MAX_HIDDEN_LABELS = 16  # field labels kept from the dropped middle of one prompt
_SCAN_BLOCK = 1 << 24  # token ids scanned at a time for field labels


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
        self._by_id: list[str] = []
        self._hashes = np.zeros(0, dtype=np.uint64)  # word_hashes() of the vocabulary so far
        # All sequences live in one flat int32 array and int64 offsets (n + 1), not one array object
        # per prompt: ~100 bytes of object overhead each was more than the tokens on a day of millions.
        self._tokens = np.zeros(0, dtype=np.int32)
        self._offsets = np.zeros(1, dtype=np.int64)
        # New prompts collect in compact growing arrays and join the flat arrays when read or when
        # _FLUSH_TOKENS have piled up, so adding stays cheap and nothing is copied per prompt.
        self._new_tokens = array("i")
        self._new_lengths = array("q")
        self._flushed: list[tuple[np.ndarray, np.ndarray]] = []
        self._n = 0
        # Field labels in the part of a long prompt that is not kept (where templates that wrap one
        # passage in another put their own wording): (position, token id) pairs, few prompts have any.
        self._hidden_pos = array("q")
        self._hidden_label = array("i")

    def __len__(self) -> int:
        return self._n

    def add(self, text: str) -> int:
        """Tokenise, clip and store one prompt; returns its position."""
        return self.add_split(*self.split(text))

    def split(self, text: str) -> tuple[list[str], list[str]]:
        """What :meth:`add` stores of ``text``, as strings: its clipped tokens, and the field labels
        of the middle a long prompt loses (empty when nothing is clipped). No token holds whitespace,
        so each list travels as one space-joined string (a distributed worker's output)."""
        tokens = self._clipped(text)
        return tokens, (self._hidden_labels(text) if "<gap>" in tokens else [])

    def add_split(self, tokens: list[str], labels: list[str]) -> int:
        """Store one prompt from what :meth:`split` gave for it; returns its position. Token ids
        follow first sight, so adding the same prompts in the same order gives the same ids."""
        vocab = self._vocab
        # Known tokens are looked up in one C-level pass; a new token gets the next id, left to right,
        # so ids follow first sight (the vocabulary keeps insertion order).
        ids = list(map(vocab.get, tokens))
        if None in ids:
            ids = [vocab.setdefault(tok, len(vocab)) if tid is None else tid for tok, tid in zip(tokens, ids)]
        self._new_tokens.extend(ids)
        self._new_lengths.append(len(tokens))
        if len(self._new_tokens) >= _FLUSH_TOKENS:
            self._flush()
        for label in labels:
            self._hidden_pos.append(self._n)
            self._hidden_label.append(vocab.setdefault(label, len(vocab)))
        self._n += 1
        return self._n - 1

    @staticmethod
    def _hidden_labels(text: str) -> list[str]:
        # The whole text is searched, colon by colon (few prompts have many): labels also seen in the
        # kept tokens repeat harmlessly.
        seen: dict[str, None] = {}
        colon = text.find(":")
        while colon != -1 and len(seen) < MAX_HIDDEN_LABELS:
            if not text.startswith("/", colon + 1):
                found = _LABEL_BEFORE.search(text, max(0, colon - _LABEL_REACH), colon)
                if found:
                    seen.setdefault(found.group(1).lower())
            colon = text.find(":", colon + 1)
        return list(seen)

    def _clipped(self, text: str) -> list[str]:
        """``tokenize(text)`` clipped to head + gap + tail, reading only the ends of a long text."""
        limit = self.head + self.tail
        # Characters that hold well over head (tail) tokens of ordinary text: ~5 characters a token.
        head_cut, tail_cut = 12 * (self.head + 2), 12 * (self.tail + 2)
        if len(text) > head_cut + tail_cut:
            # A chunk boundary can split the token that straddles it (into two at most), so each
            # chunk must hold two tokens more than it gives; otherwise tokenise the whole text.
            head, tail = tokenize(text[:head_cut]), tokenize(text[-tail_cut:]) if self.tail else []
            if len(head) >= self.head + 2 and (not self.tail or len(tail) >= self.tail + 2):
                return head[: self.head] + ["<gap>"] + (tail[-self.tail :] if self.tail else [])
        tokens = tokenize(text)
        if len(tokens) > limit:
            tokens = tokens[: self.head] + ["<gap>"] + (tokens[-self.tail :] if self.tail else [])
        return tokens

    def get(self, i: int) -> np.ndarray:
        """Token ids of prompt ``i`` (int32)."""
        self._settle()
        i = range(len(self._offsets) - 1)[i]  # negative positions count from the end; out of range raises
        return self._tokens[self._offsets[i] : self._offsets[i + 1]]

    def reorder(self, order: np.ndarray) -> None:
        """Permute the stored prompts so that new position ``j`` holds old ``order[j]``."""
        self._settle()
        order = np.asarray(order, dtype=np.int64).reshape(-1)
        offsets = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(np.diff(self._offsets)[order], out=offsets[1:])
        tokens = np.empty(offsets[-1], dtype=np.int32)
        # A batch of prompts at a time, so no gather index spans the whole day's tokens.
        for lo in range(0, len(order), _REORDER_BATCH):
            hi = min(len(order), lo + _REORDER_BATCH)
            tokens[offsets[lo] : offsets[hi]] = self.take(order[lo:hi])[0]
        if len(self._hidden_pos):
            new_position = np.full(self._n, -1, dtype=np.int64)
            new_position[order] = np.arange(len(order))
            moved = new_position[np.frombuffer(self._hidden_pos, dtype=np.int64)]
            kept = moved >= 0
            self._hidden_pos = array("q", moved[kept].tobytes())
            self._hidden_label = array("i", np.frombuffer(self._hidden_label, dtype=np.int32)[kept].tobytes())
        self._tokens, self._offsets, self._n = tokens, offsets, len(order)

    def take(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sequences of several prompts: their token ids concatenated (int32) and offsets (len m+1).

        What :meth:`flat` gives for the whole store, for a batch of prompts (in the order given).
        """
        self._settle()
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        lengths = np.diff(self._offsets)[positions]
        offsets = np.zeros(len(positions) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return self._tokens[ranges(self._offsets[positions], lengths)], offsets

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All sequences concatenated (int32) and their offsets (int64, len n+1), as read-only views.

        Views, not copies: on a 16M-row day the tokens are a few hundred million ids,
        and each caller copying them (as int64, as this once did) cost GBs of peak memory.
        """
        self._settle()
        tokens, offsets = self._tokens.view(), self._offsets.view()
        tokens.flags.writeable = offsets.flags.writeable = False
        return tokens, offsets

    def field_labels(self, among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Prompts' field labels: (position, token id) pairs, distinct, sorted by position then id.

        A field label is a word right before a colon ("Question:", "Choices:"), not a URL's
        scheme: the names of a template's fields. Found in the kept tokens, and for a long
        prompt also in the middle the store drops (recorded when it was added, at most
        ``MAX_HIDDEN_LABELS``), where a template that wraps one passage in another keeps its
        own wording.

        Args:
            among: per position, whether to report that prompt (default: all of them).
        """
        self._settle()
        tokens, offsets = self._tokens, self._offsets
        colon, slash = self._vocab.get(":"), self._vocab.get("/")
        alpha = self.alphabetic()
        hidden = np.frombuffer(self._hidden_pos, dtype=np.int64)
        keep = among[hidden] if among is not None else slice(None)
        positions, labels = [hidden[keep]], [np.frombuffer(self._hidden_label, dtype=np.int32)[keep]]
        for lo in range(0, len(tokens) if colon is not None else 0, _SCAN_BLOCK):
            at = np.flatnonzero(tokens[lo : lo + _SCAN_BLOCK] == colon) + lo
            prompt = np.searchsorted(offsets, at, side="right") - 1
            ok = at > offsets[prompt]  # a word before it, in the same prompt
            if among is not None:
                ok &= among[prompt]
            at, prompt = at[ok], prompt[ok]
            label = tokens[at - 1]
            ok = alpha[label]
            if slash is not None:
                within = at + 1 < offsets[prompt + 1]
                ok &= ~within | (tokens[np.minimum(at + 1, len(tokens) - 1)] != slash)
            positions.append(prompt[ok])
            labels.append(label[ok])
        key = distinct(np.concatenate(positions).astype(np.int64) << 32 | np.concatenate(labels).astype(np.int64))
        return key >> 32, (key & 0xFFFFFFFF).astype(np.int32)

    def _flush(self) -> None:
        # The pending prompts become one compact block; the array module's buffers are then reused.
        tokens = np.array(self._new_tokens, dtype=np.int32)
        lengths = np.array(self._new_lengths, dtype=np.int64)
        self._flushed.append((tokens, lengths))
        self._new_tokens, self._new_lengths = array("i"), array("q")

    def _settle(self) -> None:
        # Join the blocks added since the last read to the flat arrays (once; reads then cost nothing).
        if len(self._new_lengths):
            self._flush()
        if not self._flushed:
            return
        blocks, self._flushed = self._flushed, []
        lengths = np.concatenate([b[1] for b in blocks])
        offsets = np.empty(len(self._offsets) + len(lengths), dtype=np.int64)
        offsets[: len(self._offsets)] = self._offsets
        np.cumsum(lengths, out=offsets[len(self._offsets) :])
        offsets[len(self._offsets) :] += self._offsets[-1]
        self._tokens = np.concatenate([self._tokens] + [b[0] for b in blocks])
        self._offsets = offsets

    def to_arrays(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """The store as plain arrays (``tokens``, ``offsets``, ``hidden_pos``, ``hidden_label``) and its
        vocabulary: what :meth:`from_arrays` rebuilds it from (``.npz`` and JSON, never pickle)."""
        self._settle()
        arrays = {"tokens": self._tokens, "offsets": self._offsets,
                  "hidden_pos": np.frombuffer(self._hidden_pos, dtype=np.int64).copy(),
                  "hidden_label": np.frombuffer(self._hidden_label, dtype=np.int32).copy()}
        return arrays, list(self._vocab)

    @classmethod
    def merged(cls, parts: list[tuple[dict[str, np.ndarray], list[str]]], picks: list[np.ndarray], *,
               head: int = 48, tail: int = 16) -> TokenStore:
        """One store of prompts drawn from several :meth:`to_arrays` parts: new position ``j`` holds
        prompt ``picks[k][j]`` of part ``k`` for the part that supplies it (-1: another part does).

        The vocabularies are joined (the first part's ids first), and each part's ids mapped onto them.
        """
        store = cls(head=head, tail=tail)
        n = len(picks[0]) if picks else 0
        lengths = np.zeros(n, dtype=np.int64)
        for (arrays, _), pick in zip(parts, picks):
            have = pick >= 0
            lengths[have] = np.diff(arrays["offsets"])[pick[have]]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tokens = np.empty(offsets[-1], dtype=np.int32)
        hidden_pos, hidden_label = [], []
        for (arrays, words), pick in zip(parts, picks):
            mapping = np.fromiter((store._vocab.setdefault(w, len(store._vocab)) for w in words), dtype=np.int32,
                                  count=len(words))
            at = np.flatnonzero(pick >= 0)
            if not len(at):
                continue
            source = pick[at]
            tokens[ranges(offsets[at], lengths[at])] = mapping[arrays["tokens"][ranges(arrays["offsets"][source],
                                                                                       lengths[at])]]
            new_position = np.full(len(arrays["offsets"]) - 1, -1, dtype=np.int64)
            new_position[source] = at
            moved = new_position[arrays["hidden_pos"]]
            hidden_pos.append(moved[moved >= 0])
            hidden_label.append(mapping[arrays["hidden_label"][moved >= 0]])
        store._tokens, store._offsets, store._n = tokens, offsets, n
        if hidden_pos:
            order = np.argsort(np.concatenate(hidden_pos), kind="stable")
            store._hidden_pos = array("q", np.concatenate(hidden_pos)[order].astype(np.int64).tobytes())
            store._hidden_label = array("i", np.concatenate(hidden_label)[order].astype(np.int32).tobytes())
        return store

    def words(self) -> list[str]:
        """The vocabulary, indexed by token id."""
        return list(self._vocab)

    def word_hashes(self) -> np.ndarray:
        """Per token id, a 64-bit hash of its word (uint64): the same word hashes the same in every
        store, whatever its id there (what days compare their wording by). Only words new since the
        last call are hashed."""
        words = self._vocab
        if len(self._hashes) < len(words):
            new = list(words)[len(self._hashes):]
            self._hashes = np.concatenate([self._hashes, np.fromiter(
                (int.from_bytes(hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
                 for w in new), dtype=np.uint64, count=len(new))])
        return self._hashes

    def alphabetic(self) -> np.ndarray:
        """Per token id, whether the token is a word of letters only (not a number, punctuation or the gap)."""
        return np.fromiter((w.isalpha() for w in self._vocab), dtype=bool, count=len(self._vocab))

    def is_word(self, tid: int) -> bool:
        """Whether token ``tid`` is a word (not punctuation or the gap)."""
        return tid > GAP and self._word(tid)[0].isalnum()

    def _word(self, tid: int) -> str:
        # The id -> word list is rebuilt only when the vocabulary has grown since last asked.
        if len(self._by_id) != len(self._vocab):
            self._by_id = list(self._vocab)
        return self._by_id[tid]

    def render(self, ids: list[int]) -> str:
        """Readable text of a token-id list; ``-1`` renders as the slot marker ``<*>``."""
        out: list[str] = []
        for tid in ids:
            word = "<*>" if tid < 0 else ("…" if tid == GAP else self._word(tid))
            if out and not (word[0] in _NO_SPACE_BEFORE or out[-1][-1] in _NO_SPACE_AFTER):
                out.append(" ")
            out.append(word)
        return "".join(out)
