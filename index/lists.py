"""A window's neighbour lists without searching the whole window again.

Each day searches only its own prompts, against every prompt of its window, for their
:data:`DEPTH` × k nearest, and keeps what it found. A window's neighbour graph is then every stored
search (each prompt's latest) and today's, taken both ways: a prompt sent on an earlier day keeps
the neighbours it was found with and gains every later prompt that found it; each prompt keeps its
``k`` most similar. A day's own prompts get what one search of the whole window gives them. An
earlier prompt misses a later one that lies among its k nearest while it is not among the later
one's ``DEPTH × k``, and keeps a weaker neighbour of its own instead. The cost of a day is its own
prompts' searches, however long the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEPTH = 3
"""A day searches its prompts for this many times k neighbours: the deeper, the more earlier
prompts find the later ones among their nearest (recall@10 of a three-day window of clustered
vectors, against one search of it: 0.83 at 1, 0.93 at 3, 0.97 at 5)."""


@dataclass(frozen=True)
class Lists:
    """Neighbour lists of some prompts of a window.

    Attributes:
        rows: (m,) the prompts' window ids.
        ids: (m, k) their neighbours' window ids, -1 where none (or no longer in the window).
        sims: (m, k) float32 cosine similarities (-inf where none).
    """

    rows: np.ndarray
    ids: np.ndarray
    sims: np.ndarray

    @classmethod
    def none(cls) -> "Lists":
        """No prompt's lists: every prompt is searched."""
        return cls(rows=np.zeros(0, dtype=np.int64), ids=np.zeros((0, 0), dtype=np.int64),
                   sims=np.zeros((0, 0), dtype=np.float32))


def merge_lists(n: int, lists: list[Lists], *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) similarities and ids of every prompt of a window from the searches in ``lists``.

    Each pair found by any search counts for both its prompts (at the higher similarity when
    found twice); each prompt keeps its ``k`` best in :func:`~index.neighbours.canonical_order`,
    -1 after the last. A prompt that no search found and that searched nothing has no neighbour.
    """
    # A search's own row needs only its k best found (they beat the rest of it). The prompts it found
    # take it back only where it would make their k best: at least as similar as their own k-th.
    own, kth = [], np.full(n, -np.inf, dtype=np.float32)
    for part in lists:
        valid = part.ids >= 0
        mine = valid & (np.cumsum(valid, axis=1) <= k)
        own.append(mine)
        full = np.flatnonzero(mine.sum(axis=1) == k)
        if len(full):
            last = k - 1 - np.argmax(mine[full][:, ::-1], axis=1) + (mine.shape[1] - k)
            np.maximum.at(kth, part.rows[full], part.sims[full, last])
    src, dst, sim = [], [], []
    for part, mine in zip(lists, own):
        width = part.ids.shape[1]
        rows = np.repeat(part.rows.astype(np.int32), width)
        found = part.ids.ravel().astype(np.int32)
        sims = part.sims.ravel()
        back = (found >= 0) & (sims >= kth[np.maximum(found, 0)])
        src += [rows[mine.ravel()], found[back]]
        dst += [found[mine.ravel()], rows[back]]
        sim += [sims[mine.ravel()], sims[back]]
        del rows, found, sims, back
    src, dst, sim = (np.concatenate(x) if x else np.zeros(0, dtype=t) for x, t in
                     ((src, np.int32), (dst, np.int32), (sim, np.float32)))
    keep = src != dst
    src, dst, sim = src[keep], dst[keep], sim[keep]
    # Each pair once, at its highest similarity: sorted by pair, so by prompt and then neighbour id.
    pair = src.astype(np.int64) * n + dst
    order = np.argsort(pair, kind="stable")
    src, dst, sim = src[order], dst[order], sim[order]
    starts = np.flatnonzero(np.diff(pair[order], prepend=-1))  # pairs are >= 0
    del pair, order
    sim = np.maximum.reduceat(sim, starts) if len(src) else sim
    src, dst = src[starts], dst[starts]
    # Best first within each prompt; equal similarities keep the ascending ids they are in.
    order = np.argsort(_prompt_then_similarity(src, sim, n), kind="stable")
    src, dst, sim = src[order], dst[order], sim[order]
    first = np.searchsorted(src, np.arange(n))
    rank = np.arange(len(src)) - first[src]
    take = rank < k
    ids = np.full((n, k), -1, dtype=np.int64)
    sims = np.full((n, k), -np.inf, dtype=np.float32)
    ids[src[take], rank[take]] = dst[take]
    sims[src[take], rank[take]] = sim[take]
    return sims, ids


def _prompt_then_similarity(src: np.ndarray, sim: np.ndarray, n: int) -> np.ndarray:
    """One sort key: by prompt, then by falling similarity (exactly: float32 similarities stay apart
    in a float64 beside prompt ids below 2²⁴); larger windows get lexsort's ranks instead."""
    if n < 1 << 24:
        return src.astype(np.float64) + (1.0 - sim.astype(np.float64)) / 2.0000001
    rank = np.empty(len(src), dtype=np.int64)
    rank[np.lexsort((-sim, src))] = np.arange(len(src))
    return rank
