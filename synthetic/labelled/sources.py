"""The text sources of a simulated day: which corpus files feed which role, clustered by topic.

Topics are TF-IDF + k-means clusters (:mod:`synthetic.labelled.topics`). Prompts
are dealt from shuffled :class:`Deck` objects shared by every account of a role,
so accounts draw disjoint prompts until a pool runs out. A pool that the split
lacks is empty here; the roster leaves out the roles that need it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from synthetic.labelled.corpus import Corpus
from synthetic.labelled.topics import by_group, clusters_of, members_of, tfidf, topic_clusters

Rng = np.random.Generator

GSM8K = "benign/gsm8k"
MMLU = "benign/mmlu"
SURVEY = "benign/anthropic_evals_humanwritten"
AWESOME = "benign/awesome_chatgpt_prompts"
NOT_FOR_USERS = (GSM8K, MMLU, SURVEY)
"""Benign files that ordinary users do not draw from (students, eval runners, survey writers do)."""
GENERATORS = ("distill/alpaca", "distill/alpaca_pipeline_reruns", "distill/moss003")
"""The Self-Instruct/Alpaca generator corpora: self_instruct harvesters and fleets stream them."""
CODEALPACA = "distill/codealpaca"
SELF_INSTRUCT = GENERATORS + (CODEALPACA,)
PERSONA = "distill/anthropic_mwe_persona"
PROMPTSOURCE = "distill/t0_promptsource_filled"
FLAN = "templates/flan"
METAPROMPTS = "templates/generator_metaprompts"
MATH_SUBJECT_WORDS = ("math", "algebra", "statistics", "calculus", "geometry")
POPULAR_SIZE = 100
# Text that holds code: a fence, a definition, a statement end before a newline, markup...
CODE_LIKE = re.compile(r"```|\bdef \w+\(|\bfunction\b|;\n|#include|\bimport \w+|\bclass \w+[:({]|console\.log"
                       r"|\bSELECT\b[\s\S]*\bFROM\b|=>|\bpublic static\b|</\w+>")


class AccountDay(NamedTuple):
    """What every account generator returns: its ground truth and its prompts with seconds of the day.

    ``corpus`` names the corpus file(s) of a harvest (``'+'``-joined; ``''`` for benign accounts)
    and ``fleet_shape`` the fleet an account belongs to (``''`` outside fleets).
    """

    kind: str
    strategy: str
    label: str
    hard_negative: bool
    seconds: list[int]
    prompts: list[str]
    corpus: str = ""
    fleet_shape: str = ""


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


@dataclass
class Sources:
    """Every pool of one split, texts in file order.

    ``user`` is the ordinary users' benign pool and ``sweep`` that pool plus the
    self-instruct files (what sweeps fill their slots from and chain-of-thought
    harvesters wrap); ``*_topic`` hold each text's k-means label and
    ``*_vectors`` its TF-IDF row (``user`` rows are the first rows of ``sweep``,
    in one vocabulary); ``user_clusters``/``sweep_clusters`` the texts of each
    non-empty cluster. ``generators`` maps each :data:`GENERATORS` file the
    split has to its texts. ``persona``, ``promptsource``, ``mmlu`` and ``math``
    are keyed by ``meta.persona``, ``meta.template_id``, ``meta.subject`` and
    subject (GSM8K as ``'gsm8k'``). ``code`` holds the code-like user texts
    (``code_topic`` their clusters) and ``popular`` prompts many people send.
    """

    user: list[str]
    user_topic: np.ndarray
    sweep: list[str]
    sweep_topic: np.ndarray
    sweep_vectors: sp.csr_matrix
    sweep_files: tuple[str, ...]
    generators: dict[str, list[str]]
    self_instruct: list[str]
    codealpaca: list[str]
    codealpaca_topic: np.ndarray
    code: list[str]
    code_topic: np.ndarray
    popular: list[str]
    persona: dict[str, list[str]]
    promptsource: dict[str, list[str]]
    gsm8k: list[str]
    mmlu: dict[str, list[str]]
    math: dict[str, list[str]]
    survey: list[str]
    flan: list[str]
    metaprompts: list[str]
    user_clusters: list[list[str]] = field(init=False)
    sweep_clusters: list[list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.user_clusters = [[self.user[i] for i in rows] for rows in members_of(self.user_topic)]
        self.sweep_clusters = [[self.sweep[i] for i in rows] for rows in members_of(self.sweep_topic)]

    @property
    def user_vectors(self) -> sp.csr_matrix:
        """The TF-IDF rows of ``user`` (the first rows of ``sweep_vectors``)."""
        return self.sweep_vectors[: len(self.user)]


def _texts(rows: pd.DataFrame, files: Sequence[str]) -> list[str]:
    return rows.loc[rows["file"].isin(files), "text"].tolist()


def _meta_groups(rows: pd.DataFrame, file: str, key: str) -> dict[str, list[str]]:
    part = rows[rows["file"] == file]
    return by_group(part["text"].tolist(), [str(meta.get(key, "")) for meta in part["meta"]])


def _math(gsm8k: list[str], mmlu: dict[str, list[str]]) -> dict[str, list[str]]:
    subjects = {s: texts for s, texts in mmlu.items() if any(word in s for word in MATH_SUBJECT_WORDS)}
    return {**subjects, **({"gsm8k": gsm8k} if gsm8k else {})}


def _popular(rows: pd.DataFrame, user: list[str], *, seed: int) -> list[str]:
    """~100 prompts many people send: 'act as' prompts if the split has them, else short one-liners."""
    awesome = [t for t in _texts(rows, [AWESOME]) if "act as" in t.lower()]
    pool = awesome or [t for t in user if len(t) <= 80 and "\n" not in t]
    rng = np.random.default_rng([seed, 60])
    return [pool[i] for i in np.sort(rng.choice(len(pool), size=min(POPULAR_SIZE, len(pool)), replace=False))]


def build_sources(corpus: Corpus, *, split: str, seed: int) -> Sources:
    """Pick the pools of ``split`` out of the corpus and cluster the benign, sweep and code pools.

    Raises:
        ValueError: if the split has no prompts for ordinary users (the message names the files).
    """
    rows = corpus.of_split(split)
    benign = rows[rows["kind"] == "benign"]
    users = benign[~benign["file"].isin(NOT_FOR_USERS)]
    if users.empty:
        raise ValueError(f"the corpus has no {split!r} prompts for ordinary users (benign/ files other than "
                         f"{', '.join(NOT_FOR_USERS)}); add such files under the corpus folder")
    user = users["text"].tolist()
    own = rows[rows["file"].isin(SELF_INSTRUCT)]
    sweep, vectors = user + own["text"].tolist(), tfidf(user + own["text"].tolist())
    code = [t for t in user if CODE_LIKE.search(t)]
    codealpaca = _texts(rows, [CODEALPACA])
    gsm8k, mmlu = _texts(rows, [GSM8K]), _meta_groups(rows, MMLU, "subject")
    return Sources(
        user=user, user_topic=clusters_of(vectors[: len(user)], seed=seed),
        sweep=sweep, sweep_topic=clusters_of(vectors, seed=seed), sweep_vectors=vectors,
        sweep_files=tuple(sorted(set(users["file"]) | set(own["file"]))),
        generators={f: texts for f in GENERATORS if (texts := _texts(rows, [f]))},
        self_instruct=own["text"].tolist(),
        codealpaca=codealpaca, codealpaca_topic=topic_clusters(codealpaca, seed=seed),
        code=code, code_topic=topic_clusters(code, seed=seed),
        popular=_popular(rows, user, seed=seed),
        persona=_meta_groups(rows, PERSONA, "persona"),
        promptsource=_meta_groups(rows, PROMPTSOURCE, "template_id"),
        gsm8k=gsm8k, mmlu=mmlu, math=_math(gsm8k, mmlu),
        survey=_texts(rows, [SURVEY]), flan=_texts(rows, [FLAN]), metaprompts=_texts(rows, [METAPROMPTS]),
    )
