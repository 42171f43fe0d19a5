"""Published extraction-attack detectors, re-implemented on our embeddings and accounts.

Each is a function over one account, testable alone; :func:`baseline_scores` runs them all (higher = worse):

- ``seat``: SEAT (Zhang et al.), share of prompts with a near-duplicate (cosine >= 0.9) in the account.
- ``cap``: CAP-style coverage, distinct k-means clusters touched / min(n_prompts, k).
- ``prada``: PRADA (Juuti et al. 2019), 1 - Shapiro-Wilk W of the distances to earlier prompts.
- ``mmd``: MMD² to benign reference traffic minus its benign 99th percentile (Gretton et al. estimator).
- ``minhash``: share of prompts with a lexical near-duplicate (MinHash-LSH, Jaccard >= 0.5).
- ``volume``: number of prompts.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import faiss
import numpy as np
import pandas as pd
from datasketch import LeanMinHash, MinHash, MinHashLSH
from scipy.stats import shapiro

BASELINE_COLUMNS = ("seat", "cap", "prada", "mmd", "minhash", "volume")
_SCHEME = "affine32"  # datasketch 2.x hashing scheme, named so signatures can be rebuilt into LeanMinHash
MMD_TOO_FEW = -1.0  # mmd of an account with fewer than 2 prompts: far below any benign threshold
_BLOCK = 1 << 22  # entries per distance block, bounding memory on large accounts (16 MiB of float32)


def near_duplicate_rate(x: np.ndarray, *, min_cosine: float = 0.9) -> float:
    """SEAT: share of an account's prompts whose nearest other prompt has cosine >= ``min_cosine``.

    Args:
        x: (n, d) unit-norm vectors of one account; searched exactly, in row blocks.
        min_cosine: similarity at which two prompts count as near-duplicates, in -1..1.

    Returns:
        Share in 0..1; 0 for an account with one prompt.
    """
    n, hits, step = len(x), 0, max(1, _BLOCK // max(len(x), 1))
    for a in range(0, n if n > 1 else 0, step):
        gram = x[a : a + step] @ x.T
        gram[np.arange(len(gram)), np.arange(a, a + len(gram))] = -np.inf  # a prompt is not its own neighbour
        hits += int((gram.max(axis=1) >= min_cosine).sum())
    return hits / n if n > 1 else 0.0


def kmeans_clusters(vectors: np.ndarray, *, n_clusters: int = 64, seed: int = 0) -> np.ndarray:
    """Cluster id (0..k-1, int64) of each of the (n, d) vectors under faiss k-means fitted on them all.

    ``k`` is ``n_clusters``, or n when there are fewer vectors; 20 iterations from ``seed``.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    # min_points_per_centroid=1 silences faiss' "too few points" warning on small days.
    km = faiss.Kmeans(x.shape[1], min(n_clusters, len(x)), niter=20, seed=seed, min_points_per_centroid=1)
    km.train(x)
    return km.index.search(x, 1)[1][:, 0].astype(np.int64)


def cluster_coverage(clusters: np.ndarray, *, n_clusters: int = 64) -> float:
    """CAP-style coverage of one account's (n,) cluster ids: distinct clusters / min(n, n_clusters).

    Returns:
        Coverage in 0..1 (1 = every prompt in a new cluster, or all k clusters touched); 0 if empty.
    """
    return len(np.unique(clusters)) / min(len(clusters), n_clusters) if len(clusters) else 0.0


