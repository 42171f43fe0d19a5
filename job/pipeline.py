"""The pipeline: traffic -> embeddings -> index -> signals -> ranked verdicts.

:func:`score_traffic` is the one function the daily job and the labelled evaluation
both call: it reads a traffic file through the embedder into a :class:`~job.ingest.Day`
and scores every account and campaign of it (:func:`score_day`). Every stage takes
plain typed options; nothing here sees a Hydra config.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from embedder import Embedder
from engine import Engine, LocalEngine
from index.lists import DEPTH, Lists, merge_lists
from index.neighbours import Trained, exact_knn, recall_at_k, resolve_factory, trainable_factory, trained_index
from index.options import IndexOptions
from job.campaigns import AccountStage, campaigns_frame, link_accounts, membership, pool_campaigns
from job.ingest import Day, NothingToScore
from job.stage_timer import StageTimer
from job.topic_cells import PlacedTexts, TopicVectors, day_reference
from scoring.campaign_verdicts import CampaignEvidence, apply_campaigns, may_flag, pool_flagged
from scoring.features import Features, Traffic, account_features, campaign_values, vocabulary_richness
from scoring.model import ScoringModel
from scoring.nodes import Nodes
from scoring.options import ScoringOptions
from scoring.popularity import prompt_reach
from scoring.reference import Reference
from scoring.templating import TemplateGroups, mine_templates
from scoring.verdicts import judge, verdict_table
from traffic.read import InputOptions, Rejected

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
    """Everything that turns a traffic file into verdicts: the embedders, the fitted scoring model
    (topic reference and combiner), the index and scoring options, and the engine that reads,
    embeds and self-joins the day (this process, or a Ray cluster)."""

    models: Models
    model: ScoringModel
    index: IndexOptions
    scoring: ScoringOptions
    engine: Engine = field(default_factory=LocalEngine)

    @property
    def threshold(self) -> float:
        """The account flag threshold: ``scoring.threshold``, or the combiner's fitted one."""
        return self.scoring.threshold if self.scoring.threshold is not None else self.model.combiner.threshold

    @property
    def campaign_threshold(self) -> float:
        """The campaign flag threshold: ``scoring.campaign_threshold``, or the campaign combiner's fitted one."""
        if self.scoring.campaign_threshold is not None:
            return self.scoring.campaign_threshold
        return self.model.campaign_combiner.threshold


@dataclass(frozen=True)
class Scored:
    """The verdict tables and facts about how they were made.

    Attributes:
        accounts: the day's account ids (the order of ``features`` and ``campaign_of``).
        table: one row per account, ranked (``scoring.verdicts.verdict_table``).
        campaigns: one row per campaign, ranked; None when campaigns are switched off.
        features: every account's features, in ``Day.accounts`` order.
        campaign_features: every campaign's pooled features (None without campaigns), in the
            order of ``campaign_ids``; ``campaign_of`` gives each account's campaign position or -1.
        reference: the topic space the day was placed in.
        index_factory: the faiss index the day's neighbours came from.
        index_recall: that index's recall@k against exact search on a sample, if checked.
        structure: the day's nodes, neighbours and templates (for the report's evidence).
        node_cell: each node's topic cell in ``reference`` (-1: none).
    """

    accounts: list[str]
    table: pd.DataFrame
    campaigns: pd.DataFrame | None
    features: Features
    campaign_features: Features | None
    campaign_evidence: CampaignEvidence | None
    campaign_ids: list[str]
    campaign_of: np.ndarray
    reference: Reference
    index_factory: str
    index_recall: dict | None
    structure: Structure | None = None
    node_cell: np.ndarray | None = None


