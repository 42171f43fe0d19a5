"""Ingest: each distinct prompt embedded once, and a day that does not depend on the file's row order."""

import hashlib

import numpy as np
import pandas as pd

from index.vector_file import VectorFile
from job.ingest import ingest
from traffic.read import InputOptions, read_traffic

DIM = 16


class CountingEmbedder:
    """Deterministic unit vectors from a hash of the text; remembers every text it was asked for."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        seeds = [int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little") for t in texts]
        x = np.stack([np.random.default_rng(s).normal(size=DIM) for s in seeds]).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def traffic(n_rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prompts = [f"question {i} about topic {i % 7}" for i in range(150)] + ["tell me a joke", "  ", "\u200b"]
    return pd.DataFrame({
        "account_id": [f"acct-{a}" for a in rng.integers(0, 25, n_rows)],
        "timestamp": pd.to_datetime(1_700_000_000 + np.arange(n_rows), unit="s", utc=True),
        "prompt": [prompts[i] for i in rng.integers(0, len(prompts), n_rows)],
    })


def run(frame: pd.DataFrame, path, *, chunk_rows: int = 64, **kwargs):
    frame.to_parquet(path, index=False)
    embed, rejected = CountingEmbedder(), []
    chunks = read_traffic(InputOptions(path=str(path), chunk_rows=chunk_rows))
    day = ingest(chunks, embed=embed, dim=DIM, reject=rejected.append, progress=False, **kwargs)
    return day, embed, rejected


def by_row(day, frame: pd.DataFrame) -> pd.DataFrame:
    """Each valid row's account, prompt tokens and vector, keyed by its original content."""
    vectors = day.vectors[np.arange(len(day.vectors))]
    return pd.DataFrame({
        "account": [day.accounts[a] for a in day.row_account],
        "time": day.row_time,
        "uid": day.row_uid,
        "tokens": [day.tokens.render(day.tokens.get(int(u)).tolist()) for u in day.row_uid],
        "vector": [vectors[u].tobytes() for u in day.row_uid],
        "prompt": frame["prompt"].to_numpy()[day.row_number - 1],
    }).sort_values(["time"]).reset_index(drop=True)


def test_chunks_sharing_prompts_embed_each_distinct_prompt_once(tmp_path):
    frame = traffic()
    day, embed, rejected = run(frame, tmp_path / "day.parquet", chunk_rows=37)
    assert len(embed.seen) == len(set(embed.seen)), "a prompt was embedded twice"
    assert len(embed.seen) == len(day.vectors) == len(day.tokens)
    assert len(day.row_uid) + len(rejected) == len(frame)
    assert {r.reason for r in rejected} <= {"prompt_empty", "prompt_blank"}
    # Every row points at the vector and tokens of its own prompt.
    rows = by_row(day, frame)
    expected = CountingEmbedder()(list(rows["prompt"].str.strip()))
    np.testing.assert_array_equal(np.stack([np.frombuffer(v, np.float32) for v in rows["vector"]]), expected)


def test_a_permuted_file_gives_the_same_day(tmp_path):
    frame = traffic()
    day, _, _ = run(frame, tmp_path / "a.parquet")
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    again, _, _ = run(shuffled, tmp_path / "b.parquet", chunk_rows=50)
    np.testing.assert_array_equal(day.vectors, again.vectors)
    assert day.tokens.words() != [] and day.accounts == again.accounts
    flat, offsets = day.tokens.flat()
    flat2, offsets2 = again.tokens.flat()
    np.testing.assert_array_equal(offsets, offsets2)
    # Token ids are handed out in order of first sight, so compare the words, not the ids.
    words, words2 = np.array(day.tokens.words()), np.array(again.tokens.words())
    assert (words[flat] == words2[flat2]).all()
    pd.testing.assert_frame_equal(by_row(day, frame), by_row(again, shuffled))


def test_a_large_day_keeps_its_vectors_on_disk_with_the_same_values(tmp_path):
    frame = traffic()
    day, _, _ = run(frame, tmp_path / "day.parquet")
    on_disk, _, _ = run(frame, tmp_path / "day.parquet", vectors_in_memory_max=10)
    assert isinstance(day.vectors, np.ndarray) and isinstance(on_disk.vectors, VectorFile)
    np.testing.assert_array_equal(on_disk.vectors[np.arange(len(day.vectors))], day.vectors)
    np.testing.assert_array_equal(on_disk.vectors[5:40], day.vectors[5:40])
    np.testing.assert_array_equal(on_disk.row_uid, day.row_uid)
    on_disk.vectors.close()


def test_an_empty_file_gives_an_empty_day(tmp_path):
    day, embed, _ = run(traffic().iloc[:0], tmp_path / "empty.parquet")
    assert day.vectors.shape == (0, DIM) and len(day.tokens) == 0 and len(day.row_uid) == 0 and embed.seen == []
