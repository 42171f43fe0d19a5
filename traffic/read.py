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

from pathlib import Path
from typing import Iterator

from traffic.formats import SOURCES
from traffic.records import Chunk, Columns, InputError, Rejected
from traffic.validate import validated

__all__ = ["FORMATS", "Chunk", "Columns", "InputError", "Rejected", "detect_format", "read_traffic"]

FORMATS = ("parquet", "jsonl", "csv")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".json": "jsonl", ".csv": "csv"}


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
    raw_chunks = SOURCES[fmt](path, columns=columns, chunk_rows=chunk_rows)
    return validated(raw_chunks, columns=columns, max_prompt_chars=max_prompt_chars)
