"""The topic stage: each node's topic vector (its topic words embedded), the codebook, and its cell.

Topic vectors are made a batch at a time and never held for the whole day: the
codebook trains on a fixed-seed sample of nodes and the rest are assigned in batches.
The campaign stage places its pooled prompts through the same :class:`TopicVectors`,
since a campaign's template wording only shows in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedder import Embedder
from job.ingest import Day
from scoring.nodes import Nodes
from scoring.options import TopicOptions
from scoring.topic_text import TopicWords
from scoring.topics import assign_cells, choose_n_cells, load_codebook, train_codebook


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

    def cells(self, nodes: Nodes, group: np.ndarray, centroids: np.ndarray) -> np.ndarray:
        """The topic cell of every node under a given codebook."""
        return _assign_in_batches(self.of(nodes, group), np.arange(len(nodes)), centroids,
                                  np.empty(len(nodes), dtype=np.int32))


def topic_cells(topics: TopicVectors, nodes: Nodes, group: np.ndarray, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The codebook (loaded, or trained on a sample of the day's nodes) and every node's cell."""
    options = topics.options
    if options.codebook:
        centroids = load_codebook(options.codebook, model=topics.embedder.identity)
        return centroids, topics.cells(nodes, group, centroids)
    vectors_of = topics.of(nodes, group)
    n = len(nodes)
    cells = np.empty(n, dtype=np.int32)
    k = choose_n_cells(n, options)
    sample = np.arange(n)
    if n > options.sample_max:
        sample = np.sort(np.random.default_rng(seed).choice(n, size=options.sample_max, replace=False))
    sample_vectors = vectors_of(sample)
    centroids = train_codebook(sample_vectors, n_cells=k, options=options, seed=seed)
    cells[sample] = assign_cells(sample_vectors, centroids)
    del sample_vectors
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    return centroids, _assign_in_batches(vectors_of, rest, centroids, cells)


def _assign_in_batches(vectors_of, positions: np.ndarray, centroids: np.ndarray, cells: np.ndarray,
                       batch: int = 65_536) -> np.ndarray:
    for start in range(0, len(positions), batch):
        part = positions[start : start + batch]
        cells[part] = assign_cells(vectors_of(part), centroids)
    return cells
