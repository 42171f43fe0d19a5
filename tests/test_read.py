"""Tests for traffic.read: real files in every format, every reject reason, eager errors."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from traffic.read import Columns, InputError, InputOptions, detect_format, read_traffic

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
ROWS = [{"account_id": f"acct-{i % 3}", "timestamp": T0 + i, "prompt": f"prompt number {i}"} for i in range(10)]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    text = "".join(json.dumps(row) + "\n" for row in rows).encode()
    path.write_bytes(gzip.compress(text) if path.suffix == ".gz" else text)
    return path


def _write_csv(path: Path, rows: list[dict]) -> Path:
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False, compression="gzip" if path.suffix == ".gz" else None)
    return path


def _write_parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


WRITERS = {"day.jsonl": _write_jsonl, "day.jsonl.gz": _write_jsonl, "day.csv": _write_csv,
           "day.csv.gz": _write_csv, "day.parquet": _write_parquet}


def _read_all(path: Path, **kwargs) -> tuple[pd.DataFrame, list]:
    frames, rejected = [], []
    for chunk, bad in read_traffic(InputOptions(path=str(path), **kwargs)):
        frames.append(pd.DataFrame({"row": chunk.row, "account_id": chunk.account_id,
                                    "timestamp": chunk.timestamp, "prompt": chunk.prompt}))
        rejected.extend(bad)
    return pd.concat(frames, ignore_index=True), rejected


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_format_reads_the_same_rows(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name, ROWS)
    frame, rejected = _read_all(path)
    assert rejected == []
    assert frame["row"].tolist() == list(range(1, 11))
    assert frame["account_id"].tolist() == [row["account_id"] for row in ROWS]
    assert frame["prompt"].tolist() == [row["prompt"] for row in ROWS]
    np.testing.assert_array_equal(frame["timestamp"].to_numpy(), np.arange(T0, T0 + 10, dtype=float))


@pytest.mark.parametrize("name", ["day.jsonl", "day.csv", "day.parquet"])
def test_chunks_are_bounded_and_numbered_from_one(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name, ROWS)
    chunks = [chunk for chunk, _ in read_traffic(InputOptions(path=str(path), chunk_rows=3))]
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 1]
    assert [chunk.row.tolist() for chunk in chunks] == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]
    assert all(chunk.row.dtype == np.int64 and chunk.timestamp.dtype == np.float64 for chunk in chunks)


@pytest.mark.parametrize("name", ["day.jsonl", "day.csv", "day.parquet"])
def test_custom_column_names_and_extra_columns(tmp_path: Path, name: str) -> None:
    rows = [{"user": row["account_id"], "ts": row["timestamp"], "text": row["prompt"], "model": "x"}
            for row in ROWS]
    path = WRITERS[name](tmp_path / name, rows)
    frame, rejected = _read_all(path, columns=Columns(account_id="user", timestamp="ts", prompt="text"))
    assert rejected == [] and len(frame) == 10
    assert frame["prompt"].iloc[4] == "prompt number 4"


def test_timestamp_forms_give_epoch_seconds_utc(tmp_path: Path) -> None:
    stamps = ["2023-11-14T22:13:20Z", "2023-11-14T23:13:20+01:00", "2023-11-14T22:13:20",
              "2023-11-14 22:13:20.5", T0, T0 + 0.25, str(T0), f" {T0}.75 "]
    rows = [{"account_id": "a", "timestamp": stamp, "prompt": "p"} for stamp in stamps]
    frame, rejected = _read_all(_write_jsonl(tmp_path / "day.jsonl", rows))
    assert rejected == []
    np.testing.assert_allclose(frame["timestamp"], [T0, T0, T0, T0 + 0.5, T0, T0 + 0.25, T0, T0 + 0.75])


def test_parquet_timestamp_and_integer_account_columns(tmp_path: Path) -> None:
    when = datetime.fromtimestamp(T0, tz=timezone.utc).replace(tzinfo=None)
    table = pa.table({"account_id": pa.array([7, 8, None], pa.int64()),
                      "timestamp": pa.array([when, when, when], pa.timestamp("ms")),
                      "prompt": ["a", "b", "c"]})
    pq.write_table(table, tmp_path / "day.parquet")
    frame, rejected = _read_all(tmp_path / "day.parquet")
    assert frame["account_id"].tolist() == ["7", "8"]
    assert frame["timestamp"].tolist() == [T0, T0]
    assert [(r.row, r.reason) for r in rejected] == [(3, "account_missing")]


def test_each_bad_jsonl_row_is_rejected_and_later_rows_still_come(tmp_path: Path) -> None:
    good = {"account_id": "good", "timestamp": T0, "prompt": "fine"}
    lines = [
        json.dumps(good),                                                    # 1
        json.dumps({**good, "account_id": None}),                            # 2
        json.dumps({**good, "account_id": "   "}),                           # 3
        json.dumps({"timestamp": T0, "prompt": "p"}),                        # 4
        json.dumps({**good, "prompt": None}),                                # 5
        json.dumps({"account_id": "b", "timestamp": T0}),                    # 6
        json.dumps({**good, "account_id": "b", "prompt": " \t "}),           # 7
        json.dumps({**good, "account_id": "b", "prompt": "x" * 21}),         # 8
        json.dumps({**good, "account_id": "b", "prompt": 42}),               # 9
        json.dumps({**good, "account_id": "b", "timestamp": None}),          # 10
        json.dumps({**good, "account_id": "b", "timestamp": "yesterday"}),   # 11
        json.dumps({**good, "account_id": "b", "timestamp": float("inf")}),  # 12
        "{not json",                                                         # 13
        "[1, 2]",                                                            # 14
        "",                                                                  # 15: blank, skipped
        json.dumps({**good, "account_id": 12345}),                           # 16
    ]
    data = "\n".join(lines).encode() + b"\n"
    bad_bytes = b'{"account_id": "c", "timestamp": 1, "prompt": "caf\xff\xfe"}\n'  # 17
    (tmp_path / "day.jsonl").write_bytes(data + bad_bytes + (json.dumps(good) + "\n").encode())  # 18
    frame, rejected = _read_all(tmp_path / "day.jsonl", max_prompt_chars=20)
    assert frame["row"].tolist() == [1, 16, 18]
    assert frame["account_id"].tolist() == ["good", "12345", "good"]
    assert [(r.row, r.reason) for r in rejected] == [
        (2, "account_missing"), (3, "account_missing"), (4, "account_missing"), (5, "prompt_missing"),
        (6, "prompt_missing"), (7, "prompt_empty"), (8, "prompt_too_long"), (9, "malformed_row"),
        (10, "timestamp_invalid"), (11, "timestamp_invalid"), (12, "timestamp_invalid"),
        (13, "malformed_row"), (14, "malformed_row"), (17, "undecodable_bytes")]
    by_row = {r.row: r for r in rejected}
    assert by_row[8].detail == "'prompt' is 21 characters, over the cap of 20 (input.max_prompt_chars)"
    assert "not a string" in by_row[9].detail and "yesterday" in by_row[11].detail
    assert by_row[2].account_id is None and by_row[7].account_id == "b" and by_row[17].account_id == "c"


def test_a_line_that_is_not_utf8_outside_any_string_is_rejected(tmp_path: Path) -> None:
    good = json.dumps({"account_id": "a", "timestamp": T0, "prompt": "p"}).encode()
    (tmp_path / "day.jsonl").write_bytes(good + b"\n\xff\xfe{\n" + good + b"\n")
    frame, rejected = _read_all(tmp_path / "day.jsonl")
    assert frame["row"].tolist() == [1, 3]
    assert [(r.row, r.reason) for r in rejected] == [(2, "undecodable_bytes")]


def test_each_bad_csv_row_is_rejected_and_later_rows_still_come(tmp_path: Path) -> None:
    body = (b"account_id,timestamp,prompt\n"
            b"a,1700000000,fine\n"                   # 1
            b",1700000000,no account\n"              # 2
            b"a,1700000000,\n"                       # 3
            b"a,soon,bad time\n"                     # 4
            b"a,1700000000,too,many\n"               # 5
            b"a,1700000000,caf\xff\xfe\n"            # 6
            b"\xff,1700000000,bad account\n"         # 7
            b"a,1700000000,\"two\nlines\"\n"         # 8
            b"b,2023-11-14T22:13:20Z,last\n")        # 9
    (tmp_path / "day.csv.gz").write_bytes(gzip.compress(body))
    frame, rejected = _read_all(tmp_path / "day.csv.gz")
    assert frame["row"].tolist() == [1, 8, 9]
    assert frame["prompt"].tolist() == ["fine", "two\nlines", "last"]
    assert frame["timestamp"].tolist() == [T0, T0, T0]
    assert [(r.row, r.reason) for r in rejected] == [
        (2, "account_missing"), (3, "prompt_empty"), (4, "timestamp_invalid"), (5, "malformed_row"),
        (6, "undecodable_bytes"), (7, "undecodable_bytes")]
    assert rejected[4].account_id == "a"


def test_parquet_binary_prompt_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    table = pa.table({"account_id": ["a", "b", "c"], "timestamp": [T0, T0, T0],
                      "prompt": pa.array([b"ok", b"caf\xff\xfe", b"also ok"], pa.binary())})
    pq.write_table(table, tmp_path / "day.parquet")
    frame, rejected = _read_all(tmp_path / "day.parquet")
    assert frame["prompt"].tolist() == ["ok", "also ok"]
    assert [(r.row, r.reason, r.account_id) for r in rejected] == [(2, "undecodable_bytes", "b")]


def test_prompts_are_kept_exactly_as_read(tmp_path: Path) -> None:
    rows = [{"account_id": "  a  ", "timestamp": T0, "prompt": "  Hello\tWORLD  \n"}]
    frame, _ = _read_all(_write_jsonl(tmp_path / "day.jsonl", rows))
    assert frame["account_id"].tolist() == ["a"]
    assert frame["prompt"].tolist() == ["  Hello\tWORLD  \n"]


def test_missing_file_fails_at_call_time(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.jsonl: no such file"):
        read_traffic(InputOptions(path=str(tmp_path / "nowhere.jsonl")))


def test_unknown_suffix_fails_at_call_time(tmp_path: Path) -> None:
    (tmp_path / "day.xlsx").write_bytes(b"")
    with pytest.raises(InputError, match=r"day\.xlsx: cannot tell the format"):
        read_traffic(InputOptions(path=str(tmp_path / "day.xlsx")))


@pytest.mark.parametrize("name", ["day.jsonl", "day.csv", "day.parquet"])
def test_missing_column_fails_at_call_time_naming_file_and_column(tmp_path: Path, name: str) -> None:
    rows = [{"user": "a", "ts": T0, "text": "p"}]
    path = WRITERS[name](tmp_path / name, rows)
    with pytest.raises(InputError) as caught:
        read_traffic(InputOptions(path=str(path), columns=Columns(account_id="user", timestamp="ts")))
    message = str(caught.value)
    assert message == (f"{path}: missing required column 'prompt' (columns found: user, ts, text); "
                       f"set input.columns.prompt=<name>")


def test_jsonl_column_check_uses_the_first_parseable_object(tmp_path: Path) -> None:
    good = {"account_id": "a", "timestamp": T0, "prompt": "p"}
    path = tmp_path / "day.jsonl"
    path.write_text("\nnot json\n" + json.dumps(good) + "\n" + json.dumps({"account_id": "b"}) + "\n")
    frame, rejected = _read_all(path)
    assert frame["row"].tolist() == [3]
    assert [(r.row, r.reason) for r in rejected] == [(2, "malformed_row"), (4, "prompt_missing")]


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "day.jsonl", ROWS)
    with pytest.raises(ValueError, match="chunk_rows"):
        InputOptions(path=str(path), chunk_rows=0)
    with pytest.raises(ValueError, match="max_prompt_chars"):
        InputOptions(path=str(path), max_prompt_chars=0)
    with pytest.raises(ValueError, match="input.format"):
        InputOptions(path=str(path), format="xml")


def test_explicit_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "day.log", ROWS)
    frame, _ = _read_all(path, format="jsonl")
    assert len(frame) == 10


@pytest.mark.parametrize(("name", "expected"), [
    ("a.parquet", "parquet"), ("a.PQ", "parquet"), ("a.jsonl", "jsonl"), ("a.ndjson.gz", "jsonl"),
    ("a.json", "jsonl"), ("a.2024-01-01.csv.gz", "csv"), ("a.csv", "csv")])
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(name) == expected


@pytest.mark.parametrize("name", ["a.parquet.gz", "a.gz", "a.txt", "noext"])
def test_detect_format_refuses_unknown_names(name: str) -> None:
    with pytest.raises(InputError, match=name.replace(".", r"\.")):
        detect_format(name)


def test_csv_with_bom_crlf_and_spaced_header(tmp_path: Path) -> None:
    path = tmp_path / "day.csv"
    path.write_bytes(b"\xef\xbb\xbfaccount_id, timestamp, prompt\r\n"
                     b"a,1700000000,\"first\r\nsecond\"\r\nb,1700000001,third\r\n")
    frame, rejected = _read_all(path)
    assert rejected == []
    assert frame["account_id"].tolist() == ["a", "b"]
    assert frame["prompt"].tolist() == ["first\r\nsecond", "third"]


def test_file_that_is_not_really_gzip_fails_at_call_time(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl.gz"
    path.write_text('{"account_id": "a", "timestamp": 1, "prompt": "p"}\n')
    with pytest.raises(InputError, match=r"day\.jsonl\.gz: unreadable"):
        read_traffic(InputOptions(path=str(path)))


def test_file_that_is_not_really_parquet_fails_at_call_time(tmp_path: Path) -> None:
    path = tmp_path / "day.parquet"
    path.write_text("account_id,timestamp,prompt\n")
    with pytest.raises(InputError, match=r"day\.parquet: not a readable Parquet file"):
        read_traffic(InputOptions(path=str(path)))


@pytest.mark.parametrize("name", ["day.jsonl.gz", "day.csv.gz"])
def test_truncated_gzip_keeps_the_rows_before_the_break_and_rejects_the_rest(tmp_path: Path, name: str) -> None:
    rows = [{**row, "prompt": f"{row['prompt']} {i}"} for i, row in enumerate(ROWS * 500)]
    path = WRITERS[name](tmp_path / name, rows)
    path.write_bytes(path.read_bytes()[:-200])
    frame, rejected = _read_all(path)
    assert 0 < len(frame) < len(rows)
    assert frame["prompt"].tolist() == [row["prompt"] for row in rows[:len(frame)]]
    assert [r.reason for r in rejected] == ["unreadable"]
    assert "truncated" in rejected[0].detail and rejected[0].row == len(frame) + 1


def test_a_corrupt_parquet_row_group_is_rejected_and_the_rest_is_read(tmp_path: Path) -> None:
    rows = [{"account_id": f"acct-{i % 7}", "timestamp": T0 + i, "prompt": f"prompt {i} " + "x" * (i % 50)}
            for i in range(3000)]
    path = tmp_path / "day.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=500, compression="snappy")
    meta = pq.ParquetFile(path).metadata.row_group(2).column(2)
    raw = bytearray(path.read_bytes())
    start = meta.data_page_offset
    raw[start + 40:start + 2000] = bytes(1960)  # the third group's prompt pages
    path.write_bytes(bytes(raw))
    frame, rejected = _read_all(path)
    assert {r.reason for r in rejected} == {"unreadable"}
    lost = sorted(r.row for r in rejected)
    assert lost == list(range(1001, lost[-1] + 1)) and len(lost) % 500 == 0  # whole row groups, from the third
    assert len(frame) + len(lost) == 3000
    assert frame["row"].max() == 3000  # the groups after the corrupt one were read


def test_epoch_milliseconds_microseconds_and_nanoseconds_are_told_by_magnitude(tmp_path: Path) -> None:
    for scale in (1, 1_000, 1_000_000, 1_000_000_000):
        rows = [{**row, "timestamp": row["timestamp"] * scale} for row in ROWS]
        for name in ("day.csv", "day.jsonl", "day.parquet"):
            frame, rejected = _read_all(WRITERS[name](tmp_path / name, rows))
            assert rejected == []
            np.testing.assert_allclose(frame["timestamp"].to_numpy(), np.arange(T0, T0 + 10, dtype=float))


def test_an_explicit_timestamp_unit_is_honoured_and_a_wrong_one_is_rejected_as_out_of_range(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "day.csv", [{**row, "timestamp": row["timestamp"] * 1000} for row in ROWS])
    frame, _ = _read_all(path, timestamp_unit="ms")
    assert frame["timestamp"].tolist() == [float(T0 + i) for i in range(10)]
    chunks = list(read_traffic(InputOptions(path=str(path), timestamp_unit="s")))
    rejected = [r for _, bad in chunks for r in bad]
    assert [r.reason for r in rejected] == ["timestamp_out_of_range"] * 10
    assert "input.timestamp_unit" in rejected[0].detail and "year 55" in rejected[0].detail


@pytest.mark.parametrize("stamp", ["1970-01-02T00:00:00Z", "2100-01-01T00:00:00Z", -86400, 86400])
def test_times_no_api_traffic_can_have_are_rejected_with_the_reason(tmp_path: Path, stamp) -> None:
    rows = [*ROWS, {"account_id": "late", "timestamp": stamp, "prompt": "when is this"}]
    frame, rejected = _read_all(_write_jsonl(tmp_path / "day.jsonl", rows))
    assert len(frame) == 10
    assert [(r.reason, r.account_id) for r in rejected] == [("timestamp_out_of_range", "late")]
    assert "2000-01-01" in rejected[0].detail


@pytest.mark.parametrize("sep", ["\t", ";", "|"])
def test_a_tab_or_semicolon_separated_file_named_csv_reads_as_it_is(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "day.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False, sep=sep)
    frame, rejected = _read_all(path)
    assert rejected == [] and frame["prompt"].tolist() == [row["prompt"] for row in ROWS]


def test_a_tsv_file_and_an_explicit_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "day.tsv"
    pd.DataFrame(ROWS).to_csv(path, index=False, sep="\t")
    assert len(_read_all(path)[0]) == 10
    with pytest.raises(InputError, match="missing required column"):
        read_traffic(InputOptions(path=str(path), delimiter=","))
    with pytest.raises(ValueError, match="input.delimiter"):
        InputOptions(path=str(path), delimiter="ab")


def test_a_csv_prompt_longer_than_the_csv_module_default_is_judged_by_max_prompt_chars(tmp_path: Path) -> None:
    long = "word " * 40_000  # 200,000 characters, over csv's default field limit of 131,072
    path = _write_csv(tmp_path / "day.csv", [*ROWS, {"account_id": "big", "timestamp": T0, "prompt": long}])
    frame, rejected = _read_all(path)
    assert [(r.reason, r.account_id) for r in rejected] == [("prompt_too_long", "big")]
    frame, rejected = _read_all(path, max_prompt_chars=300_000)
    assert rejected == [] and frame["prompt"].iloc[-1] == long


def test_chat_format_prompts_read_as_their_user_turns(tmp_path: Path) -> None:
    rows = [{"account_id": "a", "timestamp": T0, "prompt": [{"role": "system", "content": "be brief"},
                                                           {"role": "user", "content": "what is a monad"}]},
            {"account_id": "b", "timestamp": T0, "prompt": [{"role": "user", "content": [
                {"type": "text", "text": "describe this"}, {"type": "image_url", "image_url": {"url": "x"}}]}]},
            {"account_id": "c", "timestamp": T0, "prompt": [{"role": "assistant", "content": "hi"}]},
            {"account_id": "d", "timestamp": T0, "prompt": [1, 2]}]
    frame, rejected = _read_all(_write_jsonl(tmp_path / "day.jsonl", rows))
    assert frame["prompt"].tolist() == ["what is a monad", "describe this"]
    assert [r.reason for r in rejected] == ["prompt_empty", "malformed_row"]
    frame, rejected = _read_all(_write_parquet(tmp_path / "day.parquet", [rows[0], rows[2]]))
    assert frame["prompt"].tolist() == ["what is a monad"] and [r.reason for r in rejected] == ["prompt_empty"]


def test_a_json_array_file_is_refused_with_the_conversion(tmp_path: Path) -> None:
    for text in (json.dumps(ROWS), json.dumps(ROWS, indent=2)):
        path = tmp_path / "day.json"
        path.write_text(text)
        with pytest.raises(InputError, match=r"day\.json: one JSON array, not JSON Lines.*jq -c"):
            read_traffic(InputOptions(path=str(path)))


@pytest.mark.parametrize("column, values, message", [
    ("account_id", [1.5] * 10, "account ids must be strings or integers"),
    ("prompt", list(range(10)), "prompts must be text"),
    ("timestamp", [True] * 10, "timestamps must be"),
])
def test_a_parquet_column_of_the_wrong_type_is_refused_before_reading(tmp_path: Path, column, values,
                                                                       message) -> None:
    rows = [{**row, column: value} for row, value in zip(ROWS, values)]
    path = _write_parquet(tmp_path / "day.parquet", rows)
    with pytest.raises(InputError, match=rf"day\.parquet: column '{column}' is .*{message}"):
        read_traffic(InputOptions(path=str(path)))


REASONS = {"account_missing", "prompt_missing", "prompt_empty", "prompt_too_long", "timestamp_invalid",
           "timestamp_out_of_range", "undecodable_bytes", "malformed_row", "unreadable"}
_VALUES = [None, "", " ", "a", "2026-11-27T10:00:00Z", "1795737600", 1795737600, 1795737600123, -5, 1.5, float("nan"),
           True, [], {}, ["x"], [{"role": "user", "content": "hi"}], "\x00\x01", "\ud800", "=SUM(A1)", "x" * 30_000]


def _outcome(path: Path, **options) -> str:
    """Read the whole file: 'error' (a clean InputError), else 'rows' / 'rejected' / 'empty'; anything
    else (a traceback) fails the test."""
    try:
        chunks = list(read_traffic(InputOptions(path=str(path), chunk_rows=7, **options)))
    except InputError as err:
        assert str(path.name) in str(err) and "\n" not in str(err)
        return "error"
    rows = sum(len(chunk) for chunk, _ in chunks)
    rejected = [r for _, bad in chunks for r in bad]
    assert {r.reason for r in rejected} <= REASONS and all(r.detail for r in rejected)
    for chunk, _ in chunks:
        assert np.isfinite(chunk.timestamp).all() and all(isinstance(p, str) and p for p in chunk.prompt)
        assert all(isinstance(a, str) and a for a in chunk.account_id)
    return "rows" if rows else ("rejected" if rejected else "empty")


def test_fuzz_random_bytes_truncations_and_column_types_end_cleanly(tmp_path: Path) -> None:
    rng = np.random.default_rng(20)
    seen = set()
    valid = {name: WRITERS[name](tmp_path / f"valid-{name}", ROWS * 20).read_bytes() for name in WRITERS}
    for case in range(240):
        name = sorted(WRITERS)[case % len(WRITERS)]
        path = tmp_path / f"case{case}-{name}"
        kind = case // len(WRITERS) % 4
        if kind == 0:  # random bytes
            path.write_bytes(rng.bytes(int(rng.integers(0, 3000))))
        elif kind == 1:  # a valid file cut anywhere
            data = valid[name]
            path.write_bytes(data[: int(rng.integers(0, len(data)))])
        elif kind == 2:  # a valid file with bytes flipped
            data = bytearray(valid[name])
            for at in rng.integers(0, len(data), size=int(rng.integers(1, 40))):
                data[at] = int(rng.integers(0, 256))
            path.write_bytes(bytes(data))
        else:  # random values of random types in every column
            rows = [{column: _VALUES[int(rng.integers(len(_VALUES)))] for column in ("account_id", "timestamp", "prompt")}
                    for _ in range(int(rng.integers(1, 30)))]
            if name == "day.parquet":
                try:
                    pq.write_table(pa.Table.from_pylist(rows), path)
                except (pa.ArrowException, ValueError, UnicodeEncodeError):
                    continue  # arrow cannot hold this mixture; no such file exists
            elif name.startswith("day.jsonl"):
                text = "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8", "surrogatepass")
                path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
            else:
                out = io.StringIO()
                writer = csv.writer(out)
                writer.writerow(["account_id", "timestamp", "prompt"])
                writer.writerows([[str(v) for v in row.values()] for row in rows])
                text = out.getvalue().encode("utf-8", "surrogatepass")
                path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
        seen.add(_outcome(path))
    assert {"error", "rows", "rejected"} <= seen
