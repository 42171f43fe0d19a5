"""How much the daily job adds around MiniLM: end-to-end throughput against raw ``encode``, one process.

    python scripts/minilm_overhead.py --users 12 --per-account 40

Builds a small demo day, embeds its distinct prompts with MiniLM (raw ``encode``),
then runs the whole daily job on the same day with the same loaded models (topic
words through the static model, as ``scripts/score.py embedder=minilm`` does), and
prints both throughputs and their ratio. Models are loaded and warmed up first, so
neither figure includes loading.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from embedder import Embedder, load_model, model_identity, normalize_text
from job import daily
from job.config import EmbedderOptions, IndexOptions, InputOptions, ScoringOptions
from job.wiring import topic_embedder
from traffic.demo import demo_day


def main(argv: list[str] | None = None) -> float:
    """Measure and print; returns the ratio (job throughput / raw encode throughput)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=12, help="ordinary users of the demo day (default 12)")
    parser.add_argument("--per-account", type=int, default=40, help="prompts kept per account (default 40)")
    args = parser.parse_args(argv)
    day = demo_day(n_users=args.users).groupby("account_id").head(args.per_account)
    texts = sorted({normalize_text(t) for t in day["prompt"]})
    options = EmbedderOptions(name="minilm", batch_size=32)
    model = load_model("minilm")
    encoder = Embedder(model, batch_size=options.batch_size)
    topic_embed, topic_model = topic_embedder(options, topics="static")
    encoder.encode(texts[:64])  # warm-up: first calls pay one-off costs
    topic_embed(texts[:64])
    start = time.perf_counter()
    encoder.encode(texts)
    raw = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "day.parquet"
        day[["account_id", "timestamp", "prompt"]].to_parquet(source, index=False)
        start = time.perf_counter()
        summary = daily.run_day(
            source=source, output_dir=Path(folder) / "out", embed=encoder.encode, dim=encoder.dim,
            model=model_identity("minilm", model), read=InputOptions(), index=IndexOptions(),
            scoring=ScoringOptions(), duplicate_similarity=options.duplicate_similarity, progress=False,
            topic_embed=topic_embed, topic_model=topic_model,
        )
        job = time.perf_counter() - start
    ratio = raw / job
    print(f"{len(day):,} rows, {len(texts):,} distinct prompts: raw encode {raw:.1f} s ({len(texts) / raw:.1f}/s), "
          f"whole job {job:.1f} s ({len(texts) / job:.1f}/s): {ratio:.2f} of raw encode throughput; "
          f"stages {summary['stage_seconds']}")
    return ratio


if __name__ == "__main__":
    main()
