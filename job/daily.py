"""The daily job: score one day of traffic and write its results.

``run_day`` writes, into the output folder, ``accounts.parquet``/``accounts.csv``
(ranked verdicts), ``campaigns.parquet``/``campaigns.csv``, ``report.html`` (the page a
reviewer reads), ``rejected.jsonl`` and ``summary.json``, all of them swapped in together when
the run is done.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from files.output_folder import OutputFolder, check_output
from files.rejected import RejectedLog
from files.tables import write_json, write_table
from job.ingest import Day, NothingToScore
from job.outputs import SCHEMA_VERSION, conform
from job.pipeline import Detector, Scored, score_traffic
from job.stage_timer import StageTimer, peak_rss_mb
from report.page import write_report
from scoring.verdicts import render_templates
from traffic.read import InputError, InputOptions, read_traffic

log = logging.getLogger(__name__)



def check_traffic(source: InputOptions) -> None:
    """Check the traffic file and its (configured) columns at once.

    Raises:
        traffic.read.InputError: before anything is read or written.
    """
    read_traffic(source)


def run_day(source: InputOptions, detector: Detector, *, output_dir: str | Path | OutputFolder,
            config: dict | None = None, progress: bool = True, started: float | None = None) -> dict:
    """Score one traffic file and write the results; returns the summary.

    The results are written into a staging folder and swapped in whole (:mod:`files.output_folder`):
    a run that fails or is killed leaves the output folder as it was. A day with no usable row
    still publishes its ``rejected.jsonl`` and a ``summary.json`` that says so, then raises.

    Args:
        source: the traffic file and how to read it.
        detector: the embedders and the options of every stage.
        output_dir: folder for the results, or an :class:`~files.output_folder.OutputFolder`
            already entered (locked) by the caller.
        config: the resolved configuration to record in the summary.
        progress: show progress bars.
        started: when the run began (``time.time()``), for the summary's wall time; default now.

    Raises:
        traffic.read.InputError: missing file or column (nothing is written), or no usable row.
        files.output_folder.OutputError: the output folder cannot take the results.
    """
    started = time.time() if started is None else started
    # The reader checks the file and its columns up front: a bad input fails before anything is written.
    check_traffic(source)
    if isinstance(output_dir, OutputFolder):
        return _run_in(output_dir, source, detector, config=config, progress=progress, started=started)
    check_output(output_dir, inputs=(source.path,))
    with OutputFolder(output_dir) as folder:
        return _run_in(folder, source, detector, config=config, progress=progress, started=started)


def _run_in(folder: OutputFolder, source: InputOptions, detector: Detector, *, config: dict | None,
            progress: bool, started: float) -> dict:
    timer = StageTimer()
    stage = folder.staging
    shown = _published_path(source.path, folder)
    rejected = RejectedLog(stage / "rejected.jsonl", source=shown)
    try:
        day, scored = score_traffic(source, detector, reject=rejected, timer=timer, progress=progress)
    except NothingToScore as empty:
        rejected.commit()
        problem = nothing_to_score(shown, empty.day, rejected, folder.target)
        write_json({"input": shown, "status": "failed", "error": problem,
                    "rows_read": empty.day.rows_read, "rows_rejected": int(sum(empty.day.rejected.values())),
                    "rows_rejected_by_reason": dict(sorted(empty.day.rejected.items()))}, stage / "summary.json")
        folder.publish()
        raise InputError(problem) from None
    except BaseException:
        rejected.discard()
        raise
    when = day_of(day.row_time)
    with timer("write"):
        rejected.commit()
        for stem, table in (("accounts", scored.table), ("campaigns", scored.campaigns)):
            write_table(conform(table, stem, day=when), stage, stem,
                        metadata={"schema_version": SCHEMA_VERSION, "table": stem, "day": when},
                        as_text={"top_templates": render_templates})
    warnings = time_span_warnings(day.row_time)
    for warning in warnings:
        log.warning("%s", warning)
    summary = _summary(day, scored, source=shown, detector=detector, config=config, timer=timer,
                       started=started, warnings=warnings)
    summary = {"schema_version": SCHEMA_VERSION, "day": when, **summary}
    with timer("report"):
        write_report(stage / "report.html", day=day, scored=scored, summary=summary, threshold=detector.threshold)
    summary["stage_seconds"] = timer.seconds
    write_json(summary, stage / "summary.json")
    folder.publish()
    return summary


def day_of(row_time: np.ndarray) -> str:
    """The day a file's traffic belongs to: the UTC date of its median valid timestamp (a day's file
    may spill a little over midnight either way)."""
    return pd.Timestamp(float(np.median(row_time)), unit="s", tz="UTC").strftime("%Y-%m-%d")


def _published_path(path: str, folder: OutputFolder) -> str:
    """Where ``path`` will be once the run is published (the demo day is written into the staging folder)."""
    path = Path(path)
    return str(folder.target / path.relative_to(folder.staging)) if folder.staging in path.parents else str(path)


def nothing_to_score(path, day: Day, rejected: RejectedLog, target: Path) -> str:
    """The one-line error of a day with fewer than 2 distinct valid prompts, saying why."""
    n_rejected = int(sum(day.rejected.values()))
    if day.rows_read == 0:
        return f"{path}: no rows (the file is empty or holds only a header); nothing to score"
    if n_rejected == day.rows_read:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in day.rejected.most_common(3))
        example = rejected.examples[day.rejected.most_common(1)[0][0]]
        return (f"{path}: no usable row: all {day.rows_read:,} rejected ({reasons}); row {example['row']}: "
                f"{example['detail']}; every row's reason is in {target / 'rejected.jsonl'}")
    return (f"{path}: only {len(day.vectors)} distinct valid prompt in {day.rows_read:,} rows "
            f"({n_rejected:,} rejected); a day needs at least 2 to compare accounts")


SPAN_WARN_HOURS = 36.0
"""Valid rows spread wider than this (1st to 99th percentile) are more than one day's traffic."""


