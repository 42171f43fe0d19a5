"""The three sections of ``tools/benchmark.py``: template grouping, topic assignment, embedding.

Each section runs the project's stage and its peers on the same prompts (and
the same precomputed vectors) in this process, and returns one row per method:
``method``, ``prompts``, ``seconds``, ``per_s`` (prompts/s), ``peak_mb`` (peak RSS
growth, see :mod:`benchmark.measure`), quality figures, and ``note``. A
peer that cannot run here (not installed) gets a row saying why instead of figures.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from benchmark.data import Sample
from benchmark.embed import neighbour_recall
from benchmark.measure import Measured, measure
from benchmark.topics import bertopic_topics, fitted_topics, reference_topics, topic_quality, topic_word_vectors
from benchmark.grouping import community_groups, drain_groups, minhash_groups, project_groups
from benchmark.grouping_quality import grouping_quality, kept_groups

log = logging.getLogger(__name__)


def _row(method: str, n: int, m: Measured, quality: dict, note: str = "") -> dict:
    return {"method": method, "prompts": n, "seconds": round(m.seconds, 4),
            "per_s": round(n / m.seconds, 1) if m.seconds > 0 else float("inf"),
            "peak_mb": round(m.peak_mb, 1), **{k: round(v, 4) for k, v in quality.items()}, "note": note}


def _unavailable(method: str, n: int, err: Exception) -> dict:
    log.warning("%s not run: %s", method, err)
    return {"method": method, "prompts": n, "note": f"not run: {type(err).__name__}: {err}"}


def _peer(method: str, n: int, run: Callable[[], np.ndarray], judge: Callable[[np.ndarray], dict],
          note: str = "", repeat: int = 1) -> dict:
    """Time one peer (fastest of ``repeat`` runs); a missing package becomes a row that says so."""
    try:
        m = measure(run, repeat=repeat)
    except ImportError as err:
        return _unavailable(method, n, err)
    return _row(method, n, m, judge(m.result), note)


def grouping_section(sample: Sample, vectors: np.ndarray, *, skip: set[str], community_thresholds=(0.75, 0.9),
                     minhash_threshold: float = 0.5, drain_thresholds=(0.4, 0.2, 0.1), repeat: int = 1,
                     text_labels: np.ndarray | None = None) -> list[dict]:
    """Project template groups vs MinHash-LSH, community detection and Drain3 (quality vs the labels).

    Each method is timed as the fastest of ``repeat`` runs, so that the ratios between
    them are not set by whatever else the machine was doing during one of them.
    Drain3 runs at each of ``drain_thresholds`` (its default 0.4, and lower ones that
    merge more: how its purity falls as its coverage grows). With ``text_labels`` (one
    label per template text, see :func:`benchmark.data.template_text_labels`), every row
    also has ``text_purity`` and ``text_recovery``: purity and recovery against those.
    """
    n, texts = len(sample.texts), sample.texts

    def judge(pred: np.ndarray, rows: np.ndarray | slice = slice(None)) -> dict:
        quality = grouping_quality(pred[rows], sample.labels[rows])
        if text_labels is not None:
            by_text = grouping_quality(pred[rows], text_labels[rows])
            quality.update(text_purity=by_text["purity"], text_recovery=by_text["recovery"])
        return quality

    m = measure(lambda: project_groups(texts, vectors), repeat=repeat)
    groups, steps = m.result
    steps_note = "; ".join(f"{k} {v:.2f} s" for k, v in steps.items())
    rows = [_row("project: mine_templates (tokens + skeletons + kNN siblings for the rest)", n, m, judge(groups),
                 steps_note)]
    if "minhash" not in skip:
        rows.append(_peer(f"datasketch MinHashLSH (word 3-shingles, 128 perm, threshold {minhash_threshold})", n,
                          lambda: minhash_groups(texts, threshold=minhash_threshold), judge,
                          "groups = connected components of LSH matches", repeat))
    if "community" not in skip:
        for threshold in community_thresholds:
            default = " (library default)" if threshold == 0.75 else ""
            rows.append(_peer(f"sentence-transformers community_detection, cosine {threshold}{default}", n,
                              lambda t=threshold: community_groups(vectors, threshold=t), judge,
                              "same static vectors as the project; min_community_size 3", repeat))
    if "drain" not in skip:
        try:
            from drain3.template_miner_config import TemplateMinerConfig

            drain_default = TemplateMinerConfig().drain_sim_th
        except ImportError:
            drain_default = None  # the rows below then say Drain3 is not installed
        for sim_th in drain_thresholds:
            default = " (default)" if sim_th == drain_default else ""
            method = f"Drain3 TemplateMiner (sim_th {sim_th}{default}, depth 4)"
            try:
                drained = measure(lambda t=sim_th: drain_groups(texts, sim_th=t), repeat=repeat)
            except ImportError as err:
                rows.append(_unavailable(method, n, err))
                return rows
            rows.append(_row(method, n, drained, judge(drained.result), "one prompt = one log line"))
            # Drain groups only prompts of equal token count; purity over that easy share alone is no
            # like-for-like figure, so the project's groups are also judged on exactly those prompts.
            both = kept_groups(drained.result) >= 0
            if both.any():
                rows.append({"method": f"project, judged on only the prompts Drain3 (sim_th {sim_th}) groups",
                             "prompts": int(both.sum()), **{k: round(v, 4) for k, v in judge(groups, both).items()},
                             "note": "the first row's groups, restricted to that Drain3 row's share"})
    return rows


def topics_section(sample: Sample, vectors: np.ndarray, embed, *, reference, skip: set[str],
                   seed: int = 0) -> list[dict]:
    """The project's topic cells (the shipped reference, and one fitted on the sample) vs BERTopic,
    each against the sample's topic label."""
    n, texts = len(sample.texts), sample.texts
    judge = lambda pred: topic_quality(pred, sample.labels)  # noqa: E731
    m = measure(lambda: reference_topics(topic_word_vectors(texts, vectors, embed), reference))
    rows = [_row("project: shipped reference's subjects on topic words (as the daily job)", n, m, judge(m.result),
                 "includes re-embedding each prompt's topic words")]
    m = measure(lambda: fitted_topics(topic_word_vectors(texts, vectors, embed), embed, seed=seed))
    rows.append(_row("project: a reference fitted on these prompts' topic words", n, m, judge(m.result),
                     "scoring.reference: day"))
    if "bertopic" not in skip:
        try:
            # numba compiles UMAP and HDBSCAN on first use; warm up on a small slice so that is not timed.
            warm = min(n, 300)
            bertopic_topics(texts[:warm], vectors[:warm], seed=seed, min_topic_size=5)
        except ImportError as err:
            rows.append(_unavailable("BERTopic", n, err))
            return rows
        rows.append(_peer("BERTopic fit_transform (UMAP 5-d + HDBSCAN, min_topic_size 10)", n,
                          lambda: bertopic_topics(texts, vectors, seed=seed), judge,
                          "same vectors; numba JIT warmed up beforehand, not timed"))
    return rows


