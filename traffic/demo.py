"""A deterministic synthetic "demo day" of LLM-API traffic with planted harvesters.

The day mixes ordinary users (heavy-tailed volumes, few interests, free
phrasing, sessions in waking hours), benign look-alikes (two students doing
homework in one narrow area, one enterprise pipeline running one template),
and five harvesters that sweep the whole topic space round the clock:

* ``template_sweep`` (twice, different templates): a few instruction templates
  filled in order across every subject and subtopic.
* ``self_instruct``: many instruction forms, subjects swept evenly.
* ``mixed``: a template sweep with ~40% ordinary-looking prompts mixed in.
* ``evasive``: a template sweep paraphrased per prompt, ~30% with Unicode noise.

Each account draws from its own random stream, so changing ``n_users`` adds or
removes ordinary users without changing anyone else's traffic.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from traffic.demo_vocab import (
    ALGEBRA_PROBLEMS, ASPECTS, AUDIENCES, CHEMISTRY_PROBLEMS, CLOSERS, COMPOUNDS, CONTEXT_FRAMES,
    CONTEXTS, CONTROL_CHARS, COUNTS, EDIT_PREFIXES, EDIT_SUFFIXES, ENTERPRISE_TEMPLATE, EQUATIONS,
    EVASIVE_TEMPLATES, FOLLOW_UPS, HOMOGLYPHS, MIXED_TEMPLATES, OPENERS, POPULAR, PRODUCTS,
    REVIEW_EXTRAS, SELF_INSTRUCT_SENTENCES, SELF_INSTRUCT_TASKS, STUDENT_LEADS, STUDENT_NAMES,
    STUDENT_TAILS, SUBJECTS, SWEEP_TEMPLATES_A, SWEEP_TEMPLATES_B, TOPICS, USER_ASKS, VERDICTS,
    ZERO_WIDTH,
)

COLUMNS: tuple[str, ...] = ("account_id", "timestamp", "prompt", "kind", "strategy")
"""The columns of :func:`demo_day`, in order."""
LABEL_COLUMNS: tuple[str, ...] = ("subject", "subtopic")
"""Ground-truth columns added by :func:`demo_day_with_labels` ('' when off the topic space)."""
KINDS: tuple[str, ...] = ("user", "student", "enterprise", "harvester")
STRATEGIES: tuple[str, ...] = ("template_sweep", "self_instruct", "mixed", "evasive")

_DAY_SECONDS = 86_400
_SUBTOPICS = {subject: tuple(subtopics) for subject, subtopics in TOPICS.items()}
# Subtopic-major order reaches every subject within the first 24 cells, so even
# a short sweep covers the whole subject list.
_SPACE_INTERLEAVED = [(s, _SUBTOPICS[s][i]) for i in range(10) for s in SUBJECTS]
_SPACE_BY_SUBJECT = [(s, t) for s in SUBJECTS for t in _SUBTOPICS[s]]
# Some subjects are far more popular than others among ordinary users.
_SUBJECT_WEIGHTS = 1.0 / (np.arange(len(SUBJECTS)) + 3.0) ** 0.7
_SUBJECT_WEIGHTS /= _SUBJECT_WEIGHTS.sum()

Rng = np.random.Generator
_Prompts = list[tuple[str, str, str]]  # (prompt, subject, subtopic)


class _Row(NamedTuple):
    account_id: str
    second: int
    prompt: str
    kind: str
    strategy: str
    subject: str
    subtopic: str


# ---------------------------------------------------------------------------
# Small random helpers. Plain indexing with rng.random() is much faster than
# rng.choice for one pick, and the generator is called ~1M times a large day.

def _pick(rng: Rng, options: Sequence[str]) -> str:
    return options[int(rng.random() * len(options))]


def _slots(rng: Rng, subject: str, subtopic: str) -> dict[str, str]:
    """Fill values for the {e} {e2} {e3} {sub} {subj} {who} {n} template slots."""
    entities = TOPICS[subject][subtopic]
    e, e2, e3 = (entities[i] for i in rng.permutation(len(entities))[:3])
    return {"e": e, "e2": e2, "e3": e3, "sub": subtopic, "subj": subject,
            "who": _pick(rng, AUDIENCES), "n": _pick(rng, COUNTS)}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _typo(rng: Rng, text: str) -> str:
    """Swap, drop or double one letter inside one word."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    i = candidates[int(rng.random() * len(candidates))]
    word, j, op = words[i], 1 + int(rng.random() * (len(words[i]) - 2)), rng.random()
    if op < 0.4:
        word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    elif op < 0.7:
        word = word[:j] + word[j + 1:]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def _humanise(rng: Rng, text: str) -> str:
    """Vary case, trailing punctuation and spelling the way people type."""
    style = rng.random()
    if style < 0.3:
        text = text.lower()
    elif style < 0.85:
        text = _capitalise(text)
    if rng.random() < 0.1:
        text = text.rstrip("?.!")
    if rng.random() < 0.08:
        text = _typo(rng, text)
    return text


