"""Topic coverage: how broadly and evenly an account spreads over the topic cells.

A person returns to a few interests; a generator pipeline sweeps every subject
evenly. The measure is the account's *topic diversity*: the effective number of
cells ``D = 1 / λ`` where ``λ = Σ p_c²`` is the chance that two of its prompts
land in the same cell (a Hill number of order 2: it counts reach and evenness
together). ``λ`` is estimated without bias at any volume by the share of
same-cell *pairs* among the account's ``n`` distinct prompts, ``Σ c(c−1) / n(n−1)``;
raw counts of cells touched, by contrast, depend on volume (three prompts touch
three cells).

Small accounts carry little evidence, so an account is credited with the
diversity it shows *beyond reasonable doubt*: ``λ`` is replaced by an upper
confidence bound, ``λ̂ + z·σ``, where ``σ = sqrt(2·λ₀(1−λ₀)) / n`` is the
sampling spread of ``λ̂`` for an account of volume ``n`` drawing from the typical
account's distribution (``λ₀``). Three prompts in three cells prove nothing;
three hundred spread evenly do.

Coverage places that diversity on a log scale between two references of the
same day: the typical account (median ``λ̂`` over accounts with at least
``min_volume`` distinct prompts; most accounts are ordinary, so the median
follows them) and the whole day's traffic pooled (a perfectly topic-agnostic
sweep): 0 is ordinary breadth or less, 1 is as broad as the day itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.nodes import Nodes
from scoring.options import CoverageOptions


@dataclass(frozen=True)
class CellProfile:
    """Per-account spread over topic cells (arrays indexed by account code)."""

    n_distinct: np.ndarray  # distinct prompts
    cells: np.ndarray  # distinct cells touched
    same_cell_pairs: np.ndarray  # ordered pairs of distinct prompts in one cell: Σ c(c−1)


@dataclass(frozen=True)
class Coverage:
    """Coverage of every account and the references it was measured against."""

    coverage: np.ndarray  # per account, 0..1
    diversity: np.ndarray  # per account: effective number of cells, lower confidence bound
    typical_cells: np.ndarray  # per account: cells a typical account of its volume touches
    typical_diversity: float  # effective cells of the typical account
    day_diversity: float  # effective cells of the day's pooled traffic


def cell_profiles(nodes: Nodes, node_cell: np.ndarray, *, n_cells: int) -> CellProfile:
    """Spread of each account's distinct prompts over cells.

    Args:
        nodes: the distinct (account, prompt) pairs.
        node_cell: topic cell of each node's prompt.
        n_cells: number of cells.
    """
    n_accounts = nodes.n_accounts
    key = nodes.account.astype(np.int64) * n_cells + node_cell
    pairs, counts = np.unique(key, return_counts=True)
    owner = pairs // n_cells
    counts = counts.astype(np.float64)
    return CellProfile(
        n_distinct=np.bincount(owner, weights=counts, minlength=n_accounts).astype(np.int64),
        cells=np.bincount(owner, minlength=n_accounts).astype(np.int64),
        same_cell_pairs=np.bincount(owner, weights=counts * (counts - 1), minlength=n_accounts),
    )


def coverage_scores(profile: CellProfile, *, cell_weights: np.ndarray, options: CoverageOptions,
                    reference: np.ndarray | None = None) -> Coverage:
    """Coverage in [0, 1] of every account (see the module docstring).

    Args:
        profile: from :func:`cell_profiles`.
        cell_weights: distinct prompts of the day in each cell.
        options: ``z`` standard errors of doubt an account's diversity must clear; accounts with
            fewer than ``min_volume`` distinct prompts do not set the typical reference; ``softness``
            0 clips the log-scale position to [0, 1], above 0 a logistic of that width, centred
            half-way, keeps accounts below typical ranked instead of tied at 0.
        reference: rows allowed to set the typical reference (default all); campaigns are
            scored beside the accounts but measured against the typical *account*.
    """
    z, min_volume, softness = options.z, options.min_volume, options.softness
    p = np.asarray(cell_weights, dtype=float)
    day_concentration = float(np.sum((p / p.sum()) ** 2))
    n = profile.n_distinct.astype(float)
    pairs = n * (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(pairs > 0, profile.same_cell_pairs / np.maximum(pairs, 1), 1.0)
    allowed = np.ones(len(n), dtype=bool) if reference is None else np.asarray(reference, dtype=bool)
    reference = own[allowed & (n >= min_volume)]
    if len(reference) < 5:  # too few sizeable accounts: fall back to every account with a pair
        reference = own[allowed & (n >= 2)]
    typical = float(np.median(reference)) if len(reference) else day_concentration
    # Nobody is typically more diverse than the pooled day; this also keeps the log finite.
    typical = max(typical, day_concentration)
    spread = np.sqrt(2.0 * typical * (1.0 - typical)) / np.maximum(n, 1)
    bound = np.clip(own + z * spread, day_concentration * 1e-3, 1.0)
    diversity = 1.0 / bound
    typical_d, day_d = 1.0 / typical, 1.0 / day_concentration
    span = np.log(day_d / typical_d)
    position = np.log(diversity / typical_d) / span if span > 1e-9 else np.full_like(diversity, -np.inf)
    if softness > 0:
        # Far below typical the exponent overflows to inf and the share is exactly 0, as meant.
        with np.errstate(over="ignore"):
            cov = 1.0 / (1.0 + np.exp(-(position - 0.5) / softness))
    else:
        cov = np.clip(position, 0.0, 1.0)
    typical_cells = typical_d * (1.0 - (1.0 - 1.0 / typical_d) ** n)
    return Coverage(
        coverage=cov, diversity=diversity, typical_cells=typical_cells,
        typical_diversity=typical_d, day_diversity=day_d,
    )