def prada_score(x: np.ndarray) -> float:
    """PRADA: 1 - Shapiro-Wilk W of each prompt's minimum L2 distance to the account's earlier prompts.

    A person's distances look roughly normal; a synthetic sweep's do not.

    Args:
        x: (n, d) vectors of one account, in time order.

    Returns:
        Score in 0..1 (0 = normal); 0 with fewer than 3 distances or when all are equal (no shape to test).
    """
    n = len(x)
    if n < 4:
        return 0.0
    sq = (x * x).sum(axis=1)
    dist, step = np.empty(n - 1), max(1, _BLOCK // n)
    for a in range(1, n, step):
        b = min(n, a + step)
        d2 = sq[a:b, None] + sq[None, :b] - 2.0 * (x[a:b] @ x[:b].T)
        d2[np.arange(a, b)[:, None] <= np.arange(b)[None, :]] = np.inf  # only earlier prompts count
        nearest = d2.min(axis=1)
        # The expansion's round-off is ~1e-15; below 1e-12 the prompts are identical, not merely close.
        dist[a - 1 : b - 1] = np.sqrt(np.where(nearest < 1e-12, 0.0, nearest))
    if np.ptp(dist) == 0:
        return 0.0
    with warnings.catch_warnings():  # W stays exact beyond 5000 samples; only its p-value (unused) degrades
        warnings.simplefilter("ignore", UserWarning)
        return float(1.0 - shapiro(dist).statistic)


@dataclass(frozen=True)
class MMDReference:
    """Benign reference traffic prepared for MMD scoring and its calibration."""

    sample: np.ndarray  # (m, d) the reference sample Y every account is compared with
    pool: np.ndarray  # (p, d) further benign vectors, disjoint from Y, for calibration
    bandwidth: float  # RBF σ: median pairwise distance within Y
    yy: float  # unbiased mean of k(y, y') over distinct pairs of Y
    max_size: int  # largest account subsample: min(256, p)


def mmd_reference(reference: np.ndarray, *, seed: int = 0, n_sample: int = 1024, n_pool: int = 2048,
                  max_size: int = 256) -> MMDReference:
    """Split (r, d) benign vectors into the sample Y (``n_sample``, at most r/2) and a disjoint calibration pool.

    ``n_pool`` caps the pool; ``max_size`` caps how many of an account's vectors are compared.

    Raises:
        ValueError: with fewer than 4 reference vectors, or when they are all identical.
    """
    if len(reference) < 4:
        raise ValueError(f"reference needs at least 4 benign vectors for MMD, got {len(reference)}")
    perm = np.random.default_rng(seed).permutation(len(reference))
    m = min(n_sample, len(reference) // 2)
    sample = np.asarray(reference[perm[:m]], dtype=np.float32)
    pool = np.asarray(reference[perm[m : m + n_pool]], dtype=np.float32)
    d2 = _sq_dist(sample, sample)
    bandwidth = float(np.sqrt(np.median(d2[np.triu_indices(m, 1)])))
    if bandwidth <= 0:
        raise ValueError("reference vectors are (mostly) identical; the median-distance bandwidth is 0")
    yy = float((np.exp(-d2 / (2 * bandwidth**2)).sum(dtype=np.float64) - m) / (m * (m - 1)))  # k(y, y) = 1
    return MMDReference(sample, pool, bandwidth, yy, min(max_size, len(pool)))


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T), 0.0)


