"""Per-account detection metrics: ranking quality and recall at a fixed false-alarm budget.

Every metric takes one entry per account: ``labels`` (1 = harvester, 0 = benign)
and a detector's ``scores`` (higher = more suspicious). An account is flagged
when its score is at or above a threshold; rates are shares of accounts, in 0..1.
A false alarm costs an analyst's time and a paying customer's trust, so the
headline numbers are recall at a false-positive rate of 1% and 0.1% of benign
accounts, with the rate actually achieved reported beside each (on a small
benign population, 0.1% may only be reachable as 0%).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

FPR_LEVELS = (0.01, 0.001)  # the false-positive budgets reported by detection_metrics


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if labels.ndim != 1 or labels.shape != scores.shape:
        raise ValueError(f"labels and scores must be 1-D and the same length (got {labels.shape}, {scores.shape})")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be 0 (benign) or 1 (harvester); found {np.unique(labels)[:5].tolist()}")
    # +inf would collide with the "flag nothing" threshold of tpr_at_fpr; -inf is a fine "lowest".
    bad = np.isnan(scores) | (scores == np.inf)
    if bad.any():
        raise ValueError(f"scores are NaN or +inf at accounts {np.flatnonzero(bad)[:5].tolist()}; "
                         "replace NaN with a low score and +inf with a finite high one before evaluating")
    labels = labels.astype(bool)
    if labels.all() or not labels.any():
        raise ValueError("need both harvesters (label 1) and benign accounts (label 0); one class is missing")
    return labels, scores


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random harvester outscores a random benign account.

    Computed as the Mann-Whitney U statistic over average ranks, so a tied pair counts half.

    Args:
        labels: (n_accounts,) 1 = harvester, 0 = benign.
        scores: (n_accounts,) detector scores, higher = more suspicious; -inf allowed, NaN and +inf not.

    Returns:
        AUROC in 0..1; 0.5 is chance, 1.0 perfect separation.

    Raises:
        ValueError: if one class is missing, the shapes differ, or a score is NaN.
    """
    labels, scores = _check(labels, scores)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    rank_sum = rankdata(scores)[labels].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def tpr_at_fpr(labels: np.ndarray, scores: np.ndarray, *, max_fpr: float) -> dict:
    """Highest recall reachable with a score threshold whose benign false-positive rate stays within budget.

    Candidate thresholds are the observed scores (flag = score >= threshold) and +inf
    (flag nothing). Among those with FPR <= ``max_fpr``, the one with the highest TPR
    wins; of equal TPRs, the strictest (lowest FPR). When even flagging only the
    top-scoring accounts costs more than ``max_fpr``, that is +inf: tpr = fpr = 0.

    Args:
        labels: (n_accounts,) 1 = harvester, 0 = benign.
        scores: (n_accounts,) detector scores, higher = more suspicious.
        max_fpr: false-positive budget, a share of benign accounts in 0..1.

    Returns:
        ``{"tpr": share of harvesters flagged (0..1), "fpr": share of benign accounts
        flagged, as achieved (0..max_fpr), "threshold": the score threshold (may be inf)}``.

    Raises:
        ValueError: if ``max_fpr`` is outside 0..1, or as for :func:`auroc`.
    """
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must be in [0.0, 1.0], got {max_fpr}")
    labels, scores = _check(labels, scores)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    thresholds, inverse = np.unique(scores, return_inverse=True)
    thresholds, inverse = thresholds[::-1], len(thresholds) - 1 - inverse  # strictest first
    tp = np.concatenate([[0], np.cumsum(np.bincount(inverse[labels], minlength=len(thresholds)))])
    fp = np.concatenate([[0], np.cumsum(np.bincount(inverse[~labels], minlength=len(thresholds)))])
    thresholds = np.concatenate([[np.inf], thresholds])
    # Relative slack so that e.g. 0.29 * 100 benign still allows 29 false positives.
    feasible = fp <= max_fpr * n_neg * (1 + 1e-9)
    best = int(np.argmax(np.where(feasible, tp, -1)))  # argmax takes the first, i.e. strictest, of ties
    return {"tpr": float(tp[best] / n_pos), "fpr": float(fp[best] / n_neg), "threshold": float(thresholds[best])}


