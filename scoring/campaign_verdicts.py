"""Campaign verdicts: each campaign scored as one actor, and what its accounts inherit.

A campaign's pooled prompts get the same features as an account and the same
combiner: a fleet of 300 accounts of 20 prompts is judged as one 6,000-prompt sweep
though none of its accounts could be alone. Every member inherits its campaign's
score where that is higher than its own, and is flagged through a flagged campaign.

A campaign may be flagged only when both halves of the case hold: its members are as
interchangeable as one stream's accounts (``scoring.campaigns.max_exchange``), and its pool,
judged as one account, would be flagged (:func:`pool_flagged`). Interchangeable alone is a
crowd: students who draw their homework from one problem set are as interchangeable as a
fleet, and only what their pool shows as one account (one subject, no sweep) tells them apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.features import Features
from scoring.templating import TemplateGroups
from scoring.verdicts import Verdicts, evidence, feature_columns


@dataclass(frozen=True)
class CampaignEvidence:
    """How the members of each campaign are tied (arrays aligned with the campaigns).

    Attributes:
        n_accounts: members.
        member_subjects: median subjects a member alone touches.
        link_ratio: mean member link ratio (1 = chance).
        link_share: share of the members' link weight that stays inside.
        active_bins, n_bins: time-of-day bins with traffic, of how many.
        first_seen, last_seen: epoch seconds.
        exchange: mean member self-link excess (``scoring.campaigns.self_link_excess``; about log 2 for
            exchangeable members, far above for people who keep to their own prompts).
        timing_clumping, topic_clumping: median member clumping over the hours and the topic cells
            (about 1 for a random slice of the pool).
    """

    n_accounts: np.ndarray
    member_subjects: np.ndarray
    link_ratio: np.ndarray
    link_share: np.ndarray
    active_bins: np.ndarray
    n_bins: int
    first_seen: np.ndarray
    last_seen: np.ndarray
    exchange: np.ndarray
    timing_clumping: np.ndarray
    topic_clumping: np.ndarray


def campaign_names(campaign: np.ndarray, accounts: list[str], n_campaigns: int) -> list[str]:
    """A stable id per campaign: a hash of its sorted member account ids (same members, same id)."""
    members: list[list[str]] = [[] for _ in range(n_campaigns)]
    for code in np.flatnonzero(campaign >= 0):
        members[int(campaign[code])].append(accounts[code])
    return ["campaign-" + hashlib.blake2b("\n".join(sorted(m)).encode(), digest_size=5).hexdigest() for m in members]


def inherit(own_score: np.ndarray, own_flagged: np.ndarray, campaign_score: np.ndarray,
            campaign_flagged: np.ndarray, *, n_distinct: np.ndarray,
            min_prompts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accounts' verdicts after inheriting from their campaigns (all arrays per account).

    Args:
        own_score, own_flagged: each account's own verdict.
        campaign_score, campaign_flagged: its campaign's (0 and False when unlinked).
        n_distinct, min_prompts: an account with fewer distinct prompts is not flagged, alone
            or through its campaign: at a few prompts a light user whose questions resemble a
            fleet's cannot be told from one of its accounts. It still inherits the score and is
            listed with the flagged campaign (``campaign_flagged``).

    Returns:
        (score, flagged, through): the higher of the two scores; flagged on its own or
        through a flagged campaign; ``through`` marks accounts flagged only by their campaign.
    """
    own_flagged = np.asarray(own_flagged, dtype=bool)
    through = np.asarray(campaign_flagged, dtype=bool) & (np.asarray(n_distinct) >= min_prompts) & ~own_flagged
    return np.maximum(own_score, campaign_score), own_flagged | through, through


def pool_flagged(content: np.ndarray, *, account_threshold: float) -> np.ndarray:
    """Per campaign, whether its pool judged as one account reaches ``account_threshold``: ``content``
    (the account combiner's learned logit on the pooled features) at the threshold's logit or above."""
    threshold = float(np.clip(account_threshold, 1e-12, 1 - 1e-12))
    return np.asarray(content, dtype=np.float64) >= np.log(threshold / (1 - threshold))


def may_flag(content: np.ndarray, exchange: np.ndarray, *, account_threshold: float,
             max_exchange: float) -> np.ndarray:
    """Per campaign, whether its verdict may flag it: its members are as interchangeable as one stream's
    accounts (mean ``exchange`` under ``max_exchange``) and its pool reaches the account threshold
    (:func:`pool_flagged`)."""
    return (np.asarray(exchange, dtype=np.float64) < max_exchange) & pool_flagged(
        content, account_threshold=account_threshold)


