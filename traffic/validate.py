"""Check every raw row: split each raw chunk into usable rows and rejected ones.

A row is kept when its account is a non-empty string or an integer, its prompt
is non-blank UTF-8 text within the length cap (or a chat message list, whose user
turns are the prompt), and its timestamp parses to a time between
:data:`EARLIEST` and two days from now (ISO-8601 text, or an epoch count as a
number or numeric string). Anything else becomes a :class:`Rejected` with a
stable reason code.

Epoch counts are read in ``input.timestamp_unit``; ``auto`` tells seconds,
milliseconds, microseconds and nanoseconds apart by magnitude, which is
unambiguous for any time after 1973 (a count under 10^11 is seconds, up to the
year 5138; one under 10^14 milliseconds; and so on).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

import numpy as np
import pandas as pd

from traffic.records import MISSING, Chunk, Columns, Problem, RawChunk, Rejected, json_kind

_EPOCH = pd.Timestamp(0, tz="UTC")
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
"""No API traffic is older: an earlier time is a unit or a parsing mistake."""
AHEAD_SECONDS = 2 * 86_400
"""How far past the clock a timestamp may lie (clock skew, a day scored early)."""
UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}
"""``input.timestamp_unit`` values besides ``auto``: ticks per second."""


def validated(raw_chunks: Iterator[RawChunk], *, columns: Columns, max_prompt_chars: int,
              timestamp_unit: str = "auto") -> Iterator[tuple[Chunk, list[Rejected]]]:
    """Yield (valid rows, rejected rows) for every raw chunk that holds any row.

    Args:
        raw_chunks: What a format source yields.
        columns: Input column names, used in the rejection details.
        max_prompt_chars: Longest prompt kept, in characters.
        timestamp_unit: ``auto`` or a key of :data:`UNITS`: how epoch counts are read.
    """
    window = ((EARLIEST - _EPOCH).total_seconds(), time.time() + AHEAD_SECONDS)
    for raw in raw_chunks:
        if raw.row or raw.rejected:
            yield _validate_chunk(raw, columns=columns, max_prompt_chars=max_prompt_chars, unit=timestamp_unit,
                                  window=window)


def _validate_chunk(raw: RawChunk, *, columns: Columns, max_prompt_chars: int, unit: str,
                    window: tuple[float, float]) -> tuple[Chunk, list[Rejected]]:
    seconds = raw.timestamp if raw.seconds else _parse_timestamps(raw.timestamp, unit=unit)
    seconds = np.asarray(seconds, dtype=np.float64)
    parsed = np.isfinite(seconds)
    timestamp_ok = parsed.tolist()
    outside = (parsed & ((seconds < window[0]) | (seconds > window[1]))).tolist()
    kept, accounts, prompts = [], [], []
    rejected = list(raw.rejected)
    for i, row in enumerate(raw.row):
        account, problem = _check_account(raw.account[i], column=columns.account_id)
        if problem is None:
            prompt, problem = _check_prompt(raw.prompt[i], column=columns.prompt, max_chars=max_prompt_chars)
        if problem is None and not timestamp_ok[i]:
            problem = ("timestamp_invalid", _timestamp_detail(raw.timestamp[i], column=columns.timestamp))
        elif problem is None and outside[i]:
            problem = ("timestamp_out_of_range", _range_detail(raw.timestamp[i], seconds[i], column=columns.timestamp,
                                                               unit=unit, latest=window[1]))
        if problem is None:
            kept.append(i)
            accounts.append(account)
            prompts.append(prompt)
        else:
            rejected.append(Rejected(row=row, reason=problem[0], detail=problem[1], account_id=account))
    kept = np.asarray(kept, dtype=np.int64)
    rejected.sort(key=lambda r: r.row)
    chunk = Chunk(row=np.asarray(raw.row, dtype=np.int64)[kept], account_id=accounts,
                  timestamp=seconds[kept], prompt=prompts)
    return chunk, rejected


def _check_account(value: object, *, column: str) -> tuple[str | None, Problem | None]:
    if type(value) is str or type(value) is bytes:
        account = _as_text(value)
        if account is None:
            return None, ("undecodable_bytes", f"'{column}' is not valid UTF-8")
        account = account.strip()
        return (account, None) if account else (None, ("account_missing", f"'{column}' is empty"))
    if value is MISSING or value is None:
        return None, ("account_missing", f"'{column}' is {'absent' if value is MISSING else 'null'}")
    if type(value) is int:
        return str(value), None
    return None, ("malformed_row", f"'{column}' is a {json_kind(value)}, not a string or integer")


def _check_prompt(value: object, *, column: str, max_chars: int) -> tuple[str | None, Problem | None]:
    if value is MISSING or value is None:
        return None, ("prompt_missing", f"'{column}' is {'absent' if value is MISSING else 'null'}")
    if type(value) is list:
        value, problem = _chat_prompt(value, column=column)
        if problem:
            return None, problem
    if type(value) is not str and type(value) is not bytes:
        return None, ("malformed_row", f"'{column}' is a {json_kind(value)}, not a string")
    prompt = _as_text(value)
    if prompt is None:
        return None, ("undecodable_bytes", f"'{column}' is not valid UTF-8")
    if not prompt or prompt.isspace():
        return None, ("prompt_empty", f"'{column}' is empty or whitespace only")
    if len(prompt) > max_chars:
        return None, ("prompt_too_long", f"'{column}' is {len(prompt):,} characters, "
                                         f"over the cap of {max_chars:,} (input.max_prompt_chars)")
    return prompt, None


def _chat_prompt(messages: list, *, column: str) -> tuple[str | bytes | None, Problem | None]:
    """The user turns of a chat-format prompt (``[{"role": "user", "content": ...}, ...]``), one per line.

    A turn's content is text, or a list of parts of which the ``{"type": "text", "text": ...}``
    ones count: what the account itself wrote, without the system prompt or the model's replies.
    """
    if not all(type(m) is dict and "role" in m for m in messages):
        return None, ("malformed_row", f"'{column}' is a list, but not of chat messages with a 'role'")
    turns = []
    for message in messages:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if type(content) is list:
            content = "\n".join(part.get("text", "") for part in content
                                if type(part) is dict and part.get("type") == "text" and type(part.get("text")) is str)
        if type(content) is str:
            turns.append(content)
    if not turns:
        return None, ("prompt_empty", f"'{column}' is a chat with no user text")
    return "\n".join(turns), None


def _epoch_seconds(counts: np.ndarray, unit: str) -> np.ndarray:
    """Epoch counts in ``unit`` (``auto``: told by magnitude) as seconds."""
    if unit != "auto":
        return counts / UNITS[unit]
    size = np.abs(counts)
    return counts / np.select([size < 1e11, size < 1e14, size < 1e17], [1.0, 1e3, 1e6], 1e9)


def _parse_timestamps(values: list | np.ndarray, *, unit: str = "auto") -> np.ndarray:
    """Epoch seconds per value, NaN where it is missing or unparseable."""
    if isinstance(values, np.ndarray):
        return _epoch_seconds(values.astype(np.float64, copy=False), unit)
    seconds = np.full(len(values), np.nan)
    number_at, numbers, text_at, texts = [], [], [], []
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str and _as_text(value) is not None:
            text_at.append(i)
            texts.append(value)
        elif kind is int or kind is float:
            try:
                numbers.append(float(value))
            except OverflowError:  # a JSON integer too big for a float; stays NaN
                continue
            number_at.append(i)
    if numbers:
        seconds[number_at] = _epoch_seconds(np.asarray(numbers), unit)
    if texts:
        seconds[text_at] = _parse_timestamp_texts(texts, unit=unit)
    return seconds


def _parse_timestamp_texts(texts: list[str], *, unit: str) -> np.ndarray:
    # Numeric strings are epoch counts; everything else gets one ISO-8601 pass.
    series = pd.Series(texts, dtype=object).str.strip()
    seconds = np.array(pd.to_numeric(series, errors="coerce"), dtype=np.float64)  # a writable copy
    seconds = _epoch_seconds(seconds, unit)
    iso = np.isnan(seconds)
    if iso.any():
        parsed = pd.to_datetime(series[iso], utc=True, format="ISO8601", errors="coerce")
        seconds[iso] = (parsed - _EPOCH).dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    return seconds


def _timestamp_detail(value: object, *, column: str) -> str:
    if value is MISSING or value is None:
        return f"'{column}' is {'absent' if value is MISSING else 'null'}"
    if isinstance(value, float):  # also NaN from a null in a numeric Parquet column
        if np.isnan(value):
            return f"'{column}' is null or NaN"
        return f"'{column}' is {float(value)!r}, not a finite number of epoch seconds"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"'{column}' value {shown!r} is neither ISO-8601 nor epoch seconds"
    return f"'{column}' is a {json_kind(value)}, not an ISO-8601 string or epoch seconds"


def _range_detail(value: object, seconds: float, *, column: str, unit: str, latest: float) -> str:
    try:
        when = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):  # beyond the years 1-9999
        when = f"in the year {1970 + seconds / 31_556_952:.0f}"
    window = f"between {EARLIEST:%Y-%m-%d} and {pd.Timestamp(latest, unit='s', tz='UTC'):%Y-%m-%d}"
    if isinstance(value, str) and pd.isna(pd.to_numeric(value, errors="coerce")):
        return f"'{column}' {value[:40]!r} is {when}, not {window}"
    if isinstance(value, (int, float, np.number)):
        value = f"{float(value):.0f}"
    read = "by magnitude (input.timestamp_unit=auto)" if unit == "auto" else f"as {unit} (input.timestamp_unit)"
    return (f"'{column}' {value} read {read} is {when}, not {window}; "
            f"set input.timestamp_unit to the unit the file uses")


def _as_text(value: str | bytes) -> str | None:
    """The value as clean text, or None if it is not UTF-8.

    Lone surrogates in a str are bytes that were not UTF-8 (kept by surrogateescape) or
    JSON-escaped halves of a pair; neither can be encoded for the embedder downstream.
    """
    try:
        if type(value) is bytes:
            return value.decode("utf-8")
        if not value.isascii():
            value.encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return value
