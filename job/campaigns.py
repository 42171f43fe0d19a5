"""The campaign stage: link accounts, group them, score each group as one actor.

Builds on what the account stages already computed (the day's neighbour lists,
prompt reach, topic cells): linking costs one sparse product and Leiden, and each
campaign's pooled prompts go through the same templating, features and combiner as
an account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from index.options import IndexOptions
from job.ingest import Day
from job.topic_cells import TopicVectors
from scoring.campaign_verdicts import CampaignEvidence, campaign_names, campaign_table
from scoring.campaigns import (Campaigns, MemberEvidence, cell_counts, clumping, community_exchange,
                              find_campaigns, timing_counts)
from scoring.features import Features, Traffic, account_features, vocabulary_richness
from scoring.links import account_links
from scoring.nodes import Nodes
from scoring.options import ScoringOptions
from scoring.reference import Reference
from scoring.templating import TemplateGroups, mine_templates
from scoring.verdicts import Verdicts


@dataclass(frozen=True)
class AccountStage:
    """What the account stages found, as the campaign stage reads it.

    Attributes:
        nodes: the day's distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) the day's nearest other prompts of each prompt.
        reach: per prompt, accounts sending it or a near-duplicate.
        popular: per prompt, True when many accounts send it (never templated).
        node_cell: per node, its fine cell in ``reference``.
        reference: the topic space.
        features: each account's features.
        seen: (first, last) epoch seconds of each account.
    """

    nodes: Nodes
    neighbour_ids: np.ndarray
    reach: np.ndarray
    popular: np.ndarray
    node_cell: np.ndarray
    reference: Reference
    features: Features
    seen: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Linked:
    """Campaign membership of every account, and the per-account timing counts it was checked on."""

    campaigns: Campaigns
    timing: np.ndarray  # (accounts × time-of-day bins) prompt counts


@dataclass(frozen=True)
class Pooled:
    """Each campaign's pooled prompts, as one owner per campaign."""

    names: list[str]
    nodes: Nodes
    groups: TemplateGroups
    features: Features
    evidence: CampaignEvidence


def link_accounts(day: Day, found: AccountStage, *, scoring: ScoringOptions) -> Linked:
    """Link the day's accounts and keep the communities that pass the membership checks."""
    options = scoring.campaigns
    n_distinct = found.features.n_distinct
    eligible = n_distinct >= options.min_prompts
    links = account_links(found.nodes, found.neighbour_ids, found.reach, eligible=eligible,
                          max_reach=options.max_link_reach)
    timing = timing_counts(day.row_account, day.row_time, n_accounts=found.nodes.n_accounts,
                           bin_seconds=options.timing_bin_seconds, bins=max(1, 86_400 // options.timing_bin_seconds))
    exchange = partial(community_exchange, found.nodes, found.neighbour_ids)
    campaigns = find_campaigns(links, MemberEvidence(n_distinct=n_distinct, eligible=eligible), options=options,
                               seed=scoring.seed, exchange=exchange)
    return Linked(campaigns, timing)


def pool_campaigns(day: Day, found: AccountStage, linked: Linked, *, topics: TopicVectors, index: IndexOptions,
                   scoring: ScoringOptions) -> Pooled:
    """Each campaign's pooled prompts as one owner: its templates, cells and features.

    The pooled prompts' cells are placed again from their topic words: a campaign's template
    wording is only visible in the pool (each member holds a few fills of it).
    """
    campaigns, timing = linked.campaigns, linked.timing
    k = campaigns.n_campaigns
    names = campaign_names(campaigns.campaign, day.accounts, k)
    node_campaign = campaigns.campaign[found.nodes.account]
    inside = node_campaign >= 0
    pooled = Nodes.of_rows(node_campaign[inside], found.nodes.uid[inside], n_owners=k, n_uids=len(day.vectors))
    groups = mine_templates(day.tokens, day.vectors, pooled, popular=found.popular, rules=scoring.templates,
                            index=index)
    cells = topics.cells(pooled, groups.family, found.reference)
    row_campaign = campaigns.campaign[day.row_account]
    rows = row_campaign >= 0
    traffic = Traffic(row_campaign[rows], day.row_uid[rows], day.row_time[rows], len(day.vectors))
    features = account_features(pooled, cells, reference=found.reference, groups=groups, popular=found.popular,
                                traffic=traffic, vocabulary=vocabulary_richness(day.tokens, pooled), z=scoring.z)
    return Pooled(names=names, nodes=pooled, groups=groups, features=features,
                  evidence=_tie(found, campaigns, timing))


def _tie(found: AccountStage, campaigns: Campaigns, timing: np.ndarray) -> CampaignEvidence:
    """How each campaign's members are tied: links, exchangeability, and their spread in time and topics."""
    k = campaigns.n_campaigns
    in_any = np.flatnonzero(campaigns.campaign >= 0)
    members = campaigns.campaign[in_any]
    # One pass per statistic over the linked accounts (every campaign has members), not one per campaign.
    per = lambda values, how: pd.Series(values[in_any]).groupby(members).agg(how).to_numpy()  # noqa: E731
    pooled_timing = np.zeros((k, timing.shape[1]))
    np.add.at(pooled_timing, members, timing[in_any])
    first, last = found.seen
    if k == 0:
        none = np.zeros(0)
        return CampaignEvidence(none, none, none, none, none, timing.shape[1], none, none, none, none, none)
    topics = cell_counts(found.nodes, found.node_cell, n_cells=found.reference.n_cells)
    return CampaignEvidence(
        n_accounts=np.bincount(members, minlength=k),
        member_subjects=per(found.features.subjects.astype(float), "median"),
        link_ratio=campaigns.link_ratio, link_share=campaigns.link_share,
        active_bins=(pooled_timing > 0).sum(axis=1), n_bins=timing.shape[1],
        first_seen=per(first, "min"), last_seen=per(last, "max"),
        exchange=community_exchange(found.nodes, found.neighbour_ids, campaigns.campaign),
        timing_clumping=_per_campaign_clumping(timing, campaigns.campaign, k),
        topic_clumping=_per_campaign_clumping(topics, campaigns.campaign, k))


def _per_campaign_clumping(counts, campaign: np.ndarray, k: int) -> np.ndarray:
    """Per campaign, the median of its members' clumping (:func:`scoring.campaigns.clumping`)."""
    out = np.zeros(k)
    for c in range(k):
        members = np.flatnonzero(campaign == c)
        out[c] = float(np.median(clumping(counts[members])))
    return out


def membership(day: Day, linked: Linked, names: list[str]) -> pd.Series:
    """Campaign id per linked account id."""
    campaign = linked.campaigns.campaign
    in_any = np.flatnonzero(campaign >= 0)
    return pd.Series([names[c] for c in campaign[in_any]], index=[day.accounts[a] for a in in_any], dtype=str)


def campaigns_frame(pooled: Pooled, verdicts: Verdicts, *, n_domains: int, max_exchange: float,
                    pool_flagged: np.ndarray) -> pd.DataFrame:
    """The ranked campaigns table (``pool_flagged``: as for ``scoring.campaign_verdicts.campaign_table``)."""
    return campaign_table(pooled.names, pooled.features, pooled.groups, verdicts, pooled.evidence,
                          n_domains=n_domains, max_exchange=max_exchange, pool_flagged=pool_flagged)
