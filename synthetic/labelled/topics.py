"""Topics of a pool of texts: TF-IDF vectors, k-means clusters, nearest neighbours and a topical order.

Deliberately TF-IDF (scikit-learn), not a neural embedding, so the simulator shares
no model with the detector it evaluates.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

MAX_CLUSTERS = 40


def n_clusters_for(n_texts: int) -> int:
    """About 40 topics for a real pool; fewer for tiny corpora (at least ~25 texts a cluster)."""
    return max(1, min(MAX_CLUSTERS, n_texts // 25))


def tfidf(texts: Sequence[str]) -> sp.csr_matrix:
    """Unit-length TF-IDF rows (sublinear, English stop words); a row of a text without words is zero."""
    if not texts:
        return sp.csr_matrix((0, 1), dtype=np.float32)
    try:
        return TfidfVectorizer(max_features=20_000, stop_words="english", sublinear_tf=True,
                               dtype=np.float32).fit_transform(texts).tocsr()
    except ValueError:  # every text is stop words or symbols only
        return sp.csr_matrix((len(texts), 1), dtype=np.float32)


def clusters_of(vectors: sp.csr_matrix, *, seed: int, k: int | None = None) -> np.ndarray:
    """Cluster id (0..k-1) of every row: LSA then MiniBatchKMeans (``k`` defaults to :func:`n_clusters_for`).

    The LSA step (TruncatedSVD to at most 100 dimensions, re-normalised) is
    there because k-means straight on sparse TF-IDF seeds on outliers and
    leaves one giant cluster and dozens of singletons.
    """
    n = vectors.shape[0]
    k = min(n, n_clusters_for(n) if k is None else k)
    if k <= 1:
        return np.zeros(n, dtype=int)
    dims = min(100, vectors.shape[1] - 1, n - 1)
    # One BLAS/OpenMP thread: on a small shared machine more threads made this step ~8x slower.
    with threadpool_limits(limits=1):
        points = normalize(TruncatedSVD(dims, n_iter=3, random_state=seed).fit_transform(vectors)) \
            if dims >= 2 else vectors
        return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit_predict(points)


def topic_clusters(texts: Sequence[str], *, seed: int) -> np.ndarray:
    """Cluster id of every text (:func:`tfidf` then :func:`clusters_of`)."""
    return clusters_of(tfidf(texts), seed=seed) if len(texts) else np.zeros(0, dtype=int)


def by_group(texts: Sequence[str], groups: Sequence) -> dict:
    """Texts grouped by key, keys in first-seen order, texts in their original order."""
    grouped: dict = {}
    for text, group in zip(texts, groups):
        grouped.setdefault(group, []).append(text)
    return grouped


def members_of(topic: np.ndarray) -> list[np.ndarray]:
    """Row indices of each non-empty cluster, clusters in id order (k-means can leave one empty)."""
    return [np.flatnonzero(topic == k) for k in np.unique(topic)]


def nearest(vectors: sp.csr_matrix, rows: np.ndarray, seed_row: int) -> np.ndarray:
    """``rows`` ordered by TF-IDF cosine to ``seed_row``, nearest first (ties in row order)."""
    sims = (vectors[rows] @ vectors[seed_row].T).toarray().ravel()
    return rows[np.argsort(-sims, kind="stable")]


def topical_order(texts: Sequence[str], *, seed: int) -> np.ndarray:
    """A permutation of the texts that keeps topics together: by cluster, and within a cluster
    each text followed by its nearest not yet placed (so any contiguous run is one narrow topic)."""
    vectors = tfidf(texts)
    order: list[int] = []
    for rows in members_of(clusters_of(vectors, seed=seed)):
        sims = (vectors[rows] @ vectors[rows].T).toarray()
        left, at = np.ones(len(rows), dtype=bool), 0
        for _ in range(len(rows)):
            left[at] = False
            order.append(int(rows[at]))
            if left.any():
                at = int(np.flatnonzero(left)[np.argmax(sims[at, left])])
    return np.array(order, dtype=int)
