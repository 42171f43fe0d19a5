"""The daily job: traffic -> embeddings -> index -> signals -> ranked verdicts.

``run_day`` reads one day of traffic and writes, into the output folder,
``accounts.parquet``/``accounts.csv`` (ranked verdicts), ``rejected.jsonl`` and
``summary.json`` (written last). Every stage takes plain typed options.
"""

from __future__ import annotations

import logging
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from index.neighbours import build_index, exact_knn, recall_at_k, resolve_factory, self_knn
from job.campaigns import link_accounts, score_campaigns
from job.config import IndexOptions, InputOptions, ScoringOptions, TopicsOptions
from job.ingest import Day, ingest
from files.rejected import RejectedLog
from files.tables import write_json, write_table
from job.templates import mine_templates
from scoring.arrays import distinct
from scoring.campaign_verdicts import apply_campaigns
from scoring.coverage import cell_profiles, coverage_scores
from scoring.popularity import prompt_reach
from scoring.topic_text import TopicWords
from scoring.topics import assign_cells, choose_n_cells, load_codebook, save_codebook, train_codebook
from scoring.verdicts import AccountSignals, verdict_table
from traffic.read import Columns, read_traffic


log = logging.getLogger(__name__)


class StageTimer:
    """Wall time of each named stage, in seconds, and the process's peak RSS when it ended (MB),
    so a summary shows which stage set the memory high-water mark. Logged as each stage ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_mb: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(time.perf_counter() - start, 3)
            self.peak_rss_mb[stage] = _peak_rss_mb()
            log.info("%s: %.1f s (peak RSS so far %.0f MB)", stage, self.seconds[stage], self.peak_rss_mb[stage])


@dataclass
class Scored:
    """The verdict table and facts about how it was made."""

    table: pd.DataFrame
    n_cells: int
    index_factory: str
    centroids: np.ndarray
    campaigns: pd.DataFrame | None = None  # None when campaigns are switched off
    codebook_model: dict | None = None  # identity of the embedder the codebook's cells live in
    index_recall: dict | None = None  # the day index's recall@k against exact search on a sample, if checked


def score_day(day: Day, *, embed, index: IndexOptions, scoring: ScoringOptions, duplicate_similarity: float,
              model: dict, timer: StageTimer, topic_embed=None, topic_model: dict | None = None) -> Scored:
    """Score every account of an ingested day (see the scoring package for each signal).

    ``topic_embed``/``topic_model``: another embedder for topic words (default: ``embed``); then every
    prompt's topic vector, and the codebook, live in that embedder's space.
    """
    separate = topic_embed is not None
    topic_embed, topic_model = (topic_embed, topic_model) if separate else (embed, model)
    n_uids, n_accounts = len(day.vectors), len(day.accounts)
    if n_uids < 2:
        raise ValueError("the day has fewer than 2 distinct valid prompts: nothing to score")
    # A node is one distinct (account, prompt) pair; nodes are sorted by account.
    keys = distinct(day.row_account.astype(np.int64) * n_uids + day.row_uid)
    node_account, node_uid = keys // n_uids, keys % n_uids
    del keys  # one int64 per node: on a large day, memory the later stages need

    with timer("index"):
        factory, reach, nn_ids, recall = _neighbours(day, node_account, node_uid, index=index,
                                                     duplicate_similarity=duplicate_similarity, seed=scoring.seed)
    with timer("templates"):
        popular = reach >= scoring.templates.popular_accounts
        groups = mine_templates(day.tokens, day.vectors, node_account, node_uid, n_accounts=n_accounts,
                                popular=popular, templates=scoring.templates, index=index)
    with timer("topics"):
        centroids, node_cell = _topic_cells(day, node_uid, groups.family, embed=topic_embed, topics=scoring.topics,
                                            model=topic_model, seed=scoring.seed, separate=separate)
        profile = cell_profiles(node_account, node_cell, n_accounts=n_accounts, n_cells=len(centroids))
        cover = coverage_scores(profile, cell_weights=np.bincount(node_cell, minlength=len(centroids)),
                                z=scoring.coverage.z, min_volume=scoring.coverage.min_volume,
                                softness=scoring.coverage.softness)
    with timer("verdicts"):
        first, last = _time_range(day.row_account, day.row_time, n_accounts)
        signals = AccountSignals(
            account_id=day.accounts,
            n_prompts=np.bincount(day.row_account, minlength=n_accounts),
            n_distinct=profile.n_distinct, cells=profile.cells, diversity=cover.diversity,
            typical_cells=cover.typical_cells, typical_diversity=cover.typical_diversity,
            day_diversity=cover.day_diversity, coverage=cover.coverage, templating=groups.templating,
            n_templates=groups.n_templates, top_share=groups.top_share, top_template=groups.top_template,
            top_templates=groups.top_templates, effective_templates=groups.effective_templates,
            popular_share=np.bincount(node_account, weights=popular[node_uid], minlength=n_accounts)
            / np.maximum(profile.n_distinct, 1),
            first_seen=first, last_seen=last,
        )
        table = verdict_table(signals, n_cells=len(centroids), coverage_weight=scoring.coverage_weight,
                              threshold=scoring.threshold, min_prompts=scoring.min_prompts,
                              sweep_templates=scoring.sweep_templates, base_templates=scoring.base_templates)
    campaigns = None
    if scoring.campaigns.enabled:
        with timer("campaigns"):
            membership, campaigns = _campaigns(
                day, node_account=node_account, node_uid=node_uid, nn_ids=nn_ids, reach=reach, popular=popular,
                node_cell=node_cell, centroids=centroids, profile=profile, signals=signals, index=index,
                scoring=scoring, topic_embed=topic_embed, separate=separate)
            table = apply_campaigns(table, membership, campaigns)
    return Scored(table=table, n_cells=len(centroids), index_factory=factory, centroids=centroids,
                  campaigns=campaigns, codebook_model=topic_model, index_recall=recall)


def _campaigns(day: Day, *, node_account: np.ndarray, node_uid: np.ndarray, nn_ids: np.ndarray, reach: np.ndarray,
               popular: np.ndarray, node_cell: np.ndarray, centroids: np.ndarray, profile, signals: AccountSignals,
               index: IndexOptions, scoring: ScoringOptions, topic_embed,
               separate: bool) -> tuple[pd.Series, pd.DataFrame]:
    """Link accounts into campaigns and score each as one actor (``job.campaigns``)."""
    found, timing = link_accounts(
        node_account=node_account, node_uid=node_uid, neighbour_ids=nn_ids, reach=reach, node_cell=node_cell,
        n_cells=len(centroids), n_distinct=profile.n_distinct, row_account=day.row_account, row_time=day.row_time,
        options=scoring.campaigns, popular_accounts=scoring.templates.popular_accounts, seed=scoring.seed)

    def cells_of(uid: np.ndarray, group: np.ndarray) -> np.ndarray:
        vectors_of = _topic_vectors(day, uid, group, embed=topic_embed, topics=scoring.topics, separate=separate)
        return _assign_in_batches(vectors_of, np.arange(len(uid)), centroids, np.empty(len(uid), dtype=np.int32))

    return score_campaigns(
        found, timing=timing, accounts=day.accounts, tokens=day.tokens, vectors=day.vectors,
        node_account=node_account, node_uid=node_uid, account_profile=profile, cells_of=cells_of,
        cell_weights=np.bincount(node_cell, minlength=len(centroids)), n_prompts=signals.n_prompts,
        popular=popular, first_seen=signals.first_seen, last_seen=signals.last_seen, n_cells=len(centroids),
        index=index, scoring=scoring)


def _neighbours(day: Day, node_account: np.ndarray, node_uid: np.ndarray, *, index: IndexOptions,
                duplicate_similarity: float, seed: int = 0) -> tuple[str, np.ndarray, np.ndarray, dict | None]:
    """The index factory used, each prompt's reach across all accounts, the day's neighbour ids
    (int32), and the index's recall on a sample when ``index.recall_sample`` asks for it."""
    n_uids = len(day.vectors)
    factory = resolve_factory(index.factory, n_uids, flat_max=index.flat_max, sq8_max=index.sq8_max,
                              dim=day.vectors.shape[1])
    day_index = build_index(day.vectors, factory=factory, nprobe=index.nprobe, ef_search=index.ef_search,
                            refine_k_factor=index.refine_k_factor)
    nn_sims, nn_ids = self_knn(day_index, day.vectors, k=min(index.k, n_uids - 1))
    del day_index  # the index is the largest thing a big day holds; nothing after this searches it
    # int32 ids (half the memory; every uid fits) are kept through the campaign stage.
    nn_ids = nn_ids.astype(np.int32)
    recall = _sampled_recall(day.vectors, nn_ids, size=index.recall_sample, seed=seed) if factory != "Flat" else None
    reach = prompt_reach(node_uid, node_account, nn_ids, nn_sims, n_uids=n_uids, n_accounts=len(day.accounts),
                         min_similarity=duplicate_similarity)
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


