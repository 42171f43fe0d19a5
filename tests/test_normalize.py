"""normalize_text: trivial Unicode evasion collapses to the plain prompt; real text survives."""

import time

import pytest

from embedder import normalize_text

RUSSIAN = "Объясни, пожалуйста, как работает алгоритм RSA и почему он безопасен?"
GREEK = "Εξήγησε πώς λειτουργεί ο αλγόριθμος RSA."

TRICKY = [
    "",
    " ",
    "plain ASCII prompt",
    "Ｅｘｐｌａｉｎ  ｔｈｅ  ＲＳＡ",
    "Ex\u200bpl\u200dain\ufeff RSA\u2060",
    "Еxplаin RSА",
    "naïvе résumé",
    "а\u030abc",
    "e\u200b\u0301",
    "\u00a0\u3000lead and trail\u2028\u2029",
    "tabs\tand\r\nnewlines\x0b\x0cand\x1c\x85",
    "\x00\x01\x7f\x9f",
    "\ud800 lone \udfff surrogates",
    "tag\U000e0041\U000e0042 chars\U000e007f",
    "\uffa0\u3164\u115f fillers",
    "ﬁnancial ① ㎏ ½",
    "𝐄𝐱𝐩𝐥𝐚𝐢𝐧 𝑹𝑺𝑨",
    RUSSIAN,
    GREEK,
    "Let α be the angle and Hα the line",
    "混合 English и русский",
]


@pytest.mark.parametrize(
    ("noisy", "clean"),
    [
        ("Ｅｘｐｌａｉｎ", "Explain"),
        ("𝐄𝐱𝐩𝐥𝐚𝐢𝐧", "Explain"),
        ("ﬁnd", "find"),
        ("Ex\u200bplain", "Explain"),
        ("Ex\u00adpl\u200c\u200dain", "Explain"),
        ("\ufeffExplain\u2060\u2061\u2062\u2063\u2064", "Explain"),
        ("Expl\ufe0fain", "Explain"),
        ("Ex\U000e0041plain", "Explain"),
    ],
)
def test_compatibility_forms_and_invisible_characters_vanish(noisy, clean):
    assert normalize_text(noisy) == clean


@pytest.mark.parametrize(
    ("noisy", "clean"),
    [
        ("  Explain\tthe\n\nRSA \r\n algorithm  ", "Explain the RSA algorithm"),
        ("Explain\x00the\x07RSA\x7falgorithm", "Explain the RSA algorithm"),
        ("Explain\u00a0the\u3000RSA\u2028algorithm\u0085", "Explain the RSA algorithm"),
        ("\x00" * 10, ""),
        ("\u200b\u200b\t\n", ""),
    ],
)
def test_controls_and_separators_fold_to_single_spaces(noisy, clean):
    assert normalize_text(noisy) == clean


def test_cyrillic_homoglyphs_inside_latin_words_are_repaired():
    # Е, а, А below are Cyrillic.
    assert normalize_text("Еxplаin RSА") == "Explain RSA"
    assert normalize_text("Ехрlаіn") == "Explain"  # only the "l" and "n" are Latin
    assert normalize_text("Сitroën") == "Citroën"


def test_greek_homoglyphs_inside_latin_words_are_repaired():
    assert normalize_text("Εxplαin ΤCΡ") == "Explain TCP"


def test_real_russian_and_greek_text_is_unchanged():
    assert normalize_text(RUSSIAN) == RUSSIAN
    assert normalize_text(GREEK) == GREEK
    assert normalize_text("Explain RSA на русском") == "Explain RSA на русском"


def test_case_is_kept():
    assert normalize_text("ExPlAiN rSa") == "ExPlAiN rSa"


@pytest.mark.parametrize(
    "nasty",
    ["\ud800", "a\udfffb", "x" * 100_000, "\x00" * 10, "\U0010ffff", "\ufffe\uffff", "\u0301" * 50, "\U000e0000" * 5],
)
def test_never_raises_and_returns_str(nasty):
    result = normalize_text(nasty)
    assert isinstance(result, str)
    result.encode("utf-8")  # no lone surrogate survives to crash a tokenizer


def test_huge_input_is_kept_whole():
    assert normalize_text("word " * 20_000) == ("word " * 20_000).strip()


@pytest.mark.parametrize("text", TRICKY)
def test_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_short_prompts_are_fast():
    prompts = [f"Write a short poem about topic number {i}\n" for i in range(50_000)]
    prompts += [f"Еxplаin thе idеа №{i}\u200b" for i in range(50_000)]
    start = time.perf_counter()
    for prompt in prompts:
        normalize_text(prompt)
    # ~0.6 s here for these 100k; the bound leaves room for a busy machine.
    assert time.perf_counter() - start < 6.0
