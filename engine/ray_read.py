"""The read_embed stage on Ray Data.

1. Read: the Parquet file is cut into parts of whole row groups; one task per part reads,
   validates and normalises its rows (the same code as the local reader) and digests each
   prompt. Every input row comes back as one record, valid or rejected, numbered as in the file;
   a prompt's text travels only where the part first sees it.
2. Deduplicate, on the driver, from the 8-byte digests alone: a prompt is embedded where the
   file first holds it, as the local reader embeds it.
3. Embed: an actor pool, each actor holding the model, embeds the distinct prompts and splits
   each into the tokens the template miner keeps (``map_batches``).
4. The driver puts vectors and tokens in the canonical order of :class:`job.ingest.Day`.

The day that comes out is the one :func:`job.ingest.ingest` makes of the same file: the same
prompt order, vectors, token ids (tokens are interned in first-sighting order, as there) and rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Callable

import numpy as np
import pyarrow as pa

from index.vector_file import VectorFile
from job.ingest import Day, ingest, normalised, text_digests
from scoring.tokens import TokenStore
from traffic.read import InputOptions, Rejected, parquet_parts, read_parquet_part

log = logging.getLogger(__name__)

_ROW_COLUMNS = ["row", "account", "time", "digest", "reason", "detail"]


def read_day_on_ray(source: InputOptions, *, embedder_options, dim: int, actors: int, cpus: int, rows_per_task: int,
                    embed_batch: int, vectors_in_memory_max: int, reject: Callable[[Rejected], None]) -> Day:
    """The day in ``source`` (Parquet), read and embedded on the Ray this process is connected to.

    Args:
        source: the traffic file (checked by :func:`traffic.read.parquet_parts`).
        embedder_options: what each actor opens its model from (the driver's own model's options).
        dim: the model's vector length.
        actors: model actors in the pool.
        cpus: the cluster's CPUs (more actors than CPUs share them).
        rows_per_task: rows per read task.
        embed_batch: prompts per actor call.
        vectors_in_memory_max: as in :func:`job.ingest.ingest`.
        reject: called with every row that cannot be used, in file order.
    """
    import ray.data

    parts = [(groups.start, groups.stop) for groups in parquet_parts(source, rows_per_part=rows_per_task)]
    if not parts:  # a file of no row groups: the empty day, as the local reader gives it
        return ingest([], embed=None, dim=dim, reject=reject, progress=False)
    plan = ray.data.from_items([{"part": i} for i in range(len(parts))], override_num_blocks=len(parts))
    read = plan.map_batches(_read_parts, batch_size=1, batch_format="numpy",
                            fn_kwargs={"source": source, "parts": parts}).materialize()
    rows = pa.concat_tables(list(read.select_columns(_ROW_COLUMNS).iter_batches(batch_size=None,
                                                                                batch_format="pyarrow")))
    rows = rows.sort_by("row")
    log.info("read %s rows in %d parts on Ray", f"{rows.num_rows:,}", len(parts))
    bad = rows.filter(pa.compute.is_valid(rows["reason"]))
    rejected: Counter = Counter()
    for record in bad.to_pylist():
        rejected[record["reason"]] += 1
        reject(Rejected(row=record["row"], reason=record["reason"], detail=record["detail"],
                        account_id=record["account"]))
    good = rows.filter(pa.compute.is_null(rows["reason"]))
    del rows, bad
    row_number = good["row"].to_numpy()
    digests = good["digest"].to_numpy()
    seen, first = np.unique(digests, return_index=True)
    first_row = row_number[first]
    picked = read.map_batches(_first_sightings, batch_format="pyarrow",
                              fn_kwargs={"seen": seen, "first_row": first_row})
    # Blocks of one actor call each, so every actor of the pool has work on a day of few read parts.
    picked = picked.repartition(target_num_rows_per_block=embed_batch).materialize()
    del read
    embedded = picked.map_batches(_Embed, fn_constructor_kwargs={"options": embedder_options},
                                  compute=ray.data.ActorPoolStrategy(size=actors),
                                  num_cpus=min(1.0, cpus / actors),
                                  batch_size=embed_batch, batch_format="pyarrow")
    n = len(seen)
    vectors = np.empty((n, dim), dtype=np.float32) if n <= vectors_in_memory_max else VectorFile(n, dim)
    split: list[pa.Table] = []
    for batch in embedded.iter_batches(batch_size=None, batch_format="pyarrow") if n else ():
        at = np.searchsorted(seen, batch["digest"].to_numpy())
        block = _vectors(batch["vector"]).astype(np.float32, copy=False).reshape(len(at), dim)
        if isinstance(vectors, VectorFile):
            vectors.write(at, block)
        else:
            vectors[at] = block
        split.append(batch.select(["row", "digest", "tokens", "labels"]))
    tokens = _token_store(pa.concat_tables(split).sort_by("row"), seen=seen) if split else TokenStore()
    log.info("embedded %s distinct prompts with %d model actors", f"{n:,}", actors)
    names, row_account = np.unique(good["account"].to_numpy(zero_copy_only=False), return_inverse=True)
    return Day(vectors=vectors, tokens=tokens, row_account=row_account.astype(np.int32),
               row_uid=np.searchsorted(seen, digests).astype(np.int32),
               row_time=good["time"].to_numpy().astype(np.float64), row_number=row_number.astype(np.int64),
               accounts=[str(name) for name in names], rows_read=int(len(row_number) + sum(rejected.values())),
               rejected=rejected, digests=seen)


def _vectors(column: pa.ChunkedArray) -> np.ndarray:
    """A fixed-size-list (or Ray tensor) column of vectors as one (n, d) array."""
    chunks = [chunk.storage if isinstance(chunk, pa.ExtensionArray) else chunk for chunk in column.chunks]
    flat = [chunk.flatten() if hasattr(chunk, "flatten") else chunk for chunk in chunks]
    return np.concatenate([f.to_numpy(zero_copy_only=False) for f in flat]) if flat else np.zeros(0, np.float32)


def _read_parts(batch: dict, *, source: InputOptions, parts: list[tuple[int, int]]) -> pa.Table:
    return pa.concat_tables([_read_part(source, range(*parts[int(i)])) for i in batch["part"]])


def _read_part(source: InputOptions, groups: range) -> pa.Table:
    """One record per input row of the part's row groups: valid rows with their digest (and their
    normalised text at the part's first sighting of it), rejected rows with their reason."""
    bad: list[Rejected] = []
    rows, accounts, times, texts = [], [], [], []
    for chunk, rejected in read_parquet_part(source, groups):
        bad.extend(rejected)
        kept, normal = normalised(chunk, bad.append)
        at = np.asarray(kept, dtype=np.int64)
        rows.append(chunk.row[at] if len(at) else np.zeros(0, np.int64))
        accounts.extend(chunk.account_id[i] for i in kept)
        times.append(chunk.timestamp[at] if len(at) else np.zeros(0, np.float64))
        texts.extend(normal)
    digests = text_digests(texts)
    _, first = np.unique(digests, return_index=True)
    shown = np.zeros(len(texts), dtype=bool)
    shown[first] = True
    n_bad = len(bad)
    return pa.table({
        "row": np.concatenate([*rows, np.array([b.row for b in bad], dtype=np.int64)]).astype(np.int64),
        "account": pa.array(accounts + [b.account_id for b in bad], type=pa.string()),
        "time": np.concatenate([*times, np.full(n_bad, np.nan)]).astype(np.float64),
        "digest": np.concatenate([digests, np.zeros(n_bad, dtype=np.uint64)]),
        "text": pa.array([t if s else None for t, s in zip(texts, shown)] + [None] * n_bad, type=pa.string()),
        "reason": pa.array([None] * len(texts) + [b.reason for b in bad], type=pa.string()),
        "detail": pa.array([None] * len(texts) + [b.detail for b in bad], type=pa.string()),
    })


