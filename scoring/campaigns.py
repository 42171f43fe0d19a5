"""Campaigns: groups of accounts that act as one.

Two steps over the account link graph (``scoring.links``):

1. **Communities.** Leiden (Traag, Waltman & van Eck 2019; igraph's C
   implementation) maximising weighted modularity. Modularity scores a grouping
   against the configuration null model, the link weight two accounts would
   share by chance given their total link weights, which is exactly the
   question "more often than chance for their volumes". Leiden rather than
   Louvain because Louvain can return internally disconnected communities and
   Leiden cannot; it is also near-linear, so 100,000 accounts take seconds.
   Modularity partitions *everyone*, so a community is only a candidate.

   Modularity has a resolution limit (Fortunato & Barthélemy 2007): the more
   link weight the day holds, the bigger the smallest community it keeps apart,
   so on a busier day a fleet merges into a crowd of people who write like its
   customers. A community whose members are not interchangeable (their mean
   :func:`self_link_excess` at least ``max_exchange``: people, not one stream's
   accounts) is therefore partitioned again inside itself, up to ``split_depth``
   times; a stream inside a crowd comes out whole, and an interchangeable group
   is never cut.
2. **Membership checks.** A candidate's members are kept only while each shows
   the evidence of one operation (repeated until stable):

   - *content*: the member's share of its link weight inside the campaign is at
     least ``min_link_ratio`` times the campaign's share of the day's links, and
     its inside link weight per prompt is at least ``min_link_intensity`` of the
     campaign's median (a big account that a few of its prompts tie to the
     campaign is not part of it);
   - *load*: a load balancer gives its accounts similar volumes, so a member's
     distinct prompts lie within ``volume_spread``× of the campaign's median;
     one big account of the same generator is its own actor and is judged
     on its own (links to it still count as the operation's for the others).

   What survives with at least ``min_accounts`` members, keeping at least
   ``min_link_share`` of their link weight among themselves, is a campaign (a
   handful of people who share an interest link mostly *outside* their group).

   Neither timing nor topics gate membership: an operation paces its accounts like
   people or hands each its own topic slice at no cost. How a campaign's members
   are spread over the hours and the topics, and how exchangeable they are
   (:func:`self_link_excess`), is evidence for the verdict, not a gate.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scoring.nodes import Nodes
from scoring.options import CampaignOptions


@dataclass(frozen=True)
class Campaigns:
    """Campaign membership of every account and each campaign's link evidence."""

    campaign: np.ndarray  # per account: campaign code, or -1 when unlinked
    n_campaigns: int
    link_ratio: np.ndarray  # per campaign: mean member link ratio (1 = chance)
    link_share: np.ndarray  # per campaign: share of the members' link weight that stays inside


def timing_counts(row_account: np.ndarray, row_time: np.ndarray, *, n_accounts: int,
                  bin_seconds: int = 3600, bins: int = 24) -> np.ndarray:
    """(n_accounts × bins) prompts per time-of-day bin (UTC) of each account."""
    if bin_seconds <= 0 or bins <= 0:
        raise ValueError("bin_seconds and bins must be > 0")
    slot = (np.floor(row_time / bin_seconds).astype(np.int64)) % bins
    counts = np.zeros((n_accounts, bins), dtype=np.float64)
    np.add.at(counts, (row_account, slot), 1.0)
    return counts


@dataclass(frozen=True)
class MemberEvidence:
    """What the membership checks read per account (arrays indexed by account code).

    Attributes:
        n_distinct: distinct prompts.
        eligible: accounts that may join a campaign.
    """

    n_distinct: np.ndarray
    eligible: np.ndarray


