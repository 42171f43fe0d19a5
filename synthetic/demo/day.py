"""A deterministic synthetic "demo day" of LLM-API traffic with planted harvesters.

The day mixes ordinary users (heavy-tailed volumes, few interests, free
phrasing, sessions in waking hours), benign look-alikes (two students doing
homework in one narrow area, one enterprise pipeline running one template),
and five harvesters that sweep the whole topic space round the clock:

* ``template_sweep`` (twice, different templates): a few instruction templates
  filled in order across every subject and subtopic.
* ``self_instruct``: many instruction forms, subjects swept evenly.
* ``mixed``: a template sweep with ~40% ordinary-looking prompts mixed in.
* ``evasive``: a template sweep paraphrased per prompt, ~30% with Unicode noise.

and a ``fleet``: one self-instruct stream spread over 40 small accounts
(``fleet-01`` ...) of 10-30 prompts each, none of which looks unusual alone.

Each account draws from its own random stream, so changing ``n_users`` adds or
removes ordinary users without changing anyone else's traffic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from synthetic.demo.harvesters import HARVESTERS, fleet_rows, harvester_rows
from synthetic.demo.phrasing import ALGEBRA_PROBLEMS, CHEMISTRY_PROBLEMS
from files.atomic import atomic_path
from synthetic.demo.rows import Row
from synthetic.timing import parse_day
from synthetic.demo.text import Rng
from synthetic.demo.users import enterprise_rows, student_rows, user_rows, user_volumes

COLUMNS: tuple[str, ...] = ("account_id", "timestamp", "prompt", "kind", "strategy")
"""The columns of :func:`demo_day`, in order."""
LABEL_COLUMNS: tuple[str, ...] = ("subject", "subtopic")
"""Ground-truth columns added by :func:`demo_day_with_labels` ('' when off the topic space)."""
KINDS: tuple[str, ...] = ("user", "student", "enterprise", "harvester")
STRATEGIES: tuple[str, ...] = ("template_sweep", "self_instruct", "mixed", "evasive", "fleet")


@dataclass(frozen=True)
class DemoOptions:
    """The built-in demo day (``demo.*``): ``users`` ordinary users (>= 1) and a random ``seed`` (>= 0).

    The same options always give an identical day; changing ``users`` adds or removes
    ordinary users without changing anyone else's traffic.
    """

    users: int = 300
    seed: int = 0
    day: str = "2026-11-27"

    def __post_init__(self) -> None:
        if isinstance(self.users, bool) or not isinstance(self.users, int) or self.users < 1:
            raise ValueError(f"demo.users must be a positive integer, got {self.users!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"demo.seed must be a non-negative integer, got {self.seed!r}")
        parse_day(self.day)


def _stream(seed: int, *key: int) -> Rng:
    """An independent generator per account, keyed by (seed, role, index)."""
    return np.random.default_rng([seed, *key])


def _to_frame(rows: list[Row], start: np.datetime64) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=Row._fields)
    seconds = frame.pop("second").to_numpy(dtype="int64").astype("timedelta64[s]")
    stamps = np.datetime_as_string(start + seconds, unit="s")
    frame.insert(1, "timestamp", [stamp + "Z" for stamp in stamps])
    # Generation order is deterministic, so a stable sort keeps ties reproducible.
    frame = frame.sort_values("timestamp", kind="stable", ignore_index=True)
    return frame[list(COLUMNS + LABEL_COLUMNS)]


def demo_day_with_labels(options: DemoOptions = DemoOptions()) -> pd.DataFrame:
    """:func:`demo_day` plus the ground-truth topic of every prompt.

    Returns:
        The :data:`COLUMNS` of :func:`demo_day` followed by :data:`LABEL_COLUMNS`:
        ``subject`` (one of ``SUBJECTS``) and ``subtopic``, both '' for prompts
        outside the topic space (popular one-liners, algebra homework, the
        enterprise pipeline; the chemistry student has a subject, no subtopic).
    """
    n_users, seed, start = options.users, options.seed, parse_day(options.day)
    rows: list[Row] = []
    width = max(4, len(str(n_users)))
    for i, volume in enumerate(user_volumes(_stream(seed, 0), n_users), start=1):
        rows += user_rows(f"user-{i:0{width}d}", int(volume), _stream(seed, 1, i))
    rows += student_rows("student-01", ALGEBRA_PROBLEMS, "", _stream(seed, 2, 1))
    rows += student_rows("student-02", CHEMISTRY_PROBLEMS, "chemistry", _stream(seed, 2, 2))
    rows += enterprise_rows("acme-support-bot", _stream(seed, 3))
    for j, (account, strategy, make) in enumerate(HARVESTERS):
        rows += harvester_rows(account, strategy, make, _stream(seed, 4, j))
    rows += fleet_rows(_stream(seed, 5))
    return _to_frame(rows, start)


def demo_day(options: DemoOptions = DemoOptions()) -> pd.DataFrame:
    """A synthetic day of API traffic with five planted harvesters and a fleet of 40 small accounts.

    With the defaults the day holds about 9-10k prompts; 2,500 users give about 45k.
    The same options always give an identical frame.

    Returns:
        Columns ``account_id``, ``timestamp`` (ISO-8601 UTC, e.g.
        ``'2026-11-27T14:03:11Z'``), ``prompt``, ``kind`` (one of :data:`KINDS`)
        and ``strategy`` ('' for benign accounts, else one of
        :data:`STRATEGIES`), all strings, sorted by timestamp.
    """
    return demo_day_with_labels(options)[list(COLUMNS)]


_WRITERS: dict[str, Callable[[pd.DataFrame, str], None]] = {
    ".parquet": lambda frame, path: frame.to_parquet(path, index=False),
    ".pq": lambda frame, path: frame.to_parquet(path, index=False),
    ".csv": lambda frame, path: frame.to_csv(path, index=False),
    ".jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True, force_ascii=False),
}


def write_demo_day(path: str | os.PathLike[str], options: DemoOptions = DemoOptions()) -> Path:
    """Write :func:`demo_day` to ``path`` atomically.

    The format follows the suffix: ``.parquet``/``.pq``, ``.csv`` or ``.jsonl``.
    The frame is written to a temporary file in the same folder and moved into
    place, so a reader never sees a half-written file. Missing parent folders
    are created.

    Args:
        path: where to write.
        options: which demo day (:func:`demo_day`).

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: if the suffix is not one of the above, or an argument is invalid.
    """
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"{path}: unsupported suffix {path.suffix!r}; use one of {', '.join(_WRITERS)}")
    frame = demo_day(options)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        writer(frame, tmp)
    return path
