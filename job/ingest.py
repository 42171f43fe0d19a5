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
from index.vector_file import VectorFile
from scoring.arrays import run_starts
from scoring.tokens import TokenStore
from traffic.read import Chunk, Rejected


@dataclass
class Day:
    """One day of traffic, reduced to what scoring needs.

    Distinct prompts (uids) are in a canonical order (by a hash of their
    normalised text), and accounts in sorted order, so nothing downstream depends
    on the order of rows in the file.
    """

    vectors: np.ndarray | VectorFile  # (n_uids, d) float32 unit norm; on disk for a large day
    tokens: TokenStore
    row_account: np.ndarray  # int32 per valid row
    row_uid: np.ndarray  # int32 per valid row
    row_time: np.ndarray  # float64 epoch seconds per valid row
    row_number: np.ndarray  # int64 1-based row of the file each valid row came from
    accounts: list[str]
    rows_read: int = 0
    rejected: Counter = field(default_factory=Counter)
    digests: np.ndarray | None = None  # (n_uids,) uint64, sorted: each prompt's identity (its canonical order)


class NothingToScore(ValueError):
    """The day holds fewer than 2 distinct valid prompts, so no account can be compared with any other.

    Attributes:
        day: what was read (its row counts and rejections say why).
    """

    def __init__(self, day: Day) -> None:
        super().__init__("the day has fewer than 2 distinct valid prompts: nothing to score")
        self.day = day


class _Accumulator:
    """Growing per-row and per-prompt state while the file streams past.

    Nothing here costs a Python object per distinct prompt: the prompts seen so far
    are one sorted array of 8-byte digests (merged with each chunk's new ones), and a
    row keeps its prompt's digest until the day is complete and the canonical order known.
    """

    def __init__(self, *, vectors_in_memory_max: int, spill_dir: str | None = None) -> None:
        self.seen = np.zeros(0, dtype=np.uint64)  # sorted digests of every prompt so far
        self.first_seen: list[np.ndarray] = []  # per chunk, digests of its new prompts in embedding order
        # Embedded chunks wait on disk (a temporary file, gone when closed), not in memory: at the end
        # they are read back one at a time into canonical order, so the day's vectors are held once.
        self.spill = tempfile.TemporaryFile(dir=spill_dir)
        self.spill_dir = spill_dir
        self.vectors_in_memory_max = vectors_in_memory_max
        self.chunk_rows: list[int] = []
        self.tokens = TokenStore()
        self.account_of: dict[str, int] = {}
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, chunk: Chunk, embed: Callable[[list[str]], np.ndarray], reject: Callable[[Rejected], None]) -> None:
        kept, texts = normalised(chunk, reject)
        digests = text_digests(texts)
        new = self._first_sightings(digests)
        new_texts = [texts[i] for i in new]
        for text in new_texts:
            self.tokens.add(text)
        if new_texts:
            block = np.ascontiguousarray(embed(new_texts), dtype=np.float32)
            self.spill.write(block.tobytes())
            self.chunk_rows.append(len(block))
            self.first_seen.append(digests[new])
        kept_rows = np.asarray(kept, dtype=np.int64)
        accounts = np.fromiter((self.account_of.setdefault(chunk.account_id[i], len(self.account_of)) for i in kept),
                               dtype=np.int32, count=len(kept))
        self.rows.append((accounts, digests, chunk.timestamp[kept_rows], chunk.row[kept_rows]))

    def _first_sightings(self, digests: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the chunk's prompts never seen before, each at its first
        occurrence in the chunk; records them as seen."""
        order = np.argsort(digests, kind="stable")
        ordered = digests[order]
        first = run_starts(ordered)
        unique, at = ordered[first], order[first]  # stable sort: ``at`` is each digest's first position
        where = np.searchsorted(self.seen, unique)
        known = self.seen[np.minimum(where, len(self.seen) - 1)] == unique if len(self.seen) else \
            np.zeros(len(unique), dtype=bool)
        self.seen = np.insert(self.seen, where[~known], unique[~known])
        return np.sort(at[~known])

    def finish(self, dim: int) -> Day:
        # Canonical prompt order: by digest, so a permuted file gives the same day. ``self.seen`` is that
        # order; new_uid maps embedding order (the spill, the token store) to it.
        n = len(self.seen)
        embedded = np.concatenate(self.first_seen) if self.first_seen else np.zeros(0, dtype=np.uint64)
        new_uid = np.searchsorted(self.seen, embedded)
        order = np.empty(n, dtype=np.int64)
        order[new_uid] = np.arange(n)
        if self.chunk_rows and self.spill.tell() != sum(self.chunk_rows) * dim * 4:
            raise ValueError(f"the embedder returned vectors that are not {dim}-dimensional")
        vectors = (np.empty((n, dim), dtype=np.float32) if n <= self.vectors_in_memory_max
                   else VectorFile(n, dim, dir=self.spill_dir))
        self.spill.seek(0)
        start = 0
        for rows in self.chunk_rows:
            block = np.frombuffer(self.spill.read(rows * dim * 4), dtype=np.float32).reshape(rows, dim)
            if isinstance(vectors, VectorFile):
                vectors.write(new_uid[start : start + rows], block)
            else:
                vectors[new_uid[start : start + rows]] = block
            start += rows
        self.spill.close()
        del embedded, new_uid
        self.tokens.reorder(order)
        del order
        names = sorted(self.account_of)
        code = np.empty(len(names), dtype=np.int32)
        for new, name in enumerate(names):
            code[self.account_of[name]] = new
        self.account_of.clear()
        # Part by part, so no day-long int64 temporary is made on the way to the int32 columns.
        parts, self.rows = self.rows, []
        row_account = _concat([code[p[0]] for p in parts], np.int32)
        row_uid = _concat([np.searchsorted(self.seen, p[1]).astype(np.int32) for p in parts], np.int32)
        row_time = _concat([p[2] for p in parts], np.float64)
        row_number = _concat([p[3] for p in parts], np.int64)
        return Day(vectors=vectors, tokens=self.tokens, row_account=row_account, row_uid=row_uid, row_time=row_time,
                   row_number=row_number, accounts=names, digests=self.seen)


def normalised(chunk: Chunk, reject: Callable[[Rejected], None]) -> tuple[list[int], list[str]]:
    """The chunk's rows whose prompt is not empty once normalised (positions), and those prompts
    normalised; ``reject`` gets the others."""
    texts: list[str] = []
    kept: list[int] = []
    for i, raw in enumerate(chunk.prompt):
        text = normalize_text(raw)
        if not text:
            reject(Rejected(int(chunk.row[i]), "prompt_empty",
                            "prompt is empty after removing invisible and control characters", chunk.account_id[i]))
            continue
        kept.append(i)
        texts.append(text)
    return kept, texts


def text_digests(texts: list[str]) -> np.ndarray:
    """8-byte BLAKE2b digest of each text, as uint64 (the prompt's identity for deduplication)."""
    raw = b"".join(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=8).digest() for t in texts)
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64)


