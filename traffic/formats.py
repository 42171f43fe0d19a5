"""Cut a Parquet, JSONL or CSV traffic file into raw chunks of at most ``chunk_rows`` rows.

Each source checks the file as a whole when it is opened (readable, required
columns present) and raises :class:`InputError` then; after that it yields
:class:`RawChunk` batches whose values are still unvalidated. Rows a format
cannot parse at all (not JSON, wrong number of CSV fields) come back in
``RawChunk.rejected``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import itertools
import json
import zlib
from dataclasses import fields
from pathlib import Path
from typing import IO, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from traffic.records import MISSING, Columns, InputError, Problem, RawChunk, Rejected, json_kind, one_line

_TICKS_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


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

def parquet_source(path: Path, *, columns: Columns, chunk_rows: int, **_) -> Iterator[RawChunk]:
    """Open a Parquet file and check its columns and their types; return its raw chunks.

    A row group that cannot be decoded (corrupt pages) is skipped: its rows come back as
    ``unreadable`` rejections and the row groups after it are read.

    Raises:
        InputError: The file is not readable Parquet, lacks a required column, or a column's
            type cannot hold what it must (float account ids, integer prompts).
    """
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc}); "
                         f"check the file or set input.format") from exc
    schema = parquet.schema_arrow
    _require_columns(path, schema.names, columns)
    _check_parquet_types(path, schema, columns)
    return _parquet_chunks(parquet, path=path, columns=columns, chunk_rows=chunk_rows)


def _texty(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind) or getattr(pa.types, "is_string_view", lambda _: False)(kind))


def _check_parquet_types(path: Path, schema: pa.Schema, columns: Columns) -> None:
    """Refuse, before anything is read, a column whose type no row of it could pass."""
    account = schema.field(columns.account_id).type
    if not (_texty(account) or pa.types.is_integer(account) or pa.types.is_null(account)):
        raise InputError(f"{path}: column '{columns.account_id}' is {account}; account ids must be strings or "
                         f"integers: cast the column to string")
    prompt = schema.field(columns.prompt).type
    if not (_texty(prompt) or pa.types.is_list(prompt) or pa.types.is_large_list(prompt) or pa.types.is_null(prompt)):
        raise InputError(f"{path}: column '{columns.prompt}' is {prompt}; prompts must be text (or chat message "
                         f"lists): check input.columns.prompt names the prompt column")
    stamp = schema.field(columns.timestamp).type
    if not (_texty(stamp) or pa.types.is_temporal(stamp) or pa.types.is_integer(stamp)
            or pa.types.is_floating(stamp) or pa.types.is_null(stamp)):
        raise InputError(f"{path}: column '{columns.timestamp}' is {stamp}; timestamps must be a timestamp, "
                         f"epoch numbers or ISO-8601 text")


def parquet_groups_source(path: Path, *, groups: range, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    """The raw chunks of some row groups of a Parquet file already checked by :func:`parquet_source`,
    numbered as in the whole file (a distributed reader's part of the file)."""
    return _parquet_chunks(pq.ParquetFile(path), path=path, columns=columns, chunk_rows=chunk_rows, only=groups)


def _parquet_chunks(parquet: pq.ParquetFile, *, path: Path, columns: Columns, chunk_rows: int,
                    only: range | None = None) -> Iterator[RawChunk]:
    wanted = list(dict.fromkeys([columns.account_id, columns.timestamp, columns.prompt]))
    metadata = parquet.metadata
    only = range(metadata.num_row_groups) if only is None else only
    done = sum(metadata.row_group(group).num_rows for group in range(only.start))
    with parquet:
        groups = metadata.num_row_groups
        for group in only:
            start, size = done, metadata.row_group(group).num_rows
            batches = parquet.iter_batches(batch_size=chunk_rows, columns=wanted, row_groups=[group])
            while True:
                # Only the decoding is guarded: a value the conversion below refuses is a bug, not corruption.
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except (pa.ArrowException, OSError) as exc:
                    detail = (f"row group {group + 1} of {groups} (rows {start + 1:,}-{start + size:,}) cannot be "
                              f"decoded ({one_line(exc)}); the file is corrupt there")
                    yield RawChunk(rejected=[Rejected(row=row, reason="unreadable", detail=detail)
                                             for row in range(done + 1, start + size + 1)])
                    done = start + size
                    break
                timestamps, seconds = _arrow_timestamps(batch.column(columns.timestamp))
                yield RawChunk(row=list(range(done + 1, done + batch.num_rows + 1)),
                               account=batch.column(columns.account_id).to_pylist(),
                               timestamp=timestamps, prompt=batch.column(columns.prompt).to_pylist(),
                               seconds=seconds)
                done += batch.num_rows


def _arrow_timestamps(values: pa.Array) -> tuple[list | np.ndarray, bool]:
    """The column's values, and whether they are epoch seconds already: a float64 array (NaN for
    null) of seconds for temporal columns, of epoch counts for numeric ones; Python values otherwise."""
    kind = values.type
    if pa.types.is_date(kind):
        values, kind = values.cast(pa.timestamp("s")), pa.timestamp("s")
    if pa.types.is_timestamp(kind):
        ticks = values.cast(pa.int64()).cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        return ticks / _TICKS_PER_SECOND[kind.unit], True  # a naive timestamp is taken as UTC
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False), False  # ns counts exceed 2^53
    return values.to_pylist(), False