def embedding_section(texts: list[str], static, minilm=None, *, k: int = 10,
                      static_full: tuple[int, Measured] | None = None) -> list[dict]:
    """Static vs MiniLM throughput on the same prompts, and recall@k of static neighbours vs MiniLM's.

    ``static_full`` is (prompts, measurement) of the static model on a larger
    set (the grouping sample), reported as an extra row: on a few hundred
    prompts its throughput is mostly per-call overhead.
    """
    n = len(texts)
    m_static = measure(lambda: static.encode(texts))
    rows = [_row(f"project default: static (model2vec, {static.dim}-d)", n, m_static, {})]
    if minilm is not None:
        m_minilm = measure(lambda: minilm.encode(texts))
        recall = neighbour_recall(m_static.result, m_minilm.result, k=k)
        rows[0][f"recall@{k}_vs_minilm"] = round(recall, 4)
        rows.append(_row(f"all-MiniLM-L6-v2 ({minilm.dim}-d, batch {minilm.batch_size})", n, m_minilm,
                         {f"recall@{k}_vs_minilm": 1.0}, "reference for neighbour recall"))
    if static_full is not None:
        rows.append(_row(f"static, all {static_full[0]:,} grouping prompts", static_full[0], static_full[1], {},
                         "throughput at scale (batch 1024)"))
    return rows
