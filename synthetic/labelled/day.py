"""Labelled days of API traffic built from real prompt corpora: the evaluation suite's day generator.

The story of :func:`simulate_day`: pick the pools of one split (``tune`` or
``report``) out of the corpus and cluster them by topic → ordinary users →
power users, coding users and popular-prompt sharers → benign look-alikes
(enterprise, eval_runner, student, survey_writer) → single-account harvesters
of twelve strategies → one fleet per shape → opaque account ids → traffic and
labels. All prompt text comes from the corpus split: a day simulated from
``report`` never shows a prompt that a ``tune`` day can show.

    corpus = load_corpus("../shared/data/prompts")
    traffic, labels = simulate_day(corpus, SimulateOptions(split="report"))
    write_labelled_day(traffic, labels, "out/2026-11-27")
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Mapping

import numpy as np
import pandas as pd

from files.atomic import atomic_path
from synthetic.timing import parse_day
from synthetic.labelled.accounts import BENIGN_KINDS, HARD_NEGATIVES, Decks, benign_accounts
from synthetic.labelled.corpus import SPLITS, Corpus, load_corpus, split_of
from synthetic.labelled.fleets import FLEET_SHAPES, fleet_corpus
from synthetic.labelled.harvesters import STRATEGIES
from synthetic.labelled.operations import SINGLE, harvester_accounts
from synthetic.labelled.sources import AccountDay, build_sources

__all__ = ["Corpus", "SimulateOptions", "load_corpus", "simulate_day", "write_labelled_day", "STRATEGIES",
           "BENIGN_KINDS", "FLEET_SHAPES", "HARD_NEGATIVES", "TRAFFIC_COLUMNS", "LABEL_COLUMNS"]

TRAFFIC_COLUMNS: tuple[str, ...] = ("account_id", "timestamp", "prompt")
LABEL_COLUMNS: tuple[str, ...] = ("account_id", "label", "kind", "strategy", "hard_negative", "corpus",
                                  "fleet_shape", "campaign")
DEFAULT_BENIGN: dict[str, int] = {"power_user": 20, "coding_user": 12, "popular_sharer": 60, "enterprise": 10,
                                  "eval_runner": 8, "student": 12, "survey_writer": 6}
DEFAULT_FLEETS: dict[str, int] = {"round_clock": 300, "send_windows": 100, "human_sessions": 100,
                                  "topic_slices": 100, "reseller_mix": 100}
HARVESTERS_PER_STRATEGY = 6


def _check_count(name: str, value: object, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_counts(name: str, value: object, *, known: tuple[str, ...]) -> dict[str, int]:
    """A full ``{key: count}`` of ``known`` keys (a key left out counts 0); ValueError naming the key otherwise."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping of {', '.join(known)} to counts, got {value!r}")
    unknown = [key for key in value if key not in known]
    if unknown:
        raise ValueError(f"{name} has no key {unknown[0]!r}; the keys are {', '.join(known)}")
    for key, count in value.items():
        _check_count(f"{name}.{key}", count, low=0)
    return {key: int(value.get(key, 0)) for key in known}


def _split_guard(corpus: Corpus, split: str) -> Callable[[str], bool]:
    """Whether text derived from a prompt (a user's edit) may appear in a day of ``split``.

    It must hash into ``split`` itself, as corpus prompts do. Then it is never a
    prompt of the other split, and a tune day and a report day can never derive
    the same text (e.g. both dropping the different last sentences of two
    prompts that start alike).
    """
    return lambda text: split_of(text, tune_share=corpus.tune_share) == split


def _frames(accounts: list[AccountDay], *, start: np.datetime64, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Ids are a seeded permutation, so neither their text nor their order reveals a role.
    width = max(4, len(str(len(accounts))))
    numbers = np.random.default_rng([seed, 99]).permutation(len(accounts)) + 1
    ids = [f"acct-{number:0{width}d}" for number in numbers]
    labels = pd.DataFrame({
        "account_id": ids,
        "label": [a.label for a in accounts],
        "kind": [a.kind for a in accounts],
        "strategy": [a.strategy for a in accounts],
        "hard_negative": np.array([a.hard_negative for a in accounts], dtype=bool),
        "corpus": [a.corpus for a in accounts],
        "fleet_shape": [a.fleet_shape for a in accounts],
        # The operation behind each account: a fleet's accounts share one, everyone else is their own.
        "campaign": [f"fleet:{a.fleet_shape}" if a.fleet_shape else i for a, i in zip(accounts, ids)],
    }).sort_values("account_id", ignore_index=True)
    seconds = np.concatenate([np.asarray(a.seconds, dtype="int64") for a in accounts])
    stamps = np.datetime_as_string(start + seconds.astype("timedelta64[s]"), unit="s")
    traffic = pd.DataFrame({
        "account_id": np.repeat(ids, [len(a.prompts) for a in accounts]),
        "timestamp": [stamp + "Z" for stamp in stamps],
        "prompt": [prompt for a in accounts for prompt in a.prompts],
    })
    # Generation order is deterministic, so a stable sort keeps ties reproducible.
    order = np.argsort(seconds, kind="stable")
    return traffic.iloc[order].reset_index(drop=True), labels


@dataclass(frozen=True)
class SimulateOptions:
    """A labelled day simulated from real prompt corpora (``conf/simulate/``).

    The count maps hold every key (a key a caller leaves out counts 0; in a
    Hydra config they merge into these defaults, so set a key to 0 to drop a role).

    Attributes:
        corpus: a folder of ``*/*.jsonl.gz`` files shaped like ``../shared/data/prompts``.
        split: ``tune`` to fit, ``report`` to measure; the two never share a prompt.
        seed: non-negative random seed; equal options give identical frames.
        n_users: ordinary users (>= 0).
        benign: accounts per benign kind besides users (:data:`BENIGN_KINDS`), each >= 0.
        harvesters: accounts per single-account strategy (all of :data:`STRATEGIES` but ``fleet``), each >= 0.
        fleets: accounts per fleet shape (:data:`FLEET_SHAPES`; each shape is one operation; 0 leaves it out).
        tune_share: the share of corpus prompts in the ``tune`` split, in [0, 1].
        day: the UTC date, ``YYYY-MM-DD``.
    """

    corpus: str = "../shared/data/prompts"
    split: str = "report"
    seed: int = 0
    n_users: int = 1500
    benign: Dict[str, int] = field(default_factory=lambda: dict(DEFAULT_BENIGN))
    harvesters: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(SINGLE, HARVESTERS_PER_STRATEGY))
    fleets: Dict[str, int] = field(default_factory=lambda: dict(DEFAULT_FLEETS))
    tune_share: float = 0.5
    day: str = "2026-11-27"

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"simulate.split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        for name, value in (("seed", self.seed), ("n_users", self.n_users)):
            _check_count(f"simulate.{name}", value, low=0)
        # Completed to every key (frozen, hence object.__setattr__), so equal days have equal options.
        for name, known in (("benign", BENIGN_KINDS), ("harvesters", SINGLE), ("fleets", FLEET_SHAPES)):
            object.__setattr__(self, name, _check_counts(f"simulate.{name}", getattr(self, name), known=known))
        if isinstance(self.tune_share, bool) or not isinstance(self.tune_share, (int, float)) \
                or not 0 <= self.tune_share <= 1:
            raise ValueError(f"simulate.tune_share must be in [0, 1], got {self.tune_share!r}")
        parse_day(self.day)


