"""A run's output folder: one run at a time, its results appearing whole or not at all.

A run holds an advisory lock beside the folder (``.<name>.lock``) for its whole length, so a
second run into the same folder stops at once with a message instead of mixing files. Every
result is written into a staging folder beside the target (``.<name>.staging-*``) and, when
all of it is on disk, swapped in with one ``renameat2(RENAME_EXCHANGE)`` (Linux): a reader, or
a run killed at any instant, sees the previous results or the new ones, never a mix. Where the
exchange is unavailable the old folder is renamed aside first; a run killed between those two
renames leaves the old folder aside, and the next run restores it.

A run replaces the whole folder, so it refuses a folder that holds anything but results.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

from files.atomic import default_mode

RESULTS = frozenset({"accounts.parquet", "accounts.csv", "campaigns.parquet", "campaigns.csv", "summary.json",
                     "rejected.jsonl", "demo_traffic.parquet", "report.html",
                     "alerts.parquet", "alerts.csv"})
"""The names a run writes; a folder holding anything else is not replaced."""


class OutputError(Exception):
    """The output folder cannot take this run's results; the message names it and the fix."""


def check_output(target: str | os.PathLike, *, key: str = "output.dir", inputs: tuple[str | None, ...] = ()) -> Path:
    """Refuse, before any work, an output folder a run could not replace whole.

    Raises:
        OutputError: ``target`` is a file, lies under a file, holds files that are not results,
            or holds one of ``inputs`` (which the swap would delete).
    """
    target = Path(target).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{key}={target}: is a file, not a folder; choose a folder for the results")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{key}={target}: {parent} is a file, not a folder; choose another {key}")
            break
    for path in inputs:
        if path is not None and target in Path(path).expanduser().absolute().parents:
            raise OutputError(f"{key}={target}: holds the input {path}, and a run replaces the whole folder; "
                              f"move the input or choose another {key}")
    if target.is_dir():
        foreign = sorted(p.name for p in target.iterdir() if p.name not in RESULTS and not _stale_temporary(p.name))
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputError(f"{key}={target}: holds files that are not results ({shown}), and a run replaces "
                              f"the whole folder; choose a new or empty folder")
    return target


def _stale_temporary(name: str) -> bool:
    # What a run killed mid-write left behind (files.atomic names its temporaries ``.<name>.*.tmp``).
    return name.startswith(".") and name.endswith(".tmp")


class OutputFolder:
    """Lock ``target``, hand out a staging folder, and swap it in on :meth:`publish`.

    Use as a context manager; leaving it without :meth:`publish` (an error, Ctrl-C) removes the
    staging folder and leaves ``target`` as it was.
    """

    def __init__(self, target: str | os.PathLike, *, key: str = "output.dir") -> None:
        self.target = Path(target).expanduser().absolute()
        self.key = key
        self.staging: Path | None = None
        self._lock: int | None = None

    def __enter__(self) -> OutputFolder:
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(parent / f".{self.target.name}.lock", os.O_RDWR | os.O_CREAT, default_mode())
        except OSError as err:
            raise OutputError(f"{self.key}={self.target}: cannot write in {parent} ({err.strerror}); "
                              f"choose a folder you can write to") from None
        lock_or_refuse(self._lock, self.target, key=self.key)
        self._recover()
        try:
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.staging-", dir=parent))
            self.staging.chmod(default_mode(directory=True))
        except OSError as err:
            self.__exit__(None, None, None)
            raise OutputError(f"{self.key}={self.target}: cannot write in {parent} ({err.strerror}); "
                              f"choose a folder you can write to") from None
        return self

    def publish(self) -> Path:
        """Make the staging folder's files the results in ``target``, in one step."""
        assert self.staging is not None, "publish() outside the with block"
        replace_folder(self.staging, self.target)
        self.staging = None
        return self.target

    def __exit__(self, *exc) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None

    def _recover(self) -> None:
        """Clear what killed runs left beside the target (the lock is ours, so none is live)."""
        for leftover in self.target.parent.glob(f".{self.target.name}.staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        restore_aside(self.target)


def replace_folder(staging: Path, target: Path) -> None:
    """Make the complete folder ``staging`` the folder ``target`` in one step (its files fsynced first);
    whatever ``target`` held is deleted. Where the system cannot exchange two paths, ``target`` is
    renamed aside first (:func:`restore_aside` brings it back after a kill between the renames)."""
    _fsync_tree(staging)
    if not target.exists():
        os.rename(staging, target)
    elif exchange_paths(staging, target):
        shutil.rmtree(staging)  # now the previous contents
    else:
        aside = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, aside)
        os.rename(staging, target)
        shutil.rmtree(aside)
    fsync_dir(target.parent)


def restore_aside(target: Path) -> None:
    """Undo what a run killed inside :func:`replace_folder` left: a missing ``target`` whose previous
    folder was renamed aside comes back; other asides are deleted."""
    aside = sorted(target.parent.glob(f".{target.name}.old-*"))
    if aside and not target.exists():
        os.rename(aside.pop(), target)
    for leftover in aside:
        shutil.rmtree(leftover, ignore_errors=True)


def lock_or_refuse(fd: int, target: Path, *, key: str) -> None:
    """Take the exclusive lock on ``fd`` (held until it is closed), or refuse: another run holds it.

    Raises:
        OutputError: naming ``key``, ``target`` and the holder's pid (``fd`` is closed then).
    """
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: runs are not serialised
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise OutputError(f"{key}={target}: another run (pid {holder}) is writing there now; wait for it to "
                          f"finish or choose another {key}") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc without renameat2 (glibc < 2.28, musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a file system that cannot exchange
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a folder's renames durable (where the file system allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a directory
        pass
    finally:
        os.close(fd)
