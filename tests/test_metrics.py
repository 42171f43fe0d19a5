"""Detection metrics on hand-worked populations, and AUROC against scikit-learn."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from evaluation.metrics import auroc, detection_metrics, markdown_table, tpr_at_fpr


def test_auroc_by_hand():
    # Pairs (harvester, benign): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes -> 3 of 4.
    assert auroc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75


def test_auroc_ties_count_half_and_perfect_separation_is_one():
    assert auroc(np.array([0, 0, 1, 1]), np.full(4, 0.3)) == 0.5
    assert auroc(np.array([0, 1, 0, 1]), np.array([0.0, 5.0, 1.0, 2.0])) == 1.0
    assert auroc(np.array([0, 1]), np.array([-np.inf, 3.0])) == 1.0


def test_auroc_agrees_with_sklearn_on_random_data_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, 300)
        scores = np.round(rng.normal(labels * 0.5, 1.0), 1)  # rounding makes many ties
        assert auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_auroc_refuses_a_missing_class_or_nan():
    with pytest.raises(ValueError, match="one class is missing"):
        auroc(np.zeros(4), np.arange(4.0))
    with pytest.raises(ValueError, match="NaN or .inf at accounts .1."):
        auroc(np.array([0, 1]), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="NaN or .inf"):
        tpr_at_fpr(np.array([0, 1]), np.array([0.0, np.inf]), max_fpr=0.01)
    with pytest.raises(ValueError, match="0 .benign. or 1"):
        auroc(np.array([0, 2]), np.array([0.0, 1.0]))


# Ten accounts, sorted by score:
#   0.95 H, 0.90 B, 0.80 H, 0.60 H, 0.50 B, 0.40 H, 0.30 B, 0.25 H, 0.20 B, 0.10 B
# Five harvesters (H) and five benign (B): each benign flagged costs 0.2 FPR.
TEN_LABELS = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
TEN_SCORES = np.array([0.9, 0.5, 0.3, 0.2, 0.1, 0.95, 0.8, 0.6, 0.4, 0.25])


def test_tpr_at_fpr_by_hand():
    # Budget 0.2 = one benign. Threshold 0.6 flags 0.95, 0.9 (B), 0.8, 0.6: 3 of 5 harvesters.
    # Lowering it to 0.5 would flag a second benign (FPR 0.4), over budget.
    assert tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=0.2) == {"tpr": 0.6, "fpr": 0.2, "threshold": 0.6}
    # Budget 0.1 allows no benign at all: only 0.95 is above the benign 0.9.
    assert tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=0.1) == {"tpr": 0.2, "fpr": 0.0, "threshold": 0.95}
    # Budget 0.4 = two benign: threshold 0.4 flags 4 harvesters and 0.9, 0.5.
    assert tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=0.4) == {"tpr": 0.8, "fpr": 0.4, "threshold": 0.4}
    # Any budget: the strictest threshold that catches all five is 0.25 (three benign above it),
    # not the lowest score 0.1.
    assert tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=1.0) == {"tpr": 1.0, "fpr": 0.6, "threshold": 0.25}


def test_tpr_at_fpr_reports_the_fpr_achieved_not_the_budget():
    # Budget 0.3 cannot be spent exactly with five benign: 0.2 is what the best threshold costs.
    result = tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=0.3)
    assert result["fpr"] == 0.2 and result["tpr"] == 0.6


def test_when_the_top_account_is_benign_and_over_budget_nothing_is_flagged():
    labels, scores = np.array([0, 0, 1, 1]), np.array([0.9, 0.1, 0.5, 0.4])
    assert tpr_at_fpr(labels, scores, max_fpr=0.1) == {"tpr": 0.0, "fpr": 0.0, "threshold": math.inf}
    # A harvester tied with a benign at the top cannot be flagged alone either.
    tied = np.array([0.9, 0.1, 0.9, 0.4])
    assert tpr_at_fpr(labels, tied, max_fpr=0.1)["threshold"] == math.inf
    # With one benign allowed, the threshold goes on down to 0.4 and catches both.
    assert tpr_at_fpr(labels, tied, max_fpr=0.5) == {"tpr": 1.0, "fpr": 0.5, "threshold": 0.4}


def test_tpr_at_fpr_allows_a_budget_that_is_not_exact_in_floating_point():
    labels = np.r_[np.zeros(100, int), 1]
    scores = np.r_[np.arange(100.0), 70.5]  # benign 71..99 (29 of them) score above the harvester
    # 0.29 * 100 is 28.999999999999996 in floating point; 29 benign must still be allowed.
    assert tpr_at_fpr(labels, scores, max_fpr=0.29) == {"tpr": 1.0, "fpr": 0.29, "threshold": 70.5}


def test_tpr_at_fpr_validates_the_budget():
    with pytest.raises(ValueError, match=r"max_fpr must be in \[0.0, 1.0\]"):
        tpr_at_fpr(TEN_LABELS, TEN_SCORES, max_fpr=1.5)


def population():
    """200 benign scored 0.000 .. 0.995; 10 'sweep' harvesters at 2.0; 'paraphrase' at 1.5 x5, 0.9875 x3, 0.5 x2."""
    benign = np.arange(200) / 200
    harvest = np.r_[np.full(10, 2.0), np.full(5, 1.5), np.full(3, 0.9875), np.full(2, 0.5)]
    labels = np.r_[np.zeros(200, int), np.ones(20, int)]
    strategy = np.array([""] * 200 + ["sweep"] * 10 + ["paraphrase"] * 10, dtype=object)
    hard = np.zeros(220, bool)
    hard[[199, 198, 100, 0]] = True  # benign scored 0.995, 0.99, 0.5, 0.0
    return labels, np.r_[benign, harvest], strategy, hard


def test_detection_metrics_by_hand():
    labels, scores, strategy, hard = population()
    m = detection_metrics(labels, scores, strategy=strategy, hard_negative=hard)
    # FPR 1% of 200 benign = 2: threshold 0.9875 flags benign 0.995 and 0.99, and 18 of 20 harvesters;
    # one step lower (0.985) is a third benign.
    assert m["eval/tpr_at_fpr_0.01"] == 0.9 and m["eval/fpr_at_fpr_0.01"] == 0.01
    # FPR 0.1% = 0.2 benign, i.e. none: threshold 1.5, 15 harvesters.
    assert m["eval/tpr_at_fpr_0.001"] == 0.75 and m["eval/fpr_at_fpr_0.001"] == 0.0
    # Per strategy at the 1% threshold (0.9875): all sweeps; 8 of 10 paraphrasers.
    assert m["eval/tpr/sweep"] == 1.0 and m["eval/tpr/paraphrase"] == 0.8
    assert "eval/tpr/" not in m, "benign accounts have no strategy row"
    # Hard negatives at or above 0.9875: 0.995 and 0.99 of four.
    assert m["eval/hard_negative_fpr"] == 0.5
    assert m["eval/auroc"] == pytest.approx(roc_auc_score(labels, scores))
    assert m["eval/n_harvesters"] == 20 and m["eval/n_benign"] == 200
    assert not any(k.startswith("eval/flagged") for k in m)


def test_flagged_verdicts_precision_recall_and_false_alarms():
    labels, scores, strategy, hard = population()
    flagged = np.zeros(220, bool)
    flagged[200:210] = True  # the ten sweeps
    flagged[[199, 50]] = True  # one hard negative, one ordinary benign
    m = detection_metrics(labels, scores, strategy=strategy, hard_negative=hard, flagged=flagged, prefix="dev")
    assert m["dev/flagged_precision"] == pytest.approx(10 / 12)
    assert m["dev/flagged_recall"] == 0.5
    assert m["dev/flagged_fpr"] == 0.01
    assert m["dev/flagged_hard_negative_fpr"] == 0.25
    assert all(k.startswith("dev/") for k in m)
    nothing = detection_metrics(labels, scores, strategy=strategy, hard_negative=hard, flagged=np.zeros(220, bool))
    assert nothing["eval/flagged_precision"] == 0.0 and nothing["eval/flagged_recall"] == 0.0


def test_without_hard_negatives_their_rate_is_nan_and_a_harvester_cannot_be_one():
    labels, scores, strategy, hard = population()
    m = detection_metrics(labels, scores, strategy=strategy, hard_negative=np.zeros(220, bool))
    assert math.isnan(m["eval/hard_negative_fpr"])
    hard[210] = True
    with pytest.raises(ValueError, match="hard negatives must be benign"):
        detection_metrics(labels, scores, strategy=strategy, hard_negative=hard)
    with pytest.raises(ValueError, match="strategy must have one entry per account"):
        detection_metrics(labels, scores, strategy=strategy[:5], hard_negative=np.zeros(220, bool))


def test_markdown_table():
    rows = {"ours": {"eval/auroc": 0.98765, "eval/tpr_at_fpr_0.01": 0.5}, "seat": {"eval/auroc": 0.6}}
    table = markdown_table(rows, columns=["eval/auroc", "eval/tpr_at_fpr_0.01"])
    assert table.splitlines() == [
        "| detector | eval/auroc | eval/tpr_at_fpr_0.01 |",
        "|---|---:|---:|",
        "| ours | 0.988 | 0.500 |",
        "| seat | 0.600 | — |",
    ]