def detection_metrics(
    labels: np.ndarray,
    scores: np.ndarray,
    *,
    strategy: np.ndarray,
    hard_negative: np.ndarray,
    flagged: np.ndarray | None = None,
    prefix: str = "eval",
) -> dict[str, float]:
    """All headline metrics of one detector on one labelled population, as a flat dict.

    Names are ``/``-separated (``eval/tpr_at_fpr_0.01``), the same in logs, JSON and sweeps:

    - ``{prefix}/auroc``: see :func:`auroc`.
    - ``{prefix}/tpr_at_fpr_{level}`` and ``{prefix}/fpr_at_fpr_{level}`` for levels 0.01
      and 0.001: recall and the FPR actually achieved (see :func:`tpr_at_fpr`).
    - ``{prefix}/tpr/{strategy}``: recall of each harvester strategy at the FPR-1% threshold.
    - ``{prefix}/hard_negative_fpr``: share of hard negatives at or above the FPR-1% threshold.
    - when ``flagged`` is given (the detector's own verdicts): ``flagged_precision``
      (share of flagged accounts that are harvesters; 0.0 when nothing is flagged),
      ``flagged_recall``, ``flagged_fpr`` (share of benign accounts flagged) and
      ``flagged_hard_negative_fpr``.
    - ``{prefix}/n_harvesters``, ``{prefix}/n_benign``: account counts.

    All rates are in 0..1; a hard-negative rate is NaN when there are no hard negatives.

    Args:
        labels: (n_accounts,) 1 = harvester, 0 = benign.
        scores: (n_accounts,) detector scores, higher = more suspicious.
        strategy: (n_accounts,) harvester strategy name of each account (read for harvesters only).
        hard_negative: (n_accounts,) bool, benign accounts that look like harvesters
            (e.g. enterprise pipelines, homework in one narrow area).
        flagged: optional (n_accounts,) bool, the detector's own verdicts.
        prefix: first component of every metric name.

    Raises:
        ValueError: on mismatched lengths, a hard negative labelled harvester, or as for :func:`auroc`.
    """
    labels, scores = _check(labels, scores)
    strategy, hard = np.asarray(strategy).astype(str), np.asarray(hard_negative, dtype=bool)
    for name, arr in (("strategy", strategy), ("hard_negative", hard), ("flagged", flagged)):
        if arr is not None and np.shape(arr) != labels.shape:
            raise ValueError(f"{name} must have one entry per account ({len(labels)}), got shape {np.shape(arr)}")
    if (hard & labels).any():
        raise ValueError(f"hard_negative marks harvesters at accounts {np.flatnonzero(hard & labels)[:5].tolist()}; "
                         "hard negatives must be benign")
    out, thresholds = {f"{prefix}/auroc": auroc(labels, scores)}, []
    for level in FPR_LEVELS:
        at = tpr_at_fpr(labels, scores, max_fpr=level)
        out[f"{prefix}/tpr_at_fpr_{level:g}"], out[f"{prefix}/fpr_at_fpr_{level:g}"] = at["tpr"], at["fpr"]
        thresholds.append(at["threshold"])
    above = scores >= thresholds[0]  # the FPR-1% operating point
    for name in sorted(set(strategy[labels].tolist())):
        members = labels & (strategy == name)
        out[f"{prefix}/tpr/{name}"] = float(above[members].mean())
    out[f"{prefix}/hard_negative_fpr"] = _share(above, hard)
    if flagged is not None:
        out.update(_verdict_metrics(labels, np.asarray(flagged, dtype=bool), hard=hard, prefix=prefix))
    out[f"{prefix}/n_harvesters"] = float(labels.sum())
    out[f"{prefix}/n_benign"] = float((~labels).sum())
    return out


