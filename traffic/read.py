"""Stream one day of API traffic in bounded chunks, validating every row.

A day arrives as Parquet, JSONL or CSV (the last two optionally gzipped). Each
format is cut into raw chunks of at most ``chunk_rows`` input rows; one shared
validator then splits every raw chunk into a :class:`Chunk` of usable rows and
a list of :class:`Rejected` rows. A problem with the file as a whole raises
:class:`InputError` before anything is yielded; a problem with a row never does.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("parquet", "jsonl", "csv")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".json": "jsonl", ".csv": "csv"}
_MISSING = object()  # a key absent from a JSONL object, told apart from an explicit null
_TICKS_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}
_EPOCH = pd.Timestamp(0, tz="UTC")
_JSON_KINDS = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", bytes: "binary value"}

Problem = tuple[str, str]  # (reason code, one-sentence detail)


@dataclass(frozen=True)
class Columns:
    """Names of the input columns."""

    account_id: str = "account_id"
    timestamp: str = "timestamp"
    prompt: str = "prompt"


class InputError(Exception):
    """The input cannot be read at all (missing file, missing required column, unknown format).

    The message is one line naming the file and the column or problem.
    """


@dataclass
class Chunk:
    """A bounded batch of valid rows, in file order.

    Attributes:
        row: int64, 1-based data-row number in the file (JSONL: line number; CSV: data
            row not counting the header; Parquet: row index + 1).
        account_id: Account ids, stripped; integer ids as their decimal string.
        timestamp: float64 epoch seconds, UTC, always finite.
        prompt: Raw prompt text exactly as read (not normalised).
    """

    row: np.ndarray
    account_id: list[str]
    timestamp: np.ndarray
    prompt: list[str]

    def __len__(self) -> int:
        return len(self.account_id)


@dataclass(frozen=True)
class Rejected:
    """One input row that could not be used.

    Attributes:
        row: 1-based row number, numbered as in :class:`Chunk`.
        reason: Short stable code: account_missing, prompt_missing, prompt_empty,
            prompt_too_long, timestamp_invalid, undecodable_bytes or malformed_row.
        detail: One human sentence saying what was wrong.
        account_id: The row's account when it could be read, else None.
    """

    row: int
    reason: str
    detail: str
    account_id: str | None = None


@dataclass
class _RawChunk:
    """Rows as parsed, before validation: values may be _MISSING, None or any JSON type."""

    row: list[int] = field(default_factory=list)
    account: list = field(default_factory=list)
    timestamp: list | np.ndarray = field(default_factory=list)
    prompt: list = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def detect_format(path: str | Path) -> str:
    """Tell the format from the file name: "parquet", "jsonl" or "csv".

    Accepts .parquet/.pq, .jsonl/.ndjson/.json and .csv, the last two also with .gz.

    Raises:
        InputError: The suffix is none of these.
    """
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    gzipped = suffixes[-1:] == [".gz"]
    fmt = _SUFFIXES.get(suffixes[-2] if gzipped else suffixes[-1]) if len(suffixes) > gzipped else None
    if fmt is None or (gzipped and fmt == "parquet"):
        raise InputError(f"{path}: cannot tell the format from the file name; name it .parquet, .pq, "
                         f".jsonl, .ndjson, .json or .csv (.gz allowed for JSONL/CSV) or set input.format")
    return fmt


def read_traffic(path: str | Path, *, columns: Columns = Columns(), file_format: str = "auto",
                 chunk_rows: int = 50_000, max_prompt_chars: int = 20_000,
                 ) -> Iterator[tuple[Chunk, list[Rejected]]]:
    """Yield (valid rows, rejected rows) per chunk of at most chunk_rows input rows.

    The file is checked when this is called, not when iteration starts, so a missing
    file or column fails before any work is done. Memory is bounded by chunk_rows.

    Args:
        path: Parquet, JSONL or CSV file; JSONL and CSV may be gzipped (name ends .gz).
        columns: Names of the account, timestamp and prompt columns; others are ignored.
        file_format: "auto" (from the suffix), "parquet", "jsonl" or "csv".
        chunk_rows: Most input rows per chunk, >= 1.
        max_prompt_chars: Longest prompt kept, in characters, >= 1.

    Raises:
        InputError: Missing file, unknown format or missing required column.
        ValueError: An argument is out of range.
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be an integer >= 1, got {chunk_rows!r}")
    if isinstance(max_prompt_chars, bool) or not isinstance(max_prompt_chars, int) or max_prompt_chars < 1:
        raise ValueError(f"max_prompt_chars must be an integer >= 1, got {max_prompt_chars!r}")
    if file_format != "auto" and file_format not in FORMATS:
        raise ValueError(f"file_format must be 'auto' or one of {', '.join(FORMATS)}, got {file_format!r}")
    path = Path(path)
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "no such file"
        raise InputError(f"{path}: {problem}; check input.path")
    fmt = detect_format(path) if file_format == "auto" else file_format
    open_source = {"parquet": _parquet_source, "jsonl": _jsonl_source, "csv": _csv_source}[fmt]
    raw_chunks = open_source(path, columns=columns, chunk_rows=chunk_rows)
    return _validated(raw_chunks, columns=columns, max_prompt_chars=max_prompt_chars)


