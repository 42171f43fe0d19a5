"""Fill real FLAN templates with corpus text, paraphrase their wording, and add Unicode noise.

FLAN templates have ``{slot}`` placeholders. Only templates whose slots all take
free text (a question, a passage, a sentence...) or an option list are used, so
every rendered prompt reads like one a pipeline would send.
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

import numpy as np

Rng = np.random.Generator

SLOT = re.compile(r"\{(\w+)\}")
SHORT_SLOTS = frozenset({
    "question", "hypothesis", "sentence", "sentence1", "sentence2", "question1", "question2", "query",
    "title", "goal", "fact", "claim", "sent1", "sent2", "premise", "response",
})
"""Slots filled with one sentence."""
LONG_SLOTS = frozenset({
    "text", "context", "passage", "paragraph", "inputs", "input", "text1", "text2", "summary", "body",
    "background", "dialogue", "article", "document", "highlights",
})
"""Slots filled with a passage of up to :data:`LONG_CHARS` characters."""
OPTION_SLOTS = frozenset({"options_", "options_str"})
SHORT_CHARS, LONG_CHARS = 200, 600
OPTION_SETS: tuple[tuple[str, ...], ...] = (
    ("yes", "no"), ("yes", "no", "it is not possible to tell"), ("positive", "negative"),
    ("true", "false"), ("Yes", "No", "Maybe"), ("(A) agree", "(B) disagree"),
)

# Wording swaps an evasive harvester applies to a template, each with probability 1/2 per prompt.
PARAPHRASES: tuple[tuple[str, str], ...] = (
    ("Based on", "Given"), ("based on", "given"), ("Write", "Compose"), ("write", "compose"),
    ("explain", "describe"), ("Explain", "Describe"), ("Generate", "Produce"), ("generate", "produce"),
    ("following", "below"), ("paragraph", "passage"), ("article", "text"), ("Answer", "Respond to"),
    ("answer", "response"), ("question", "query"), ("sentence", "statement"), ("conclude", "infer"),
    ("Choose", "Pick"), ("choose", "pick"), ("Select", "Pick"), ("Determine", "Decide"),
    ("What is", "What's"), ("Can we", "Could we"), ("Is it", "Would it be"), ("true", "correct"),
    ("Read", "Look at"), ("Summarize", "Sum up"), ("Please", "Kindly"), ("options", "choices"),
    ("OPTIONS", "CHOICES"), ("Translate", "Render"), ("Does", "Would"), ("review", "evaluation"),
)
_HOMOGLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}
_ZERO_WIDTH = "\u200b"


@functools.lru_cache(maxsize=4096)
def template_slots(template: str) -> frozenset[str]:
    """The ``{slot}`` names of a template (cached: a sweep renders the same few templates thousands of times)."""
    return frozenset(SLOT.findall(template))


def text_slots(template: str) -> frozenset[str]:
    """The slots of a template that take free text (all but the option lists)."""
    return template_slots(template) - OPTION_SLOTS


def is_fillable(template: str) -> bool:
    """Whether every slot takes free text or options, with at least one text slot, and the
    template has wording of its own (a bare ``{inputs}`` would just replay the filling)."""
    slots = text_slots(template)
    own_words = re.findall(r"[A-Za-z]{3,}", SLOT.sub(" ", template))
    return bool(slots) and slots <= SHORT_SLOTS | LONG_SLOTS and len(own_words) >= 2


def single_text_slot(template: str) -> bool:
    """Whether a template has exactly one text slot (an enterprise classifier's shape)."""
    return is_fillable(template) and len(text_slots(template)) == 1


def clip(text: str, *, limit: int) -> str:
    """The text, stripped and cut at a word boundary to at most ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut or text[:limit]


def slot_text(source: str, *, slot: str) -> str:
    """A slot filling cut from a source text: its first sentence, or a passage for long slots."""
    if slot in LONG_SLOTS:
        return clip(source, limit=LONG_CHARS)
    first = re.split(r"(?<=[.!?])\s+|\n+", source.strip(), maxsplit=1)[0]
    return clip(first, limit=SHORT_CHARS)


def render(template: str, sources: Sequence[str], *, options: Sequence[str]) -> str:
    """Fill a template: text slots take ``sources`` in turn (reused if short), option slots ``options``.

    Args:
        template: a FLAN template with ``{slot}`` placeholders.
        sources: texts to cut slot fillings from (at least one).
        options: the answer options, rendered as ``OPTIONS:\\n- a\\n- b``.
    """
    fills: dict[str, str] = {}
    for slot in sorted(text_slots(template)):
        fills[slot] = slot_text(sources[len(fills) % len(sources)], slot=slot)
    listed = "OPTIONS:\n" + "\n".join(f"- {option}" for option in options)
    return SLOT.sub(lambda m: listed if m.group(1) in OPTION_SLOTS else fills[m.group(1)], template)


def paraphrase(rng: Rng, template: str) -> str:
    """Swap some of the template's wording for synonyms (slots are never touched)."""
    parts = SLOT.split(template)  # even positions are literal text, odd ones slot names
    for i in range(0, len(parts), 2):
        for old, new in PARAPHRASES:
            if old in parts[i] and rng.random() < 0.5:
                parts[i] = parts[i].replace(old, new)
    return "".join(part if i % 2 == 0 else "{" + part + "}" for i, part in enumerate(parts))


def paraphrasable(template: str) -> bool:
    """Whether :func:`paraphrase` can change the template's wording at all."""
    literal = SLOT.sub("", template)
    return any(old in literal for old, _ in PARAPHRASES)


def _noisy_word(rng: Rng, word: str) -> str:
    r = rng.random()
    if r < 0.4:
        return "".join(_HOMOGLYPHS.get(ch, ch) if rng.random() < 0.5 else ch for ch in word)
    if r < 0.7:
        cut = 1 + int(rng.random() * (len(word) - 1))
        return word[:cut] + _ZERO_WIDTH + word[cut:]
    # Fullwidth forms of ASCII letters sit at a fixed offset (U+FF01..U+FF5E).
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)


def unicode_noise(rng: Rng, text: str) -> str:
    """Disguise a prompt: homoglyphs, zero-width spaces or fullwidth letters in a few words,
    sometimes doubled spaces."""
    words = text.split(" ")
    latin = [i for i, word in enumerate(words) if len(word) >= 3 and word.isascii() and word.isalpha()]
    if latin:
        for i in rng.permutation(latin)[: 1 + int(rng.integers(3))]:
            words[i] = _noisy_word(rng, words[i])
    doubled = 0.2 if rng.random() < 0.5 else 0.0
    gaps = ["  " if rng.random() < doubled else " " for _ in words[1:]]
    return words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:]))