def simulate_day(corpus: Corpus, options: SimulateOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A labelled day of API traffic whose prompts all come from one split of the corpus.

    The day holds ``n_users`` ordinary users (heavy-tailed volumes, 1-3
    interests and a personal focus, retries and edits, waking-hour sessions),
    the ``benign`` kinds (power users, coding users, popular-prompt sharers and
    the look-alikes enterprise, eval_runner, student, survey_writer), the
    ``harvesters`` of each single-account strategy (200-900 prompts; half round
    the clock, half in sessions) and one fleet per shape of ``fleets`` (10-30
    prompts an account). With the defaults a day from the shared corpora holds
    about 100k prompts. A role whose corpus file the split lacks is left out with
    a logged warning.

    Args:
        corpus: from :func:`load_corpus` (``options.corpus`` and ``options.tune_share``).
        options: the day's shape; only prompts and templates of ``options.split`` are used.

    Returns:
        ``(traffic, labels)``. traffic: ``account_id``, ``timestamp`` (ISO-8601
        UTC, e.g. ``'2026-11-27T14:03:11Z'``), ``prompt``, sorted by timestamp.
        labels: one row per account, sorted by id, :data:`LABEL_COLUMNS`:
        ``label`` (``'benign'``/``'harvester'``), ``kind`` (``'user'``, a benign
        kind or ``'harvester'``), ``strategy`` ('' for benign, else one of
        :data:`STRATEGIES`), ``hard_negative`` (bool, True for the kinds of
        :data:`HARD_NEGATIVES`), ``corpus`` (the corpus file(s) of the harvest,
        ``'+'``-joined; '' for benign), ``fleet_shape`` ('' outside fleets) and
        ``campaign`` (the operation: ``'fleet:<shape>'`` for a fleet's accounts,
        the account id for everyone else).

    Raises:
        ValueError: the split has no prompts for ordinary users, or harvesters
            were asked for and the split has the pool of none of them.
    """
    split, seed = options.split, options.seed
    start = parse_day(options.day)
    sources = build_sources(corpus, split=split, seed=seed)
    decks = Decks(sources, seed=seed, fleets={shape: (fleet_corpus(shape, list(sources.generators)), n)
                                              for shape, n in options.fleets.items()} if sources.generators else {})
    allowed = _split_guard(corpus, split)
    accounts = benign_accounts(sources, decks, seed=seed, n_users=options.n_users, counts=options.benign,
                               split=split, allowed=allowed)
    accounts += harvester_accounts(sources, decks, seed=seed, counts=options.harvesters, fleets=options.fleets,
                                   split=split, allowed=allowed)
    return _frames(accounts, start=start, seed=seed)


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_labelled_day(traffic: pd.DataFrame, labels: pd.DataFrame,
                       folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``traffic.parquet`` and ``labels.parquet`` into ``folder``, each atomically.

    Each file goes to a temporary name in the same folder and is renamed into
    place, so a reader never sees a half-written file. The folder is created if
    missing.

    Returns:
        The paths of ``traffic.parquet`` and ``labels.parquet``.

    Raises:
        ValueError: if a frame lacks one of :data:`TRAFFIC_COLUMNS` / :data:`LABEL_COLUMNS`.
    """
    for name, frame, columns in (("traffic", traffic, TRAFFIC_COLUMNS), ("labels", labels, LABEL_COLUMNS)):
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"{name} frame lacks column(s) {', '.join(missing)}; "
                             f"pass the frames returned by simulate_day")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "traffic.parquet", folder / "labels.parquet"
    _write_atomically(traffic, paths[0])
    _write_atomically(labels, paths[1])
    return paths