def _verdict_metrics(labels: np.ndarray, flagged: np.ndarray, *, hard: np.ndarray, prefix: str) -> dict[str, float]:
    """Precision, recall and false-alarm rates of the detector's own yes/no verdicts."""
    n_flagged = int(flagged.sum())
    return {
        f"{prefix}/flagged_precision": float((flagged & labels).sum() / n_flagged) if n_flagged else 0.0,
        f"{prefix}/flagged_recall": _share(flagged, labels),
        f"{prefix}/flagged_hard_negative_fpr": _share(flagged, hard),
        f"{prefix}/flagged_fpr": _share(flagged, ~labels),
    }


def _share(hit: np.ndarray, among: np.ndarray) -> float:
    return float(hit[among].mean()) if among.any() else math.nan


def markdown_table(rows: dict[str, dict[str, float]], *, columns: list[str]) -> str:
    """A GitHub-markdown table comparing detectors.

    Args:
        rows: detector name -> its metrics (e.g. from :func:`detection_metrics`).
        columns: metric names to show, in order; a metric a detector lacks shows as ``—``.

    Returns:
        The table, one row per detector in the order given, numbers to 3 decimals, no trailing newline.
    """
    lines = ["| detector | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for detector, metrics in rows.items():
        cells = [f"{metrics[c]:.3f}" if c in metrics else "—" for c in columns]
        lines.append(f"| {detector} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def campaign_metrics(labels: np.ndarray, actor: np.ndarray, campaign: np.ndarray, flagged: np.ndarray,
                     via_campaign: np.ndarray, *, prefix: str = "eval") -> dict[str, float]:
    """How well campaigns recover coordinated harvesters, and what they cost ordinary users.

    Args:
        labels: (n_accounts,) 1 = harvester, 0 = benign.
        actor: (n_accounts,) true operation of each account (a fleet's accounts share one; others their own id).
        campaign: (n_accounts,) predicted campaign id, "" when unlinked.
        flagged: (n_accounts,) the detector's verdicts after campaign inheritance.
        via_campaign: (n_accounts,) flagged only through the account's campaign.

    Returns ``{prefix}/campaign/...``:

    - ``ari``: adjusted Rand index, over harvester accounts, between the true operations and
      the predicted grouping (an unlinked account is its own group); 1 = exact recovery.
    - ``fleet_flagged`` / ``fleet_flagged_via_campaign``: share of accounts of multi-account
      operations flagged at all / only through their campaign (NaN without such operations).
    - ``false_link_rate``: share of benign accounts placed in any campaign.
    - ``benign_campaigns_flagged``: flagged campaigns whose members are mostly benign.
    - ``n_campaigns``: campaigns found.
    """
    from sklearn.metrics import adjusted_rand_score

    labels = np.asarray(labels).astype(bool)
    actor, campaign = np.asarray(actor, dtype=str), np.asarray(campaign, dtype=str)
    flagged, via = np.asarray(flagged, dtype=bool), np.asarray(via_campaign, dtype=bool)
    if not (len(labels) == len(actor) == len(campaign) == len(flagged) == len(via)):
        raise ValueError("labels, actor, campaign, flagged and via_campaign must have one entry per account")
    ids = np.arange(len(labels)).astype(str)
    predicted = np.where(campaign != "", "campaign:" + campaign, "account:" + ids)
    names, sizes = np.unique(actor, return_counts=True)
    fleet = labels & np.isin(actor, names[sizes > 1])
    linked = campaign != ""
    benign_flagged_campaigns = 0
    for cid in np.unique(campaign[linked & flagged]):
        members = campaign == cid
        benign_flagged_campaigns += int((~labels[members]).mean() > 0.5)
    nan = float("nan")
    return {
        f"{prefix}/campaign/ari": float(adjusted_rand_score(actor[labels], predicted[labels])) if labels.any() else nan,
        f"{prefix}/campaign/fleet_flagged": float(flagged[fleet].mean()) if fleet.any() else nan,
        f"{prefix}/campaign/fleet_flagged_via_campaign": float(via[fleet].mean()) if fleet.any() else nan,
        f"{prefix}/campaign/false_link_rate": float(linked[~labels].mean()) if (~labels).any() else nan,
        f"{prefix}/campaign/benign_campaigns_flagged": float(benign_flagged_campaigns),
        f"{prefix}/campaign/n_campaigns": float(len(np.unique(campaign[linked]))),
    }
