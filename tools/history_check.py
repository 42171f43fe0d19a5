"""Check history on a labelled day: cut it into consecutive days and score them with a window.

    python tools/history_check.py --traffic day/traffic.parquet --labels day/labels.parquet --days 3

Each account's rows are dealt out over ``--days`` consecutive days, in order, and the days are
scored one after another with ``history.window_days`` = ``--days``. Printed, as JSON: the ranking
(AUROC, TPR at 1% benign FPR) of the last day scored with its window, of the whole day in one run
and of the last day alone; the wall seconds of each; how many of the last day's flagged
campaigns kept their id from the day before; and, for the last day's accounts, how many verdicts
and how far scores differ between the window and the whole day in one run. ``labels`` needs ``account_id`` and ``label``
(``harvester`` or not), as ``scripts/evaluate.py`` writes them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.metrics import auroc, tpr_at_fpr
from history.options import HistoryOptions
from job.config import DailyConfig
from job.daily import run_day
from job.wiring import compose, open_detector, options_from
from traffic.read import InputOptions


def split_days(frame: pd.DataFrame, n: int, last_day: str) -> list[tuple[str, pd.DataFrame]]:
    """The rows dealt out over ``n`` days ending on ``last_day``, each moved to its date."""
    part = frame.groupby("account_id").cumcount() % n
    stamps = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    out = []
    for k in range(n):
        day = (pd.Timestamp(last_day) - pd.Timedelta(days=n - 1 - k)).strftime("%Y-%m-%d")
        rows = frame[part == k].copy()
        rows["timestamp"] = (stamps[part == k] - pd.Timedelta(days=n - 1 - k)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append((day, rows))
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the check, print the figures; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--traffic", required=True, help="a labelled day's traffic (Parquet)")
    parser.add_argument("--labels", required=True, help="its labels (Parquet: account_id, label)")
    parser.add_argument("--days", type=int, default=3, help="days to cut it into, and the window (default 3)")
    args = parser.parse_args(argv)
    options = options_from(compose("config"), DailyConfig)
    detector = open_detector(options.embedder, index=options.index, scoring=options.scoring)
    frame = pd.read_parquet(args.traffic, columns=["account_id", "timestamp", "prompt"])
    truth = pd.read_parquet(args.labels).set_index("account_id")["label"].eq("harvester")
    last = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601").median().strftime("%Y-%m-%d")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)

        def score(rows: pd.DataFrame, name: str, history: HistoryOptions | None = None) -> tuple[pd.DataFrame, float]:
            path = work / f"{name}.parquet"
            rows.to_parquet(path, index=False)
            start = time.perf_counter()
            run_day(InputOptions(path=str(path)), detector, output_dir=work / name, progress=False, history=history)
            return pd.read_parquet(work / name / "accounts.parquet"), time.perf_counter() - start

        history = HistoryOptions(dir=str(work / "store"), window_days=args.days)
        days = split_days(frame, args.days, last)
        windowed = [score(rows, day, history) for day, rows in days]
        alone, alone_seconds = score(days[-1][1], "alone")
        whole, whole_seconds = score(frame, "whole")
        before, now = (pd.read_parquet(work / day / "campaigns.parquet") for day, _ in days[-2:]) \
            if args.days > 1 else (None, None)

    def ranking(table: pd.DataFrame) -> dict:
        labels = table["account_id"].map(truth).fillna(False).to_numpy(int)
        score = table["score"].to_numpy(float)
        return {"accounts": len(table), "auroc": round(auroc(labels, score), 4),
                "tpr_at_1pct_fpr": round(tpr_at_fpr(labels, score, max_fpr=0.01)["tpr"], 4)}

    result = {"days": args.days, "last_day_with_window": ranking(windowed[-1][0]), "whole_in_one_run": ranking(whole),
              "last_day_alone": ranking(alone), "seconds_with_window": [round(s, 1) for _, s in windowed],
              "seconds_last_day_alone": round(alone_seconds, 1), "seconds_whole": round(whole_seconds, 1)}
    result["window_cost_ratio"] = round(windowed[-1][1] / alone_seconds, 2)
    same = windowed[-1][0].set_index("account_id")
    one_run = whole.set_index("account_id").reindex(same.index)
    harvester = same.index.map(truth).fillna(False).to_numpy(bool)

    def count(flags: np.ndarray) -> dict:
        return {"harvesters": int((flags & harvester).sum()), "others": int((flags & ~harvester).sum())}

    here, there = same["flagged"].to_numpy(bool), one_run["flagged"].to_numpy(bool)
    result["against_whole_in_one_run"] = {
        "flagged_only_with_the_window": count(here & ~there), "flagged_only_in_one_run": count(there & ~here),
        "largest_score_change": round(float((same["score"] - one_run["score"]).abs().max()), 4)}
    if now is not None:
        flagged = now[now["flagged"]]
        result["flagged_campaigns_kept_from_the_day_before"] = \
            f"{int(flagged['campaign_id'].isin(set(before['campaign_id'])).sum())} of {len(flagged)}"
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
