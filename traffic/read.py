"""Stream one day of API traffic in bounded chunks, validating every row.

A day arrives as Parquet, JSONL or CSV (the last two optionally gzipped). Each
format is cut into raw chunks of at most ``chunk_rows`` input rows; one shared
validator then splits every raw chunk into a :class:`Chunk` of usable rows and
a list of :class:`Rejected` rows. A problem with the file as a whole raises
:class:`InputError` before anything is yielded; a problem with a row never does.

The pieces: :mod:`traffic.formats` (one raw-chunk source per format),
:mod:`traffic.validate` (the row checks) and :mod:`traffic.records` (the types,
re-exported here).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from traffic.formats import SOURCES, open_bytes, parquet_groups_source
from traffic.records import Chunk, Columns, InputError, Rejected
from traffic.validate import UNITS, validated

__all__ = ["FORMATS", "Chunk", "Columns", "InputError", "InputOptions", "Rejected", "count_rows", "detect_format",
           "parquet_parts", "read_parquet_part", "read_traffic"]

FORMATS = ("parquet", "jsonl", "csv")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".json": "jsonl", ".csv": "csv", ".tsv": "csv"}


def detect_format(path: str | Path) -> str:
    """Tell the format from the file name: "parquet", "jsonl" or "csv".

    Accepts .parquet/.pq, .jsonl/.ndjson/.json and .csv/.tsv, the last two also with .gz.

    Raises:
        InputError: The suffix is none of these.
    """
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    gzipped = suffixes[-1:] == [".gz"]
    fmt = _SUFFIXES.get(suffixes[-2] if gzipped else suffixes[-1]) if len(suffixes) > gzipped else None
    if fmt is None or (gzipped and fmt == "parquet"):
        raise InputError(f"{path}: cannot tell the format from the file name; name it .parquet, .pq, "
                         f".jsonl, .ndjson, .json, .csv or .tsv (.gz allowed for JSONL/CSV) or set input.format")
    return fmt


@dataclass(frozen=True)
class InputOptions:
    """Which traffic file to read and how (``conf/input/``).

    Attributes:
        path: Parquet, JSONL or CSV file; JSONL and CSV may be gzipped (name ends .gz). None
            means the built-in demo day (the daily job generates it).
        format: "auto" (from the suffix), "parquet", "jsonl" or "csv".
        columns: names of the account, timestamp and prompt columns; others are ignored.
        chunk_rows: most input rows held at once, >= 1.
        max_prompt_chars: longest prompt kept, in characters, >= 1 (longer ones are rejected).
        timestamp_unit: how epoch numbers are read: ``auto`` (seconds, milliseconds, microseconds
            or nanoseconds, told by magnitude), ``s``, ``ms``, ``us`` or ``ns``. Temporal Parquet
            columns and ISO-8601 text carry their own.
        delimiter: CSV field separator, or ``auto`` (comma, tab, semicolon or bar, whichever
            splits the header into the required columns).
    """

    path: Optional[str] = None
    format: str = "auto"
    columns: Columns = field(default_factory=Columns)
    chunk_rows: int = 50_000
    max_prompt_chars: int = 20_000
    timestamp_unit: str = "auto"
    delimiter: str = "auto"

    def __post_init__(self) -> None:
        for key, value in (("input.chunk_rows", self.chunk_rows), ("input.max_prompt_chars", self.max_prompt_chars)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be an integer >= 1, got {value!r}")
        if self.format != "auto" and self.format not in FORMATS:
            raise ValueError(f"input.format must be 'auto' or one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.timestamp_unit != "auto" and self.timestamp_unit not in UNITS:
            raise ValueError(f"input.timestamp_unit must be 'auto' or one of {', '.join(UNITS)}, "
                             f"got {self.timestamp_unit!r}")
        if self.delimiter != "auto" and (not isinstance(self.delimiter, str) or len(self.delimiter) != 1
                                         or self.delimiter in "\"\r\n"):
            raise ValueError(f"input.delimiter must be 'auto' or one character (not a quote or newline), "
                             f"got {self.delimiter!r}; a tab is input.delimiter=$'\\t' in bash")


def read_traffic(options: InputOptions) -> Iterator[tuple[Chunk, list[Rejected]]]:
    """Yield (valid rows, rejected rows) per chunk of at most ``options.chunk_rows`` input rows.

    The file is checked when this is called, not when iteration starts, so a missing
    file or column fails before any work is done. Memory is bounded by the chunk size.

    Raises:
        InputError: Missing file, unknown format or missing required column.
    """
    if options.path is None:
        raise ValueError("InputOptions.path is None: name the traffic file to read")
    path = Path(options.path)
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "no such file"
        raise InputError(f"{path}: {problem}; check input.path")
    fmt = _format_of(options)
    raw_chunks = SOURCES[fmt](path, columns=options.columns, chunk_rows=options.chunk_rows,
                              delimiter=options.delimiter, max_prompt_chars=options.max_prompt_chars)
    return validated(raw_chunks, columns=options.columns, max_prompt_chars=options.max_prompt_chars,
                     timestamp_unit=options.timestamp_unit)


def parquet_parts(options: InputOptions, *, rows_per_part: int) -> list[range]:
    """A Parquet traffic file cut into parts of whole row groups, each of about ``rows_per_part`` rows
    or one row group where a group is larger: the units a distributed reader hands out.

    Raises:
        InputError: as :func:`read_traffic` (checked the same way), or the file is not Parquet.
    """
    read_traffic(options)  # the file, its columns and their types are checked once, here
    if _format_of(options) != "parquet":
        raise InputError(f"{options.path}: the ray engine reads Parquet, and this file is "
                         f"{_format_of(options)}; convert it to Parquet or use engine=local")
    metadata = pq.ParquetFile(options.path).metadata
    parts, start, rows = [], 0, 0
    for group in range(metadata.num_row_groups):
        rows += metadata.row_group(group).num_rows
        if rows >= rows_per_part or group == metadata.num_row_groups - 1:
            parts.append(range(start, group + 1))
            start, rows = group + 1, 0
    return parts


def read_parquet_part(options: InputOptions, groups: range) -> Iterator[tuple[Chunk, list[Rejected]]]:
    """What :func:`read_traffic` yields for the row groups ``groups`` of a Parquet file already
    checked by :func:`parquet_parts`, rows numbered as in the whole file."""
    raw_chunks = parquet_groups_source(Path(options.path), groups=groups, columns=options.columns,
                                       chunk_rows=options.chunk_rows)
    return validated(raw_chunks, columns=options.columns, max_prompt_chars=options.max_prompt_chars,
                     timestamp_unit=options.timestamp_unit)


def _format_of(options: InputOptions) -> str:
    return detect_format(options.path) if options.format == "auto" else options.format


def count_rows(options: InputOptions) -> int | None:
    """About how many rows the file holds, for a progress bar: Parquet's own count; lines for
    JSONL and CSV (a quoted field may span lines); None where the file cannot say."""
    path = Path(options.path)
    fmt = _format_of(options)
    try:
        if fmt == "parquet":
            return pq.ParquetFile(path).metadata.num_rows
        lines = 0
        with open_bytes(path) as stream:
            for block in iter(lambda: stream.read(1 << 24), b""):
                lines += block.count(b"\n")
        return max(0, lines - (fmt == "csv"))
    except (OSError, EOFError, zlib.error, pa.ArrowException):
        return None