# --- JSONL and CSV -------------------------------------------------------------------------

def open_bytes(path: Path) -> IO[bytes]:
    """A text file's bytes, gunzipped if it is named .gz."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


class _Unreadable(Exception):
    """The text stream broke off (truncated gzip, an I/O error) after ``line`` lines."""

    def __init__(self, line: int, cause: Exception) -> None:
        super().__init__(f"unreadable after line {line:,} ({one_line(cause)})")
        self.line = line


def _numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, raw bytes) of a text file, gunzipped if named .gz.

    Raises:
        _Unreadable: the stream broke off.
    """
    lineno = 0
    try:
        with open_bytes(path) as stream:
            for lineno, line in enumerate(stream, start=1):
                # A BOM is an encoding marker, not part of the first value.
                yield lineno, (line[3:] if lineno == 1 and line.startswith(codecs.BOM_UTF8) else line)
    except (OSError, EOFError, zlib.error) as exc:
        raise _Unreadable(lineno, exc) from exc


def _broken_off(path: Path, err: _Unreadable, *, row: int) -> Rejected:
    """The rejection that stands for the rest of a file whose stream broke off."""
    return Rejected(row=row, reason="unreadable",
                    detail=f"{path.name} is {err}: it may be truncated or not really gzip; the rest was not read")


def _opening_error(path: Path, err: _Unreadable) -> InputError:
    return InputError(f"{path}: {err}; the file may be truncated or not really gzip")


def jsonl_source(path: Path, *, columns: Columns, chunk_rows: int, **_) -> Iterator[RawChunk]:
    """Check the first JSON object's keys for the required columns; return the raw chunks.

    Raises:
        InputError: The file is unreadable, is one JSON array rather than JSON Lines, or its
            first object lacks a required column.
    """
    lines = _numbered_lines(path)
    try:
        first_line = next((line for _, line in lines if not line.isspace()), b"")
        if first_line.lstrip().startswith(b"[") and _parse_json_line(first_line)[1]:
            raise InputError(f"{path}: one JSON array, not JSON Lines; write one object per line, e.g. "
                             f"jq -c '.[]' {path.name} > {path.stem}.jsonl")
        parsed = (_parse_json_line(line)[0] for line in itertools.chain([first_line], (ln for _, ln in lines)))
        first = next((obj for obj in parsed if obj is not None), None)
    except _Unreadable as err:
        raise _opening_error(path, err) from None
    finally:
        lines.close()
    if first is not None:
        _require_columns(path, list(first), columns)
    # Reading again from the top keeps memory bounded however much junk precedes the first object.
    return _jsonl_chunks(path, columns=columns, chunk_rows=chunk_rows)


