"""Tables and JSON written atomically (see :mod:`files.atomic`).

A crash or Ctrl-C at any point leaves either the complete new file or no file,
never a truncated one that looks complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from files.atomic import atomic_path


def write_json(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return Path(path)


def write_table(table: pd.DataFrame, folder: str | os.PathLike, stem: str) -> list[Path]:
    """Write ``<stem>.parquet`` and ``<stem>.csv``, each atomically."""
    folder = Path(folder)
    written = []
    for suffix in (".parquet", ".csv"):
        target = folder / f"{stem}{suffix}"
        with atomic_path(target) as tmp:
            if suffix == ".parquet":
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False)
        written.append(target)
    return written
