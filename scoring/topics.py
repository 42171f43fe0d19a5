"""The topic codebook: k-means cells over prompt vectors, and each prompt's cell.

A cell is a region of embedding space; an account's spread over cells is what the
coverage signal measures. The codebook is trained on the day (spherical faiss
k-means on a fixed-seed sample), or loaded from a saved reference so that cells
mean the same thing from day to day.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

from files.atomic import atomic_path
from scoring.options import TopicOptions


def choose_n_cells(n_vectors: int, options: TopicOptions) -> int:
    """The number of cells to train: ``options.n_cells``, fewer when the day is too small.

    k-means needs a few dozen points per centroid to place it; a day with fewer
    distinct prompts gets ``n_vectors // min_points_per_cell`` cells (at least 2).
    """
    return int(max(2, min(options.n_cells, n_vectors // max(1, options.min_points_per_cell))))


def train_codebook(vectors: np.ndarray, *, n_cells: int, options: TopicOptions, seed: int) -> np.ndarray:
    """Spherical k-means centroids over unit-norm ``vectors``.

    Args:
        vectors: (n, d) float32 unit-norm prompt vectors, each distinct prompt once.
        n_cells: number of cells (see :func:`choose_n_cells`).
        options: ``n_iter`` k-means iterations, trained on at most ``sample_max`` vectors
            (a fixed-seed sample).
        seed: seed of the sample and of k-means initialisation.

    Returns:
        (n_cells, d) float32 unit-norm centroids.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n_iter, sample_max = options.n_iter, options.sample_max
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


def save_codebook(centroids: np.ndarray, path: str | os.PathLike, *, model: dict) -> Path:
    """Write centroids (``.npy``) and the embedder identity beside them (``.json``), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, np.asarray(centroids, dtype=np.float32))
    with atomic_path(path.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps({"model": model, "n_cells": len(centroids)}, indent=2))
    return path


def load_codebook(path: str | os.PathLike, *, model: dict | None = None) -> np.ndarray:
    """Read a saved codebook; refuse one made by a different embedder than ``model``."""
    path = Path(path)
    try:
        centroids = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: not a readable codebook (.npy of centroids): {err}") from None
    if centroids.ndim != 2 or not np.isfinite(centroids).all():
        raise ValueError(f"{path}: a codebook must be a finite 2-d array, got shape {centroids.shape}")
    meta = path.with_suffix(".json")
    if model is not None and meta.is_file():
        saved = json.loads(meta.read_text()).get("model", {})
        if saved.get("weights_sha256") != model.get("weights_sha256"):
            raise ValueError(
                f"{path}: codebook was made with embedder {saved.get('name')!r} "
                f"({saved.get('weights_sha256')}), not the configured {model.get('name')!r}"
            )
    return centroids.astype(np.float32)
