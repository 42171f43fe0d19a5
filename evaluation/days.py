"""Labelled days and their features: simulated once, scored once, then read from the cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from embedder import EmbedderOptions
from evaluation.signals import DaySignals, cached_signals, code_version, feature_options, file_digest, signals_of
from files.atomic import atomic_path
from job.pipeline import Detector, score_traffic
from job.stage_timer import StageTimer
from scoring.model import SHIPPED
from synthetic.labelled.day import SimulateOptions
from traffic.read import InputOptions

log = logging.getLogger(__name__)


def labelled_day(simulate: SimulateOptions, *, cache_dir: str | Path) -> tuple[Path, Path]:
    """Simulated traffic and labels for these options, built once and then read from the cache."""
    parts = {"options": dataclasses.asdict(simulate), "code": code_version(("synthetic",))}
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    folder = Path(cache_dir) / f"day-{simulate.split}-{simulate.seed}-{key}"
    traffic, labels = folder / "traffic.parquet", folder / "labels.parquet"
    if not (traffic.is_file() and labels.is_file()):
        from synthetic.labelled.day import load_corpus, simulate_day, write_labelled_day

        corpus = load_corpus(simulate.corpus, tune_share=simulate.tune_share)
        frame, truth = simulate_day(corpus, simulate)
        write_labelled_day(frame, truth, folder)
    return traffic, labels


def reference_digest(detector: Detector) -> str:
    """A digest of the fitted topic reference the detector places prompts in ("day" when it fits one per day)."""
    folder = Path(detector.scoring.reference) if detector.scoring.reference not in (None, "day") else SHIPPED
    if detector.model is None or detector.model.reference is None:
        return "day"
    return file_digest(folder / "topics.npz")


def day_signals(traffic: str | Path, detector: Detector, *, embedder: EmbedderOptions, cache_dir: str | Path,
                keep_vectors: bool = False) -> tuple[DaySignals, Path | None]:
    """The day's account and campaign features under ``detector`` (cached), and, with ``keep_vectors``,
    the path of a ``.npy`` holding each traffic row's vector (zeros for rejected rows; for the baselines)."""
    key_parts = {"options": feature_options(embedder, detector.index, detector.scoring),
                 "reference": reference_digest(detector)}
    vectors_path = Path(cache_dir) / f"vectors-{file_digest(traffic)}-{embedder.name}.npy" if keep_vectors else None

    def compute() -> DaySignals:
        rejected: list = []
        day, scored = score_traffic(InputOptions(path=str(traffic)), detector, reject=rejected.append,
                                    timer=StageTimer(), progress=False)
        if rejected:
            log.warning("%d rows of %s were rejected and are not scored", len(rejected), traffic)
        if vectors_path is not None:
            _save_row_vectors(day, detector, vectors_path)
        return signals_of(scored)

    signals = cached_signals(traffic, cache_dir=cache_dir, key_parts=key_parts, compute=compute)
    if vectors_path is not None and not vectors_path.is_file():  # signals were cached without them
        compute()
    return signals, vectors_path


def first_hours(traffic: str | Path, *, hours: float, cache_dir: str | Path) -> Path:
    """The traffic file of the day's first ``hours`` (from midnight of its first row), written once to the cache.

    What a team that scores every few hours sees of the day: each account's prompts up to then.
    """
    traffic = Path(traffic)
    path = Path(cache_dir) / f"short-batch-{traffic.parent.name}-{hours:g}h" / "traffic.parquet"
    if not path.is_file():
        frame = pd.read_parquet(traffic)
        stamps = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
        write_once(frame[stamps < stamps.min().floor("D") + pd.Timedelta(hours=hours)], path)
    return path


def partial_signals(traffic: str | Path, detector: Detector, *, embedder: EmbedderOptions, cache_dir: str | Path,
                    hours: list[float]) -> tuple[DaySignals, ...]:
    """The features of the day's first ``hours`` each (:func:`first_hours`, :func:`day_signals`; cached)."""
    return tuple(day_signals(first_hours(traffic, hours=h, cache_dir=cache_dir), detector, embedder=embedder,
                             cache_dir=cache_dir)[0] for h in hours)


def write_once(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as the Parquet file ``path``, written atomically unless it is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    return path


def _save_row_vectors(day, detector: Detector, path: Path) -> None:
    vectors = np.zeros((day.rows_read, detector.models.main.dim), dtype=np.float32)
    vectors[day.row_number - 1] = day.vectors[day.row_uid]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, vectors)
