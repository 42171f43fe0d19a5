"""Account features: breadth at three scales that volume does not buy, order, repeats, novelty; and the
combiner and the topic reference they are judged with."""

import numpy as np
import pytest

from scoring.combiner import benign_threshold, fit_combiner, load_combiner, save_combiner
from scoring.features import DIRECTION, FEATURES, Traffic, account_features, vocabulary_richness
from scoring.nodes import Nodes
from scoring.reference import PROBE_WORDS, Reference, align, fit_reference, load_reference, save_reference

N_COARSE, N_FINE = 8, 4


class _Groups:
    """Template groups of accounts that have none (the features read only these attributes)."""

    def __init__(self, n):
        self.templating = np.zeros(n)
        self.effective_templates = np.zeros(n)
        self.top_share = np.zeros(n)


def reference(typical=None) -> Reference:
    cells = N_COARSE * N_FINE
    return Reference(coarse=np.eye(N_COARSE, 16, dtype=np.float32), fine=np.eye(cells, 16, dtype=np.float32),
                     n_fine=N_FINE, benign_share=np.full(cells, 1.0 / cells),
                     typical=typical or {"coarse": 0.3, "fine": 0.1, "within": 0.4}, probes=np.zeros((1, 16)),
                     model={"name": "test"})


def features(owner_cells: list[list[int]], times=None):
    """Features of owners whose distinct prompts fall in the given fine cells (one row per prompt)."""
    account = np.concatenate([[i] * len(c) for i, c in enumerate(owner_cells)])
    cell = np.concatenate([np.asarray(c) for c in owner_cells]).astype(np.int32)
    nodes = Nodes(account=account, uid=np.arange(len(cell)), n_accounts=len(owner_cells))
    times = np.arange(len(cell), dtype=float) if times is None else np.asarray(times, dtype=float)
    traffic = Traffic(row_account=account, row_uid=np.arange(len(cell)), row_time=times, n_uids=len(cell))
    return account_features(nodes, cell, reference=reference(), groups=_Groups(len(owner_cells)),
                            popular=np.zeros(len(cell), dtype=bool), traffic=traffic,
                            vocabulary=np.zeros(len(owner_cells)))


def test_an_even_sweep_is_broader_than_a_person_at_every_scale_and_three_prompts_prove_nothing():
    rng = np.random.default_rng(0)
    sweep = list(np.arange(320) % (N_COARSE * N_FINE))
    person = list(rng.choice([1, 2, 5], size=320))
    tiny_sweep = [0, 9, 18]
    f = features([sweep, person, tiny_sweep])
    for name in ("breadth_domains", "breadth_subjects", "breadth_within"):
        column = f.column(name)
        assert column[0] > column[1], name
        assert column[0] > column[2], f"{name}: three prompts in three cells are no sweep"


def test_an_even_sweep_of_one_domain_is_broad_within_it_but_not_across_domains():
    domain_sweep = [3 * N_FINE + (i % N_FINE) for i in range(200)]
    one_subject = [3 * N_FINE] * 200
    f = features([domain_sweep, one_subject])
    assert f.column("breadth_within")[0] > f.column("breadth_within")[1] + 1.0
    assert abs(f.column("breadth_domains")[0] - f.column("breadth_domains")[1]) < 1e-9


def test_sessions_on_one_domain_read_positive_and_a_round_robin_sweep_negative():
    sessions = [d * N_FINE for d in range(4) for _ in range(25)]  # 25 prompts on a domain, then the next
    round_robin = [(i % 4) * N_FINE for i in range(100)]
    f = features([sessions, round_robin])
    assert f.column("sequence")[0] > 0.5
    assert f.column("sequence")[1] < -0.1


def test_permuting_an_accounts_rows_in_time_changes_no_feature_but_order():
    rng = np.random.default_rng(1)
    cells = [list(rng.integers(0, 32, 60)), list(rng.integers(0, 32, 60))]
    a = features(cells)
    b = features(cells, times=rng.permutation(120).astype(float))
    keep = [i for i, name in enumerate(FEATURES) if name != "sequence"]
    np.testing.assert_allclose(a.values[:, keep], b.values[:, keep])


def test_a_linear_combiner_keeps_each_weight_to_its_direction():
    rng = np.random.default_rng(2)
    n = 2000
    x = rng.normal(size=(n, len(FEATURES)))
    y = (x[:, FEATURES.index("breadth_subjects")] + 0.3 * rng.normal(size=n) > 1.0).astype(int)
    # A feature that, on this data, points the wrong way: it must not be used against its direction.
    x[:, FEATURES.index("novelty")] = -y + 0.1 * rng.normal(size=n)
    combiner = fit_combiner(x, y, features=FEATURES, weight=np.ones(n), signs=DIRECTION, kind="linear")
    weights = dict(zip(FEATURES, combiner.weights))
    assert weights["breadth_subjects"] > 0
    for name, sign in DIRECTION.items():
        assert sign * weights[name] >= 0, name


