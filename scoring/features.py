"""Per-account features: what an account's own prompts show, measured against a fixed reference.

Every feature is a function of the account's own traffic and of the shipped reference
(:mod:`scoring.reference`), never of the rest of the day, so the same traffic gives the
same features on any day and in any batch. The combiner (:mod:`scoring.combiner`)
weighs them; the reason names the ones that carried an account.

- **breadth** at three scales, ``log(λ₀ / λ)``: λ is the chance that two of the
  account's prompts share a cell (estimated without bias from same-cell pairs, so volume
  does not inflate it, and replaced by an upper confidence bound, so three prompts prove
  nothing), λ₀ the same chance for a typical benign account of the reference. 0 is
  ordinary, ``log 2`` twice as broad:

  - ``breadth_domains`` over the coarse cells (how many domains, how evenly);
  - ``breadth_subjects`` over the fine cells;
  - ``breadth_within`` over the fine cells of the domains it works in: an even sweep of
    programming is as broad here as an even sweep of everything, while a developer's
    hundreds of prompts about one project stay in a few subjects.
- **templating** (share of distinct prompts in a template), ``task_breadth``
  (``log(1 + T)``, T the effective number of task families refilled with content) and
  ``top_template`` (share of the largest template).
- **sequence**: how much more often consecutive prompts stay in one domain than the
  account's own mix predicts. A person works in sessions about one thing (positive);
  a generator's draws are independent (about 0) and a round-robin sweep moves on every
  time (negative).
- **repeats**: ``log(prompts / distinct prompts)``; people retry, pipelines rarely do.
- **novelty**: the mean surprisal of the account's subjects under the benign
  reference, in nats above a uniform spread: traffic that ordinary users seldom send.
- **vocabulary**: Herdan's ``log V / log N`` over the content words of its distinct prompts
  (``V`` distinct, ``N`` in all): a pipeline that recombines the texts of its own business
  keeps reusing their words; a sweep keeps bringing new ones.
- **volume**: ``log`` distinct prompts, the evidence the rest stands on.

How many *other* accounts send a prompt (its reach) depends on who else wrote that day, so
the share of an account's prompts that many accounts send (``popular_share``) is kept as
evidence and as a campaign feature, never as an account feature: the same account would
otherwise score differently amid another day's traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import distinct, distinct_counts, run_batches, run_starts
from scoring.nodes import Nodes
from scoring.reference import Reference
from scoring.templating import TemplateGroups
from scoring.tokens import TokenStore
from scoring.topic_text import generic_words

FEATURES: tuple[str, ...] = ("volume", "breadth_domains", "breadth_subjects", "breadth_within", "templating",
                             "task_breadth", "top_template", "sequence", "repeats", "novelty", "vocabulary")
# The direction each feature may move the score in (+1 raise, -1 lower, 0 either; see
# scoring.combiner.fit_combiner): breadth and novelty are never evidence of an ordinary user, and
# sessions on one subject and retries never evidence of a generator.
DIRECTION: dict[str, int] = {"volume": 1, "breadth_domains": 1, "breadth_subjects": 1, "breadth_within": 1,
                             "templating": 0, "task_breadth": 1, "top_template": 0, "sequence": -1,
                             "repeats": -1, "novelty": 1, "vocabulary": 1}
# A campaign is judged on two things: how harvest-like its pooled prompts are as one account
# (``content``, the account combiner's logit) and how exchangeable its members are (``exchange``,
# scoring.campaigns.self_link_excess: people keep to their own prompts, a stream's accounts do not).
# How much of the pool is prompts many accounts send is reported, as for an account, never a
# feature: that share moves with whoever else wrote that day.
CAMPAIGN_FEATURES: tuple[str, ...] = ("content", "exchange")
CAMPAIGN_DIRECTION: dict[str, int] = {"content": 1, "exchange": -1}


@dataclass(frozen=True)
class Features:
    """One row of :data:`FEATURES` per account, and the raw evidence behind them.

    Attributes:
        values: (n_accounts, len(FEATURES)) float64.
        n_prompts, n_distinct: per account.
        domains, subjects: coarse and fine cells touched.
        diversity: effective number of fine cells (``1 / λ``, the confidence bound) per account.
        popular_share: share of each owner's distinct prompts that many accounts send (evidence
            only: it depends on the rest of the day).
    """

    values: np.ndarray
    n_prompts: np.ndarray
    n_distinct: np.ndarray
    domains: np.ndarray
    subjects: np.ndarray
    diversity: np.ndarray
    popular_share: np.ndarray

    def column(self, name: str) -> np.ndarray:
        """One feature for every account."""
        return self.values[:, FEATURES.index(name)]


@dataclass(frozen=True)
class Traffic:
    """The rows behind the nodes, for the features that read order and repeats.

    Attributes:
        row_account, row_uid, row_time: per valid row.
        n_uids: number of distinct prompts of the day.
    """

    row_account: np.ndarray
    row_uid: np.ndarray
    row_time: np.ndarray
    n_uids: int


def account_features(nodes: Nodes, cell: np.ndarray, *, reference: Reference, groups: TemplateGroups,
                     popular: np.ndarray, traffic: Traffic, vocabulary: np.ndarray, z: float = 2.0) -> Features:
    """Features of every owner of ``nodes`` (accounts, or campaigns pooled as one).

    Args:
        nodes: the distinct (owner, prompt) pairs.
        cell: per node, its fine cell in ``reference``.
        reference: the fixed topic space and its benign statistics.
        groups: the nodes' template groups.
        popular: per prompt id, True for prompts many accounts send.
        traffic: the rows of the owners, in any order.
        vocabulary: per owner, :func:`vocabulary_richness`.
        z: standard errors of doubt a breadth must clear.
    """
    n_owners, n_fine = nodes.n_accounts, reference.n_fine
    n = nodes.per_account().astype(np.float64)
    fine_pairs, fine_touched = _same_cell_pairs(nodes.account, cell, n_owners)
    coarse_pairs, coarse_touched = _same_cell_pairs(nodes.account, cell // n_fine, n_owners)
    pairs = n * (n - 1)
    typical = reference.typical
    breadth_domains, _ = _breadth(coarse_pairs, pairs, n, typical["coarse"], z)
    breadth_subjects, diversity = _breadth(fine_pairs, pairs, n, typical["fine"], z)
    # Within the domains it works in: of its pairs in one domain, how many also share a subject.
    breadth_within, _ = _breadth(fine_pairs, coarse_pairs, np.sqrt(np.maximum(coarse_pairs, 0.0)) + 1.0,
                                 typical["within"], z)
    rows = np.bincount(traffic.row_account, minlength=n_owners).astype(np.float64)
    surprisal = -np.log(reference.benign_share * reference.n_cells)[cell]
    novelty = np.bincount(nodes.account, weights=surprisal, minlength=n_owners) / np.maximum(n, 1.0)
    popular_share = np.bincount(nodes.account, weights=popular[nodes.uid], minlength=n_owners) / np.maximum(n, 1.0)
    sequence = _sequence(nodes, cell // n_fine, traffic, coarse_pairs / np.maximum(pairs, 1.0))
    values = np.column_stack([
        np.log(np.maximum(n, 1.0)), breadth_domains, breadth_subjects, breadth_within, groups.templating,
        np.log1p(groups.effective_templates), groups.top_share, sequence,
        np.log(np.maximum(rows, 1.0) / np.maximum(n, 1.0)), novelty, vocabulary,
    ])
    return Features(values=values, n_prompts=rows.astype(np.int64), n_distinct=n.astype(np.int64),
                    domains=coarse_touched, subjects=fine_touched, diversity=diversity, popular_share=popular_share)


def _same_cell_pairs(owner: np.ndarray, cell: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Per owner, ordered pairs of its nodes in one cell (``Σ c(c−1)``), and the cells it touches."""
    width = int(cell.max(initial=0)) + 1
    keys, counts = distinct_counts(owner.astype(np.int64) * width + cell)
    who = keys // width
    counts = counts.astype(np.float64)
    return (np.bincount(who, weights=counts * (counts - 1), minlength=n_owners),
            np.bincount(who, minlength=n_owners).astype(np.int64))


