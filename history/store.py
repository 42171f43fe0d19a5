"""The state store: one folder per day, written whole, dropped whole.

``<history.dir>/store.json`` names the model and the options the stored vectors and features
were made with; a run with others is refused. ``days/<YYYY-MM-DD>/`` holds a day:

- ``prompts.npz``: the distinct prompts' digests (sorted, uint64), vectors (float32) and clipped
  token ids (the evidence shown for an earlier day: no raw text is kept);
- ``words.json``: the token vocabulary;
- ``rows.parquet``: per valid row its account, timestamp and prompt digest;
- ``neighbours.npz``: what the day's search found: for each prompt it searched (its digest), its
  nearest prompts of the window (digests) and their similarities (:mod:`index.lists`);
- ``index.faiss``, ``index.json``: the empty trained index the day's window was searched with,
  and its factory string (the next day fills it again while it serves: no training);
- ``placed.npz``: the cell of every topic text the day's window placed, by text key, and the
  topic space they lie in (so the next day embeds only texts it has not seen);
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

import faiss
import numpy as np
import pandas as pd

from files.atomic import atomic_path, default_mode
from files.output_folder import OutputError, lock_or_refuse, replace_folder, restore_aside
from index.lists import Lists
from index.neighbours import Trained
from job.topic_cells import PlacedTexts
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

    def searched(self, days: list[str], digests: np.ndarray, *, leave_out: np.ndarray) -> Lists:
        """The latest stored search of each prompt of a window (``digests``: the window's, sorted)
        that the ``days`` searched, in window ids; ``leave_out``: window ids searched again today.
        None of them when a day was stored without its searches: every prompt is then searched again."""
        taken = np.zeros(len(digests), dtype=bool)
        taken[leave_out] = True
        rows, ids, sims = [], [], []
        for day in reversed(days):
            path = self.root / "days" / day / "neighbours.npz"
            if not path.is_file():
                return Lists.none()
            with np.load(path, allow_pickle=False) as data:
                part, near, similar = data["digests"], data["neighbours"], data["sims"]
            at = np.searchsorted(digests, part)
            fresh = ~taken[at]
            taken[at[fresh]] = True
            where = np.minimum(np.searchsorted(digests, near[fresh]), len(digests) - 1)
            rows.append(at[fresh])
            found = (digests[where] == near[fresh]) & np.isfinite(similar[fresh])
            ids.append(np.where(found, where, -1).astype(np.int32))
            sims.append(similar[fresh])
        if not rows:
            return Lists.none()
        # Days searched to other depths (another version) are padded to the deepest.
        width = max(part.shape[1] for part in ids)
        pad = lambda part, fill: np.pad(part, ((0, 0), (0, width - part.shape[1])), constant_values=fill)  # noqa: E731
        return Lists(rows=np.concatenate(rows), ids=np.concatenate([pad(part, -1) for part in ids]),
                     sims=np.concatenate([pad(part, -np.inf) for part in sims]))

    def trained(self, days: list[str]) -> Trained | None:
        """The empty trained index the latest of ``days`` kept, if any."""
        for day in reversed(days):
            folder = self.root / "days" / day
            if (folder / "index.json").is_file() and (folder / "index.faiss").is_file():
                factory = json.loads((folder / "index.json").read_text())["factory"]
                return Trained(factory, faiss.read_index(str(folder / "index.faiss")))
        return None

    def placed_texts(self, days: list[str]) -> PlacedTexts:
        """The topic texts the stored ``days`` placed, in the topic space of the latest of them."""
        found = []
        for day in days:
            path = self.root / "days" / day / "placed.npz"
            if path.is_file():
                with np.load(path, allow_pickle=False) as data:
                    found.append((str(data["placement"]), data["keys"], data["cells"]))
        if not found:
            return PlacedTexts()
        latest = found[-1][0]
        found = [f for f in found if f[0] == latest]
        return PlacedTexts(latest, np.concatenate([f[1] for f in found]), np.concatenate([f[2] for f in found]))

    def load_table(self, day: str, name: str) -> pd.DataFrame:
        """A day's ``accounts``, ``campaigns``, ``members`` or ``wording`` table."""
        return pd.read_parquet(self.root / "days" / day / f"{name}.parquet")

    def write_day(self, day: str, *, digests: np.ndarray, vectors: np.ndarray, tokens: TokenStore,
                  rows: pd.DataFrame, tables: dict[str, pd.DataFrame],
                  searched: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                  trained: Trained | None = None, placed: tuple[str, np.ndarray, np.ndarray] | None = None) -> Path:
        """Store one day whole (replacing a stored copy of the same day). ``searched``: the digests of
        the prompts its search found neighbours of, theirs (-inf similarity: none) and the similarities,
        for :meth:`searched`; ``trained``: the empty index it trained or used, for :meth:`trained`;
        ``placed``: the topic texts its window placed, (placement, keys, cells), for :meth:`placed_texts`."""
        days = self.root / "days"
        staging = Path(tempfile.mkdtemp(prefix=f".{day}.staging-", dir=days))
        staging.chmod(default_mode(directory=True))
        try:
            arrays, words = tokens.to_arrays()
            np.savez(staging / "prompts.npz", digests=np.asarray(digests, dtype=np.uint64),
                     vectors=np.asarray(vectors, dtype=np.float32), **arrays)
            (staging / "words.json").write_text(json.dumps(words, ensure_ascii=False))
            rows.to_parquet(staging / "rows.parquet", index=False)
            if searched is not None:
                np.savez(staging / "neighbours.npz", digests=np.asarray(searched[0], dtype=np.uint64),
                         neighbours=np.asarray(searched[1], dtype=np.uint64),
                         sims=np.asarray(searched[2], dtype=np.float32))
            if trained is not None:
                faiss.write_index(trained.index, str(staging / "index.faiss"))
                (staging / "index.json").write_text(json.dumps({"factory": trained.factory}) + "\n")
            if placed is not None:
                np.savez(staging / "placed.npz", placement=np.str_(placed[0]),
                         keys=np.asarray(placed[1], dtype=np.uint64), cells=np.asarray(placed[2], dtype=np.int32))
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
