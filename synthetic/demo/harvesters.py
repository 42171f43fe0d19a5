"""The five planted harvesters of the demo day: steady round-the-clock sweeps of the topic space.

Each strategy returns n (prompt, subject, subtopic) triples; :data:`HARVESTERS`
names the accounts and :func:`harvester_rows` spreads their prompts over the day.
"""

from __future__ import annotations

import numpy as np

from functools import partial
from typing import Callable, Sequence

from synthetic.demo.phrasing import (
    CONTROL_CHARS, EVASIVE_TEMPLATES, HOMOGLYPHS, MIXED_TEMPLATES, SELF_INSTRUCT_SENTENCES,
    SELF_INSTRUCT_TASKS, SWEEP_TEMPLATES_A, SWEEP_TEMPLATES_B, ZERO_WIDTH,
)
from synthetic.demo.rows import Row
from synthetic.timing import steady_seconds
from synthetic.demo.text import Rng, capitalise, fill_slots, pick
from synthetic.demo.topics import SUBJECTS, SUBTOPICS, TOPICS
from synthetic.demo.users import user_prompt

# Subtopic-major order reaches every subject within the first 24 cells, so even
# a short sweep covers the whole subject list.
_SPACE_INTERLEAVED = [(s, SUBTOPICS[s][i]) for i in range(10) for s in SUBJECTS]
_SPACE_BY_SUBJECT = [(s, t) for s in SUBJECTS for t in SUBTOPICS[s]]

_Prompts = list[tuple[str, str, str]]  # (prompt, subject, subtopic)


def _sweep_cells(rng: Rng, n: int, *, subject_major: bool) -> list[tuple[int, str, str, dict[str, str]]]:
    """Walk the topic space in order from a random start: (lap, subject, subtopic, slots)."""
    space = _SPACE_BY_SUBJECT if subject_major else _SPACE_INTERLEAVED
    start = int(rng.integers(len(space)))
    cells = []
    for pos in range(start, start + n):
        lap, (subject, subtopic) = pos // len(space), space[pos % len(space)]
        entities = TOPICS[subject][subtopic]
        # Each lap moves to the next entities, so the sweep also covers them evenly.
        slots = {"e": entities[lap % len(entities)], "e2": entities[(lap + 1) % len(entities)],
                 "sub": subtopic, "subj": subject}
        cells.append((lap, subject, subtopic, slots))
    return cells


def _template_sweep(rng: Rng, n: int, *, templates: Sequence[str], subject_major: bool = False) -> _Prompts:
    cells = _sweep_cells(rng, n, subject_major=subject_major)
    return [(templates[(k + lap) % len(templates)].format(**slots), subject, subtopic)
            for k, (lap, subject, subtopic, slots) in enumerate(cells)]


def _mixed(rng: Rng, n: int) -> _Prompts:
    """A template sweep with ~40% ordinary-user prompts on random topics mixed in."""
    looks_normal = rng.random(n) < 0.4
    sweep = iter(_template_sweep(rng, int((~looks_normal).sum()), templates=MIXED_TEMPLATES))
    out = []
    for normal in looks_normal:
        if normal:
            subject, subtopic = _SPACE_BY_SUBJECT[int(rng.integers(len(_SPACE_BY_SUBJECT)))]
            out.append((user_prompt(rng, subject, subtopic), subject, subtopic))
        else:
            out.append(next(sweep))
    return out


def _paraphrase(rng: Rng, parts: Sequence[Sequence[str]]) -> str:
    """Pick a synonym for every part; sometimes move the trailing clause to the front."""
    words = [pick(rng, options) for options in parts]
    main, tail = " ".join(words[:-1]), words[-1]
    if rng.random() < 0.5:
        return f"{main} {tail}."
    if tail.startswith("and "):
        return f"{main}. {capitalise(tail[4:])}."
    return f"{capitalise(tail)}, {main[:1].lower()}{main[1:]}."


def _insert_zero_width(rng: Rng, text: str) -> str:
    for _ in range(1 + int(rng.integers(3))):
        i = 1 + int(rng.random() * (len(text) - 1))
        text = text[:i] + ZERO_WIDTH + text[i:]
    return text


def _swap_homoglyphs(rng: Rng, text: str) -> str:
    positions = [i for i, ch in enumerate(text) if ch in HOMOGLYPHS]
    chars = list(text)
    for i in rng.permutation(positions)[: 1 + int(rng.integers(4))]:
        chars[i] = HOMOGLYPHS[chars[i]]
    return "".join(chars)


