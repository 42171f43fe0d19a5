"""The log of rows a run could not use, streamed to ``rejected.jsonl`` as they come."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Protocol


class RejectedRow(Protocol):
    """What the log needs of a rejected row (``traffic.records.Rejected`` is one)."""

    row: int
    reason: str
    detail: str
    account_id: str | None


class RejectedLog:
    """Streams rejected rows to ``rejected.jsonl`` as they come; the file appears on :meth:`commit`."""

    def __init__(self, path: str | os.PathLike, *, source: str) -> None:
        self.path = Path(path)
        self.source = source
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._fh: IO[str] | None = open(self._tmp, "w", encoding="utf-8")
        self.examples: dict[str, dict] = {}  # the first record of each reason, for messages

    def __call__(self, bad: RejectedRow) -> None:
        record = {"file": self.source, "row": bad.row, "reason": bad.reason, "detail": bad.detail, "account_id": bad.account_id}
        self.examples.setdefault(bad.reason, record)
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
