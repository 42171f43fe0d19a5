"""Nearest neighbours of the day's prompt vectors, through a faiss index.

Vectors are unit-norm, so inner product is cosine similarity. The index type is a
faiss factory string (``conf/index/``); ``"auto"`` picks exact search for small
days, an IVF index with 8-bit scalar quantisation for large ones, and for the
largest 4-bit fast-scan PQ codes re-ranked on 8-bit ones (:func:`resolve_factory`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path

import faiss
import numpy as np

from files.atomic import atomic_path
from index.gpu import place_index, to_cpu
from index.options import IndexOptions

AUTO = "auto"
TIE_MARGIN = 5
"""Candidates searched beyond k, so that prompts tied at the k-th place are chosen by id."""


def resolve_factory(options: IndexOptions, n_vectors: int, *, dim: int | None = None) -> str:
    """The concrete faiss factory string for ``n_vectors`` vectors of dimension ``dim``.

    ``"auto"`` is ``"Flat"`` (exact) up to ``options.flat_max`` vectors, where exact search
    still costs seconds; ``"IVF{nlist},SQ8"`` up to ``options.sq8_max`` with ``nlist ≈ 4·√n``,
    the usual faiss rule of thumb; and above that ``"IVF{2·√n},PQ64x4fs,Refine(SQ8)"``:
    the day's self-search scans ``nprobe·n/nlist`` codes per query, so an SQ8 scan
    grows as n^1.5 (hours at 7M prompts on 2 cores), while 4-bit fast-scan PQ codes
    are scanned several times faster and the best ``k_factor·k`` of them re-ranked on
    SQ8 codes (~290 bytes a vector). PQ64 needs ``dim`` divisible by 64; otherwise SQ8
    stays. Any other string is returned unchanged.
    """
    if options.factory != AUTO:
        return options.factory
    if n_vectors <= options.flat_max:
        return "Flat"
    if n_vectors > options.sq8_max and (dim is None or dim % 64 == 0):
        return f"IVF{int(2 * math.sqrt(n_vectors))},PQ64x4fs,Refine(SQ8)"
    nlist = int(4 * math.sqrt(n_vectors))
    return f"IVF{nlist},SQ8"


def check_factory(options: IndexOptions, *, dim: int) -> None:
    """Refuse, before any work, a factory string faiss cannot build (``auto`` always can).

    Raises:
        ValueError: naming ``index.factory`` and faiss's complaint.
    """
    if options.factory == AUTO:
        return
    try:
        faiss.index_factory(dim, options.factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as err:
        why = str(err).strip().splitlines()[-1].split(": ", 1)[-1] if str(err).strip() else "unknown error"
        raise ValueError(f"index.factory={options.factory!r} is not a faiss factory string faiss can build "
                         f"for {dim}-d vectors ({why}); use index=auto, or a string such as 'IVF1024,SQ8' or "
                         f"'HNSW32,Flat'") from None


def trainable_factory(options: IndexOptions, factory: str, n_vectors: int, *, dim: int | None = None) -> str:
    """``factory``, or the ``auto`` choice where ``factory`` cannot train on ``n_vectors`` vectors
    (an IVF with more lists than vectors, a PQ with more centroids than vectors)."""
    lists = [int(m) for m in re.findall(r"IVF(\d+)", factory)]
    pq_bits = [int(m.group(1) or 8) for m in re.finditer(r"PQ\d+(?:x(\d+))?", factory)]
    needs = max([*lists, *(2 ** b for b in pq_bits), 1])
    if n_vectors >= needs:
        return factory
    return resolve_factory(dataclasses.replace(options, factory=AUTO), n_vectors, dim=dim)


def build_index(
    vectors: np.ndarray,
    *,
    options: IndexOptions,
    seed: int = 0,
    device: str = "auto",
    train_max: int = 200_000,
    train_iterations: int = 10,
    add_batch: int = 65_536,
    trained: faiss.Index | None = None,
) -> faiss.Index:
    """Build an inner-product faiss index over unit-norm ``vectors``.

    Args:
        vectors: (n, d) float32, unit L2 norm: an array, or a :class:`index.vector_file.VectorFile`.
        options: the factory (resolved by :func:`resolve_factory`) and its search knobs.
        seed: seed of the training sample and of the k-means inside training.
        device: ``auto`` (a GPU where the installed faiss has GPU support and sees one, else the
            CPU), ``cpu``, ``cuda`` or ``cuda:N``; built on the CPU, then placed (:mod:`index.gpu`).
        train_max: at most this many vectors (a fixed-seed sample) train IVF/PQ.
        train_iterations: k-means iterations of IVF training. faiss defaults to 25; on a
            1M-prompt day 10 keep the same recall@10 (0.959 vs exact search) at 3.5x less training.
        add_batch: vectors read and added at a time when ``vectors`` is not an in-memory array.
        trained: an empty trained index to fill (a copy of it) instead of training one.

    Returns:
        A trained index holding all vectors, ids 0..n-1 in input order.
    """
    # An in-memory array is added in one call; anything else (a VectorFile) a block at a time.
    in_memory = isinstance(vectors, np.ndarray)
    x = _as_float32(vectors) if in_memory else vectors
    if trained is not None:
        index = faiss.clone_index(trained)
    else:
        index = trained_index(x, options=options, seed=seed, train_max=train_max, train_iterations=train_iterations)
    if in_memory:
        index.add(x)
    else:
        for start in range(0, len(x), add_batch):
            index.add(_as_float32(x[start : start + add_batch]))
    set_search_params(index, options)
    return place_index(index, device=device)


def trained_index(vectors, *, options: IndexOptions, seed: int = 0, train_max: int = 200_000,
                  train_iterations: int = 10) -> faiss.Index:
    """The empty index :func:`build_index` fills: made from the factory ``options`` resolve to for
    ``vectors`` and trained on them as :func:`build_index` describes. Shards of one day filled from
    copies of it probe the same lists and hold the same codes as one index over the whole day."""
    n, d = vectors.shape
    spec = resolve_factory(options, n, dim=d)
    try:
        index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as err:
        raise ValueError(f"index.factory={spec!r} is not a valid faiss factory string: {err}") from None
    if not index.is_trained:
        if n > train_max:
            pick = np.random.default_rng(seed).choice(n, size=train_max, replace=False)
            sample = vectors[np.sort(pick)]
        else:
            sample = vectors[0:n]
        _seed_clustering(index, seed, iterations=train_iterations)
        index.train(_as_float32(sample))
    return index


@dataclasses.dataclass(frozen=True)
class Trained:
    """An empty index trained for some vectors, and the factory string it was made from."""

    factory: str
    index: faiss.Index

    def serves(self, factory: str) -> bool:
        """Whether this index may hold vectors that ``factory`` was resolved for: the same index with,
        if it is an IVF, between half and twice the lists (the ``auto`` lists grow as √n, so a
        day-to-day change in the prompts of a history window keeps its trained index)."""
        mine, theirs = (re.fullmatch(r"IVF(\d+)(,.*)", f) for f in (self.factory, factory))
        if mine is None or theirs is None:
            return self.factory == factory
        return mine.group(2) == theirs.group(2) and 0.5 <= int(mine.group(1)) / int(theirs.group(1)) <= 2.0


def set_search_params(index: faiss.Index, options: IndexOptions) -> None:
    """Apply the search-time knobs of ``options`` that exist on this index type.

    ``refine_k_factor``: a re-ranking index (``...,Refine(...)``) re-ranks this many
    times k candidates of its base index. On a 1M-prompt day with PQ64x4fs codes,
    recall@10 was 0.796 at 4, 0.921 at 16 and 0.944 at 32.
    """
    ivf = _find_ivf(index)
    if ivf is not None:
        ivf.nprobe = options.nprobe
    if isinstance(faiss.downcast_index(index), faiss.IndexRefine):
        faiss.downcast_index(index).k_factor = options.refine_k_factor
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = options.ef_search


def search(
    index: faiss.Index, queries: np.ndarray, *, k: int, batch_size: int = 16_384
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours of each query, in batches to bound memory.

    Returns:
        (similarities, ids): both (n_queries, k); similarity is cosine in [-1, 1],
        best first; ids are -1 (similarity -inf) where fewer than k exist.
    """
    if getattr(queries, "ndim", 2) != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {np.shape(queries)}")
    k = max(1, min(k, index.ntotal))
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    # Queries are converted a batch at a time: they may be a VectorFile, or not float32.
    for start in range(0, len(queries), batch_size):
        stop = start + batch_size
        sims[start:stop], ids[start:stop] = index.search(_as_float32(queries[start:stop]), k)
    return sims, ids