def score_traffic(source: InputOptions, detector: Detector, *, reject: Callable[[Rejected], None],
                  timer: StageTimer, progress: bool = True) -> tuple[Day, Scored]:
    """Read, embed and score one traffic file.

    Args:
        source: the traffic file and how to read it.
        detector: the embedders and the options of every stage.
        reject: called with every row that cannot be used.
        timer: records each stage's wall time and peak memory.
        progress: show progress bars (rows read; the neighbour search).

    Raises:
        traffic.read.InputError: the file or a required column is missing.
        job.ingest.NothingToScore: fewer than 2 distinct valid prompts (the day rides on it).
    """
    day = read_day(source, detector, reject=reject, timer=timer, progress=progress)
    return day, score_day(day, detector, timer=timer, progress=progress)


def read_day(source: InputOptions, detector: Detector, *, reject: Callable[[Rejected], None], timer: StageTimer,
             progress: bool = True) -> Day:
    """Read and embed one traffic file (the ``read_embed`` stage of :func:`score_traffic`)."""
    with timer("read_embed"):
        return detector.engine.read_day(source, embedder=detector.models.main, reject=reject, progress=progress,
                                        vectors_in_memory_max=detector.index.vectors_in_memory_max)


@dataclass(frozen=True)
class Carried:
    """What the earlier days of a history window carry into its scoring, so that their work is not
    done again.

    Attributes:
        searched: the earlier days' searches (each prompt's latest; its window ids): only the
            other prompts are searched, and the window's lists are made from both (:mod:`index.lists`).
        placed: the topic texts already placed; added to as the window is placed.
        trained: the empty index an earlier day trained for its window, used again while it
            serves (:meth:`index.neighbours.Trained.serves`).
    """

    searched: Lists = field(default_factory=Lists.none)
    placed: PlacedTexts = field(default_factory=PlacedTexts)
    trained: Trained | None = None


@dataclass(frozen=True)
class Structure:
    """What the day's expensive stages found, before anything is scored.

    Attributes:
        nodes: the distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) each prompt's nearest other prompts across the day.
        reach: per prompt, accounts sending it or a near-duplicate.
        popular: per prompt, reach of ``popular_accounts`` or more.
        groups: the accounts' template groups.
        topics: how nodes become topic vectors.
        index_factory, index_recall: the day's index and its sampled recall.
        searched: in a history window, the prompts searched this run and what was found, and the
            index trained for it: what the next day's :class:`Carried` is made from.
    """

    nodes: Nodes
    neighbour_ids: np.ndarray
    reach: np.ndarray
    popular: np.ndarray
    groups: TemplateGroups
    topics: TopicVectors
    index_factory: str
    index_recall: dict | None
    searched: tuple[Lists, Trained] | None = None


def find_structure(day: Day, detector: Detector, *, timer: StageTimer, progress: bool = False,
                   carried: Carried | None = None) -> Structure:
    """The day's neighbours, reach and templates (see the scoring package for each); ``carried``:
    what a history window's earlier days found.

    Raises:
        job.ingest.NothingToScore: fewer than 2 distinct valid prompts.
    """
    scoring, index, models = detector.scoring, detector.index, detector.models
    n_uids = len(day.vectors)
    if n_uids < 2:
        raise NothingToScore(day)
    nodes = Nodes.of_rows(day.row_account, day.row_uid, n_owners=len(day.accounts), n_uids=n_uids)
    # Neighbours across all accounts, and each prompt's reach.
    with timer("index"):
        factory, reach, nn_ids, recall, searched = _neighbours(
            day, nodes, index=index, engine=detector.engine, duplicate_similarity=models.duplicate_similarity,
            seed=scoring.seed, progress=progress, carried=carried)
    # Templates within each account.
    with timer("templates"):
        popular = reach >= scoring.templates.popular_accounts
        # An account's templates come from its own prompts alone: leaving out the prompts that others
        # also send that day would move the same account's templating with whoever else wrote.
        groups = mine_templates(day.tokens, day.vectors, nodes, popular=np.zeros(n_uids, dtype=bool),
                                rules=scoring.templates, index=index)
    topics = TopicVectors(day=day, embedder=models.topic or models.main, separate=models.topic is not None,
                          options=scoring.topics, placed=carried.placed if carried is not None else PlacedTexts())
    return Structure(nodes=nodes, neighbour_ids=nn_ids, reach=reach, popular=popular, groups=groups, topics=topics,
                     index_factory=factory, index_recall=recall, searched=searched)


