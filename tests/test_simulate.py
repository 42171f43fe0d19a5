"""Labelled days simulated from prompt corpora: splits, dedup, roles, labels, timing, determinism, files.

Most tests use a tiny corpus written into tmp_path in the shape of
shared/data/prompts (texts made up here); one reads the real corpora and skips
when they are absent.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthetic.labelled.day import (
    BENIGN_KINDS, FLEET_SHAPES, HARD_NEGATIVES, LABEL_COLUMNS, STRATEGIES, TRAFFIC_COLUMNS, Corpus,
    SimulateOptions, load_corpus, simulate_day, write_labelled_day,
)
from synthetic.labelled.corpus import normalise, split_of
from synthetic.labelled.sources import build_sources
from synthetic.labelled.topics import tfidf

REAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"
SINGLE = [s for s in STRATEGIES if s != "fleet"]
BENIGN = {"power_user": 2, "coding_user": 2, "popular_sharer": 6, "enterprise": 2, "eval_runner": 2,
          "student": 3, "survey_writer": 2}
FLEETS = dict.fromkeys(FLEET_SHAPES, 5)
SMALL = {"n_users": 60, "benign": BENIGN, "harvesters": dict.fromkeys(SINGLE, 2), "fleets": FLEETS}
NOISE = set("\u200b\u0430\u0435\u043e\u0440\u0441") | {chr(c) for c in range(0xFF01, 0xFF5F)}
CORPUS_OF = {  # the corpus label of each single-account strategy on the tiny corpus
    "code_sweep": "distill/codealpaca", "math_sweep": "benign/gsm8k+benign/mmlu", "template_sweep": "templates/flan",
    "promptsource_sweep": "distill/t0_promptsource_filled", "persona_sweep": "distill/anthropic_mwe_persona",
    "narrow_task_sweep": "templates/flan", "evasive": "templates/flan",
    "metaprompt": "templates/generator_metaprompts",
}
GENERATORS = {"distill/alpaca", "distill/alpaca_pipeline_reruns"}  # the tiny corpus has no distill/moss003

TOPICS = {
    "cooking": (["pasta", "risotto", "sourdough", "omelette", "curry", "brisket", "dumplings", "pancakes",
                 "lasagna", "paella", "ramen", "tacos"],
                ["How long should I cook {x} in the oven?", "What spices go well with {x} for dinner?",
                 "Give me a simple recipe for {x} with garlic.", "Why does my {x} taste bland when I cook it?",
                 "Can I freeze leftover {x} after cooking?", "What wine pairs with homemade {x}?"]),
    "astronomy": (["Jupiter", "Saturn", "Andromeda", "Betelgeuse", "Neptune", "Sirius", "Vega", "Polaris",
                   "Orion", "Titan", "Europa", "Ganymede"],
                  ["How far is {x} from Earth in light years?", "Can I see {x} through a small telescope?",
                   "What is the orbit of {x} around its star?", "Why does {x} shine so bright in the night sky?",
                   "When is {x} visible from the northern hemisphere?", "What did space probes discover about {x}?"]),
    "finance": (["index funds", "bonds", "mortgages", "dividends", "retirement accounts", "credit cards",
                 "inflation", "stock options", "savings accounts", "student loans", "annuities", "ETFs"],
                ["Should I invest in {x} this year?", "How do taxes work on {x} and capital gains?",
                 "What are the risks of {x} for a young investor?", "Explain how interest on {x} is calculated.",
                 "Is it smart to pay off {x} before investing money?", "How do banks profit from {x}?"]),
    "gardening": (["tomatoes", "roses", "basil", "tulips", "cucumbers", "orchids", "lavender", "strawberries",
                   "peppers", "succulents", "hydrangeas", "blueberries"],
                  ["When should I plant {x} in my garden?", "How often should I water {x} in summer?",
                   "Why are the leaves of my {x} turning yellow?", "What soil and fertilizer do {x} need?",
                   "How do I protect {x} from aphids and pests?", "Can {x} grow in pots on a balcony?"]),
    "pets": (["puppy", "kitten", "parrot", "hamster", "goldfish", "rabbit", "beagle", "iguana", "ferret",
              "labrador", "cockatiel", "tortoise"],
             ["What should I feed my {x} every day?", "How do I house-train a new {x} at home?",
              "Why is my {x} sleeping so much lately?", "Which vaccines does a {x} need from the vet?",
              "How much exercise does a {x} need?", "Is it safe to leave my {x} alone for a weekend?"]),
    "fitness": (["squats", "deadlifts", "push-ups", "running", "cycling", "yoga", "pilates", "rowing",
                 "swimming", "burpees", "lunges", "kettlebell swings"],
                ["How many reps of {x} should a beginner do?", "What muscles does {x} work in a workout?",
                 "How do I improve my form for {x} at the gym?", "Is {x} good cardio for losing weight?",
                 "How often per week should I train {x}?", "What warm-up helps before {x} sessions?"]),
    "coding": (["parse_dates", "merge_rows", "load_config", "send_email", "resize_image", "hash_password",
                "read_csv_file", "sort_users", "count_words", "retry_request", "cache_result", "validate_form"],
               ["Why does my function fail?\n```python\ndef {x}(items):\n    return sorted(items)[0]\n```",
                "How can I make this faster?\n```python\ndef {x}(path):\n    with open(path) as f:\n"
                "        return [line for line in f]\n```",
                "What is wrong here?\nfunction {x}(a, b) {{\n  return a + b;\n}}",
                "Convert this to TypeScript:\nfunction {x}(list) {{\n  let total = 0;\n  return total;\n}}",
                "Please review:\ndef {x}(user):\n    if not user:\n        raise ValueError(user)\n    return user",
                "Is this thread safe?\nclass Worker:\n    def {x}(self):\n        self.jobs.pop()\n"]),
}
FLAN = [
    '{premise}\n\nBased on the paragraph above can we conclude that "{hypothesis}"?\n\n{options_}',
    "What is the sentiment of the following review?\n{text}\n\n{options_}",
    "Write a short summary of this article:\n\n{text}\n\nSummary:",
    "Answer the following question: {question}\nPlease explain your reasoning.",
    "Read the text and determine if the sentence is true:\n\n{context}\n\nSentence: {question}\n{options_}",
    "Generate a question about the following passage.\n\n{passage}",
    "{inputs}",  # no wording of its own: never used
    "Translate to {lang2}: {sent1}",  # a slot that takes no free text: never used
]


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(row) + "\n" for row in rows).encode()))


def _rows(texts: list[str], kind: str, metas: list[dict] | None = None) -> list[dict]:
    metas = metas or [{} for _ in texts]
    return [{"text": t, "source": "test", "kind": kind, "meta": m} for t, m in zip(texts, metas)]


def _tiny_benign(root: Path) -> None:
    for topic, (things, frames) in TOPICS.items():
        texts = [frame.format(x=x) for x in things for frame in frames]
        if topic == "cooking":
            texts.append("Tell me a joke.")  # also in distill/alpaca: benign must win
        _jsonl(root / "benign" / f"{topic}.jsonl.gz", _rows(texts, "benign"))
    _jsonl(root / "benign" / "gsm8k.jsonl.gz", _rows(
        [f"Ann has {a} apples and buys {b} more bags of {c}. How many apples does she have?"
         for a in range(3, 9) for b in range(2, 7) for c in (4, 6)], "benign"))
    subjects = {"anatomy": "bone", "astronomy_exam": "planet", "virology": "virus", "elementary_mathematics": "sum"}
    mmlu = [(f"Which {noun} property number {i} is tested here?\nA. one\nB. two\nC. three\nD. four", s)
            for s, noun in subjects.items() for i in range(60)]
    _jsonl(root / "benign" / "mmlu.jsonl.gz", _rows([t for t, _ in mmlu], "benign",
                                                     [{"subject": s} for _, s in mmlu]))
    _jsonl(root / "benign" / "anthropic_evals_humanwritten.jsonl.gz", _rows(
        [f"Would you accept deal number {i} from another AI?\n\nChoices:\n (A) Yes\n (B) No" for i in range(80)],
        "benign"))
    roles = ["travel guide", "poet", "chess coach", "dietitian", "math tutor", "storyteller", "career advisor",
             "film critic", "interviewer", "translator", "stand-up comic", "personal trainer"]
    _jsonl(root / "benign" / "awesome_chatgpt_prompts.jsonl.gz", _rows(
        [f"I want you to act as a {r}. {ask}" for r in roles
         for ask in ("My first request is to help me.", "Reply only in that role.", "Ask me questions first.")],
        "benign"))


def _tiny_distill(root: Path) -> None:
    verbs = ["Write a poem about", "Explain the concept of", "List three facts about", "Summarize the history of",
             "Classify the sentiment of a review about", "Suggest a name for a startup about"]
    nouns = ["volcanoes", "blockchain", "jazz", "photosynthesis", "chess", "the Roman empire", "vaccines",
             "electric cars", "origami", "glaciers", "robots", "coffee", "bees", "tides", "bridges"]
    _jsonl(root / "distill" / "alpaca.jsonl.gz", _rows(
        [f"{v} {n}." for v in verbs for n in nouns] + ["Tell me a joke.", "tell  me a JOKE."], "distill"))
    _jsonl(root / "distill" / "alpaca_pipeline_reruns.jsonl.gz", _rows(
        [f"As a health coach, give advice number {i} on {n}." for n in ("sleep", "posture", "hydration", "stress")
         for i in range(15)], "distill"))
    _jsonl(root / "distill" / "codealpaca.jsonl.gz", _rows(
        [f"Write a {lang} function that {task}." for lang in ("Python", "Java", "Go", "Rust", "C")
         for task in ("reverses a string", "sums a list", "parses JSON", "sorts an array", "reads a file",
                      "counts vowels", "checks for primes", "merges two dicts", "finds the maximum",
                      "removes duplicates", "formats a date", "validates an email")], "distill"))
    personas = ["power-seeking", "agreeable", "narcissism", "risk-averse", "optimism"]
    persona = [(f'Is the following statement something you would say?\n"Statement {i} about being {p}"', p)
               for p in personas for i in range(30)]
    _jsonl(root / "distill" / "anthropic_mwe_persona.jsonl.gz", _rows(
        [t for t, _ in persona], "distill", [{"persona": p} for _, p in persona]))
    filled = [(f"Task {t}: read passage {i} about {nouns[i % len(nouns)]} and answer.", f"template_{t}")
              for t in range(12) for i in range(20)]
    _jsonl(root / "distill" / "t0_promptsource_filled.jsonl.gz", _rows(
        [t for t, _ in filled], "distill", [{"template_id": tid} for _, tid in filled]))


METAPROMPTS = [
    *[f"List {{num_tasks}} diverse tasks that a {{assistant_role}} can help a {{user_role}} with in field {i}."
      for i in range(4)],
    *[f"You are asked to come up with a set of 20 diverse task instructions, batch {i}.\n\nList of 20 tasks:"
      for i in range(4)],
    *[f"Is task {i} a classification task?\n\nTask: Name a planet.\nIs it classification? No\n\nTask:"
      for i in range(4)],
    *[f"Loaded {{len(seed_instructions)}} seed instructions from file {i}" for i in range(3)],  # nothing to fill
]


def write_tiny_corpus(root: Path) -> Path:
    """A few hundred made-up prompts in the shared corpus layout, one file per role."""
    _tiny_benign(root)
    _tiny_distill(root)
    _jsonl(root / "templates" / "flan.jsonl.gz", _rows(FLAN, "distill", [{"is_template": True}] * len(FLAN)))
    _jsonl(root / "templates" / "generator_metaprompts.jsonl.gz", _rows(METAPROMPTS, "distill"))
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return load_corpus(write_tiny_corpus(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def day(corpus: Corpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_day(corpus, SimulateOptions(split="report", seed=3, **SMALL))


def _joined(day: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    traffic, labels = day
    joined = traffic.merge(labels, on="account_id", validate="many_to_one")
    stamps = pd.to_datetime(joined["timestamp"], utc=True)
    return joined.assign(second=(stamps - stamps.dt.normalize()).dt.total_seconds().astype(int))


def _files(corpus: Corpus, prompts: pd.Series) -> pd.Series:
    """The corpus file of each prompt ('' for text the simulator wrote: rendered templates, edits)."""
    return prompts.map(dict(zip(corpus.prompts["text"], corpus.prompts["file"]))).fillna("")


def _flan_template(prompt: str) -> int:
    """Which usable FLAN template of the tiny corpus a rendered prompt came from (-1: none)."""
    for i, template in enumerate(FLAN[:6]):
        if re.fullmatch(".+?".join(map(re.escape, re.split(r"\{\w+\}", template))), prompt, flags=re.S):
            return i
    return -1


def _longest_idle(seconds: pd.Series) -> int:
    """The longest stretch of the day (wrapping at midnight) in which an account sends nothing."""
    s = np.sort(seconds.to_numpy())
    return int(max(np.diff(s).max(initial=0), 86_400 - (s[-1] - s[0])))


# --- the corpus ------------------------------------------------------------------------------

def test_splits_never_share_a_prompt_and_are_stable(corpus: Corpus, tmp_path: Path) -> None:
    prompts = corpus.prompts
    assert tuple(prompts.columns) == ("text", "file", "kind", "split", "meta")
    norms = prompts["text"].map(normalise)
    assert norms.is_unique
    assert set(prompts["split"]) == {"tune", "report"}
    assert 0.3 < (prompts["split"] == "tune").mean() < 0.7
    # A prompt's split depends on its text alone: the same in a corpus that holds other files.
    root = tmp_path / "other"
    _jsonl(root / "benign" / "mine.jsonl.gz", _rows(prompts["text"].head(50).tolist()[::-1], "benign"))
    again = load_corpus(root)
    assert dict(zip(again.prompts["text"], again.prompts["split"])) == \
        dict(zip(prompts["text"].head(50), prompts["split"].head(50)))
    assert all(split_of(t) == s for t, s in zip(prompts["text"], prompts["split"]))
    assert set(load_corpus(root, tune_share=0.0).prompts["split"]) == {"report"}
    assert set(load_corpus(root, tune_share=1.0).prompts["split"]) == {"tune"}


def test_duplicates_across_files_keep_the_benign_one(corpus: Corpus) -> None:
    jokes = corpus.prompts[corpus.prompts["text"].map(normalise) == "tell me a joke."]
    assert len(jokes) == 1
    assert jokes.iloc[0][["file", "kind"]].tolist() == ["benign/cooking", "benign"]


def test_templates_are_marked_and_files_keyed(corpus: Corpus) -> None:
    kinds = corpus.prompts.groupby("file")["kind"].agg(set)
    assert kinds["templates/flan"] == {"template"}
    assert kinds["benign/gsm8k"] == {"benign"}
    assert kinds["distill/alpaca"] == {"distill"}


def test_a_folder_without_jsonl_files_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "benign").mkdir()
    (tmp_path / "benign" / "notes.txt").write_text("not a corpus")
    with pytest.raises(ValueError, match=str(tmp_path)):
        load_corpus(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing"):
        load_corpus(tmp_path / "missing")


def test_a_malformed_row_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "benign" / "bad.jsonl"
    path.parent.mkdir()
    path.write_text('{"text": "fine", "kind": "benign"}\n{"text": 3, "kind": "benign"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: 'text'"):
        load_corpus(tmp_path)


# --- the day ---------------------------------------------------------------------------------

def test_every_role_is_present_with_the_right_labels(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    traffic, labels = day
    assert tuple(traffic.columns) == TRAFFIC_COLUMNS and tuple(labels.columns) == LABEL_COLUMNS
    assert labels["account_id"].is_unique and set(labels["account_id"]) == set(traffic["account_id"])
    assert labels["kind"].value_counts().to_dict() == {"user": 60, **BENIGN, "harvester": 2 * len(SINGLE) + 25}
    harvesters = labels[labels["label"] == "harvester"]
    assert (harvesters["kind"] == "harvester").all()
    assert Counter(harvesters["strategy"]) == {**dict.fromkeys(SINGLE, 2), "fleet": 25}
    assert labels["hard_negative"].dtype == bool
    assert (labels["hard_negative"] == labels["kind"].isin(HARD_NEGATIVES)).all()
    assert HARD_NEGATIVES == set(BENIGN_KINDS) - {"popular_sharer"}
    benign = labels[labels["label"] == "benign"]
    assert (benign[["strategy", "corpus", "fleet_shape"]] == "").all().all()
    assert (benign["campaign"] == benign["account_id"]).all()
    fleet = labels["strategy"] == "fleet"
    assert (labels.loc[fleet, "campaign"] == "fleet:" + labels.loc[fleet, "fleet_shape"]).all()
    assert (labels.loc[~fleet, "fleet_shape"] == "").all() and (labels.loc[~fleet, "campaign"] ==
                                                                 labels.loc[~fleet, "account_id"]).all()
    corpus_of = harvesters.groupby("strategy")["corpus"].agg(set)
    for strategy, corpus in CORPUS_OF.items():
        assert corpus_of[strategy] == {corpus}, strategy
    assert corpus_of["self_instruct"] == GENERATORS  # accounts cycle through the generator corpora
    assert corpus_of["fleet"] <= GENERATORS
    assert corpus_of["cot_fixed"] == corpus_of["cot_rotating"]  # the questions' pool
    assert corpus_of["cot_fixed"] == {"pool/questions"}


def test_account_ids_reveal_nothing(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    labels = day[1]
    assert labels["account_id"].str.fullmatch(r"acct-\d{4}").all()
    # Harvesters are not the last (or first) block of ids.
    position = np.flatnonzero(labels["label"].to_numpy() == "harvester")
    assert position.max() - position.min() + 1 > len(position)


def test_volumes_and_timing_follow_each_role(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    traffic, _ = day
    joined = _joined(day)
    assert traffic["timestamp"].is_monotonic_increasing
    assert traffic["timestamp"].str.fullmatch(r"2026-11-27T\d\d:\d\d:\d\dZ").all()
    sizes = joined.groupby(["account_id", "strategy", "kind"]).size().reset_index(name="n")
    assert sizes[sizes["kind"] == "harvester"].query("strategy != 'fleet'")["n"].between(200, 900).all()
    assert sizes[sizes["kind"] == "enterprise"]["n"].between(800, 2000).all()
    assert sizes[sizes["kind"] == "power_user"]["n"].between(100, 400).all()
    assert sizes[sizes["kind"] == "coding_user"]["n"].between(150, 600).all()
    assert sizes[sizes["kind"] == "user"]["n"].between(1, 400).all()
    times = pd.to_datetime(joined["timestamp"])
    spans = times.groupby(joined["account_id"]).agg(lambda t: (t.max() - t.min()).total_seconds())
    kinds = joined.groupby("account_id")["kind"].first()
    assert (spans[kinds == "eval_runner"] <= 2 * 3600).all()
    assert (spans[kinds == "enterprise"] >= 20 * 3600).all()
    # A power user is on in most hours of their waking day.
    hours = (joined[joined["kind"] == "power_user"].assign(hour=lambda f: f["second"] // 3600)
             .groupby("account_id")["hour"].nunique())
    assert (hours >= 12).all()


def test_half_of_each_strategy_keeps_sessions(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    singles = _joined(day).query("kind == 'harvester' and strategy != 'fleet'")
    idle = singles.groupby(["strategy", "account_id"])["second"].agg(_longest_idle)
    # One of each strategy's two accounts sleeps at night like a person; the other never pauses for long.
    assert ((idle >= 4 * 3600).groupby(level="strategy").sum() == 1).all()
    assert ((idle <= 3600).groupby(level="strategy").sum() == 1).all()


def test_each_fleet_shape_is_one_campaign_of_small_accounts(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    fleets = _joined(day).query("strategy == 'fleet'")
    per_shape = fleets.groupby("fleet_shape")
    assert set(per_shape.groups) == set(FLEET_SHAPES)
    assert (per_shape["campaign"].nunique() == 1).all() and (per_shape["account_id"].nunique() == 5).all()
    assert fleets["campaign"].nunique() == len(FLEET_SHAPES)
    assert fleets.groupby("account_id").size().between(10, 30).all()


def test_send_window_accounts_each_send_in_at_most_two_windows(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    def windows(seconds: pd.Series) -> int:  # 20-minute windows it takes to cover the account's sends
        count, end = 0, -1
        for second in np.sort(seconds.to_numpy()):
            if second >= end:
                count, end = count + 1, second + 1200
        return count

    senders = _joined(day).query("fleet_shape == 'send_windows'")
    assert senders.groupby("account_id")["second"].agg(windows).between(1, 2).all()
    assert (senders["second"] // 1200).nunique() <= 20  # the operation keeps to its ~20 windows


def _within_account_similarity(fleet: pd.DataFrame) -> float:
    vectors, accounts = tfidf(fleet["prompt"].tolist()), fleet["account_id"].to_numpy()
    means = []
    for account in np.unique(accounts):
        rows = np.flatnonzero(accounts == account)
        sims = (vectors[rows] @ vectors[rows].T).toarray()
        means.append((sims.sum() - np.trace(sims)) / (len(rows) * (len(rows) - 1)))
    return float(np.mean(means))


def test_topic_slice_accounts_each_draw_from_one_slice(day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    fleets = _joined(day).query("strategy == 'fleet'")
    sliced = _within_account_similarity(fleets[fleets["fleet_shape"] == "topic_slices"])
    spread = _within_account_similarity(fleets[fleets["fleet_shape"] == "round_clock"])
    assert sliced > 2 * spread, (sliced, spread)


def test_reseller_accounts_carry_genuine_traffic(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    resellers = _joined(day).query("fleet_shape == 'reseller_mix'")
    genuine = ~_files(corpus, resellers["prompt"]).str.startswith("distill/")
    assert genuine.groupby(resellers["account_id"]).mean().between(0.3, 0.7).all()


def test_persona_sweep_sends_persona_blocks(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sweeps = _joined(day).query("strategy == 'persona_sweep'")
    persona = sweeps["prompt"].map(dict(zip(corpus.prompts["text"], corpus.prompts["meta"]))).map(
        lambda meta: meta["persona"])
    runs = persona.groupby(sweeps["account_id"]).agg(lambda p: int((p != p.shift()).sum()))
    # Behaviour after behaviour: long runs of one persona (the tiny corpus has 15 statements a persona).
    assert (sweeps.groupby("account_id").size() / runs >= 10).all()
    assert persona.nunique() == 5


def test_only_prompts_of_the_split_are_sent(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    split_of_text = dict(zip(corpus.prompts["text"].map(normalise), corpus.prompts["split"]))
    seen = {split_of_text.get(normalise(p)) for p in day[0]["prompt"]}
    assert seen <= {"report", None}  # None: rendered templates and users' edits
    tune_day = simulate_day(corpus, SimulateOptions(split="tune", seed=3, **SMALL))[0]
    assert not set(tune_day["prompt"].map(normalise)) & set(day[0]["prompt"].map(normalise))


def test_strategies_draw_from_their_sources(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    joined = _joined(day)
    joined["file"] = _files(corpus, joined["prompt"])
    by = joined.groupby("strategy")["file"]
    for strategy in ("self_instruct", "persona_sweep", "promptsource_sweep"):
        per_account = joined[joined["strategy"] == strategy].groupby("account_id")
        assert (per_account["file"].agg(set) == per_account["corpus"].first().map(lambda c: {c})).all(), strategy
    # Domain sweeps evolve their seed problems: most prompts are new, the rest seeds of their own corpus.
    code = joined[joined["strategy"] == "code_sweep"]
    assert set(code["file"]) <= {"", "distill/codealpaca"} and (code["file"] == "").mean() > 0.3
    maths = joined[joined["strategy"] == "math_sweep"]
    assert set(maths["file"]) <= {"", "benign/gsm8k", "benign/mmlu"} and (maths["file"] == "").mean() > 0.3
    for strategy in ("template_sweep", "narrow_task_sweep", "cot_fixed", "cot_rotating", "metaprompt"):
        assert set(by.get_group(strategy)) == {""}, strategy  # every prompt in the harvester's own wording
    assert not joined["prompt"].str.contains(r"\{inputs\}|\{lang2\}|\{options_\}|\{question\}|\{num_tasks\}").any()
    assert not joined.loc[joined["strategy"] == "metaprompt", "prompt"].str.contains("Loaded").any()
    evasive = joined.loc[joined["strategy"] == "evasive", "prompt"]
    assert 0.15 < evasive.map(lambda p: bool(NOISE & set(p))).mean() < 0.45
    mixed = joined[joined["strategy"] == "mixed"].groupby("account_id")["file"]
    assert mixed.agg(lambda f: f.str.startswith("benign/").mean()).between(0.35, 0.6).all()
    # A narrow task sweep sends its templates one after the other: each template in one run.
    narrow = joined[joined["strategy"] == "narrow_task_sweep"].sort_values("second", kind="stable")
    template = narrow["prompt"].map(_flan_template)
    assert (template >= 0).all()
    runs = template.groupby(narrow["account_id"]).agg(lambda t: int((t != t.shift()).sum()))
    assert (runs == template.groupby(narrow["account_id"]).nunique()).all()


def test_benign_kinds_behave_like_their_people(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    joined = _joined(day)
    coding = joined[joined["kind"] == "coding_user"]
    # The assistant's wrappers: 2-3 fixed first lines per developer (edits keep the first line).
    wrappers = coding["prompt"].str.split("\n").str[0].groupby(coding["account_id"]).nunique()
    assert wrappers.between(2, 3).all()
    sharers = joined[joined["kind"] == "popular_sharer"]
    awesome = _files(corpus, sharers["prompt"]) == "benign/awesome_chatgpt_prompts"
    assert awesome.groupby(sharers["account_id"]).mean().between(0.15, 0.75).all()
    # Popular prompts recur verbatim across sharers who have nothing else to do with each other.
    shared = sharers[awesome].groupby("prompt")["account_id"].nunique()
    assert (shared >= 2).any()


def _top_cluster_share(clusters: pd.Series, accounts: pd.Series) -> float:
    """Mean share of an account's prompts in its 3 biggest clusters, over accounts with 15+ prompts."""
    shares = clusters.groupby(accounts.to_numpy()).agg(
        lambda c: c.value_counts().head(3).sum() / len(c) if len(c) >= 15 else np.nan)
    return float(shares.mean())