# ---------------------------------------------------------------------------
# Ordinary users.

def _user_prompt(rng: Rng, subject: str, subtopic: str) -> str:
    """One free-form question: (opener | context frame) + ask + closer."""
    slots = _slots(rng, subject, subtopic)
    ask = _pick(rng, USER_ASKS).format(**slots)
    if rng.random() < 0.3:
        text = _pick(rng, CONTEXT_FRAMES).format(ctx=_pick(rng, CONTEXTS[subject]), ask=ask)
    else:
        text = _pick(rng, OPENERS).format(subj=subject) + ask
    return _humanise(rng, text + _pick(rng, CLOSERS))


def _small_edit(rng: Rng, text: str) -> str:
    """A user's light rewrite of their own earlier prompt."""
    r = rng.random()
    if r < 0.4:
        return text.rstrip() + _pick(rng, EDIT_SUFFIXES)
    if r < 0.7:
        return _pick(rng, EDIT_PREFIXES) + text[:1].lower() + text[1:]
    return _capitalise(text.rstrip("?.! ")) + "?"


def _popular_prompt(rng: Rng) -> str:
    """A one-liner that many unrelated users send, verbatim or nearly."""
    text = _pick(rng, POPULAR)
    if rng.random() < 0.4:
        text = _capitalise(text)
    return text + _pick(rng, ("", "", "?", "!", " please", " pls", "."))


class _Profile(NamedTuple):
    interests: tuple[str, ...]
    favourites: dict[str, tuple[str, ...]]


def _user_profile(rng: Rng) -> _Profile:
    n_interests = 1 + int(rng.choice(3, p=(0.35, 0.4, 0.25)))
    picks = rng.choice(len(SUBJECTS), size=n_interests, replace=False, p=_SUBJECT_WEIGHTS)
    interests = tuple(SUBJECTS[i] for i in picks)
    favourites = {}
    for subject in interests:
        chosen = rng.permutation(10)[: 2 + int(rng.integers(3))]
        favourites[subject] = tuple(_SUBTOPICS[subject][i] for i in sorted(chosen))
    return _Profile(interests, favourites)


def _user_topic(rng: Rng, profile: _Profile) -> tuple[str, str]:
    """~87% from the user's interests (mostly favourite subtopics), else anything."""
    if rng.random() < 0.87:
        subject = _pick(rng, profile.interests)
        pool = profile.favourites[subject] if rng.random() < 0.6 else _SUBTOPICS[subject]
    else:
        subject = SUBJECTS[int(rng.choice(len(SUBJECTS), p=_SUBJECT_WEIGHTS))]
        pool = _SUBTOPICS[subject]
    return subject, _pick(rng, pool)


def _next_user_turn(rng: Rng, profile: _Profile, history: list[_Row], *,
                    in_session: bool, popular: bool) -> tuple[str, str, str, float]:
    """Return (prompt, subject, subtopic, seconds since the previous turn)."""
    gap = 20.0 + rng.exponential(90.0)
    r = rng.random()
    if popular:
        return _popular_prompt(rng), "", "", gap
    if in_session and r < 0.05:  # an exact retry, seconds to minutes later
        prev = history[-1]
        return prev.prompt, prev.subject, prev.subtopic, float(rng.uniform(3, 240))
    if history and r < 0.09:
        old = history[int(rng.random() * len(history))]
        return _small_edit(rng, old.prompt), old.subject, old.subtopic, gap
    if in_session and history[-1].subject and r < 0.22:
        prev = history[-1]
        prompt = _pick(rng, FOLLOW_UPS).format(**_slots(rng, prev.subject, prev.subtopic))
        return _humanise(rng, prompt), prev.subject, prev.subtopic, gap
    subject, subtopic = _user_topic(rng, profile)
    return _user_prompt(rng, subject, subtopic), subject, subtopic, gap