def _topic_cells(day: Day, node_uid: np.ndarray, node_group: np.ndarray, *, embed, topics: TopicsOptions,
                 model: dict, seed: int, separate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The codebook, and the topic cell of every node (assigned on its topic words).

    Topic vectors are made a batch at a time and never held for the whole day: the
    codebook trains on a fixed-seed sample of nodes, and the rest are assigned in batches.
    """
    vectors_of = _topic_vectors(day, node_uid, node_group, embed=embed, topics=topics, separate=separate)
    n = len(node_uid)
    cells = np.empty(n, dtype=np.int32)
    if topics.codebook:
        centroids = load_codebook(topics.codebook, model=model)
        return centroids, _assign_in_batches(vectors_of, np.arange(n), centroids, cells)
    k = choose_n_cells(n, n_cells=topics.n_cells, min_points_per_cell=topics.min_points_per_cell)
    sample = np.arange(n)
    if n > topics.sample_max:
        sample = np.sort(np.random.default_rng(seed).choice(n, size=topics.sample_max, replace=False))
    sample_vectors = vectors_of(sample)
    centroids = train_codebook(sample_vectors, n_cells=k, n_iter=topics.n_iter, sample_max=topics.sample_max,
                               seed=seed)
    cells[sample] = assign_cells(sample_vectors, centroids)
    del sample_vectors
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    return centroids, _assign_in_batches(vectors_of, rest, centroids, cells)


def _assign_in_batches(vectors_of, nodes: np.ndarray, centroids: np.ndarray, cells: np.ndarray,
                       batch: int = 65_536) -> np.ndarray:
    for start in range(0, len(nodes), batch):
        part = nodes[start : start + batch]
        cells[part] = assign_cells(vectors_of(part), centroids)
    return cells


def _topic_vectors(day: Day, node_uid: np.ndarray, node_group: np.ndarray, *, embed, topics: TopicsOptions,
                   separate: bool = False):
    """nodes -> their topic vectors: template wording (of each node's own group) and request words left out.

    With a ``separate`` topic embedder every node is embedded by it (from its topic text, or its
    stored tokens when no word is left out); otherwise unchanged nodes reuse the day's vectors.
    """
    words = (TopicWords(day.tokens, node_group, node_uid, share=topics.template_word_share,
                        min_count=topics.template_word_min_count) if topics.topic_words_only else None)

    def vectors_of(nodes: np.ndarray) -> np.ndarray:
        texts = words.texts(nodes) if words is not None else {}
        if separate:
            full = [texts.get(i) or day.tokens.render(day.tokens.get(int(u)).tolist())
                    for i, u in enumerate(node_uid[nodes])]
            return np.asarray(embed(full), dtype=np.float32)
        vectors = day.vectors[node_uid[nodes]]
        if texts:
            vectors[np.fromiter(texts, dtype=np.int64, count=len(texts))] = embed(list(texts.values()))
        return vectors

    return vectors_of


def open_traffic(source: str | Path, read: InputOptions):
    """The chunk stream of a traffic file under the input options.

    Checks the file and its (configured) columns at once: raises
    ``traffic.read.InputError`` before anything is read or written.
    """
    columns = Columns(read.columns.account_id, read.columns.timestamp, read.columns.prompt)
    return read_traffic(source, columns=columns, file_format=read.format, chunk_rows=read.chunk_rows,
                        max_prompt_chars=read.max_prompt_chars)


def run_day(
    *,
    source: str | Path,
    output_dir: str | Path,
    embed,
    dim: int,
    model: dict,
    read: InputOptions,
    index: IndexOptions,
    scoring: ScoringOptions,
    duplicate_similarity: float,
    config: dict | None = None,
    progress: bool = True,
    topic_embed=None,
    topic_model: dict | None = None,
) -> dict:
    """Score one traffic file and write the results; returns the summary.

    Args:
        source: the traffic file.
        output_dir: folder for the results (created).
        embed: texts -> (n, dim) unit-norm float32 vectors (an ``embedder.Embedder.encode``).
        dim: embedding dimension.
        model: the embedder's identity (``embedder.model_identity``), recorded in the summary.
        read, index, scoring: options (see ``job.config``).
        duplicate_similarity: cosine at which two prompts count as the same prompt.
        config: the resolved configuration to record in the summary.
        progress: show progress bars.
        topic_embed, topic_model: a separate embedder (and its identity) for topic words; default ``embed``.

    Raises:
        traffic.read.InputError: missing file or column (nothing is written).
    """
    out = Path(output_dir)
    timer = StageTimer()
    started = time.time()
    rejected = None
    try:
        with timer("read_embed"):
            # The reader checks the file and its columns up front: a bad input fails before anything is written.
            chunks = open_traffic(source, read)
            out.mkdir(parents=True, exist_ok=True)
            rejected = RejectedLog(out / "rejected.jsonl", source=str(source))
            day = ingest(chunks, embed=embed, dim=dim, reject=rejected, progress=progress,
                         vectors_in_memory_max=index.vectors_in_memory_max)
        scored = score_day(day, embed=embed, index=index, scoring=scoring, duplicate_similarity=duplicate_similarity,
                           model=model, timer=timer, topic_embed=topic_embed, topic_model=topic_model)
        with timer("write"):
            rejected.commit()
            write_table(scored.table, out, "accounts")
            if scored.campaigns is not None:
                write_table(scored.campaigns, out, "campaigns")
            save_codebook(scored.centroids, out / "codebook.npy", model=scored.codebook_model or model)
    except BaseException:
        if rejected is not None:
            rejected.discard()
        raise
    summary = _summary(day, scored, source=source, model=model, config=config, timer=timer, started=started)
    write_json(summary, out / "summary.json")
    return summary


def _summary(day: Day, scored: Scored, *, source, model: dict, config: dict | None, timer: StageTimer, started: float) -> dict:
    table = scored.table
    return {
        "input": str(source),
        "rows_read": day.rows_read,
        "rows_valid": int(len(day.row_uid)),
        "rows_rejected": int(sum(day.rejected.values())),
        "rows_rejected_by_reason": dict(sorted(day.rejected.items())),
        "distinct_prompts": int(len(day.vectors)),
        "accounts_scored": int(len(table)),
        "accounts_flagged": int(table["flagged"].sum()),
        "top_accounts": table.head(10)[["account_id", "score", "flagged"]].to_dict(orient="records"),
        "campaigns": 0 if scored.campaigns is None else int(len(scored.campaigns)),
        "campaigns_flagged": 0 if scored.campaigns is None else int(scored.campaigns["flagged"].sum()),
        "accounts_flagged_through_campaigns": int(table["reason"].str.startswith("Flagged through").sum()),
        "index_factory": scored.index_factory,
        "index_recall": scored.index_recall,
        "topic_cells": scored.n_cells,
        "stage_seconds": timer.seconds,
        "total_seconds": round(time.time() - started, 3),
        "peak_rss_mb": _peak_rss_mb(),
        "stage_peak_rss_mb": timer.peak_rss_mb,
        "model": model,
        "config": config,
    }


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _time_range(row_account: np.ndarray, row_time: np.ndarray, n_accounts: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.full(n_accounts, np.inf)
    last = np.full(n_accounts, -np.inf)
    np.minimum.at(first, row_account, row_time)
    np.maximum.at(last, row_account, row_time)
    return first, last
