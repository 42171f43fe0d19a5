"""Scale days at real prompt lengths: the lengths follow real prompts, the day's structure stays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthetic.scale.day import write_day
from synthetic.scale.lengths import MEDIAN_CHARS, P90_CHARS, RealLengths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> pd.DataFrame:
    path = write_day(tmp_path_factory.mktemp("day") / "day.parquet", 20_000, seed=3)
    return pd.read_parquet(path)


def _real(tmp_path: Path, corpus) -> pd.DataFrame:
    return pd.read_parquet(write_day(tmp_path / "real.parquet", 20_000, seed=3, lengths=RealLengths(corpus)))


def test_without_corpora_lengths_follow_the_real_distribution_and_repeats_stay(synthetic, tmp_path):
    real = _real(tmp_path, tmp_path / "no-corpus")
    lengths = real["prompt"].str.len()
    assert abs(lengths.median() / MEDIAN_CHARS - 1) < 0.15 and abs(lengths.quantile(0.9) / P90_CHARS - 1) < 0.2
    assert real["prompt"].nunique() == synthetic["prompt"].nunique()  # a repeat is still a repeat
    assert real[["account_id", "timestamp"]].equals(synthetic[["account_id", "timestamp"]])
    assert all(r.startswith(s) for r, s in zip(real["prompt"].head(200), synthetic["prompt"].head(200)))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the prompt corpora are not at {CORPUS}")
def test_with_corpora_each_text_leads_with_a_real_prompt(synthetic, tmp_path):
    real = _real(tmp_path, CORPUS)
    known = set(RealLengths(CORPUS).texts)
    heads = [r[: -(len(s) + 2)] for r, s in zip(real["prompt"].head(500), synthetic["prompt"].head(500))]
    assert np.mean([h in known for h in heads]) == 1.0
    assert real["prompt"].nunique() == synthetic["prompt"].nunique()
    assert real["prompt"].str.len().median() > 150
