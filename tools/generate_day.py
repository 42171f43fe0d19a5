"""Write a synthetic day of API traffic of any size, for the performance work.

    python tools/generate_day.py --rows 1000000 --out day.parquet --seed 0
    python tools/generate_day.py --rows 1000000 --out real.parquet --lengths real
    python scripts/score.py input.path=day.parquet output.dir=out

``--lengths real`` gives every prompt a real length (synthetic/scale/lengths.py): a real prompt
from ``--corpus`` leads each text where the corpora are present, a log-normal of real lengths
pads it otherwise.

The day streams to Parquet one row group at a time (see synthetic/scale/day.py), so
memory stays bounded whatever ``--rows`` is; the file appears, complete, only at
the end. Columns: account_id, timestamp (UTC), prompt.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from synthetic.scale.day import write_day
from synthetic.scale.lengths import RealLengths


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the day, print one line of figures; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of prompts (rows), >= 100")
    parser.add_argument("--out", required=True, help="the Parquet file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--batch-rows", type=int, default=250_000, help="average rows per row group (default 250,000)")
    parser.add_argument("--harvesters", type=int, default=5, help="planted harvesters (default 5)")
    parser.add_argument("--day", default="2026-11-27", help="UTC date of the traffic, YYYY-MM-DD")
    parser.add_argument("--lengths", choices=("synthetic", "real"), default="synthetic",
                        help="prompt lengths: the generator's own (short) or real ones (default synthetic)")
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"),
                        help="prompt corpora for --lengths real (default ../shared/data/prompts)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    lengths = RealLengths(args.corpus, seed=args.seed) if args.lengths == "real" else None
    try:
        path = write_day(args.out, args.rows, seed=args.seed, batch_rows=args.batch_rows, day=args.day,
                         n_harvesters=args.harvesters, lengths=lengths)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wrote {args.rows:,} rows to {path} in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s), "
          f"peak RSS {peak_mb:,.0f} MB" + (f"; lengths from {lengths.source}" if lengths else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
