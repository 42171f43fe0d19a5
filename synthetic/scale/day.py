"""A synthetic day of any size (1M, 16M prompts), generated and written in bounded batches.

The demo day (:mod:`synthetic.demo.day`) writes every prompt with Python calls and
holds the day in memory; this generator is for scale. It plans the accounts and
their sessions up front (a few bytes each, :mod:`synthetic.scale.timing`), then
walks the day in equal time slices of about ``batch_rows`` rows: each slice
finds the prompts that fall into it, assembles them from string pools with
Arrow kernels (:mod:`synthetic.scale.pools`) and is written as one Parquet row
group. Memory is one slice plus the plan, whatever the number of rows; every
account sends exactly its planned volume.

The accounts, all with the demo day's vocabulary:

* ordinary users (``user-…``): the demo's heavy-tailed volumes (median 5, a few
  hundred at most), sessions in local waking hours, two or three favourite
  topic cells each, free phrasing (opener or context clause + one or two asks +
  closer), popular one-liners, exact retries;
* enterprise bots (``bot-…``): one sentiment-classification template round the
  clock, thousands of prompts, many exact repeats;
* students (``student-…``): homework in one narrow area (the demo's students);
* harvesters (``harvest-…``): the demo's five strategies (template sweeps, a
  self-instruct topic sweep, a mixed sweep, an evasive paraphrasing sweep),
  steady round the clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from files.atomic import atomic_path
from synthetic.scale.lengths import RealLengths
from synthetic.demo.harvesters import HARVESTERS
from synthetic.demo.phrasing import ALGEBRA_PROBLEMS, CHEMISTRY_PROBLEMS
from synthetic.timing import DAY_SECONDS, parse_day
from synthetic.demo.users import student_rows, user_volumes
from synthetic.scale.pools import SUBTOPICS_PER_SUBJECT, Pools, build_pools, subject_weights
from synthetic.scale.timing import plan_sessions, slice_rows

SCHEMA = pa.schema([("account_id", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC")),
                    ("prompt", pa.string())])
"""The columns of a generated day (what :func:`traffic.read.read_traffic` expects by default)."""
POPULAR_SHARE = 0.03  # of user rows: a popular one-liner
RETRY_SHARE = 0.06  # of user rows: an exact resend of the account's previous prompt in the slice
LOWER_SHARE = 0.3  # of user rows: typed all lower-case
DOUBLE_SHARE = 0.1  # of user rows: two questions about the same cell in one prompt
CONNECTORS: tuple[str, ...] = (" Also, ", " And ", " Oh and ", " Second question: ", " Plus, ", " Related: ")
FAVOURITE_SHARE = 0.87  # of user rows: from one of the user's favourite cells


@dataclass(frozen=True)
class Plan:
    """Who sends how much: one entry per account, in account-code order.

    Scripted accounts (harvesters, students) replay ``script`` in order: account
    ``a`` sends ``script[script_start[a] + i % script_len[a]]`` as its i-th prompt.
    """

    names: pa.StringArray
    volume: np.ndarray  # int64 prompts per account
    kind: np.ndarray  # int8: 0 user, 1 bot, 2 scripted
    person: np.ndarray  # bool: works in sessions in waking hours (users, students), else steady
    favourites: np.ndarray  # (n_accounts, 3) int16 topic cells (users)
    n_favourites: np.ndarray  # int8, 1..3 (users)
    bot_slice: np.ndarray  # (n_accounts, 2) int64 [start, stop) into the review pool (bots)
    script: pa.StringArray
    script_start: np.ndarray  # int64 (scripted)
    script_len: np.ndarray  # int64 (scripted)


def plan_accounts(n_rows: int, *, seed: int, n_harvesters: int = 5) -> tuple[Plan, Pools]:
    """Plan the accounts of an ``n_rows`` day and build its string pools.

    Volumes sum to exactly ``n_rows``: scripted and bot accounts take their share
    first, ordinary users the rest (the last user's volume is trimmed to fit).
    """
    rng = np.random.default_rng([seed, 0])
    scale = max(1.0, n_rows / 1_000_000) ** 0.5
    n_bots = max(1, n_rows // 250_000)
    # More asks per cell on bigger days, so the share of distinct prompts falls only slowly with size.
    pools = build_pools(np.random.default_rng([seed, 1]), per_cell=int(72 * min(scale, 4.0)),
                        n_reviews=min(50_000, 1_000 * n_bots))
    scripts, script_names = _scripted(n_rows, seed=seed, n_harvesters=n_harvesters, scale=scale)
    bot_volume = np.round(rng.lognormal(np.log(2_500 * scale), 0.5, size=n_bots)).astype(np.int64)
    fixed = np.concatenate([bot_volume, [len(s) for s in scripts]]).astype(np.int64)
    if fixed.sum() > n_rows // 2:  # a tiny day: keep it mostly ordinary users
        fixed = np.maximum(1, fixed * (n_rows // 2) // max(1, fixed.sum()))
    users = _user_volumes(rng, n_rows - int(fixed.sum()))
    n_users, n = len(users), len(users) + len(fixed)
    kind = np.concatenate([np.zeros(n_users), np.ones(n_bots), np.full(len(scripts), 2)]).astype(np.int8)
    width = max(7, len(str(n_users)))
    names = [f"user-{i:0{width}d}" for i in range(1, n_users + 1)] + [f"bot-{i:03d}" for i in range(1, n_bots + 1)]
    starts = np.zeros(n, np.int64)
    lengths = np.ones(n, np.int64)
    starts[n_users + n_bots:] = np.concatenate([[0], np.cumsum([len(s) for s in scripts])[:-1]])
    lengths[n_users + n_bots:] = [len(s) for s in scripts]
    favourites, n_favourites = _favourites(rng, n)
    per_bot = len(pools.reviews) // n_bots
    bot_slice = np.zeros((n, 2), np.int64)
    bot_slice[n_users:n_users + n_bots] = np.stack([np.arange(n_bots) * per_bot, (np.arange(n_bots) + 1) * per_bot], 1)
    plan = Plan(names=pa.array(names + script_names, pa.string()), volume=np.concatenate([users, fixed]),
                kind=kind, person=np.array([k == 0 or name.startswith("student-") for k, name in
                                            zip(kind, names + script_names)]), favourites=favourites, n_favourites=n_favourites, bot_slice=bot_slice,
                script=pa.array([p for s in scripts for p in s], pa.string()), script_start=starts,
                script_len=lengths)
    return plan, pools


def _user_volumes(rng: np.random.Generator, total: int) -> np.ndarray:
    """The demo's user volumes, enough users to send exactly ``total`` prompts."""
    volumes = user_volumes(rng, max(1, int(total / 14)))
    while volumes.sum() < total:
        volumes = np.concatenate([volumes, user_volumes(rng, max(1, int((total - volumes.sum()) / 14) + 1))])
    cut = int(np.searchsorted(np.cumsum(volumes), total))
    volumes = volumes[: cut + 1].astype(np.int64)
    volumes[-1] -= volumes.sum() - total
    return volumes


def _favourites(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two to three favourite cells per account, from one or two subjects (popular ones more often)."""
    subjects = rng.choice(len(subject_weights()), size=(n, 3), p=subject_weights())
    subjects[:, 1] = np.where(rng.random(n) < 0.6, subjects[:, 0], subjects[:, 1])
    subjects[:, 2] = np.where(rng.random(n) < 0.6, subjects[:, 0], subjects[:, 2])
    cells = subjects * SUBTOPICS_PER_SUBJECT + rng.integers(SUBTOPICS_PER_SUBJECT, size=(n, 3))
    return cells.astype(np.int16), rng.integers(2, 4, size=n).astype(np.int8)


def _scripted(n_rows: int, *, seed: int, n_harvesters: int, scale: float) -> tuple[list[list[str]], list[str]]:
    """Prompt lists of the harvesters and students, generated with the demo's own functions."""
    scripts, names = [], []
    for j in range(n_harvesters):
        _, _, make = HARVESTERS[j % len(HARVESTERS)]
        rng = np.random.default_rng([seed, 2, j])
        scripts.append([p for p, _, _ in make(rng, int(rng.integers(300, 801) * scale))])
        names.append(f"harvest-{j + 1:02d}")
    for j in range(max(2, n_rows // 100_000)):
        problems, subject = (ALGEBRA_PROBLEMS, "") if j % 2 == 0 else (CHEMISTRY_PROBLEMS, "chemistry")
        rows = student_rows("", problems, subject, np.random.default_rng([seed, 3, j]))
        scripts.append([row.prompt for row in rows])
        names.append(f"student-{j + 1:03d}")
    return scripts, names


def day_batches(n_rows: int, *, seed: int = 0, batch_rows: int = 250_000, day: str = "2026-11-27",
                n_harvesters: int = 5) -> Iterator[pa.RecordBatch]:
    """Yield the day as record batches in time order, one per equal time slice.

    Slices hold ``batch_rows`` rows on average; busy hours hold more.

    Args:
        n_rows: total rows, >= 100.
        seed: non-negative random seed; the same arguments give the same batches.
        batch_rows: average rows per batch (>= 1_000); memory grows with it, not with ``n_rows``.
        day: the UTC date, ``YYYY-MM-DD``.
        n_harvesters: planted harvesters, cycling through the demo's five strategies.

    Raises:
        ValueError: if an argument is out of range.
    """
    _check(n_rows, seed, batch_rows, n_harvesters)
    plan, pools = plan_accounts(n_rows, seed=seed, n_harvesters=n_harvesters)
    sessions = plan_sessions(np.random.default_rng([seed, 5]), plan.volume, plan.person)
    sent = np.zeros(len(plan.volume), np.int64)
    midnight_us = int(parse_day(day).astype("datetime64[us]").astype(np.int64))
    n_slices = -(-n_rows // batch_rows)
    for b in range(n_slices):
        rng = np.random.default_rng([seed, 4, b])
        account, seconds = slice_rows(rng, sessions, b * DAY_SECONDS / n_slices, (b + 1) * DAY_SECONDS / n_slices)
        if not len(account):
            continue
        position = _positions(account, sent)
        sent += np.bincount(account, minlength=len(sent))
        stamps = midnight_us + (seconds * 1_000_000).astype(np.int64)
        yield pa.RecordBatch.from_arrays(
            [plan.names.take(pa.array(account)), pa.array(stamps, SCHEMA.field("timestamp").type),
             _prompts(rng, plan, pools, account, position)], schema=SCHEMA)


def _positions(account: np.ndarray, sent: np.ndarray) -> np.ndarray:
    """Each row's index in its account's sequence (rows of one account keep their order)."""
    order = np.argsort(account, kind="stable")
    sorted_acc = account[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_acc)) + 1]
    rank = np.arange(len(account)) - np.repeat(first, np.diff(np.r_[first, len(account)]))
    position = np.empty(len(account), np.int64)
    position[order] = sent[sorted_acc] + rank
    return position


def _prompts(rng: np.random.Generator, plan: Plan, pools: Pools, account: np.ndarray,
             position: np.ndarray) -> pa.StringArray:
    """The prompt of every row of one batch, by account kind."""
    kind = plan.kind[account]
    out_index = np.empty(len(account), np.int64)
    parts, offset = [], 0
    for code, make in ((0, _user_prompts), (1, _bot_prompts), (2, _script_prompts)):
        rows = np.flatnonzero(kind == code)
        if len(rows):
            parts.append(make(rng, plan, pools, account[rows], position[rows]))
            out_index[rows] = offset + np.arange(len(rows))
            offset += len(rows)
    prompts = pa.concat_arrays(parts).take(pa.array(out_index))
    return prompts.take(pa.array(_retries(rng, account, kind == 0)))


def _user_prompts(rng, plan: Plan, pools: Pools, account: np.ndarray, position: np.ndarray) -> pa.Array:
    n = len(account)
    pick = (rng.random(n) * plan.n_favourites[account]).astype(np.int64)
    cell = plan.favourites[account, pick].astype(np.int64)
    stray = rng.random(n) >= FAVOURITE_SHARE
    # Off-interest prompts go, as the demo's, to popular subjects more often than to rare ones.
    n_stray = int(stray.sum())
    cell[stray] = (rng.choice(len(subject_weights()), size=n_stray, p=subject_weights()) * SUBTOPICS_PER_SUBJECT
                   + rng.integers(SUBTOPICS_PER_SUBJECT, size=n_stray))
    subject = cell // SUBTOPICS_PER_SUBJECT
    ask = pools.asks.take(pa.array(cell * pools.per_cell + rng.integers(pools.per_cell, size=n)))
    second = pools.asks.take(pa.array(cell * pools.per_cell + rng.integers(pools.per_cell, size=n)))
    joiner = pa.array(CONNECTORS, pa.string()).take(pa.array(rng.integers(len(CONNECTORS), size=n)))
    double = pa.array(rng.random(n) < DOUBLE_SHARE)
    ask = pc.if_else(double, pc.binary_join_element_wise(ask, joiner, second, ""), ask)
    plain = rng.random(n) < 0.7
    wrap = np.where(plain, rng.integers(pools.n_plain, size=n),
                    pools.n_plain + rng.integers(pools.n_wraps - pools.n_plain, size=n))
    wrap_at = pa.array(subject * pools.n_wraps + wrap)
    text = pc.binary_join_element_wise(pools.pre.take(wrap_at), ask, pools.post.take(wrap_at), "")
    text = pc.if_else(pa.array(rng.random(n) < LOWER_SHARE), pc.utf8_lower(text), text)
    popular = rng.random(n) < POPULAR_SHARE
    return pc.if_else(pa.array(popular), pools.popular.take(pa.array(rng.integers(len(pools.popular), size=n))), text)


def _bot_prompts(rng, plan: Plan, pools: Pools, account: np.ndarray, position: np.ndarray) -> pa.Array:
    lo, hi = plan.bot_slice[account, 0], plan.bot_slice[account, 1]
    return pools.reviews.take(pa.array(lo + (rng.random(len(account)) * (hi - lo)).astype(np.int64)))


def _script_prompts(rng, plan: Plan, pools: Pools, account: np.ndarray, position: np.ndarray) -> pa.Array:
    return plan.script.take(pa.array(plan.script_start[account] + position % plan.script_len[account]))


def _retries(rng: np.random.Generator, account: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Row -> row whose prompt it sends: itself, or (a retry) the account's previous row in the batch."""
    order = np.argsort(account, kind="stable")
    source = np.arange(len(account))
    same = account[order][1:] == account[order][:-1]
    later, earlier = order[1:][same], order[:-1][same]
    retry = eligible[later] & (rng.random(len(later)) < RETRY_SHARE)
    source[later[retry]] = earlier[retry]
    for _ in range(8):  # pointer jumping: a retry of a retry sends the original
        source = source[source]
    return source


def _check(n_rows: int, seed: int, batch_rows: int, n_harvesters: int) -> None:
    for name, value, low in (("n_rows", n_rows, 100), ("seed", seed, 0), ("batch_rows", batch_rows, 1_000),
                             ("n_harvesters", n_harvesters, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def write_day(path: str | os.PathLike, n_rows: int, *, seed: int = 0, batch_rows: int = 250_000,
              day: str = "2026-11-27", n_harvesters: int = 5, lengths: RealLengths | None = None) -> Path:
    """Write :func:`day_batches` to a Parquet file, one row group per batch, atomically.

    Args:
        lengths: turns each prompt into one of real length (:mod:`synthetic.scale.lengths`); None keeps
            the synthetic prompts as they are.

    Returns:
        ``path`` as a :class:`pathlib.Path`; missing parent folders are created.
    """
    path = Path(path)
    _check(n_rows, seed, batch_rows, n_harvesters)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        for batch in day_batches(n_rows, seed=seed, batch_rows=batch_rows, day=day, n_harvesters=n_harvesters):
            if lengths is not None:
                batch = batch.set_column(2, "prompt", lengths.lengthen(batch.column(2)))
            writer.write_batch(batch, row_group_size=len(batch))
    return path
