"""The day's vectors in a temporary file, for days whose vectors do not fit in memory.

A ``VectorFile`` stands in for the ``(n, d)`` float32 array wherever the job
reads vectors: ``vectors[rows]`` gathers rows (an account's prompts, a batch of
nodes), ``vectors[a:b]`` reads a contiguous block, and :meth:`VectorFile.blocks`
walks the whole file in order (index building, the day's self-search).

Contiguous reads use ``pread`` and never map the file. Gathers go through one
shared memory map, whose touched pages would count towards the process's
resident memory for as long as they stay mapped; they are therefore dropped
(``MADV_DONTNEED``; the data stays in the file and the page cache) whenever
``resident_max_bytes`` may have been touched since the last drop.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Iterator

import numpy as np

_PAGE = mmap.PAGESIZE


class VectorFile:
    """A ``(n, d)`` float32 matrix in an anonymous temporary file (gone when closed or at exit).

    Args:
        n: rows.
        d: columns (the embedding dimension).
        dir: folder for the temporary file (default: the system's temporary folder, ``TMPDIR``).
        resident_max_bytes: mapped pages a gather may leave resident before they are dropped.
    """

    def __init__(self, n: int, d: int, *, dir: str | None = None, resident_max_bytes: int = 64 << 20) -> None:
        if n < 0 or d < 1:
            raise ValueError(f"a VectorFile needs n >= 0 rows and d >= 1 columns, got ({n}, {d})")
        if resident_max_bytes < _PAGE:
            raise ValueError(f"resident_max_bytes must be at least one page ({_PAGE} bytes)")
        self.shape = (n, d)
        self.dtype = np.dtype(np.float32)
        self.ndim = 2
        self._row_bytes = 4 * d
        self._resident_max = resident_max_bytes
        self._touched = 0
        self._file = tempfile.TemporaryFile(dir=dir)
        self._file.truncate(n * self._row_bytes)
        self._fd = self._file.fileno()
        self._map = mmap.mmap(self._fd, n * self._row_bytes) if n else None
        self._view = (np.frombuffer(self._map, dtype=np.float32).reshape(n, d) if n
                      else np.zeros((0, d), dtype=np.float32))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        """Rows as a new float32 array: an integer array (gather), a slice (contiguous read) or one row."""
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1:
                return self.read(start, max(start, stop))
            key = np.arange(start, stop, step)
        if isinstance(key, (int, np.integer)):
            return self[np.array([key])][0]
        rows = np.asarray(key)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        out = np.empty(rows.shape + (self.shape[1],), dtype=np.float32)
        flat_rows, flat_out = rows.reshape(-1), out.reshape(-1, self.shape[1])
        # A piece at a time, so one large gather cannot touch more than resident_max_bytes of pages.
        piece = max(1, self._resident_max // (self._row_bytes + _PAGE))
        for lo in range(0, len(flat_rows), piece):
            flat_out[lo : lo + piece] = self._view[flat_rows[lo : lo + piece]]
            self._count(len(flat_rows[lo : lo + piece]) * (self._row_bytes + _PAGE))
        return out

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` read from the file (not mapped, so they leave nothing resident)."""
        n, d = self.shape
        if not 0 <= start <= stop <= n:
            raise IndexError(f"rows {start}:{stop} are outside a VectorFile of {n} rows")
        out = np.empty((stop - start, d), dtype=np.float32)
        buffer, offset, done = memoryview(out).cast("B"), start * self._row_bytes, 0
        while done < len(buffer):
            got = os.preadv(self._fd, [buffer[done:]], offset + done)
            if got <= 0:
                raise OSError(f"short read from the vector file at byte {offset + done}")
            done += got
        return out

    def blocks(self, rows: int = 65_536) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, block)`` pairs covering the file in order, ``rows`` rows a block."""
        for start in range(0, len(self), rows):
            yield start, self.read(start, min(len(self), start + rows))

    def write(self, rows: np.ndarray, block: np.ndarray) -> None:
        """Store ``block[i]`` as row ``rows[i]`` (rows in any order)."""
        rows = np.asarray(rows).reshape(-1)
        piece = max(1, self._resident_max // (self._row_bytes + _PAGE))
        for lo in range(0, len(rows), piece):
            self._view[rows[lo : lo + piece]] = block[lo : lo + piece]
            self._count(len(rows[lo : lo + piece]) * (self._row_bytes + _PAGE))

    def close(self) -> None:
        """Delete the file. Arrays returned by reads stay valid."""
        if self._map is not None:
            self._view = np.zeros((0, self.shape[1]), dtype=np.float32)
            self._map.close()
            self._map = None
        self._file.close()

    def _count(self, touched: int) -> None:
        # Dirty pages are not lost: dropping a shared file mapping leaves them in the page cache.
        self._touched += touched
        if self._touched >= self._resident_max and self._map is not None:
            self._map.madvise(mmap.MADV_DONTNEED)
            self._touched = 0

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown may have torn down what close needs
            pass
