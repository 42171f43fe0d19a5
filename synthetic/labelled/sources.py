"""The text sources of a simulated day: which corpus files feed which role, clustered by topic.

Topics are TF-IDF + k-means clusters (scikit-learn), deliberately not a neural
embedding, so the simulator shares no model with the detector it evaluates.
Prompts are dealt from shuffled :class:`Deck` objects shared by every account
of a role, so accounts draw disjoint prompts until a pool runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from synthetic.labelled.corpus import Corpus

Rng = np.random.Generator

GSM8K = "benign/gsm8k"
MMLU = "benign/mmlu"
SURVEY = "benign/anthropic_evals_humanwritten"
NOT_FOR_USERS = (GSM8K, MMLU, SURVEY)
"""Benign files that ordinary users do not draw from (students, eval runners, survey writers do)."""
SELF_INSTRUCT = ("distill/alpaca", "distill/codealpaca", "distill/alpaca_pipeline_reruns", "distill/moss003")
PERSONA = "distill/anthropic_mwe_persona"
PROMPTSOURCE = "distill/t0_promptsource_filled"
FLAN = "templates/flan"
MAX_CLUSTERS = 40


class AccountDay(NamedTuple):
    """What every account generator returns: its ground truth and its prompts with seconds of the day."""

    kind: str
    strategy: str
    label: str
    hard_negative: bool
    seconds: list[int]
    prompts: list[str]


class Deck:
    """Deal texts in a shuffled order without repeats; reshuffle and start over when exhausted."""

    def __init__(self, texts: Sequence[str], rng: Rng) -> None:
        if len(texts) == 0:
            raise ValueError("a Deck needs at least one text")
        self._texts, self._rng = list(texts), rng
        self._order, self._next = rng.permutation(len(self._texts)), 0

    def __len__(self) -> int:
        return len(self._texts)

    def draw(self) -> str:
        """The next text."""
        if self._next == len(self._order):
            self._order, self._next = self._rng.permutation(len(self._texts)), 0
        self._next += 1
        return self._texts[self._order[self._next - 1]]

    def deal(self, n: int) -> list[str]:
        """The next n texts."""
        return [self.draw() for _ in range(n)]


def n_clusters_for(n_texts: int) -> int:
    """About 40 topics for a real pool; fewer for tiny corpora (at least ~25 texts a cluster)."""
    return max(1, min(MAX_CLUSTERS, n_texts // 25))


def topic_clusters(texts: Sequence[str], *, seed: int) -> np.ndarray:
    """Cluster id (0..k-1) of every text: TF-IDF (sublinear, English stop words), LSA, MiniBatchKMeans.

    The LSA step (TruncatedSVD to at most 100 dimensions, re-normalised) is
    there because k-means straight on sparse TF-IDF seeds on outliers and
    leaves one giant cluster and dozens of singletons.
    """
    k = n_clusters_for(len(texts))
    if k == 1:
        return np.zeros(len(texts), dtype=int)
    vectors = TfidfVectorizer(max_features=20_000, stop_words="english", sublinear_tf=True,
                              dtype=np.float32).fit_transform(texts)
    dims = min(100, vectors.shape[1] - 1, len(texts) - 1)
    # One BLAS/OpenMP thread: on a small shared machine more threads made this step ~8x slower.
    with threadpool_limits(limits=1):
        if dims >= 2:
            vectors = normalize(TruncatedSVD(dims, n_iter=3, random_state=seed).fit_transform(vectors))
        kmeans = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
        return kmeans.fit_predict(vectors)


def by_group(texts: Sequence[str], groups: Sequence) -> dict:
    """Texts grouped by key, keys in first-seen order, texts in their original order."""
    grouped: dict = {}
    for text, group in zip(texts, groups):
        grouped.setdefault(group, []).append(text)
    return grouped


@dataclass
class Sources:
    """Every pool of one split, texts in file order.

    ``user`` is the ordinary users' benign pool and ``sweep`` that pool plus the
    self-instruct files (what template sweeps fill their slots from);
    ``user_topic``/``sweep_topic`` hold each text's k-means label, and
    ``user_clusters``/``sweep_clusters`` the texts of each non-empty cluster.
    ``persona``, ``promptsource`` and ``mmlu`` are keyed by ``meta.persona``,
    ``meta.template_id`` and ``meta.subject``, keys in file order.
    """

    user: list[str]
    user_topic: np.ndarray
    sweep: list[str]
    sweep_topic: np.ndarray
    self_instruct: list[str]
    persona: dict[str, list[str]]
    promptsource: dict[str, list[str]]
    gsm8k: list[str]
    mmlu: dict[str, list[str]]
    survey: list[str]
    flan: list[str]
    user_clusters: list[list[str]] = field(init=False)
    sweep_clusters: list[list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.user_clusters = _clusters(self.user, self.user_topic)
        self.sweep_clusters = _clusters(self.sweep, self.sweep_topic)


def _clusters(texts: list[str], topic: np.ndarray) -> list[list[str]]:
    grouped = by_group(texts, topic.tolist())
    return [grouped[key] for key in sorted(grouped)]  # k-means can leave a cluster empty


def _texts(rows: pd.DataFrame, files: Sequence[str]) -> list[str]:
    return rows.loc[rows["file"].isin(files), "text"].tolist()


def _meta_groups(rows: pd.DataFrame, file: str, key: str) -> dict[str, list[str]]:
    part = rows[rows["file"] == file]
    return by_group(part["text"].tolist(), [str(meta.get(key, "")) for meta in part["meta"]])


def build_sources(corpus: Corpus, *, split: str, seed: int) -> Sources:
    """Pick the pools of ``split`` out of the corpus and cluster the benign and sweep pools.

    Raises:
        ValueError: if the split lacks a file that some role needs (the message
            names the files and the role).
    """
    rows = corpus.of_split(split)
    benign = rows[rows["kind"] == "benign"]
    user = benign.loc[~benign["file"].isin(NOT_FOR_USERS), "text"].tolist()
    self_instruct = _texts(rows, SELF_INSTRUCT)
    sources = Sources(
        user=user, user_topic=topic_clusters(user, seed=seed) if user else np.zeros(0, int),
        sweep=user + self_instruct,
        sweep_topic=topic_clusters(user + self_instruct, seed=seed) if user or self_instruct else np.zeros(0, int),
        self_instruct=self_instruct,
        persona=_meta_groups(rows, PERSONA, "persona"),
        promptsource=_meta_groups(rows, PROMPTSOURCE, "template_id"),
        gsm8k=_texts(rows, [GSM8K]), mmlu=_meta_groups(rows, MMLU, "subject"),
        survey=_texts(rows, [SURVEY]), flan=_texts(rows, [FLAN]),
    )
    _require(sources, split=split)
    return sources


def _require(sources: Sources, *, split: str) -> None:
    needs = [
        (sources.user, "ordinary users", "benign/ files other than " + ", ".join(NOT_FOR_USERS)),
        (sources.self_instruct, "self_instruct, mixed and fleet harvesters", ", ".join(SELF_INSTRUCT)),
        (sources.persona, "persona_sweep harvesters", PERSONA),
        (sources.promptsource, "promptsource_sweep harvesters", PROMPTSOURCE),
        (sources.gsm8k or sources.mmlu, "students and eval runners", f"{GSM8K} or {MMLU}"),
        (sources.survey, "survey writers", SURVEY),
        (sources.flan, "enterprise, template_sweep and evasive accounts", FLAN),
    ]
    missing = [f"{files} (for {role})" for pool, role, files in needs if not pool]
    if missing:
        raise ValueError(f"the corpus has no {split!r} prompts from: {'; '.join(missing)}; "
                         f"add those files under the corpus folder")