def _jsonl_chunks(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    raw, count = RawChunk(), 0
    try:
        for lineno, line in _numbered_lines(path):
            if line.isspace():
                continue
            obj, problem = _parse_json_line(line)
            if problem:
                raw.rejected.append(Rejected(row=lineno, reason=problem[0], detail=problem[1]))
            else:
                raw.row.append(lineno)
                raw.account.append(obj.get(columns.account_id, MISSING))
                raw.timestamp.append(obj.get(columns.timestamp, MISSING))
                raw.prompt.append(obj.get(columns.prompt, MISSING))
            count += 1
            if count % chunk_rows == 0:
                yield raw
                raw = RawChunk()
    except _Unreadable as err:
        raw.rejected.append(_broken_off(path, err, row=err.line + 1))
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
        return None, ("malformed_row", f"line is a JSON {json_kind(obj)}, not an object")
    return obj, None


DELIMITERS = (",", "\t", ";", "|")
"""What ``input.delimiter=auto`` tries on the header line, in this order."""
FIELD_CHARS_MIN = 16 * 1024 * 1024
"""The longest CSV field read at all; longer (a runaway quote, most likely) is a malformed row."""


def csv_source(path: Path, *, columns: Columns, chunk_rows: int, delimiter: str = "auto",
               max_prompt_chars: int = 0, **_) -> Iterator[RawChunk]:
    """Read and check the CSV header; return the raw chunks of the rows below it.

    ``delimiter`` ``auto`` takes the first of :data:`DELIMITERS` that splits the header into the
    required columns, so a tab- or semicolon-separated file named .csv reads as it is.

    Raises:
        InputError: The file is unreadable, has no valid header or lacks a required column.
    """
    # Prompts longer than the cap must still parse, to be rejected with their account as too long.
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_CHARS_MIN, 2 * max_prompt_chars))
    # Decoding per line with surrogateescape keeps one bad byte from stopping the file;
    # the field check turns the surrogates into undecodable_bytes. No \n byte is ever part
    # of a multi-byte UTF-8 character, so splitting on lines first is safe.
    lines = (line.decode("utf-8", "surrogateescape") for _, line in _numbered_lines(path))
    try:
        first = next(lines, None)
    except _Unreadable as err:
        raise _opening_error(path, err) from None
    if first is None or not first.strip():
        raise InputError(f"{path}: no header row; the first line must name the columns")
    chosen, header = _header(path, first, delimiter=delimiter, columns=columns)
    _require_columns(path, header, columns)
    positions = tuple(header.index(name) for name in (columns.account_id, columns.timestamp, columns.prompt))
    reader = csv.reader(lines, delimiter=chosen)
    return _csv_chunks(reader, path=path, width=len(header), positions=positions, chunk_rows=chunk_rows)


def _header(path: Path, line: str, *, delimiter: str, columns: Columns) -> tuple[str, list[str]]:
    """The delimiter and the header's column names."""
    required = {columns.account_id, columns.timestamp, columns.prompt}
    split = {}
    for candidate in ([delimiter] if delimiter != "auto" else DELIMITERS):
        try:
            split[candidate] = [name.strip() for name in next(csv.reader([line], delimiter=candidate))]
        except (csv.Error, StopIteration) as exc:
            raise InputError(f"{path}: the header row is not valid CSV ({exc})") from exc
        if required <= set(split[candidate]):
            return candidate, split[candidate]
    # No candidate finds every column: report the split with the most columns.
    best = max(split, key=lambda d: len(split[d]))
    return best, split[best]


def _csv_chunks(reader: Iterator[list[str]], *, path: Path, width: int, positions: tuple[int, int, int],
                chunk_rows: int) -> Iterator[RawChunk]:
    at_account, at_timestamp, at_prompt = positions
    raw, record = RawChunk(), 0
    while True:
        try:
            values = next(reader)
            wrong = len(values) not in (0, width)  # an empty list is a blank line
            problem = f"row has {len(values)} fields, the header has {width}" if wrong else None
        except StopIteration:
            break
        except _Unreadable as err:
            raw.rejected.append(_broken_off(path, err, row=record + 1))
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
            raw = RawChunk()
    yield raw


SOURCES: dict[str, Callable[..., Iterator[RawChunk]]] = {
    "parquet": parquet_source, "jsonl": jsonl_source, "csv": csv_source,
}
"""Format name -> function(path, *, columns, chunk_rows, delimiter, max_prompt_chars) that opens it as raw chunks."""