def self_knn(
    index: faiss.Index, vectors: np.ndarray, *, k: int, batch_size: int = 16_384, progress: bool = False,
    queries: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest *other* vectors of each indexed vector (itself removed).

    ``vectors`` must be the indexed vectors in id order (an array or a
    :class:`index.vector_file.VectorFile`). Exact duplicates of a
    vector are kept as neighbours; only the query's own id is dropped.
    Each row is in :func:`canonical_order`, so equal similarities (a static
    model gives word-for-word reorderings one vector) do not leave the choice
    to the index's scan order. ``progress`` shows a bar over the prompts searched.
    ``queries``: the ids of the vectors to search (the rows of the result, in that order); None, all.
    """
    from tqdm.auto import tqdm

    n = len(vectors)
    rows = None if queries is None else np.asarray(queries, dtype=np.int64)
    m = n if rows is None else len(rows)
    width = max(1, min(k + 1, index.ntotal)) - 1
    sims = np.empty((m, width), dtype=np.float32)
    ids = np.empty((m, width), dtype=np.int64)
    # One batch at a time, so only the (m, k) results are ever held for the whole day.
    with tqdm(total=m, desc="neighbours", unit=" prompts", disable=not progress, dynamic_ncols=True) as bar:
        for start in range(0, m, batch_size):
            stop = min(m, start + batch_size)
            own = np.arange(start, stop) if rows is None else rows[start:stop]
            block = vectors[start:stop] if rows is None else vectors[own]
            s, j = search(index, block, k=k + 1 + TIE_MARGIN, batch_size=batch_size)
            s, j = drop_own(*canonical_order(s, j), own)
            sims[start:stop], ids[start:stop] = s[:, :width], j[:, :width]
            bar.update(stop - start)
    return sims, ids


def canonical_order(sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of search results best first, equal similarities by ascending id (missing ones last).

    The order one exact index would give whatever its scan order, and what the shards of a
    day's index merge to (:mod:`engine.ray_search`)."""
    order = np.lexsort((np.where(ids >= 0, ids, np.iinfo(np.int64).max), -sims))
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


def drop_own(sims: np.ndarray, ids: np.ndarray, own_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Search results of indexed vectors with each query's own id (``own_ids[i]`` for row i) removed.

    Where the ANN missed the query itself, its worst hit goes instead, so every row keeps
    one fewer column than it had.
    """
    own = ids == own_ids[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), ids.shape[1] - 1)
    keep = np.ones_like(own)
    keep[np.arange(len(ids)), drop] = False
    width = ids.shape[1] - 1
    return sims[keep].reshape(-1, width), ids[keep].reshape(-1, width)


def exact_knn(vectors, rows: np.ndarray, *, k: int, block: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """The exact k nearest *other* vectors of ``vectors[rows]``, by brute force over blocks.

    The ground truth for checking an approximate index on a sample of the day: it
    reads ``vectors`` (an array or a :class:`index.vector_file.VectorFile`) once, a
    block at a time, so it costs ``len(rows) × n`` dot products and little memory.

    Returns:
        (similarities, ids): both (len(rows), k), best first; ids -1 where fewer exist.
    """
    rows = np.asarray(rows, dtype=np.int64)
    queries = _as_float32(vectors[rows])
    heap = faiss.ResultHeap(len(rows), k, keep_max=True)
    for start in range(0, len(vectors), block):
        base = _as_float32(vectors[start : start + block])
        flat = faiss.IndexFlatIP(base.shape[1])
        flat.add(base)
        # One more than k per block, so a query's own row can be dropped and k still remain.
        sims, ids = flat.search(queries, min(k + 1, len(base)))
        ids = np.where(ids >= 0, ids + start, -1)
        sims[ids == rows[:, None]] = -np.inf
        heap.add_result(sims, np.where(np.isfinite(sims), ids, -1))
    heap.finalize()
    return heap.D, heap.I


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
        faiss.write_index(to_cpu(index), str(tmp))  # faiss cannot write a GPU index
    return path


def load_index(path: str | os.PathLike, *, options: IndexOptions) -> faiss.Index:
    """Read an index written by :func:`save_index`; a missing or corrupt file raises ValueError."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no index file there")
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "unreadable"
        raise ValueError(f"{path}: not a readable faiss index ({first}); rebuild it") from None
    set_search_params(index, options)
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
