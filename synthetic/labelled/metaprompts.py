"""The meta-prompts generator pipelines send to a teacher, filled with seed tasks: the ``metaprompt`` harvester.

A row of ``templates/generator_metaprompts`` is usable when it has something to
fill: ``{slot}`` placeholders (CAMEL, airoboros, Baize), or an ending the
pipeline appends seed tasks to (Alpaca's ``List of 20 tasks:``, Self-Instruct's
``Task:``, Evol-Instruct's ``#Given Prompt#``). Seed tasks come from the
self-instruct pool; roles, languages, numbers and style lines from the short
project-written lists below. Rows with nothing to fill (docstrings, log lines,
few-shot examples) are skipped.
"""

from __future__ import annotations

import re
from typing import Sequence

from synthetic.labelled.harvesters import harvester, harvester_volume
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.templates import clip

SLOT = re.compile(r"\{(\w*)\}|\{(\w+)\[['\"]\w+['\"]\]\}")
"""``{name}``, the anonymous ``{}`` and ``{task['instruction']}``; not ``{len(x)}`` or JSON."""
SEED_CHARS = 400
ROLES = ("Accountant", "Chef", "Data Scientist", "Doctor", "Historian", "Lawyer", "Musician", "Nurse",
         "Photographer", "Programmer", "Teacher", "Travel Agent")
LANGUAGES = ("English", "Spanish", "French", "German", "Chinese", "Japanese")
PROGRAMMING_LANGUAGES = ("Python", "JavaScript", "Java", "C++", "Go", "Rust")
DOMAINS = ("Biology", "Economics", "Finance", "Law", "Medicine", "Physics", "Psychology", "Urban Planning")
STYLE_LINES = ("Use plain, simple language.", "Write for a reader with a college education.",
               "Avoid topics about politics or religion.", "Do not include anything unsafe or violent.")
ROLE_SLOTS = frozenset({"assistant_role", "user_role", "critic_role", "name", "character", "persona_name"})
STYLE_SLOTS = frozenset({"flesch", "topic_avoidance", "style_extra", "task_display_style", "include_source"})
NUMBER_WORDS = ("num", "count", "size", "limit", "threshold", "skip", "year", "third")


def _ending(text: str) -> str:
    tail = text.rstrip()
    if tail.endswith("tasks:"):
        return "list"
    if tail.endswith("Task:"):
        return "task"
    if len(text) > 300 and ("#Given Prompt#" in text or "#The Given Prompt#" in text):
        return "evol"
    return ""


def fillable(text: str) -> bool:
    """Whether a meta-prompt has slots or a seed-task ending to fill."""
    return bool(SLOT.search(text)) or bool(_ending(text))


def _slot_value(rng: Rng, name: str, *, text: str, seeds: Deck) -> str:
    def pick(values: Sequence[str]) -> str:
        return values[int(rng.integers(len(values)))]

    if name in ROLE_SLOTS:
        return pick(ROLES)
    if name in STYLE_SLOTS:
        return pick(STYLE_LINES)
    if name.startswith("language"):
        return pick(PROGRAMMING_LANGUAGES if re.search(r"program|code", text, re.I) else LANGUAGES)
    if name == "domain":
        return pick(DOMAINS)
    if any(word in name for word in NUMBER_WORDS):
        return str(int(rng.integers(30, 301)) if "limit" in name or "word" in name else int(rng.integers(3, 21)))
    if name.endswith("s"):  # topics, examples, characters...: a short list
        return "\n".join(f"{i}. {clip(seeds.draw(), limit=SEED_CHARS)}" for i in range(1, 4))
    return clip(seeds.draw(), limit=SEED_CHARS)


def fill(rng: Rng, text: str, *, seeds: Deck) -> str:
    """A meta-prompt as a pipeline sends it: slots filled, seed tasks appended where its ending asks."""
    filled = SLOT.sub(lambda m: _slot_value(rng, m.group(1) or m.group(2) or "topic", text=text, seeds=seeds), text)
    ending = _ending(text)
    if ending == "list":
        tasks = [f"###\n{i}. Instruction: {clip(seeds.draw(), limit=SEED_CHARS)}\n{i}. Input:\n<noinput>"
                 for i in range(1, 4)]
        return filled.rstrip() + "\n" + "\n".join(tasks) + "\n###\n4. Instruction:"
    if ending == "task":
        return filled.rstrip() + " " + clip(seeds.draw(), limit=SEED_CHARS)
    if ending == "evol":
        given = "#Given Prompt#" if "#Created Prompt#" in text else "#The Given Prompt#"
        result = "#Created Prompt#" if "#Created Prompt#" in text else "#Rewritten Prompt#"
        return f"{filled.rstrip()}\n{given}:\n{clip(seeds.draw(), limit=SEED_CHARS)}\n{result}:\n"
    return filled


def metaprompt_day(rng: Rng, *, metaprompts: Sequence[str], seeds: Deck, corpus: str,
                   sessions: bool) -> AccountDay:
    """A generator pipeline's calls to its teacher: 1-3 meta-prompts, each call filled with new seed tasks.

    ``metaprompts`` must be :func:`fillable`.
    """
    k = min(len(metaprompts), int(rng.integers(1, 4)))
    chosen = [metaprompts[i] for i in rng.choice(len(metaprompts), size=k, replace=False)]
    prompts = [fill(rng, chosen[int(rng.integers(k))], seeds=seeds) for _ in range(harvester_volume(rng))]
    return harvester("metaprompt", rng, prompts, sessions=sessions, corpus=corpus)