def score_day(day: Day, detector: Detector, *, timer: StageTimer, progress: bool = False,
              carried: Carried | None = None) -> Scored:
    """Score every account of an ingested day, and every campaign of them (``carried``: what a
    history window's earlier days found)."""
    found = find_structure(day, detector, timer=timer, progress=progress, carried=carried)
    return score_structure(day, found, detector, timer=timer)


def score_structure(day: Day, found: Structure, detector: Detector, *, timer: StageTimer) -> Scored:
    """Place, featurise and judge the accounts and campaigns of a day whose structure is found."""
    scoring = detector.scoring
    nodes, groups, popular, topics = found.nodes, found.groups, found.popular, found.topics
    # Each prompt's place in the fixed topic space.
    with timer("topics"):
        reference = detector.model.reference or day_reference(topics, nodes, groups.family, options=scoring.topics,
                                                              seed=scoring.seed)
        node_cell = topics.cells(nodes, groups.family, reference)
    # Features and verdicts per account.
    with timer("verdicts"):
        traffic = Traffic(day.row_account, day.row_uid, day.row_time, len(day.vectors))
        features = account_features(nodes, node_cell, reference=reference, groups=groups, popular=popular,
                                    traffic=traffic, vocabulary=vocabulary_richness(day.tokens, nodes), z=scoring.z)
        verdicts = judge(features.values, features.n_distinct, combiner=detector.model.combiner,
                         threshold=detector.threshold, min_prompts=scoring.min_prompts)
        seen = _seen(day)
        table = verdict_table(day.accounts, features, groups, verdicts, n_domains=reference.n_coarse, seen=seen)
    scored = Scored(accounts=day.accounts, table=table, campaigns=None, features=features, campaign_features=None,
                    campaign_evidence=None, campaign_ids=[],
                    campaign_of=np.full(len(day.accounts), -1), reference=reference,
                    index_factory=found.index_factory, index_recall=found.index_recall, structure=found,
                    node_cell=node_cell)
    if not scoring.campaigns.enabled:
        return scored
    # Campaigns: accounts that act as one, scored as one actor.
    with timer("campaigns"):
        stage = AccountStage(nodes=nodes, neighbour_ids=found.neighbour_ids, reach=found.reach, popular=popular,
                             node_cell=node_cell, reference=reference, features=features, seen=seen)
        linked = link_accounts(day, stage, scoring=scoring)
        return _with_campaigns(scored, day, stage, linked, detector=detector, topics=topics)


def _with_campaigns(scored: Scored, day: Day, found: AccountStage, linked, *, detector: Detector,
                    topics: TopicVectors) -> Scored:
    if linked.campaigns.n_campaigns == 0:
        return dataclasses.replace(scored, campaigns=empty_campaigns())
    pooled = pool_campaigns(day, found, linked, topics=topics, index=detector.index, scoring=detector.scoring)
    model = detector.model
    values = campaign_values(pooled.features.values, pooled.evidence.exchange, content=model.combiner.learned_logit)
    max_exchange = detector.scoring.campaigns.max_exchange
    verdicts = judge(values, pooled.features.n_distinct, combiner=model.campaign_combiner,
                     threshold=detector.campaign_threshold, min_prompts=detector.scoring.min_prompts,
                     eligible=may_flag(values[:, 0], pooled.evidence.exchange, account_threshold=detector.threshold,
                                       max_exchange=max_exchange))
    campaigns = campaigns_frame(pooled, verdicts, n_domains=found.reference.n_coarse, max_exchange=max_exchange,
                                pool_flagged=pool_flagged(values[:, 0], account_threshold=detector.threshold))
    table = apply_campaigns(scored.table, membership(day, linked, pooled.names), campaigns,
                            min_prompts=detector.scoring.min_prompts)
    return dataclasses.replace(scored, table=table, campaigns=campaigns, campaign_features=pooled.features,
                               campaign_evidence=pooled.evidence, campaign_ids=pooled.names,
                               campaign_of=linked.campaigns.campaign)


