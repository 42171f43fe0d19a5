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
import json
import zlib
from dataclasses import fields
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from traffic.records import MISSING, Columns, InputError, Problem, RawChunk, Rejected, json_kind

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

def parquet_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    """Open a Parquet file and check its columns; return its raw chunks.

    Raises:
        InputError: The file is not readable Parquet or lacks a required column.
    """
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc}); "
                         f"check the file or set input.format") from exc
    _require_columns(path, parquet.schema_arrow.names, columns)
    return _parquet_chunks(parquet, path=path, columns=columns, chunk_rows=chunk_rows)


def _parquet_chunks(parquet: pq.ParquetFile, *, path: Path, columns: Columns,
                    chunk_rows: int) -> Iterator[RawChunk]:
    wanted = list(dict.fromkeys([columns.account_id, columns.timestamp, columns.prompt]))
    done = 0
    with parquet:
        try:
            for batch in parquet.iter_batches(batch_size=chunk_rows, columns=wanted):
                yield RawChunk(row=list(range(done + 1, done + batch.num_rows + 1)),
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


def jsonl_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    """Check the first JSON object's keys for the required columns; return the raw chunks.

    Raises:
        InputError: The file is unreadable or its first object lacks a required column.
    """
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


def _jsonl_chunks(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    raw, count = RawChunk(), 0
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


def csv_source(path: Path, *, columns: Columns, chunk_rows: int) -> Iterator[RawChunk]:
    """Read and check the CSV header; return the raw chunks of the rows below it.

    Raises:
        InputError: The file is unreadable, has no valid header or lacks a required column.
    """
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
"""Format name -> function(path, *, columns, chunk_rows) that opens it as raw chunks."""
