"""The daily job end to end, on the real static model and the real faiss index.

The demo day (about 9,500 prompts) runs through ``run_day`` once per session;
variants reuse the loaded model. About a minute on 2 cores, most of it spent
distilling the static model the first time it is used on a machine.
"""

import json

import pandas as pd
import pytest

from job import daily, pipeline
from synthetic.demo.day import demo_day
from traffic.read import InputError, InputOptions


def run(detector, source, out, **read):
    """The daily job with the shipped detector (``tests/conftest.py``)."""
    return daily.run_day(InputOptions(path=str(source), **read), detector, output_dir=out, progress=False)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    frame = demo_day()
    path = tmp_path_factory.mktemp("demo") / "day.parquet"
    frame.drop(columns=["kind", "strategy"]).to_parquet(path, index=False)
    return frame, path


@pytest.fixture(scope="session")
def demo_run(detector, demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-out")
    summary = run(detector, demo[1], out)
    return pd.read_parquet(out / "accounts.parquet"), summary, out


def kinds(frame: pd.DataFrame) -> dict[str, str]:
    return frame.groupby("account_id")["kind"].first().to_dict()


def test_planted_harvesters_rank_above_every_ordinary_account(demo, demo_run):
    table, _, _ = demo_run
    kind = table["account_id"].map(kinds(demo[0]))
    harvesters = table[kind == "harvester"]
    benign = table[kind != "harvester"]
    assert len(harvesters) == 5 + 40  # five harvesters and a fleet of 40 small accounts
    assert harvesters["score"].min() > benign["score"].max()
    assert harvesters["flagged"].all()
    assert not benign["flagged"].any()
    assert set(table["account_id"].head(45)) == set(harvesters["account_id"])
    # The one-class path's factor alone sets the five broad harvesters above every ordinary account.
    single = harvesters[~harvesters["account_id"].str.startswith("fleet-")]
    assert single["peers_factor"].min() > benign["peers_factor"].max() and benign["peers_factor"].median() == 0


def test_the_fleet_is_found_as_one_campaign_and_flagged_through_it(demo, demo_run):
    table, summary, out = demo_run
    campaigns = pd.read_parquet(out / "campaigns.parquet")
    assert list(campaigns.columns[:8]) == ["day", "campaign_id", "n_accounts", "n_prompts", "n_distinct", "score",
                                           "flagged", "reason"]
    assert {"breadth_subjects", "templating", "exchange", "timing_clumping", "first_seen"} <= set(campaigns.columns)
    assert pd.read_csv(out / "campaigns.csv")["campaign_id"].tolist() == campaigns["campaign_id"].tolist()
    fleet = table[table["account_id"].str.startswith("fleet-")]
    assert len(fleet) == 40 and fleet["campaign_id"].nunique() == 1
    campaign = campaigns.set_index("campaign_id").loc[fleet["campaign_id"].iloc[0]]
    assert campaign["n_accounts"] == 40 and campaign["flagged"], "the fleet as a whole is one broad sweep"
    assert campaign["n_prompts"] == fleet["n_prompts"].sum()
    # Most of its accounts are too small to flag alone and are flagged through it; one broad enough to be
    # flagged on its own still names it.
    through = fleet["reason"].str.startswith(f"Flagged through {campaign.name} (40 accounts")
    assert through.mean() >= 0.75 and fleet["flagged"].all()
    assert fleet["reason"].str.contains(f"{campaign.name} (40 accounts", regex=False).all()
    assert (fleet["score"] == campaign["score"]).all()
    users = table[table["account_id"].str.startswith("user-")]
    assert not users["campaign_id"].eq(campaign.name).any() and not users["flagged"].any()
    crowds = campaigns[campaigns["campaign_id"].isin(set(users["campaign_id"]) - {""})]
    assert not crowds["flagged"].any(), "users who share interests may be linked, never flagged as one"
    assert summary["accounts_flagged_through_campaigns"] == through.sum()


def test_one_template_over_one_narrow_domain_is_not_flagged(demo_run):
    table, _, _ = demo_run
    bot = table.set_index("account_id").loc["acme-support-bot"]
    assert bot["templating"] >= 0.9, "it is templated..."
    assert bot["breadth_subjects"] < 0 and not bot["flagged"], "...but narrower than a typical user: no harvester"
    assert "classify the sentiment of this customer review" in bot["top_template"]


def test_students_doing_homework_are_not_flagged(demo_run):
    table, _, _ = demo_run
    students = table[table["account_id"].str.startswith("student")]
    assert len(students) == 2 and not students["flagged"].any()


def test_outputs_are_complete_ranked_and_explained(demo_run, demo):
    table, summary, out = demo_run
    for name in ("accounts.parquet", "accounts.csv", "summary.json", "rejected.jsonl"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp"))
    assert {"account_id", "n_prompts", "breadth_subjects", "templating", "score", "flagged", "reason"} <= set(table.columns)
    assert table["score"].between(0, 1).all() and table["score"].is_monotonic_decreasing
    assert table["n_prompts"].sum() == len(demo[0]) == summary["rows_read"]
    top = table.iloc[0]
    assert top["reason"].startswith("Flagged") and "domains" in top["reason"] and "subjects" in top["reason"]
    csv = pd.read_csv(out / "accounts.csv")
    assert csv["account_id"].tolist() == table["account_id"].tolist()
    saved = json.loads((out / "summary.json").read_text())
    assert saved["accounts_scored"] == len(table) and saved["accounts_flagged"] == int(table["flagged"].sum())
    assert set(saved["stage_seconds"]) >= {"read_embed", "index", "templates", "topics", "verdicts", "write"}
    assert saved["model"]["name"] == "static" and saved["model"]["weights_sha256"]


def test_permuting_rows_changes_nothing(detector, demo, demo_run, tmp_path):
    shuffled = demo[0].drop(columns=["kind", "strategy"]).sample(frac=1.0, random_state=7)
    path = tmp_path / "shuffled.jsonl"
    shuffled.to_json(path, orient="records", lines=True)
    run(detector, path, tmp_path / "out")
    again = pd.read_parquet(tmp_path / "out" / "accounts.parquet")
    pd.testing.assert_frame_equal(again, demo_run[0])


def test_bad_rows_are_quarantined_and_the_day_still_scores(detector, demo, tmp_path):
    day = demo[0].drop(columns=["kind", "strategy"]).head(3000)
    lines = [json.dumps(r) for r in day.to_dict(orient="records")]
    bad = [
        json.dumps({"account_id": "u-bad", "timestamp": "2026-11-27T10:00:00Z", "prompt": None}),
        json.dumps({"account_id": None, "timestamp": "2026-11-27T10:00:00Z", "prompt": "hello there"}),
        json.dumps({"account_id": "u-bad", "timestamp": "yesterday-ish", "prompt": "hello there"}),
        json.dumps({"account_id": "u-bad", "timestamp": 1795000000, "prompt": "x" * 30_000}),
        json.dumps({"account_id": "u-bad", "timestamp": 1795000000, "prompt": "\u200b\u200d\x00 \u2060"}),
        "{not json",
    ]
    path = tmp_path / "day.jsonl"
    with open(path, "wb") as fh:
        for line in lines[:1000] + bad + lines[1000:]:
            fh.write(line.encode() + b"\n")
        fh.write(b'{"account_id": "u-bad", "timestamp": 1795000000, "prompt": "caf\xe9 \xff"}\n')
    summary = run(detector, path, tmp_path / "out")
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    reasons = {r["row"]: r["reason"] for r in rejected}
    assert reasons == {
        1001: "prompt_missing", 1002: "account_missing", 1003: "timestamp_invalid", 1004: "prompt_too_long",
        1005: "prompt_empty", 1006: "malformed_row", 3007: "undecodable_bytes",
    }
    assert all(r["file"] == str(path) and r["detail"] for r in rejected)
    assert summary["rows_read"] == 3007 and summary["rows_valid"] == 3000
    assert summary["rows_rejected_by_reason"]["prompt_empty"] == 1
    table = pd.read_parquet(tmp_path / "out" / "accounts.parquet")
    assert table["n_prompts"].sum() == 3000 and "u-bad" not in set(table["account_id"])


def test_missing_column_fails_before_anything_is_written(detector, tmp_path):
    path = tmp_path / "day.csv"
    pd.DataFrame({"user": ["a"], "timestamp": [1], "prompt": ["hi"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"day\.csv.*'account_id'"):
        run(detector, path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_interrupted_run_leaves_no_results(detector, demo, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "verdict_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(detector, demo[1], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("out", ".out.lock"))
    assert left == [], f"an interrupted run left {left}"


def test_an_interrupted_rerun_keeps_the_previous_results(detector, demo, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(detector, demo[1], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(pipeline, "verdict_table", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(detector, demo[1], out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_a_rerun_replaces_results_whole(detector, demo, tmp_path):
    out = tmp_path / "out"
    small = tmp_path / "small.parquet"
    demo[0].drop(columns=["kind", "strategy"]).head(2000).to_parquet(small, index=False)
    run(detector, demo[1], out)
    run(detector, small, out)
    assert pd.read_parquet(out / "accounts.parquet")["n_prompts"].sum() == 2000
    assert pd.read_csv(out / "accounts.csv")["n_prompts"].sum() == 2000


def test_a_day_of_one_harvester_alone_is_still_judged(detector, demo, tmp_path):
    """The score reads the account's own traffic against the fixed reference, not against the day."""
    frame = demo[0]
    top = frame[frame["kind"] == "harvester"]["account_id"].value_counts().index[0]
    path = tmp_path / "one.parquet"
    frame[frame["account_id"] == top].drop(columns=["kind", "strategy"]).to_parquet(path, index=False)
    summary = run(detector, path, tmp_path / "out")
    assert summary["accounts_scored"] == 1 and summary["accounts_flagged"] == 1


def test_reasons_count_in_good_english(demo_run):
    table, _, _ = demo_run
    reasons = " ".join(table["reason"])
    assert " 1 prompts" not in reasons and " 1 subjects" not in reasons and " 1 templates" not in reasons
    assert "1 prompt spanning" in reasons  # the demo has one-prompt users
