"""Labelled days of API traffic built from real prompt corpora, for evaluating the detector.

The story of :func:`simulate_day`: pick the pools of one split (``tune`` or
``report``) out of the corpus and cluster them by topic → ordinary users →
benign look-alikes (enterprise, eval_runner, student, survey_writer) →
harvesters of every strategy and a fleet → opaque account ids → traffic and
labels. All prompt text comes from the corpus split: a day simulated from
``report`` never shows a prompt that a ``tune`` day can show.

    corpus = load_corpus("../shared/data/prompts")
    traffic, labels = simulate_day(corpus, SimulateOptions(split="report"))
    write_labelled_day(traffic, labels, "out/2026-11-27")
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from files.atomic import atomic_path
from synthetic.timing import parse_day
from synthetic.labelled.accounts import Decks, benign_accounts, harvester_accounts
from synthetic.labelled.corpus import SPLITS, Corpus, load_corpus, split_of
from synthetic.labelled.harvesters import STRATEGIES
from synthetic.labelled.sources import AccountDay, build_sources

__all__ = ["Corpus", "SimulateOptions", "load_corpus", "simulate_day", "write_labelled_day", "STRATEGIES",
           "TRAFFIC_COLUMNS", "LABEL_COLUMNS"]

TRAFFIC_COLUMNS: tuple[str, ...] = ("account_id", "timestamp", "prompt")
LABEL_COLUMNS: tuple[str, ...] = ("account_id", "label", "kind", "strategy", "hard_negative", "campaign")


def _check_count(name: str, value: object, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


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
        # The operation behind each account: a fleet's accounts share one, everyone else is their own.
        "campaign": [a.strategy if a.strategy == "fleet" else i for a, i in zip(accounts, ids)],
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

    Attributes:
        corpus: a folder of ``*/*.jsonl.gz`` files shaped like ``../shared/data/prompts``.
        split: ``tune`` to fit thresholds, ``report`` to measure; the two never share a prompt.
        seed: non-negative random seed; equal options give identical frames.
        n_users: ordinary users (>= 0).
        harvesters_per_strategy: accounts per non-fleet strategy (>= 0).
        fleet_accounts: accounts of the fleet (>= 0; 0 leaves the fleet out).
        tune_share: the share of corpus prompts in the ``tune`` split, in [0, 1].
        day: the UTC date, ``YYYY-MM-DD``.
    """

    corpus: str = "../shared/data/prompts"
    split: str = "report"
    seed: int = 0
    n_users: int = 1500
    harvesters_per_strategy: int = 5
    fleet_accounts: int = 300
    tune_share: float = 0.5
    day: str = "2026-11-27"

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"simulate.split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        for name, value in (("seed", self.seed), ("n_users", self.n_users),
                            ("harvesters_per_strategy", self.harvesters_per_strategy),
                            ("fleet_accounts", self.fleet_accounts)):
            _check_count(f"simulate.{name}", value, low=0)
        if not 0 <= self.tune_share <= 1:
            raise ValueError(f"simulate.tune_share must be in [0, 1], got {self.tune_share!r}")
        parse_day(self.day)


def simulate_day(corpus: Corpus, options: SimulateOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A labelled day of API traffic whose prompts all come from one split of the corpus.

    The day holds ``n_users`` ordinary users (heavy-tailed volumes, 1-3 topics,
    retries and edits, waking-hour sessions); 3 enterprise pipelines, 3 eval
    runners, 10 students and 2 survey writers (benign, ``hard_negative``);
    ``harvesters_per_strategy`` harvesters of each of self_instruct,
    template_sweep, persona_sweep, promptsource_sweep, mixed and evasive
    (300-900 prompts, round the clock); and one fleet harvester spread over
    ``fleet_accounts`` accounts of 10-30 prompts. With the defaults a day from
    the shared corpora holds about 40-60k prompts.

    Args:
        corpus: from :func:`load_corpus` (``options.corpus`` and ``options.tune_share``).
        options: the day's shape; only prompts and templates of ``options.split`` are used.

    Returns:
        ``(traffic, labels)``. traffic: ``account_id``, ``timestamp`` (ISO-8601
        UTC, e.g. ``'2026-11-27T14:03:11Z'``), ``prompt``, sorted by timestamp.
        labels: one row per account, sorted by id: ``account_id``, ``label``
        (``'benign'``/``'harvester'``), ``kind`` (``'user'``, ``'enterprise'``,
        ``'eval_runner'``, ``'student'``, ``'survey_writer'``, ``'harvester'``),
        ``strategy`` ('' for benign, else one of :data:`STRATEGIES`) and
        ``hard_negative`` (bool, True for the benign look-alikes).

    Raises:
        ValueError: the split lacks a file some role needs.
    """
    split, seed = options.split, options.seed
    start = parse_day(options.day)
    sources = build_sources(corpus, split=split, seed=seed)
    decks = Decks(sources, seed=seed)
    accounts = benign_accounts(sources, decks, seed=seed, n_users=options.n_users,
                               allowed=_split_guard(corpus, split))
    accounts += harvester_accounts(sources, decks, seed=seed, per_strategy=options.harvesters_per_strategy,
                                   fleet_accounts=options.fleet_accounts)
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
