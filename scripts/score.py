"""Score one day of API traffic: python scripts/score.py input.path=<file> output.dir=<folder>.

With no arguments it scores the built-in demo day. Every option lives in conf/.
"""

import sys

import hydra
from omegaconf import DictConfig

from job.wiring import ConfigError, register_configs, run_from_config
from traffic.read import InputError

register_configs()


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    try:
        summary = run_from_config(cfg)
    except (InputError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"scored {summary['accounts_scored']:,} accounts from {summary['rows_read']:,} rows "
          f"({summary['rows_rejected']:,} rejected) in {summary['total_seconds']:.0f} s; "
          f"{summary['accounts_flagged']:,} flagged -> {cfg.output.dir}/accounts.csv")
    return float(summary["accounts_flagged"])


if __name__ == "__main__":
    main()
