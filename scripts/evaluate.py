"""Evaluate the detector on a labelled day: python scripts/evaluate.py [overrides].

Writes metrics.json, metrics.md and accounts.parquet to eval.out_dir and returns
eval.optimized_metric, so `-m hparams_search=score_optuna` can tune the score.
"""

import hydra
from omegaconf import DictConfig

from job.wiring import evaluate_from_config, register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="../conf", config_name="evaluate")
def main(cfg: DictConfig) -> float:
    metrics = evaluate_from_config(cfg)
    name = cfg.eval.optimized_metric
    if name not in metrics:
        raise KeyError(f"eval.optimized_metric={name!r} is not a metric; choose one of {sorted(metrics)}")
    print(f"{name} = {metrics[name]:.4f}  ({cfg.eval.out_dir}/metrics.md)")
    return float(metrics[name])


if __name__ == "__main__":
    main()
