"""Days in a row: the window, campaigns kept over days, retention, refusal, crash and rerun."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.metrics import auroc
from history.options import HistoryOptions
from history.store import HistoryError
from job import daily
from synthetic.demo.day import demo_day
from traffic.read import InputOptions

ROOT = Path(__file__).resolve().parents[1]
DAYS = ("2026-11-25", "2026-11-26", "2026-11-27")


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    """The demo day cut into three consecutive days: each account's rows dealt out over the three, in
    order, and moved to their day (the last day is the demo's own date). Also the three days in one
    file, and labels."""
    folder = tmp_path_factory.mktemp("three-days")
    frame = demo_day()
    labels = frame.groupby("account_id")["kind"].first()
    frame = frame.drop(columns=["kind", "strategy"])
    frame["part"] = frame.groupby("account_id").cumcount() % 3
    paths, parts = [], []
    for k, day in enumerate(DAYS):
        part = frame[frame["part"] == k].drop(columns="part").copy()
        part["timestamp"] = (pd.to_datetime(part["timestamp"], utc=True)
                             - pd.Timedelta(days=2 - k)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        paths.append(folder / f"{day}.parquet")
        part.to_parquet(paths[-1], index=False)
        parts.append(part)
    whole = folder / "whole.parquet"
    pd.concat(parts, ignore_index=True).to_parquet(whole, index=False)
    return paths, whole, labels


def run(detector, source: Path, out: Path, history: HistoryOptions | None = None) -> dict:
    return daily.run_day(InputOptions(path=str(source)), detector, output_dir=out, progress=False, history=history)


def test_three_days_with_a_window_rank_as_well_as_the_three_in_one_run(detector, three_days, tmp_path):
    paths, whole, labels = three_days
    history = HistoryOptions(dir=str(tmp_path / "store"), window_days=3)
    summaries = [run(detector, path, tmp_path / day, history) for path, day in zip(paths, DAYS)]
    assert summaries[-1]["history"]["days_in_window"] == list(DAYS)
    run(detector, whole, tmp_path / "whole")
    alone = run(detector, paths[-1], tmp_path / "alone")
    assert alone["day"] == DAYS[-1]

    def ranked(folder: Path) -> float:
        table = pd.read_parquet(folder / "accounts.parquet")
        return auroc((table["account_id"].map(labels) == "harvester").to_numpy(int), table["score"].to_numpy())

    window, one_run, day_alone = ranked(tmp_path / DAYS[-1]), ranked(tmp_path / "whole"), ranked(tmp_path / "alone")
    assert window >= one_run - 0.02, (window, one_run, day_alone)
    a, b = (pd.read_parquet(tmp_path / name / "accounts.parquet").set_index("account_id")["flagged"]
            for name in (DAYS[-1], "whole"))
    assert a.equals(b.reindex(a.index)), "the window flags what the three days in one run flag"
    assert summaries[-1]["history"]["prompts_searched"] < summaries[-1]["history"]["prompts_in_window"]
    assert not summaries[-1]["history"]["index_trained"]

    # The fleet's campaign keeps its id from day to day, and says since when.
    fleet = [pd.read_parquet(tmp_path / day / "accounts.parquet").query("account_id == 'fleet-01'")["campaign_id"].item()
             for day in DAYS]
    assert fleet[0] == fleet[1] == fleet[2] and fleet[0]
    campaigns = pd.read_parquet(tmp_path / DAYS[-1] / "campaigns.parquet").set_index("campaign_id")
    assert campaigns.loc[fleet[0], ["first_day", "last_day", "days_active", "status"]].tolist() == \
        [DAYS[0], DAYS[-1], 3, "ongoing"]
    first = pd.read_csv(tmp_path / DAYS[0] / "alerts.csv")
    assert set(first["status"]) == {"new"} and fleet[0] in set(first["campaign_id"])
    assert fleet[0] not in set(pd.read_csv(tmp_path / DAYS[-1] / "alerts.csv", keep_default_na=False)["campaign_id"])


def test_a_fleet_that_replaces_its_accounts_is_linked_to_its_earlier_self(detector, three_days, tmp_path):
    paths, _, _ = three_days
    history = HistoryOptions(dir=str(tmp_path / "store"), window_days=1)
    run(detector, paths[0], tmp_path / "d1", history)
    renamed = pd.read_parquet(paths[1])
    renamed["account_id"] = renamed["account_id"].str.replace("fleet-", "fleet-new-", regex=False)
    second = tmp_path / "renamed.parquet"
    renamed.to_parquet(second, index=False)
    run(detector, second, tmp_path / "d2", history)
    before = pd.read_parquet(tmp_path / "d1" / "accounts.parquet").query("account_id == 'fleet-01'")["campaign_id"].item()
    camps = pd.read_parquet(tmp_path / "d2" / "campaigns.parquet")
    now = pd.read_parquet(tmp_path / "d2" / "accounts.parquet").query("account_id == 'fleet-new-01'")["campaign_id"].item()
    row = camps.set_index("campaign_id").loc[now]
    assert now != before and row["status"] == "new" and row["linked_to"] == before
    alerts = pd.read_csv(tmp_path / "d2" / "alerts.csv", keep_default_na=False).set_index("campaign_id")
    assert alerts.loc[now, "linked_to"] == before and alerts.loc[before, "status"] == "ended"


class _Counting:
    """The real embedder, counting the texts it is asked to embed (as texts or as words' tokens)."""

    def __init__(self, embedder):
        self.embedder, self.texts = embedder, 0

    @property
    def identity(self):
        return self.embedder.identity

    def encode(self, texts):
        self.texts += len(texts)
        return self.embedder.encode(texts)

    def word_pieces(self, words):
        pieces, counting = self.embedder.word_pieces(words), self

        class Counted:
            def vectors(self, tokens, bounds):
                counting.texts += len(bounds) - 1
                return pieces.vectors(tokens, bounds)

        return Counted() if pieces is not None else None


def test_topic_texts_placed_on_an_earlier_day_are_not_embedded_again(detector, three_days, tmp_path):
    from job.pipeline import find_structure, read_day
    from job.stage_timer import StageTimer
    from job.topic_cells import PlacedTexts

    paths, _, _ = three_days
    day = read_day(InputOptions(path=str(paths[0])), detector, reject=lambda row: None, timer=StageTimer(),
                   progress=False)
    found = find_structure(day, detector, timer=StageTimer())
    nodes, family, reference = found.nodes, found.groups.family, detector.model.reference
    counting = _Counting(detector.models.main)
    topics = dataclasses.replace(found.topics, embedder=counting)
    cells = topics.cells(nodes, family, reference)
    # Each distinct topic text once, and the cells of embedding every node's text as it comes.
    assert 0 < counting.texts < len(nodes)
    assert np.array_equal(cells, reference.place(topics.of(nodes, family)(np.arange(len(nodes)))))
    placement, keys, known = topics.placed.placement, *topics.placed.used()
    later = dataclasses.replace(topics, placed=PlacedTexts(placement, keys, known))
    counting.texts = 0
    assert np.array_equal(later.cells(nodes, family, reference), cells) and counting.texts == 0
    other = dataclasses.replace(topics, placed=PlacedTexts("another topic space", keys, known + 1))
    assert np.array_equal(other.cells(nodes, family, reference), cells) and counting.texts > 0


def test_each_prompts_latest_stored_search_is_carried_into_the_window(tmp_path):
    from history.store import HistoryStore
    from scoring.tokens import TokenStore

    store = HistoryStore(tmp_path / "store", identity={"test": 1})
    window = np.array([10, 20, 30, 40], dtype=np.uint64)  # the window's prompts, by digest
    searches = {"2026-11-25": ([10, 20], [[20, 50], [10, 50]], 2),  # 50 is no longer in the window
                "2026-11-26": ([20, 30], [[30, 10, 40], [20, 40, 10]], 3)}  # searched deeper
    rows = pd.DataFrame({"account_id": ["a"], "timestamp": [0.0], "digest": [10]})
    for day, (digests, found, width) in searches.items():
        digests = np.array(digests, dtype=np.uint64)
        sims = np.linspace(0.9, 0.5, width * 2, dtype=np.float32).reshape(2, width)
        store.write_day(day, digests=digests, vectors=np.zeros((2, 4), np.float32), tokens=TokenStore(), rows=rows,
                        tables={}, searched=(digests, np.array(found, dtype=np.uint64), sims))
    known = store.searched(sorted(searches), window, leave_out=np.array([3]))
    lists = dict(zip(known.rows.tolist(), known.ids.tolist()))
    assert lists == {1: [2, 0, 3], 2: [1, 3, 0], 0: [1, -1, -1]}, "20 from its latest day; 50 gone; 40 left out"
    store.close()


def test_retention_drops_whole_days(detector, three_days, tmp_path):
    paths, _, _ = three_days
    history = HistoryOptions(dir=str(tmp_path / "store"), window_days=2, retention_days=2)
    dropped = [run(detector, path, tmp_path / day, history)["history"]["dropped"] for path, day in zip(paths, DAYS)]
    assert dropped == [[], [], [DAYS[0]]]
    assert sorted(p.name for p in (tmp_path / "store" / "days").iterdir()) == list(DAYS[1:])


def test_a_store_written_with_other_options_is_refused(detector, three_days, tmp_path):
    paths, _, _ = three_days
    history = HistoryOptions(dir=str(tmp_path / "store"))
    run(detector, paths[0], tmp_path / "d1", history)
    other = dataclasses.replace(detector, scoring=dataclasses.replace(detector.scoring, min_prompts=12))
    with pytest.raises(HistoryError, match=r"written with another scoring than this run's"):
        run(other, paths[1], tmp_path / "d2", history)
    assert not (tmp_path / "d2").exists()


KILL_IN_STORE = textwrap.dedent("""
    import os, runpy, signal, sys
    import numpy as np
    real = np.savez
    def savez_then_die(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    np.savez = savez_then_die
    sys.argv = ["scripts/score.py", *sys.argv[1:]]
    runpy.run_path("scripts/score.py", run_name="__main__")
""")


def _store_state(root: Path) -> dict:
    """What the store holds, by content (the .npz archives carry write times)."""
    state = {}
    for day in sorted(p for p in (root / "days").iterdir() if not p.name.startswith(".")):  # a killed run's staging
        with np.load(day / "prompts.npz") as data:
            state[day.name] = {k: data[k].tobytes() for k in data.files}
        with np.load(day / "placed.npz") as data:
            state[day.name].update({f"placed.{k}": data[k].tobytes() for k in data.files})
        for table in ("rows", "accounts", "campaigns", "members", "wording"):
            state[day.name][table] = pd.read_parquet(day / f"{table}.parquet").to_json()
    return state


def test_a_crash_mid_day_leaves_the_store_as_it_was_and_a_rerun_gives_the_same(detector, three_days, tmp_path):
    paths, _, _ = three_days
    store, clean = tmp_path / "store", tmp_path / "clean"
    for path, day in zip(paths[:2], DAYS[:2]):
        for root in (store, clean):
            run(detector, path, tmp_path / f"{root.name}-{day}", HistoryOptions(dir=str(root), window_days=3))
    before = _store_state(store)
    args = [f"input.path={paths[2]}", f"output.dir={tmp_path / 'store-day3'}", f"history.dir={store}",
            "history.window_days=3"]
    died = subprocess.run([sys.executable, "-c", KILL_IN_STORE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert died.returncode == -signal.SIGKILL, died.stderr[-2000:]
    assert _store_state(store) == before and not (tmp_path / "store-day3").exists()
    rerun = subprocess.run([sys.executable, str(ROOT / "scripts" / "score.py"), *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    run(detector, paths[2], tmp_path / "clean-day3", HistoryOptions(dir=str(clean), window_days=3))
    assert _store_state(store) == _store_state(clean)
    for name in ("accounts", "campaigns", "alerts"):
        assert pd.read_parquet(tmp_path / "store-day3" / f"{name}.parquet").equals(
            pd.read_parquet(tmp_path / "clean-day3" / f"{name}.parquet")), name
    assert sorted(p.name for p in (store / "days").iterdir()) == list(DAYS)  # its staging cleared
    assert json.loads((tmp_path / "store-day3" / "summary.json").read_text())["history"]["days_in_window"] == list(DAYS)
