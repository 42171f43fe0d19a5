"""How far the fast static embedder agrees with MiniLM on the daily job.

    python tools/compare_embedders.py [--input traffic.parquet] [--out agreement.json]
    python tools/compare_embedders.py --no-day --prompts-file ../shared/data/prompts/benign/sharegpt.jsonl.gz

Scores the same day with both models (the demo day when no input is given) and
reports: rank correlation of account scores, agreement of the flagged sets and
of the top accounts, and how many of each prompt's 10 MiniLM neighbours the
static model also finds (recall@10), with each model's wall time. The
neighbour sample comes from the day, or from ``--prompts-file`` (JSONL, optionally
gzipped, with a ``text`` field per line).
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from embedder import Embedder, EmbedderOptions, open_embedder
from index.neighbours import build_index, recall_at_k, self_knn
from index.options import IndexOptions
from job.config import DailyConfig
from job.daily import run_day
from job.wiring import compose, open_detector, options_from
from synthetic.demo.day import write_demo_day


def score_with(name: str, source: Path, out: Path) -> tuple[pd.DataFrame, float, Embedder]:
    """Run the daily job with one embedder, as ``scripts/score.py embedder=<name>`` would (the shipped
    configuration, topic words included); returns its table, wall seconds and the embedder."""
    options = options_from(compose("config", [f"embedder={name}", f"input.path={source}", f"output.dir={out}"]),
                           DailyConfig)
    detector = open_detector(options.embedder, index=options.index, scoring=options.scoring)
    start = time.perf_counter()
    run_day(options.input, detector, output_dir=out, progress=False)
    return pd.read_parquet(out / "accounts.parquet"), time.perf_counter() - start, detector.models.main


def neighbour_recall(prompts: list[str], static: Embedder, minilm: Embedder, k: int = 10) -> float:
    """Share of each prompt's k MiniLM neighbours that the static model also returns."""
    vectors = {name: e.encode(prompts) for name, e in (("static", static), ("minilm", minilm))}
    exact = IndexOptions(factory="Flat")
    ids = {name: self_knn(build_index(v, options=exact), v, k=k)[1] for name, v in vectors.items()}
    return recall_at_k(ids["static"], ids["minilm"])


def compare_days(source: Path, workdir: Path) -> tuple[dict, dict[str, Embedder]]:
    """Score one day with both embedders and measure how far their verdicts agree."""
    tables, seconds, embedders = {}, {}, {}
    for name in ("static", "minilm"):
        tables[name], seconds[name], embedders[name] = score_with(name, source, workdir / name)
    both = tables["static"].merge(tables["minilm"], on="account_id", suffixes=("_static", "_minilm"))
    flagged_s, flagged_m = set(both.account_id[both.flagged_static]), set(both.account_id[both.flagged_minilm])
    top = min(10, len(both))
    return {
        "accounts": len(both),
        "score_spearman": round(float(both["score_static"].rank().corr(both["score_minilm"].rank())), 4),
        "flagged_static": len(flagged_s),
        "flagged_minilm": len(flagged_m),
        "flagged_jaccard": round(len(flagged_s & flagged_m) / max(1, len(flagged_s | flagged_m)), 4),
        f"top{top}_overlap": len(set(tables["static"].account_id[:top]) & set(tables["minilm"].account_id[:top])),
        "seconds_static": round(seconds["static"], 1),
        "seconds_minilm": round(seconds["minilm"], 1),
    }, embedders


def read_prompts(path: Path) -> list[str]:
    """The ``text`` field of every line of a JSONL(.gz) file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="traffic file (default: the demo day)")
    parser.add_argument("--out", type=Path, default=Path("agreement.json"))
    parser.add_argument("--sample", type=int, default=3000, help="prompts for the neighbour comparison")
    parser.add_argument("--prompts-file", type=Path, help="JSONL(.gz) of prompts for the neighbour comparison")
    parser.add_argument("--no-day", action="store_true", help="skip scoring the day; neighbours only")
    args = parser.parse_args()
    result: dict = {"input": str(args.input or "demo day")}
    embedders: dict[str, Embedder] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = args.input or write_demo_day(Path(tmp) / "demo.parquet")
        if not args.no_day:
            verdicts, embedders = compare_days(source, Path(tmp))
            result.update(verdicts)
        if args.prompts_file:
            prompts = pd.Series(read_prompts(args.prompts_file)).drop_duplicates()
            result["neighbour_prompts"] = str(args.prompts_file)
        else:
            prompts = pd.read_parquet(source, columns=["prompt"])["prompt"].drop_duplicates()
    prompts = prompts.sample(min(args.sample, len(prompts)), random_state=0).tolist()
    if not embedders:
        embedders = {name: open_embedder(EmbedderOptions(name=name)) for name in ("static", "minilm")}
    result["neighbour_sample"] = len(prompts)
    result["neighbour_recall_at_10"] = round(neighbour_recall(prompts, embedders["static"], embedders["minilm"]), 4)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
