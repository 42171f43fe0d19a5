"""Small array helpers shared by the scoring stages."""

from __future__ import annotations

import numpy as np

MIX = np.uint64(0x9E3779B97F4A7C15)
"""The 64-bit golden-ratio constant that the hashes of token runs, affixes and features multiply by."""


def run_starts(values: np.ndarray) -> np.ndarray:
    """Positions where each run of equal values in a 1-D array starts (the first position, and every
    position whose value differs from the one before); empty for an empty array."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D integer array.

    Same result as ``np.unique(values)``, by sort and neighbour comparison: numpy 2's
    default hash-based ``np.unique`` is ~100x slower on millions of 64-bit keys.
    """
    out = np.sort(values, kind="stable")
    return out[run_starts(out)]


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of a 1-D integer array and how often each occurs (by sort, see ``distinct``)."""
    ordered = np.sort(values, kind="stable")
    starts = run_starts(ordered)
    return ordered[starts], np.diff(np.concatenate([starts, [len(ordered)]]))


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The index runs ``starts[i], ..., starts[i] + lengths[i] - 1``, concatenated (int64).

    How a batch of ragged rows (prompts' tokens, prompts' labels) is gathered from a flat
    array in one fancy-indexing step.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    before = np.cumsum(lengths) - lengths
    out = np.repeat(np.asarray(starts, dtype=np.int64) - before, lengths)
    out += np.arange(len(out))  # in place: one index array of the batch's size, not three
    return out


def occurrences(values: np.ndarray) -> np.ndarray:
    """For each element of a 1-D integer array, how many elements hold the same value (by sort, see ``distinct``)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    starts = run_starts(values[order])
    sizes = np.diff(np.concatenate([starts, [len(values)]]))
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.repeat(sizes, sizes)
    return out


def run_batches(bounds: np.ndarray, batch: int):
    """Consecutive whole runs, about ``batch`` items at a time.

    ``bounds`` are the runs' start positions followed by the end (len runs + 1). Yields
    (first run, end run) index pairs: each batch holds at least one run, and as many more
    as keep it within ``batch`` items, so no run (an account, a group) is ever split.
    """
    lo, n_runs = 0, len(bounds) - 1
    while lo < n_runs:
        hi = min(n_runs, max(lo + 1, int(np.searchsorted(bounds, bounds[lo] + batch, side="right")) - 1))
        yield lo, hi
        lo = hi
