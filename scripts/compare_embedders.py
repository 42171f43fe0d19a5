"""How far the fast static embedder agrees with MiniLM on the daily job.

    python scripts/compare_embedders.py [--input traffic.parquet] [--out agreement.json]

Scores the same day with both models (the demo day when no input is given) and
reports: rank correlation of account scores, agreement of the flagged sets and
of the top accounts, and how many of each prompt's 10 MiniLM neighbours the
static model also finds (recall@10), with each model's wall time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from embedder import Embedder, load_model, model_identity
from index.neighbours import build_index, recall_at_k, self_knn
from job.config import EmbedderOptions, IndexOptions, InputOptions, ScoringOptions
from job.daily import run_day
from traffic.demo import write_demo_day

DUPLICATE_SIMILARITY = {"static": EmbedderOptions().duplicate_similarity, "minilm": 0.9}


def score_with(name: str, source: Path, out: Path) -> tuple[pd.DataFrame, float, Embedder]:
    """Run the daily job with one embedder; returns its table, wall seconds and the embedder."""
    model = load_model(name, device="auto" if name == "minilm" else "cpu")
    embedder = Embedder(model)
    start = time.perf_counter()
    run_day(source=source, output_dir=out, embed=embedder.encode, dim=embedder.dim,
            model=model_identity(name, model), read=InputOptions(), index=IndexOptions(),
            scoring=ScoringOptions(), duplicate_similarity=DUPLICATE_SIMILARITY[name], progress=False)
    return pd.read_parquet(out / "accounts.parquet"), time.perf_counter() - start, embedder


def neighbour_recall(prompts: list[str], static: Embedder, minilm: Embedder, k: int = 10) -> float:
    """Share of each prompt's k MiniLM neighbours that the static model also returns."""
    vectors = {name: e.encode(prompts) for name, e in (("static", static), ("minilm", minilm))}
    ids = {name: self_knn(build_index(v, factory="Flat"), v, k=k)[1] for name, v in vectors.items()}
    return recall_at_k(ids["static"], ids["minilm"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="traffic file (default: the demo day)")
    parser.add_argument("--out", type=Path, default=Path("agreement.json"))
    parser.add_argument("--sample", type=int, default=3000, help="prompts for the neighbour comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.input or write_demo_day(Path(tmp) / "demo.parquet")
        tables, seconds, embedders = {}, {}, {}
        for name in ("static", "minilm"):
            tables[name], seconds[name], embedders[name] = score_with(name, source, Path(tmp) / name)
        prompts = pd.read_parquet(source, columns=["prompt"])["prompt"].drop_duplicates()
    both = tables["static"].merge(tables["minilm"], on="account_id", suffixes=("_static", "_minilm"))
    flagged_s, flagged_m = set(both.account_id[both.flagged_static]), set(both.account_id[both.flagged_minilm])
    top = min(10, len(both))
    prompts = prompts.sample(min(args.sample, len(prompts)), random_state=0).tolist()
    result = {
        "input": str(args.input or "demo day"),
        "accounts": len(both),
        "score_spearman": round(float(both["score_static"].rank().corr(both["score_minilm"].rank())), 4),
        "flagged_static": len(flagged_s),
        "flagged_minilm": len(flagged_m),
        "flagged_jaccard": round(len(flagged_s & flagged_m) / max(1, len(flagged_s | flagged_m)), 4),
        f"top{top}_overlap": len(set(tables["static"].account_id[:top]) & set(tables["minilm"].account_id[:top])),
        "neighbour_recall_at_10": round(neighbour_recall(prompts, embedders["static"], embedders["minilm"]), 4),
        "seconds_static": round(seconds["static"], 1),
        "seconds_minilm": round(seconds["minilm"], 1),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
