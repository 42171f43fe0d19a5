"""Who is in a simulated day: every account generated in a fixed order from shared decks.

Each account draws from its own generator, keyed by (seed, role, index); the
decks it deals corpus prompts from are shared by role, so the order below is
part of what makes a day reproducible.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from synthetic.labelled.benign import (
    UserPools, enterprise_day, eval_runner_day, student_day, survey_writer_day, user_day, user_volumes,
)
from synthetic.labelled.harvesters import (
    evasive_day, fleet_days, mixed_day, persona_sweep_day, promptsource_sweep_day, self_instruct_day,
    template_sweep_day,
)
from synthetic.labelled.sources import FLAN, AccountDay, Deck, Rng, Sources
from synthetic.labelled.templates import OPTION_SETS, is_fillable, paraphrasable, single_text_slot

LOOKALIKES: dict[str, int] = {"enterprise": 3, "eval_runner": 3, "student": 10, "survey_writer": 2}
"""Benign look-alike accounts per day, by kind."""


def _stream(seed: int, *key: int) -> Rng:
    return np.random.default_rng([seed, *key])


class Decks:
    """The shared decks and template lists of one day, each deck shuffled by its own generator."""

    def __init__(self, sources: Sources, *, seed: int) -> None:
        self._seed, self._made = seed, 0
        self.users = UserPools(sources.user_clusters, rng=_stream(seed, 50, 0))
        self.topics = [self._deck(texts) for texts in sources.sweep_clusters]
        self.self_instruct = self._deck(sources.self_instruct)
        self.personas = [self._deck(texts) for texts in sources.persona.values()]
        self.promptsource = [self._deck(texts) for texts in sources.promptsource.values()]
        self.templates = [t for t in sources.flan if is_fillable(t)]
        if not self.templates:
            raise ValueError(f"no {FLAN} template of this split has only free-text and option slots; "
                             f"template_sweep, evasive and enterprise accounts need one")
        self.evasive_templates = [t for t in self.templates if paraphrasable(t)] or self.templates
        self.enterprise_templates = [t for t in self.templates if single_text_slot(t)] or self.templates

    def _deck(self, texts: list[str]) -> Deck:
        self._made += 1
        return Deck(texts, _stream(self._seed, 50, self._made))


def _enterprises(sources: Sources, decks: Decks, *, seed: int) -> list[AccountDay]:
    """Each pipeline gets its own template and its own narrow domain (a larger-than-median cluster)."""
    plan = _stream(seed, 2, 0)
    sizes = np.array([len(texts) for texts in sources.sweep_clusters])
    domains = np.flatnonzero(sizes >= np.median(sizes))
    n = LOOKALIKES["enterprise"]
    domains = plan.choice(domains, size=n, replace=len(domains) < n)
    templates = decks.enterprise_templates
    picks = plan.choice(len(templates), size=n, replace=len(templates) < n)
    return [enterprise_day(_stream(seed, 2, i + 1), template=templates[t],
                           domain=sources.sweep_clusters[d], options=OPTION_SETS[i % len(OPTION_SETS)])
            for i, (d, t) in enumerate(zip(domains, picks))]


def benign_accounts(sources: Sources, decks: Decks, *, seed: int, n_users: int,
                    allowed: Callable[[str], bool]) -> list[AccountDay]:
    """Ordinary users, then the look-alikes (enterprise, eval_runner, student, survey_writer)."""
    volumes = user_volumes(_stream(seed, 0), n_users)
    accounts = [user_day(_stream(seed, 1, i), volume=int(volume), pools=decks.users, allowed=allowed)
                for i, volume in enumerate(volumes)]
    accounts += _enterprises(sources, decks, seed=seed)
    accounts += [eval_runner_day(_stream(seed, 3, i), gsm8k=sources.gsm8k, mmlu=sources.mmlu)
                 for i in range(LOOKALIKES["eval_runner"])]
    accounts += [student_day(_stream(seed, 4, i), gsm8k=sources.gsm8k, mmlu=sources.mmlu)
                 for i in range(LOOKALIKES["student"])]
    # Each survey writer works through their own part of the file.
    parts = np.array_split(np.arange(len(sources.survey)), LOOKALIKES["survey_writer"])
    accounts += [survey_writer_day(_stream(seed, 5, i), survey=[sources.survey[j] for j in part])
                 for i, part in enumerate(parts)]
    return accounts


def harvester_accounts(sources: Sources, decks: Decks, *, seed: int, per_strategy: int,
                       fleet_accounts: int) -> list[AccountDay]:
    """``per_strategy`` harvesters of each strategy but fleet, then the fleet's accounts."""
    accounts: list[AccountDay] = []
    for i in range(per_strategy):
        accounts += [
            self_instruct_day(_stream(seed, 10, i), stream=decks.self_instruct),
            template_sweep_day(_stream(seed, 11, i), templates=decks.templates, topics=decks.topics),
            persona_sweep_day(_stream(seed, 12, i), personas=decks.personas),
            promptsource_sweep_day(_stream(seed, 13, i), templates=decks.promptsource),
            # Mixed harvesters alternate between the two base streams.
            mixed_day(_stream(seed, 14, i), base=("self_instruct", "template_sweep")[i % 2],
                      stream=decks.self_instruct, templates=decks.templates, topics=decks.topics,
                      benign=decks.users.anywhere),
            evasive_day(_stream(seed, 15, i), templates=decks.evasive_templates, topics=decks.topics),
        ]
    if fleet_accounts:
        accounts += fleet_days(_stream(seed, 16), n_accounts=fleet_accounts, stream=decks.self_instruct)
    return accounts
