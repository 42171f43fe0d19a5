"""The daily job on the real MiniLM model (slow on CPU: ~150 prompts/s here)."""

import pandas as pd
import pytest

from embedder import Embedder, load_model, model_identity
from job.config import IndexOptions, InputOptions, ScoringOptions
from job.daily import run_day
from synthetic.demo.day import demo_day


@pytest.mark.slow
def test_minilm_ranks_the_planted_harvesters_first(tmp_path):
    # The default demo day: with only 60 users the 40 fleet accounts would be over a third of the day and
    # hold ~40% of its link weight, where no link ratio can tell a member from chance (README, known limits).
    frame = demo_day(n_users=300)
    path = tmp_path / "day.parquet"
    frame.drop(columns=["kind", "strategy"]).to_parquet(path, index=False)
    model = load_model("minilm")
    embedder = Embedder(model)
    run_day(source=path, output_dir=tmp_path / "out", embed=embedder.encode, dim=embedder.dim,
            model=model_identity("minilm", model), read=InputOptions(), index=IndexOptions(),
            scoring=ScoringOptions(), duplicate_similarity=0.9, progress=False)
    table = pd.read_parquet(tmp_path / "out" / "accounts.parquet")
    kind = table["account_id"].map(frame.groupby("account_id")["kind"].first())
    assert table[kind == "harvester"]["score"].min() > table[kind != "harvester"]["score"].max()


@pytest.mark.slow
def test_overhead_script_reports_the_jobs_share_of_raw_encode_throughput(load_script, capsys):
    ratio = load_script("minilm_overhead").main(["--users", "3", "--per-account", "10", "--repeat", "1"])
    out = capsys.readouterr().out
    assert 0.0 < ratio < 5.0
    assert "warm-up job" in out and f"{ratio:.2f} of raw encode throughput" in out