def _require_columns(path: Path, found: list[str], columns: Columns) -> None:
    missing = [(f.name, getattr(columns, f.name)) for f in fields(columns)
               if getattr(columns, f.name) not in found]
    if not missing:
        return
    names = ", ".join(repr(name) for _, name in missing)
    shown = ", ".join(str(name) for name in found[:20]) + (", ..." if len(found) > 20 else "")
    fixes = ", ".join(f"input.columns.{key}=<name>" for key, _ in missing)
    plural = "s" if len(missing) > 1 else ""
    raise InputError(f"{path}: missing required column{plural} {names} "
                     f"(columns found: {shown or 'none'}); set {fixes}")


# --- Parquet -------------------------------------------------------------------------------

def _parquet_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[_RawChunk]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc}); "
                         f"check the file or set input.format") from exc
    _require_columns(path, parquet.schema_arrow.names, columns)
    return _parquet_chunks(parquet, path=path, columns=columns, chunk_rows=chunk_rows)


def _parquet_chunks(parquet: pq.ParquetFile, *, path: Path, columns: Columns,
                    chunk_rows: int) -> Iterator[_RawChunk]:
    wanted = list(dict.fromkeys([columns.account_id, columns.timestamp, columns.prompt]))
    done = 0
    with parquet:
        try:
            for batch in parquet.iter_batches(batch_size=chunk_rows, columns=wanted):
                yield _RawChunk(row=list(range(done + 1, done + batch.num_rows + 1)),
                                account=batch.column(columns.account_id).to_pylist(),
                                timestamp=_arrow_timestamps(batch.column(columns.timestamp)),
                                prompt=batch.column(columns.prompt).to_pylist())
                done += batch.num_rows
        except pa.ArrowException as exc:
            raise InputError(f"{path}: unreadable after row {done:,} ({exc}); "
                             f"the file may be truncated or corrupt") from exc


def _arrow_timestamps(values: pa.Array) -> list | np.ndarray:
    """Epoch seconds (NaN for null) for numeric and temporal columns; Python values otherwise."""
    kind = values.type
    if pa.types.is_date(kind):
        values, kind = values.cast(pa.timestamp("s")), pa.timestamp("s")
    if pa.types.is_timestamp(kind):
        ticks = values.cast(pa.int64()).cast(pa.float64()).to_numpy(zero_copy_only=False)
        return ticks / _TICKS_PER_SECOND[kind.unit]  # a naive timestamp is taken as UTC
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return values.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return values.to_pylist()


# --- JSONL and CSV -------------------------------------------------------------------------