def _fullwidth_word(rng: Rng, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if word.isascii() and word.isalpha()]
    if candidates:
        i = candidates[int(rng.random() * len(candidates))]
        words[i] = "".join(chr(ord(ch) + 0xFEE0) for ch in words[i])
    return " ".join(words)


def _double_spaces(rng: Rng, text: str) -> str:
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    for i in sorted(rng.permutation(spaces)[: 1 + int(rng.integers(2))], reverse=True):
        text = text[:i] + " " + text[i:]
    return text


def _control_char(rng: Rng, text: str) -> str:
    i = int(rng.random() * (len(text) + 1))
    return text[:i] + pick(rng, CONTROL_CHARS) + text[i:]


_NOISE = (_insert_zero_width, _swap_homoglyphs, _fullwidth_word, _double_spaces, _control_char)


def _unicode_noise(rng: Rng, text: str) -> str:
    """Apply one or two obfuscations a harvester uses to dodge exact matching."""
    for op in rng.permutation(len(_NOISE))[: 1 + int(rng.random() < 0.4)]:
        text = _NOISE[op](rng, text)
    return text


def _evasive(rng: Rng, n: int) -> _Prompts:
    cells = _sweep_cells(rng, n, subject_major=False)
    out = []
    for k, (lap, subject, subtopic, slots) in enumerate(cells):
        prompt = _paraphrase(rng, EVASIVE_TEMPLATES[(k + lap) % len(EVASIVE_TEMPLATES)]).format(**slots)
        out.append((_unicode_noise(rng, prompt) if rng.random() < 0.3 else prompt, subject, subtopic))
    return out


def _self_instruct(rng: Rng, n: int) -> _Prompts:
    """Alpaca-style tasks of many forms; subject k % 24, so subjects are swept evenly."""
    offset, out = int(rng.integers(10)), []
    for k in range(n):
        subject = SUBJECTS[k % len(SUBJECTS)]
        subtopic = SUBTOPICS[subject][(k // len(SUBJECTS) + offset) % 10]
        slots = fill_slots(rng, subject, subtopic)
        other = SUBJECTS[(k + 1 + int(rng.integers(len(SUBJECTS) - 1))) % len(SUBJECTS)]
        slots["other"] = pick(rng, TOPICS[other][pick(rng, SUBTOPICS[other])])
        slots["sentence"] = pick(rng, SELF_INSTRUCT_SENTENCES).format(**slots)
        out.append((pick(rng, SELF_INSTRUCT_TASKS).format(**slots), subject, subtopic))
    return out


HARVESTERS: tuple[tuple[str, str, Callable[[Rng, int], _Prompts]], ...] = (
    ("harvest-01", "template_sweep", partial(_template_sweep, templates=SWEEP_TEMPLATES_A)),
    ("harvest-02", "self_instruct", _self_instruct),
    ("harvest-03", "mixed", _mixed),
    ("harvest-04", "evasive", _evasive),
    ("harvest-05", "template_sweep", partial(_template_sweep, templates=SWEEP_TEMPLATES_B, subject_major=True)),
)
"""(account, strategy, make): make(rng, n) returns n (prompt, subject, subtopic) triples."""


FLEET_ACCOUNTS = 40
"""Accounts of the demo's fleet (``fleet-01`` ...): one generator stream spread thin."""


def fleet_rows(rng: Rng, *, n_accounts: int = FLEET_ACCOUNTS, prefix: str = "fleet") -> list[Row]:
    """ONE self-instruct stream sent through ``n_accounts`` small accounts of 10-30 prompts each.

    The stream runs at a steady rate round the clock and each prompt goes out
    through a random account, so every account alone looks like a light user.
    """
    sizes = rng.integers(10, 31, size=n_accounts)
    total = int(sizes.sum())
    prompts = _self_instruct(rng, total)
    owner = np.repeat(np.arange(n_accounts), sizes)[rng.permutation(total)]
    width = max(2, len(str(n_accounts)))
    return [Row(f"{prefix}-{int(a) + 1:0{width}d}", int(second), prompt, "harvester", "fleet", subject, subtopic)
            for a, second, (prompt, subject, subtopic) in zip(owner, steady_seconds(rng, total), prompts)]


def harvester_rows(account: str, strategy: str, make: Callable[[Rng, int], _Prompts], rng: Rng) -> list[Row]:
    """300-800 prompts from make, at a steady rate round the clock."""
    n = int(rng.integers(300, 801))
    prompts = make(rng, n)
    return [Row(account, int(second), prompt, "harvester", strategy, subject, subtopic)
            for second, (prompt, subject, subtopic) in zip(steady_seconds(rng, n), prompts)]

