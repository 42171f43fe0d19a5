"""Two checks of a threshold that means the same every day: the same traffic on another day, and a short batch.

- **Another day**: a set of accounts (every harvester, every hard negative and a sample of
  users) is scored once on its own day and once with the rest of that day replaced by
  another day's traffic. No verdict may flip and no score may move by more than a few
  hundredths: the score is a function of the account's own traffic and the fixed reference.
- **Short batch**: the first hours of a day, scored alone, must flag almost no ordinary
  user and no hard negative (a team that scores hourly must not drown).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedder import EmbedderOptions
from evaluation.days import day_signals, first_hours, write_once
from evaluation.signals import rescore
from evaluation.training import labelled_accounts
from job.pipeline import Detector


def _scored(traffic: Path, labels: pd.DataFrame, detector: Detector, *, embedder: EmbedderOptions,
            cache_dir: Path) -> pd.DataFrame:
    signals, _ = day_signals(traffic, detector, embedder=embedder, cache_dir=cache_dir)
    scored = rescore(signals, detector.model, threshold=detector.threshold,
                     campaign_threshold=detector.campaign_threshold, min_prompts=detector.scoring.min_prompts,
                     max_exchange=detector.scoring.campaigns.max_exchange)
    return labelled_accounts(type(signals)(scored, signals.campaigns), labels)


def another_day(day: tuple[Path, pd.DataFrame], other: tuple[Path, pd.DataFrame], detector: Detector, *,
                embedder: EmbedderOptions, cache_dir: str | Path, users: int = 200, seed: int = 0) -> dict:
    """The same accounts' traffic scored on its own day and amid another day's traffic.

    Returns, over the probe accounts, the largest score change, the 95th percentile of changes and
    the accounts whose ``flagged`` verdict flipped (counted by strategy, fleet shape or kind in
    ``flips_by_kind``); and the same for each account's own score and verdict (before it inherits
    from a campaign), which separates what the account's own traffic shows from what the day's
    campaigns add.
    """
    cache = Path(cache_dir)
    traffic, labels = pd.read_parquet(day[0]), day[1]
    plain = labels[(labels["label"] == "benign") & ~labels["hard_negative"].astype(bool)]["account_id"]
    sample = plain.sample(min(users, len(plain)), random_state=seed)
    probes = set(labels.loc[(labels["label"] == "harvester") | labels["hard_negative"].astype(bool),
                            "account_id"]) | set(sample)
    background = pd.read_parquet(other[0])
    background = background.assign(account_id="other-" + background["account_id"].astype(str))
    mixed = pd.concat([traffic[traffic["account_id"].isin(probes)], background], ignore_index=True)
    mixed = mixed.sort_values("timestamp", kind="stable", ignore_index=True)
    path = write_once(mixed, cache / f"another-day-{day[0].parent.name}-{other[0].parent.name}-{seed}" / "traffic.parquet")
    mixed_labels = pd.concat([labels, other[1].assign(account_id="other-" + other[1]["account_id"].astype(str))])
    alone = _scored(day[0], labels, detector, embedder=embedder, cache_dir=cache).set_index("account_id")
    amid = _scored(path, mixed_labels, detector, embedder=embedder, cache_dir=cache).set_index("account_id")
    ids = sorted(probes)
    change = (alone.loc[ids, "score"] - amid.loc[ids, "score"]).abs()
    flips = alone.loc[ids, "flagged"] != amid.loc[ids, "flagged"]
    flipped = sorted(flips.index[flips])
    own_change = (alone.loc[ids, "own_score"] - amid.loc[ids, "own_score"]).abs()
    own_flips = _own_flagged(alone.loc[ids], detector) != _own_flagged(amid.loc[ids], detector)
    return {"accounts": len(ids), "score_change_max": float(change.max()),
            "score_change_p95": float(change.quantile(0.95)), "flips": int(flips.sum()),
            "own_score_change_max": float(own_change.max()), "own_score_change_p95": float(own_change.quantile(0.95)),
            "own_flips": int(own_flips.sum()),
            "flips_by_kind": _by_kind(alone.loc[flipped]), "flipped": flipped[:20],
            "largest_change": change.sort_values(ascending=False).head(5).round(4).to_dict()}


def _by_kind(accounts: pd.DataFrame) -> dict[str, int]:
    """Accounts counted by what they are: a harvester by strategy (and fleet shape), anything else by kind."""
    column = lambda name: accounts[name].fillna("").astype(str)  # noqa: E731
    shape = column("fleet_shape")
    harvester = "harvester " + column("strategy") + shape.where(shape == "", " " + shape)
    name = harvester.where(accounts["label"].eq("harvester"), column("kind"))
    return {str(k): int(v) for k, v in name.value_counts().sort_index().items()}


def _own_flagged(scored: pd.DataFrame, detector: Detector) -> pd.Series:
    return (scored["own_score"] >= detector.threshold) & (scored["n_distinct"] >= detector.scoring.min_prompts)


def short_batch(day: tuple[Path, pd.DataFrame], detector: Detector, *, embedder: EmbedderOptions,
                cache_dir: str | Path, hours: float = 2.0) -> dict:
    """The first ``hours`` of a day scored alone: flagged shares of its ordinary users and hard negatives."""
    cache = Path(cache_dir)
    path, labels = first_hours(day[0], hours=hours, cache_dir=cache), day[1]
    batch = pd.read_parquet(path, columns=["account_id"])
    scored = _scored(path, labels, detector, embedder=embedder, cache_dir=cache)
    scored = scored[scored["account_id"].isin(set(batch["account_id"]))]
    users = scored[(scored["label"] == "benign") & ~scored["hard_negative"].astype(bool)]
    hard = scored[scored["hard_negative"].astype(bool)]
    harvest = scored[scored["label"] == "harvester"]
    return {"hours": hours, "rows": int(len(batch)), "accounts": int(len(scored)), "users": int(len(users)),
            "users_flagged": float(users["flagged"].mean()) if len(users) else 0.0,
            "hard_negatives": int(len(hard)), "hard_negatives_flagged": int(hard["flagged"].sum()),
            "harvesters": int(len(harvest)),
            "harvesters_flagged": float(harvest["flagged"].mean()) if len(harvest) else float("nan")}