def find_campaigns(links: sparse.csr_matrix, evidence: MemberEvidence, *, options: CampaignOptions,
                   seed: int, exchange: Callable[[np.ndarray], np.ndarray] | None = None) -> Campaigns:
    """Group linked accounts into campaigns (see the module docstring).

    Args:
        links: symmetric account link weights (``scoring.links.account_links``).
        evidence: what each account shows, for the membership checks.
        options: ``resolution`` of the modularity (higher: smaller communities), ``split_depth``,
            the thresholds of each membership check, ``min_link_share`` of the members' link weight
            that must stay among them and ``min_accounts``.
        seed: Leiden's random seed (results are deterministic for a seed).
        exchange: a partition (per account, a community code or -1) -> each community's mean
            member exchange (``scoring.campaigns.community_exchange``); None never splits a community.
    """
    n_accounts = links.shape[0]
    community = _communities(links, evidence.eligible, options=options, seed=seed, exchange=exchange)
    strength = np.asarray(links.sum(axis=1)).ravel()
    total = strength.sum()
    campaign = np.full(n_accounts, -1, dtype=np.int64)
    ratios, shares = [], []
    for members in _groups(community):
        if len(members) < options.min_accounts:
            continue
        members, ratio, share = _check_members(members, _Graph(links, strength, total), evidence, options)
        if len(members) >= options.min_accounts and share >= options.min_link_share:
            campaign[members] = len(ratios)
            ratios.append(ratio)
            shares.append(share)
    return Campaigns(campaign=campaign, n_campaigns=len(ratios), link_ratio=np.asarray(ratios, dtype=float),
                     link_share=np.asarray(shares, dtype=float))


def _groups(community: np.ndarray) -> list[np.ndarray]:
    """The members of each community (codes >= 0), in code order."""
    order = np.argsort(community, kind="stable")
    order = order[community[order] >= 0]
    bounds = np.flatnonzero(np.diff(community[order])) + 1
    return [m for m in np.split(order, bounds) if len(m)]


