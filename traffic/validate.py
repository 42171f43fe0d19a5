"""Check every raw row: split each raw chunk into usable rows and rejected ones.

A row is kept when its account is a non-empty string or an integer, its prompt
is non-blank UTF-8 text within the length cap, and its timestamp parses to
finite epoch seconds (ISO-8601 text, or epoch seconds as a number or numeric
string). Anything else becomes a :class:`Rejected` with a stable reason code.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from traffic.records import MISSING, Chunk, Columns, Problem, RawChunk, Rejected, json_kind

_EPOCH = pd.Timestamp(0, tz="UTC")


def validated(raw_chunks: Iterator[RawChunk], *, columns: Columns,
              max_prompt_chars: int) -> Iterator[tuple[Chunk, list[Rejected]]]:
    """Yield (valid rows, rejected rows) for every raw chunk that holds any row.

    Args:
        raw_chunks: What a format source yields.
        columns: Input column names, used in the rejection details.
        max_prompt_chars: Longest prompt kept, in characters.
    """
    for raw in raw_chunks:
        if raw.row or raw.rejected:
            yield _validate_chunk(raw, columns=columns, max_prompt_chars=max_prompt_chars)


def _validate_chunk(raw: RawChunk, *, columns: Columns,
                    max_prompt_chars: int) -> tuple[Chunk, list[Rejected]]:
    seconds = _parse_timestamps(raw.timestamp)
    timestamp_ok = np.isfinite(seconds).tolist()
    kept, accounts, prompts = [], [], []
    rejected = list(raw.rejected)
    for i, row in enumerate(raw.row):
        account, problem = _check_account(raw.account[i], column=columns.account_id)
        if problem is None:
            prompt, problem = _check_prompt(raw.prompt[i], column=columns.prompt, max_chars=max_prompt_chars)
        if problem is None and not timestamp_ok[i]:
            problem = ("timestamp_invalid", _timestamp_detail(raw.timestamp[i], column=columns.timestamp))
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


def _parse_timestamps(values: list | np.ndarray) -> np.ndarray:
    """Epoch seconds per value, NaN where it is missing or unparseable."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
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
        seconds[number_at] = numbers
    if texts:
        seconds[text_at] = _parse_timestamp_texts(texts)
    return seconds


def _parse_timestamp_texts(texts: list[str]) -> np.ndarray:
    # Numeric strings are epoch seconds; everything else gets one ISO-8601 pass.
    series = pd.Series(texts, dtype=object).str.strip()
    seconds = np.array(pd.to_numeric(series, errors="coerce"), dtype=np.float64)  # a writable copy
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
