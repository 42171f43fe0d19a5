"""The topic stage: each node's topic vector (its topic words embedded) and its cell in the reference.

Topic vectors are made a batch at a time and never held for the whole day. The
campaign stage places its pooled prompts through the same :class:`TopicVectors`,
since a campaign's template wording only shows in the pool. A topic text is embedded
once: :class:`PlacedTexts` remembers the cell of every text placed, for the pool's
nodes whose text is their account's, and for the earlier days of a history window.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from embedder import Embedder
from job.ingest import Day
from scoring.nodes import Nodes
from scoring.arrays import ranges, run_starts
from scoring.options import TopicOptions
from scoring.reference import PROBE_WORDS, Reference, fit_reference
from scoring.topic_text import TopicWords


def placement(reference: Reference, embedder: Embedder) -> str:
    """What a text's cell depends on besides the text: the reference and the embedder of topic words."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(reference.fine, dtype=np.float32).tobytes())
    digest.update(np.ascontiguousarray(reference.coarse, dtype=np.float32).tobytes())
    identity = {k: v for k, v in embedder.identity.items() if k != "versions"}
    digest.update(json.dumps(identity, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class PlacedTexts:
    """The cell of each topic text already placed, by its key (:meth:`scoring.topic_text.TopicWords.keys`).

    Valid for one :func:`placement`; :meth:`used` gives what this run placed or looked up, which is
    what a history day keeps for the next.
    """

    def __init__(self, placement_key: str = "", keys: np.ndarray | None = None, cells: np.ndarray | None = None):
        self.reset(placement_key, keys, cells)

    def reset(self, placement_key: str, keys: np.ndarray | None = None, cells: np.ndarray | None = None) -> None:
        """Forget every text and hold ``keys`` -> ``cells`` for ``placement_key``."""
        self.placement = placement_key
        keys = np.zeros(0, dtype=np.uint64) if keys is None else np.asarray(keys, dtype=np.uint64)
        cells = np.zeros(0, dtype=np.int32) if cells is None else np.asarray(cells, dtype=np.int32)
        order = np.argsort(keys, kind="stable")
        first = order[run_starts(keys[order])]
        self._keys, self._cells = keys[first], cells[first]
        self._used = np.zeros(len(self._keys), dtype=bool)

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The cell of each key, -1 where the text was never placed (found keys count as used)."""
        at = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        found = self._keys[at] == keys if len(self._keys) else np.zeros(len(keys), dtype=bool)
        self._used[at[found]] = True
        return np.where(found, self._cells[at] if len(self._keys) else -1, -1).astype(np.int32)

    def add(self, keys: np.ndarray, cells: np.ndarray) -> None:
        """Remember newly placed texts (keys not yet known)."""
        if not len(keys):
            return
        keys = np.concatenate([self._keys, np.asarray(keys, dtype=np.uint64)])
        cells = np.concatenate([self._cells, np.asarray(cells, dtype=np.int32)])
        used = np.concatenate([self._used, np.ones(len(keys) - len(self._used), dtype=bool)])
        order = np.argsort(keys, kind="stable")
        first = order[run_starts(keys[order])]
        self._keys, self._cells, self._used = keys[first], cells[first], used[first]

    def used(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys and cells placed or looked up since this was made."""
        return self._keys[self._used], self._cells[self._used]


@dataclass(frozen=True)
class TopicVectors:
    """How nodes become topic vectors: template wording (of each node's own group) and request words left out.

    Attributes:
        day: the ingested day (tokens and prompt vectors).
        embedder: the embedder of topic words.
        separate: True when ``embedder`` is not the day's own embedder; then every node is embedded
            by it (from its topic text, or its stored tokens when no word is left out); otherwise
            unchanged nodes reuse the day's vectors.
        options: which words are topic words.
        placed: the texts already placed (used by :meth:`cells` when it is for the same placement).
    """

    day: Day
    embedder: Embedder
    separate: bool
    options: TopicOptions
    placed: PlacedTexts = field(default_factory=PlacedTexts)

    @cached_property
    def _pieces(self):
        # The day's vocabulary tokenised once, for the accounts' cells and the campaign pools' alike.
        return self.embedder.word_pieces(self.day.tokens.words())

    def of(self, nodes: Nodes, group: np.ndarray):
        """A function from positions in ``nodes`` to their topic vectors (``group``: each node's template group)."""
        day = self.day
        words = (TopicWords(day.tokens, group, nodes.uid, options=self.options)
                 if self.options.topic_words_only else None)

        def vectors_of(positions: np.ndarray) -> np.ndarray:
            texts = words.texts(positions) if words is not None else {}
            if self.separate:
                full = [texts.get(i) or day.tokens.render(day.tokens.get(int(u)).tolist())
                        for i, u in enumerate(nodes.uid[positions])]
                return np.asarray(self.embedder.encode(full), dtype=np.float32)
            vectors = day.vectors[nodes.uid[positions]]
            if texts:
                vectors[np.fromiter(texts, dtype=np.int64, count=len(texts))] = self.embedder.encode(list(texts.values()))
            return vectors

        return vectors_of

    def cells(self, nodes: Nodes, group: np.ndarray, reference: Reference, batch: int = 65_536) -> np.ndarray:
        """The fine cell of every node in the reference topic space, a batch of nodes at a time.

        A node's topic text is embedded only when no earlier text with the same words was placed
        (:attr:`placed`), and a static model embeds it from its words' own tokens, without writing
        it out (:class:`embedder.encode.WordPieces`). A node that keeps all its words keeps its
        prompt's vector.
        """
        cells = np.empty(len(nodes), dtype=np.int32)
        if self.separate or not self.options.topic_words_only:
            vectors_of = self.of(nodes, group)
            for start in range(0, len(nodes), batch):
                part = np.arange(start, min(len(nodes), start + batch))
                cells[part] = reference.place(vectors_of(part))
            return cells
        key = placement(reference, self.embedder)
        if self.placed.placement != key:
            self.placed.reset(key)  # texts placed in another topic space tell nothing here
        words = TopicWords(self.day.tokens, group, nodes.uid, options=self.options)
        pieces = self._pieces
        for start in range(0, len(nodes), batch):
            part = np.arange(start, min(len(nodes), start + batch))
            changed, keys, tokens, bounds = words.keys(part)
            known = self.placed.find(keys)
            new = np.flatnonzero(known < 0)
            # Keys repeat within a batch too: each new text is embedded once.
            fresh, first, back = np.unique(keys[new], return_index=True, return_inverse=True)
            if len(new):
                texts = new[first]
                if pieces is not None:  # its words' own tokens: the vectors encode() gives, without the texts
                    lengths = np.diff(bounds)[texts]
                    vectors = pieces.vectors(tokens[ranges(bounds[texts], lengths)],
                                             np.concatenate([[0], np.cumsum(lengths)]))
                else:
                    rendered = words.texts(part[changed[texts]])
                    vectors = self.embedder.encode([rendered[i] for i in range(len(texts))])
                placed_new = reference.place(vectors)
                self.placed.add(fresh, placed_new)
                known[new] = placed_new[back.ravel()]
            plain = np.ones(len(part), dtype=bool)
            plain[changed] = False
            cells[part[changed]] = known
            cells[part[plain]] = reference.place(self.day.vectors[nodes.uid[part[plain]]])
        return cells


def day_reference(topics: TopicVectors, nodes: Nodes, group: np.ndarray, *, options: TopicOptions,
                  seed: int) -> Reference:
    """A reference fitted on the day itself, every account taken as ordinary (``scoring.reference: day``).

    For an embedder the shipped reference was not made with; its numbers are relative to the
    day, so they move when the rest of the day does. Trained on a fixed-seed sample of nodes.
    """
    n = len(nodes)
    sample = np.arange(n)
    if n > options.sample_max:
        sample = np.sort(np.random.default_rng(seed).choice(n, size=options.sample_max, replace=False))
    n_coarse = int(max(2, min(options.n_coarse, len(sample) // (options.n_fine * options.min_points_per_cell))))
    return fit_reference(topics.of(nodes, group)(sample), benign=np.ones(len(sample), dtype=bool),
                         account=nodes.account[sample], probes=topics.embedder.encode(list(PROBE_WORDS)),
                         model=topics.embedder.identity, n_coarse=n_coarse, n_fine=options.n_fine, seed=seed,
                         fitted_on="the day itself")
