"""Vectors on disk: the same rows back, and the same neighbours as from the in-memory array."""

import numpy as np
import pytest

from index.neighbours import build_index, exact_knn, recall_at_k, self_knn
from index.options import IndexOptions
from index.vector_file import VectorFile


def unit(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def stored():
    x = unit(3000)
    order = np.random.default_rng(1).permutation(len(x))
    # A tiny residency budget: pages are dropped after every few rows, which must not lose writes.
    vf = VectorFile(len(x), x.shape[1], resident_max_bytes=8192)
    vf.write(order, x[order])
    yield x, vf
    vf.close()


def test_rows_come_back_by_gather_slice_blocks_and_single_row(stored):
    x, vf = stored
    rows = np.random.default_rng(2).integers(0, len(x), 500)
    np.testing.assert_array_equal(vf[rows], x[rows])
    np.testing.assert_array_equal(vf[100:900], x[100:900])
    np.testing.assert_array_equal(vf[::7], x[::7])
    np.testing.assert_array_equal(vf[17], x[17])
    np.testing.assert_array_equal(np.concatenate([b for _, b in vf.blocks(rows=999)]), x)
    assert vf.shape == x.shape and len(vf) == len(x) and vf[rows[:0]].shape == (0, x.shape[1])


def test_reads_outside_the_file_are_refused(stored):
    _, vf = stored
    with pytest.raises(IndexError, match="outside"):
        vf.read(10, len(vf) + 1)
    with pytest.raises(ValueError, match="rows"):
        VectorFile(-1, 4)


@pytest.mark.parametrize("factory", ["Flat", "IVF16,SQ8"])
def test_index_over_a_vector_file_finds_the_same_neighbours(stored, factory):
    x, vf = stored
    sims, ids = self_knn(build_index(x, options=IndexOptions(factory=factory)), x, k=5)
    sims2, ids2 = self_knn(build_index(vf, options=IndexOptions(factory=factory), add_batch=700), vf, k=5,
                           batch_size=1000)
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_array_equal(sims, sims2)


def test_exact_knn_is_the_ground_truth_an_index_is_checked_against(stored):
    x, vf = stored
    sims, ids = self_knn(build_index(x, options=IndexOptions(factory="Flat")), x, k=10)
    rows = np.array([0, 5, 1234, len(x) - 1])
    exact_sims, exact_ids = exact_knn(vf, rows, k=10, block=700)
    np.testing.assert_array_equal(exact_ids, ids[rows])
    np.testing.assert_allclose(exact_sims, sims[rows], rtol=1e-6)
    assert recall_at_k(ids[rows], exact_ids) == 1.0


def test_auto_reranks_fast_scan_codes_above_sq8_max():
    from index.neighbours import resolve_factory

    auto = IndexOptions(factory="auto")
    assert resolve_factory(auto, 1_000_000).endswith(",SQ8")
    assert resolve_factory(auto, 8_000_000, dim=256) == "IVF5656,PQ64x4fs,Refine(SQ8)"
    assert resolve_factory(auto, 8_000_000, dim=100).endswith(",SQ8"), "PQ64 needs dim divisible by 64"
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(40, 64))
    x = (centres[rng.integers(0, 40, 3000)] + 0.35 * rng.normal(size=(3000, 64))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = build_index(x, options=IndexOptions(factory="auto", flat_max=1000, sq8_max=2000))
    _, ids = self_knn(index, x, k=10)
    _, exact = exact_knn(x, np.arange(200), k=10)
    assert recall_at_k(ids[:200], exact) > 0.8
