"""Section d of ``tools/benchmark.py``: the daily job end to end beside the raw encode of its day.

The floor a user cares about is how far the job's wall time lies above the one thing it cannot
avoid, embedding each distinct prompt once. Both are measured here on the same real-length day
(``synthetic/scale``, ``--lengths real``): the job as a user runs it (``scripts/score.py`` in its
own process, model load and file writes included, its peak RSS read from the kernel), then the
static model's ``encode`` of the day's distinct prompts in this process, as they are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmark.measure import measure
from synthetic.scale.day import write_day
from synthetic.scale.lengths import RealLengths

REPO = Path(__file__).resolve().parents[1]


# Where each stage of the job runs with engine=ray, and whether its data crosses the cluster.
STAGES = {"read_embed": ("cluster", "rows to the driver (digests), distinct prompts to the model actors"),
          "index": ("cluster", "query blocks to every shard, neighbour lists back"),
          "templates": ("driver", "none"), "topics": ("driver", "none"), "verdicts": ("driver", "none"),
          "campaigns": ("driver", "none"), "write": ("driver", "none"), "report": ("driver", "none")}
# How a stage's work grows with the day: the self-join scans nprobe of ~sqrt(n) lists per query (n^1.5).
GROWTH = {"index": 1.5}
PROJECT_ROWS, PROJECT_NODES = 100_000_000, 16


def end_to_end_section(*, rows: int, corpus: str | Path, workdir: Path, encode, seed: int = 0,
                       engines: tuple[str, ...] = ("local",)) -> tuple[list[dict], str, list[dict]]:
    """Rows for the job (once per engine) and the raw encode of the day's distinct prompts, what the
    day was, and the stages' cost model (:func:`cost_model`).

    Args:
        rows: the day's rows.
        corpus: prompt corpora that give the real lengths (a built-in length distribution where absent).
        workdir: where the day and the job's output folders are written.
        encode: the static model's encode (a list of texts to vectors).
        seed: the day's seed.
        engines: ``engine=`` values to run the job with (``ray`` starts a Ray inside the job).
    """
    lengths = RealLengths(corpus, seed=seed)
    day = write_day(workdir / "day.parquet", rows, seed=seed, lengths=lengths)
    jobs = {engine: _run_job(day, workdir / engine, engine=engine) for engine in engines}
    prompts = pc.unique(pq.read_table(day, columns=["prompt"])["prompt"]).to_pylist()
    chars = sorted(len(p) for p in prompts)
    encoded = measure(lambda: encode(prompts))
    rows_out = []
    for engine, (seconds, peak_mb, _) in jobs.items():
        ratio = seconds / encoded.seconds if encoded.seconds > 0 else float("inf")
        where = "own process" if engine == "local" else "a Ray started inside the job"
        rows_out.append({"method": f"daily job, engine={engine}: scripts/score.py on the day ({where}, end to end)",
                         "prompts": rows, "seconds": round(seconds, 2), "per_s": round(rows / seconds, 1),
                         "peak_mb": round(peak_mb, 1), "x_raw_encode": round(ratio, 2),
                         "note": "peak RSS of the job's own process" + ("" if engine == "local" else
                                                                        " (Ray's workers not counted)")})
    rows_out.append({"method": "raw static encode of the day's distinct prompts (this process)", "prompts": rows,
                     "seconds": round(encoded.seconds, 2), "per_s": round(rows / encoded.seconds, 1),
                     "peak_mb": round(encoded.peak_mb, 1), "x_raw_encode": 1.0,
                     "note": f"{len(prompts):,} distinct prompts, {len(prompts) / encoded.seconds:,.0f}/s"})
    source = (f"a synthetic day of {rows:,} rows at real lengths ({lengths.source}), {len(prompts):,} distinct "
              f"prompts of median {chars[len(chars) // 2]:,} characters; x_raw_encode is each row's wall time "
              f"over the raw encode's")
    stages = {engine: summary["stage_seconds"] for engine, (_, _, summary) in jobs.items()}
    return rows_out, source, cost_model(stages, rows=rows, cores=os.cpu_count() or 1)


def cost_model(stages: dict[str, dict[str, float]], *, rows: int, cores: int) -> list[dict]:
    """Per stage: where it runs with engine=ray, what crosses the cluster, its seconds on each engine,
    its throughput per core here, and its projected seconds on a day of ``PROJECT_ROWS`` rows over
    ``PROJECT_NODES`` nodes of this machine's size.

    The projection scales the local seconds by the day's size (``GROWTH``: the self-join grows as
    n^1.5, the rest linearly) and divides the cluster stages by the nodes; the driver stages stay on
    one machine. It assumes the same share of distinct prompts and no network cost.
    """
    local = stages.get("local", {})
    projected_key = f"projected s, {PROJECT_ROWS:.0e} rows on {PROJECT_NODES} nodes"
    out = []
    for stage, (runs_on, crosses) in STAGES.items():
        if stage not in local:
            continue
        grown = local[stage] * (PROJECT_ROWS / rows) ** GROWTH.get(stage, 1.0)
        projected = grown / PROJECT_NODES if runs_on == "cluster" else grown
        row = {"stage": stage, "engine=ray runs it on": runs_on, "crosses the cluster": crosses,
               "seconds, local": round(local[stage], 1)}
        for engine, seconds in stages.items():
            if engine != "local":
                row[f"seconds, {engine}"] = round(seconds.get(stage, float("nan")), 1)
        row["rows/s per core, local"] = int(round(rows / max(local[stage], 1e-9) / cores))
        row[projected_key] = int(round(projected))
        out.append(row)
    if out:
        total = {"stage": "all stages", "engine=ray runs it on": "", "crosses the cluster": ""}
        for key in out[0]:
            if key.startswith("seconds") or key == projected_key:
                total[key] = round(sum(row[key] for row in out), 1) if key != projected_key else \
                    sum(row[key] for row in out)
        total["rows/s per core, local"] = int(round(rows / max(total["seconds, local"], 1e-9) / cores))
        out.append(total)
    return out


def _run_job(day: Path, out_dir: Path, *, engine: str) -> tuple[float, float, dict]:
    """The job's wall seconds, its own peak RSS (MB) and its summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "job.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        job = subprocess.Popen([sys.executable, str(REPO / "scripts" / "score.py"), f"input.path={day}",
                                f"output.dir={out_dir / 'out'}", f"engine={engine}"], cwd=REPO, stdout=out,
                               stderr=subprocess.STDOUT)
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the largest of all children).
        _, status, usage = os.wait4(job.pid, 0)
        seconds = time.perf_counter() - start
    job.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip()[-500:]
        raise RuntimeError(f"scripts/score.py engine={engine} failed ({code}): {tail}")
    summary = json.loads((out_dir / "out" / "summary.json").read_text(encoding="utf-8"))
    return seconds, usage.ru_maxrss / 1024, summary  # ru_maxrss is KiB on Linux
