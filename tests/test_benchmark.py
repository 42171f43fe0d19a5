"""The scale generator and a small run of the benchmark script.

Performance itself is never asserted here (the benchmark script measures it);
these tests check what a user of the two scripts would notice: the generated day
has the promised shape and reads back through the daily job's reader, the same
seed gives the same file, and the benchmark produces a table for every section,
from the real corpora when they are there and from the demo vocabulary when not.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from benchmark.data import Sample, template_text_labels
from benchmark.grouping_quality import grouping_quality, kept_groups
from benchmark.measure import measure
from traffic.read import InputOptions, read_traffic
from synthetic.scale.day import SCHEMA, plan_accounts, write_day

ROOT = Path(__file__).resolve().parents[1]
REAL_CORPUS = ROOT.parent / "shared" / "data" / "prompts"
ROWS = 4_000


@pytest.fixture(scope="module")
def day_path(tmp_path_factory) -> Path:
    return write_day(tmp_path_factory.mktemp("scale") / "day.parquet", ROWS, seed=3, batch_rows=1_500)


# ---------------------------------------------------------------------------
# The scale generator.

def test_generated_day_has_the_schema_rows_and_row_groups(day_path: Path) -> None:
    meta = pq.ParquetFile(day_path)
    assert meta.schema_arrow == SCHEMA
    assert meta.metadata.num_rows == ROWS
    sizes = [meta.metadata.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert len(sizes) == 3 and max(sizes) < 2 * 1_500  # one row group per time slice of ~1,333 rows
    stamps = pq.read_table(day_path, columns=["timestamp"])["timestamp"].to_numpy()
    assert (np.diff(stamps.astype(np.int64)) >= 0).all(), "rows come in time order"


def test_people_work_in_waking_hours_machines_round_the_clock(day_path: Path) -> None:
    frame = pq.read_table(day_path).to_pandas()
    hours = frame["timestamp"].dt.hour
    harvester = frame["account_id"].str.startswith("harvest-")
    assert hours[harvester].nunique() == 24
    # A person's prompts come in sessions: most follow the previous one within minutes.
    user = frame[frame["account_id"].str.startswith("user-")].sort_values(["account_id", "timestamp"])
    gaps = user.groupby("account_id")["timestamp"].diff().dropna().dt.total_seconds()
    assert (gaps < 600).mean() > 0.6


def test_volumes_are_heavy_tailed_and_exactly_as_planned(day_path: Path) -> None:
    table = pq.read_table(day_path, columns=["account_id"])
    counts = pc.value_counts(table["account_id"])
    names = counts.field("values").to_pylist()
    volume = dict(zip(names, counts.field("counts").to_pylist()))
    users = np.array([v for name, v in volume.items() if name.startswith("user-")])
    assert np.median(users) <= 10, "most users send a handful of prompts"
    assert users.max() >= 10 * np.median(users), "and a few send far more"
    assert sum(name.startswith("harvest-") for name in names) == 5
    assert any(name.startswith("bot-") for name in names) and any(name.startswith("student-") for name in names)
    plan, _ = plan_accounts(ROWS, seed=3)
    assert volume == {n: int(v) for n, v in zip(plan.names.to_pylist(), plan.volume) if v > 0}


def test_prompts_repeat_but_most_are_distinct(day_path: Path) -> None:
    prompts = pq.read_table(day_path, columns=["prompt"])["prompt"]
    share = len(pc.unique(prompts)) / len(prompts)
    assert 0.4 <= share <= 0.95
    assert pc.min(pc.utf8_length(prompts)).as_py() > 0


def test_generated_day_reads_back_without_rejects(day_path: Path) -> None:
    valid = rejected = 0
    for chunk, bad in read_traffic(InputOptions(path=str(day_path), chunk_rows=1_000)):
        valid += len(chunk.prompt)
        rejected += len(bad)
        assert np.isfinite(chunk.timestamp).all()
    assert (valid, rejected) == (ROWS, 0)


def test_same_seed_same_file_other_seed_other_file(tmp_path: Path, day_path: Path) -> None:
    again = write_day(tmp_path / "again.parquet", ROWS, seed=3, batch_rows=1_500)
    other = write_day(tmp_path / "other.parquet", ROWS, seed=4, batch_rows=1_500)
    assert pq.read_table(again).equals(pq.read_table(day_path))
    assert not pq.read_table(other).equals(pq.read_table(day_path))


def test_generator_cli_writes_the_file_and_refuses_bad_sizes(tmp_path: Path) -> None:
    out = tmp_path / "cli.parquet"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "generate_day.py"), "--rows", "2000",
                           "--out", str(out), "--seed", "1"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert pq.ParquetFile(out).metadata.num_rows == 2_000
    bad = subprocess.run([sys.executable, str(ROOT / "tools" / "generate_day.py"), "--rows", "5",
                          "--out", str(tmp_path / "bad.parquet")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "n_rows must be an integer >= 100" in bad.stderr
    assert not (tmp_path / "bad.parquet").exists()


# ---------------------------------------------------------------------------
# Grouping quality.

def test_grouping_quality_rewards_the_truth_and_not_leaving_prompts_alone() -> None:
    truth = np.array(["a"] * 4 + ["b"] * 3 + ["c"] * 2)
    perfect = grouping_quality(np.array([0, 0, 0, 0, 1, 1, 1, 2, 2]), truth)
    assert perfect["purity"] == 1.0 and perfect["groups"] == 2  # the pair is below the 3-prompt minimum
    assert perfect["recovery"] == pytest.approx(7 / 9) and perfect["coverage"] == pytest.approx(7 / 9)
    alone = grouping_quality(np.full(9, -1), truth)
    assert alone["coverage"] == 0.0 and alone["recovery"] == 0.0 and alone["ari"] == pytest.approx(0.0)
    merged = grouping_quality(np.zeros(9, dtype=int), truth)
    assert merged["purity"] == pytest.approx(4 / 9) and merged["ari"] < perfect["ari"]
    assert kept_groups(np.array([5, 5, 5, 7, 7, -1])).tolist() == [0, 0, 0, -1, -1, -1]


def test_templates_of_the_same_text_under_two_names_get_one_label(tmp_path: Path) -> None:
    # The templates file lists each text once: "review_Rate" stands for a copy under another
    # dataset's name; "news_Topic" has no listed twin and keeps its own label.
    listed = tmp_path / "promptsource.jsonl.gz"
    rows = [{"text": "{{text}} How would you rate this review?",
             "meta": {"dataset": "review", "subset": None, "template_name": "Rate"}},
            {"text": "Which topic is this article about? {{text}}",
             "meta": {"dataset": "news", "subset": "en", "template_name": "Topic"}}]
    with gzip.open(listed, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    texts = ["Great film. How would you rate this review?", "Dull. How would you rate this review?",
             "Loved it. How would you rate this review?", "Stocks fell. What is this about?"]
    labels = np.array(["review_Rate", "films_Rate", "films_Rate", "wire_Topic"], dtype=object)
    merged_labels, merged = template_text_labels(Sample(texts, labels, ""), listed)
    assert merged == {"films_Rate": "review_Rate"}  # wire_Topic's prompts lack the listed Topic's text
    assert merged_labels.tolist() == ["review_Rate", "review_Rate", "review_Rate", "wire_Topic"]
    group = np.array([0, 0, 0, -1])
    assert grouping_quality(group, merged_labels)["purity"] == 1.0 > grouping_quality(group, labels)["purity"]


def test_repeated_timing_keeps_the_fastest_run_and_its_result() -> None:
    calls = []

    def slow_first() -> int:
        calls.append(None)
        time.sleep(0.3 if len(calls) == 1 else 0.0)  # the first run is disturbed
        return len(calls)

    m = measure(slow_first, repeat=3)
    assert len(calls) == 3 and m.result in (2, 3) and m.seconds < 0.3
    with pytest.raises(ValueError, match="repeat"):
        measure(slow_first, repeat=0)


# ---------------------------------------------------------------------------
# The benchmark script, small.

def _run_benchmark(load_script, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "bench.json"
    assert load_script("benchmark").main(["--n-prompts", "240", "--minilm-prompts", "0", "--skip", "bertopic",
                                           "--out", str(out), *extra]) == 0
    return json.loads(out.read_text())


def _check_report(result: dict) -> None:
    sections = result["sections"]
    assert list(sections) == ["a. template grouping", "b. topic assignment", "c. embedding"]
    grouping = sections["a. template grouping"]
    assert grouping[0]["method"].startswith("project") and grouping[4]["method"].startswith("Drain3")
    # Each Drain3 setting is followed by the project's groups judged on just its share (untimed),
    # where it grouped anything.
    drains = [i for i, row in enumerate(grouping) if row["method"].startswith("Drain3")]
    assert len(drains) == 3
    for i in drains:
        if grouping[i]["groups"] > 0:
            share = grouping[i + 1]
            assert share["method"].startswith("project, judged on only") and "seconds" not in share
            assert share["prompts"] == round(grouping[i]["coverage"] * grouping[0]["prompts"])
            assert 0.0 <= share["purity"] <= 1.0
    assert len(grouping) == 4 + len(drains) + sum(grouping[i]["groups"] > 0 for i in drains)
    for row in grouping:
        assert row.get("seconds", 1) > 0 and 0.0 <= row["recovery"] <= row["coverage"] <= 1.0
        assert 0.0 <= row["purity"] <= 1.0 if row["groups"] else np.isnan(row["purity"])  # no group: no purity
    assert grouping[0]["groups"] > 0
    assert sections["b. topic assignment"][0]["nmi"] > 0.1
    assert "| method |" in result["markdown"] and "time ×project" in result["markdown"]


def test_benchmark_on_the_real_corpora(load_script, tmp_path: Path) -> None:
    if not (REAL_CORPUS / "distill" / "t0_promptsource_filled.jsonl.gz").is_file():
        pytest.skip(f"real corpora not found at {REAL_CORPUS} (shared/data/prompts is not checked out here)")
    result = _run_benchmark(load_script, tmp_path, "--data", str(REAL_CORPUS))
    _check_report(result)
    assert result["notes"] == [] and "t0_promptsource_filled" in result["data"]["a. template grouping"]
    # Same-text templates counted as one: never less pure than by template id.
    for row in result["sections"]["a. template grouping"]:
        if row.get("groups"):
            assert row["purity"] <= row["text_purity"] <= 1.0 and row["recovery"] <= row["text_recovery"]


def test_benchmark_falls_back_to_the_demo_vocabulary(load_script, tmp_path: Path) -> None:
    result = _run_benchmark(load_script, tmp_path, "--data", str(tmp_path / "no-corpora"), "--repeat", "2")
    _check_report(result)
    assert len(result["notes"]) == 2 and all("not found" in note for note in result["notes"])
    assert result["data"]["a. template grouping"].startswith("demo vocabulary")


@pytest.mark.slow
def test_benchmark_runs_bertopic_and_minilm(load_script, tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    assert load_script("benchmark").main(["--n-prompts", "400", "--minilm-prompts", "40", "--out", str(out)]) == 0
    text = out.read_text()
    assert "BERTopic" in text and "all-MiniLM-L6-v2" in text and "not run" not in text


def test_end_to_end_section_runs_the_job_beside_the_raw_encode_of_its_day(tmp_path: Path) -> None:
    from benchmark.end_to_end import STAGES, end_to_end_section
    from embedder import EmbedderOptions, open_embedder

    static = open_embedder(EmbedderOptions(name="static"))
    (job, raw), source, stages = end_to_end_section(rows=1_500, corpus=tmp_path / "no-corpora", workdir=tmp_path,
                                                    encode=static.encode)
    assert (tmp_path / "local" / "out" / "accounts.parquet").is_file(), "the job itself ran on the day"
    distinct = pc.unique(pq.read_table(tmp_path / "day.parquet", columns=["prompt"])["prompt"])
    assert f"{len(distinct):,} distinct prompts" in raw["note"] and "log-normal" in source
    assert job["prompts"] == raw["prompts"] == 1_500 and raw["x_raw_encode"] == 1.0
    assert job["x_raw_encode"] == pytest.approx(job["seconds"] / raw["seconds"], rel=0.1)
    assert job["peak_mb"] > 100, "the job's own process, model loaded, not this one's growth"
    names = [row["stage"] for row in stages]
    assert names[:-1] == [s for s in STAGES if s in names] and names[-1] == "all stages"
    assert {"read_embed", "index", "campaigns"} <= set(names)
    assert all(row["seconds, local"] >= 0 and row["rows/s per core, local"] > 0 for row in stages)
    assert stages[-1]["seconds, local"] == pytest.approx(sum(row["seconds, local"] for row in stages[:-1]), abs=0.1)


def test_cost_model_scales_cluster_stages_by_nodes_and_the_self_join_faster_than_rows() -> None:
    from benchmark.end_to_end import PROJECT_NODES, PROJECT_ROWS, cost_model

    rows = cost_model({"local": {"read_embed": 10.0, "index": 10.0, "campaigns": 10.0},
                       "ray": {"read_embed": 20.0, "index": 12.0, "campaigns": 10.0}},
                      rows=PROJECT_ROWS // 100, cores=2)
    by = {row["stage"]: row for row in rows}
    key = f"projected s, {PROJECT_ROWS:.0e} rows on {PROJECT_NODES} nodes"
    assert by["read_embed"][key] == round(10.0 * 100 / PROJECT_NODES)
    assert by["index"][key] == round(10.0 * 100 ** 1.5 / PROJECT_NODES)
    assert by["campaigns"][key] == 1000, "a driver stage is not divided by the nodes"
    assert by["read_embed"]["seconds, ray"] == 20.0 and by["campaigns"]["engine=ray runs it on"] == "driver"
    assert by["all stages"][key] == sum(by[s][key] for s in ("read_embed", "index", "campaigns"))
    assert by["all stages"]["seconds, ray"] == 42.0
