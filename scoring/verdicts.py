"""Verdicts: one score per account from coverage and templating, and the reason for it.

``score = coverage · (w + (1 − w) · templating)`` in [0, 1], with ``w`` the
``coverage_weight``. Coverage already carries the volume evidence (a small
account's diversity is shrunk towards the typical one: three prompts prove
nothing, three hundred do).

The product makes breadth necessary: an enterprise customer sending one
template over one narrow domain (templating 1, coverage 0) scores 0, and so does
a student whose homework stays in one subject. Breadth alone reaches at most
``w`` (a self-instruct generator that sweeps every topic without a fixed
template); broad *and* templated reaches 1, the strongest evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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
    popular_share: np.ndarray
    first_seen: np.ndarray
    last_seen: np.ndarray


def combine(coverage: np.ndarray, templating: np.ndarray, *, coverage_weight: float) -> np.ndarray:
    """The combined score in [0, 1] (see the module docstring)."""
    return coverage * (coverage_weight + (1.0 - coverage_weight) * templating)


def reason(s: AccountSignals, i: int, *, n_cells: int, flagged: bool) -> str:
    """One human sentence explaining account ``i``'s score."""
    n, d = int(s.n_prompts[i]), int(s.n_distinct[i])
    volume = f"{n:,} prompts" + (f" ({d:,} distinct)" if d != n else "")
    k = int(s.n_templates[i])
    templates = f" from {k} template{'s' if k != 1 else ''}" if k else ""
    spread = (
        f" spanning {int(s.cells[i])} of {n_cells} topic cells; typical for this volume: {s.typical_cells[i]:.0f}"
        f" (topic diversity {s.diversity[i]:.0f}; typical account {s.typical_diversity:.0f}, whole day {s.day_diversity:.0f})"
    )
    text = volume + templates + spread
    if k:
        text += f"; {s.top_share[i]:.0%} fit `{s.top_template[i]}`"
    if s.popular_share[i] >= 0.5:
        text += f"; {s.popular_share[i]:.0%} are prompts many accounts send"
    verdict = "Flagged: broad" if flagged else "Not flagged"
    if flagged:
        verdict += " and templated" if s.templating[i] >= 0.5 else " topic sweep"
    return f"{verdict}. {text}."


def verdict_table(s: AccountSignals, *, n_cells: int, coverage_weight: float, threshold: float, min_prompts: int) -> pd.DataFrame:
    """The ranked per-account table written to ``accounts.parquet``/``accounts.csv``.

    Columns: ``account_id, n_prompts, n_distinct, coverage, templating, score,
    flagged, reason`` and the evidence behind them; sorted by score (desc), ties by
    account id. ``flagged`` needs ``score >= threshold`` and at least
    ``min_prompts`` distinct prompts.
    """
    score = combine(s.coverage, s.templating, coverage_weight=coverage_weight)
    flagged = (score >= threshold) & (s.n_distinct >= min_prompts)
    table = pd.DataFrame(
        {
            "account_id": s.account_id,
            "n_prompts": s.n_prompts.astype(np.int64),
            "n_distinct": s.n_distinct.astype(np.int64),
            "coverage": np.round(s.coverage, 4),
            "templating": np.round(s.templating, 4),
            "score": np.round(score, 4),
            "flagged": flagged,
            "reason": [reason(s, i, n_cells=n_cells, flagged=bool(flagged[i])) for i in range(len(score))],
            "topic_cells": s.cells.astype(np.int64),
            "topic_diversity": np.round(s.diversity, 2),
            "typical_cells": np.round(s.typical_cells, 2),
            "n_templates": s.n_templates.astype(np.int64),
            "top_template": s.top_template,
            "top_template_share": np.round(s.top_share, 4),
            "top_templates": [" | ".join(f"{t} ({share:.0%})" for t, share in tops) for tops in s.top_templates],
            "popular_share": np.round(s.popular_share, 4),
            "first_seen": pd.to_datetime(s.first_seen, unit="s", utc=True),
            "last_seen": pd.to_datetime(s.last_seen, unit="s", utc=True),
        }
    )
    table = table.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)
