"""The records that reading a traffic file produces, shared by every reading step.

:class:`Columns` names the input columns; each format source cuts a file into
:class:`RawChunk` batches; validation turns each into a :class:`Chunk` of usable
rows and a list of :class:`Rejected` rows. :class:`InputError` is the one error
for a file that cannot be read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MISSING = object()
"""A key absent from a JSONL object, told apart from an explicit null."""

Problem = tuple[str, str]  # (reason code, one-sentence detail)

_JSON_KINDS = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", bytes: "binary value"}


@dataclass(frozen=True)
class Columns:
    """Names of the input columns."""

    account_id: str = "account_id"
    timestamp: str = "timestamp"
    prompt: str = "prompt"


class InputError(Exception):
    """The input cannot be read at all (missing file, missing required column, unknown format).

    The message is one line naming the file and the column or problem (whitespace in it, such as
    a library's multi-line complaint, is folded to single spaces).
    """

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (a library's multi-line complaint) folded to one space."""
    return " ".join(str(text).split())


@dataclass
class Chunk:
    """A bounded batch of valid rows, in file order.

    Attributes:
        row: int64, 1-based data-row number in the file (JSONL: line number; CSV: data
            row not counting the header; Parquet: row index + 1).
        account_id: Account ids, stripped; integer ids as their decimal string.
        timestamp: float64 epoch seconds, UTC, always finite.
        prompt: Raw prompt text exactly as read (not normalised).
    """

    row: np.ndarray
    account_id: list[str]
    timestamp: np.ndarray
    prompt: list[str]

    def __len__(self) -> int:
        return len(self.account_id)


@dataclass(frozen=True)
class Rejected:
    """One input row that could not be used.

    Attributes:
        row: 1-based row number, numbered as in :class:`Chunk`.
        reason: Short stable code: account_missing, prompt_missing, prompt_empty,
            prompt_too_long, timestamp_invalid, timestamp_out_of_range, undecodable_bytes,
            malformed_row or unreadable (a corrupt part of the file: the rows it held).
        detail: One human sentence saying what was wrong.
        account_id: The row's account when it could be read, else None.
    """

    row: int
    reason: str
    detail: str
    account_id: str | None = None


@dataclass
class RawChunk:
    """Rows as parsed, before validation: values may be MISSING, None or any JSON type.

    Attributes:
        row: 1-based row numbers, numbered as in :class:`Chunk`.
        account: Account values as parsed.
        timestamp: Timestamp values as parsed, or a float64 array (NaN for null) when the
            format already knows them as numbers.
        prompt: Prompt values as parsed.
        rejected: Rows the format itself could not parse.
        seconds: ``timestamp`` is a float64 array of epoch seconds already (a temporal Parquet
            column); otherwise its numbers are epoch counts in ``input.timestamp_unit``.
    """

    row: list[int] = field(default_factory=list)
    account: list = field(default_factory=list)
    timestamp: list | np.ndarray = field(default_factory=list)
    prompt: list = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    seconds: bool = False


def json_kind(value: object) -> str:
    """Name a value's type the way a JSON user would ("object", "number", ...)."""
    return _JSON_KINDS.get(type(value), type(value).__name__)
