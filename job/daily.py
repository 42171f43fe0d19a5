"""The daily job: score one day of traffic and write its results.

``run_day`` writes, into the output folder, ``accounts.parquet``/``accounts.csv``
(ranked verdicts), ``campaigns.parquet``/``campaigns.csv``, ``report.html`` (the page a
reviewer reads), ``rejected.jsonl`` and ``summary.json``, all of them swapped in together when
the run is done.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from files.output_folder import OutputFolder, check_output
from files.rejected import RejectedLog
from files.tables import write_json, write_table
from history.options import HistoryOptions
from history.store import HistoryStore
from history.tracking import follow, template_wording, without_history
from history.window import day_rows, window_day
from job.ingest import Day, NothingToScore
from job.outputs import SCHEMA_VERSION, conform
from job.pipeline import Carried, Detector, Scored, empty_campaigns, read_day, score_day
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
            config: dict | None = None, progress: bool = True, started: float | None = None,
            history: HistoryOptions | None = None) -> dict:
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
        history: the days kept across runs (:mod:`history`); None or an unset ``dir`` scores the day alone.

    Raises:
        traffic.read.InputError: missing file or column (nothing is written), or no usable row.
        files.output_folder.OutputError: the output folder cannot take the results.
    """
    started = time.time() if started is None else started
    # The reader checks the file and its columns up front: a bad input fails before anything is written.
    check_traffic(source)
    history = history if history is not None and history.dir is not None else None
    if isinstance(output_dir, OutputFolder):
        return _run_in(output_dir, source, detector, config=config, progress=progress, started=started,
                       history=history)
    check_output(output_dir, inputs=(source.path,))
    with OutputFolder(output_dir) as folder:
        return _run_in(folder, source, detector, config=config, progress=progress, started=started,
                       history=history)


def _run_in(folder: OutputFolder, source: InputOptions, detector: Detector, *, config: dict | None,
            progress: bool, started: float, history: HistoryOptions | None) -> dict:
    timer = StageTimer()
    stage = folder.staging
    shown = _published_path(source.path, folder)
    rejected = RejectedLog(stage / "rejected.jsonl", source=shown)
    store = HistoryStore(history.dir, identity=store_identity(detector)) if history is not None else None
    try:
        return _score_and_write(folder, source, detector, rejected=rejected, shown=shown, config=config,
                                progress=progress, started=started, timer=timer, history=history, store=store)
    finally:
        if store is not None:
            store.close()


def _score_and_write(folder: OutputFolder, source: InputOptions, detector: Detector, *, rejected: RejectedLog,
                     shown: str, config: dict | None, progress: bool, started: float, timer: StageTimer,
                     history: HistoryOptions | None, store: HistoryStore | None) -> dict:
    stage = folder.staging
    try:
        own = read_day(source, detector, reject=rejected, timer=timer, progress=progress)
        if len(own.vectors) < 2:
            raise NothingToScore(own)
        when = day_of(own.row_time)
        earlier = store.window(when, days=history.window_days) if store is not None else []
        day, active = window_day(own, store, earlier) if store is not None else (own, None)
        # The window's earlier days were searched and placed before: only today's prompts are searched,
        # in the index an earlier day trained, and only topic texts not seen before are embedded.
        carried = None if store is None else Carried(
            searched=store.searched(earlier, day.digests, leave_out=np.searchsorted(day.digests, own.digests)),
            placed=store.placed_texts(earlier), trained=store.trained(earlier))
        scored = score_day(day, detector, timer=timer, progress=progress, carried=carried)
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
    accounts, campaigns, members = todays_tables(day, scored, active)
    alerts = None
    if store is not None:
        with timer("history"):
            previous = store.previous(when)
            stored = {name: store.load_table(previous, name) if previous else None
                      for name in ("campaigns", "members", "wording")}
            wording = template_wording(day.tokens, campaign_prompts(scored, sorted(campaigns["campaign_id"])))
            campaigns, renamed, alerts = follow(
                campaigns, members, wording=wording, previous=stored["campaigns"],
                previous_members=stored["members"], previous_wording=stored["wording"], day=when)
            for frame in (accounts, members, wording):  # the campaigns table ``follow`` renamed itself
                frame["campaign_id"] = frame["campaign_id"].replace(renamed)
    else:
        campaigns, renamed = without_history(campaigns, day=when), {}
    scored = dataclasses.replace(scored, table=accounts, campaigns=campaigns,
                                 campaign_ids=[renamed.get(c, c) for c in scored.campaign_ids])
    with timer("write"):
        rejected.commit()
        for stem, table in (("accounts", accounts), ("campaigns", campaigns)):
            write_table(conform(table, stem, day=when), stage, stem,
                        metadata={"schema_version": SCHEMA_VERSION, "table": stem, "day": when},
                        as_text={"top_templates": render_templates})
        if alerts is not None:
            write_table(alerts, stage, "alerts")
    warnings = time_span_warnings(own.row_time)
    for warning in warnings:
        log.warning("%s", warning)
    summary = _summary(own, scored, source=shown, detector=detector, config=config, timer=timer,
                       started=started, warnings=warnings)
    summary = {"schema_version": SCHEMA_VERSION, "day": when, **summary}
    if store is not None:
        searched, trained = scored.structure.searched
        summary["history"] = {"dir": str(store.root), "window_days": history.window_days,
                              "days_in_window": [*earlier, when], "prompts_in_window": int(len(day.digests)),
                              "prompts_searched": int(len(searched.rows)),
                              "index_trained": trained is not carried.trained}
    with timer("report"):
        write_report(stage / "report.html", day=day, scored=scored, summary=summary, threshold=detector.threshold)
    if store is not None:
        # The day joins the store before the results are published: a run killed in between
        # re-scores the day from the same store (the stored copy of the day is left out of its window).
        with timer("history_write"):
            store.write_day(when, digests=own.digests, vectors=own.vectors, tokens=own.tokens, rows=day_rows(own),
                            tables={"accounts": accounts, "campaigns": campaigns, "members": members,
                                    "wording": wording}, searched=_searched(day, scored), trained=trained,
                            placed=(carried.placed.placement, *carried.placed.used()))
            summary["history"]["dropped"] = store.retain(when, days=history.retention_days)
    summary["stage_seconds"] = timer.seconds
    write_json(summary, stage / "summary.json")
    folder.publish()
    return summary


