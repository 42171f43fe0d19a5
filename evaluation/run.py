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
from evaluation.signals import cached_signals, rescore
from files.atomic import atomic_path
from files.tables import write_json
from job.pipeline import Detector, score_traffic
from job.stage_timer import StageTimer
from synthetic.labelled.day import SimulateOptions
from traffic.read import InputOptions

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
    """

    out_dir: str = "outputs/eval"
    cache_dir: str = "outputs/eval-cache"
    traffic: Optional[str] = None
    labels: Optional[str] = None
    baselines: bool = True
    optimized_metric: str = "eval/auroc"
TABLE_COLUMNS = ["eval/auroc", "eval/tpr_at_fpr_0.01", "eval/fpr_at_fpr_0.01", "eval/tpr_at_fpr_0.001",
                 "eval/hard_negative_fpr"]


def labelled_day(simulate: SimulateOptions, *, cache_dir: Path) -> tuple[Path, Path]:
    """Simulated traffic and labels for these options, built once and then read from the cache."""
    key = hashlib.sha256(json.dumps(dataclasses.asdict(simulate), sort_keys=True).encode()).hexdigest()[:16]
    folder = cache_dir / f"day-{simulate.split}-{key}"
    traffic, labels = folder / "traffic.parquet", folder / "labels.parquet"
    if not (traffic.is_file() and labels.is_file()):
        from synthetic.labelled.day import load_corpus, simulate_day, write_labelled_day

        corpus = load_corpus(simulate.corpus, tune_share=simulate.tune_share)
        frame, truth = simulate_day(corpus, simulate)
        write_labelled_day(frame, truth, folder)
    return traffic, labels


def compute_signals(traffic: Path, detector: Detector) -> tuple[pd.DataFrame, np.ndarray]:
    """The daily job's per-account table and a vector per traffic row (zeros for rejected rows)."""
    rejected: list = []
    day, scored = score_traffic(InputOptions(path=str(traffic)), detector, reject=rejected.append, timer=StageTimer(),
                                progress=False)
    vectors = np.zeros((day.rows_read, detector.models.main.dim), dtype=np.float32)
    vectors[day.row_number - 1] = day.vectors[day.row_uid]
    if rejected:
        log.warning("%d rows of %s were rejected and are not scored", len(rejected), traffic)
    return scored.table, vectors


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
    """Run the evaluation and write its results; returns the flat metrics dict.

    ``embedder`` names the options ``detector.models`` were built from (part of the signal cache key).
    """
    cache = Path(options.cache_dir)
    if options.traffic:
        traffic, labels_path = Path(options.traffic), Path(options.labels or "")
        if not labels_path.is_file():
            raise ValueError(f"eval.traffic is set, so eval.labels must name its labels file (got {options.labels!r})")
    else:
        traffic, labels_path = labelled_day(simulate, cache_dir=cache)
    signals, vectors_path = cached_signals(
        traffic, cache_dir=cache, embedder=embedder, index=detector.index, scoring=detector.scoring,
        compute=lambda: compute_signals(traffic, detector),
    )
    scored = rescore(signals, detector.scoring)
    truth = pd.read_parquet(labels_path)
    scored = truth.merge(scored, on="account_id", how="left").fillna(
        {"score": 0.0, "flagged": False, "flagged_via_campaign": False, "campaign_id": ""})
    metrics = _metrics(scored, scored["score"].to_numpy(), flagged=scored["flagged"].to_numpy(bool), prefix="eval")
    precision, recall = metrics["eval/flagged_precision"], metrics["eval/flagged_recall"]
    metrics["eval/flagged_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics["eval/flagged_utility"] = flagged_utility(metrics)
    metrics.update(campaign_metrics(
        (scored["label"] == "harvester").to_numpy(int), _actors(scored), scored["campaign_id"].fillna("").to_numpy(str),
        scored["flagged"].to_numpy(bool), scored["flagged_via_campaign"].fillna(False).to_numpy(bool)))
    rows = {"detector": metrics}
    if options.baselines:
        for name, scores in _baselines(traffic, vectors_path, scored, simulate=simulate,
                                       embed=detector.models.main.encode, cache=cache).items():
            rows[name] = _metrics(scored, scores, flagged=None, prefix="eval")
            metrics.update({k.replace("eval/", f"baseline/{name}/", 1): v for k, v in rows[name].items()})
    _write(options, metrics, rows, scored)
    return metrics


def flagged_utility(metrics: dict[str, float], *, max_fpr: float = 0.01, max_hard_fpr: float = 0.02) -> float:
    """Recall of the ``flagged`` column, minus 10× every point of benign FPR over ``max_fpr`` and of
    hard-negative FPR over ``max_hard_fpr``: the sweep objective that encodes the FPR budget."""
    hard = metrics.get("eval/flagged_hard_negative_fpr", 0.0)
    hard = 0.0 if hard != hard else hard  # NaN: the day has no hard negatives
    return (metrics["eval/flagged_recall"] - 10 * max(0.0, metrics["eval/flagged_fpr"] - max_fpr)
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

    path = cache / f"baselines-{vectors_path.stem.split('-', 1)[1]}.parquet"
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
