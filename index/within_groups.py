"""Nearest neighbours restricted to a group (an account's own prompts).

Small groups are searched exactly with one matrix product each; a group larger
than ``exact_max`` gets its own faiss index (same factory rules as the day's
index), so the cost stays near-linear in the number of prompts rather than
quadratic in the largest account.
"""

from __future__ import annotations

import numpy as np

from index.neighbours import build_index, drop_own, search
from index.options import IndexOptions


def knn_within_groups(
    vectors: np.ndarray,
    rows: np.ndarray,
    groups: np.ndarray,
    *,
    options: IndexOptions,
    queries: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbour pairs among the members of each group.

    Args:
        vectors: (n_vectors, d) unit-norm vectors.
        rows: for each member, its row in ``vectors`` (members may share a row).
        groups: for each member, its group code; members must be sorted by group.
        options: ``within_account_k`` neighbours per member (fewer in small groups); groups up to
            ``exact_max`` members are searched exactly, larger ones through their own index.
        queries: optional boolean per member: only these look for neighbours (among all
            members of their group); groups without a query are skipped. Default: all.

    Returns:
        (source, target, similarity): member positions and cosine, one entry per pair found.
    """
    if len(groups) and np.any(np.diff(groups) < 0):
        raise ValueError("members must be sorted by group")
    bounds = np.flatnonzero(np.diff(groups)) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64)
    stops = np.concatenate([bounds, [len(groups)]]).astype(np.int64)
    src, dst, sim = [], [], []
    asking = np.ones(len(groups), dtype=bool) if queries is None else np.asarray(queries, dtype=bool)
    for start, stop in zip(starts, stops):
        size = stop - start
        ask = np.flatnonzero(asking[start:stop])
        if size < 2 or not len(ask):
            continue
        x = np.ascontiguousarray(vectors[rows[start:stop]], dtype=np.float32)
        kk = min(options.within_account_k, size - 1)
        if size <= options.exact_max:
            s, j = _exact_knn(x, ask, kk)
        else:
            index = build_index(x, options=options)
            s, j = drop_own(*search(index, x[ask], k=kk + 1), ask)
        valid = j >= 0
        src.append(np.repeat(ask, kk)[valid.ravel()] + start)
        dst.append(j[valid] + start)
        sim.append(s[valid])
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(src), np.concatenate(dst), np.concatenate(sim).astype(np.float32)


def _exact_knn(x: np.ndarray, ask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other rows of ``x`` for each row in ``ask``, best first (ties by id)."""
    gram = x[ask] @ x.T
    gram[np.arange(len(ask)), ask] = -np.inf
    part = np.argpartition(-gram, k - 1, axis=1)[:, :k]
    sims = np.take_along_axis(gram, part, axis=1)
    order = np.lexsort((part, -sims), axis=1)  # best first; ties by id, for determinism
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(part, order, axis=1)
