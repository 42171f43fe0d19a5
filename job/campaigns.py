"""The campaign stage of the daily job: link accounts, group them, score each group as one actor.

Builds on what the account stages already computed (the day's neighbour lists,
prompt reach, topic cells): linking costs one sparse product and Leiden, and
each campaign's pooled prompts go through the same templating and coverage code
as an account's.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from job.config import CampaignOptions, IndexOptions, ScoringOptions
from job.templates import mine_templates
from scoring.arrays import distinct
from scoring.campaign_verdicts import CampaignSignals, campaign_names, campaign_table
from scoring.campaigns import Campaigns, cell_counts, find_campaigns, timing_counts
from scoring.coverage import CellProfile, cell_profiles, coverage_scores
from scoring.links import account_links
from scoring.tokens import TokenStore


def link_accounts(*, node_account: np.ndarray, node_uid: np.ndarray, neighbour_ids: np.ndarray, reach: np.ndarray,
                  node_cell: np.ndarray, n_cells: int, n_distinct: np.ndarray, row_account: np.ndarray,
                  row_time: np.ndarray,
                  options: CampaignOptions, popular_accounts: int, seed: int) -> tuple[Campaigns, np.ndarray]:
    """Campaign membership of every account, and the per-account timing counts it was checked on."""
    n_accounts = len(n_distinct)
    eligible = n_distinct >= options.min_prompts
    links = account_links(node_uid, node_account, neighbour_ids, reach, n_accounts=n_accounts, eligible=eligible,
                          popular_accounts=popular_accounts)
    timing = timing_counts(row_account, row_time, n_accounts=n_accounts, bin_seconds=options.timing_bin_seconds,
                           bins=max(1, 86_400 // options.timing_bin_seconds))
    topics = cell_counts(node_account, node_cell, n_accounts=n_accounts, n_cells=n_cells)
    found = find_campaigns(links, n_distinct=n_distinct, timing=timing, topics=topics, eligible=eligible,
                           resolution=options.resolution, min_link_ratio=options.min_link_ratio,
                           max_timing_clumping=options.max_timing_clumping,
                           max_topic_clumping=options.max_topic_clumping, volume_spread=options.volume_spread,
                           min_link_share=options.min_link_share, min_link_intensity=options.min_link_intensity,
                           min_accounts=options.min_accounts, seed=seed)
    return found, timing


def score_campaigns(found: Campaigns, *, timing: np.ndarray, accounts: list[str], tokens: TokenStore,
                    vectors: np.ndarray, node_account: np.ndarray, node_uid: np.ndarray, account_profile: CellProfile,
                    cells_of: Callable[[np.ndarray, np.ndarray], np.ndarray], cell_weights: np.ndarray,
                    n_prompts: np.ndarray, popular: np.ndarray,
                    first_seen: np.ndarray, last_seen: np.ndarray, n_cells: int, index: IndexOptions,
                    scoring: ScoringOptions) -> tuple[pd.Series, pd.DataFrame]:
    """(campaign id per linked account id, the ranked campaigns table).

    ``cells_of(uid, group)`` gives the topic cell of pooled prompts from their
    topic words: a campaign's template wording is only visible in the pool
    (each member holds a few fills of it), so the cells are assigned again there.
    """
    k = found.n_campaigns
    names = campaign_names(found.campaign, accounts, k)
    linked = np.flatnonzero(found.campaign >= 0)
    membership = pd.Series([names[c] for c in found.campaign[linked]], index=[accounts[a] for a in linked],
                           dtype=str)
    if k == 0:
        empty = np.zeros(0)
        none = CampaignSignals([], empty, empty, empty, empty, empty, empty, empty, empty, empty, empty,
                               timing.shape[1], [], empty, empty, empty)
        return membership, campaign_table(none, n_cells=n_cells, coverage_weight=scoring.coverage_weight,
                                          threshold=scoring.campaign_threshold, min_prompts=scoring.min_prompts,
                                          sweep_templates=scoring.sweep_templates,
                                          base_templates=scoring.base_templates)
    # Pooled prompts: distinct (campaign, prompt) pairs, sorted by campaign.
    n_uids = len(vectors)
    node_campaign = found.campaign[node_account]
    pooled = distinct(node_campaign[node_campaign >= 0].astype(np.int64) * n_uids + node_uid[node_campaign >= 0])
    camp, uid = pooled // n_uids, pooled % n_uids
    groups = mine_templates(tokens, vectors, camp, uid, n_accounts=k, popular=popular, templates=scoring.templates,
                            index=index)
    profile = cell_profiles(camp, cells_of(uid, groups.family), n_accounts=k, n_cells=n_cells)
    both = CellProfile(*(np.concatenate([a, b]) for a, b in zip(
        (account_profile.n_distinct, account_profile.cells, account_profile.same_cell_pairs),
        (profile.n_distinct, profile.cells, profile.same_cell_pairs))))
    n_accounts = len(account_profile.n_distinct)
    c = scoring.coverage
    cover = coverage_scores(both, cell_weights=cell_weights, z=c.z,
                            min_volume=c.min_volume, softness=c.softness,
                            reference=np.arange(len(both.n_distinct)) < n_accounts)
    members = found.campaign[linked]
    # One pass per statistic over the linked accounts (every campaign has members), not one per campaign.
    per = lambda values, how: pd.Series(values[linked]).groupby(members).agg(how).to_numpy()  # noqa: E731
    pooled_timing = np.zeros((k, timing.shape[1]))
    np.add.at(pooled_timing, members, timing[linked])
    signals = CampaignSignals(
        campaign_id=names, n_accounts=np.bincount(members, minlength=k),
        n_prompts=np.bincount(members, weights=n_prompts[linked], minlength=k),
        n_distinct=profile.n_distinct, coverage=cover.coverage[n_accounts:], templating=groups.templating,
        cells=profile.cells, member_cells=per(account_profile.cells.astype(float), "median"), link_ratio=found.link_ratio,
        link_share=found.link_share, active_bins=(pooled_timing > 0).sum(axis=1), n_bins=timing.shape[1],
        top_templates=groups.top_templates, effective_templates=groups.effective_templates,
        first_seen=per(first_seen, "min"), last_seen=per(last_seen, "max"),
    )
    table = campaign_table(signals, n_cells=n_cells, coverage_weight=scoring.coverage_weight,
                           threshold=scoring.campaign_threshold, min_prompts=scoring.min_prompts,
                           sweep_templates=scoring.sweep_templates,
                           base_templates=scoring.base_templates)
    return membership, table