def _concat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def ingest(
    chunks: Iterable[tuple[Chunk, list[Rejected]]],
    *,
    embed: Callable[[list[str]], np.ndarray],
    dim: int,
    reject: Callable[[Rejected], None],
    progress: bool = True,
    total: int | None = None,
    vectors_in_memory_max: int = 1_000_000,
    spill_dir: str | None = None,
) -> Day:
    """Normalise, deduplicate and embed a stream of traffic chunks.

    Args:
        chunks: what :func:`traffic.read.read_traffic` yields.
        embed: texts -> (n, dim) unit-norm float32 vectors.
        dim: embedding dimension (for an empty day).
        reject: called with every row that cannot be used.
        progress: show a progress bar over rows.
        total: about how many rows the file holds (the bar's total), if known.
        vectors_in_memory_max: a day with more distinct prompts keeps its vectors in a temporary
            file (:class:`index.vector_file.VectorFile`) instead of one in-memory array.
        spill_dir: folder for the temporary files (default: the system's temporary folder).
    """
    acc = _Accumulator(vectors_in_memory_max=vectors_in_memory_max, spill_dir=spill_dir)
    rows_read = 0
    rejected: Counter = Counter()

    def count_and_reject(bad: Rejected) -> None:
        rejected[bad.reason] += 1
        reject(bad)

    with tqdm(desc="read and embed", unit=" rows", total=total, disable=not progress, dynamic_ncols=True) as bar:
        for chunk, bad_rows in chunks:
            for bad in bad_rows:
                count_and_reject(bad)
            acc.add(chunk, embed, count_and_reject)
            n = len(chunk.prompt) + len(bad_rows)
            rows_read += n
            if bar.total is not None and rows_read > bar.total:  # a line count undercounts multi-line CSV rows
                bar.total = rows_read
            bar.update(n)
        bar.total = rows_read  # the line count was an estimate
        bar.refresh()
    day = acc.finish(dim)
    day.rows_read, day.rejected = rows_read, rejected
    return day