def _communities(links: sparse.csr_matrix, eligible: np.ndarray, *, options: CampaignOptions, seed: int,
                 exchange: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
    """Leiden communities of the eligible accounts (-1 elsewhere), each one whose members are not
    interchangeable partitioned again inside itself, up to ``options.split_depth`` times."""
    community = _leiden(links, resolution=options.resolution, seed=seed)
    community[~eligible] = -1
    fresh = community >= 0  # per account: its community has not been measured yet
    for _ in range(options.split_depth if exchange is not None else 0):
        groups = _groups(community)
        community = np.full(len(community), -1, dtype=np.int64)
        for code, members in enumerate(groups):
            community[members] = code
        # A member's exchange reads its own community alone, so only the parts a split made are
        # measured again (a community left whole would be left whole again).
        means = np.full(len(groups), np.nan)
        measured = exchange(np.where(fresh, community, -1))
        means[: len(measured)] = measured
        fresh = np.zeros(len(community), dtype=bool)
        next_code = len(groups)
        for code, members in enumerate(groups):
            if len(members) < 2 * options.min_accounts or not means[code] >= options.max_exchange:
                continue
            parts = _leiden(links[members][:, members], resolution=options.resolution, seed=seed)
            if parts.max() > 0:
                community[members] = next_code + parts
                next_code += int(parts.max()) + 1
                fresh[members] = True
        if not fresh.any():
            break
    return community


@dataclass(frozen=True)
class _Graph:
    links: sparse.csr_matrix
    strength: np.ndarray  # per account: its total link weight
    total: float  # the day's total link weight


_EDGE_BATCH = 1 << 19  # edges handed to igraph at a time


def _leiden(links: sparse.csr_matrix, *, resolution: float, seed: int) -> np.ndarray:
    import igraph as ig

    upper = sparse.triu(links, k=1).tocoo()
    # igraph turns an edge list into Python objects on the way in (about 180 bytes an edge), so the
    # edges go in a slice at a time, and the weights straight to Leiden as an array: at once, a 1M-row
    # day's 6.5M links cost over a GB.
    graph = ig.Graph(n=links.shape[0])
    edges = np.column_stack([upper.row, upper.col])
    for lo in range(0, len(edges), _EDGE_BATCH):
        graph.add_edges(edges[lo : lo + _EDGE_BATCH])
    del edges
    # igraph's Leiden draws from an RNG that defaults to Python's global one: give it a seeded one (and
    # put the default back) so a day always gives the same campaigns.
    ig.set_random_number_generator(random.Random(seed))
    try:
        parts = graph.community_leiden(objective_function="modularity", weights=upper.data, resolution=resolution,
                                       n_iterations=-1)
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(parts.membership, dtype=np.int64)


def _check_members(members: np.ndarray, graph: _Graph, evidence: MemberEvidence, options: CampaignOptions):
    """Drop members without the evidence of one operation until none fails; return (members, ratio, share).

    An account that the load check alone removes (it passed every other check) is still the
    operation's: one generator may feed a big account and a fleet. Links to it keep counting
    as inside links in the ratio and intensity checks (its link weight stays in the campaign's
    share of the day's links), so a fleet account whose neighbours mostly lie in that big
    stream is not dropped when the big account leaves. The ``ratio`` and ``share`` returned
    count members only.
    """
    links, strength, total = graph.links, graph.strength, graph.total
    o = options
    ratio = np.zeros(0)
    share = 0.0
    departed = np.zeros(links.shape[0], dtype=bool)  # removed by the load check alone
    while len(members) >= o.min_accounts:
        inside = np.zeros(links.shape[0], dtype=bool)
        inside[members] = True
        sub = links[members]
        own = np.maximum(strength[members], 1e-12)
        inner = np.asarray(sub[:, inside].sum(axis=1)).ravel()
        ratio = (inner / own) / max(strength[members].sum() / max(total, 1e-12), 1e-12)
        share = float(inner.sum() / own.sum())
        operation = inner + np.asarray(sub[:, departed].sum(axis=1)).ravel()
        expected = (strength[members].sum() + strength[departed].sum()) / max(total, 1e-12)
        operation_ratio = (operation / own) / max(expected, 1e-12)
        volume = evidence.n_distinct[members].astype(float)
        median = float(np.median(volume))
        intensity = operation / np.maximum(volume, 1.0)
        shows = (operation_ratio >= o.min_link_ratio) & (intensity >= o.min_link_intensity * np.median(intensity))
        big = volume > o.volume_spread * median
        keep = shows & ~big & (volume * o.volume_spread >= median)
        if keep.all():
            break
        # A big account tied to the campaign as strongly as its members (its links per prompt are
        # thin only because it is big) is the generator's own stream: its links stay the operation's.
        departed[members[big & (operation_ratio >= o.min_link_ratio)]] = True
        members = members[keep]
    return members, float(ratio.mean()) if len(ratio) else 0.0, share


def clumping(counts) -> np.ndarray:
    """How much more each member's counts pile into the same bins than draws from the other members'.

    ``(O + 1) / (E + 1)`` with ``O`` the member's ordered pairs of items in one bin and ``E``
    the pairs expected of as many draws from the rest of the group's distribution; about 1
    for a random slice of the group, far above 1 for a member with its own few bins.
    ``counts`` is (members × bins), dense or scipy sparse.
    """
    dense = not sparse.issparse(counts)
    x = np.asarray(counts, dtype=np.float64) if dense else sparse.csr_matrix(counts, dtype=np.float64)
    pooled = np.asarray(x.sum(axis=0)).ravel()
    n = np.asarray(x.sum(axis=1)).ravel()
    own_sq = np.asarray((x * x if dense else x.multiply(x)).sum(axis=1)).ravel()
    cross = np.asarray(x @ pooled).ravel()
    rest_sq = float(pooled @ pooled) - 2.0 * cross + own_sq  # Σ_c (pooled_c − x_ac)²
    rest_n = pooled.sum() - n
    expected = n * (n - 1) * rest_sq / np.maximum(rest_n, 1.0) ** 2
    observed = own_sq - n
    return (observed + 1.0) / (expected + 1.0)


def cell_counts(nodes: Nodes, node_cell: np.ndarray, *, n_cells: int) -> sparse.csr_matrix:
    """(n_accounts × n_cells) distinct prompts of each account in each topic cell."""
    ones = np.ones(len(nodes), dtype=np.float64)
    return sparse.csr_matrix((ones, (nodes.account, node_cell)), shape=(nodes.n_accounts, n_cells))


def self_link_excess(nodes: Nodes, neighbour_ids: np.ndarray, campaign: np.ndarray) -> np.ndarray:
    """Per account in a campaign, how much more of its neighbour links stay in its own prompts than
    an exchangeable member's would: ``log(1 + (own / (own + mates)) / ((n − 1) / (N − 1)))``; NaN outside.

    The accounts of one generator stream are exchangeable samples of it: each account's prompts lie
    as near its campaign-mates' as its own (``own / (own + mates)`` is its share of the pool, the
    ratio about 1, the excess about ``log 2``). A person's prompts lie nearest their own follow-ups
    and edits (far above). Every prompt counts, popular ones too: only the campaign's own prompts
    enter the ratio, and leaving out what many accounts send would make it hang on who else wrote
    that day (a reseller's customers send what the day's crowd sends).

    Args:
        nodes: the day's distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) each prompt's nearest other prompts (-1: none).
        campaign: per account, its campaign code or -1.
    """
    n_uids = len(neighbour_ids)
    in_campaign = campaign[nodes.account] >= 0
    rows = nodes.uid[in_campaign]
    # Who sends each prompt: (prompt × account) counts of the linked accounts.
    sent = sparse.csr_matrix((np.ones(len(rows)), (rows, nodes.account[in_campaign])),
                             shape=(n_uids, nodes.n_accounts))
    by_campaign = sparse.csr_matrix((np.ones(len(rows)), (rows, campaign[nodes.account[in_campaign]])),
                                    shape=(n_uids, int(campaign.max(initial=-1)) + 1))
    node = np.flatnonzero(in_campaign)
    owner = nodes.account[node]
    neighbours = neighbour_ids[nodes.uid[node]]
    ok = neighbours >= 0
    src = np.repeat(np.arange(len(node)), neighbours.shape[1])[ok.ravel()]
    dst = neighbours[ok]
    own = np.asarray(sent[dst, owner[src]]).ravel()
    pool = np.asarray(by_campaign[dst, campaign[owner[src]]]).ravel()
    own_links = np.bincount(owner[src], weights=own, minlength=nodes.n_accounts)
    pool_links = np.bincount(owner[src], weights=pool, minlength=nodes.n_accounts)
    n = np.bincount(nodes.account[in_campaign], minlength=nodes.n_accounts).astype(float)
    size = np.bincount(campaign[campaign >= 0], weights=n[campaign >= 0]) if (campaign >= 0).any() else np.zeros(0)
    pool_size = np.where(campaign >= 0, size[np.maximum(campaign, 0)] if len(size) else 0.0, 0.0)
    expected = (n - 1) / np.maximum(pool_size - 1, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pool_links > 0, own_links / np.maximum(pool_links, 1.0), 0.0)
        excess = np.log1p(share / np.maximum(expected, 1e-9))
    return np.where(campaign >= 0, excess, np.nan)


def community_exchange(nodes: Nodes, neighbour_ids: np.ndarray, community: np.ndarray) -> np.ndarray:
    """Per community code, the mean :func:`self_link_excess` of its members (NaN for a code without any)."""
    excess = self_link_excess(nodes, neighbour_ids, community)
    inside = community >= 0
    k = int(community.max(initial=-1)) + 1
    total = np.bincount(community[inside], weights=np.nan_to_num(excess[inside]), minlength=k)
    count = np.bincount(community[inside], minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / count, np.nan)
