"""Who is benign in a simulated day: every benign account generated in a fixed order from shared decks.

Each account draws from its own generator, keyed by (seed, role, index); the
decks it deals corpus prompts from are shared by role, so the order below is
part of what makes a day reproducible. A role whose pool the split lacks is
left out with a logged warning.
"""

from __future__ import annotations

import logging
from typing import Callable, Mapping

import numpy as np

from synthetic.labelled.benign import enterprise_day, eval_runner_day, student_day, survey_writer_day
from synthetic.labelled.coding import coding_user_day
from synthetic.labelled.metaprompts import fillable
from synthetic.labelled.people import UserPools, popular_sharer_day, power_user_day, user_day, user_volumes
from synthetic.labelled.sources import FLAN, GSM8K, MMLU, SURVEY, AccountDay, Deck, Rng, Sources
from synthetic.labelled.templates import OPTION_SETS, is_fillable, paraphrasable, single_text_slot
from synthetic.labelled.topics import by_group, members_of, nearest

BENIGN_KINDS: tuple[str, ...] = ("power_user", "coding_user", "popular_sharer", "enterprise", "eval_runner",
                                 "student", "survey_writer")
"""The benign kinds besides ordinary users (``simulate.benign``)."""
SINGLE_DEMAND = 1500.0  # prompts the single-account harvesters of one generator corpus ask for, about
HARD_NEGATIVES = frozenset({"power_user", "coding_user", "enterprise", "eval_runner", "student", "survey_writer"})
log = logging.getLogger("synthetic.labelled")


def stream(seed: int, *key: int) -> Rng:
    """The generator of one role (and index) of a day."""
    return np.random.default_rng([seed, *key])


def left_out(role: str, *, split: str, files: str) -> None:
    """Log that a role is missing from the day because the split lacks its files."""
    log.warning("simulate: %s left out: the corpus has no %r prompts from %s", role, split, files)


class Decks:
    """The shared decks and template lists of one day, each deck shuffled by its own generator.

    A pool the split lacks gives an empty list (or dict) here.
    """

    def __init__(self, sources: Sources, *, seed: int, fleets: Mapping[str, tuple[str, int]] | None = None) -> None:
        self._seed, self._made = seed, 0
        self.users = UserPools(sources.user, sources.user_topic, sources.user_vectors, rng=stream(seed, 50, 0))
        self.topics = self._decks(sources.sweep_clusters)
        self.generators, self.fleet_streams = self._operation_decks(sources.generators, fleets or {})
        self.codealpaca = self._decks(by_group(sources.codealpaca, sources.codealpaca_topic.tolist()).values())
        self.math = self._decks(sources.math.values())
        self.personas = self._decks(sources.persona.values())
        self.promptsource = self._decks(sources.promptsource.values())
        # Seed tasks of meta-prompts: an own deck, so filling them does not use up the generator streams.
        self.seeds = self._deck(sources.self_instruct or sources.sweep)
        self.templates = [t for t in sources.flan if is_fillable(t)]
        self.evasive_templates = [t for t in self.templates if paraphrasable(t)] or self.templates
        self.enterprise_templates = [t for t in self.templates if single_text_slot(t)] or self.templates
        self.metaprompts = [t for t in sources.metaprompts if fillable(t)]

    def _operation_decks(self, generators: Mapping[str, list[str]], fleets: Mapping[str, tuple[str, int]]):
        """One deck per generator corpus for the single-account harvesters, and one per fleet, over disjoint
        parts of the corpus: different operations replay different parts of a public dataset, so two
        operations never send one prompt. A fleet's part is in proportion to the prompts it sends
        (20 a member) against ``SINGLE_DEMAND`` for the single harvesters of that corpus."""
        singles, streams = {}, {}
        for file, texts in generators.items():
            users = [(shape, n) for shape, (corpus, n) in fleets.items() if corpus == file and n]
            weights = np.array([SINGLE_DEMAND] + [20.0 * n for _, n in users])
            order = stream(self._seed, 60, len(singles)).permutation(len(texts))
            cuts = np.floor(np.cumsum(weights / weights.sum()) * len(texts)).astype(int)[:-1]
            parts = np.split(order, cuts)
            singles[file] = self._deck([texts[i] for i in parts[0]] or list(texts))
            for (shape, _), part in zip(users, parts[1:]):
                streams[shape] = self._deck([texts[i] for i in part] or list(texts))
        return singles, streams

    def _deck(self, texts: list[str]) -> Deck:
        self._made += 1
        return Deck(texts, stream(self._seed, 50, self._made))

    def _decks(self, groups) -> list[Deck]:
        return [self._deck(list(texts)) for texts in groups if len(texts)]


