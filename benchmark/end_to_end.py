"""Section d of ``tools/benchmark.py``: the daily job end to end beside the raw encode of its day.

The floor a user cares about is how far the job's wall time lies above the one thing it cannot
avoid, embedding each distinct prompt once. Both are measured here on the same real-length day
(``synthetic/scale``, ``--lengths real``): the job as a user runs it (``scripts/score.py`` in its
own process, model load and file writes included, its peak RSS read from the kernel), then the
static model's ``encode`` of the day's distinct prompts in this process, as they are.
"""

from __future__ import annotations

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


def end_to_end_section(*, rows: int, corpus: str | Path, workdir: Path, encode, seed: int = 0) -> tuple[list[dict], str]:
    """Rows for the job and the raw encode of the day's distinct prompts, and what the day was.

    Args:
        rows: the day's rows.
        corpus: prompt corpora that give the real lengths (a built-in length distribution where absent).
        workdir: where the day and the job's output folder are written.
        encode: the static model's encode (a list of texts to vectors).
        seed: the day's seed.
    """
    lengths = RealLengths(corpus, seed=seed)
    day = write_day(workdir / "day.parquet", rows, seed=seed, lengths=lengths)
    log = workdir / "job.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        job = subprocess.Popen([sys.executable, str(REPO / "scripts" / "score.py"), f"input.path={day}",
                                f"output.dir={workdir / 'out'}"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the largest of all children).
        _, status, usage = os.wait4(job.pid, 0)
        job_seconds = time.perf_counter() - start
    job.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip()[-500:]
        raise RuntimeError(f"scripts/score.py failed ({code}): {tail}")
    job_peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    prompts = pc.unique(pq.read_table(day, columns=["prompt"])["prompt"]).to_pylist()
    chars = sorted(len(p) for p in prompts)
    encoded = measure(lambda: encode(prompts))
    ratio = job_seconds / encoded.seconds if encoded.seconds > 0 else float("inf")
    job_row = {"method": "daily job: scripts/score.py on the day (own process, end to end)", "prompts": rows,
           "seconds": round(job_seconds, 2), "per_s": round(rows / job_seconds, 1), "peak_mb": round(job_peak_mb, 1),
           "x_raw_encode": round(ratio, 2), "note": "peak RSS of the job's whole process"}
    raw = {"method": "raw static encode of the day's distinct prompts (this process)", "prompts": rows,
           "seconds": round(encoded.seconds, 2), "per_s": round(rows / encoded.seconds, 1),
           "peak_mb": round(encoded.peak_mb, 1), "x_raw_encode": 1.0,
           "note": f"{len(prompts):,} distinct prompts, {len(prompts) / encoded.seconds:,.0f}/s"}
    source = (f"a synthetic day of {rows:,} rows at real lengths ({lengths.source}), {len(prompts):,} distinct "
              f"prompts of median {chars[len(chars) // 2]:,} characters; x_raw_encode is each row's wall time "
              f"over the raw encode's")
    return [job_row, raw], source
