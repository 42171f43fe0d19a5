"""The one-class path: an account beyond every ordinary account of its volume is ranked without being learned."""

import numpy as np

from scoring.combiner import Combiner, fit_combiner, load_combiner, save_combiner, with_threshold
from scoring.features import DIRECTION, FEATURES
from scoring.peers import TOPIC_FEATURES, beyond_peers, fit_peers, outlier_factor

TOPIC = [FEATURES.index(f) for f in TOPIC_FEATURES]
VOLUME = FEATURES.index("volume")


def benign_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ordinary accounts: 10 to 1,000 distinct prompts, topic features noisier the smaller the account."""
    rows = rng.normal(0.0, 0.3, size=(n, len(FEATURES)))
    rows[:, VOLUME] = rng.uniform(np.log(10), np.log(1000), size=n)
    rows[:, TOPIC] *= (3.0 / np.sqrt(np.exp(rows[:, VOLUME])))[:, None] * 3.0
    return rows


def test_a_covered_account_is_at_zero_and_one_beyond_every_peer_at_its_excess():
    ref_volume = np.array([1.0, 2.0, 3.0, 4.0])
    ref_values = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    options = {"ref_volume": ref_volume, "ref_values": ref_values, "scale": np.ones(2), "peers": 4, "k": 1}
    # Narrower than a peer on every feature: covered; 3 and 4 past the broadest peer: 5 beyond it.
    d = beyond_peers(np.array([2.0, 2.0]), np.array([[0.5, 0.5], [4.0, 5.0]]), **options)
    np.testing.assert_allclose(d, [0.0, 5.0])
    # With k=2 the second nearest counts: one ordinary account alike is not enough to cover it.
    lone = beyond_peers(np.array([2.0]), np.array([[1.0, 1.0]]), **{**options, "k": 2})
    assert lone[0] == 1.0
    # Smaller than every reference account: no peers, not judged.
    assert beyond_peers(np.array([0.5]), np.array([[9.0, 9.0]]), **options)[0] == 0.0


def test_the_factor_shrinks_a_distance_among_noisy_peers_and_never_magnifies_it_among_tight_ones():
    ref_volume = np.arange(8.0)
    ref_values = np.zeros((8, 1))
    typical = np.array([2.0] * 4 + [0.1] * 4)  # small accounts lie far beyond each other, large ones near
    factor = outlier_factor(np.array([1.0, 6.0]), np.array([[0.5], [0.5]]), ref_volume=ref_volume,
                            ref_values=ref_values, ref_typical=typical, scale=np.ones(1), peers=4, k=1)
    # Among noisy peers the distance is in their units (0.5 / 2); among tight ones it is held at the
    # reference-wide mean (0.5 / 1.05), as for every volume where ordinary accounts sit closer than that.
    np.testing.assert_allclose(factor, [0.25, 0.5 / 1.05])


def test_a_fitted_path_flags_about_its_budget_of_ordinary_accounts_and_every_far_one():
    rng = np.random.default_rng(0)
    rows = benign_rows(rng, 3000)
    days = np.repeat(np.arange(3), 1000)
    peers = fit_peers(rows, features=FEATURES, days=days, learned_logit=rng.normal(-5.0, 1.0, size=3000),
                      threshold_logit=2.0, max_fpr=0.01)
    assert peers is not None
    fresh = benign_rows(np.random.default_rng(1), 5000)
    flagged = peers.logit(fresh) >= 2.0
    assert 0.002 < flagged.mean() < 0.03
    far = fresh[:50].copy()
    far[:, VOLUME] = np.log(500)
    far[:, TOPIC] = 3.0
    assert (peers.logit(far) >= 2.0).all()
    # One tuning day gives no other day to measure it against: no path.
    assert fit_peers(rows, features=FEATURES, days=np.zeros(3000), learned_logit=np.zeros(3000),
                     threshold_logit=2.0, max_fpr=0.01) is None


def test_the_account_log_odds_is_the_larger_path_and_survives_saving(tmp_path):
    rng = np.random.default_rng(2)
    benign = benign_rows(rng, 1500)
    harvest = benign_rows(rng, 500)
    harvest[:, FEATURES.index("templating")] = 1.0  # what the learned path learns; topics stay ordinary
    values, labels = np.vstack([benign, harvest]), np.repeat([0, 1], [1500, 500])
    learned = fit_combiner(values, labels, features=FEATURES, weight=np.ones(2000), signs=DIRECTION, kind="linear")
    learned = with_threshold(learned, 0.9)
    peers = fit_peers(benign, features=FEATURES, days=np.repeat(np.arange(3), 500),
                      learned_logit=learned.learned_logit(benign), threshold_logit=float(np.log(9.0)),
                      max_fpr=0.01)
    combiner = Combiner(**{**learned.__dict__, "peers": peers})
    novel = benign[:20].copy()
    novel[:, VOLUME] = np.log(800)
    novel[:, TOPIC] = 3.0
    assert (learned.score(novel) < 0.9).all() and (combiner.score(novel) >= 0.9).all()
    np.testing.assert_allclose(combiner.learned_logit(values), learned.logit(values))
    assert (combiner.logit(values) >= learned.logit(values)).all()
    # The reason names what carried the novel accounts: their topic features, not templating.
    share = combiner.contributions(novel).mean(axis=0)
    assert max(share[TOPIC]) > share[FEATURES.index("templating")]
    loaded = load_combiner(save_combiner(combiner, tmp_path / "combiner.json"), features=FEATURES)
    np.testing.assert_allclose(loaded.logit(values), combiner.logit(values))
    np.testing.assert_allclose(loaded.peers_factor(novel), combiner.peers_factor(novel))


def test_accounts_of_a_partial_day_are_judged_against_partial_days_once_they_are_in_the_reference():
    rng = np.random.default_rng(3)
    whole = benign_rows(rng, 3000)
    days = np.repeat(np.arange(3), 1000)

    def early(rng: np.random.Generator, n: int) -> np.ndarray:
        """An ordinary account's first hours: few prompts, in one sitting that spans more subjects."""
        rows = benign_rows(rng, n)
        rows[:, VOLUME] = rng.uniform(np.log(10), np.log(40), size=n)
        rows[:, TOPIC] += 1.5
        return rows

    options = {"features": FEATURES, "threshold_logit": 2.0, "max_fpr": 0.01}
    alone = fit_peers(whole, days=days, learned_logit=rng.normal(-5.0, 1.0, size=3000), **options)
    partial = early(rng, 600)
    both = fit_peers(np.vstack([whole, partial]), days=np.concatenate([days, np.repeat(np.arange(3), 200)]),
                     learned_logit=np.concatenate([rng.normal(-5.0, 1.0, size=3000), np.full(600, np.nan)]),
                     partial=np.repeat([False, True], [3000, 600]), **options)
    fresh = early(np.random.default_rng(4), 2000)
    assert (alone.logit(fresh) >= 2.0).mean() > 0.2, "against whole days only, a morning's session reads as strange"
    assert (both.logit(fresh) >= 2.0).mean() < 0.03
    far = fresh[:50].copy()
    far[:, TOPIC] = 6.0
    assert (both.logit(far) >= 2.0).all(), "a partial day's reference does not hide what no ordinary account does"
