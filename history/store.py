"""The state store: one folder per day, written whole, dropped whole.

``<history.dir>/store.json`` names the model and the options the stored vectors and features
were made with; a run with others is refused. ``days/<YYYY-MM-DD>/`` holds a day:

- ``prompts.npz``: the distinct prompts' digests (sorted, uint64), vectors (float32) and clipped
  token ids (the evidence shown for an earlier day: no raw text is kept);
- ``words.json``: the token vocabulary;
- ``rows.parquet``: per valid row its account, timestamp and prompt digest;
- ``accounts.parquet``, ``campaigns.parquet``, ``members.parquet``, ``wording.parquet``: the
  day's verdicts, each campaign's members and its template wording (what campaigns are followed by).

A day is written into a staging folder and renamed into place, so a run killed at any point
leaves the store as it was; re-running a day replaces it. Only ``.npz``, ``.npy``, JSON and
Parquet are written, never pickle.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from files.atomic import atomic_path, default_mode
from files.output_folder import OutputError, lock_or_refuse, replace_folder, restore_aside
from scoring.tokens import TokenStore

FORMAT = 1


class HistoryError(OutputError):
    """The store cannot be used with this run (another model or options, a damaged day)."""


class HistoryStore:
    """The days kept under one folder."""

    def __init__(self, folder: str | Path, *, identity: dict) -> None:
        """Open (or create) the store at ``folder`` for a run whose model and options are ``identity``.

        Raises:
            HistoryError: the store was written with another identity.
        """
        self.root = Path(folder).expanduser().absolute()
        self.identity = identity
        self._lock = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, default_mode())
        except OSError as err:
            raise HistoryError(f"history.dir={self.root}: cannot write there ({err.strerror}); choose a folder "
                               f"you can write to") from None
        lock_or_refuse(self._lock, self.root, key="history.dir")  # one run at a time
        meta = self.root / "store.json"
        if meta.is_file():
            stored = json.loads(meta.read_text())
            mine = json.loads(json.dumps(identity, default=str))  # as store.json holds it
            theirs = stored.get("identity", {})
            if stored.get("format") != FORMAT or theirs != mine:
                differ = sorted(k for k in set(mine) | set(theirs) if theirs.get(k) != mine.get(k))
                self.close()
                raise HistoryError(f"history.dir={self.root}: written with another {', '.join(differ) or 'format'} "
                                   f"than this run's; score with the same embedder and options, or start a new "
                                   f"history.dir")
        else:
            (self.root / "days").mkdir(parents=True, exist_ok=True)
            with atomic_path(meta) as tmp:
                tmp.write_text(json.dumps({"format": FORMAT, "identity": identity}, indent=2, default=str) + "\n")

    def days(self) -> list[str]:
        """The stored days, oldest first."""
        folder = self.root / "days"
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if folder.is_dir() else []

    def window(self, day: str, *, days: int) -> list[str]:
        """The stored days before ``day`` that fall in a window of ``days`` days ending on it."""
        first = (date.fromisoformat(day) - timedelta(days=days - 1)).isoformat()
        return [d for d in self.days() if first <= d < day]

    def previous(self, day: str) -> str | None:
        """The latest stored day before ``day``."""
        earlier = [d for d in self.days() if d < day]
        return earlier[-1] if earlier else None

    def load_prompts(self, day: str) -> tuple[np.ndarray, np.ndarray, tuple[dict, list[str]]]:
        """A day's prompt digests, vectors and token arrays."""
        folder = self.root / "days" / day
        with np.load(folder / "prompts.npz", allow_pickle=False) as data:
            digests, vectors = data["digests"], data["vectors"]
            arrays = {k: data[k] for k in ("tokens", "offsets", "hidden_pos", "hidden_label")}
        return digests, vectors, (arrays, json.loads((folder / "words.json").read_text()))

    def load_rows(self, day: str) -> pd.DataFrame:
        """A day's valid rows: ``account_id``, ``timestamp`` (epoch seconds), ``digest``."""
        return pd.read_parquet(self.root / "days" / day / "rows.parquet")

    def load_table(self, day: str, name: str) -> pd.DataFrame:
        """A day's ``accounts``, ``campaigns``, ``members`` or ``wording`` table."""
        return pd.read_parquet(self.root / "days" / day / f"{name}.parquet")

    def write_day(self, day: str, *, digests: np.ndarray, vectors: np.ndarray, tokens: TokenStore,
                  rows: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> Path:
        """Store one day whole (replacing a stored copy of the same day)."""
        days = self.root / "days"
        staging = Path(tempfile.mkdtemp(prefix=f".{day}.staging-", dir=days))
        staging.chmod(default_mode(directory=True))
        try:
            arrays, words = tokens.to_arrays()
            np.savez(staging / "prompts.npz", digests=np.asarray(digests, dtype=np.uint64),
                     vectors=np.asarray(vectors, dtype=np.float32), **arrays)
            (staging / "words.json").write_text(json.dumps(words, ensure_ascii=False))
            rows.to_parquet(staging / "rows.parquet", index=False)
            for name, table in tables.items():
                table.to_parquet(staging / f"{name}.parquet", index=False)
            replace_folder(staging, days / day)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return days / day

    def retain(self, day: str, *, days: int) -> list[str]:
        """Drop the days older than ``days`` days before ``day`` (whole folders: nothing is rebuilt);
        returns the days dropped. Also clears what killed runs left (a day renamed aside mid-swap comes back)."""
        folder = self.root / "days"
        for aside in {p.name[1:].split(".old-")[0] for p in folder.glob(".*.old-*")}:
            restore_aside(folder / aside)
        for leftover in folder.glob(".*"):
            shutil.rmtree(leftover, ignore_errors=True)
        first = (date.fromisoformat(day) - timedelta(days=days - 1)).isoformat()
        dropped = [d for d in self.days() if d < first]
        for old in dropped:
            shutil.rmtree(folder / old)
        return dropped

    def close(self) -> None:
        """Release the store's lock."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
