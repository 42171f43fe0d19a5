"""Canonical text form: trivial Unicode evasion must not change a prompt's vector.

A harvester that sprinkles zero-width spaces, fullwidth letters or Cyrillic look-alikes
into its prompts should land on the same vector as the plain prompt. Everything here is
a compiled regex or translate table built once at import (~20 ms); ASCII input, the
common case, takes a fast path of one regex and a split/join.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text"]


def _invisible_code_points() -> list[int]:
    """Code points deleted outright: category Cf, Default_Ignorable_Code_Point, surrogates.

    Default-ignorables that are not Cf (variation selectors, combining grapheme joiner,
    Hangul fillers) render as nothing too, so they are evasion material all the same.
    Lone surrogates cannot be encoded to UTF-8 and would crash the tokenizer downstream.
    """
    # Every Cf code point lies below U+20000 or in plane 14; scanning just those keeps import fast.
    scan = list(range(0x20000)) + list(range(0xE0000, 0xE1000))
    points = {cp for cp in scan if unicodedata.category(chr(cp)) in ("Cf", "Cs")}
    default_ignorable = [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
        (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
        (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
        (0xE0000, 0xE0FFF),
    ]
    for first, last in default_ignorable:
        points.update(range(first, last + 1))
    return sorted(points)


def _char_class(code_points: list[int]) -> str:
    """A regex character class matching exactly `code_points`, written as ranges."""
    ranges: list[list[int]] = []
    for cp in code_points:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


_INVISIBLE_RE = re.compile(_char_class(_invisible_code_points()))

# Control characters (Cc) that str.split() does not already treat as whitespace; they become a
# space, then split() folds them with tab, newline and every Unicode separator (Zs, Zl, Zp).
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")

# Cyrillic and Greek letters that render like a Latin letter in common fonts.
_HOMOGLYPHS = {
    # Cyrillic lower case
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ү": "y", "ѵ": "v",
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y",
    "Ӏ": "I", "Һ": "H", "Ѵ": "V",
    # Greek lower case
    "ο": "o", "α": "a", "ν": "v", "τ": "t", "ρ": "p", "κ": "k", "ι": "i", "υ": "u", "χ": "x",
    "γ": "y", "ϲ": "c", "ϳ": "j",
    # Greek upper case
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_RE = re.compile("[" + "".join(sorted(_HOMOGLYPHS)) + "]")
# A word is a run of letters; combining diacritics stay inside it ("а" + U+030A is one word).
_LETTERS_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_LATIN_RE = re.compile(
    "[A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1d00-\u1dbf\u1e00-\u1eff"
    "\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f]"
)


def normalize_text(text: str) -> str:
    """Return the canonical form of a prompt, so trivial evasion does not change its vector.

    Steps, in order: delete zero-width and format characters (Unicode category Cf such as
    U+200B-U+200F, U+2060-U+2064, U+FEFF, soft hyphen U+00AD, plus the other
    default-ignorable code points such as variation selectors, and lone surrogates); apply
    Unicode NFKC (fullwidth and mathematical letters become ASCII); turn control characters
    (category Cc, including tab, newline and carriage return) and all separators into
    spaces, fold runs of whitespace to one space and strip the ends; finally, inside each
    run of letters that contains a Latin letter, map Cyrillic and Greek look-alikes to
    their Latin twins ("Еxplаin" with Cyrillic Е and а becomes "Explain"). A word written
    wholly in Cyrillic or Greek is left alone, so real Russian or Greek text is unchanged.
    Case is kept.

    The function never raises on a `str` and is idempotent:
    ``normalize_text(normalize_text(x)) == normalize_text(x)``.

    Args:
        text: Any string; an all-invisible or all-control string gives "".

    Returns:
        The canonical string, with single spaces between words and none at the ends.
    """
    if text.isascii():
        return " ".join(_CONTROL_RE.sub(" ", text).split())
    text = _INVISIBLE_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    # NFKC can turn one ignorable into another (U+FFA0 -> U+3164 -> U+1160), so delete again.
    text = _INVISIBLE_RE.sub("", text)
    text = " ".join(_CONTROL_RE.sub(" ", text).split())
    repaired = _repair_confusables(text)
    if repaired is not text:
        # A Cyrillic letter with a combining mark can compose once it is Latin ("а" + U+030A -> "å").
        repaired = unicodedata.normalize("NFKC", repaired)
    return repaired


def _repair_confusables(text: str) -> str:
    """Map look-alikes inside Latin words; returns `text` itself when nothing changed."""
    if _HOMOGLYPH_RE.search(text) is None:
        return text
    repaired = _LETTERS_RE.sub(_repair_word, text)
    return text if repaired == text else repaired


def _repair_word(match: re.Match[str]) -> str:
    word = match.group()
    if _LATIN_RE.search(word) is None or _HOMOGLYPH_RE.search(word) is None:
        return word
    return word.translate(_HOMOGLYPH_TABLE)

