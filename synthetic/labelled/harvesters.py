"""The harvesters of a simulated day: seven strategies for pulling training data out of an API.

Every harvester runs round the clock at a steady rate with its own generator.
Decks are shared between harvesters of a pool, so two of them never send the
same corpus prompt until the pool is used up.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from synthetic.timing import steady_seconds
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.templates import OPTION_SETS, paraphrase, render, text_slots, unicode_noise

STRATEGIES: tuple[str, ...] = (
    "self_instruct", "template_sweep", "persona_sweep", "promptsource_sweep", "mixed", "evasive", "fleet",
)
MIXED_BENIGN_SHARE, EVASIVE_NOISE_SHARE = 0.4, 0.3


def harvester_volume(rng: Rng) -> int:
    """Prompts of one (non-fleet) harvester: 300-900."""
    return int(rng.integers(300, 901))


def _harvester(strategy: str, rng: Rng, prompts: list[str]) -> AccountDay:
    return AccountDay("harvester", strategy, "harvester", False, steady_seconds(rng, len(prompts)).tolist(), prompts)


def self_instruct_day(rng: Rng, *, stream: Deck) -> AccountDay:
    """Prompts of a Self-Instruct/Alpaca-style generator that sweeps every topic."""
    return _harvester("self_instruct", rng, stream.deal(harvester_volume(rng)))


def pick_templates(rng: Rng, templates: Sequence[str], *, low: int = 3, high: int = 6) -> list[str]:
    """low..high distinct templates (fewer if there are fewer)."""
    n = min(len(templates), int(rng.integers(low, high + 1)))
    return [templates[i] for i in rng.choice(len(templates), size=n, replace=False)]


def sweep_prompts(rng: Rng, n: int, *, templates: Sequence[str], topics: Sequence[Deck],
                  evasive: bool = False) -> list[str]:
    """n prompts from a few templates, topic clusters visited in turn (an even sweep of the space).

    With ``evasive`` each prompt's template wording is paraphrased and ~30% of
    prompts get Unicode noise.
    """
    options = [OPTION_SETS[int(rng.integers(len(OPTION_SETS)))] for _ in templates]
    order = rng.permutation(len(topics))
    prompts = []
    for i in range(n):
        t = int(rng.integers(len(templates)))
        template = paraphrase(rng, templates[t]) if evasive else templates[t]
        topic = topics[order[i % len(order)]]
        fills = [topic.draw() for _ in text_slots(template)]
        text = render(template, fills, options=options[t])
        prompts.append(unicode_noise(rng, text) if evasive and rng.random() < EVASIVE_NOISE_SHARE else text)
    return prompts


def template_sweep_day(rng: Rng, *, templates: Sequence[str], topics: Sequence[Deck]) -> AccountDay:
    """3-6 FLAN templates, each slot filled from every topic cluster in turn."""
    chosen = pick_templates(rng, templates)
    prompts = sweep_prompts(rng, harvester_volume(rng), templates=chosen, topics=topics)
    return _harvester("template_sweep", rng, prompts)


def evasive_day(rng: Rng, *, templates: Sequence[str], topics: Sequence[Deck]) -> AccountDay:
    """A template sweep with the wording paraphrased per prompt and ~30% Unicode-noised prompts.

    ``templates`` should be ones :func:`~synthetic.labelled.templates.paraphrasable` can change.
    """
    chosen = pick_templates(rng, templates)
    prompts = sweep_prompts(rng, harvester_volume(rng), templates=chosen, topics=topics, evasive=True)
    return _harvester("evasive", rng, prompts)


def _round_robin(rng: Rng, n: int, groups: Sequence[Deck]) -> list[str]:
    order = rng.permutation(len(groups))
    return [groups[order[i % len(order)]].draw() for i in range(n)]


def persona_sweep_day(rng: Rng, *, personas: Sequence[Deck]) -> AccountDay:
    """One template over many personas: statements drawn evenly across every persona."""
    return _harvester("persona_sweep", rng, _round_robin(rng, harvester_volume(rng), personas))


def promptsource_sweep_day(rng: Rng, *, templates: Sequence[Deck]) -> AccountDay:
    """Filled promptsource prompts swept evenly across 8-24 template ids (several tasks, many datasets)."""
    chosen = rng.choice(len(templates), size=min(len(templates), int(rng.integers(8, 25))), replace=False)
    prompts = _round_robin(rng, harvester_volume(rng), [templates[i] for i in chosen])
    return _harvester("promptsource_sweep", rng, prompts)


def mixed_day(rng: Rng, *, base: str, stream: Deck, templates: Sequence[str], topics: Sequence[Deck],
              benign: Deck) -> AccountDay:
    """A self_instruct (``base='self_instruct'``) or template sweep stream with ~40% ordinary prompts mixed in."""
    n = harvester_volume(rng)
    n_benign = int(rng.binomial(n, MIXED_BENIGN_SHARE))
    if base == "self_instruct":
        own = stream.deal(n - n_benign)
    else:
        own = sweep_prompts(rng, n - n_benign, templates=pick_templates(rng, templates), topics=topics)
    prompts = own + benign.deal(n_benign)
    return _harvester("mixed", rng, [prompts[i] for i in rng.permutation(n)])


def fleet_days(rng: Rng, *, n_accounts: int, stream: Deck) -> list[AccountDay]:
    """ONE self_instruct stream spread over n_accounts small accounts (10-30 prompts each).

    The stream runs at a steady rate; each of its prompts goes out through a
    random account of the fleet.
    """
    sizes = rng.integers(10, 31, size=n_accounts)
    total = int(sizes.sum())
    prompts, seconds = stream.deal(total), steady_seconds(rng, total)
    owner = np.repeat(np.arange(n_accounts), sizes)[rng.permutation(total)]
    return [AccountDay("harvester", "fleet", "harvester", False,
                       seconds[owner == a].tolist(), [prompts[i] for i in np.flatnonzero(owner == a)])
            for a in range(n_accounts)]