def test_trees_separate_two_harvest_shapes_and_stay_monotone_in_each_feature():
    """A topic sweep (broad) and a task sweep (many templates) are both harvest; a pipeline is templated and
    narrow. No additive score can tell all three apart; monotone trees can, and more breadth never lowers one."""
    rng = np.random.default_rng(4)
    n = 600
    x = rng.normal(scale=0.3, size=(3 * n, len(FEATURES)))
    col = {name: FEATURES.index(name) for name in FEATURES}
    x[:n, col["breadth_subjects"]] += 2.0  # topic sweeps
    x[n : 2 * n, col["templating"]] += 2.0  # task sweeps: templated and refilling many tasks
    x[n : 2 * n, col["task_breadth"]] += 2.0
    x[2 * n :, col["templating"]] += 2.0  # benign pipelines: templated, one task
    benign = rng.normal(scale=0.3, size=(3 * n, len(FEATURES)))
    values = np.vstack([x, benign])
    labels = np.r_[np.ones(2 * n), np.zeros(n), np.zeros(3 * n)].astype(int)
    combiner = fit_combiner(values, labels, features=FEATURES, weight=np.ones(len(labels)), signs=DIRECTION,
                            kind="trees")
    score = combiner.score(values)
    assert score[:n].min() > score[2 * n : 3 * n].max() or np.mean(score[:2 * n] > 0.5) > 0.95
    assert np.mean(score[2 * n : 3 * n] < 0.5) > 0.95, "a templated pipeline of one task is no sweep"
    wider = values.copy()
    wider[:, col["breadth_subjects"]] += 1.0
    assert (combiner.score(wider) >= score - 1e-12).all(), "more breadth never lowers a score"
    share = combiner.contributions(values[:5])
    assert share.shape == (5, len(FEATURES)) and share[:, col["breadth_subjects"]].min() > 0


def test_benign_threshold_admits_exactly_the_budget_and_no_tie():
    scores = np.array([0.9, 0.8, 0.8, 0.5, 0.1])
    assert benign_threshold(scores, np.ones(5), max_fpr=0.2) > 0.8  # the tie at 0.8 would be a third
    assert benign_threshold(scores, np.ones(5), max_fpr=0.6) > 0.5
    assert (scores >= benign_threshold(scores, np.ones(5), max_fpr=0.6)).sum() == 3


def test_a_saved_combiner_reloads_and_one_fitted_on_other_features_is_refused(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 1] > 0.5).astype(int)
    combiner = fit_combiner(x, y, features=FEATURES, weight=np.ones(400), signs=DIRECTION, kind="trees")
    path = save_combiner(combiner, tmp_path / "combiner.json")
    again = load_combiner(path, features=FEATURES)
    np.testing.assert_allclose(again.score(x), combiner.score(x))
    with pytest.raises(ValueError, match="fitted on features"):
        load_combiner(path, features=FEATURES[:-1])


def _clustered(rng, n, d=16, k=6):
    centres = rng.normal(size=(k, d))
    x = centres[rng.integers(0, k, n)] + 0.2 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_a_pipeline_reusing_its_own_texts_has_a_poorer_vocabulary_than_a_sweep():
    from scoring.tokens import TokenStore

    store = TokenStore()
    words = [f"word{i}" for i in range(4000)]
    rng = np.random.default_rng(6)
    own = words[:60]
    pipeline = [store.add(" ".join(rng.choice(own, 12))) for _ in range(300)]
    sweep = [store.add(" ".join(rng.choice(words, 12))) for _ in range(300)]
    nodes = Nodes(account=np.r_[np.zeros(300), np.ones(300)].astype(int), uid=np.array(pipeline + sweep),
                  n_accounts=2)
    richness = vocabulary_richness(store, nodes, batch_nodes=100)
    assert richness[1] > richness[0] + 0.1


def test_a_reference_survives_a_rotated_model_and_refuses_another_one(tmp_path):
    rng = np.random.default_rng(3)
    x = _clustered(rng, 3000)
    probes = _clustered(rng, len(PROBE_WORDS))
    ref = fit_reference(x, benign=np.ones(len(x), bool), account=np.arange(len(x)) // 50, probes=probes,
                        model={"name": "test"}, n_coarse=4, n_fine=4)
    path = save_reference(ref, tmp_path / "topics.npz")
    loaded = load_reference(path)
    np.testing.assert_array_equal(loaded.place(x), ref.place(x))
    # The same model distilled elsewhere: its space differs by a rotation (a flipped component, say).
    q, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    rotated = align(loaded, probes @ q.astype(np.float32))
    np.testing.assert_array_equal(rotated.place(x @ q.astype(np.float32)), ref.place(x))
    with pytest.raises(ValueError, match="another embedder"):
        align(loaded, _clustered(np.random.default_rng(9), len(PROBE_WORDS)))
    (tmp_path / "bad.npz").write_bytes(b"not a reference")
    with pytest.raises(ValueError, match="not a readable topic reference"):
        load_reference(tmp_path / "bad.npz")
