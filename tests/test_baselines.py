"""Published baselines on small constructed accounts whose answer is known."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from evaluation.baselines import (
    BASELINE_COLUMNS,
    MMD_TOO_FEW,
    baseline_scores,
    cluster_coverage,
    kmeans_clusters,
    lexical_duplicate_rate,
    lexical_signatures,
    mmd2,
    mmd_reference,
    mmd_thresholds,
    near_duplicate_rate,
    prada_score,
)


def unit(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_seat_repeated_near_duplicates_score_one_and_a_diverse_account_zero():
    rng = np.random.default_rng(0)
    base = unit(rng.normal(size=64))
    repeats = unit(base + 0.02 * rng.normal(size=(10, 64)))
    diverse = np.eye(64)[:10]  # orthogonal prompts: nearest cosine 0
    assert near_duplicate_rate(repeats) == 1.0
    assert near_duplicate_rate(diverse) == 0.0
    assert near_duplicate_rate(np.vstack([diverse, repeats[:2]])) == pytest.approx(2 / 12)
    assert near_duplicate_rate(repeats[:1]) == 0.0, "one prompt has no neighbour"


def test_seat_is_exact_across_blocks(monkeypatch):
    import evaluation.baselines as baselines

    rng = np.random.default_rng(1)
    x = unit(rng.normal(size=(50, 8)))
    whole = near_duplicate_rate(x, min_cosine=0.8)
    monkeypatch.setattr(baselines, "_BLOCK", 60)  # one row per block
    assert near_duplicate_rate(x, min_cosine=0.8) == whole > 0


def clustered(n_per_cluster=20, n_clusters=64, d=128, seed=0):
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(n_clusters, d)))
    x = unit(np.repeat(centres, n_per_cluster, axis=0) + 0.05 * rng.normal(size=(n_clusters * n_per_cluster, d)))
    return x.astype(np.float32), np.repeat(np.arange(n_clusters), n_per_cluster)


def test_cap_a_sweep_over_all_clusters_covers_more_than_a_narrow_account():
    x, truth = clustered()
    clusters = kmeans_clusters(x, n_clusters=64, seed=0)
    sweep = np.flatnonzero(np.r_[True, np.diff(truth) != 0])  # one prompt from every true cluster
    narrow = np.flatnonzero(truth < 2)[:40]
    assert cluster_coverage(clusters[sweep]) > 0.8
    assert cluster_coverage(clusters[narrow]) <= 2 / 40 + 1e-9
    assert cluster_coverage(np.array([3, 7])) == 1.0, "two prompts in two clusters: as spread as possible"


def test_prada_normal_gaps_score_low_and_a_bimodal_sweep_high():
    # Points on a line, each beyond the last: the distance to the earlier prompts is the gap.
    n = 200
    normal_gaps = 1.0 + 0.1 * norm.ppf((np.arange(n - 1) + 0.5) / (n - 1))
    bimodal_gaps = np.where(np.arange(n - 1) % 10 == 0, 5.0, 0.1)

    def line(gaps):
        return np.c_[np.r_[0.0, np.cumsum(gaps)], np.zeros(n)]

    assert prada_score(line(normal_gaps)) < 0.01
    assert prada_score(line(bimodal_gaps)) > 0.3
    assert prada_score(line(normal_gaps)[:3]) == 0.0, "two distances are too few"
    repeated = np.repeat(unit(np.random.default_rng(0).normal(size=(1, 384))), 20, axis=0)
    assert prada_score(repeated) == 0.0, "one prompt repeated: all distances 0, no shape to test (not round-off)"


def test_prada_uses_only_earlier_prompts():
    x = np.array([[0.0], [10.0], [1.0], [11.0], [2.5], [13.0]])
    # Distances to earlier: 10, 1, 1, 1.5, 2 (not to the later neighbour).
    import evaluation.baselines as baselines

    expected = 1 - baselines.shapiro(np.array([10.0, 1.0, 1.0, 1.5, 2.0])).statistic
    assert prada_score(x) == pytest.approx(expected)


def reference_and_shifted(seed=0, d=32):
    rng = np.random.default_rng(seed)
    centre = unit(rng.normal(size=d))
    benign = unit(centre + 0.3 * rng.normal(size=(3000, d)))
    other = unit(rng.normal(size=d))
    shifted = unit(other + 0.3 * rng.normal(size=(60, d)))
    return benign.astype(np.float32), shifted.astype(np.float32), rng


def test_mmd_benign_accounts_fall_below_the_calibrated_threshold_and_a_shifted_one_above():
    benign, shifted, rng = reference_and_shifted()
    reference, fresh = benign[:2000], benign[2000:]
    ref = mmd_reference(reference, seed=0)
    threshold = mmd_thresholds(ref, sizes=np.array([60]), seed=0)[0]
    assert mmd2(reference[:60], ref) - threshold <= 0, "the reference's own vectors"
    assert mmd2(shifted, ref) - threshold > 0
    # Fresh benign accounts exceed the 99th percentile rarely.
    over = [mmd2(fresh[i : i + 60], ref) > threshold for i in range(0, 960, 60)]
    assert sum(over) <= 1


def test_mmd_thresholds_interpolate_smoothly_and_shrink_with_size():
    benign, _, _ = reference_and_shifted()
    ref = mmd_reference(benign, seed=0)
    sizes = np.arange(2, 257)
    t = mmd_thresholds(ref, sizes=sizes, n_draws=300, seed=0)
    assert t.shape == sizes.shape and np.all(np.isfinite(t))
    assert t[0] > t[50] > t[-1] > 0


def test_mmd_reference_refuses_too_little_reference():
    with pytest.raises(ValueError, match="at least 4"):
        mmd_reference(np.eye(3, dtype=np.float32))


def test_minhash_catches_one_word_swaps_but_not_unrelated_prompts():
    prompts = [
        "Write a story about a cat",
        "Write a story about a dog",
        "Explain how photosynthesis works in desert plants",
        "What is the capital of Australia and why was it chosen",
    ]
    assert lexical_duplicate_rate(lexical_signatures(prompts)) == 0.5
    assert lexical_duplicate_rate(lexical_signatures(prompts[2:])) == 0.0
    assert lexical_duplicate_rate(lexical_signatures(["hi", "HI!", "hello there"])) == pytest.approx(2 / 3)
    assert lexical_duplicate_rate(lexical_signatures(prompts[:1])) == 0.0


def day():
    """Four accounts with known answers, rows shuffled; plus a benign reference."""
    benign, shifted, rng = reference_and_shifted()
    templated = [f"Write a story about a {w}" for w in ("cat", "dog", "fox", "owl", "bee", "elk")]
    accounts = {
        "b-repeat": (unit(benign[0] + 0.01 * rng.normal(size=(6, 32))), templated),
        "a-person": (benign[2000:2030], [f"question {i} on topic {i * 7} of mine today" for i in range(30)]),
        "c-shifted": (shifted, [f"sweep prompt number {i} covering subject {i}" for i in range(60)]),
        "d-single": (benign[2100:2101], ["just one"]),
    }
    frames, vecs = [], []
    for name, (v, prompts) in accounts.items():
        frames.append(pd.DataFrame({"account_id": name, "timestamp": 1.7e9 + np.arange(len(v)), "prompt": prompts}))
        vecs.append(np.asarray(v, dtype=np.float32))
    rows, vectors = pd.concat(frames, ignore_index=True), np.vstack(vecs)
    perm = rng.permutation(len(rows))
    return rows.iloc[perm].reset_index(drop=True), vectors[perm], benign[:2000]


def test_baseline_scores_one_row_per_account_in_fixed_column_order():
    rows, vectors, reference = day()
    table = baseline_scores(rows, vectors, reference=reference).set_index("account_id")
    assert list(table.reset_index().columns) == ["account_id", *BASELINE_COLUMNS]
    assert list(table.index) == ["a-person", "b-repeat", "c-shifted", "d-single"]
    assert table["volume"].to_dict() == {"a-person": 30, "b-repeat": 6, "c-shifted": 60, "d-single": 1}
    assert table.loc["b-repeat", "seat"] == 1.0 and table.loc["a-person", "seat"] < 0.5
    assert table.loc["b-repeat", "minhash"] == 1.0
    assert table.loc["c-shifted", "mmd"] > 0 >= table.loc["a-person", "mmd"]
    assert table.loc["d-single", "mmd"] == MMD_TOO_FEW
    assert table.loc["d-single", ["seat", "prada", "minhash"]].tolist() == [0.0, 0.0, 0.0]


def test_row_order_does_not_matter_only_time_order_does():
    rows, vectors, reference = day()
    first = baseline_scores(rows, vectors, reference=reference)
    perm = np.random.default_rng(5).permutation(len(rows))
    again = baseline_scores(rows.iloc[perm].reset_index(drop=True), vectors[perm], reference=reference)
    pd.testing.assert_frame_equal(first, again)


def test_misaligned_inputs_are_refused_with_a_clear_message():
    rows, vectors, reference = day()
    with pytest.raises(ValueError, match="missing required column"):
        baseline_scores(rows.drop(columns="timestamp"), vectors, reference=reference)
    with pytest.raises(ValueError, match="vectors must be"):
        baseline_scores(rows, vectors[:-1], reference=reference)
    with pytest.raises(ValueError, match="and reference .r, d.; got"):
        baseline_scores(rows, vectors, reference=reference[:, :8])
    bad = rows.assign(timestamp=rows["timestamp"].where(rows.index != 3, np.nan))
    with pytest.raises(ValueError, match="bad at row positions \\[3\\]"):
        baseline_scores(bad, vectors, reference=reference)