def _session_starts(rng: Rng, n: int, *, first_hour: float, last_hour: float) -> np.ndarray:
    """Sorted UTC second-of-day starts for n sessions in a random timezone's local window."""
    tz_hours = int(rng.integers(-8, 10))
    local = rng.uniform(first_hour * 3600, last_hour * 3600, size=n)
    return np.sort((local - tz_hours * 3600) % _DAY_SECONDS)


def _session_sizes(rng: Rng, volume: int, n_sessions: int) -> np.ndarray:
    return rng.multinomial(volume - n_sessions, np.full(n_sessions, 1.0 / n_sessions)) + 1


def _user_rows(account: str, volume: int, rng: Rng) -> list[_Row]:
    """One ordinary user's day: bursts of prompts in waking hours."""
    profile = _user_profile(rng)
    n_sessions = min(volume, 1 + int(rng.poisson(volume / 8)))
    starts = _session_starts(rng, n_sessions, first_hour=7, last_hour=23.5)
    popular_at = int(rng.integers(volume)) if rng.random() < 0.1 else -1
    rows: list[_Row] = []
    for start, size in zip(starts, _session_sizes(rng, volume, n_sessions)):
        second = float(start)
        for j in range(int(size)):
            prompt, subject, subtopic, gap = _next_user_turn(
                rng, profile, rows, in_session=j > 0, popular=len(rows) == popular_at)
            second += gap if j > 0 else 0.0
            rows.append(_Row(account, int(second) % _DAY_SECONDS, prompt, "user", "", subject, subtopic))
    return rows


def _user_volumes(rng: Rng, n_users: int) -> np.ndarray:
    """Discrete lognormal volumes: median ~5, mean ~16, ~2.5% of users above 100."""
    draws = np.ceil(rng.lognormal(mean=np.log(5.0), sigma=1.55, size=n_users))
    return np.clip(draws, 1, 400).astype(int)


# ---------------------------------------------------------------------------
# Benign look-alikes: students and an enterprise pipeline.

def _student_prompt(rng: Rng, problems: Sequence[str]) -> str:
    a, b, c = (int(x) for x in rng.integers(2, 10, size=3))
    slots = {"a": a, "b": b, "c": c, "s": a + b, "p": a * b, "q": 2 * a + 1,
             "name": _pick(rng, STUDENT_NAMES), "compound": _pick(rng, COMPOUNDS),
             "equation": _pick(rng, EQUATIONS)}
    text = (_pick(rng, STUDENT_LEADS) + _pick(rng, problems) + _pick(rng, STUDENT_TAILS)).format(**slots)
    return text.lower() if rng.random() < 0.3 else text


def _student_rows(account: str, problems: Sequence[str], subject: str, rng: Rng) -> list[_Row]:
    """100-200 homework questions in after-school study sessions."""
    volume = int(rng.integers(100, 201))
    n_sessions = int(rng.integers(3, 7))
    starts = _session_starts(rng, n_sessions, first_hour=15, last_hour=22)
    rows = []
    for start, size in zip(starts, _session_sizes(rng, volume, n_sessions)):
        seconds = start + np.cumsum(rng.uniform(40, 400, size=int(size)))
        for second in seconds:
            prompt = _student_prompt(rng, problems)
            rows.append(_Row(account, int(second) % _DAY_SECONDS, prompt, "student", "", subject, ""))
    return rows


def _steady_seconds(rng: Rng, n: int) -> np.ndarray:
    """n jittered, evenly spaced seconds across the whole day (a machine's steady rate)."""
    spacing = _DAY_SECONDS / n
    seconds = (np.arange(n) + rng.random() + rng.uniform(-0.4, 0.4, size=n)) * spacing
    return np.clip(seconds, 0, _DAY_SECONDS - 1).astype(int)


