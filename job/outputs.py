"""Result files, each written atomically (see :mod:`traffic.atomic`).

A crash or Ctrl-C at any point leaves either the complete new file or no file,
never a truncated one that looks complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

import pandas as pd

from traffic.atomic import atomic_path
from traffic.read import Rejected


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


class RejectedLog:
    """Streams rejected rows to ``rejected.jsonl`` as they come; the file appears on :meth:`commit`."""

    def __init__(self, path: str | os.PathLike, *, source: str) -> None:
        self.path = Path(path)
        self.source = source
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._fh: IO[str] | None = open(self._tmp, "w", encoding="utf-8")

    def __call__(self, bad: Rejected) -> None:
        record = {"file": self.source, "row": bad.row, "reason": bad.reason, "detail": bad.detail, "account_id": bad.account_id}
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def commit(self) -> Path:
        """Close and rename into place."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        """Drop the temporary file (the run failed)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._tmp.exists():
            self._tmp.unlink()
