"""Campaign verdicts: each campaign scored as one actor, and what its accounts inherit.

A campaign's pooled prompts get the same coverage and templating as an account
and the same score, ``coverage · (w + (1 − w) · templating)``. It is flagged at
its own threshold (``scoring.campaign_threshold``): the accounts have already
shown coordination, so their pool need only be clearly broader than a typical
account, where a lone account must be as broad as a harvester. Every member inherits its campaign's
score where that is higher than its own, and is flagged through a flagged
campaign: a fleet of 300 accounts of 20 prompts is caught as one 6,000-prompt
sweep though none of its accounts could be alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.options import ScoringOptions
from scoring.verdicts import account_score, render_templates


@dataclass(frozen=True)
class CampaignSignals:
    """Per-campaign inputs of the verdict, arrays aligned with ``campaign_id``."""

    campaign_id: list[str]
    n_accounts: np.ndarray
    n_prompts: np.ndarray
    n_distinct: np.ndarray
    coverage: np.ndarray
    templating: np.ndarray
    cells: np.ndarray
    member_cells: np.ndarray  # median topic cells of one member: each holds a slice of the sweep
    link_ratio: np.ndarray
    link_share: np.ndarray
    active_bins: np.ndarray  # time-of-day bins with traffic (of ``n_bins``)
    n_bins: int
    top_templates: list[list[tuple[str, float]]]
    effective_templates: np.ndarray
    first_seen: np.ndarray
    last_seen: np.ndarray

    @classmethod
    def empty(cls, *, n_bins: int) -> CampaignSignals:
        """The signals of a day without campaigns."""
        none = np.zeros(0)
        return cls([], none, none, none, none, none, none, none, none, none, none, n_bins, [], none, none, none)


def campaign_names(campaign: np.ndarray, accounts: list[str], n_campaigns: int) -> list[str]:
    """A stable id per campaign: a hash of its sorted member account ids (same members, same id)."""
    members: list[list[str]] = [[] for _ in range(n_campaigns)]
    for code in np.flatnonzero(campaign >= 0):
        members[int(campaign[code])].append(accounts[code])
    return ["campaign-" + hashlib.blake2b("\n".join(sorted(m)).encode(), digest_size=5).hexdigest() for m in members]


def inherit(own_score: np.ndarray, own_flagged: np.ndarray, campaign_score: np.ndarray,
            campaign_flagged: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accounts' verdicts after inheriting from their campaigns (all arrays per account).

    Args:
        own_score, own_flagged: each account's own verdict.
        campaign_score, campaign_flagged: its campaign's (0 and False when unlinked).

    Returns:
        (score, flagged, through): the higher of the two scores; flagged on its own or
        through a flagged campaign; ``through`` marks accounts flagged only by their campaign.
    """
    own_flagged = np.asarray(own_flagged, dtype=bool)
    campaign_flagged = np.asarray(campaign_flagged, dtype=bool)
    return (np.maximum(own_score, campaign_score), own_flagged | campaign_flagged,
            campaign_flagged & ~own_flagged)


def campaign_reason(s: CampaignSignals, i: int, *, n_cells: int, flagged: bool) -> str:
    """One human sentence explaining campaign ``i``'s score."""
    n, d = int(s.n_prompts[i]), int(s.n_distinct[i])
    volume = f"{int(s.n_accounts[i]):,} accounts acting as one: {n:,} prompts"
    volume += f" ({d:,} distinct)" if d != n else ""
    spread = (f" spanning {int(s.cells[i])} of {n_cells} topic cells, while a member alone touches"
              f" {s.member_cells[i]:.0f}")
    links = (f"; members keep {s.link_share[i]:.0%} of their prompt-neighbour links among themselves"
             f" ({s.link_ratio[i]:.1f}× chance)")
    unit = "hours" if s.n_bins == 24 else "time-of-day bins"
    timing = f"; active in {int(s.active_bins[i])} of {s.n_bins} {unit}"
    text = volume + spread + links + timing
    if s.top_templates[i]:
        template, share = s.top_templates[i][0]
        text += f"; {share:.0%} fit `{template}`"
    verdict = "Flagged campaign" if flagged else "Linked accounts, not flagged"
    return f"{verdict}. {text}."


