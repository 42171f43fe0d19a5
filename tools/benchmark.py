"""Benchmark the project's stages against the peers a user would pick instead, in one process.

    python tools/benchmark.py --out outputs/benchmark.json                # 3,000 prompts per section
    python tools/benchmark.py --n-prompts 0 --out outputs/benchmark.md    # the whole corpora
    python tools/benchmark.py --readme                                    # ... and write README's table

Sections (each on the same prompts and the same precomputed vectors for every method):

a. template grouping on promptsource-filled prompts (truth: meta.template_id, and
   one label per template text where the corpora's promptsource templates file
   lists the text under another name): the project's template groups vs datasketch
   MinHash-LSH, sentence-transformers community_detection and Drain3 (its default
   similarity threshold and two lower ones that group more);
b. topic assignment on MMLU questions (truth: meta.subject): the project's codebook
   vs BERTopic;
c. embedding: the static model vs MiniLM, throughput and recall@10 of neighbours;
d. with ``--day-rows N``: the daily job end to end on a real-length day of N rows, beside the
   raw static encode of that day's distinct prompts (``python tools/benchmark.py --day-rows 1000000``),
   with ``--day-engines local,ray`` also on a Ray started inside the job;
e. with d: each stage's seconds on each engine, its throughput per core, and its projection to a
   day of 10^8 rows on a cluster (the cost model).

Only the method is timed, never the embedding it is given. Without
../shared/data/prompts the demo vocabulary stands in (and the report says so).
Prints markdown tables; ``--out`` gets JSON (rows + markdown) or, for a .md
name, the markdown.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Run as `python tools/benchmark.py`, this file's folder leads sys.path and its own name would shadow
# the `benchmark` package it drives: take the folder out before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from embedder import EmbedderOptions, open_embedder  # noqa: E402
from benchmark.data import (MMLU, PROMPTSOURCE, PROMPTSOURCE_TEMPLATES, corpus_file, demo_templates, demo_topics,
                            read_labelled, template_text_labels)
from benchmark.end_to_end import PROJECT_NODES, PROJECT_ROWS, end_to_end_section
from benchmark.measure import measure
from benchmark.report import markdown_table
from benchmark.sections import embedding_section, grouping_section, topics_section
from files.atomic import atomic_path
from files.sections import write_section
from scoring.model import load_scoring_model

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "prompts"
PEERS = ("minhash", "community", "drain", "bertopic")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder of the prompt corpora")
    parser.add_argument("--n-prompts", type=int, default=3_000, help="prompts per section, 0 = all (default 3000)")
    parser.add_argument("--minilm-prompts", type=int, default=200,
                        help="prompts embedded with MiniLM (~47/s here), 0 = skip MiniLM (default 200)")
    parser.add_argument("--skip", default="", help=f"comma-separated peers to leave out: {', '.join(PEERS)}")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each grouping method this many times and keep its fastest run (default 1)")
    parser.add_argument("--day-rows", type=int, default=0,
                        help="rows of the real-length day that section d runs the daily job on, 0 = skip (default)")
    parser.add_argument("--day-engines", default="local",
                        help="engines section d runs the job with, comma-separated: local, ray (default local)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the results here: .md for markdown, anything else JSON")
    parser.add_argument("--readme", action="store_true",
                        help="also write the tables into README.md between its benchmark markers")
    args = parser.parse_args(argv)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.skip - set(PEERS):
        parser.error(f"--skip: unknown {sorted(args.skip - set(PEERS))}; choose from {', '.join(PEERS)}")
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    args.day_engines = tuple(e.strip() for e in args.day_engines.split(",") if e.strip())
    if not args.day_engines or set(args.day_engines) - {"local", "ray"} or args.day_engines[0] != "local":
        parser.error("--day-engines: local first, then optionally ray (e.g. local,ray)")
    if args.n_prompts < 0 or args.minilm_prompts < 0 or args.day_rows < 0:
        parser.error("--n-prompts, --minilm-prompts and --day-rows must be >= 0")
    return args


def run(args: argparse.Namespace) -> dict:
    """Run every section; returns {"data", "sections": {name: rows}, "markdown"}."""
    n = args.n_prompts or None
    static = open_embedder(EmbedderOptions(name="static"))
    notes = []
    templates_file, topics_file = corpus_file(args.data, PROMPTSOURCE), corpus_file(args.data, MMLU)
    text_labels, merged = None, {}
    if templates_file:
        templates = read_labelled(templates_file, "template_id", n=n, seed=args.seed)
        if listed := corpus_file(args.data, PROMPTSOURCE_TEMPLATES):
            text_labels, merged = template_text_labels(templates, listed)
    else:
        notes.append(f"{Path(args.data) / PROMPTSOURCE} not found: template grouping runs on the demo vocabulary")
        templates = demo_templates(n=n or 3_000, seed=args.seed)
    if topics_file:
        topics = read_labelled(topics_file, "subject", n=n, seed=args.seed)
    else:
        notes.append(f"{Path(args.data) / MMLU} not found: topics run on the demo day's ordinary users")
        topics = demo_topics(n=n or 3_000, seed=args.seed)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)

    embedded = measure(lambda: static.encode(templates.texts))
    sections = {"a. template grouping": grouping_section(templates, embedded.result, skip=args.skip,
                                                                repeat=args.repeat, text_labels=text_labels)}
    reference = load_scoring_model(None, encode=static.encode).reference
    sections["b. topic assignment"] = topics_section(topics, static.encode(topics.texts), static.encode,
                                                     reference=reference, skip=args.skip, seed=args.seed)
    minilm = open_embedder(EmbedderOptions(name="minilm")) if args.minilm_prompts else None
    size = min(len(templates.texts), args.minilm_prompts or 1_000)
    pick = np.sort(np.random.default_rng(args.seed).choice(len(templates.texts), size=size, replace=False))
    sample = [templates.texts[i] for i in pick]
    sections["c. embedding"] = embedding_section(sample, static, minilm,
                                                 static_full=(len(templates.texts), embedded))
    source = templates.source
    if text_labels is not None:
        source += (f"; text_purity and text_recovery count the {len(merged)} template ids whose text "
                   f"{PROMPTSOURCE_TEMPLATES} lists under another name as that one "
                   f"({', '.join(f'{a} = {b}' for a, b in list(merged.items())[:2])}, ...)")
    data = {"a. template grouping": source, "b. topic assignment": topics.source,
            "c. embedding": f"{len(sample):,} prompts drawn at random from section a"}
    if args.day_rows:
        with tempfile.TemporaryDirectory(prefix="benchmark-day-") as work:
            rows, day, stages = end_to_end_section(rows=args.day_rows, corpus=args.data, workdir=Path(work),
                                                   encode=static.encode, seed=args.seed, engines=args.day_engines)
        sections["d. the daily job end to end"], data["d. the daily job end to end"] = rows, day
        sections["e. stages and the cost model"] = stages
        data["e. stages and the cost model"] = (
            f"the stages of section d's runs ({os.cpu_count()} cores); the projection scales each local stage "
            f"to {PROJECT_ROWS:,} rows (the self-join as n^1.5, the rest linearly) and divides the stages "
            f"engine=ray runs on the cluster by {PROJECT_NODES} nodes of this size")
    return {"data": data, "notes": notes, "sections": sections, "markdown": render(data, notes, sections)}


def render(data: dict, notes: list[str], sections: dict, *, header: bool = True) -> str:
    """The report as markdown: one table per section, each headed by what it ran on (``header``: first
    a line naming the time and machine, which the README's copy leaves out)."""
    parts = [f"Benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.processor() or platform.machine()}, "
             f"Python {platform.python_version()}."] if header else []
    parts += [f"> {note}" for note in notes]
    for name, rows in sections.items():
        parts += [f"**{name}**" if not header else f"### {name}", f"Data: {data[name]}.", markdown_table(rows)]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables and write ``--out``; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    result = run(args)
    print(result["markdown"])
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            text = result["markdown"] if out.suffix.lower() == ".md" else json.dumps(result, indent=2, default=str)
            tmp.write_text(text, encoding="utf-8")
    if args.readme:
        write_section(REPO / "README.md", "benchmark",
                      render(result["data"], result["notes"], result["sections"], header=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