def _numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, raw bytes) of a text file, gunzipped if named .gz."""
    lineno = 0
    try:
        with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")) as stream:
            for lineno, line in enumerate(stream, start=1):
                # A BOM is an encoding marker, not part of the first value.
                yield lineno, (line[3:] if lineno == 1 and line.startswith(codecs.BOM_UTF8) else line)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: unreadable after line {lineno:,} ({exc}); "
                         f"the file may be truncated or not really gzip") from exc


def _jsonl_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[_RawChunk]:
    lines = _numbered_lines(path)
    try:
        parsed = (_parse_json_line(line)[0] for _, line in lines)
        first = next((obj for obj in parsed if obj is not None), None)
    finally:
        lines.close()
    if first is not None:
        _require_columns(path, list(first), columns)
    # Reading again from the top keeps memory bounded however much junk precedes the first object.
    return _jsonl_chunks(path, columns=columns, chunk_rows=chunk_rows)


def _jsonl_chunks(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[_RawChunk]:
    raw, count = _RawChunk(), 0
    for lineno, line in _numbered_lines(path):
        if line.isspace():
            continue
        obj, problem = _parse_json_line(line)
        if problem:
            raw.rejected.append(Rejected(row=lineno, reason=problem[0], detail=problem[1]))
        else:
            raw.row.append(lineno)
            raw.account.append(obj.get(columns.account_id, _MISSING))
            raw.timestamp.append(obj.get(columns.timestamp, _MISSING))
            raw.prompt.append(obj.get(columns.prompt, _MISSING))
        count += 1
        if count % chunk_rows == 0:
            yield raw
            raw = _RawChunk()
    yield raw


def _parse_json_line(line: bytes) -> tuple[dict | None, Problem | None]:
    """Parse one line; invalid UTF-8 inside a string survives as lone surrogates for the field check."""
    bad_bytes = False
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text, bad_bytes = line.decode("utf-8", "surrogateescape"), True
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        if bad_bytes:
            return None, ("undecodable_bytes", "line is not valid UTF-8 and not valid JSON")
        return None, ("malformed_row", f"line is not valid JSON ({exc})")
    if not isinstance(obj, dict):
        return None, ("malformed_row", f"line is a JSON {_kind(obj)}, not an object")
    return obj, None


def _csv_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[_RawChunk]:
    # Decoding per line with surrogateescape keeps one bad byte from stopping the file;
    # the field check turns the surrogates into undecodable_bytes. No \n byte is ever part
    # of a multi-byte UTF-8 character, so splitting on lines first is safe.
    lines = (line.decode("utf-8", "surrogateescape") for _, line in _numbered_lines(path))
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}: the header row is not valid CSV ({exc})") from exc
    if not header:
        raise InputError(f"{path}: no header row; the first line must name the columns")
    header = [name.strip() for name in header]
    _require_columns(path, header, columns)
    positions = tuple(header.index(name) for name in (columns.account_id, columns.timestamp, columns.prompt))
    return _csv_chunks(reader, width=len(header), positions=positions, chunk_rows=chunk_rows)


def _csv_chunks(reader: Iterator[list[str]], *, width: int, positions: tuple[int, int, int],
                chunk_rows: int) -> Iterator[_RawChunk]:
    at_account, at_timestamp, at_prompt = positions
    raw, record = _RawChunk(), 0
    while True:
        try:
            values = next(reader)
            wrong = len(values) not in (0, width)  # an empty list is a blank line
            problem = f"row has {len(values)} fields, the header has {width}" if wrong else None
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a runaway quote hitting csv.field_size_limit()
            values, problem = [], f"row is not valid CSV ({exc})"
        record += 1
        if problem:
            raw.rejected.append(Rejected(row=record, reason="malformed_row", detail=problem))
        elif values:  # blank lines are skipped, as in JSONL
            raw.row.append(record)
            raw.account.append(values[at_account])
            raw.timestamp.append(values[at_timestamp])
            raw.prompt.append(values[at_prompt])
        if record % chunk_rows == 0:
            yield raw
            raw = _RawChunk()
    yield raw


# --- Validation ----------------------------------------------------------------------------

def _validated(raw_chunks: Iterator[_RawChunk], *, columns: Columns,
               max_prompt_chars: int) -> Iterator[tuple[Chunk, list[Rejected]]]:
    for raw in raw_chunks:
        if raw.row or raw.rejected:
            yield _validate_chunk(raw, columns=columns, max_prompt_chars=max_prompt_chars)


def _validate_chunk(raw: _RawChunk, *, columns: Columns,
                    max_prompt_chars: int) -> tuple[Chunk, list[Rejected]]:
    seconds = _parse_timestamps(raw.timestamp)
    timestamp_ok = np.isfinite(seconds).tolist()
    kept, accounts, prompts = [], [], []
    rejected = list(raw.rejected)
    for i, row in enumerate(raw.row):
        account, problem = _check_account(raw.account[i], column=columns.account_id)
        if problem is None:
            prompt, problem = _check_prompt(raw.prompt[i], column=columns.prompt, max_chars=max_prompt_chars)
        if problem is None and not timestamp_ok[i]:
            problem = ("timestamp_invalid", _timestamp_detail(raw.timestamp[i], column=columns.timestamp))
        if problem is None:
            kept.append(i)
            accounts.append(account)
            prompts.append(prompt)
        else:
            rejected.append(Rejected(row=row, reason=problem[0], detail=problem[1], account_id=account))
    kept = np.asarray(kept, dtype=np.int64)
    rejected.sort(key=lambda r: r.row)
    chunk = Chunk(row=np.asarray(raw.row, dtype=np.int64)[kept], account_id=accounts,
                  timestamp=seconds[kept], prompt=prompts)
    return chunk, rejected


def _check_account(value: object, *, column: str) -> tuple[str | None, Problem | None]:
    if type(value) is str or type(value) is bytes:
        account = _as_text(value)
        if account is None:
            return None, ("undecodable_bytes", f"'{column}' is not valid UTF-8")
        account = account.strip()
        return (account, None) if account else (None, ("account_missing", f"'{column}' is empty"))
    if value is _MISSING or value is None:
        return None, ("account_missing", f"'{column}' is {'absent' if value is _MISSING else 'null'}")
    if type(value) is int:
        return str(value), None
    return None, ("malformed_row", f"'{column}' is a {_kind(value)}, not a string or integer")


def _check_prompt(value: object, *, column: str, max_chars: int) -> tuple[str | None, Problem | None]:
    if value is _MISSING or value is None:
        return None, ("prompt_missing", f"'{column}' is {'absent' if value is _MISSING else 'null'}")
    if type(value) is not str and type(value) is not bytes:
        return None, ("malformed_row", f"'{column}' is a {_kind(value)}, not a string")
    prompt = _as_text(value)
    if prompt is None:
        return None, ("undecodable_bytes", f"'{column}' is not valid UTF-8")
    if not prompt or prompt.isspace():
        return None, ("prompt_empty", f"'{column}' is empty or whitespace only")
    if len(prompt) > max_chars:
        return None, ("prompt_too_long", f"'{column}' is {len(prompt):,} characters, "
                                         f"over the cap of {max_chars:,} (input.max_prompt_chars)")
    return prompt, None


def _parse_timestamps(values: list | np.ndarray) -> np.ndarray:
    """Epoch seconds per value, NaN where it is missing or unparseable."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    seconds = np.full(len(values), np.nan)
    number_at, numbers, text_at, texts = [], [], [], []
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str and _as_text(value) is not None:
            text_at.append(i)
            texts.append(value)
        elif kind is int or kind is float:
            try:
                numbers.append(float(value))
            except OverflowError:  # a JSON integer too big for a float; stays NaN
                continue
            number_at.append(i)
    if numbers:
        seconds[number_at] = numbers
    if texts:
        seconds[text_at] = _parse_timestamp_texts(texts)
    return seconds


