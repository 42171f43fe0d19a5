"""The combiners: features in, a calibrated score and each feature's share of it out.

Two kinds, both fitted on the tuning split of the labelled suite (``tools/fit_reference.py``)
and shipped as JSON (no pickle):

- ``trees``: gradient-boosted trees (scikit-learn's histogram boosting), each feature kept
  monotone in the direction it is evidence in. Harvesting comes in several shapes (a topic
  sweep, a task sweep, a domain sweep, a generator's wording), which an additive score
  cannot separate from every kind of ordinary use at once; shallow trees can.
- ``linear``: a logistic regression with each weight kept to its direction, for the campaign
  combiner, whose tuning rows are a few dozen campaigns.

The score is a probability under balanced classes. The flag threshold is the score that the
tuning days' benign accounts reach at a fixed false-alarm rate, read off scores each day got
from a combiner fitted without it, so the number means the same on every day. A feature's
share of an account's log-odds is how far the log-odds fall when that feature alone is set to
the benign reference value (the benign median): the evidence the reason names.

The account combiner also carries a one-class path (:mod:`scoring.peers`): an account's
log-odds is the larger of the learned one and its outlier factor among its benign peers,
placed on the same scale, so that traffic unlike any it was fitted on is still ranked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from files.atomic import atomic_path
from scoring.peers import Peers, peers_from_dict

FORMAT = 3


@dataclass(frozen=True)
class Combiner:
    """A fitted combiner.

    Attributes:
        features: the feature names, in column order.
        kind: ``trees`` or ``linear``.
        bias: the log-odds before any tree (``trees``), or the intercept (``linear``).
        weights: per feature (``linear``): weight of the feature standardised by ``mean`` and ``scale``.
        mean, scale: per feature: the benign reference value (median) and spread.
        trees: (``trees``) each tree as arrays ``feature, threshold, left, right, value`` over its nodes
            (a leaf has ``feature`` -1); a row goes left where its value is at most the threshold.
        threshold: score at or above which an owner is flagged, in (0, 1).
        fitted_on: what it was fitted on, for reports.
        peers: the one-class path (:mod:`scoring.peers`), or None for the learned log-odds alone.
    """

    features: tuple[str, ...]
    kind: str
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float
    weights: np.ndarray | None = None
    trees: tuple[dict, ...] = ()
    fitted_on: str = ""
    peers: Peers | None = None

    @classmethod
    def neutral(cls, features: tuple[str, ...]) -> Combiner:
        """A combiner that weighs nothing (every score 0.5): for computing features before one is fitted."""
        zeros = np.zeros(len(features))
        return cls(features=tuple(features), kind="linear", bias=0.0, mean=zeros, scale=np.ones(len(features)),
                   threshold=1 - 1e-6, weights=zeros, fitted_on="nothing")

    def logit(self, values: np.ndarray) -> np.ndarray:
        """The log-odds of each row of feature values: the learned one, or the one-class path's where larger."""
        learned = self.learned_logit(values)
        if self.peers is None:
            return learned
        x = np.asarray(values, dtype=np.float64).reshape(-1, len(self.features))
        return np.maximum(learned, self.peers.logit(x))

    def peers_factor(self, values: np.ndarray) -> np.ndarray:
        """Each row's outlier factor among its benign peers (:mod:`scoring.peers`); 0 without a one-class path."""
        x = np.asarray(values, dtype=np.float64).reshape(-1, len(self.features))
        return np.zeros(len(x)) if self.peers is None else self.peers.factor(x)

    def learned_logit(self, values: np.ndarray) -> np.ndarray:
        """The fitted model's log-odds of each row of feature values (without the one-class path)."""
        x = np.asarray(values, dtype=np.float64).reshape(-1, len(self.features))
        if self.kind == "linear":
            return ((x - self.mean) / self.scale) @ self.weights + self.bias
        out = np.full(len(x), self.bias)
        rows = np.arange(len(x))
        for tree in self.trees:
            node = np.zeros(len(x), dtype=np.int64)
            feature = tree["feature"]
            while True:
                inner = feature[node] >= 0
                if not inner.any():
                    break
                at = node[inner]
                left = x[rows[inner], feature[at]] <= tree["threshold"][at]
                node[inner] = np.where(left, tree["left"][at], tree["right"][at])
            out += tree["value"][node]
        return out

    def score(self, values: np.ndarray) -> np.ndarray:
        """The score in [0, 1] of each row of feature values."""
        return _probability(self.logit(values))

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """(n, F) how far each row's log-odds fall when one feature alone takes its benign reference value."""
        return self.explain(values)[1]

    def explain(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's :meth:`score`, :meth:`contributions` and :meth:`peers_factor`, the one-class path's
        factor found once for all three."""
        x = np.asarray(values, dtype=np.float64).reshape(-1, len(self.features))
        factor = self.peers_factor(x)
        # The one-class path reads only the volume and topic columns: its log-odds serve the rest unchanged.
        one_class = None if self.peers is None else self.peers.origin + self.peers.slope * factor
        read = set() if self.peers is None else {*self.peers.columns, self.peers.volume_column}
        full = self.learned_logit(x) if one_class is None else np.maximum(self.learned_logit(x), one_class)
        out = np.empty_like(x)
        for j in range(x.shape[1]):
            typical = x.copy()
            typical[:, j] = self.mean[j]
            out[:, j] = full - (self.logit(typical) if j in read or one_class is None
                                else np.maximum(self.learned_logit(typical), one_class))
        return _probability(full), out, factor


def fit_combiner(values: np.ndarray, labels: np.ndarray, *, features: tuple[str, ...], weight: np.ndarray,
                 signs: dict[str, int], kind: str, c: float = 1.0, fitted_on: str = "") -> Combiner:
    """Fit a combiner on labelled rows (its threshold 0.5 until :func:`with_threshold`).

    Args:
        values: (n, F) feature values.
        labels: (n,) 1 for harvesters, 0 for benign.
        features: the feature names.
        weight: (n,) sample weights, mean 1 (e.g. each strategy and each benign kind weighing the same).
        signs: per feature +1 (may only raise the score), -1 (may only lower it) or 0 (either).
        kind: ``trees`` or ``linear``.
        c: inverse L2 strength (``linear``; the leaves' L2 penalty is ``1 / c`` for ``trees``).
        fitted_on: what it was fitted on.
    """
    values, y, w = np.asarray(values, dtype=np.float64), np.asarray(labels).astype(int), np.asarray(weight, float)
    return _fit(values, y, w, features=features, signs=signs, kind=kind, c=c, fitted_on=fitted_on)


def out_of_day_scores(values: np.ndarray, labels: np.ndarray, *, days: np.ndarray, **fit) -> np.ndarray:
    """Each row's score from a combiner fitted on the other days' rows (``fit``: as for :func:`fit_combiner`,
    its ``weight`` per row): what a day the combiner has not seen scores, to set a threshold on."""
    values, labels, days = np.asarray(values, dtype=np.float64), np.asarray(labels).astype(int), np.asarray(days)
    weight = np.asarray(fit.pop("weight"), dtype=np.float64)
    scores = np.empty(len(labels))
    for day in np.unique(days):
        held = days == day
        scores[held] = fit_combiner(values[~held], labels[~held], weight=weight[~held], **fit).score(values[held])
    return scores


def _probability(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))


def with_threshold(combiner: Combiner, threshold: float) -> Combiner:
    """The combiner flagging at ``threshold``."""
    return Combiner(**{**combiner.__dict__, "threshold": float(threshold)})


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, features, signs, kind: str, c: float,
         fitted_on: str) -> Combiner:
    benign = y == 0
    mean = _weighted_median(x[benign], w[benign])
    scale = np.sqrt(np.average((x[benign] - np.average(x[benign], axis=0, weights=w[benign])) ** 2, axis=0,
                               weights=w[benign]))
    scale = np.where(scale > 1e-9, scale, 1.0)
    direction = [int(signs.get(f, 0)) for f in features]
    if kind == "linear":
        weights, bias = _logistic((x - mean) / scale, y, w, direction=direction, c=c)
        return Combiner(features=tuple(features), kind="linear", bias=bias, mean=mean, scale=scale, threshold=0.5,
                        weights=weights, fitted_on=fitted_on)
    if kind != "trees":
        raise ValueError(f"a combiner is 'trees' or 'linear', not {kind!r}")
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05, min_samples_leaf=10,
                                           l2_regularization=1.0 / c, monotonic_cst=direction, random_state=0)
    model.fit(x, y, sample_weight=w)
    trees = tuple(_tree(predictor.nodes) for predictors in model._predictors for predictor in predictors)
    return Combiner(features=tuple(features), kind="trees", bias=float(np.ravel(model._baseline_prediction)[0]),
                    mean=mean, scale=scale, threshold=0.5, trees=trees, fitted_on=fitted_on)


def _tree(nodes) -> dict:
    leaf = nodes["is_leaf"].astype(bool)
    return {"feature": np.where(leaf, -1, nodes["feature_idx"]).astype(np.int64),
            "threshold": nodes["num_threshold"].astype(np.float64),
            "left": nodes["left"].astype(np.int64), "right": nodes["right"].astype(np.int64),
            "value": np.where(leaf, nodes["value"], 0.0).astype(np.float64)}


def _logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, direction: list[int], c: float) -> tuple[np.ndarray, float]:
    """L2-penalised weighted logistic regression with sign-bounded weights (L-BFGS-B)."""
    from scipy.optimize import minimize

    n_features = x.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, bias = theta[:n_features], theta[n_features]
        logit = x @ coef + bias
        # log(1 + e^z) - y z, computed stably; its gradient is (sigmoid(z) - y).
        value = np.sum(w * (np.logaddexp(0.0, logit) - y * logit)) + 0.5 / c * coef @ coef
        residual = w * (1.0 / (1.0 + np.exp(-logit)) - y)
        return value, np.concatenate([x.T @ residual + coef / c, [residual.sum()]])

    bounds = [(0.0, None) if d > 0 else (None, 0.0) if d < 0 else (None, None) for d in direction] + [(None, None)]
    fit = minimize(loss, np.zeros(n_features + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 5000})
    return fit.x[:n_features], float(fit.x[n_features])


def _weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j])
        cum = np.cumsum(w[order])
        out[j] = x[order[np.searchsorted(cum, cum[-1] / 2)], j]
    return out


def benign_threshold(scores: np.ndarray, weight: np.ndarray, *, max_fpr: float) -> float:
    """The lowest threshold that flags at most ``max_fpr`` of the benign accounts (by weight).

    Just above the score of the first benign account past the budget, so ties at that
    score stay unflagged.
    """
    order = np.argsort(-scores, kind="stable")
    share = np.cumsum(weight[order]) / max(weight.sum(), 1e-12)
    within = int(np.searchsorted(share, max_fpr * (1 + 1e-9), side="right"))
    if within >= len(order):
        return float(np.nextafter(scores.min(), -np.inf))
    return float(np.nextafter(scores[order[within]], np.inf))


def save_combiner(combiner: Combiner, path: str | Path) -> Path:
    """Write the combiner as JSON, atomically."""
    data = {"format": FORMAT, "kind": combiner.kind, "features": list(combiner.features), "bias": combiner.bias,
            "mean": combiner.mean.tolist(), "scale": combiner.scale.tolist(), "threshold": combiner.threshold,
            "weights": None if combiner.weights is None else combiner.weights.tolist(),
            "trees": [{k: v.tolist() for k, v in tree.items()} for tree in combiner.trees],
            "fitted_on": combiner.fitted_on, "peers": None if combiner.peers is None else combiner.peers.to_dict()}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data) + "\n")
    return Path(path)


def load_combiner(path: str | Path, *, features: tuple[str, ...]) -> Combiner:
    """Read a combiner written by :func:`save_combiner`; refuse one fitted on other features.

    Raises:
        ValueError: missing, unreadable, or fitted on another feature list.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: not a readable combiner ({err}); refit it with tools/fit_reference.py") from None
    if data.get("format") != FORMAT or tuple(data.get("features", ())) != tuple(features):
        raise ValueError(f"{path}: fitted on features {data.get('features')} (format {data.get('format')}), not "
                         f"{list(features)}; refit it with tools/fit_reference.py")
    trees = tuple({k: np.asarray(v, dtype=np.int64 if k in ("feature", "left", "right") else np.float64)
                   for k, v in tree.items()} for tree in data["trees"])
    return Combiner(features=tuple(data["features"]), kind=data["kind"], bias=float(data["bias"]),
                    mean=np.asarray(data["mean"]), scale=np.asarray(data["scale"]), threshold=float(data["threshold"]),
                    weights=None if data["weights"] is None else np.asarray(data["weights"]), trees=trees,
                    fitted_on=data.get("fitted_on", ""),
                    peers=None if data.get("peers") is None else peers_from_dict(data["peers"]))
