"""engine=ray: the same day, the same neighbours and the same verdicts as engine=local, on a real local Ray."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine import EngineOptions, LocalEngine, open_engine
from index.options import IndexOptions
from synthetic.demo.day import demo_day
from traffic.read import InputError, InputOptions

pytest.importorskip("ray", reason="engine=ray needs ray[data]: pip install -c constraints.txt -e '.[test]'")


@pytest.fixture(scope="module")
def ray_engine(shipped):
    """A Ray of two CPUs started for this module (as an unset engine.address starts one)."""
    engine = open_engine(EngineOptions(name="ray", num_cpus=2, rows_per_task=700, embed_batch=300,
                                       search_shards=3), embedder=shipped.embedder)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def traffic_file(tmp_path_factory):
    """3,000 demo rows with bad ones among them, in row groups of 400 (so Ray reads it in parts)."""
    frame = demo_day().iloc[:3000].reset_index(drop=True)
    frame.loc[[5, 1_200], "prompt"] = "\u200b  "  # empty once normalised
    frame.loc[[7, 2_500], "account_id"] = None
    frame.loc[[9], "timestamp"] = "not a time"
    frame.loc[[2_999], "prompt"] = "Q: x " * 400 + "Answer: Reason: Hint: " + "y " * 400  # clipped, labels hidden
    path = tmp_path_factory.mktemp("traffic") / "day.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=400)
    return InputOptions(path=str(path))


def read(engine, source, detector):
    rejected = []
    day = engine.read_day(source, embedder=detector.models.main, vectors_in_memory_max=1_000_000,
                          reject=rejected.append, progress=False)
    return day, rejected


def test_ray_reads_the_day_the_local_reader_reads(ray_engine, traffic_file, detector) -> None:
    local, local_rejected = read(LocalEngine(), traffic_file, detector)
    ray_day, ray_rejected = read(ray_engine, traffic_file, detector)
    assert ray_day.accounts == local.accounts
    for name in ("row_account", "row_uid", "row_time", "row_number", "digests"):
        np.testing.assert_array_equal(getattr(ray_day, name), getattr(local, name), err_msg=name)
    np.testing.assert_allclose(ray_day.vectors, local.vectors, atol=1e-6)
    for got, want in zip(ray_day.tokens.flat(), local.tokens.flat()):
        np.testing.assert_array_equal(got, want)
    assert ray_day.tokens.words() == local.tokens.words()
    for got, want in zip(ray_day.tokens.field_labels(), local.tokens.field_labels()):
        np.testing.assert_array_equal(got, want)
    assert ray_day.rows_read == local.rows_read == 3000
    assert ray_day.rejected == local.rejected and sum(local.rejected.values()) == 5
    assert sorted(ray_rejected, key=lambda r: r.row) == sorted(local_rejected, key=lambda r: r.row)


def test_sharded_self_join_finds_what_one_index_finds(ray_engine, traffic_file, detector) -> None:
    day, _ = read(LocalEngine(), traffic_file, detector)
    options = IndexOptions(factory="IVF32,SQ8", nprobe=4)
    want_sims, want_ids = LocalEngine().self_knn(day.vectors, options=options, k=10, progress=False)
    sims, ids = ray_engine.self_knn(day.vectors, options=options, k=10, progress=False)
    np.testing.assert_allclose(sims, want_sims, atol=1e-6)
    # Only ties (equal similarity) may come in another order.
    same = ids == want_ids
    assert same.mean() > 0.99
    assert np.allclose(sims[~same], want_sims[~same], atol=1e-6)
    # A history window searches only its new prompts, in an index trained before.
    from index.neighbours import trained_index

    trained = trained_index(day.vectors, options=options)
    some = np.arange(0, len(day.vectors), 3)
    sims, ids = ray_engine.self_knn(day.vectors, options=options, k=10, progress=False, queries=some, trained=trained)
    np.testing.assert_allclose(sims, want_sims[some], atol=1e-6)
    assert (ids == want_ids[some]).mean() > 0.99


def run(shipped_overrides: list[str], out) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    from job.wiring import compose, run_from_config

    summary = run_from_config(compose("config", [f"output.dir={out}", *shipped_overrides]), progress=False)
    return pd.read_parquet(out / "accounts.parquet"), pd.read_parquet(out / "campaigns.parquet"), summary


def same_verdicts(got: pd.DataFrame, want: pd.DataFrame, got_campaigns: pd.DataFrame,
                  want_campaigns: pd.DataFrame) -> None:
    got, want = got.set_index("account_id"), want.set_index("account_id")
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    assert got["flagged"].tolist() == want["flagged"].tolist()
    assert np.abs(got["score"] - want["score"]).max() <= 0.01
    assert got["campaign_id"].fillna("").tolist() == want["campaign_id"].fillna("").tolist()
    assert sorted(got_campaigns["campaign_id"]) == sorted(want_campaigns["campaign_id"])
    assert want["flagged"].sum() >= 10 and len(want_campaigns) >= 1


def test_the_demo_day_on_ray_gets_the_local_verdicts(ray_engine, tmp_path) -> None:
    # IVF (not the exact search a day this small gets) so the shards' agreement is tested too.
    common = ["index.flat_max=2000", "engine.search_shards=3"]
    local = run(common, tmp_path / "local")
    ray_run = run(["engine=ray", *common], tmp_path / "ray")
    same_verdicts(ray_run[0], local[0], ray_run[1], local[1])
    assert ray_run[2]["engine"]["name"] == "ray" and local[2]["engine"] == {"name": "local"}
    assert ray_run[2]["index_factory"].startswith("IVF")


def test_ray_refuses_a_file_it_cannot_split_in_one_line(ray_engine, tmp_path) -> None:
    path = tmp_path / "day.jsonl"
    demo_day().iloc[:50].to_json(path, orient="records", lines=True)
    with pytest.raises(InputError) as caught:
        ray_engine.check(InputOptions(path=str(path)))
    message = str(caught.value)
    assert str(path) in message and "engine=local" in message and "Parquet" in message and "\n" not in message


def test_engine_options_refuse_what_no_engine_takes() -> None:
    with pytest.raises(ValueError, match="engine.name"):
        EngineOptions(name="spark")
    with pytest.raises(ValueError, match="engine.search_shards"):
        EngineOptions(name="ray", search_shards=0)



def test_a_day_of_only_bad_rows_reads_as_the_local_empty_day(ray_engine, tmp_path, detector) -> None:
    frame = demo_day().iloc[:20].reset_index(drop=True)
    frame["prompt"] = "\u200b"
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)
    source = InputOptions(path=str(path))
    local, local_rejected = read(LocalEngine(), source, detector)
    ray_day, ray_rejected = read(ray_engine, source, detector)
    assert len(ray_day.vectors) == len(local.vectors) == 0 and ray_day.rows_read == 20
    assert ray_day.rejected == local.rejected == {"prompt_empty": 20}
    assert sorted(ray_rejected, key=lambda r: r.row) == sorted(local_rejected, key=lambda r: r.row)

