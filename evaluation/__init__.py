"""Labelled evaluation: per-account detection metrics, and published baselines scored on the same accounts."""

from evaluation.baselines import BASELINE_COLUMNS, baseline_scores
from evaluation.metrics import auroc, detection_metrics, markdown_table, tpr_at_fpr

__all__ = ["BASELINE_COLUMNS", "auroc", "baseline_scores", "detection_metrics", "markdown_table", "tpr_at_fpr"]