def empty_campaigns() -> pd.DataFrame:
    """The campaigns table of a day without campaigns (its columns, no rows)."""
    return pd.DataFrame({"campaign_id": pd.Series(dtype=str), "n_accounts": pd.Series(dtype=np.int64),
                         "score": pd.Series(dtype=float), "flagged": pd.Series(dtype=bool),
                         "reason": pd.Series(dtype=str)})


def _seen(day: Day) -> tuple[np.ndarray, np.ndarray]:
    n_accounts = len(day.accounts)
    first = np.full(n_accounts, np.inf)
    last = np.full(n_accounts, -np.inf)
    np.minimum.at(first, day.row_account, day.row_time)
    np.maximum.at(last, day.row_account, day.row_time)
    return first, last


def _neighbours(day: Day, nodes: Nodes, *, index: IndexOptions, engine: Engine, duplicate_similarity: float,
                seed: int, progress: bool = False, carried: Carried | None = None):
    """The index factory used, each prompt's reach across all accounts, the day's neighbour ids
    (int32), the index's recall on a sample when ``index.recall_sample`` asks for it, and (in a
    history window) what this run searched and the index trained for it."""
    n_uids = len(day.vectors)
    factory = resolve_factory(index, n_uids, dim=day.vectors.shape[1])
    trainable = trainable_factory(index, factory, n_uids, dim=day.vectors.shape[1])
    if trainable != factory:
        log.warning("index.factory=%s needs more distinct prompts to train than this day's %s; "
                    "this day uses %s instead", factory, f"{n_uids:,}", trainable)
        factory = trainable
        index = dataclasses.replace(index, factory=factory)
    # The index is the largest thing a big day holds; the engine drops it once searched.
    k = min(index.k, n_uids - 1)
    searched = None
    if carried is None:
        nn_sims, nn_ids = engine.self_knn(day.vectors, options=index, k=k, progress=progress)
    else:
        trained = carried.trained
        if trained is None or not trained.serves(factory):
            trained = Trained(factory, trained_index(day.vectors, options=index))
        factory, known = trained.factory, carried.searched
        queries = np.setdiff1d(np.arange(n_uids), known.rows)
        sims, ids = engine.self_knn(day.vectors, options=index, k=min(DEPTH * k, n_uids - 1), progress=progress,
                                    queries=queries, trained=trained.index)
        searched = (Lists(rows=queries, ids=ids, sims=sims), trained)
        nn_sims, nn_ids = merge_lists(n_uids, [known, searched[0]], k=k) if len(known.rows) else \
            (sims[:, :k], ids[:, :k])
    # int32 ids (half the memory; every uid fits) are kept through the campaign stage.
    nn_ids = nn_ids.astype(np.int32)
    recall = _sampled_recall(day.vectors, nn_ids, size=index.recall_sample, seed=seed) if factory != "Flat" else None
    reach = prompt_reach(nodes, nn_ids, nn_sims, min_similarity=duplicate_similarity)
    return factory, reach, nn_ids, recall, searched


def _sampled_recall(vectors, nn_ids: np.ndarray, *, size: int, seed: int) -> dict | None:
    """recall@k of the day's neighbour lists against exact search for ``size`` sampled prompts."""
    if size <= 0:
        return None
    sample = np.sort(np.random.default_rng(seed).choice(len(vectors), size=min(size, len(vectors)), replace=False))
    _, exact = exact_knn(vectors, sample, k=nn_ids.shape[1])
    recall = recall_at_k(nn_ids[sample], exact)
    log.info("index recall@%d against exact search on %d sampled prompts: %.3f", nn_ids.shape[1], len(sample), recall)
    return {"k": int(nn_ids.shape[1]), "sample": int(len(sample)), "recall": round(recall, 4)}