def _searched(day: Day, scored: Scored) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the run's search found, by digest, as the store keeps it."""
    found = scored.structure.searched[0]
    ids = found.ids
    near = np.where(ids >= 0, day.digests[np.maximum(ids, 0)], np.uint64(0))
    return day.digests[found.rows], near, np.where(ids >= 0, found.sims, -np.inf).astype(np.float32)


def todays_tables(day: Day, scored: Scored, active: np.ndarray | None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                               pd.DataFrame]:
    """The accounts that sent anything today (all of them without history), the campaigns with such a
    member, and those campaigns' ``campaign_id, account_id`` pairs."""
    linked = scored.campaign_of >= 0
    ids = np.asarray(scored.campaign_ids + [""], dtype=object)[scored.campaign_of]
    members = pd.DataFrame({"campaign_id": ids[linked], "account_id": np.asarray(day.accounts, dtype=object)[linked]})
    accounts, campaigns = scored.table, scored.campaigns
    if active is not None:
        today = set(np.asarray(day.accounts, dtype=object)[active])
        accounts = accounts[accounts["account_id"].isin(today)].reset_index(drop=True)
        live = set(members.loc[members["account_id"].isin(today), "campaign_id"])
        members = members[members["campaign_id"].isin(live)].reset_index(drop=True)
        if campaigns is not None:
            campaigns = campaigns[campaigns["campaign_id"].isin(live)].reset_index(drop=True)
    if campaigns is None:
        campaigns = empty_campaigns()
    return accounts.copy(), campaigns.copy(), members


def campaign_prompts(scored: Scored, names: list[str]) -> dict[str, np.ndarray]:
    """The distinct prompt ids of each named campaign's members."""
    nodes = scored.structure.nodes
    position = {name: i for i, name in enumerate(scored.campaign_ids)}
    member_campaign = scored.campaign_of[nodes.account]
    return {name: np.unique(nodes.uid[member_campaign == position[name]]) for name in names if name in position}


def store_identity(detector: Detector) -> dict:
    """What stored vectors and features depend on: the model (not its package versions) and the options."""
    model = {k: v for k, v in detector.models.main.identity.items() if k != "versions"}
    scoring = {k: v for k, v in dataclasses.asdict(detector.scoring).items()
               if k not in ("threshold", "campaign_threshold")}
    return {"model": model, "scoring": scoring, "index": dataclasses.asdict(detector.index)}


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
        "engine": detector.engine.describe(),
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
