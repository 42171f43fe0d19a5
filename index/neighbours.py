"""Nearest neighbours of the day's prompt vectors, through a faiss index.

Vectors are unit-norm, so inner product is cosine similarity. The index type is a
faiss factory string (``conf/index/``); ``"auto"`` picks exact search for small
days and an IVF index with 8-bit scalar quantisation for large ones.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import faiss
import numpy as np

from traffic.atomic import atomic_path

AUTO = "auto"


def resolve_factory(factory: str, n_vectors: int, *, flat_max: int = 50_000) -> str:
    """The concrete faiss factory string for ``n_vectors`` vectors.

    ``"auto"`` is ``"Flat"`` (exact) up to ``flat_max`` vectors, where exact search
    still costs seconds, and ``"IVF{nlist},SQ8"`` above it with ``nlist ≈ 4·√n``,
    the usual faiss rule of thumb. Any other string is returned unchanged.
    """
    if factory != AUTO:
        return factory
    if n_vectors <= flat_max:
        return "Flat"
    nlist = int(4 * math.sqrt(n_vectors))
    return f"IVF{nlist},SQ8"


def build_index(
    vectors: np.ndarray,
    *,
    factory: str = AUTO,
    flat_max: int = 50_000,
    nprobe: int = 16,
    ef_search: int = 64,
    train_max: int = 200_000,
    train_iterations: int = 10,
    seed: int = 0,
) -> faiss.Index:
    """Build an inner-product faiss index over unit-norm ``vectors``.

    Args:
        vectors: (n, d) float32, unit L2 norm.
        factory: faiss factory string (e.g. ``"Flat"``, ``"HNSW32,Flat"``,
            ``"IVF1024,SQ8"``) or ``"auto"`` (see :func:`resolve_factory`).
        flat_max: largest day searched exactly under ``"auto"``.
        nprobe: IVF cells visited per query (recall/speed trade-off).
        ef_search: HNSW search breadth.
        train_max: at most this many vectors (a fixed-seed sample) train IVF/PQ.
        train_iterations: k-means iterations of IVF training. faiss defaults to 25; on a
            1M-prompt day 10 keep the same recall@10 (0.959 vs exact search) at 3.5x less training.
        seed: seed of that sample and of the k-means inside training.

    Returns:
        A trained index holding all vectors, ids 0..n-1 in input order.
    """
    x = _as_float32(vectors)
    n, d = x.shape
    spec = resolve_factory(factory, n, flat_max=flat_max)
    try:
        index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as err:
        raise ValueError(f"index.factory={spec!r} is not a valid faiss factory string: {err}") from None
    if not index.is_trained:
        sample = x
        if n > train_max:
            pick = np.random.default_rng(seed).choice(n, size=train_max, replace=False)
            sample = x[np.sort(pick)]
        _seed_clustering(index, seed, iterations=train_iterations)
        index.train(sample)
    index.add(x)
    set_search_params(index, nprobe=nprobe, ef_search=ef_search)
    return index


def set_search_params(index: faiss.Index, *, nprobe: int, ef_search: int) -> None:
    """Apply the search-time knobs that exist on this index type."""
    ivf = _find_ivf(index)
    if ivf is not None:
        ivf.nprobe = nprobe
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = ef_search


def search(
    index: faiss.Index, queries: np.ndarray, *, k: int, batch_size: int = 16_384
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours of each query, in batches to bound memory.

    Returns:
        (similarities, ids): both (n_queries, k); similarity is cosine in [-1, 1],
        best first; ids are -1 (similarity -inf) where fewer than k exist.
    """
    q = _as_float32(queries)
    k = max(1, min(k, index.ntotal))
    sims = np.empty((len(q), k), dtype=np.float32)
    ids = np.empty((len(q), k), dtype=np.int64)
    for start in range(0, len(q), batch_size):
        stop = start + batch_size
        sims[start:stop], ids[start:stop] = index.search(q[start:stop], k)
    return sims, ids


def self_knn(
    index: faiss.Index, vectors: np.ndarray, *, k: int, batch_size: int = 16_384
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest *other* vectors of each indexed vector (itself removed).

    ``vectors`` must be the indexed vectors in id order. Exact duplicates of a
    vector are kept as neighbours; only the query's own id is dropped.
    """
    sims, ids = search(index, vectors, k=k + 1, batch_size=batch_size)
    own = ids == np.arange(len(ids))[:, None]
    # Put the query itself (or, when the ANN missed it, the worst hit) last, then cut.
    drop = np.where(own.any(axis=1), own.argmax(axis=1), ids.shape[1] - 1)
    keep = np.ones_like(own)
    keep[np.arange(len(ids)), drop] = False
    width = ids.shape[1] - 1
    return sims[keep].reshape(-1, width), ids[keep].reshape(-1, width)


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray) -> float:
    """Mean fraction of each row's exact k neighbours that the approximate row found (0..1)."""
    if approx_ids.shape[0] != exact_ids.shape[0]:
        raise ValueError("approx_ids and exact_ids must have the same number of rows")
    hits = [len(np.intersect1d(a[a >= 0], e[e >= 0])) / max(1, (e >= 0).sum())
            for a, e in zip(approx_ids, exact_ids)]
    return float(np.mean(hits)) if hits else 1.0


def save_index(index: faiss.Index, path: str | os.PathLike) -> Path:
    """Write the index atomically (temp file + rename) and return its path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        faiss.write_index(index, str(tmp))
    return path


def load_index(path: str | os.PathLike, *, nprobe: int = 16, ef_search: int = 64) -> faiss.Index:
    """Read an index written by :func:`save_index`; a missing or corrupt file raises ValueError."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no index file there")
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "unreadable"
        raise ValueError(f"{path}: not a readable faiss index ({first}); rebuild it") from None
    set_search_params(index, nprobe=nprobe, ef_search=ef_search)
    return index


def _as_float32(vectors: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {x.shape}")
    return x


def _find_ivf(index: faiss.Index):
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _seed_clustering(index: faiss.Index, seed: int, *, iterations: int) -> None:
    # faiss seeds its training k-means with a fixed default; make it follow ours.
    ivf = _find_ivf(index)
    if ivf is not None:
        ivf.cp.seed = seed
        ivf.cp.niter = iterations
