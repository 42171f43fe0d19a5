"""The output folder: one run at a time, results whole or not at all, safe to open, clear refusals.

Runs that must be killed or raced go through ``scripts/score.py`` in subprocesses (the real job,
the real model); the rest call the job in process with the shared detector.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from files.output_folder import OutputError, OutputFolder, check_output
from files.tables import inert_for_spreadsheets
from job import daily
from synthetic.demo.day import demo_day
from traffic.read import InputError, InputOptions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Two slices of the demo day: 3,000 and 2,000 rows."""
    folder = tmp_path_factory.mktemp("days")
    frame = demo_day().drop(columns=["kind", "strategy"])
    big, small = folder / "big.parquet", folder / "small.parquet"
    frame.head(3000).to_parquet(big, index=False)
    frame.tail(2000).to_parquet(small, index=False)
    return big, small


def run(detector, source: Path, out: Path, **read) -> dict:
    return daily.run_day(InputOptions(path=str(source), **read), detector, output_dir=out, progress=False)


def score(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    """``scripts/score.py`` in a subprocess."""
    return subprocess.Popen([sys.executable, str(ROOT / "scripts" / "score.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **popen)


def whole(out: Path) -> int | None:
    """The row count of the one run the folder's results all come from; None when there are none.

    Fails when the files disagree: a mixed folder.
    """
    if not out.exists():
        return None
    names = sorted(p.name for p in out.iterdir())
    assert names == ["accounts.csv", "accounts.parquet", "campaigns.csv", "campaigns.parquet", "rejected.jsonl",
                     "report.html", "summary.json"], names
    summary = json.loads((out / "summary.json").read_text())
    accounts = pd.read_parquet(out / "accounts.parquet")
    assert pd.read_csv(out / "accounts.csv")["n_prompts"].tolist() == accounts["n_prompts"].tolist()
    assert accounts["n_prompts"].sum() == summary["rows_valid"] and len(accounts) == summary["accounts_scored"]
    assert len(pd.read_parquet(out / "campaigns.parquet")) == summary["campaigns"]
    return summary["rows_read"]


def test_outputs_get_the_mode_an_ordinary_write_would(detector, days, tmp_path):
    out = tmp_path / "out"
    run(detector, days[1], out)
    umask = os.umask(0o022)
    os.umask(umask)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o666 & ~umask}, modes
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_formula_like_cells_are_inert_in_csv_and_raw_in_parquet(detector, days, tmp_path):
    frame = pd.read_parquet(days[1])
    evil = '=cmd|"/C calc"!A0'
    frame.loc[frame["account_id"] == frame["account_id"].iloc[0], "account_id"] = evil
    path = tmp_path / "evil.parquet"
    frame.to_parquet(path, index=False)
    out = tmp_path / "out"
    run(detector, path, out)
    assert evil in set(pd.read_parquet(out / "accounts.parquet")["account_id"])
    ids = set(pd.read_csv(out / "accounts.csv", keep_default_na=False)["account_id"])
    assert "'" + evil in ids and evil not in ids
    cells = inert_for_spreadsheets(pd.DataFrame({"t": ["=1+1", "+x", "-y", "@z", "\tq", "plain", None],
                                                 "n": [-1, 2, 3, 4, 5, 6, 7]}))
    assert cells["t"].tolist()[:6] == ["'=1+1", "'+x", "'-y", "'@z", "'\tq", "plain"] and pd.isna(cells["t"].iloc[6])
    assert cells["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7]


def test_a_folder_a_run_cannot_replace_whole_is_refused_before_any_work(days, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output(tmp_path / "a-file")
    with pytest.raises(OutputError, match="a-file is a file"):
        check_output(tmp_path / "a-file" / "out")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")
    with pytest.raises(OutputError, match=r"holds files that are not results \(todo.txt\)"):
        check_output(notes)
    inside = tmp_path / "out"
    inside.mkdir()
    (inside / "accounts.csv").write_text("account_id,timestamp,prompt\n")
    with pytest.raises(OutputError, match="holds the input"):
        check_output(inside, inputs=(str(inside / "accounts.csv"),))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; run as another user to check")
def test_a_read_only_parent_is_refused_before_any_work(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="cannot write in"):
            with OutputFolder(parent / "out"):
                pass
    finally:
        parent.chmod(0o755)


def test_loading_a_model_prints_none_of_the_libraries_chatter(capfd):
    from embedder import EmbedderOptions
    from embedder.models import load_model

    load_model(EmbedderOptions(name="minilm"))
    out, err = capfd.readouterr()
    assert "LOAD REPORT" not in out + err and "Loading weights" not in out + err and "padding token" not in out + err


def test_a_second_run_into_a_locked_folder_is_refused(detector, days, tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out):
        with pytest.raises(OutputError, match=r"another run \(pid \d+\) is writing there now"):
            run(detector, days[1], out)
    run(detector, days[1], out)
    assert whole(out) == 2000


def test_two_concurrent_runs_end_with_one_whole_result_and_a_message(days, tmp_path):
    out = tmp_path / "out"
    runs = [score(f"input.path={days[i]}", f"output.dir={out}") for i in (0, 1)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    assert "another run" in refused and "Traceback" not in refused
    assert whole(out) in (3000, 2000)


SIGNAL_AT_WRITE = textwrap.dedent("""
    import os, runpy, signal, sys
    # Ctrl-C as a terminal delivers it, whatever the test runner left blocked or ignored for its children.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import files.tables as tables
    real = tables.write_table
    def write_then_die(table, folder, stem, **options):
        written = real(table, folder, stem, **options)
        if stem == "accounts":
            os.kill(os.getpid(), getattr(signal, os.environ['AT_WRITE']))
        return written
    tables.write_table = write_then_die
    import job.daily
    job.daily.write_table = write_then_die
    sys.argv = ["scripts/score.py", *sys.argv[1:]]
    runpy.run_path("scripts/score.py", run_name="__main__")
""")


def test_kill_9_at_any_point_never_leaves_a_mixed_result(days, tmp_path):
    out = tmp_path / "out"
    assert score(f"input.path={days[0]}", f"output.dir={out}").wait(timeout=300) == 0
    assert whole(out) == 3000
    # In the write stage itself: killed between writing the accounts and the campaigns tables.
    died = subprocess.run([sys.executable, "-c", SIGNAL_AT_WRITE, f"input.path={days[1]}", f"output.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AT_WRITE": "SIGKILL"})
    assert died.returncode == -signal.SIGKILL, died.stderr[-2000:]
    assert whole(out) == 3000
    # And at random instants of whole runs.
    rng = np.random.default_rng(7)
    for delay in rng.uniform(0.5, 9.0, size=4):
        proc = score(f"input.path={days[1]}", f"output.dir={out}")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert whole(out) in (3000, 2000)
        assert not [p.name for p in tmp_path.iterdir() if p.name not in ("out", ".out.lock")
                    and not p.name.startswith(".out.staging-")]
    # The next run clears what the killed ones left and publishes whole.
    assert score(f"input.path={days[1]}", f"output.dir={out}").wait(timeout=300) == 0
    assert whole(out) == 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_ctrl_c_prints_one_line_and_keeps_the_previous_results(days, tmp_path):
    out = tmp_path / "out"
    # Ctrl-C once the first table is written: a signal sent from outside can land after a small
    # day has already finished.
    died = subprocess.run([sys.executable, "-c", SIGNAL_AT_WRITE, f"input.path={days[0]}", f"output.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AT_WRITE": "SIGINT"})
    code, err = died.returncode, died.stderr
    assert code == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("interrupted")
    assert whole(out) is None


def test_a_day_with_no_usable_row_says_why_in_one_line_and_keeps_the_reasons(tmp_path):
    path = tmp_path / "day.csv"
    pd.DataFrame({"account_id": ["a", "b", "c"], "timestamp": ["soon", "later", "never"],
                  "prompt": ["x", "y", "z"]}).to_csv(path, index=False)
    out = tmp_path / "out"
    proc = score(f"input.path={path}", f"output.dir={out}")
    code, err = proc.wait(timeout=300), proc.stderr.read()
    assert code == 2 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"error: {path}: no usable row: all 3 rejected (timestamp_invalid 3)")
    assert "rejected.jsonl" in line
    assert len((out / "rejected.jsonl").read_text().splitlines()) == 3
    assert json.loads((out / "summary.json").read_text())["status"] == "failed"


@pytest.mark.parametrize("text, message", [
    ("", "no rows"),
    ("jsonl:", "no rows"),
    ("account_id,timestamp,prompt\n", "no rows"),
    ("account_id,timestamp,prompt\na,2026-11-27T00:00:00Z,same\nb,2026-11-27T00:00:01Z,same\n",
     "only 1 distinct valid prompt"),
])
def test_a_day_too_small_to_score_is_an_input_error(detector, tmp_path, text, message):
    path = tmp_path / ("day.jsonl" if text.startswith("jsonl:") else "day.csv")
    path.write_text(text.removeprefix("jsonl:"))
    if path.suffix == ".csv" and not text:
        with pytest.raises(InputError, match="no header row"):
            run(detector, path, tmp_path / "out")
        return
    with pytest.raises(InputError, match=message):
        run(detector, path, tmp_path / "out")


def test_epoch_milliseconds_score_as_the_same_day(detector, days, tmp_path):
    frame = pd.read_parquet(days[1])
    seconds = pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[ns, UTC]").astype("int64") // 10**9
    frame["timestamp"] = seconds
    run(detector, _csv(frame, tmp_path / "s.csv"), tmp_path / "s")
    frame["timestamp"] = seconds * 1000
    summary = run(detector, _csv(frame, tmp_path / "ms.csv"), tmp_path / "ms")
    assert summary["rows_rejected"] == 0 and summary["warnings"] == []
    a, b = (pd.read_parquet(tmp_path / name / "accounts.parquet") for name in ("s", "ms"))
    assert a["account_id"].tolist() == b["account_id"].tolist() and a["flagged"].tolist() == b["flagged"].tolist()
    assert str(b["first_seen"].min().date()) == "2026-11-27"


def test_rows_spread_over_days_are_scored_with_a_warning(detector, days, tmp_path):
    frame = pd.read_parquet(days[1])
    stamps = pd.to_datetime(frame["timestamp"], utc=True)
    frame["timestamp"] = (stamps + pd.to_timedelta(np.arange(len(frame)) % 4, unit="D")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = run(detector, _csv(frame, tmp_path / "days.csv"), tmp_path / "out")
    assert len(summary["warnings"]) == 1 and "span 3." in summary["warnings"][0]


def test_an_index_that_cannot_train_on_a_small_day_falls_back(detector, days, tmp_path):
    import dataclasses

    from index.options import IndexOptions

    small = dataclasses.replace(detector, index=IndexOptions(factory="IVF99999,Flat"))
    summary = run(small, days[1], tmp_path / "out")
    assert summary["index_factory"] == "Flat"


def test_bad_index_factory_and_degenerate_reference_fail_before_reading(shipped, tmp_path):
    import dataclasses
    import shutil

    from index.options import IndexOptions
    from job.wiring import ConfigError, open_detector
    from scoring.model import SHIPPED

    with pytest.raises(ConfigError, match="index.factory='Nonsense'.*index=auto"):
        open_detector(shipped.embedder, index=IndexOptions(factory="Nonsense"), scoring=shipped.scoring)
    broken = tmp_path / "reference"
    shutil.copytree(SHIPPED, broken)
    with np.load(broken / "topics.npz") as data:
        arrays = {k: data[k] for k in data.files}
    scoring = dataclasses.replace(shipped.scoring, reference=str(broken))
    for fine, message in ((np.zeros_like(arrays["fine"]), r"fine topic cells include 512 of 512 that are \(near\) zero"),
                          (np.repeat(arrays["fine"][:1], len(arrays["fine"]), axis=0), r"include repeats \(1 distinct"),
                          (arrays["fine"][:, :128], r"fine topic cells have shape \(512, 128\), not \(cells, 256\)")):
        np.savez(broken / "topics.npz", **{**arrays, "fine": fine})
        with pytest.raises(ConfigError, match=message):
            open_detector(shipped.embedder, index=shipped.index, scoring=scoring)


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


ACCOUNT_COLUMNS = [
    ("day", "large_string"), ("account_id", "large_string"), ("n_prompts", "int64"), ("n_distinct", "int64"),
    ("score", "double"), ("flagged", "bool"), ("reason", "large_string"), ("domains", "int64"), ("subjects", "int64"),
    ("breadth_domains", "double"), ("breadth_subjects", "double"), ("breadth_within", "double"),
    ("templating", "double"), ("n_templates", "int64"), ("effective_templates", "double"),
    ("top_template", "large_string"), ("top_template_share", "double"),
    ("top_templates", "list<element: struct<template: string, share: double>>"), ("sequence", "double"),
    ("repeats", "double"), ("novelty", "double"), ("popular_share", "double"), ("peers_factor", "double"),
    ("first_seen", "timestamp[us, tz=UTC]"), ("last_seen", "timestamp[us, tz=UTC]"), ("campaign_id", "large_string"),
    ("campaign_score", "double"), ("campaign_flagged", "bool")]
CAMPAIGN_COLUMNS = [
    ("day", "large_string"), ("campaign_id", "large_string"), ("n_accounts", "int64"), ("n_prompts", "int64"),
    ("n_distinct", "int64"), ("score", "double"), ("flagged", "bool"), ("reason", "large_string"),
    ("domains", "int64"), ("subjects", "int64"), ("breadth_domains", "double"), ("breadth_subjects", "double"),
    ("breadth_within", "double"), ("templating", "double"), ("n_templates", "int64"),
    ("effective_templates", "double"), ("top_template", "large_string"), ("top_template_share", "double"),
    ("top_templates", "list<element: struct<template: string, share: double>>"), ("sequence", "double"),
    ("repeats", "double"), ("novelty", "double"), ("popular_share", "double"), ("member_subjects", "double"),
    ("link_ratio", "double"), ("link_share", "double"), ("exchange", "double"), ("timing_clumping", "double"),
    ("topic_clumping", "double"), ("first_seen", "timestamp[us, tz=UTC]"), ("last_seen", "timestamp[us, tz=UTC]"),
    ("first_day", "large_string"), ("last_day", "large_string"), ("days_active", "int64"), ("status", "large_string"),
    ("linked_to", "large_string")]


@pytest.mark.parametrize("campaigns", [True, False])
def test_the_output_schema_is_pinned_whatever_the_day_holds(detector, days, tmp_path, campaigns):
    """Changing a column must change this test and raise job.outputs.SCHEMA_VERSION."""
    import dataclasses

    import pyarrow.parquet as pq

    scoring = dataclasses.replace(detector.scoring,
                                  campaigns=dataclasses.replace(detector.scoring.campaigns, enabled=campaigns))
    out = tmp_path / "out"
    run(dataclasses.replace(detector, scoring=scoring), days[1], out)
    for name, columns in (("accounts", ACCOUNT_COLUMNS), ("campaigns", CAMPAIGN_COLUMNS)):
        schema = pq.read_schema(out / f"{name}.parquet")
        assert [(f.name, str(f.type)) for f in schema] == columns
        assert json.loads(schema.metadata[b"distill_detector"]) == {"schema_version": 2, "table": name,
                                                                   "day": "2026-11-27"}
        assert pd.read_csv(out / f"{name}.csv").columns.tolist() == [c for c, _ in columns]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema_version"] == 2 and summary["day"] == "2026-11-27"
    assert len(pd.read_parquet(out / "campaigns.parquet")) == (summary["campaigns"] if campaigns else 0)


def test_times_finer_than_microseconds_are_written(detector, days, tmp_path):
    """Nanosecond timestamps (a scale day's) keep their microseconds in the tables."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_parquet(days[1])
    stamps = pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[ns, UTC]") + pd.to_timedelta(
        np.arange(len(frame)) % 997, unit="ns")
    table = pa.table({"account_id": frame["account_id"], "timestamp": pa.array(stamps, pa.timestamp("ns", tz="UTC")),
                      "prompt": frame["prompt"]})
    path = tmp_path / "ns.parquet"
    pq.write_table(table, path)
    run(detector, path, tmp_path / "out")
    assert pd.read_parquet(tmp_path / "out" / "accounts.parquet")["first_seen"].dt.year.eq(2026).all()