def campaign_table(s: CampaignSignals, *, n_cells: int, options: ScoringOptions) -> pd.DataFrame:
    """The ranked table written to ``campaigns.parquet``/``campaigns.csv`` (sorted by score, desc).

    Columns: ``campaign_id, n_accounts, n_prompts, coverage, templating, score,
    flagged, top_templates, first_seen, last_seen, reason`` and the evidence
    behind them. ``flagged`` needs ``score >= options.campaign_threshold`` and
    ``options.min_prompts`` distinct pooled prompts, as for an account.
    """
    score = account_score(s.coverage, s.templating, s.effective_templates, options=options)
    flagged = (score >= options.campaign_threshold) & (s.n_distinct >= options.min_prompts)
    table = pd.DataFrame(
        {
            "campaign_id": s.campaign_id,
            "n_accounts": s.n_accounts.astype(np.int64),
            "n_prompts": s.n_prompts.astype(np.int64),
            "coverage": np.round(s.coverage, 4),
            "templating": np.round(s.templating, 4),
            "score": np.round(score, 4),
            "flagged": flagged.astype(bool),
            "top_templates": [render_templates(tops) for tops in s.top_templates],
            "first_seen": pd.to_datetime(s.first_seen, unit="s", utc=True),
            "last_seen": pd.to_datetime(s.last_seen, unit="s", utc=True),
            "reason": [campaign_reason(s, i, n_cells=n_cells, flagged=bool(flagged[i])) for i in range(len(score))],
            "n_distinct": s.n_distinct.astype(np.int64),
            "topic_cells": s.cells.astype(np.int64),
            "member_topic_cells": np.round(s.member_cells, 1),
            "link_ratio": np.round(s.link_ratio, 3),
            "link_share": np.round(s.link_share, 4),
            "effective_templates": np.round(s.effective_templates, 2),
        }
    )
    table = table.sort_values(["score", "campaign_id"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def apply_campaigns(accounts: pd.DataFrame, membership: pd.Series, campaigns: pd.DataFrame) -> pd.DataFrame:
    """The account table with campaign evidence joined in and inherited (re-ranked).

    Args:
        accounts: from :func:`scoring.verdicts.verdict_table`.
        membership: campaign id per account id (index), for linked accounts only.
        campaigns: from :func:`campaign_table`.

    Adds ``campaign_id`` ("" when unlinked) and the campaign's pooled signals
    (``campaign_score``, ``campaign_coverage``, ``campaign_templating``,
    ``campaign_n_distinct``, ``campaign_flagged``); ``score``, ``flagged`` and
    ``reason`` then tell what the account inherited.
    """
    out = accounts.copy()
    out["campaign_id"] = out["account_id"].map(membership).fillna("").astype(str)
    info = campaigns.set_index("campaign_id")
    linked = out["campaign_id"] != ""
    pick = lambda col, fill: out["campaign_id"].map(info[col]).where(linked, fill)  # noqa: E731
    out["campaign_score"] = pick("score", 0.0).astype(float)
    out["campaign_coverage"] = pick("coverage", 0.0).astype(float)
    out["campaign_templating"] = pick("templating", 0.0).astype(float)
    out["campaign_n_distinct"] = pick("n_distinct", 0).astype(np.int64)
    out["campaign_effective_templates"] = pick("effective_templates", 0.0).astype(float)
    out["campaign_flagged"] = pick("flagged", False).astype(bool)
    score, flagged, through = inherit(out["score"].to_numpy(float), out["flagged"].to_numpy(bool),
                                      out["campaign_score"].to_numpy(float), out["campaign_flagged"].to_numpy(bool))
    out["score"] = np.round(score, 4)
    out["flagged"] = flagged
    sizes = out["campaign_id"].map(info["n_accounts"]).fillna(0).astype(int)
    out["reason"] = [
        _member_reason(own, cid, int(size), flagged=bool(cf), through=bool(t))
        for own, cid, size, cf, t in zip(out["reason"], out["campaign_id"], sizes, out["campaign_flagged"], through)
    ]
    out = out.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def _member_reason(own: str, campaign_id: str, size: int, *, flagged: bool, through: bool) -> str:
    if not campaign_id:
        return own
    if through:
        # The own reason opens with "Not flagged."; the account's own evidence follows as context.
        return (f"Flagged through {campaign_id} ({size:,} accounts scored as one; see campaigns.csv)."
                f" On its own: {own.split('. ', 1)[-1]}")
    state = "flagged" if flagged else "not flagged"
    return f"{own} Member of {campaign_id} ({size:,} accounts, {state})."
