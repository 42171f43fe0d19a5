"""The pipeline: traffic -> embeddings -> index -> signals -> ranked verdicts.

:func:`score_traffic` is the one function the daily job and the labelled evaluation
both call: it reads a traffic file through the embedder into a :class:`~job.ingest.Day`
and scores every account and campaign of it (:func:`score_day`). Every stage takes
plain typed options; nothing here sees a Hydra config.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from embedder import Embedder
from index.neighbours import build_index, exact_knn, recall_at_k, resolve_factory, self_knn
from index.options import IndexOptions
from job.campaigns import AccountStage, link_accounts, score_campaigns
from job.ingest import Day, ingest
from job.stage_timer import StageTimer
from job.topic_cells import TopicVectors, topic_cells
from scoring.campaign_verdicts import apply_campaigns
from scoring.coverage import cell_profiles, coverage_scores
from scoring.nodes import Nodes
from scoring.options import ScoringOptions
from scoring.popularity import prompt_reach
from scoring.templating import mine_templates
from scoring.verdicts import AccountSignals, verdict_table
from traffic.read import InputOptions, Rejected, read_traffic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Models:
    """The embedders a run uses.

    Attributes:
        main: embeds every distinct prompt (its vectors give the day's neighbours).
        duplicate_similarity: cosine at which ``main`` places two prompts as the same prompt.
        topic: embeds topic words, when not ``main`` (``scoring.topics.embedder: static``
            beside MiniLM); the codebook's cells then live in its space.
    """

    main: Embedder
    duplicate_similarity: float
    topic: Embedder | None = None


@dataclass(frozen=True)
class Detector:
    """Everything that turns a traffic file into verdicts: the embedders and the index and scoring options."""

    models: Models
    index: IndexOptions
    scoring: ScoringOptions


@dataclass(frozen=True)
class Scored:
    """The verdict tables and facts about how they were made.

    Attributes:
        table: one row per account, ranked (``scoring.verdicts.verdict_table``).
        campaigns: one row per campaign, ranked; None when campaigns are switched off.
        centroids: the codebook the day's topic cells came from.
        codebook_model: identity of the embedder the codebook's cells live in.
        index_factory: the faiss index the day's neighbours came from.
        index_recall: that index's recall@k against exact search on a sample, if checked.
    """

    table: pd.DataFrame
    campaigns: pd.DataFrame | None
    centroids: np.ndarray
    codebook_model: dict
    index_factory: str
    index_recall: dict | None


def score_traffic(source: InputOptions, detector: Detector, *, reject: Callable[[Rejected], None],
                  timer: StageTimer, progress: bool = True) -> tuple[Day, Scored]:
    """Read, embed and score one traffic file.

    Args:
        source: the traffic file and how to read it.
        detector: the embedders and the options of every stage.
        reject: called with every row that cannot be used.
        timer: records each stage's wall time and peak memory.
        progress: show a progress bar over rows.

    Raises:
        traffic.read.InputError: the file or a required column is missing.
    """
    main = detector.models.main
    with timer("read_embed"):
        day = ingest(read_traffic(source), embed=main.encode, dim=main.dim, reject=reject, progress=progress,
                     vectors_in_memory_max=detector.index.vectors_in_memory_max)
    return day, score_day(day, detector, timer=timer)


def score_day(day: Day, detector: Detector, *, timer: StageTimer) -> Scored:
    """Score every account of an ingested day (see the scoring package for each signal)."""
    scoring, index, models = detector.scoring, detector.index, detector.models
    n_uids = len(day.vectors)
    if n_uids < 2:
        raise ValueError("the day has fewer than 2 distinct valid prompts: nothing to score")
    nodes = Nodes.of_rows(day.row_account, day.row_uid, n_owners=len(day.accounts), n_uids=n_uids)

    # Neighbours across all accounts, and each prompt's reach.
    with timer("index"):
        factory, reach, nn_ids, recall = _neighbours(day, nodes, index=index,
                                                     duplicate_similarity=models.duplicate_similarity,
                                                     seed=scoring.seed)
    # Templates within each account.
    with timer("templates"):
        popular = reach >= scoring.templates.popular_accounts
        groups = mine_templates(day.tokens, day.vectors, nodes, popular=popular, rules=scoring.templates, index=index)
    # Topic cells, and how broadly each account covers them.
    with timer("topics"):
        topics = TopicVectors(day=day, embedder=models.topic or models.main, separate=models.topic is not None,
                              options=scoring.topics)
        centroids, node_cell = topic_cells(topics, nodes, groups.family, seed=scoring.seed)
        profile = cell_profiles(nodes, node_cell, n_cells=len(centroids))
        cover = coverage_scores(profile, cell_weights=np.bincount(node_cell, minlength=len(centroids)),
                                options=scoring.coverage)
    # Verdicts per account.
    with timer("verdicts"):
        signals = _account_signals(day, nodes, profile=profile, cover=cover, groups=groups, popular=popular)
        table = verdict_table(signals, n_cells=len(centroids), options=scoring)
    # Campaigns: accounts that act as one, scored as one actor.
    campaigns = None
    if scoring.campaigns.enabled:
        with timer("campaigns"):
            found = AccountStage(nodes=nodes, neighbour_ids=nn_ids, reach=reach, popular=popular, node_cell=node_cell,
                                 centroids=centroids, profile=profile, signals=signals)
            linked = link_accounts(day, found, scoring=scoring)
            membership, campaigns = score_campaigns(day, found, linked, topics=topics, index=index, scoring=scoring)
            table = apply_campaigns(table, membership, campaigns)
    return Scored(table=table, campaigns=campaigns, centroids=centroids, codebook_model=topics.embedder.identity,
                  index_factory=factory, index_recall=recall)


def _account_signals(day: Day, nodes: Nodes, *, profile, cover, groups, popular: np.ndarray) -> AccountSignals:
    n_accounts = nodes.n_accounts
    first = np.full(n_accounts, np.inf)
    last = np.full(n_accounts, -np.inf)
    np.minimum.at(first, day.row_account, day.row_time)
    np.maximum.at(last, day.row_account, day.row_time)
    return AccountSignals(
        account_id=day.accounts,
        n_prompts=np.bincount(day.row_account, minlength=n_accounts),
        n_distinct=profile.n_distinct, cells=profile.cells, diversity=cover.diversity,
        typical_cells=cover.typical_cells, typical_diversity=cover.typical_diversity,
        day_diversity=cover.day_diversity, coverage=cover.coverage, templating=groups.templating,
        n_templates=groups.n_templates, top_share=groups.top_share, top_template=groups.top_template,
        top_templates=groups.top_templates, effective_templates=groups.effective_templates,
        popular_share=np.bincount(nodes.account, weights=popular[nodes.uid], minlength=n_accounts)
        / np.maximum(profile.n_distinct, 1),
        first_seen=first, last_seen=last,
    )


def _neighbours(day: Day, nodes: Nodes, *, index: IndexOptions, duplicate_similarity: float,
                seed: int) -> tuple[str, np.ndarray, np.ndarray, dict | None]:
    """The index factory used, each prompt's reach across all accounts, the day's neighbour ids
    (int32), and the index's recall on a sample when ``index.recall_sample`` asks for it."""
    n_uids = len(day.vectors)
    factory = resolve_factory(index, n_uids, dim=day.vectors.shape[1])
    day_index = build_index(day.vectors, options=index)
    nn_sims, nn_ids = self_knn(day_index, day.vectors, k=min(index.k, n_uids - 1))
    del day_index  # the index is the largest thing a big day holds; nothing after this searches it
    # int32 ids (half the memory; every uid fits) are kept through the campaign stage.
    nn_ids = nn_ids.astype(np.int32)
    recall = _sampled_recall(day.vectors, nn_ids, size=index.recall_sample, seed=seed) if factory != "Flat" else None
    reach = prompt_reach(nodes, nn_ids, nn_sims, min_similarity=duplicate_similarity)
    return factory, reach, nn_ids, recall


def _sampled_recall(vectors, nn_ids: np.ndarray, *, size: int, seed: int) -> dict | None:
    """recall@k of the day's neighbour lists against exact search for ``size`` sampled prompts."""
    if size <= 0:
        return None
    sample = np.sort(np.random.default_rng(seed).choice(len(vectors), size=min(size, len(vectors)), replace=False))
    _, exact = exact_knn(vectors, sample, k=nn_ids.shape[1])
    recall = recall_at_k(nn_ids[sample], exact)
    log.info("index recall@%d against exact search on %d sampled prompts: %.3f", nn_ids.shape[1], len(sample), recall)
    return {"k": int(nn_ids.shape[1]), "sample": int(len(sample)), "recall": round(recall, 4)}