def _breadth(same: np.ndarray, pairs: np.ndarray, n: np.ndarray, typical: float,
             z: float) -> tuple[np.ndarray, np.ndarray]:
    """``log(λ₀ / λ⁺)`` and ``1 / λ⁺``, λ⁺ the upper confidence bound of the same-cell chance."""
    typical = float(np.clip(typical, 1e-6, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(pairs > 0, same / np.maximum(pairs, 1.0), 1.0)
    spread = np.sqrt(2.0 * typical * (1.0 - typical)) / np.maximum(n, 1.0)
    bound = np.clip(own + z * spread, 1e-6, 1.0)
    return np.log(typical / bound), 1.0 / bound


def _sequence(nodes: Nodes, domain: np.ndarray, traffic: Traffic, expected: np.ndarray) -> np.ndarray:
    """Per owner, (consecutive distinct prompts in one domain − expected) / (pairs + 10), in (−1, 1)."""
    n_owners = nodes.n_accounts
    keys = nodes.account.astype(np.int64) * traffic.n_uids + nodes.uid
    # Prompts sent in the same second are taken in their canonical (uid) order, so the file's row order
    # never moves a score.
    order = np.lexsort((traffic.row_uid, traffic.row_time, traffic.row_account))
    acc, uid = traffic.row_account[order].astype(np.int64), traffic.row_uid[order].astype(np.int64)
    where = np.searchsorted(keys, acc * traffic.n_uids + uid)
    found = where < len(keys)
    found[found] &= keys[where[found]] == acc[found] * traffic.n_uids + uid[found]
    acc, uid, node = acc[found], uid[found], where[found]
    # Consecutive rows of one owner that are two different prompts (a retry says nothing of topics).
    step = (acc[1:] == acc[:-1]) & (uid[1:] != uid[:-1])
    same = step & (domain[node[1:]] == domain[node[:-1]])
    pairs = np.bincount(acc[1:][step], minlength=n_owners).astype(np.float64)
    hits = np.bincount(acc[1:][same], minlength=n_owners).astype(np.float64)
    return (hits - pairs * expected) / (pairs + 10.0)


def campaign_values(pooled: np.ndarray, exchange: np.ndarray, *, content) -> np.ndarray:
    """(campaigns × :data:`CAMPAIGN_FEATURES`) from the pools' account features (rows of :data:`FEATURES`),
    the members' exchangeability and ``content``: feature rows -> the account combiner's logit."""
    pooled = np.asarray(pooled, dtype=np.float64).reshape(-1, len(FEATURES))
    return np.column_stack([content(pooled), np.nan_to_num(np.asarray(exchange, dtype=np.float64), nan=0.0)])


def vocabulary_richness(store: TokenStore, nodes: Nodes, *, batch_nodes: int = 1 << 17) -> np.ndarray:
    """Per owner, Herdan's ``log V / log N`` over the content words (not function or request words)
    of its distinct prompts' stored tokens; 0 with fewer than two content words. Whole owners are
    taken about ``batch_nodes`` nodes at a time."""
    generic = generic_words(store)
    total = np.zeros(nodes.n_accounts)
    distinct_words = np.zeros(nodes.n_accounts)
    bounds = np.concatenate([run_starts(nodes.account), [len(nodes)]])
    for lo, hi in run_batches(bounds, batch_nodes):
        part = np.arange(bounds[lo], bounds[hi])
        tokens, offsets = store.take(nodes.uid[part])
        owner = np.repeat(nodes.account[part], np.diff(offsets))
        content = ~generic[tokens]
        owner, tokens = owner[content], tokens[content].astype(np.int64)
        total += np.bincount(owner, minlength=nodes.n_accounts)
        distinct_words += np.bincount(distinct(owner.astype(np.int64) << 32 | tokens) >> 32,
                                      minlength=nodes.n_accounts)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total >= 2, np.log(np.maximum(distinct_words, 1.0)) / np.log(np.maximum(total, 2.0)), 0.0)
