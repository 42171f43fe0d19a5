"""Per-account and per-campaign features of a labelled day, computed once and cached on disk.

Refitting the combiner (a leave-one-out fold, a threshold sweep) must not re-embed or
re-index anything: the features the daily job computes are cached under a key made of
everything they depend on (the traffic file's content hash, the code, the embedder, the
index and scoring options, the topic reference) and re-scored in milliseconds by
:func:`rescore`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from files.atomic import atomic_path
from scoring.campaign_verdicts import inherit, may_flag
from scoring.features import FEATURES, campaign_values
from scoring.model import ScoringModel

TIE_COLUMNS = ("exchange", "timing_clumping", "topic_clumping", "link_ratio", "link_share")
# Options that only turn features into a verdict: changing them never invalidates the cache.
SCORE_ONLY = ("threshold", "campaign_threshold", "min_prompts")


@dataclass(frozen=True)
class DaySignals:
    """The features of a day's accounts and campaigns.

    Attributes:
        accounts: one row per account: ``account_id``, ``n_distinct``, ``campaign`` (its campaign's
            row in ``campaigns``, -1 when unlinked), ``campaign_id`` and every feature of :data:`FEATURES`.
        campaigns: one row per campaign: ``campaign``, ``campaign_id``, ``n_accounts``, ``n_distinct``
            and every feature.
    """

    accounts: pd.DataFrame
    campaigns: pd.DataFrame


def file_digest(path: str | os.PathLike) -> str:
    """sha256 (first 16 hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


# Modules that only turn cached signals into scores and flags (the combiners, the account verdicts):
# every cached day is re-scored through them (:func:`rescore`), so a change to them keeps the cache.
VERDICT_ONLY = ("scoring/combiner.py", "scoring/peers.py", "scoring/verdicts.py")


def code_version(folders: tuple[str, ...] = ("embedder", "index", "scoring", "job"), *,
                 root: Path | None = None, skip: tuple[str, ...] = VERDICT_ONLY) -> str:
    """Hash of the source in ``folders`` under ``root`` (by default, what computes features, in this
    repository), so a code change never reuses stale cached results; the files in ``skip`` (paths
    relative to ``root``) are left out."""
    root = Path(__file__).resolve().parents[1] if root is None else Path(root)
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name in skip:
                continue
            h.update(name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def signal_key(*, data: str, options: dict, reference: str) -> str:
    """Cache key: data hash, code version, the options features depend on, the reference's digest."""
    parts = {"data": data, "code": code_version(), "options": options, "reference": reference}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def feature_options(embedder, index, scoring) -> dict:
    """The options the features depend on (score-only ones left out)."""
    return {"embedder": dataclasses.asdict(embedder), "index": dataclasses.asdict(index),
            "scoring": {k: v for k, v in dataclasses.asdict(scoring).items() if k not in SCORE_ONLY}
            | {"campaigns": {k: v for k, v in dataclasses.asdict(scoring.campaigns).items() if k != "max_exchange"}}}


def cached_signals(traffic: str | os.PathLike, *, cache_dir: str | os.PathLike, key_parts: dict,
                   compute: Callable[[], DaySignals]) -> DaySignals:
    """The day's signals from the cache, or from ``compute()`` (then stored).

    Args:
        traffic: the labelled day's traffic file.
        cache_dir: folder of cached signals.
        key_parts: ``options`` (:func:`feature_options`) and ``reference`` (a digest of the topic reference).
        compute: computes the signals when they are not cached.
    """
    key = signal_key(data=file_digest(traffic), **key_parts)
    folder = Path(cache_dir)
    accounts_path, campaigns_path = folder / f"signals-{key}.parquet", folder / f"campaigns-{key}.parquet"
    if accounts_path.is_file() and campaigns_path.is_file():
        return DaySignals(pd.read_parquet(accounts_path), pd.read_parquet(campaigns_path))
    signals = compute()
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(campaigns_path) as tmp:
        signals.campaigns.to_parquet(tmp, index=False)
    with atomic_path(accounts_path) as tmp:  # the accounts last: their presence means both are complete
        signals.accounts.to_parquet(tmp, index=False)
    return signals


def signals_of(scored) -> DaySignals:
    """The :class:`DaySignals` of a scored day (``job.pipeline.Scored``), rows in the day's account order."""
    accounts = pd.DataFrame(scored.features.values, columns=list(FEATURES))
    campaign_ids = np.asarray(scored.campaign_ids + [""], dtype=object)  # position -1: unlinked
    accounts.insert(0, "account_id", list(scored.accounts))
    accounts.insert(1, "n_distinct", scored.features.n_distinct)
    accounts.insert(2, "campaign", scored.campaign_of.astype(np.int64))
    accounts.insert(3, "campaign_id", campaign_ids[scored.campaign_of].astype(str))
    accounts["popular"] = scored.features.popular_share
    if scored.campaign_features is None:
        campaigns = pd.DataFrame(columns=["campaign", "campaign_id", "n_accounts", "n_distinct", *FEATURES,
                                          "popular", *TIE_COLUMNS])
    else:
        campaigns = pd.DataFrame(scored.campaign_features.values, columns=list(FEATURES))
        campaigns.insert(0, "campaign", np.arange(len(campaigns)))
        campaigns.insert(1, "campaign_id", scored.campaign_ids)
        campaigns.insert(2, "n_accounts", np.bincount(scored.campaign_of[scored.campaign_of >= 0],
                                                      minlength=len(campaigns)))
        campaigns.insert(3, "n_distinct", scored.campaign_features.n_distinct)
        campaigns["popular"] = scored.campaign_features.popular_share
        tie = scored.campaign_evidence
        for name in TIE_COLUMNS:
            campaigns[name] = getattr(tie, name)
    return DaySignals(accounts, campaigns)


def rescore(signals: DaySignals, model: ScoringModel, *, threshold: float, campaign_threshold: float,
            min_prompts: int, max_exchange: float) -> pd.DataFrame:
    """The accounts with ``score``, ``flagged`` and ``flagged_via_campaign`` under a scoring model.

    Each account and each campaign is scored as in the daily job, and accounts inherit from
    their campaigns (``scoring.campaign_verdicts.inherit``); nothing is recomputed.
    """
    out = signals.accounts.copy()
    own = model.combiner.score(out[list(FEATURES)].to_numpy(float))
    own_flagged = (own >= threshold) & (out["n_distinct"].to_numpy() >= min_prompts)
    camps = signals.campaigns
    pooled = np.zeros(len(out))
    pooled_flagged = np.zeros(len(out), dtype=bool)
    if len(camps):
        values = campaign_values(camps[list(FEATURES)].to_numpy(float), camps["exchange"].to_numpy(float),
                                 content=model.combiner.learned_logit)
        score = model.campaign_combiner.score(values)
        flagged = ((score >= campaign_threshold) & (camps["n_distinct"].to_numpy() >= min_prompts)
                   & may_flag(values[:, 0], camps["exchange"].to_numpy(float), account_threshold=threshold,
                              max_exchange=max_exchange))
        position = out["campaign"].to_numpy()
        linked = position >= 0
        pooled[linked] = score[position[linked]]
        pooled_flagged[linked] = flagged[position[linked]]
    score, flagged, through = inherit(own, own_flagged, pooled, pooled_flagged,
                                      n_distinct=out["n_distinct"].to_numpy(), min_prompts=min_prompts)
    out["own_score"], out["score"], out["flagged"], out["flagged_via_campaign"] = own, score, flagged, through
    return out
