"""The daily job on the real MiniLM model (slow on CPU: ~150 prompts/s here)."""

import pandas as pd
import pytest

from job.config import DailyConfig
from job.daily import run_day
from job.wiring import compose, open_detector, options_from
from synthetic.demo.day import DemoOptions, demo_day
from traffic.read import InputOptions


@pytest.mark.slow
def test_minilm_ranks_the_planted_harvesters_first(shipped, tmp_path):
    # The default demo day: with only 60 users the 40 fleet accounts would be over a third of the day and
    # hold ~40% of its link weight, where no link ratio can tell a member from chance (README, known limits).
    frame = demo_day(DemoOptions(users=300))
    path = tmp_path / "day.parquet"
    frame.drop(columns=["kind", "strategy"]).to_parquet(path, index=False)
    # The shipped configuration with the MiniLM embedder (conf/embedder/minilm.yaml: duplicate_similarity 0.9).
    minilm = options_from(compose("config", ["embedder=minilm"]), DailyConfig).embedder
    assert minilm.name == "minilm" and minilm.duplicate_similarity == 0.9
    detector = open_detector(minilm, index=shipped.index, scoring=shipped.scoring)
    run_day(InputOptions(path=str(path)), detector, output_dir=tmp_path / "out", progress=False)
    table = pd.read_parquet(tmp_path / "out" / "accounts.parquet")
    kind = table["account_id"].map(frame.groupby("account_id")["kind"].first())
    assert table[kind == "harvester"]["score"].min() > table[kind != "harvester"]["score"].max()


@pytest.mark.slow
def test_overhead_script_reports_the_jobs_share_of_raw_encode_throughput(load_script, capsys):
    ratio = load_script("minilm_overhead").main(["--users", "3", "--per-account", "10", "--repeat", "1"])
    out = capsys.readouterr().out
    assert 0.0 < ratio < 5.0
    assert "warm-up job" in out and f"{ratio:.2f} of raw encode throughput" in out
