"""The topic stage: each node's topic vector (its topic words embedded) and its cell in the reference.

Topic vectors are made a batch at a time and never held for the whole day. The
campaign stage places its pooled prompts through the same :class:`TopicVectors`,
since a campaign's template wording only shows in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedder import Embedder
from job.ingest import Day
from scoring.nodes import Nodes
from scoring.options import TopicOptions
from scoring.reference import PROBE_WORDS, Reference, fit_reference
from scoring.topic_text import TopicWords


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
    """

    day: Day
    embedder: Embedder
    separate: bool
    options: TopicOptions

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
        """The fine cell of every node in the reference topic space, a batch of nodes at a time."""
        vectors_of = self.of(nodes, group)
        cells = np.empty(len(nodes), dtype=np.int32)
        for start in range(0, len(nodes), batch):
            part = np.arange(start, min(len(nodes), start + batch))
            cells[part] = reference.place(vectors_of(part))
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
