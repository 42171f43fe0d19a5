"""Tables and JSON written atomically (see :mod:`files.atomic`).

A crash or Ctrl-C at any point leaves either the complete new file or no file,
never a truncated one that looks complete. In CSV, a text cell that a spreadsheet
would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return: an account named ``=HYPERLINK(...)``, a template that begins so) is prefixed
with ``'``, as OWASP advises; Parquet keeps every value as it is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from files.atomic import atomic_path


def write_json(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return Path(path)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a cell that a spreadsheet would evaluate begins."""


def inert_for_spreadsheets(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that starts like a formula prefixed with ``'``."""
    out = table.copy(deep=False)
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).to_numpy(bool)
            if risky.any():
                text = text.copy()
                text[risky] = "'" + text[risky]
                out[name] = text
    return out


def write_table(table: pd.DataFrame | pa.Table, folder: str | os.PathLike, stem: str, *,
                metadata: dict | None = None, as_text: dict[str, Callable] | None = None) -> list[Path]:
    """Write ``<stem>.parquet`` and ``<stem>.csv`` (its formula-like cells made inert), each atomically.

    Args:
        table: a DataFrame, or an Arrow table whose types the Parquet file keeps as they are.
        metadata: JSON-ready facts stored in the Parquet file's schema metadata under ``distill_detector``.
        as_text: per column, how its cells read in CSV (a list column, say); Parquet keeps the values.
    """
    folder = Path(folder)
    arrow = table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)
    table = arrow.to_pandas() if isinstance(table, pa.Table) else table
    written = []
    for suffix in (".parquet", ".csv"):
        target = folder / f"{stem}{suffix}"
        with atomic_path(target) as tmp:
            if suffix == ".parquet":
                if metadata is not None:
                    extra = {b"distill_detector": json.dumps(metadata, sort_keys=True).encode()}
                    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **extra})
                pq.write_table(arrow, tmp)
            else:
                text = table.copy(deep=False)
                for name, render in (as_text or {}).items():
                    if name in text:
                        text[name] = [render(value) for value in text[name]]
                inert_for_spreadsheets(text).to_csv(tmp, index=False)
        written.append(target)
    return written