def _review(rng: Rng) -> str:
    text = _pick(rng, VERDICTS).format(aspect=_pick(rng, ASPECTS))
    if rng.random() < 0.3:
        text += _pick(rng, (", but ", ", and ", ". Also ")) + _pick(rng, VERDICTS).format(aspect=_pick(rng, ASPECTS))
    return (_capitalise(text) + ". " + _pick(rng, REVIEW_EXTRAS)).strip()


def _enterprise_rows(account: str, rng: Rng, n: int = 1500) -> list[_Row]:
    """One sentiment-classification template over one product area, round the clock."""
    return [_Row(account, int(second),
                 ENTERPRISE_TEMPLATE.format(product=_pick(rng, PRODUCTS), review=_review(rng)),
                 "enterprise", "", "", "")
            for second in _steady_seconds(rng, n)]


# ---------------------------------------------------------------------------
# Harvesters. Each generator returns n (prompt, subject, subtopic) triples.

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
            out.append((_user_prompt(rng, subject, subtopic), subject, subtopic))
        else:
            out.append(next(sweep))
    return out


def _paraphrase(rng: Rng, parts: Sequence[Sequence[str]]) -> str:
    """Pick a synonym for every part; sometimes move the trailing clause to the front."""
    words = [_pick(rng, options) for options in parts]
    main, tail = " ".join(words[:-1]), words[-1]
    if rng.random() < 0.5:
        return f"{main} {tail}."
    if tail.startswith("and "):
        return f"{main}. {_capitalise(tail[4:])}."
    return f"{_capitalise(tail)}, {main[:1].lower()}{main[1:]}."


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
    return text[:i] + _pick(rng, CONTROL_CHARS) + text[i:]


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
        subtopic = _SUBTOPICS[subject][(k // len(SUBJECTS) + offset) % 10]
        slots = _slots(rng, subject, subtopic)
        other = SUBJECTS[(k + 1 + int(rng.integers(len(SUBJECTS) - 1))) % len(SUBJECTS)]
        slots["other"] = _pick(rng, TOPICS[other][_pick(rng, _SUBTOPICS[other])])
        slots["sentence"] = _pick(rng, SELF_INSTRUCT_SENTENCES).format(**slots)
        out.append((_pick(rng, SELF_INSTRUCT_TASKS).format(**slots), subject, subtopic))
    return out


_HARVESTERS: tuple[tuple[str, str, Callable[[Rng, int], _Prompts]], ...] = (
    ("harvest-01", "template_sweep", partial(_template_sweep, templates=SWEEP_TEMPLATES_A)),
    ("harvest-02", "self_instruct", _self_instruct),
    ("harvest-03", "mixed", _mixed),
    ("harvest-04", "evasive", _evasive),
    ("harvest-05", "template_sweep", partial(_template_sweep, templates=SWEEP_TEMPLATES_B, subject_major=True)),
)


def _harvester_rows(account: str, strategy: str, make: Callable[[Rng, int], _Prompts], rng: Rng) -> list[_Row]:
    n = int(rng.integers(300, 801))
    prompts = make(rng, n)
    return [_Row(account, int(second), prompt, "harvester", strategy, subject, subtopic)
            for second, (prompt, subject, subtopic) in zip(_steady_seconds(rng, n), prompts)]


# ---------------------------------------------------------------------------
# The day.

def _stream(seed: int, *key: int) -> Rng:
    """An independent generator per account, keyed by (seed, role, index)."""
    return np.random.default_rng([seed, *key])


def _parse_day(day: str) -> np.datetime64:
    try:
        parsed = dt.datetime.strptime(day, "%Y-%m-%d")
    except (TypeError, ValueError):
        raise ValueError(f"day must be a date like '2026-11-27', got {day!r}") from None
    return np.datetime64(parsed.date().isoformat(), "s")


def _to_frame(rows: list[_Row], start: np.datetime64) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_Row._fields)
    seconds = frame.pop("second").to_numpy(dtype="int64").astype("timedelta64[s]")
    stamps = np.datetime_as_string(start + seconds, unit="s")
    frame.insert(1, "timestamp", [stamp + "Z" for stamp in stamps])
    # Generation order is deterministic, so a stable sort keeps ties reproducible.
    frame = frame.sort_values("timestamp", kind="stable", ignore_index=True)
    return frame[list(COLUMNS + LABEL_COLUMNS)]


def demo_day_with_labels(*, n_users: int = 300, seed: int = 0, day: str = "2026-11-27") -> pd.DataFrame:
    """:func:`demo_day` plus the ground-truth topic of every prompt.

    Args:
        n_users: number of ordinary users (>= 1).
        seed: non-negative random seed.
        day: the UTC date of the traffic, ``YYYY-MM-DD``.

    Returns:
        The :data:`COLUMNS` of :func:`demo_day` followed by :data:`LABEL_COLUMNS`:
        ``subject`` (one of ``SUBJECTS``) and ``subtopic``, both '' for prompts
        outside the topic space (popular one-liners, algebra homework, the
        enterprise pipeline; the chemistry student has a subject, no subtopic).

    Raises:
        ValueError: if an argument is out of range or ``day`` is not a date.
    """
    if isinstance(n_users, bool) or not isinstance(n_users, int) or n_users < 1:
        raise ValueError(f"n_users must be a positive integer, got {n_users!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    start = _parse_day(day)
    rows: list[_Row] = []
    width = max(4, len(str(n_users)))
    for i, volume in enumerate(_user_volumes(_stream(seed, 0), n_users), start=1):
        rows += _user_rows(f"user-{i:0{width}d}", int(volume), _stream(seed, 1, i))
    rows += _student_rows("student-01", ALGEBRA_PROBLEMS, "", _stream(seed, 2, 1))
    rows += _student_rows("student-02", CHEMISTRY_PROBLEMS, "chemistry", _stream(seed, 2, 2))
    rows += _enterprise_rows("acme-support-bot", _stream(seed, 3))
    for j, (account, strategy, make) in enumerate(_HARVESTERS):
        rows += _harvester_rows(account, strategy, make, _stream(seed, 4, j))
    return _to_frame(rows, start)


def demo_day(*, n_users: int = 300, seed: int = 0, day: str = "2026-11-27") -> pd.DataFrame:
    """A synthetic day of API traffic with five planted harvesters.

    With the defaults the day holds about 9-10k prompts; ``n_users=2500`` gives
    about 45k. The same arguments always give an identical frame.

    Args:
        n_users: number of ordinary users (``user-0001`` ...), >= 1.
        seed: non-negative random seed.
        day: the UTC date of the traffic, ``YYYY-MM-DD``.

    Returns:
        Columns ``account_id``, ``timestamp`` (ISO-8601 UTC, e.g.
        ``'2026-11-27T14:03:11Z'``), ``prompt``, ``kind`` (one of :data:`KINDS`)
        and ``strategy`` ('' for benign accounts, else one of
        :data:`STRATEGIES`), all strings, sorted by timestamp.

    Raises:
        ValueError: if an argument is out of range or ``day`` is not a date.
    """
    return demo_day_with_labels(n_users=n_users, seed=seed, day=day)[list(COLUMNS)]


_WRITERS: dict[str, Callable[[pd.DataFrame, str], None]] = {
    ".parquet": lambda frame, path: frame.to_parquet(path, index=False),
    ".pq": lambda frame, path: frame.to_parquet(path, index=False),
    ".csv": lambda frame, path: frame.to_csv(path, index=False),
    ".jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True, force_ascii=False),
}


def write_demo_day(path: str | os.PathLike[str], *, n_users: int = 300, seed: int = 0,
                   day: str = "2026-11-27") -> Path:
    """Write :func:`demo_day` to ``path`` atomically.

    The format follows the suffix: ``.parquet``/``.pq``, ``.csv`` or ``.jsonl``.
    The frame is written to a temporary file in the same folder and moved into
    place, so a reader never sees a half-written file. Missing parent folders
    are created.

    Args:
        path: where to write.
        n_users: passed to :func:`demo_day`.
        seed: passed to :func:`demo_day`.
        day: passed to :func:`demo_day`.

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: if the suffix is not one of the above, or an argument is invalid.
    """
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"{path}: unsupported suffix {path.suffix!r}; use one of {', '.join(_WRITERS)}")
    frame = demo_day(n_users=n_users, seed=seed, day=day)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        writer(frame, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
