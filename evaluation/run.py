"""The labelled evaluation: the daily job's own scoring on a labelled day, beside the baselines.

``evaluate`` builds (or loads from the cache) a labelled day, computes the
per-account signals with exactly the code the daily job runs (cached: a sweep
trial that changes only the score's weight or thresholds costs milliseconds),
scores it under the given options, runs the baselines on the same embeddings
and accounts, and writes ``metrics.json``, ``metrics.md`` and ``accounts.parquet``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from embedder import EmbedderOptions
from evaluation.metrics import campaign_metrics, detection_metrics, markdown_table
from evaluation.days import day_signals, labelled_day
from evaluation.signals import rescore
from files.atomic import atomic_path
from files.tables import write_json
from job.pipeline import Detector
from synthetic.labelled.day import SimulateOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalOptions:
    """Where the evaluation reads and writes, and what it optimises in a sweep (``eval.*``).

    Attributes:
        out_dir: folder of ``metrics.json``, ``metrics.md`` and ``accounts.parquet``.
        cache_dir: simulated days and per-account signals, reused across runs.
        traffic: a labelled day of your own, instead of simulating one ...
        labels: ... and its labels: ``account_id, label (benign|harvester), strategy, hard_negative``.
        baselines: score the published baselines on the same accounts.
        optimized_metric: the metric a sweep maximises.
        mode: ``suite``: the leave-one-out suite over labelled days (``conf/suite/``,
            :mod:`evaluation.suite`); ``day``: one labelled day (``simulate.*``, or ``traffic`` and
            ``labels``) beside the baselines, as a sweep trial scores it.
        readme: with ``mode=suite``, write the worst-case table into the README's evaluation section.
    """

    out_dir: str = "outputs/eval"
    cache_dir: str = "outputs/eval-cache"
    traffic: Optional[str] = None
    labels: Optional[str] = None
    baselines: bool = True
    optimized_metric: str = "suite/loo/tpr_worst"
    mode: str = "suite"
    readme: bool = False

    def __post_init__(self) -> None:
        if self.mode not in ("suite", "day"):
            raise ValueError(f"eval.mode must be suite or day, got {self.mode!r}")
TABLE_COLUMNS = ["eval/auroc", "eval/tpr_at_fpr_0.01", "eval/fpr_at_fpr_0.01", "eval/tpr_at_fpr_0.001",
                 "eval/hard_negative_fpr"]


def benign_reference(corpus: str, *, embed, size: int = 1024, seed: int = 0) -> np.ndarray:
    """Vectors of benign prompts from the corpus's *tune* split: the MMD baseline's benign-only reference."""
    from embedder import normalize_text
    from synthetic.labelled.day import load_corpus

    prompts = load_corpus(corpus).prompts
    pool = prompts[(prompts["kind"] == "benign") & (prompts["split"] == "tune")]["text"]
    sample = pool.sample(min(size, len(pool)), random_state=seed).tolist()
    return embed([normalize_text(t) for t in sample])


def evaluate(*, simulate: SimulateOptions, detector: Detector, embedder: EmbedderOptions,
             options: EvalOptions) -> dict[str, float]:
    """Evaluate the detector on one labelled day and write its results; returns the flat metrics dict.

    ``embedder`` names the options ``detector.models`` were built from (part of the feature cache key).
    """
    cache = Path(options.cache_dir)
    if options.traffic:
        traffic, labels_path = Path(options.traffic), Path(options.labels or "")
        if not labels_path.is_file():
            raise ValueError(f"eval.traffic is set, so eval.labels must name its labels file (got {options.labels!r})")
    else:
        traffic, labels_path = labelled_day(simulate, cache_dir=cache)
    signals, vectors_path = day_signals(traffic, detector, embedder=embedder, cache_dir=cache,
                                        keep_vectors=options.baselines)
    scored = rescore(signals, detector.model, threshold=detector.threshold,
                     campaign_threshold=detector.campaign_threshold, min_prompts=detector.scoring.min_prompts,
                     max_exchange=detector.scoring.campaigns.max_exchange)
    truth = pd.read_parquet(labels_path)
    # ``campaign`` in the labels is the true operation; the detector's own is ``campaign_id``.
    scored = truth.merge(scored.drop(columns=["campaign"]), on="account_id", how="left").fillna(
        {"score": 0.0, "flagged": False, "flagged_via_campaign": False, "campaign_id": ""})
    metrics = day_metrics(scored, prefix="eval")
    rows = {"detector": metrics}
    if options.baselines:
        for name, scores in _baselines(traffic, vectors_path, scored, simulate=simulate,
                                       embed=detector.models.main.encode, cache=cache).items():
            rows[name] = _metrics(scored, scores, flagged=None, prefix="eval")
            metrics.update({k.replace("eval/", f"baseline/{name}/", 1): v for k, v in rows[name].items()})
    _write(options, metrics, rows, scored)
    return metrics


def day_metrics(scored: pd.DataFrame, *, prefix: str) -> dict[str, float]:
    """Every metric of one scored labelled day: ranking, the ``flagged`` column, and campaigns."""
    metrics = _metrics(scored, scored["score"].to_numpy(), flagged=scored["flagged"].to_numpy(bool), prefix=prefix)
    precision, recall = metrics[f"{prefix}/flagged_precision"], metrics[f"{prefix}/flagged_recall"]
    metrics[f"{prefix}/flagged_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics[f"{prefix}/flagged_utility"] = flagged_utility(metrics, prefix=prefix)
    metrics.update(campaign_metrics(
        (scored["label"] == "harvester").to_numpy(int), _actors(scored), scored["campaign_id"].fillna("").to_numpy(str),
        scored["flagged"].to_numpy(bool), scored["flagged_via_campaign"].fillna(False).to_numpy(bool), prefix=prefix))
    return metrics


def flagged_utility(metrics: dict[str, float], *, prefix: str = "eval", max_fpr: float = 0.01,
                    max_hard_fpr: float = 0.02) -> float:
    """Recall of the ``flagged`` column, minus 10× every point of benign FPR over ``max_fpr`` and of
    hard-negative FPR over ``max_hard_fpr``: the sweep objective that encodes the FPR budget."""
    hard = metrics.get(f"{prefix}/flagged_hard_negative_fpr", 0.0)
    hard = 0.0 if hard != hard else hard  # NaN: the day has no hard negatives
    return (metrics[f"{prefix}/flagged_recall"] - 10 * max(0.0, metrics[f"{prefix}/flagged_fpr"] - max_fpr)
            - 10 * max(0.0, hard - max_hard_fpr))


def _actors(table: pd.DataFrame) -> np.ndarray:
    """The true operation of each account: the labels' ``campaign`` column, or (for labels
    without one) the fleet strategy as one operation and every other account its own."""
    if "campaign" in table:
        return table["campaign"].fillna("").where(lambda c: c != "", table["account_id"]).to_numpy(str)
    return np.where(table["strategy"].fillna("") == "fleet", "fleet", table["account_id"]).astype(str)


def _metrics(table: pd.DataFrame, scores: np.ndarray, *, flagged, prefix: str) -> dict[str, float]:
    return detection_metrics(
        (table["label"] == "harvester").to_numpy(int), scores, strategy=table["strategy"].fillna("").to_numpy(),
        hard_negative=table["hard_negative"].to_numpy(bool), flagged=flagged, prefix=prefix,
    )


def _baselines(traffic: Path, vectors_path: Path, scored: pd.DataFrame, *, simulate: SimulateOptions,
               embed, cache: Path) -> dict[str, np.ndarray]:
    """Baseline scores per account (aligned with ``scored``), cached beside the signals."""
    from evaluation.baselines import baseline_scores

    path = cache / f"baselines-{vectors_path.stem.split('-', 1)[1]}.parquet"  # keyed as the vectors are
    if not path.is_file():
        rows = pd.read_parquet(traffic, columns=["account_id", "timestamp", "prompt"])
        rows["timestamp"] = pd.to_datetime(rows["timestamp"], utc=True, format="ISO8601").astype("int64") / 1e9
        vectors = np.load(vectors_path)
        valid = np.linalg.norm(vectors, axis=1) > 0
        reference = benign_reference(simulate.corpus, embed=embed)
        table = baseline_scores(rows[valid].reset_index(drop=True), vectors[valid], reference=reference)
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)
    table = pd.read_parquet(path)
    aligned = scored[["account_id"]].merge(table, on="account_id", how="left")
    return {c: aligned[c].fillna(aligned[c].min()).to_numpy(float) for c in table.columns if c != "account_id"}


def _write(options: EvalOptions, metrics: dict, rows: dict, scored: pd.DataFrame) -> None:
    out = Path(options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # JSON has no NaN: a metric that is undefined on this day (e.g. no hard negatives) is null.
    write_json({k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in metrics.items()},
               out / "metrics.json")
    strategies = sorted(k for k in rows["detector"] if k.startswith("eval/tpr/"))
    table = markdown_table(rows, columns=TABLE_COLUMNS + strategies)
    with atomic_path(out / "metrics.md") as tmp:
        tmp.write_text(table + "\n")
    with atomic_path(out / "accounts.parquet") as tmp:
        scored.sort_values("score", ascending=False).to_parquet(tmp, index=False)
    log.info("\n%s", table)
