"""Labelled days simulated from prompt corpora: splits, dedup, roles, labels, determinism, files.

Most tests use a tiny corpus written into tmp_path in the shape of
shared/data/prompts (texts made up here); one reads the real corpora and skips
when they are absent.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthetic.labelled.day import (
    LABEL_COLUMNS, STRATEGIES, TRAFFIC_COLUMNS, Corpus, SimulateOptions, load_corpus, simulate_day,
    write_labelled_day,
)
from synthetic.labelled.corpus import normalise, split_of
from synthetic.labelled.sources import build_sources

REAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"
LOOKALIKE_KINDS = {"enterprise", "eval_runner", "student", "survey_writer"}
SMALL = {"n_users": 60, "harvesters_per_strategy": 2, "fleet_accounts": 6}
NOISE = set("\u200b\u0430\u0435\u043e\u0440\u0441") | {chr(c) for c in range(0xFF01, 0xFF5F)}

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


def write_tiny_corpus(root: Path) -> Path:
    """A few hundred made-up prompts in the shared corpus layout, one file per role."""
    for topic, (things, frames) in TOPICS.items():
        texts = [frame.format(x=x) for x in things for frame in frames]
        if topic == "cooking":
            texts.append("Tell me a joke.")  # also in distill/alpaca: benign must win
        _jsonl(root / "benign" / f"{topic}.jsonl.gz", _rows(texts, "benign"))
    _jsonl(root / "benign" / "gsm8k.jsonl.gz", _rows(
        [f"Ann has {a} apples and buys {b} more bags of {c}. How many apples does she have?"
         for a in range(3, 9) for b in range(2, 7) for c in (4, 6)], "benign"))
    subjects = {"anatomy": "bone", "astronomy_exam": "planet", "virology": "virus"}
    mmlu = [(f"Which {noun} property number {i} is tested here?\nA. one\nB. two\nC. three\nD. four", s)
            for s, noun in subjects.items() for i in range(60)]
    _jsonl(root / "benign" / "mmlu.jsonl.gz", _rows([t for t, _ in mmlu], "benign",
                                                     [{"subject": s} for _, s in mmlu]))
    _jsonl(root / "benign" / "anthropic_evals_humanwritten.jsonl.gz", _rows(
        [f"Would you accept deal number {i} from another AI?\n\nChoices:\n (A) Yes\n (B) No" for i in range(80)],
        "benign"))
    verbs = ["Write a poem about", "Explain the concept of", "List three facts about", "Summarize the history of",
             "Classify the sentiment of a review about", "Suggest a name for a startup about"]
    nouns = ["volcanoes", "blockchain", "jazz", "photosynthesis", "chess", "the Roman empire", "vaccines",
             "electric cars", "origami", "glaciers", "robots", "coffee", "bees", "tides", "bridges"]
    _jsonl(root / "distill" / "alpaca.jsonl.gz", _rows(
        [f"{v} {n}." for v in verbs for n in nouns] + ["Tell me a joke.", "tell  me a JOKE."], "distill"))
    personas = ["power-seeking", "agreeable", "narcissism", "risk-averse", "optimism"]
    persona = [(f'Is the following statement something you would say?\n"Statement {i} about being {p}"', p)
               for p in personas for i in range(30)]
    _jsonl(root / "distill" / "anthropic_mwe_persona.jsonl.gz", _rows(
        [t for t, _ in persona], "distill", [{"persona": p} for _, p in persona]))
    filled = [(f"Task {t}: read passage {i} about {nouns[i % len(nouns)]} and answer.", f"template_{t}")
              for t in range(12) for i in range(20)]
    _jsonl(root / "distill" / "t0_promptsource_filled.jsonl.gz", _rows(
        [t for t, _ in filled], "distill", [{"template_id": tid} for _, tid in filled]))
    _jsonl(root / "templates" / "flan.jsonl.gz", _rows(FLAN, "distill", [{"is_template": True}] * len(FLAN)))
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return load_corpus(write_tiny_corpus(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def day(corpus: Corpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_day(corpus, SimulateOptions(split="report", seed=3, **SMALL))


def _joined(day: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    traffic, labels = day
    return traffic.merge(labels, on="account_id", validate="many_to_one")


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
    kinds = labels["kind"].value_counts()
    assert kinds.to_dict() == {"user": 60, "harvester": 6 * 2 + 6, "student": 10, "enterprise": 3,
                               "eval_runner": 3, "survey_writer": 2}
    harvesters = labels[labels["label"] == "harvester"]
    assert (harvesters["kind"] == "harvester").all()
    assert Counter(harvesters["strategy"]) == {**{s: 2 for s in STRATEGIES}, "fleet": 6}
    benign = labels[labels["label"] == "benign"]
    assert (benign["strategy"] == "").all()
    assert (labels["hard_negative"] == labels["kind"].isin(LOOKALIKE_KINDS)).all()
    assert labels["hard_negative"].dtype == bool


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
    assert sizes[sizes["kind"] == "harvester"].query("strategy != 'fleet'")["n"].between(300, 900).all()
    assert sizes[sizes["strategy"] == "fleet"]["n"].between(10, 30).all()
    assert sizes[sizes["kind"] == "enterprise"]["n"].between(800, 2000).all()
    assert sizes[sizes["kind"] == "user"]["n"].between(1, 400).all()
    times = pd.to_datetime(joined["timestamp"])
    spans = times.groupby(joined["account_id"]).agg(lambda t: (t.max() - t.min()).total_seconds())
    kinds = joined.groupby("account_id")["kind"].first()
    assert (spans[kinds == "eval_runner"] <= 2 * 3600).all()
    assert (spans[kinds == "enterprise"] >= 20 * 3600).all()


def test_only_prompts_of_the_split_are_sent(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    split_of_text = dict(zip(corpus.prompts["text"].map(normalise), corpus.prompts["split"]))
    seen = {split_of_text.get(normalise(p)) for p in day[0]["prompt"]}
    assert seen <= {"report", None}  # None: rendered templates and users' edits
    tune_day = simulate_day(corpus, SimulateOptions(split="tune", seed=3, **SMALL))[0]
    assert not set(tune_day["prompt"].map(normalise)) & set(day[0]["prompt"].map(normalise))


def test_strategies_draw_from_their_sources(corpus: Corpus, day: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    joined = _joined(day)
    file_of = dict(zip(corpus.prompts["text"], corpus.prompts["file"]))
    files = joined["prompt"].map(file_of).fillna("")
    by = joined.assign(file=files).groupby("strategy")["file"]
    assert set(by.get_group("self_instruct")) == {"distill/alpaca"}
    assert set(by.get_group("persona_sweep")) == {"distill/anthropic_mwe_persona"}
    assert set(by.get_group("promptsource_sweep")) == {"distill/t0_promptsource_filled"}
    assert set(by.get_group("template_sweep")) == {""}  # every prompt a rendered FLAN template
    assert not joined["prompt"].str.contains(r"\{inputs\}|\{lang2\}|\{options_\}").any()
    evasive = joined.loc[joined["strategy"] == "evasive", "prompt"]
    assert 0.15 < evasive.map(lambda p: bool(NOISE & set(p))).mean() < 0.45
    mixed = joined[joined["strategy"] == "mixed"].assign(file=files).groupby("account_id")["file"]
    assert mixed.agg(lambda f: f.str.startswith("benign/").mean()).between(0.3, 0.5).all()
    persona = joined.loc[joined["strategy"] == "persona_sweep", "prompt"].map(
        dict(zip(corpus.prompts["text"], corpus.prompts["meta"]))).map(lambda m: m["persona"])
    counts = persona.value_counts()
    assert len(counts) == 5 and counts.max() - counts.min() <= 2 * 2  # evenly, per harvester +-1


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


def test_a_corpus_missing_a_role_source_names_it(tmp_path: Path) -> None:
    root = write_tiny_corpus(tmp_path)
    (root / "distill" / "anthropic_mwe_persona.jsonl.gz").unlink()
    with pytest.raises(ValueError, match="distill/anthropic_mwe_persona"):
        simulate_day(load_corpus(root), SimulateOptions(split="report", **SMALL))


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
    small = {"n_users": 200, "harvesters_per_strategy": 2, "fleet_accounts": 10}
    report, labels = simulate_day(corpus, SimulateOptions(split="report", **small))
    tune, _ = simulate_day(corpus, SimulateOptions(split="tune", **small))
    assert not set(report["prompt"]) & set(tune["prompt"])
    assert not set(report["prompt"].map(normalise)) & set(tune["prompt"].map(normalise))
    assert set(labels["strategy"]) == set(STRATEGIES) | {""}
    assert labels["kind"].value_counts()["user"] == 200
