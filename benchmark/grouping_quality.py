"""How well a predicted grouping of prompts recovers their true templates.

A grouping is one integer per prompt: its group, or -1 when the method left it
alone. Only groups of at least ``min_size`` prompts count (the daily job's
template size), smaller ones are treated as ungrouped, so every method is judged
by the same rule whatever its own notion of a group.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def kept_groups(pred: np.ndarray, *, min_size: int = 3) -> np.ndarray:
    """``pred`` with groups smaller than ``min_size`` (and negative ids) set to -1, ids renumbered 0..g-1."""
    pred = np.asarray(pred, dtype=np.int64)
    out = np.full(len(pred), -1, np.int64)
    grouped = pred >= 0
    if grouped.any():
        ids, inverse, counts = np.unique(pred[grouped], return_inverse=True, return_counts=True)
        big = counts >= min_size
        renumber = np.where(big, np.cumsum(big) - 1, -1)
        out[grouped] = renumber[inverse]
    return out


def grouping_quality(pred: np.ndarray, truth: np.ndarray, *, min_size: int = 3) -> dict[str, float]:
    """Quality of a grouping against true template labels.

    Args:
        pred: per prompt, its predicted group (-1: none).
        truth: per prompt, its true template (any hashable labels).
        min_size: smallest group that counts.

    Returns:
        ``groups``: number of groups of >= ``min_size`` prompts;
        ``coverage``: share of prompts in such a group, in [0, 1];
        ``purity``: over grouped prompts, the share whose group's majority template is
        their own (size-weighted mean purity of the groups), in [0, 1] (nan with no group);
        ``recovery``: share of all prompts in a group whose majority template is their own,
        in [0, 1] (= coverage x purity);
        ``ari``, ``nmi``: adjusted Rand index and normalised mutual information against
        ``truth``, ungrouped prompts counted as singletons (so leaving everything
        alone scores ~0, not a bonus for one big "ungrouped" cluster).
    """
    group = kept_groups(pred, min_size=min_size)
    _, label = np.unique(np.asarray(truth).astype(str), return_inverse=True)
    n = len(group)
    grouped = group >= 0
    correct = 0
    if grouped.any():
        pair = group[grouped] * (label.max() + 1) + label[grouped]
        _, pair_counts = np.unique(pair, return_counts=True)
        pair_group = np.unique(pair) // (label.max() + 1)
        majority = np.zeros(group.max() + 1, np.int64)
        np.maximum.at(majority, pair_group, pair_counts)
        correct = int(majority.sum())
    singletons = np.where(grouped, group, group.max(initial=-1) + 1 + np.arange(n))
    return {
        "groups": int(group.max(initial=-1) + 1),
        "coverage": float(grouped.mean()) if n else 0.0,
        "purity": correct / int(grouped.sum()) if grouped.any() else float("nan"),
        "recovery": correct / n if n else 0.0,
        "ari": float(adjusted_rand_score(label, singletons)),
        "nmi": float(normalized_mutual_info_score(label, singletons)),
    }
