"""The single-account harvesters of a simulated day: streams and sweeps that pull training data out of an API.

Each harvester sends 200-900 prompts with its own generator. Half of the
accounts of every strategy run round the clock at a steady rate, the other half
in sessions in the waking hours of a random time zone, as people do, so timing
alone never tells a harvester. Decks are shared between the harvesters of a
pool, so two of them never send the same corpus prompt until the pool is used up.
Template sweeps and chain-of-thought wrappers are in :mod:`synthetic.labelled.sweeps`,
meta-prompts in :mod:`synthetic.labelled.metaprompts`, fleets in :mod:`synthetic.labelled.fleets`.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from synthetic.timing import in_sessions, steady_seconds
from synthetic.labelled.sources import AccountDay, Deck, Rng

STRATEGIES: tuple[str, ...] = (
    "self_instruct", "code_sweep", "math_sweep", "template_sweep", "promptsource_sweep", "persona_sweep",
    "narrow_task_sweep", "cot_fixed", "cot_rotating", "evasive", "mixed", "metaprompt", "fleet",
)
"""Every harvester strategy; all but ``fleet`` are single accounts (``simulate.harvesters``)."""
MIXED_BENIGN_SHARE = 0.5
# Constraints a domain sweep adds to its seed problems (project-written, after Evol-Instruct's "add constraints").
CONSTRAINTS: tuple[str, ...] = (
    " Show every step.", " Give the final answer on its own line.", " Explain your reasoning before the answer.",
    " Use at most 100 words.", " Then give a harder variant of the problem.", " Include comments in the code.",
    " Handle the edge cases too.", " State any assumptions you make.", " Write it for a beginner.",
    " Add a short test that checks the answer.",
)
_NUMBER = re.compile(r"\d+")


def harvester_volume(rng: Rng) -> int:
    """Prompts of one (non-fleet) harvester: 200-900."""
    return int(rng.integers(200, 901))


def harvester_seconds(rng: Rng, n: int, *, sessions: bool) -> list[int]:
    """A steady rate round the clock, or 3-8 sessions of a prompt every 4-45 s in waking hours."""
    if not sessions:
        return steady_seconds(rng, n).tolist()
    gaps = rng.uniform(4, 45, size=n).tolist()
    return in_sessions(rng, gaps, n_sessions=min(n, int(rng.integers(3, 9))), first_hour=7, last_hour=23.5)


def harvester(strategy: str, rng: Rng, prompts: list[str], *, sessions: bool, corpus: str) -> AccountDay:
    """The account of a single harvester with its prompts in the order it sends them."""
    return AccountDay("harvester", strategy, "harvester", False,
                      harvester_seconds(rng, len(prompts), sessions=sessions), prompts, corpus)


def round_robin(rng: Rng, n: int, groups: Sequence[Deck]) -> list[str]:
    """n texts taking one from each group in turn (groups in a random order): an even sweep."""
    order = rng.permutation(len(groups))
    return [groups[order[i % len(order)]].draw() for i in range(n)]


def in_blocks(n: int, groups: Sequence[Deck], order: Sequence[int], *, block: int) -> list[str]:
    """n texts, up to ``block`` of one group, then of the next in ``order`` (wrapping): group after group."""
    prompts: list[str] = []
    at = 0
    while len(prompts) < n:
        deck = groups[order[at % len(order)]]
        prompts += deck.deal(min(block, len(deck), n - len(prompts)))
        at += 1
    return prompts


def evolve(rng: Rng, text: str, *, allowed: Callable[[str], bool], tries: int = 4) -> str:
    """A generator's variation of a seed problem: new numbers (each of the same number of digits, most of
    the time), and often an added constraint. Maths and code generators evolve seed tasks this way, so a
    seed problem comes back as a new prompt rather than as the benchmark question itself. A variation that
    ``allowed`` refuses (text of the other split) is tried again, and after ``tries`` the seed is sent as is."""
    def renumber(match: re.Match) -> str:
        digits = len(match.group())
        return str(int(rng.integers(10 ** (digits - 1), 10**digits))) if rng.random() < 0.7 else match.group()

    for _ in range(tries):
        varied = _NUMBER.sub(renumber, text)
        if rng.random() < 0.6:
            varied += CONSTRAINTS[int(rng.integers(len(CONSTRAINTS)))]
        if allowed(varied):
            return varied
    return text


def self_instruct_day(rng: Rng, *, stream: Deck, corpus: str, sessions: bool) -> AccountDay:
    """Prompts of a Self-Instruct/Alpaca-style generator that sweeps every topic (one generator corpus)."""
    return harvester("self_instruct", rng, stream.deal(harvester_volume(rng)), sessions=sessions, corpus=corpus)


def code_sweep_day(rng: Rng, *, topics: Sequence[Deck], corpus: str, sessions: bool,
                   allowed: Callable[[str], bool]) -> AccountDay:
    """Code instructions swept evenly across the topic clusters of a code generator corpus, each evolved."""
    prompts = [evolve(rng, text, allowed=allowed) for text in round_robin(rng, harvester_volume(rng), topics)]
    return harvester("code_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def math_sweep_day(rng: Rng, *, subjects: Sequence[Deck], corpus: str, sessions: bool,
                   allowed: Callable[[str], bool]) -> AccountDay:
    """Maths problems only, subject by subject: an equal block of each subject, subjects in a random order,
    each seed problem evolved."""
    n = harvester_volume(rng)
    block = -(-n // len(subjects))
    seeds = in_blocks(n, subjects, rng.permutation(len(subjects)), block=block)
    prompts = [evolve(rng, text, allowed=allowed) for text in seeds]
    return harvester("math_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def persona_sweep_day(rng: Rng, *, personas: Sequence[Deck], corpus: str, sessions: bool) -> AccountDay:
    """One template over persona after persona: a block of 20-60 statements of each, personas in turn."""
    prompts = in_blocks(harvester_volume(rng), personas, rng.permutation(len(personas)),
                        block=int(rng.integers(20, 61)))
    return harvester("persona_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def promptsource_sweep_day(rng: Rng, *, templates: Sequence[Deck], corpus: str, sessions: bool) -> AccountDay:
    """Filled promptsource prompts swept evenly across 8-24 template ids (several tasks, many datasets)."""
    chosen = rng.choice(len(templates), size=min(len(templates), int(rng.integers(8, 25))), replace=False)
    prompts = round_robin(rng, harvester_volume(rng), [templates[i] for i in chosen])
    return harvester("promptsource_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def mixed_day(rng: Rng, *, own: Callable[[int], list[str]], genuine: Callable[[Rng, int], list[str]],
              corpus: str, sessions: bool) -> AccountDay:
    """Half harvesting (``own(n)``: a self-instruct stream or a template sweep), half ordinary use
    (``genuine(rng, n)``: prompts drawn as a person with a few interests draws them), interleaved."""
    n = harvester_volume(rng)
    n_genuine = int(rng.binomial(n, MIXED_BENIGN_SHARE))
    prompts = own(n - n_genuine) + genuine(rng, n_genuine)
    return harvester("mixed", rng, [prompts[i] for i in rng.permutation(n)], sessions=sessions, corpus=corpus)
