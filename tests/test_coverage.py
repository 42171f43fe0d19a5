"""Coverage: a sweep across the topic space beats a person with the same volume."""

import numpy as np

from scoring.coverage import cell_profiles, coverage_scores
from scoring.nodes import Nodes
from scoring.options import CoverageOptions
from scoring.verdicts import combine


def population(seed=0, n_cells=64, n_users=400):
    """Ordinary users: a few favourite cells each. Then one sweeper and one narrow pipeline."""
    rng = np.random.default_rng(seed)
    acc, cell = [], []
    for u in range(n_users):
        n = int(min(300, rng.lognormal(2.0, 1.0))) + 1
        interests = rng.choice(n_cells, size=rng.integers(1, 4), replace=False)
        picks = np.where(rng.random(n) < 0.9, rng.choice(interests, n), rng.integers(0, n_cells, n))
        acc += [u] * n
        cell += list(picks)
    sweeper, narrow = n_users, n_users + 1
    acc += [sweeper] * 300 + [narrow] * 300
    cell += list(np.arange(300) % n_cells) + list(rng.choice([3, 4], 300))
    return np.array(acc), np.array(cell), n_cells


def scores(acc, cell, k, **kw):
    # Each node is its own prompt; coverage is clipped (softness 0), as these tests were written for.
    nodes = Nodes(account=acc, uid=np.arange(len(acc)), n_accounts=acc.max() + 1)
    profile = cell_profiles(nodes, cell, n_cells=k)
    options = CoverageOptions(**{"softness": 0.0, **kw})
    return profile, coverage_scores(profile, cell_weights=np.bincount(cell, minlength=k), options=options)


def test_an_even_sweep_covers_far_more_than_typical_and_a_narrow_pipeline_none():
    acc, cell, k = population()
    profile, cov = scores(acc, cell, k)
    assert cov.coverage[-2] > 0.9, "the sweeper is as broad as the whole day"
    assert cov.coverage[-1] == 0.0, "one narrow domain is not coverage"
    users = profile.n_distinct[:-2] >= 20
    assert np.median(cov.coverage[:-2][users]) < 0.2
    assert cov.diversity[-2] > 5 * cov.typical_diversity


def test_small_accounts_must_earn_their_diversity():
    acc, cell, k = population()
    # Three prompts in three cells: as even as it gets, but no evidence.
    acc = np.concatenate([acc, [acc.max() + 1] * 3])
    cell = np.concatenate([cell, [10, 20, 30]])
    _, cov = scores(acc, cell, k)
    assert cov.coverage[-1] == 0.0
    _, lenient = scores(acc, cell, k, z=0.0)
    assert lenient.coverage[-1] == 1.0, "without the confidence bound it would count as a full sweep"


def test_diversity_counts_evenness_not_just_reach():
    acc = np.concatenate([np.zeros(400, int), np.ones(400, int)] + [np.full(30, 2 + i) for i in range(40)])
    even = np.arange(400) % 4
    skewed = np.array([0] * 370 + [1] * 10 + [2] * 10 + [3] * 10)
    users = np.concatenate([np.random.default_rng(i).choice(2, 30) for i in range(40)])
    profile, cov = scores(acc, np.concatenate([even, skewed, users]), 4)
    assert profile.cells[0] == profile.cells[1] == 4
    assert cov.diversity[0] > 3.5 and cov.diversity[1] < 1.3


def test_permuting_an_accounts_prompts_changes_nothing():
    acc, cell, k = population(seed=3)
    order = np.random.default_rng(0).permutation(len(acc))
    _, a = scores(acc, cell, k)
    _, b = scores(acc[order], cell[order], k)
    np.testing.assert_array_equal(a.coverage, b.coverage)


def test_breadth_is_necessary_for_a_score():
    score = combine(np.array([0.0, 1.0, 1.0]), np.array([1.0, 0.0, 1.0]), coverage_weight=0.6)
    np.testing.assert_allclose(score, [0.0, 0.6, 1.0])