def kernel_to_reference(x: np.ndarray, ref: MMDReference) -> np.ndarray:
    """Mean RBF kernel of each of the (n, d) vectors to ``ref.sample``: (n,) values in 0..1."""
    step, g = max(1, _BLOCK // len(ref.sample)), 2 * ref.bandwidth**2
    parts = [np.exp(-_sq_dist(x[a : a + step], ref.sample) / g).mean(axis=1, dtype=np.float64)
             for a in range(0, len(x), step)]
    return np.concatenate(parts) if parts else np.zeros(0)


def mmd2(x: np.ndarray, ref: MMDReference, *, to_reference: np.ndarray | None = None) -> float:
    """Unbiased MMD² (RBF kernel, σ = ``ref.bandwidth``) between (n, d) vectors ``x`` (n >= 2) and ``ref.sample``.

    ``to_reference`` is :func:`kernel_to_reference` of ``x`` when already computed for the whole day.
    Returns about -0.1..2: 0 = same distribution, slightly negative values are sampling noise.
    """
    n, g = len(x), 2 * ref.bandwidth**2
    xx = (np.exp(-_sq_dist(x, x) / g).sum(dtype=np.float64) - n) / (n * (n - 1))  # k(x, x) = 1
    cross = kernel_to_reference(x, ref) if to_reference is None else to_reference
    return float(xx + ref.yy - 2.0 * cross.mean())


def mmd_thresholds(ref: MMDReference, *, sizes: np.ndarray, quantile: float = 0.99, n_draws: int = 500,
                   seed: int = 0) -> np.ndarray:
    """Benign calibration: the ``quantile`` (0..1) of MMD² over ``n_draws`` random pool subsets of each size.

    Exact on a geometric grid of 60 sizes up to the largest, interpolated linearly in 1/n between them
    (the null spread of MMD² shrinks like 1/n), so the cost does not grow with the number of distinct sizes.

    Returns:
        (len(sizes),) thresholds in MMD² units for ``sizes`` (each in 2..ref.max_size).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if len(sizes) == 0:
        return np.zeros(0)
    grid = np.unique(np.round(np.geomspace(2, sizes.max(), 60)).astype(np.int64))
    g = 2 * ref.bandwidth**2
    k_pool = np.exp(-_sq_dist(ref.pool, ref.pool) / g).astype(np.float32)
    cross = kernel_to_reference(ref.pool, ref)
    rng, at_grid = np.random.default_rng(seed), []
    for n in grid:
        per_perm = len(ref.pool) // n  # disjoint subsets cut from one permutation of the pool
        perms = [rng.permutation(len(ref.pool))[: per_perm * n] for _ in range(-(-n_draws // per_perm))]
        subsets = np.concatenate(perms).reshape(-1, n)[:n_draws]
        values = []
        for chunk in np.array_split(subsets, max(1, len(subsets) * n * n // _BLOCK)):
            within = k_pool[chunk[:, :, None], chunk[:, None, :]].sum(axis=(1, 2), dtype=np.float64) - n
            values.append(within / (n * (n - 1)) + ref.yy - 2.0 * cross[chunk].mean(axis=1))
        at_grid.append(np.quantile(np.concatenate(values), quantile))
    return np.interp(1.0 / sizes, 1.0 / grid[::-1], np.array(at_grid)[::-1])


def lexical_signatures(prompts: list[str], *, num_perm: int = 64) -> np.ndarray:
    """(n, num_perm) uint32 MinHash signatures (datasketch, seed 1) of each prompt's lowercased word 3-shingles.

    A prompt shorter than three words is one shingle of all its words.
    """
    shingles = []
    for prompt in prompts:
        words = re.findall(r"\w+", prompt.lower())
        grams = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)} or {" ".join(words)}
        shingles.append([s.encode("utf-8") for s in grams])
    if not shingles:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return np.stack([m.hashvalues for m in MinHash.generator(shingles, num_perm=num_perm, scheme=_SCHEME)])


def lexical_duplicate_rate(signatures: np.ndarray, *, threshold: float = 0.5) -> float:
    """Share (0..1) of an account's prompts sharing an LSH bucket with another of its prompts at Jaccard >= threshold.

    Args:
        signatures: (n, num_perm) MinHash values of one account (see :func:`lexical_signatures`).
        threshold: LSH threshold and minimum estimated Jaccard similarity, in 0..1.
    """
    n, num_perm = signatures.shape
    if n < 2:
        return 0.0
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=lsh_bands(threshold, num_perm))
    hashes = [LeanMinHash(seed=1, hashvalues=s, scheme=_SCHEME) for s in signatures]
    for i, h in enumerate(hashes):
        lsh.insert(i, h, check_duplication=False)
    hits = 0
    for i, h in enumerate(hashes):
        others = [j for j in lsh.query(h) if j != i]
        if others and (signatures[others] == signatures[i]).mean(axis=1).max() >= threshold:
            hits += 1
    return hits / n


@lru_cache(maxsize=8)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for this threshold, computed once: the search takes ~10 ms."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def baseline_scores(rows: pd.DataFrame, vectors: np.ndarray, *, reference: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Every baseline for every account of a day.

    Args:
        rows: one row per prompt with ``account_id``, ``timestamp`` (float epoch seconds) and ``prompt`` (str).
        vectors: (len(rows), d) unit-norm float32 embeddings aligned with ``rows``.
        reference: (r, d) unit-norm vectors of benign-only reference traffic (MMD calibration).
        seed: seed of k-means, MMD subsampling and calibration.

    Returns:
        One row per account by ``account_id``: ``account_id``, then :data:`BASELINE_COLUMNS` (higher = worse).

    Raises:
        ValueError: on a missing column, misaligned vectors or reference, a bad timestamp, account or prompt.
    """
    timestamps = _validate(rows, vectors, reference)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    codes, accounts = pd.factorize(rows["account_id"], sort=True)
    # Time order within each account; ties keep row order so the result is deterministic.
    order = np.lexsort((np.arange(len(rows)), timestamps, codes))
    members = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(order) else []
    out = {c: np.zeros(len(members)) for c in BASELINE_COLUMNS}
    if members:
        clusters = np.empty(len(x), dtype=np.int64)
        clusters[order] = kmeans_clusters(x[order], seed=seed)  # fitted in time order so row order cannot matter
        signatures = lexical_signatures(rows["prompt"].tolist())
        for a, idx in enumerate(members):
            out["seat"][a] = near_duplicate_rate(x[idx])
            out["cap"][a] = cluster_coverage(clusters[idx])
            out["prada"][a] = prada_score(x[idx].astype(np.float64))  # float64: tiny distances shape the test
            out["minhash"][a] = lexical_duplicate_rate(signatures[idx])
            out["volume"][a] = len(idx)
        out["mmd"] = _mmd_scores(x, members, reference=reference, seed=seed)
    frame = pd.DataFrame({"account_id": np.asarray(accounts), **out})
    return frame.astype({"volume": np.int64})


def _mmd_scores(x: np.ndarray, members: list[np.ndarray], *, reference: np.ndarray, seed: int) -> np.ndarray:
    """Calibrated MMD² of each account (rows ``members[a]`` of ``x``), subsampled to ``ref.max_size``."""
    ref = mmd_reference(np.asarray(reference, dtype=np.float32), seed=seed)
    sizes = np.array([min(len(idx), ref.max_size) for idx in members], dtype=np.int64)
    thresholds = mmd_thresholds(ref, sizes=np.maximum(sizes, 2), seed=seed)
    to_reference = kernel_to_reference(x, ref)  # one pass over the day beats 2,000 small products
    scores = np.full(len(members), MMD_TOO_FEW)
    for a, idx in enumerate(members):
        if len(idx) >= 2:
            pick = idx[np.sort(np.random.default_rng([seed, a]).choice(len(idx), sizes[a], replace=False))]
            scores[a] = mmd2(x[pick], ref, to_reference=to_reference[pick]) - thresholds[a]
    return scores


def _validate(rows: pd.DataFrame, vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Check the inputs line up; return the timestamps as float seconds."""
    missing = [c for c in ("account_id", "timestamp", "prompt") if c not in rows.columns]
    if missing:
        raise ValueError(f"rows: missing required column(s) {missing} (columns found: {list(rows.columns)})")
    if np.ndim(vectors) != 2 or len(vectors) != len(rows) or np.shape(reference)[1:] != np.shape(vectors)[1:]:
        raise ValueError(f"vectors must be (len(rows), d) = ({len(rows)}, d) and reference (r, d); "
                         f"got {np.shape(vectors)} and {np.shape(reference)}")
    ts = pd.to_numeric(rows["timestamp"], errors="coerce").to_numpy(np.float64)
    if not np.isfinite(ts).all():
        bad = np.flatnonzero(~np.isfinite(ts))[:5].tolist()
        raise ValueError(f"rows: timestamp must be finite epoch seconds; bad at row positions {bad}")
    if rows["account_id"].isna().any() or not rows["prompt"].map(lambda p: isinstance(p, str)).all():
        raise ValueError("rows: account_id must be present and prompt must be a string on every row")
    return ts
