"""Topic cells: spherical k-means centroids over prompt vectors, and each prompt's nearest one.

The building blocks of the reference topic space (:mod:`scoring.reference`).
"""

from __future__ import annotations

import faiss
import numpy as np


def train_codebook(vectors: np.ndarray, *, n_cells: int, n_iter: int, sample_max: int, seed: int) -> np.ndarray:
    """Spherical k-means centroids over unit-norm ``vectors``.

    Args:
        vectors: (n, d) float32 unit-norm prompt vectors, each distinct prompt once.
        n_cells: number of cells.
        n_iter: k-means iterations.
        sample_max: train on at most this many vectors (a fixed-seed sample).
        seed: seed of the sample and of k-means initialisation.

    Returns:
        (n_cells, d) float32 unit-norm centroids.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(x) < n_cells:
        raise ValueError(f"{len(x)} vectors cannot train {n_cells} topic cells")
    if len(x) > sample_max:
        pick = np.sort(np.random.default_rng(seed).choice(len(x), size=sample_max, replace=False))
        x = x[pick]
    kmeans = faiss.Kmeans(
        x.shape[1], n_cells, niter=n_iter, seed=seed, spherical=True,
        max_points_per_centroid=max(256, len(x) // n_cells + 1), verbose=False,
    )
    kmeans.train(x)
    return np.ascontiguousarray(kmeans.centroids, dtype=np.float32)


def assign_cells(vectors: np.ndarray, centroids: np.ndarray, *, batch_size: int = 65_536) -> np.ndarray:
    """Index (int32) of the nearest centroid of each vector, by cosine."""
    if vectors.shape[1] != centroids.shape[1]:
        raise ValueError(
            f"codebook has dimension {centroids.shape[1]} but the vectors have {vectors.shape[1]}: "
            "the codebook was made with another embedder"
        )
    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(np.ascontiguousarray(centroids, dtype=np.float32))
    cells = np.empty(len(vectors), dtype=np.int32)
    for start in range(0, len(vectors), batch_size):
        block = np.ascontiguousarray(vectors[start : start + batch_size], dtype=np.float32)
        cells[start : start + batch_size] = index.search(block, 1)[1][:, 0]
    return cells
