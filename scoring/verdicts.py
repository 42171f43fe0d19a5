"""Verdicts: one score per account from coverage and templating, and the reason for it.

A harvester sweeps either the topics or the tasks, so the score is the stronger of two:

- **topic sweep**: ``coverage · (w + (1 − w) · templating)`` with ``w`` the
  ``coverage_weight``. Coverage already carries the volume evidence (a small
  account's diversity is shrunk towards the typical one: three prompts prove
  nothing, three hundred do). The product makes breadth necessary: an
  enterprise customer sending one template over one narrow domain (templating 1,
  coverage 0) scores 0, and so does a student whose homework stays in one
  subject. Breadth alone reaches at most ``w`` (a self-instruct generator that
  sweeps every topic without a fixed template); broad *and* templated reaches 1.
- **task sweep**: ``templating · clip(ln(T / T₀) / ln(T_ref / T₀), 0, 1)`` with ``T`` the
  effective number of templates the account refills (``(Σ size)² / Σ size²`` over
  templates refilled at least ``sweep_min_fills`` times: a person's pet phrasings
  recur a few times, a sweep's templates dozens) and ``T_ref`` the
  ``sweep_templates`` at which breadth over tasks is complete. ``T₀`` (``base_templates``,
  2) is what an ordinary account may keep: a student's two homework formats, a
  pipeline's one, count for nothing.
  A FLAN/T0-style harvester fills a dozen task templates from NLP datasets whose
  content is narrow.

Both are in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.options import ScoringOptions


@dataclass(frozen=True)
class AccountSignals:
    """Per-account inputs of the verdict, arrays aligned with ``account_id``."""

    account_id: list[str]
    n_prompts: np.ndarray
    n_distinct: np.ndarray
    cells: np.ndarray
    diversity: np.ndarray
    typical_cells: np.ndarray
    typical_diversity: float
    day_diversity: float
    coverage: np.ndarray
    templating: np.ndarray
    n_templates: np.ndarray
    top_share: np.ndarray
    top_template: list[str]
    top_templates: list[list[tuple[str, float]]]
    effective_templates: np.ndarray
    popular_share: np.ndarray
    first_seen: np.ndarray
    last_seen: np.ndarray


def combine(coverage: np.ndarray, templating: np.ndarray, *, coverage_weight: float) -> np.ndarray:
    """The topic-sweep score in [0, 1] (see the module docstring)."""
    return coverage * (coverage_weight + (1.0 - coverage_weight) * templating)


def render_templates(tops: list[tuple[str, float]]) -> str:
    """The ``top_templates`` column: skeletons with their shares, ``" | "``-separated."""
    return " | ".join(f"{template} ({share:.0%})" for template, share in tops)


def task_breadth(templating: np.ndarray, effective_templates: np.ndarray, *, options: ScoringOptions) -> np.ndarray:
    """The task-sweep score in [0, 1] (see the module docstring)."""
    sweep_templates, base_templates = options.sweep_templates, options.base_templates
    t = np.maximum(np.asarray(effective_templates, dtype=np.float64), base_templates)
    position = np.log(t / base_templates) / np.log(sweep_templates / base_templates)
    return np.asarray(templating, dtype=np.float64) * np.minimum(1.0, position)


def account_score(coverage: np.ndarray, templating: np.ndarray, effective_templates: np.ndarray, *,
                  options: ScoringOptions) -> np.ndarray:
    """The score in [0, 1]: the stronger of the topic-sweep and task-sweep scores."""
    return np.maximum(combine(coverage, templating, coverage_weight=options.coverage_weight),
                      task_breadth(templating, effective_templates, options=options))


def reason(s: AccountSignals, i: int, *, n_cells: int, flagged: bool, task_route: bool = False) -> str:
    """One human sentence explaining account ``i``'s score."""
    n, d = int(s.n_prompts[i]), int(s.n_distinct[i])
    volume = f"{n:,} prompts" + (f" ({d:,} distinct)" if d != n else "")
    k = int(s.n_templates[i])
    templates = f" from {k} template{'s' if k != 1 else ''}" if k else ""
    spread = (
        f" spanning {int(s.cells[i])} of {n_cells} topic cells; typical for this volume: {s.typical_cells[i]:.0f}"
        f" (topic diversity {s.diversity[i]:.0f}; typical account {s.typical_diversity:.0f}, whole day {s.day_diversity:.0f})"
    )
    if k > 1:
        templates += f" (≈{s.effective_templates[i]:.1f} used evenly)"
    text = volume + templates + spread
    if k:
        text += f"; {s.top_share[i]:.0%} fit `{s.top_template[i]}`"
    if s.popular_share[i] >= 0.5:
        text += f"; {s.popular_share[i]:.0%} are prompts many accounts send"
    verdict = "Flagged: broad" if flagged else "Not flagged"
    if flagged and task_route:
        verdict = "Flagged: task sweep (many templates, each refilled)"
    elif flagged:
        verdict += " and templated" if s.templating[i] >= 0.5 else " topic sweep"
    return f"{verdict}. {text}."


def verdict_table(s: AccountSignals, *, n_cells: int, options: ScoringOptions) -> pd.DataFrame:
    """The ranked per-account table written to ``accounts.parquet``/``accounts.csv``.

    Columns: ``account_id, n_prompts, n_distinct, coverage, templating, score,
    flagged, reason`` and the evidence behind them; sorted by score (desc), ties by
    account id. ``flagged`` needs ``score >= options.threshold`` and at least
    ``options.min_prompts`` distinct prompts.
    """
    topic = combine(s.coverage, s.templating, coverage_weight=options.coverage_weight)
    task = task_breadth(s.templating, s.effective_templates, options=options)
    score = np.maximum(topic, task)
    flagged = (score >= options.threshold) & (s.n_distinct >= options.min_prompts)
    table = pd.DataFrame(
        {
            "account_id": s.account_id,
            "n_prompts": s.n_prompts.astype(np.int64),
            "n_distinct": s.n_distinct.astype(np.int64),
            "coverage": np.round(s.coverage, 4),
            "templating": np.round(s.templating, 4),
            "score": np.round(score, 4),
            "flagged": flagged,
            "reason": [reason(s, i, n_cells=n_cells, flagged=bool(flagged[i]), task_route=bool(task[i] > topic[i]))
                       for i in range(len(score))],
            "topic_cells": s.cells.astype(np.int64),
            "topic_diversity": np.round(s.diversity, 2),
            "typical_cells": np.round(s.typical_cells, 2),
            "n_templates": s.n_templates.astype(np.int64),
            "top_template": s.top_template,
            "top_template_share": np.round(s.top_share, 4),
            "top_templates": [render_templates(tops) for tops in s.top_templates],
            "effective_templates": np.round(s.effective_templates, 2),
            "task_breadth": np.round(task, 4),
            "popular_share": np.round(s.popular_share, 4),
            "first_seen": pd.to_datetime(s.first_seen, unit="s", utc=True),
            "last_seen": pd.to_datetime(s.last_seen, unit="s", utc=True),
        }
    )
    table = table.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)
