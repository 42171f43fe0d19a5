"""The window a day is scored over: its own traffic and the stored days before it, as one day.

Prompts keep their identity (the digest of their normalised text) across days, so a prompt
sent on three days is one prompt with three days of rows, and the merged day is in the same
canonical order (by digest) as a day ingested whole. What the earlier days searched and placed
is carried in (:class:`job.pipeline.Carried`) rather than done again.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from history.store import HistoryStore
from job.ingest import Day
from scoring.tokens import TokenStore


def window_day(today: Day, store: HistoryStore, earlier: list[str]) -> tuple[Day, np.ndarray]:
    """``today`` merged with the stored ``earlier`` days; and, per account of the merged day,
    whether it sent anything today (the accounts the day's tables report)."""
    if not earlier:
        return today, np.ones(len(today.accounts), dtype=bool)
    # Every source of prompts, today last: a prompt sent on several days takes its tokens from the
    # latest (its vector is the same on every day).
    sources = [store.load_prompts(day) for day in earlier]
    sources.append((today.digests, np.asarray(today.vectors[0:len(today.digests)]), today.tokens.to_arrays()))
    digests = np.unique(np.concatenate([source[0] for source in sources]))
    vectors = np.empty((len(digests), today.vectors.shape[1]), dtype=np.float32)
    owner = np.full(len(digests), -1, dtype=np.int64)
    position = np.empty(len(digests), dtype=np.int64)
    for k, (part_digests, part_vectors, _) in enumerate(sources):
        at = np.searchsorted(digests, part_digests)
        vectors[at], owner[at], position[at] = part_vectors, k, np.arange(len(part_digests))
    picks = [np.where(owner == k, position, -1) for k in range(len(sources))]
    tokens = TokenStore.merged([source[2] for source in sources], picks, head=today.tokens.head,
                               tail=today.tokens.tail)
    rows = [store.load_rows(day).assign(row=np.int64(0)) for day in earlier]
    every = pd.concat([*rows, day_rows(today).assign(row=today.row_number)], ignore_index=True)
    names = sorted(set(every["account_id"]))
    code = pd.Index(names).get_indexer(every["account_id"]).astype(np.int32)
    merged = Day(vectors=vectors, tokens=tokens, row_account=code,
                 row_uid=np.searchsorted(digests, every["digest"].to_numpy(np.uint64)).astype(np.int32),
                 row_time=every["timestamp"].to_numpy(np.float64), row_number=every["row"].to_numpy(np.int64),
                 accounts=names, rows_read=today.rows_read, rejected=Counter(today.rejected), digests=digests)
    active = np.zeros(len(names), dtype=bool)
    active[pd.Index(names).get_indexer(today.accounts)] = True
    return merged, active


def day_rows(day: Day) -> pd.DataFrame:
    """What the store keeps of a day's rows: account, timestamp, prompt digest."""
    return pd.DataFrame({"account_id": np.asarray(day.accounts, dtype=object)[day.row_account],
                         "timestamp": day.row_time, "digest": day.digests[day.row_uid]})
