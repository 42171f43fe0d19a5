"""Evaluate the detector on labelled days: python scripts/evaluate.py [overrides].

By default it runs the leave-one-out suite (conf/suite/): labelled tuning and reporting days
simulated from the prompt corpora, every strategy, fleet shape and corpus judged by a
combiner fitted without it, and the stability checks; it writes suite.json and suite.md
to eval.out_dir (eval.readme=true also writes the worst-case table into README.md).
eval.mode=day scores one labelled day beside the baselines (metrics.json, metrics.md),
which is what `-m hparams_search=score_optuna` sweeps. Returns eval.optimized_metric.
"""

import sys

import hydra
from omegaconf import DictConfig

from job.wiring import evaluate_from_config, register_configs, user_errors

register_configs()


@hydra.main(version_base="1.3", config_path="../conf", config_name="evaluate")
def main(cfg: DictConfig) -> float:
    try:
        metrics = evaluate_from_config(cfg)
    except user_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    name = cfg.eval.optimized_metric
    if name not in metrics:
        print(f"error: eval.optimized_metric={name!r} is not a metric of eval.mode={cfg.eval.mode}; "
              f"choose one of {', '.join(sorted(metrics))}", file=sys.stderr)
        sys.exit(2)
    print(f"{name} = {metrics[name]:.4f}  ({cfg.eval.out_dir})")
    return float(metrics[name])


if __name__ == "__main__":
    main()
