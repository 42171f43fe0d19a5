"""Atomic file writes, for every stage that writes a file.

Write to the yielded temporary path (a hidden, uniquely named file in the same
folder); on success it is fsynced and renamed over the target, so a reader sees
the old file or the complete new one, never half of one. On failure (an
exception, Ctrl-C) the temporary file is removed. The file gets the mode an
ordinary write would (0666 less the process's umask), not the private 0600 of a
temporary file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once: os.umask can only be read by setting it


def default_mode(*, directory: bool = False) -> int:
    """The mode ``open`` or ``mkdir`` would give a new file (0666) or folder (0777) under the umask."""
    return (0o777 if directory else 0o666) & ~_UMASK


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, default_mode())
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