def campaign_reason(features: Features, groups: TemplateGroups, verdicts: Verdicts, tie: CampaignEvidence, i: int,
                    *, n_domains: int, max_exchange: float, pool_flagged: bool) -> str:
    """One sentence explaining campaign ``i``'s score (``pool_flagged``: its pool, as one account, is
    flagged by the account threshold)."""
    head = "Flagged campaign" if verdicts.flagged[i] else "Linked accounts, not flagged"
    if not verdicts.flagged[i] and tie.exchange[i] >= max_exchange:
        head += f": its members differ from each other as separate people do (exchange {tie.exchange[i]:.2f})"
    elif not verdicts.flagged[i] and not pool_flagged:
        head += ": their pooled prompts, judged as one account, fall short of the account threshold"
    unit = "hours" if tie.n_bins == 24 else "time-of-day bins"
    return (f"{head} (score {verdicts.score[i]:.2f}). {int(tie.n_accounts[i]):,} accounts acting as one: "
            f"{evidence(features, groups, i, n_domains=n_domains)}, while a member alone touches "
            f"{tie.member_subjects[i]:.0f} subjects; members keep {tie.link_share[i]:.0%} of their prompt-neighbour "
            f"links among themselves ({tie.link_ratio[i]:.1f}× chance); active in {int(tie.active_bins[i])} of "
            f"{tie.n_bins} {unit}.")


def campaign_table(names: list[str], features: Features, groups: TemplateGroups, verdicts: Verdicts,
                   tie: CampaignEvidence, *, n_domains: int, max_exchange: float,
                   pool_flagged: np.ndarray) -> pd.DataFrame:
    """The ranked table written to ``campaigns.parquet``/``campaigns.csv`` (sorted by score, desc);
    ``pool_flagged``: per campaign, its pool as one account reaches the account threshold."""
    table = pd.DataFrame({
        "campaign_id": names,
        "n_accounts": tie.n_accounts.astype(np.int64),
        "n_prompts": features.n_prompts.astype(np.int64),
        "n_distinct": features.n_distinct.astype(np.int64),
        "score": np.round(verdicts.score, 4),
        "flagged": verdicts.flagged.astype(bool),
        "reason": [campaign_reason(features, groups, verdicts, tie, i, n_domains=n_domains, max_exchange=max_exchange,
                                   pool_flagged=bool(pool_flagged[i])) for i in range(len(names))],
        **feature_columns(features, groups),
        "member_subjects": np.round(tie.member_subjects, 1),
        "link_ratio": np.round(tie.link_ratio, 3),
        "link_share": np.round(tie.link_share, 4),
        "exchange": np.round(tie.exchange, 3),
        "timing_clumping": np.round(tie.timing_clumping, 2),
        "topic_clumping": np.round(tie.topic_clumping, 2),
        "first_seen": pd.to_datetime(tie.first_seen, unit="s", utc=True),
        "last_seen": pd.to_datetime(tie.last_seen, unit="s", utc=True),
    })
    table = table.sort_values(["score", "campaign_id"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def apply_campaigns(accounts: pd.DataFrame, membership: pd.Series, campaigns: pd.DataFrame, *,
                    min_prompts: int) -> pd.DataFrame:
    """The account table with campaign evidence joined in and inherited (re-ranked).

    Args:
        accounts: from :func:`scoring.verdicts.verdict_table`.
        membership: campaign id per account id (index), for linked accounts only.
        campaigns: from :func:`campaign_table`.
        min_prompts: distinct prompts a member needs to be flagged through its campaign (:func:`inherit`).

    Adds ``campaign_id`` ("" when unlinked), ``campaign_score`` and ``campaign_flagged``;
    ``score``, ``flagged`` and ``reason`` then tell what the account inherited.
    """
    out = accounts.copy()
    out["campaign_id"] = out["account_id"].map(membership).fillna("").astype(str)
    info = campaigns.set_index("campaign_id")
    linked = out["campaign_id"] != ""
    out["campaign_score"] = out["campaign_id"].map(info["score"]).where(linked, 0.0).astype(float)
    out["campaign_flagged"] = out["campaign_id"].map(info["flagged"]).where(linked, False).astype(bool)
    score, flagged, through = inherit(out["score"].to_numpy(float), out["flagged"].to_numpy(bool),
                                      out["campaign_score"].to_numpy(float), out["campaign_flagged"].to_numpy(bool),
                                      n_distinct=out["n_distinct"].to_numpy(), min_prompts=min_prompts)
    out["score"] = np.round(score, 4)
    out["flagged"] = flagged
    sizes = out["campaign_id"].map(info["n_accounts"]).fillna(0).astype(int)
    out["reason"] = [
        _member_reason(own, cid, int(size), flagged=bool(cf), through=bool(t), light=int(n) < min_prompts,
                       min_prompts=min_prompts)
        for own, cid, size, cf, t, n in zip(out["reason"], out["campaign_id"], sizes, out["campaign_flagged"],
                                           through, out["n_distinct"])
    ]
    out = out.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def _member_reason(own: str, campaign_id: str, size: int, *, flagged: bool, through: bool, light: bool,
                   min_prompts: int) -> str:
    if not campaign_id:
        return own
    if through:
        # The own reason opens with "Not flagged (score ...)."; the account's own evidence follows as context.
        return (f"Flagged through {campaign_id} ({size:,} accounts scored as one; see campaigns.csv)."
                f" On its own: {own.split('. ', 1)[-1]}")
    state = "flagged" if flagged else "not flagged"
    if flagged and light:
        state += f"; too few distinct prompts (under {min_prompts}) to be flagged through it"
    return f"{own} Member of {campaign_id} ({size:,} accounts, {state})."
