"""Score one day of API traffic: python scripts/score.py input.path=<file> output.dir=<folder>.

With no arguments it scores the built-in demo day. Every option lives in conf/.
"""

import time

STARTED = time.time()  # before the heavy imports: the wall time a user waits

import sys  # noqa: E402

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from job.wiring import register_configs, run_from_config, user_errors  # noqa: E402

register_configs()


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    try:
        summary = run_from_config(cfg, started=STARTED)
    except user_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"interrupted: {cfg.output.dir} keeps the results it held before this run", file=sys.stderr)
        sys.exit(130)
    print(f"scored {summary['accounts_scored']:,} accounts from {summary['rows_read']:,} rows "
          f"({summary['rows_rejected']:,} rejected) in {_duration(summary['total_seconds'])}; "
          f"{summary['accounts_flagged']:,} flagged -> {cfg.output.dir}/accounts.csv")
    return float(summary["accounts_flagged"])


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # before the job started (composing the config, importing)
        print("interrupted", file=sys.stderr)
        sys.exit(130)
