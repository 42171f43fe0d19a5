"""The campaign stage: link accounts, group them, score each group as one actor.

Builds on what the account stages already computed (the day's neighbour lists,
prompt reach, topic cells): linking costs one sparse product and Leiden, and
each campaign's pooled prompts go through the same templating and coverage code
as an account's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from index.options import IndexOptions
from job.ingest import Day
from job.topic_cells import TopicVectors
from scoring.campaign_verdicts import CampaignSignals, campaign_names, campaign_table
from scoring.campaigns import Campaigns, MemberEvidence, cell_counts, find_campaigns, timing_counts
from scoring.coverage import CellProfile, cell_profiles, coverage_scores
from scoring.links import account_links
from scoring.nodes import Nodes
from scoring.options import ScoringOptions
from scoring.templating import mine_templates
from scoring.verdicts import AccountSignals


@dataclass(frozen=True)
class AccountStage:
    """What the account stages found, as the campaign stage reads it.

    Attributes:
        nodes: the day's distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) the day's nearest other prompts of each prompt.
        reach: per prompt, accounts sending it or a near-duplicate.
        popular: per prompt, True when many accounts send it (never templated, no link evidence).
        node_cell: per node, its topic cell.
        centroids: the day's codebook.
        profile: each account's spread over the cells.
        signals: each account's signals (volumes, first and last seen).
    """

    nodes: Nodes
    neighbour_ids: np.ndarray
    reach: np.ndarray
    popular: np.ndarray
    node_cell: np.ndarray
    centroids: np.ndarray
    profile: CellProfile
    signals: AccountSignals


@dataclass(frozen=True)
class Linked:
    """Campaign membership of every account, and the per-account timing counts it was checked on."""

    campaigns: Campaigns
    timing: np.ndarray  # (accounts × time-of-day bins) prompt counts


def link_accounts(day: Day, found: AccountStage, *, scoring: ScoringOptions) -> Linked:
    """Link the day's accounts and keep the communities that pass the membership checks."""
    options = scoring.campaigns
    n_distinct = found.profile.n_distinct
    eligible = n_distinct >= options.min_prompts
    links = account_links(found.nodes, found.neighbour_ids, found.reach, eligible=eligible,
                          popular_accounts=scoring.templates.popular_accounts)
    timing = timing_counts(day.row_account, day.row_time, n_accounts=found.nodes.n_accounts,
                           bin_seconds=options.timing_bin_seconds, bins=max(1, 86_400 // options.timing_bin_seconds))
    topics = cell_counts(found.nodes, found.node_cell, n_cells=len(found.centroids))
    campaigns = find_campaigns(links, MemberEvidence(n_distinct=n_distinct, timing=timing, topics=topics,
                                                     eligible=eligible), options=options, seed=scoring.seed)
    return Linked(campaigns, timing)


def score_campaigns(day: Day, found: AccountStage, linked: Linked, *, topics: TopicVectors, index: IndexOptions,
                    scoring: ScoringOptions) -> tuple[pd.Series, pd.DataFrame]:
    """(campaign id per linked account id, the ranked campaigns table).

    The pooled prompts' cells are assigned again from their topic words: a campaign's
    template wording is only visible in the pool (each member holds a few fills of it).
    """
    campaigns, timing = linked.campaigns, linked.timing
    k = campaigns.n_campaigns
    n_cells = len(found.centroids)
    names = campaign_names(campaigns.campaign, day.accounts, k)
    in_any = np.flatnonzero(campaigns.campaign >= 0)
    membership = pd.Series([names[c] for c in campaigns.campaign[in_any]], index=[day.accounts[a] for a in in_any],
                           dtype=str)
    if k == 0:
        return membership, campaign_table(CampaignSignals.empty(n_bins=timing.shape[1]), n_cells=n_cells,
                                          options=scoring)
    # Pooled prompts: distinct (campaign, prompt) pairs, sorted by campaign.
    node_campaign = campaigns.campaign[found.nodes.account]
    inside = node_campaign >= 0
    pooled = Nodes.of_rows(node_campaign[inside], found.nodes.uid[inside], n_owners=k, n_uids=len(day.vectors))
    groups = mine_templates(day.tokens, day.vectors, pooled, popular=found.popular, rules=scoring.templates,
                            index=index)
    profile = cell_profiles(pooled, topics.cells(pooled, groups.family, found.centroids), n_cells=n_cells)
    account_profile = found.profile
    both = CellProfile(*(np.concatenate([a, b]) for a, b in zip(
        (account_profile.n_distinct, account_profile.cells, account_profile.same_cell_pairs),
        (profile.n_distinct, profile.cells, profile.same_cell_pairs))))
    n_accounts = len(account_profile.n_distinct)
    cover = coverage_scores(both, cell_weights=np.bincount(found.node_cell, minlength=n_cells),
                            options=scoring.coverage, reference=np.arange(len(both.n_distinct)) < n_accounts)
    members = campaigns.campaign[in_any]
    # One pass per statistic over the linked accounts (every campaign has members), not one per campaign.
    per = lambda values, how: pd.Series(values[in_any]).groupby(members).agg(how).to_numpy()  # noqa: E731
    pooled_timing = np.zeros((k, timing.shape[1]))
    np.add.at(pooled_timing, members, timing[in_any])
    s = found.signals
    signals = CampaignSignals(
        campaign_id=names, n_accounts=np.bincount(members, minlength=k),
        n_prompts=np.bincount(members, weights=s.n_prompts[in_any], minlength=k),
        n_distinct=profile.n_distinct, coverage=cover.coverage[n_accounts:], templating=groups.templating,
        cells=profile.cells, member_cells=per(account_profile.cells.astype(float), "median"),
        link_ratio=campaigns.link_ratio, link_share=campaigns.link_share,
        active_bins=(pooled_timing > 0).sum(axis=1), n_bins=timing.shape[1],
        top_templates=groups.top_templates, effective_templates=groups.effective_templates,
        first_seen=per(s.first_seen, "min"), last_seen=per(s.last_seen, "max"),
    )
    return membership, campaign_table(signals, n_cells=n_cells, options=scoring)
