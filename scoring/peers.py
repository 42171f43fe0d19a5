"""The one-class part of the account score: how far an account lies beyond its benign peers.

A combiner learns the harvesting it was shown. A generator it was never shown can look like
a heavy user on every behavioural feature and still ask what no ordinary account asks: a
self-instruct stream is as broad as a power user, but where a broad person keeps to the
subjects people often ask about, the stream spreads evenly over subjects they seldom do.

So every account is also set against a benign reference: the feature rows of the tuning
days' benign accounts (no harvester is read). Its *peers* are the ``peers`` reference
accounts nearest to it in volume. A peer *covers* the account where it is at least as
broad, as novel and as rich in vocabulary; the account's distance beyond a peer is the
Euclidean length of what it exceeds the peer by, each feature in units of its benign
spread, and its distance beyond its peers the ``k``-th smallest of these: 0 where ``k``
ordinary accounts of its volume cover it. Small accounts' estimates are noisy, so ordinary
small accounts lie further beyond each other than large ones; the account's *factor* is
its distance over the mean distance of the same peers beyond theirs (a local outlier
factor), so a factor means the same at every volume. An account smaller than every
reference account is not judged here.

Only the topic features (:data:`TOPIC_FEATURES`) are compared. Pipelines, eval runners and
students are ordinary in *what* they ask and unusual in *how* (templates, no retries, one
task after another), and the learned combiner already weighs how; a one-class view of
behaviour would flag every kind of pipeline it has too few peers of.

The factor is placed on the combiner's log-odds by matching two benign quantiles, read off
what each tuning day's accounts got against the other days: the factor ordinary accounts
exceed at the ``max_fpr`` budget maps to the flag threshold (the hard negatives held to the
same budget on their own), and the one they exceed four times as often (the 99th percentile
for the shipped budget of 0.25%) to the learned log-odds' quantile there. An account's
log-odds is the larger of the learned one and this one, so the threshold flags what either
path flags, and the path adds at most about ``max_fpr`` of ordinary accounts to the flags.

A day's first hours are not a small day: an account's prompts of a few hours need not sit
where whole days of as many prompts do (against whole days only, an enterprise pipeline's
first two hours reached a factor above the flag). The ordinary accounts of the tuning days'
first hours therefore join the reference (a short batch's account then has partial-day
peers), and they too are held to the budget on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOPIC_FEATURES: tuple[str, ...] = ("breadth_domains", "breadth_subjects", "breadth_within", "novelty", "vocabulary")
# The second benign quantile matched on both scales is where ordinary accounts are this many times the
# budget (1 in 100 for a budget of 1 in 400): the path's log-odds fall fast below the threshold, so it
# adds few ordinary accounts to the top of a review queue.
LOW_TIMES_BUDGET = 4.0
_BATCH = 2048  # accounts compared with their peers at once: (batch, peers, features) float64


@dataclass(frozen=True)
class Peers:
    """The benign reference an account is measured against, and its place on the log-odds.

    Attributes:
        columns: the positions of :data:`TOPIC_FEATURES` in the feature rows.
        volume_column: the position of the volume feature in the feature rows.
        volume: (n,) the reference accounts' volume feature, ascending.
        values: (n, len(columns)) their topic features, in ``volume`` order.
        typical: (n,) each reference account's own distance beyond its peers of the other tuning days.
        scale: (len(columns),) the benign spread each feature is measured in.
        peers: how many reference accounts nearest in volume an account is compared with.
        k: which smallest distance is the account's (``k`` peers must cover it).
        origin, slope: an account's log-odds on this path is ``origin + slope * factor``.
    """

    columns: tuple[int, ...]
    volume_column: int
    volume: np.ndarray
    values: np.ndarray
    typical: np.ndarray
    scale: np.ndarray
    peers: int
    k: int
    origin: float
    slope: float

    def factor(self, rows: np.ndarray) -> np.ndarray:
        """Each feature row's distance beyond its peers over theirs (0: covered by ``k`` of them)."""
        rows = np.asarray(rows, dtype=np.float64)
        return outlier_factor(rows[:, self.volume_column], rows[:, list(self.columns)], ref_volume=self.volume,
                              ref_values=self.values, ref_typical=self.typical, scale=self.scale, peers=self.peers,
                              k=self.k)

    def logit(self, rows: np.ndarray) -> np.ndarray:
        """Each feature row's log-odds on this path."""
        return self.origin + self.slope * self.factor(rows)

    def to_dict(self) -> dict:
        """A JSON-ready form (see :func:`peers_from_dict`)."""
        return {"columns": list(self.columns), "volume_column": self.volume_column, "volume": self.volume.tolist(),
                "values": self.values.tolist(), "typical": self.typical.tolist(), "scale": self.scale.tolist(),
                "peers": self.peers, "k": self.k, "origin": self.origin, "slope": self.slope}


