"""Embedding throughput, and how far two embedders agree on each prompt's nearest neighbours."""

from __future__ import annotations

import numpy as np

from index.neighbours import build_index, recall_at_k, self_knn
from index.options import IndexOptions


def neighbour_recall(vectors: np.ndarray, reference: np.ndarray, *, k: int = 10) -> float:
    """Share of each prompt's ``k`` exact nearest neighbours under ``reference`` also found under ``vectors``.

    Both are (n, d) unit-norm arrays of the same prompts in the same order (the
    dimensions may differ); search is exact (``Flat``). In [0, 1].
    """
    if len(vectors) != len(reference):
        raise ValueError(f"the two embeddings have {len(vectors)} and {len(reference)} rows; they must match")
    k = min(k, len(vectors) - 1)
    if k < 1:
        raise ValueError("neighbour recall needs at least 2 prompts")
    ids = [self_knn(build_index(v, options=IndexOptions(factory="Flat")), v, k=k)[1] for v in (vectors, reference)]
    return float(recall_at_k(ids[0], ids[1]))
