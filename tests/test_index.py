"""The faiss index: approximate neighbours against exact ones, persistence, within-account search."""

import numpy as np
import pytest

from index.lists import DEPTH, Lists, merge_lists
from index.neighbours import Trained, build_index, load_index, recall_at_k, resolve_factory, save_index, self_knn
from index.options import IndexOptions
from index.within_groups import knn_within_groups


def clustered(n: int, d: int = 64, n_clusters: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, d))
    x = centres[rng.integers(0, n_clusters, n)] + 0.35 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors():
    return clustered(6000)


@pytest.fixture(scope="module")
def exact(vectors):
    return self_knn(build_index(vectors, options=IndexOptions(factory="Flat")), vectors, k=10)


def test_auto_is_exact_for_small_days_and_ivf_for_large():
    auto = IndexOptions(factory="auto")
    assert resolve_factory(auto, 10_000) == "Flat"
    assert resolve_factory(auto, 1_000_000).startswith("IVF") and resolve_factory(auto, 1_000_000).endswith(",SQ8")
    assert resolve_factory(IndexOptions(factory="HNSW32,Flat"), 10) == "HNSW32,Flat"


def test_exact_neighbours_match_brute_force(vectors, exact):
    sims, ids = exact
    gram = vectors @ vectors.T
    np.fill_diagonal(gram, -np.inf)
    best = np.sort(gram, axis=1)[:, ::-1][:, :10]
    np.testing.assert_allclose(sims, best, atol=1e-5)
    assert not (ids == np.arange(len(ids))[:, None]).any(), "a vector is never its own neighbour"


@pytest.mark.parametrize("factory,params,floor", [
    ("HNSW32,Flat", {"ef_search": 64}, 0.9),
    ("IVF64,SQ8", {"nprobe": 8}, 0.9),
    ("IVF64,Flat", {"nprobe": 16}, 0.95),
])
def test_approximate_indexes_recall_exact_neighbours(vectors, exact, factory, params, floor):
    index = build_index(vectors, options=IndexOptions(factory=factory, **params))
    _, ids = self_knn(index, vectors, k=10)
    assert recall_at_k(ids, exact[1]) >= floor


def test_more_probes_recall_more(vectors, exact):
    def recall(nprobe: int) -> float:
        index = build_index(vectors, options=IndexOptions(factory="IVF64,SQ8", nprobe=nprobe))
        return recall_at_k(self_knn(index, vectors, k=10)[1], exact[1])

    low = recall(1)
    high = recall(16)
    assert high > low


def test_searching_some_prompts_gives_their_rows_of_the_whole_search(vectors, exact):
    index = build_index(vectors, options=IndexOptions(factory="Flat"))
    some = np.sort(np.random.default_rng(3).choice(len(vectors), 500, replace=False))
    sims, ids = self_knn(index, vectors, k=10, queries=some)
    assert np.array_equal(ids, exact[1][some]) and np.allclose(sims, exact[0][some])


def test_a_windows_lists_made_from_each_days_search_find_what_one_search_finds(vectors, exact):
    # Three days in a row; each searches its own prompts among itself and the days before (as a
    # history window does), and the window's lists are made from the three searches.
    n = len(vectors)
    day = np.arange(n) * 3 // n
    searches = []
    for d in range(3):
        seen = np.flatnonzero(day <= d)
        rows = np.flatnonzero(day == d)
        sims, ids = self_knn(build_index(vectors[seen], options=IndexOptions(factory="Flat")), vectors[seen],
                             k=DEPTH * 10, queries=np.searchsorted(seen, rows))
        searches.append(Lists(rows=rows, ids=np.where(ids >= 0, seen[ids], -1), sims=sims))
    sims, ids = merge_lists(n, searches, k=10)
    last = day == 2
    assert np.array_equal(ids[last], exact[1][last]), "the last day searched the whole window"
    assert recall_at_k(ids, exact[1]) > 0.9
    assert not (ids == np.arange(n)[:, None]).any()
    assert all(len(set(row)) == len(row) for row in ids.tolist())
    assert (np.diff(sims, axis=1) <= 0).all(), "best first"


def test_a_trained_index_serves_a_window_of_about_its_size():
    trained = Trained("IVF400,SQ8", index=None)
    assert trained.serves("IVF400,SQ8") and trained.serves("IVF700,SQ8") and trained.serves("IVF200,SQ8")
    assert not trained.serves("IVF900,SQ8") and not trained.serves("IVF400,PQ32x4fs") and not trained.serves("Flat")
    assert Trained("Flat", index=None).serves("Flat")


def test_invalid_factory_is_refused_with_the_key_named(vectors):
    with pytest.raises(ValueError, match="index.factory"):
        build_index(vectors, options=IndexOptions(factory="NotAnIndex42"))


def test_saved_index_reloads_and_a_corrupt_one_is_refused(tmp_path, vectors):
    index = build_index(vectors[:500], options=IndexOptions(factory="IVF16,SQ8", nprobe=4))
    path = save_index(index, tmp_path / "day.faiss")
    again = load_index(path, options=IndexOptions(nprobe=4))
    assert again.ntotal == 500
    np.testing.assert_array_equal(index.search(vectors[:5], 3)[1], again.search(vectors[:5], 3)[1])
    bad = tmp_path / "corrupt.faiss"
    bad.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="corrupt.faiss.*not a readable faiss index"):
        load_index(bad, options=IndexOptions())
    with pytest.raises(ValueError, match="no index file"):
        load_index(tmp_path / "missing.faiss", options=IndexOptions())


def test_within_group_neighbours_stay_in_their_group(vectors):
    groups = np.repeat(np.arange(30), 200)
    rows = np.arange(6000)
    src, dst, sim = knn_within_groups(vectors, rows, groups,
                                      options=IndexOptions(within_account_k=5, exact_max=100, factory="Flat"))
    assert len(src) == 6000 * 5
    assert (groups[src] == groups[dst]).all()
    assert (src != dst).all()
    # Groups above exact_max go through a faiss index: same answer as the exact path with Flat.
    src2, dst2, _ = knn_within_groups(vectors, rows, groups,
                                     options=IndexOptions(within_account_k=5, exact_max=10_000))
    assert np.mean(dst == dst2) > 0.99


def test_within_group_handles_tiny_groups():
    x = clustered(5, d=8)
    src, dst, _ = knn_within_groups(x, np.arange(5), np.array([0, 1, 1, 2, 2]),
                                  options=IndexOptions(within_account_k=5))
    assert sorted(zip(src.tolist(), dst.tolist())) == [(1, 2), (2, 1), (3, 4), (4, 3)]
