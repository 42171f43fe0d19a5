"""The daily job: score one day of traffic and write its results.

``run_day`` writes, into the output folder, ``accounts.parquet``/``accounts.csv``
(ranked verdicts), ``campaigns.parquet``/``campaigns.csv``, ``rejected.jsonl`` and
``summary.json`` (written last).
"""

from __future__ import annotations

import time
from pathlib import Path

from files.rejected import RejectedLog
from files.tables import write_json, write_table
from job.ingest import Day
from job.pipeline import Detector, Scored, score_traffic
from job.stage_timer import StageTimer, peak_rss_mb
from traffic.read import InputOptions, read_traffic


def check_traffic(source: InputOptions) -> None:
    """Check the traffic file and its (configured) columns at once.

    Raises:
        traffic.read.InputError: before anything is read or written.
    """
    read_traffic(source)


def run_day(source: InputOptions, detector: Detector, *, output_dir: str | Path, config: dict | None = None,
            progress: bool = True) -> dict:
    """Score one traffic file and write the results; returns the summary.

    Args:
        source: the traffic file and how to read it.
        detector: the embedders and the options of every stage.
        output_dir: folder for the results (created).
        config: the resolved configuration to record in the summary.
        progress: show progress bars.

    Raises:
        traffic.read.InputError: missing file or column (nothing is written).
    """
    out = Path(output_dir)
    timer = StageTimer()
    started = time.time()
    # The reader checks the file and its columns up front: a bad input fails before anything is written.
    check_traffic(source)
    out.mkdir(parents=True, exist_ok=True)
    rejected = RejectedLog(out / "rejected.jsonl", source=str(source.path))
    try:
        day, scored = score_traffic(source, detector, reject=rejected, timer=timer, progress=progress)
        with timer("write"):
            rejected.commit()
            write_table(scored.table, out, "accounts")
            if scored.campaigns is not None:
                write_table(scored.campaigns, out, "campaigns")
    except BaseException:
        rejected.discard()
        raise
    summary = _summary(day, scored, source=source.path, detector=detector, config=config, timer=timer,
                       started=started)
    write_json(summary, out / "summary.json")
    return summary


def _summary(day: Day, scored: Scored, *, source, detector: Detector, config: dict | None, timer: StageTimer,
             started: float) -> dict:
    table = scored.table
    return {
        "input": str(source),
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
        "total_seconds": round(time.time() - started, 3),
        "peak_rss_mb": peak_rss_mb(),
        "stage_peak_rss_mb": timer.peak_rss_mb,
        "model": detector.models.main.identity,
        "config": config,
    }