def time_span_warnings(row_time: np.ndarray) -> list[str]:
    """A warning when the valid rows' times spread over more than a day: mixed-up units or files."""
    if len(row_time) < 2:
        return []
    low, high = np.percentile(row_time, [1, 99])
    if high - low <= SPAN_WARN_HOURS * 3600:
        return []
    first, last = (pd.Timestamp(t, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M") for t in (low, high))
    return [f"most valid rows span {(high - low) / 86_400:.1f} days ({first} to {last} UTC), not one day: "
            f"check the timestamps (input.timestamp_unit) or score each day on its own"]


def _summary(day: Day, scored: Scored, *, source, detector: Detector, config: dict | None, timer: StageTimer,
             started: float, warnings: list[str]) -> dict:
    table = scored.table
    return {
        "input": str(source),
        "status": "scored",
        "warnings": warnings,
        "rows_read": day.rows_read,
        "rows_valid": int(len(day.row_uid)),
        "rows_rejected": int(sum(day.rejected.values())),
        "rows_rejected_by_reason": dict(sorted(day.rejected.items())),
        "distinct_prompts": int(len(day.vectors)),
        "accounts_scored": int(len(table)),
        "accounts_flagged": int(table["flagged"].sum()),
        "top_accounts": table.head(10)[["account_id", "score", "flagged"]].to_dict(orient="records"),
        "campaigns": 0 if scored.campaigns is None else int(len(scored.campaigns)),
        "campaigns_flagged": 0 if scored.campaigns is None else int(scored.campaigns["flagged"].sum()),
        "accounts_flagged_through_campaigns": int(table["reason"].str.startswith("Flagged through").sum()),
        "index_factory": scored.index_factory,
        "index_recall": scored.index_recall,
        "threshold": detector.threshold,
        "reference": {"domains": scored.reference.n_coarse, "subjects": scored.reference.n_cells,
                      "fitted_on": scored.reference.fitted_on},
        "stage_seconds": timer.seconds,
        "total_seconds": round(time.time() - started, 3),  # the whole run, model loading included
        "peak_rss_mb": peak_rss_mb(),
        "stage_peak_rss_mb": timer.peak_rss_mb,
        "model": detector.models.main.identity,
        "config": config,
    }