def peers_from_dict(data: dict) -> Peers:
    """The :class:`Peers` of :meth:`Peers.to_dict`."""
    return Peers(columns=tuple(int(c) for c in data["columns"]), volume_column=int(data["volume_column"]),
                 volume=np.asarray(data["volume"], dtype=np.float64),
                 values=np.asarray(data["values"], dtype=np.float64).reshape(-1, len(data["columns"])),
                 typical=np.asarray(data["typical"], dtype=np.float64),
                 scale=np.asarray(data["scale"], dtype=np.float64), peers=int(data["peers"]), k=int(data["k"]),
                 origin=float(data["origin"]), slope=float(data["slope"]))


def beyond_peers(volume: np.ndarray, values: np.ndarray, *, ref_volume: np.ndarray, ref_values: np.ndarray,
                 scale: np.ndarray, peers: int, k: int) -> np.ndarray:
    """Per account, the ``k``-th smallest distance beyond the ``peers`` reference accounts nearest in volume;
    0 for an account smaller than every reference account (it has no peers to be judged against).

    Args:
        volume: (n,) the accounts' volume feature.
        values: (n, F) their topic features (each larger is further from ordinary).
        ref_volume: (m,) the reference accounts' volume, ascending.
        ref_values: (m, F) their topic features.
        scale: (F,) each feature's benign spread.
        peers: reference accounts compared with each account (all of them where fewer).
        k: the rank of the distance taken (at most the number compared).
    """
    ref_values = np.asarray(ref_values, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    judged, start, width = _windows(volume, ref_volume, peers)
    out = np.zeros(len(values))
    if not width:
        return out
    rank = min(int(k), width) - 1
    scale = np.asarray(scale, dtype=np.float64)
    scale = np.where(scale > 1e-9, scale, 1.0)
    window = np.arange(width)
    for lo in range(0, len(judged), _BATCH):
        hi = min(lo + _BATCH, len(judged))
        peer = ref_values[start[lo:hi, None] + window]  # (batch, width, F)
        excess = np.maximum(values[judged[lo:hi], None, :] - peer, 0.0) / scale
        out[judged[lo:hi]] = np.partition(np.sqrt((excess ** 2).sum(axis=2)), rank, axis=1)[:, rank]
    return out


def outlier_factor(volume: np.ndarray, values: np.ndarray, *, ref_volume: np.ndarray, ref_values: np.ndarray,
                   ref_typical: np.ndarray, scale: np.ndarray, peers: int, k: int) -> np.ndarray:
    """Per account, :func:`beyond_peers` over the mean of the same peers' own distances (``ref_typical``).

    A local outlier factor: small accounts' topic estimates are noisy, so ordinary small
    accounts lie further beyond each other than large ones do, and the ratio puts a distance
    in the units of its own volume. The local mean is floored at the whole reference's: where
    ordinary accounts of a volume cover each other more tightly than the rest, a distance is
    not magnified for it (a pipeline's few hours, a sample of its day, would be).
    """
    distance = beyond_peers(volume, values, ref_volume=ref_volume, ref_values=ref_values, scale=scale, peers=peers,
                            k=k)
    return distance / _local_typical(volume, ref_volume, ref_typical, peers)


def fit_peers(rows: np.ndarray, *, features: tuple[str, ...], days: np.ndarray, learned_logit: np.ndarray,
              threshold_logit: float, max_fpr: float, hard: np.ndarray | None = None,
              partial: np.ndarray | None = None, peers: int = 256, k: int = 3) -> Peers | None:
    """The benign reference of these benign accounts' feature rows, placed on the combiner's log-odds.

    Each tuning day's accounts are measured against the other days' (what an unseen day's
    ordinary accounts get), and the anchors read off those factors; None where they give no
    anchor (the budget's factor not above the lower anchor's).

    Args:
        rows: (n, len(features)) benign accounts' feature rows.
        features: the feature names (holding ``volume`` and every :data:`TOPIC_FEATURES`).
        days: (n,) each row's tuning day.
        learned_logit: (n,) each row's learned log-odds from a combiner fitted without its day (read
            only where ``partial`` is False).
        threshold_logit: the flag threshold's log-odds.
        max_fpr: the share of benign accounts (and of ``hard`` ones) this path may flag.
        hard: (n,) True for hard negatives, held to the same budget on their own.
        partial: (n,) True for accounts of a day's first hours: they join the reference and are held to
            the same budget on their own, so that a short batch's ordinary accounts are not the few
            far ones of a mostly whole-day reference; the lower anchor is read on the other rows.
        peers, k: as for :func:`beyond_peers`.
    """
    rows, days = np.asarray(rows, dtype=np.float64), np.asarray(days)
    columns = tuple(features.index(f) for f in TOPIC_FEATURES)
    volume_column = features.index("volume")
    volume, topics = rows[:, volume_column], rows[:, list(columns)]
    scale = topics.std(axis=0)
    # Each day against the other days: its distances, then (with the others' distances) its factors.
    typical, unseen = np.zeros(len(rows)), np.zeros(len(rows))
    others = {}
    for day in np.unique(days):
        held = days == day
        others[day] = np.flatnonzero(~held)[np.argsort(volume[~held], kind="stable")]
        typical[held] = beyond_peers(volume[held], topics[held], ref_volume=volume[others[day]],
                                     ref_values=topics[others[day]], scale=scale, peers=peers, k=k)
    for day, ref in others.items():
        held = days == day
        unseen[held] = typical[held] / _local_typical(volume[held], volume[ref], typical[ref], peers)
    partial = np.zeros(len(rows), dtype=bool) if partial is None else np.asarray(partial, dtype=bool)
    at_budget = float(np.quantile(unseen, 1.0 - max_fpr))
    for held in (partial, np.zeros(len(rows), dtype=bool) if hard is None else np.asarray(hard, dtype=bool)):
        if held.any():
            at_budget = max(at_budget, float(np.quantile(unseen[held], 1.0 - max_fpr)))
    low_quantile = max(0.5, 1.0 - LOW_TIMES_BUDGET * max_fpr)
    whole = ~partial
    low = float(np.quantile(unseen[whole], low_quantile))
    low_logit = float(np.quantile(np.asarray(learned_logit, dtype=np.float64)[whole], low_quantile))
    if at_budget <= low or threshold_logit <= low_logit:
        return None
    slope = (threshold_logit - low_logit) / (at_budget - low)
    order = np.argsort(volume, kind="stable")
    return Peers(columns=columns, volume_column=volume_column, volume=volume[order],
                 values=topics[order], typical=typical[order], scale=scale, peers=int(peers),
                 k=int(k), origin=float(threshold_logit - slope * at_budget), slope=float(slope))


def _local_typical(volume: np.ndarray, ref_volume: np.ndarray, ref_typical: np.ndarray, peers: int) -> np.ndarray:
    """Per account, the mean ``ref_typical`` of its peers (see :func:`outlier_factor`), floored at the mean of
    all of them; infinite for an account without peers (its factor is 0)."""
    typical = np.asarray(ref_typical, dtype=np.float64)
    judged, start, width = _windows(volume, ref_volume, peers)
    local = np.full(len(np.asarray(volume)), np.inf)
    if width:
        total = np.concatenate([[0.0], np.cumsum(typical)])
        local[judged] = (total[start + width] - total[start]) / width
    return np.maximum(local, max(float(typical.mean()) if len(typical) else 0.0, 1e-9))


def _windows(volume: np.ndarray, ref_volume: np.ndarray, peers: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The accounts judged (at least as large as the smallest reference account), the first of each one's
    peers in ``ref_volume`` (ascending) and how many peers each has."""
    volume, ref_volume = np.asarray(volume, dtype=np.float64), np.asarray(ref_volume, dtype=np.float64)
    width = min(int(peers), len(ref_volume))
    if not width:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
    judged = np.flatnonzero(volume >= ref_volume[0])
    start = np.clip(np.searchsorted(ref_volume, volume[judged]) - width // 2, 0, len(ref_volume) - width)
    return judged, start, width
