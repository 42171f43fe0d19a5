"""The neighbour self-join on Ray: the day's index cut into shards, one actor each.

The driver trains one empty index on the day's sample exactly as the local engine does
(:func:`index.neighbours.trained_index`), and every shard actor fills a copy of it with a
contiguous range of the day's vectors. The shards share the coarse quantiser and the codes,
so for each query they probe the same lists as one index over the whole day would, and the
merge of their best ``k + 1`` is that index's answer. Each query block goes to every shard;
no process but the driver (which holds the day for the later stages) sees every vector.
"""

from __future__ import annotations

import logging

import faiss
import numpy as np

from index.neighbours import TIE_MARGIN, canonical_order, drop_own, set_search_params, trained_index
from index.options import IndexOptions

log = logging.getLogger(__name__)


class _Shard:
    """One shard of the day's index: a copy of the trained empty index filled with ids ``offset``..."""

    def __init__(self, empty: np.ndarray, options: IndexOptions, offset: int) -> None:
        faiss.omp_set_num_threads(1)  # one CPU per shard actor; faiss would spawn one thread per core
        self.index = faiss.deserialize_index(empty)
        self.options = options
        self.offset = offset

    def add(self, block: np.ndarray) -> int:
        self.index.add(np.ascontiguousarray(block, dtype=np.float32))
        return int(self.index.ntotal)

    def ready(self) -> int:
        set_search_params(self.index, self.options)
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.index.ntotal))
        sims, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return sims, np.where(ids >= 0, ids + self.offset, -1)


def sharded_self_knn(vectors, *, options: IndexOptions, k: int, shards: int, cpus: int, seed: int = 0,
                     batch_size: int = 16_384, add_batch: int = 65_536,
                     in_flight: int = 4, queries: np.ndarray | None = None,
                     trained: faiss.Index | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`index.neighbours.self_knn` over :func:`index.neighbours.build_index` gives, searched
    on ``shards`` Ray actors.

    Args:
        vectors: (n, d) unit-norm float32, an array or a :class:`index.vector_file.VectorFile`.
        options: the index factory and its search knobs.
        k: neighbours of each vector, itself left out.
        shards: actors the index is cut into.
        cpus: the cluster's CPUs (more shards than CPUs share them).
        seed: the training sample's seed (as the local engine's).
        batch_size: queries sent to the shards at a time.
        add_batch: vectors sent to a shard at a time.
        in_flight: query batches searched at once (bounds the results waiting on the driver).
        queries: the ids of the vectors to search (the rows of the result, in that order); None, all.
        trained: the empty trained index the shards fill; None trains one on ``vectors``.
    """
    import ray

    n = len(vectors)
    if trained is None:
        trained = trained_index(vectors, options=options, seed=seed)
    empty = faiss.serialize_index(trained)
    shards = max(1, min(shards, n))
    bounds = np.linspace(0, n, shards + 1).round().astype(np.int64)
    remote = ray.remote(num_cpus=min(1.0, cpus / shards))(_Shard)
    empty_ref = ray.put(empty)
    actors = [remote.remote(empty_ref, options, int(lo)) for lo in bounds[:-1]]
    filling = []
    for actor, lo, hi in zip(actors, bounds[:-1], bounds[1:]):
        for start in range(lo, hi, add_batch):
            filling.append(actor.add.remote(np.asarray(vectors[start : min(hi, start + add_batch)], np.float32)))
    ray.get(filling)
    ray.get([actor.ready.remote() for actor in actors])
    log.info("index %s cut into %d shards on Ray", f"{n:,} vectors", shards)
    width = max(1, min(k + 1, n)) - 1
    wanted = k + 1 + TIE_MARGIN
    rows = np.arange(n) if queries is None else np.asarray(queries, dtype=np.int64)
    sims = np.empty((len(rows), width), dtype=np.float32)
    ids = np.empty((len(rows), width), dtype=np.int64)
    pending: list[tuple[int, int, list]] = []

    def collect(start: int, stop: int, refs: list) -> None:
        parts = ray.get(refs)
        s, j = canonical_order(np.concatenate([p[0] for p in parts], axis=1),
                               np.concatenate([p[1] for p in parts], axis=1))
        s, j = drop_own(s[:, :wanted], j[:, :wanted], rows[start:stop])
        sims[start:stop], ids[start:stop] = s[:, :width], j[:, :width]

    for start in range(0, len(rows), batch_size):
        stop = min(len(rows), start + batch_size)
        part = vectors[start:stop] if queries is None else vectors[rows[start:stop]]
        block = ray.put(np.asarray(part, dtype=np.float32))
        pending.append((start, stop, [actor.search.remote(block, wanted) for actor in actors]))
        if len(pending) >= in_flight:
            collect(*pending.pop(0))
    for item in pending:
        collect(*item)
    for actor in actors:
        ray.kill(actor)
    return sims, ids