def _first_sightings(batch: pa.Table, *, seen: np.ndarray, first_row: np.ndarray) -> pa.Table:
    """The records whose prompt the whole file first holds there (the prompts to embed)."""
    batch = batch.filter(pa.compute.is_valid(batch["text"]))
    digests = batch["digest"].to_numpy()
    first = first_row[np.searchsorted(seen, digests)] == batch["row"].to_numpy()
    return batch.filter(pa.array(first)).select(["row", "digest", "text"])


class _Embed:
    """A model actor: embeds a batch of distinct prompts and splits each into its kept tokens."""

    def __init__(self, options) -> None:
        from embedder import open_embedder

        self.embedder = open_embedder(options)
        self.splitter = TokenStore()

    def __call__(self, batch: pa.Table) -> dict:
        texts = batch["text"].to_pylist()
        vectors = np.ascontiguousarray(self.embedder.encode(texts), dtype=np.float32)
        split = [self.splitter.split(text) for text in texts]
        return {"row": batch["row"].to_numpy(), "digest": batch["digest"].to_numpy(), "vector": vectors,
                "tokens": np.array([" ".join(tokens) for tokens, _ in split], dtype=object),
                "labels": np.array([" ".join(labels) for _, labels in split], dtype=object)}


def _token_store(split: pa.Table, *, seen: np.ndarray) -> TokenStore:
    """The prompts' tokens interned in first-sighting order (the local reader's), then put in canonical order."""
    store = TokenStore()
    for batch in split.to_batches(max_chunksize=65_536):
        for tokens, labels in zip(batch.column("tokens").to_pylist(), batch.column("labels").to_pylist()):
            store.add_split(tokens.split(), labels.split())
    # Record e (in first-row order) is canonical prompt at[e]; reorder wants, per canonical j, its record.
    at = np.searchsorted(seen, split["digest"].to_numpy())
    order = np.empty(len(seen), dtype=np.int64)
    order[at] = np.arange(len(at))
    store.reorder(order)
    return store