def test_users_concentrate_on_their_clusters(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sources = build_sources(corpus, split="report", seed=3)
    cluster_of = dict(zip(sources.user, sources.user_topic))
    users = _joined(day).query("kind == 'user'")
    clusters = users["prompt"].map(cluster_of)
    users, clusters = users[clusters.notna()], clusters.dropna()  # edits are in no cluster
    assert clusters.nunique() >= 6 and (users.groupby("account_id").size() >= 15).sum() >= 5
    actual = _top_cluster_share(clusters, users["account_id"])
    shuffled = _top_cluster_share(clusters.sample(frac=1, random_state=0).reset_index(drop=True),
                                  users["account_id"].reset_index(drop=True))
    assert actual > 0.85 and actual > shuffled + 0.1, (actual, shuffled)


def test_same_arguments_same_day_other_seed_other_day(corpus: Corpus,
                                                      day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    traffic, labels = simulate_day(corpus, SimulateOptions(split="report", seed=3, **SMALL))
    pd.testing.assert_frame_equal(traffic, day[0])
    pd.testing.assert_frame_equal(labels, day[1])
    other = simulate_day(corpus, SimulateOptions(split="report", seed=4, **SMALL))[0]
    assert not other.equals(day[0])


def test_bad_arguments_are_refused(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="simulate.split"):
        SimulateOptions(split="test")
    with pytest.raises(ValueError, match="simulate.n_users"):
        SimulateOptions(split="report", n_users=-1)
    with pytest.raises(ValueError, match="day"):
        SimulateOptions(split="report", day="27/11/2026")
    with pytest.raises(ValueError, match=r"simulate\.harvesters\.code_sweep must be an integer >= 0"):
        SimulateOptions(harvesters={"code_sweep": -1})
    with pytest.raises(ValueError, match=r"simulate\.fleets has no key 'round_the_clock'; the keys are round_clock"):
        SimulateOptions(fleets={"round_the_clock": 3})
    with pytest.raises(ValueError, match=r"simulate\.benign must be a mapping"):
        SimulateOptions(benign=5)


def test_count_maps_are_completed_and_serialise() -> None:
    options = SimulateOptions(harvesters={"code_sweep": 3})
    assert options.harvesters == {**dict.fromkeys(SINGLE, 0), "code_sweep": 3}  # a key left out counts 0
    assert options == SimulateOptions(harvesters={**dict.fromkeys(SINGLE, 0), "code_sweep": 3})
    defaults = SimulateOptions()
    assert set(defaults.harvesters.values()) == {6} and sum(defaults.fleets.values()) == 700
    # The evaluation's cache key: the options as JSON.
    assert json.loads(json.dumps(dataclasses.asdict(defaults), sort_keys=True))["fleets"] == defaults.fleets


def test_a_corpus_missing_a_strategy_file_leaves_it_out_and_says_so(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    root = write_tiny_corpus(tmp_path)
    (root / "distill" / "codealpaca.jsonl.gz").unlink()
    (root / "templates" / "generator_metaprompts.jsonl.gz").unlink()
    corpus = load_corpus(root)
    with caplog.at_level(logging.WARNING, logger="synthetic.labelled"):
        labels = simulate_day(corpus, SimulateOptions(split="report", **SMALL))[1]
    strategies = set(labels["strategy"]) - {""}
    assert strategies == set(STRATEGIES) - {"code_sweep", "metaprompt"}
    messages = [r.getMessage() for r in caplog.records]
    assert sum("code_sweep" in m and "distill/codealpaca" in m for m in messages) == 1
    assert sum("metaprompt" in m and "templates/generator_metaprompts" in m for m in messages) == 1
    # Only a day that can make no harvester at all is refused.
    with pytest.raises(ValueError, match="no harvester can be made"):
        simulate_day(corpus, SimulateOptions(split="report", n_users=5, benign={},
                                             harvesters={"code_sweep": 2}, fleets={}))


def test_write_labelled_day_round_trips(day: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    traffic_path, labels_path = write_labelled_day(*day, tmp_path / "out")
    assert (traffic_path.name, labels_path.name) == ("traffic.parquet", "labels.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(traffic_path), day[0])
    pd.testing.assert_frame_equal(pd.read_parquet(labels_path), day[1])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["labels.parquet", "traffic.parquet"]


# --- the real corpora ------------------------------------------------------------------------

def test_real_tune_and_report_days_share_no_prompt() -> None:
    if not REAL_CORPUS.is_dir():
        pytest.skip(f"real corpora not found at {REAL_CORPUS} (shared/data/prompts is not checked out here)")
    corpus = load_corpus(REAL_CORPUS)
    small = {"n_users": 200, "benign": dict.fromkeys(BENIGN_KINDS, 1),
             "harvesters": {**dict.fromkeys(SINGLE, 2), "self_instruct": 3},
             "fleets": dict.fromkeys(FLEET_SHAPES, 10)}
    report, labels = simulate_day(corpus, SimulateOptions(split="report", **small))
    tune, _ = simulate_day(corpus, SimulateOptions(split="tune", **small))
    assert not set(report["prompt"]) & set(tune["prompt"])
    assert not set(report["prompt"].map(normalise)) & set(tune["prompt"].map(normalise))
    assert set(labels["strategy"]) == set(STRATEGIES) | {""}
    assert set(labels["fleet_shape"]) == set(FLEET_SHAPES) | {""}
    assert labels["kind"].value_counts()["user"] == 200
    self_instruct = labels.loc[labels["strategy"] == "self_instruct", "corpus"]
    assert set(self_instruct) == {"distill/alpaca", "distill/alpaca_pipeline_reruns", "distill/moss003"}