def _parse_timestamp_texts(texts: list[str]) -> np.ndarray:
    # Numeric strings are epoch seconds; everything else gets one ISO-8601 pass.
    series = pd.Series(texts, dtype=object).str.strip()
    seconds = np.array(pd.to_numeric(series, errors="coerce"), dtype=np.float64)  # a writable copy
    iso = np.isnan(seconds)
    if iso.any():
        parsed = pd.to_datetime(series[iso], utc=True, format="ISO8601", errors="coerce")
        seconds[iso] = (parsed - _EPOCH).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    return seconds


def _timestamp_detail(value: object, *, column: str) -> str:
    if value is _MISSING or value is None:
        return f"'{column}' is {'absent' if value is _MISSING else 'null'}"
    if isinstance(value, float):  # also NaN from a null in a numeric Parquet column
        if np.isnan(value):
            return f"'{column}' is null or NaN"
        return f"'{column}' is {float(value)!r}, not a finite number of epoch seconds"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"'{column}' value {shown!r} is neither ISO-8601 nor epoch seconds"
    return f"'{column}' is a {_kind(value)}, not an ISO-8601 string or epoch seconds"


def _as_text(value: str | bytes) -> str | None:
    """The value as clean text, or None if it is not UTF-8.

    Lone surrogates in a str are bytes that were not UTF-8 (kept by surrogateescape) or
    JSON-escaped halves of a pair; neither can be encoded for the embedder downstream.
    """
    try:
        if type(value) is bytes:
            return value.decode("utf-8")
        if not value.isascii():
            value.encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return value


def _kind(value: object) -> str:
    return _JSON_KINDS.get(type(value), type(value).__name__)
