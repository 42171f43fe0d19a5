"""Who harvests in a simulated day: the single-account harvesters of every strategy, then the fleets.

Account ``i`` of a strategy runs round the clock when ``i`` is even and in
human-like sessions when it is odd, so half of every strategy keeps sessions.
A strategy (or fleet) whose pool the split lacks is left out with one logged
warning naming the file; a day that asks for harvesters but can make none is refused.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Mapping, Optional

from synthetic.labelled.accounts import Decks, left_out, stream
from synthetic.labelled.fleets import FLEET_SHAPES, fleet_corpus, fleet_days
from synthetic.labelled.harvesters import (
    STRATEGIES, code_sweep_day, math_sweep_day, mixed_day, persona_sweep_day, promptsource_sweep_day,
    self_instruct_day,
)
from synthetic.labelled.metaprompts import metaprompt_day
from synthetic.labelled.people import user_like_prompts
from synthetic.labelled.sources import (
    CODEALPACA, FLAN, GENERATORS, GSM8K, METAPROMPTS, MMLU, PERSONA, PROMPTSOURCE, AccountDay, Rng, Sources,
)
from synthetic.labelled.sweeps import (
    cot_day, evasive_day, narrow_task_sweep_day, pick_templates, sweep_prompts, template_sweep_day,
)

SINGLE: tuple[str, ...] = tuple(s for s in STRATEGIES if s != "fleet")
"""The single-account strategies (``simulate.harvesters`` keys)."""
FILLABLE_FLAN = f"{FLAN} (a template with only free-text and option slots)"
Maker = Callable[[Rng, int, bool], AccountDay]


class Roster:
    """How to make account ``i`` of each strategy from this day's sources and decks."""

    def __init__(self, sources: Sources, decks: Decks, *, allowed: Callable[[str], bool]) -> None:
        self.sources, self.decks = sources, decks
        self.allowed = allowed
        self.genuine = partial(self._genuine, allowed=allowed)
        self.generators = list(decks.generators)  # the generator corpora this split has, in GENERATORS order

    def _genuine(self, rng: Rng, n: int, *, allowed: Callable[[str], bool]) -> list[str]:
        return user_like_prompts(rng, n, pools=self.decks.users, allowed=allowed) if n else []

    def maker(self, strategy: str) -> tuple[Optional[Maker], str]:
        """The maker of a strategy's accounts, or None and the files it lacks."""
        d, s = self.decks, self.sources
        needs = {
            "self_instruct": (self.generators, ", ".join(GENERATORS)),
            "code_sweep": (d.codealpaca, CODEALPACA), "math_sweep": (d.math, f"{MMLU} (maths subjects) or {GSM8K}"),
            "template_sweep": (d.templates, FILLABLE_FLAN), "promptsource_sweep": (d.promptsource, PROMPTSOURCE),
            "persona_sweep": (d.personas, PERSONA), "narrow_task_sweep": (d.templates, FILLABLE_FLAN),
            "cot_fixed": (d.topics, "benign/"), "cot_rotating": (d.topics, "benign/"),
            "evasive": (d.templates, FILLABLE_FLAN), "mixed": (self.generators or d.templates, FILLABLE_FLAN),
            "metaprompt": (d.metaprompts, f"{METAPROMPTS} (a meta-prompt with slots or seed tasks)"),
        }
        pool, files = needs[strategy]
        if not pool:
            return None, files
        return getattr(self, f"_{strategy}"), ""

    def _self_instruct(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        # Accounts cycle through the generator corpora: several independent pipeline runs.
        file = self.generators[i % len(self.generators)]
        return self_instruct_day(rng, stream=self.decks.generators[file], corpus=file, sessions=sessions)

    def _code_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return code_sweep_day(rng, topics=self.decks.codealpaca, corpus=CODEALPACA, sessions=sessions,
                              allowed=self.allowed)

    def _math_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        has = {GSM8K: "gsm8k" in self.sources.math, MMLU: any(k != "gsm8k" for k in self.sources.math)}
        return math_sweep_day(rng, subjects=self.decks.math, corpus="+".join(f for f in sorted(has) if has[f]),
                              sessions=sessions, allowed=self.allowed)

    def _template_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return template_sweep_day(rng, templates=self.decks.templates, topics=self.decks.topics, corpus=FLAN,
                                  sessions=sessions)

    def _promptsource_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return promptsource_sweep_day(rng, templates=self.decks.promptsource, corpus=PROMPTSOURCE, sessions=sessions)

    def _persona_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return persona_sweep_day(rng, personas=self.decks.personas, corpus=PERSONA, sessions=sessions)

    def _narrow_task_sweep(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        clusters = self.sources.sweep_clusters
        topic = clusters[int(rng.integers(len(clusters)))]
        return narrow_task_sweep_day(rng, templates=self.decks.templates, topic=topic, corpus=FLAN,
                                     sessions=sessions)

    def _cot(self, rng: Rng, sessions: bool, *, rotating: bool) -> AccountDay:
        # The questions come from the whole sweep pool, so the label names its files.
        return cot_day(rng, rotating=rotating, topics=self.decks.topics, corpus="pool/questions",
                       sessions=sessions)

    def _cot_fixed(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return self._cot(rng, sessions, rotating=False)

    def _cot_rotating(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return self._cot(rng, sessions, rotating=True)

    def _evasive(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return evasive_day(rng, templates=self.decks.evasive_templates, topics=self.decks.topics, corpus=FLAN,
                           sessions=sessions)

    def _mixed(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        # Mixed harvesters alternate between the two base streams (where the split has both).
        if self.generators and (i % 2 == 0 or not self.decks.templates):
            file = self.generators[(i // 2) % len(self.generators)]
            return mixed_day(rng, own=self.decks.generators[file].deal, genuine=self.genuine, corpus=file,
                             sessions=sessions)
        templates = pick_templates(rng, self.decks.templates)

        def own(n: int) -> list[str]:
            return sweep_prompts(rng, n, templates=templates, topics=self.decks.topics)

        return mixed_day(rng, own=own, genuine=self.genuine, corpus=FLAN, sessions=sessions)

    def _metaprompt(self, rng: Rng, i: int, sessions: bool) -> AccountDay:
        return metaprompt_day(rng, metaprompts=self.decks.metaprompts, seeds=self.decks.seeds, corpus=METAPROMPTS,
                              sessions=sessions)


def _fleets(roster: Roster, *, seed: int, counts: Mapping[str, int], split: str) -> list[AccountDay]:
    accounts: list[AccountDay] = []
    for code, shape in enumerate(FLEET_SHAPES):
        if not counts.get(shape, 0):
            continue
        if not roster.generators:
            left_out(f"the {shape} fleet", split=split, files=", ".join(GENERATORS))
            continue
        corpus = fleet_corpus(shape, roster.generators)
        deck = roster.decks.fleet_streams.get(shape, roster.decks.generators[corpus])
        accounts += fleet_days(stream(seed, 40 + code), shape, n_accounts=counts[shape], stream=deck, corpus=corpus,
                               genuine=roster.genuine)
    return accounts


def harvester_accounts(sources: Sources, decks: Decks, *, seed: int, counts: Mapping[str, int],
                       fleets: Mapping[str, int], split: str, allowed: Callable[[str], bool]) -> list[AccountDay]:
    """``counts[s]`` harvesters of each single-account strategy, then ``fleets[shape]`` accounts per fleet.

    Raises:
        ValueError: harvesters were asked for but the split has the pool of none of them.
    """
    roster = Roster(sources, decks, allowed=allowed)
    missing = [f for f in GENERATORS if f not in roster.generators]
    if counts.get("self_instruct", 0) and roster.generators and missing:
        left_out("self_instruct runs of " + ", ".join(missing), split=split, files=", ".join(missing))
    accounts: list[AccountDay] = []
    for code, strategy in enumerate(SINGLE):
        if not counts.get(strategy, 0):
            continue
        make, files = roster.maker(strategy)
        if make is None:
            left_out(f"{strategy} harvesters", split=split, files=files)
            continue
        accounts += [make(stream(seed, 10 + code, i), i, i % 2 == 1) for i in range(counts[strategy])]
    accounts += _fleets(roster, seed=seed, counts=fleets, split=split)
    if not accounts and (any(counts.values()) or any(fleets.values())):
        raise ValueError(f"no harvester can be made from the {split!r} split of this corpus (see the warnings "
                         f"above); add e.g. {GENERATORS[0]} under the corpus folder")
    return accounts