def _enterprises(sources: Sources, decks: Decks, *, seed: int, n: int) -> list[AccountDay]:
    """Each pipeline gets its own template and its own narrow domain: a seed text of a larger-than-median
    topic cluster and its 20-60 nearest neighbours (a sub-topic, not the whole cluster)."""
    plan = stream(seed, 2, 0)
    clusters = members_of(sources.sweep_topic)
    sizes = np.array([len(rows) for rows in clusters])
    domains = np.flatnonzero(sizes >= np.median(sizes))
    domains = plan.choice(domains, size=n, replace=len(domains) < n)
    templates = decks.enterprise_templates
    picks = plan.choice(len(templates), size=n, replace=len(templates) < n)
    accounts = []
    for i, (d, t) in enumerate(zip(domains, picks)):
        rows = clusters[d]
        near = nearest(sources.sweep_vectors, rows, int(rows[int(plan.integers(len(rows)))]))
        domain = [sources.sweep[r] for r in near[: int(plan.integers(20, 61))]]
        accounts.append(enterprise_day(stream(seed, 2, i + 1), template=templates[t], domain=domain,
                                       options=OPTION_SETS[i % len(OPTION_SETS)]))
    return accounts


def _lookalikes(sources: Sources, decks: Decks, *, seed: int, counts: Mapping[str, int],
                split: str) -> list[AccountDay]:
    """enterprise, eval_runner, student and survey_writer accounts (those whose pools the split has)."""
    accounts: list[AccountDay] = []
    if counts["enterprise"] and not decks.templates:
        left_out("enterprise accounts", split=split, files=f"{FLAN} (a template with only free-text slots)")
    elif counts["enterprise"]:
        accounts += _enterprises(sources, decks, seed=seed, n=counts["enterprise"])
    for kind, key, make in (("eval_runner", 3, eval_runner_day), ("student", 4, student_day)):
        if counts[kind] and not (sources.gsm8k or sources.mmlu):
            left_out(f"{kind} accounts", split=split, files=f"{GSM8K} or {MMLU}")
        else:
            accounts += [make(stream(seed, key, i), gsm8k=sources.gsm8k, mmlu=sources.mmlu)
                         for i in range(counts[kind])]
    if counts["survey_writer"] and not sources.survey:
        left_out("survey_writer accounts", split=split, files=SURVEY)
    elif counts["survey_writer"]:
        # Each survey writer works through their own part of the file.
        parts = np.array_split(np.arange(len(sources.survey)), counts["survey_writer"])
        accounts += [survey_writer_day(stream(seed, 5, i), survey=[sources.survey[j] for j in part])
                     for i, part in enumerate(parts)]
    return accounts


def benign_accounts(sources: Sources, decks: Decks, *, seed: int, n_users: int, counts: Mapping[str, int],
                    split: str, allowed: Callable[[str], bool]) -> list[AccountDay]:
    """Ordinary users, power users, coding users, popular sharers, then the look-alikes.

    Args:
        counts: accounts per kind of :data:`BENIGN_KINDS`.
        allowed: whether a text derived from a prompt (an edit) may be sent in this split.
    """
    pools = decks.users
    accounts = [user_day(stream(seed, 1, i), volume=int(v), pools=pools, allowed=allowed)
                for i, v in enumerate(user_volumes(stream(seed, 0), n_users))]
    accounts += [power_user_day(stream(seed, 6, i), pools=pools, allowed=allowed)
                 for i in range(counts["power_user"])]
    # Without code-like texts in the split, developers paste any benign text.
    code, topic = (sources.code, sources.code_topic) if sources.code else (sources.user, sources.user_topic)
    accounts += [coding_user_day(stream(seed, 7, i), code=code, topic=topic, allowed=allowed)
                 for i in range(counts["coding_user"])]
    volumes = 10 + user_volumes(stream(seed, 8, 0), counts["popular_sharer"])
    accounts += [popular_sharer_day(stream(seed, 8, i + 1), volume=int(v), pools=pools, popular=sources.popular,
                                    allowed=allowed) for i, v in enumerate(volumes)]
    return accounts + _lookalikes(sources, decks, seed=seed, counts=counts, split=split)
