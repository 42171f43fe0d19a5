"""Ingest: stream the traffic file into compact arrays, embedding each distinct prompt once.

Raw text lives only for one chunk. What stays for the whole day is, per row, an
account code, a timestamp and a prompt id; per distinct prompt, its vector and
its clipped token ids. Exact repeats (after normalisation) are embedded once.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import numpy as np
from tqdm.auto import tqdm

from embedder import normalize_text
from scoring.tokens import TokenStore
from traffic.read import Chunk, Rejected


@dataclass
class Day:
    """One day of traffic, reduced to what scoring needs.

    Distinct prompts (uids) are in a canonical order (by a hash of their
    normalised text), and accounts in sorted order, so nothing downstream depends
    on the order of rows in the file.
    """

    vectors: np.ndarray  # (n_uids, d) float32 unit norm
    tokens: TokenStore
    row_account: np.ndarray  # int32 per valid row
    row_uid: np.ndarray  # int32 per valid row
    row_time: np.ndarray  # float64 epoch seconds per valid row
    row_number: np.ndarray  # int64 1-based row of the file each valid row came from
    accounts: list[str]
    rows_read: int = 0
    rejected: Counter = field(default_factory=Counter)


class _Accumulator:
    """Growing per-row and per-prompt state while the file streams past."""

    def __init__(self) -> None:
        self.uid_of: dict[int, int] = {}
        self.digests: list[int] = []
        # Embedded chunks wait on disk (a temporary file, gone when closed), not in memory: at the end
        # they are read back one at a time into canonical order, so the day's vectors are held once.
        self.spill = tempfile.TemporaryFile()
        self.chunk_rows: list[int] = []
        self.tokens = TokenStore()
        self.account_of: dict[str, int] = {}
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, chunk: Chunk, embed: Callable[[list[str]], np.ndarray], reject: Callable[[Rejected], None]) -> None:
        new_texts: list[str] = []
        uids = np.empty(len(chunk.prompt), dtype=np.int64)
        keep = np.ones(len(chunk.prompt), dtype=bool)
        for i, raw in enumerate(chunk.prompt):
            text = normalize_text(raw)
            if not text:
                keep[i] = False
                reject(Rejected(int(chunk.row[i]), "prompt_empty",
                                "prompt is empty after removing invisible and control characters",
                                chunk.account_id[i]))
                continue
            digest = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
            uid = self.uid_of.get(digest)
            if uid is None:
                uid = self.uid_of[digest] = len(self.digests)
                self.digests.append(digest)
                self.tokens.add(text)
                new_texts.append(text)
            uids[i] = uid
        if new_texts:
            block = np.ascontiguousarray(embed(new_texts), dtype=np.float32)
            self.spill.write(block.tobytes())
            self.chunk_rows.append(len(block))
        kept = np.flatnonzero(keep)
        accounts = np.fromiter(
            (self.account_of.setdefault(chunk.account_id[i], len(self.account_of)) for i in kept),
            dtype=np.int64, count=len(kept),
        )
        self.rows.append((accounts, uids[kept], chunk.timestamp[kept], chunk.row[kept]))

    def finish(self, dim: int) -> Day:
        # Canonical prompt order: by digest, so a permuted file gives the same day.
        order = np.argsort(np.asarray(self.digests, dtype=np.uint64), kind="stable")
        new_uid = np.empty(len(order), dtype=np.int64)
        new_uid[order] = np.arange(len(order))
        if self.chunk_rows and self.spill.tell() != sum(self.chunk_rows) * dim * 4:
            raise ValueError(f"the embedder returned vectors that are not {dim}-dimensional")
        vectors = np.empty((len(order), dim), dtype=np.float32)
        self.spill.seek(0)
        start = 0
        for rows in self.chunk_rows:
            block = np.frombuffer(self.spill.read(rows * dim * 4), dtype=np.float32).reshape(rows, dim)
            vectors[new_uid[start : start + rows]] = block
            start += rows
        self.spill.close()
        self.tokens.reorder(order)
        names = sorted(self.account_of)
        code = np.empty(len(names), dtype=np.int64)
        for new, name in enumerate(names):
            code[self.account_of[name]] = new
        parts = list(zip(*self.rows)) if self.rows else ([], [], [], [])
        concat = lambda arrays, dt: np.concatenate(arrays).astype(dt) if arrays else np.zeros(0, dt)  # noqa: E731
        return Day(
            vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            tokens=self.tokens,
            row_account=code[concat(parts[0], np.int64)].astype(np.int32),
            row_uid=new_uid[concat(parts[1], np.int64)].astype(np.int32),
            row_time=concat(parts[2], np.float64),
            row_number=concat(parts[3], np.int64),
            accounts=names,
        )


def ingest(
    chunks: Iterable[tuple[Chunk, list[Rejected]]],
    *,
    embed: Callable[[list[str]], np.ndarray],
    dim: int,
    reject: Callable[[Rejected], None],
    progress: bool = True,
) -> Day:
    """Normalise, deduplicate and embed a stream of traffic chunks.

    Args:
        chunks: what :func:`traffic.read.read_traffic` yields.
        embed: texts -> (n, dim) unit-norm float32 vectors.
        dim: embedding dimension (for an empty day).
        reject: called with every row that cannot be used.
        progress: show a progress bar over rows.
    """
    acc = _Accumulator()
    rows_read = 0
    rejected: Counter = Counter()

    def count_and_reject(bad: Rejected) -> None:
        rejected[bad.reason] += 1
        reject(bad)

    with tqdm(desc="rows", unit=" rows", disable=not progress) as bar:
        for chunk, bad_rows in chunks:
            for bad in bad_rows:
                count_and_reject(bad)
            acc.add(chunk, embed, count_and_reject)
            n = len(chunk.prompt) + len(bad_rows)
            rows_read += n
            bar.update(n)
    day = acc.finish(dim)
    day.rows_read, day.rejected = rows_read, rejected
    return day
