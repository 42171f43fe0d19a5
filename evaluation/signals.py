"""Per-account signals of a labelled day, computed once and cached on disk.

A sweep trial that only changes the score's weight or thresholds must not
re-embed or re-index anything: the signals (coverage, templating, volumes) are
cached under a key made of everything they depend on — the traffic file's
content hash, the embedder, the index and the signal options of the scoring
config — and re-scored with :func:`rescore` in milliseconds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from embedder import EmbedderOptions
from index.options import IndexOptions
from scoring.campaign_verdicts import inherit
from scoring.options import ScoringOptions
from scoring.verdicts import account_score
from files.atomic import atomic_path

SIGNAL_COLUMNS = ["account_id", "n_prompts", "n_distinct", "coverage", "templating", "effective_templates",
                  "campaign_id", "campaign_coverage", "campaign_templating", "campaign_effective_templates",
                  "campaign_n_distinct"]
# Options that only turn signals into a score: changing them never invalidates the cache.
SCORE_ONLY = ("coverage_weight", "threshold", "min_prompts", "campaign_threshold", "sweep_templates",
              "base_templates")


def file_digest(path: str | os.PathLike) -> str:
    """sha256 (first 16 hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def code_version() -> str:
    """Hash of the source that computes signals, so a code change never reuses stale signals."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for folder in ("embedder", "index", "scoring", "job"):
        for path in sorted((root / folder).rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def signal_key(*, data: str, embedder: EmbedderOptions, index: IndexOptions, scoring: ScoringOptions) -> str:
    """Cache key of the signals: data hash, code version and every option they depend on."""
    signal_options = {k: v for k, v in dataclasses.asdict(scoring).items() if k not in SCORE_ONLY}
    parts = {"data": data, "code": code_version(), "embedder": dataclasses.asdict(embedder),
             "index": dataclasses.asdict(index), "scoring": signal_options}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cached_signals(
    traffic: str | os.PathLike,
    *,
    cache_dir: str | os.PathLike,
    embedder: EmbedderOptions,
    index: IndexOptions,
    scoring: ScoringOptions,
    compute: Callable[[], tuple[pd.DataFrame, np.ndarray]],
) -> tuple[pd.DataFrame, Path]:
    """The signals table for ``traffic``, from the cache or from ``compute()`` (then stored).

    Args:
        traffic: the labelled day's traffic file.
        cache_dir: folder of cached signals.
        embedder, index, scoring: the options the signals depend on.
        compute: returns (signals table with SIGNAL_COLUMNS, per-row vectors of the traffic file).

    Returns:
        (signals, path of the per-row vectors ``.npy`` beside them).
    """
    key = signal_key(data=file_digest(traffic), embedder=embedder, index=index, scoring=scoring)
    folder = Path(cache_dir)
    table_path, vectors_path = folder / f"signals-{key}.parquet", folder / f"vectors-{key}.npy"
    if table_path.is_file() and vectors_path.is_file():
        return pd.read_parquet(table_path), vectors_path
    table, vectors = compute()
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(vectors_path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, vectors)
    with atomic_path(table_path) as tmp:  # the table last: its presence means both are complete
        table[SIGNAL_COLUMNS].to_parquet(tmp, index=False)
    return table[SIGNAL_COLUMNS].copy(), vectors_path


def rescore(signals: pd.DataFrame, options: ScoringOptions) -> pd.DataFrame:
    """Signals plus ``score``, ``flagged`` and ``flagged_via_campaign`` under the score options.

    Each account and each campaign is scored as in the daily job, and accounts
    inherit from their campaigns (``scoring.campaign_verdicts.inherit``); nothing is recomputed.
    """
    out = signals.copy()
    own = account_score(out["coverage"].to_numpy(float), out["templating"].to_numpy(float),
                        out["effective_templates"].to_numpy(float), options=options)
    own_flagged = (own >= options.threshold) & (out["n_distinct"].to_numpy() >= options.min_prompts)
    linked = out["campaign_id"].fillna("").to_numpy(str) != ""
    pooled = account_score(out["campaign_coverage"].to_numpy(float), out["campaign_templating"].to_numpy(float),
                           out["campaign_effective_templates"].to_numpy(float), options=options)
    pooled = np.where(linked, pooled, 0.0)
    pooled_flagged = (linked & (pooled >= options.campaign_threshold)
                      & (out["campaign_n_distinct"].to_numpy() >= options.min_prompts))
    score, flagged, through = inherit(own, own_flagged, pooled, pooled_flagged)
    out["score"], out["flagged"], out["flagged_via_campaign"] = score, flagged, through
    return out
