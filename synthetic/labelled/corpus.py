"""Read a folder of labelled prompt corpora into one deduplicated, split table.

The folder holds ``<folder>/<name>.jsonl[.gz]`` files of JSON objects
``{"text", "source", "kind", "meta"}`` (the layout of ``shared/data/prompts``:
``benign/``, ``distill/``, ``templates/``). Each prompt gets a stable split,
``'tune'`` or ``'report'``, from a hash of its normalised text, so a detector
tuned on one split is reported on prompts it has never seen.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
import pandas as pd

COLUMNS: tuple[str, ...] = ("text", "file", "kind", "split", "meta")
"""The columns of :attr:`Corpus.prompts`, in order."""
SPLITS: tuple[str, ...] = ("tune", "report")
KINDS: tuple[str, ...] = ("benign", "distill", "template")
TEMPLATE_FOLDER = "templates"
"""Rows under this folder are templates with placeholders, never prompts."""

# Duplicates keep the row of the lowest rank: a one-liner found in both a benign and a
# distill file is something ordinary people send, so it must not count as harvested.
_KIND_RANK = {"benign": 0, "distill": 1, "template": 2}
_SUFFIXES = (".jsonl.gz", ".jsonl")


@dataclass(frozen=True)
class Corpus:
    """Prompts by file, deduplicated across files (normalised: lowercase, whitespace folded),
    with a stable split per prompt.

    Attributes:
        prompts: one row per distinct prompt or template, in file order (files
            sorted by path, rows in line order). Columns :data:`COLUMNS`:
            ``text`` (str), ``file`` (``'<folder>/<name>'`` without suffix, e.g.
            ``'benign/sharegpt'``), ``kind`` (``'benign'``, ``'distill'`` or
            ``'template'``), ``split`` (``'tune'`` or ``'report'``) and ``meta``
            (dict, ``{}`` when the row had none).
        tune_share: the share of prompts :func:`split_of` puts in ``'tune'``;
            text a simulator derives from a prompt (an edit) must land in the
            same split to be used.
    """

    prompts: pd.DataFrame
    tune_share: float = 0.5

    def of_split(self, split: str) -> pd.DataFrame:
        """The rows of one split, in file order.

        Raises:
            ValueError: if ``split`` is not ``'tune'`` or ``'report'``.
        """
        if split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        return self.prompts[self.prompts["split"] == split]


def normalise(text: str) -> str:
    """Lower-case and fold runs of whitespace into one space (the identity used for dedup and splits)."""
    return " ".join(text.lower().split())


def split_of(text: str, *, tune_share: float = 0.5) -> str:
    """``'tune'`` or ``'report'`` for a prompt, stable across runs, machines and corpora.

    Args:
        text: the prompt (normalised here first).
        tune_share: fraction of prompts that land in ``'tune'``, in [0, 1].
    """
    return _split_of_normalised(normalise(text), tune_share=tune_share)


def _split_of_normalised(norm: str, *, tune_share: float) -> str:
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return "tune" if int.from_bytes(digest, "big") < tune_share * 2**64 else "report"


def _corpus_files(root: Path) -> list[Path]:
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: corpus folder not found; set corpus=<folder of */*.jsonl.gz files>")
    files = sorted(path for path in root.glob("*/*") if path.is_file() and path.name.endswith(_SUFFIXES))
    if not files:
        raise ValueError(f"{root}: no JSONL files in its sub-folders; expected "
                         f"<folder>/<name>.jsonl or .jsonl.gz (e.g. benign/sharegpt.jsonl.gz)")
    return files


def _file_key(path: Path) -> str:
    name = path.name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return f"{path.parent.name}/{name}"


def _read_lines(path: Path) -> list[str]:
    try:
        raw = gzip.open(path).read() if path.name.endswith(".gz") else path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({exc}); the file may be truncated, not gzip or not UTF-8") from exc
    # Not splitlines(): JSON strings may hold raw U+2028 and other separators that are not newlines.
    return text.split("\n")


def _row_kind(obj: dict, meta: dict, *, folder: str, path: Path, lineno: int) -> str:
    if folder == TEMPLATE_FOLDER or meta.get("is_template"):
        return "template"
    kind = obj.get("kind", folder)
    if kind not in ("benign", "distill"):
        raise ValueError(f"{path}:{lineno}: 'kind' must be 'benign' or 'distill' (or the file must be "
                         f"under benign/ or distill/), got {kind!r}")
    return kind


def _read_file(path: Path) -> tuple[list[str], list[str], list[dict]]:
    """(texts, kinds, metas) of one file; blank lines are skipped."""
    texts, kinds, metas = [], [], []
    folder = path.parent.name
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{path}:{lineno}: expected a JSON object with a 'text' field")
        text, meta = obj.get("text"), obj.get("meta") or {}
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}:{lineno}: 'text' must be a non-empty string, got {text!r:.60}")
        if not isinstance(meta, dict):
            raise ValueError(f"{path}:{lineno}: 'meta' must be a JSON object, got {type(meta).__name__}")
        texts.append(text)
        kinds.append(_row_kind(obj, meta, folder=folder, path=path, lineno=lineno))
        metas.append(meta)
    return texts, kinds, metas


def load_corpus(root: str | os.PathLike[str], *, tune_share: float = 0.5) -> Corpus:
    """Read every ``*/*.jsonl`` and ``*/*.jsonl.gz`` under ``root`` into a :class:`Corpus`.

    Any folder of JSONL files in that shape works, e.g. a user's own labelled
    prompts. Rows under ``templates/`` or with ``meta.is_template`` get kind
    ``'template'``. Duplicates (equal after :func:`normalise`) keep one row:
    benign before distill before template, then the first file in path order.

    Args:
        root: the corpus folder.
        tune_share: fraction of prompts in the ``'tune'`` split, in [0, 1]; the
            rest are ``'report'``. A prompt's split depends only on its text.

    Returns:
        The corpus; see :class:`Corpus`.

    Raises:
        FileNotFoundError: ``root`` is not a folder.
        ValueError: no JSONL files under ``root``, a bad ``tune_share``, or a
            malformed row (the message names the file and line).
    """
    if isinstance(tune_share, bool) or not isinstance(tune_share, (int, float)) or not 0 <= tune_share <= 1:
        raise ValueError(f"tune_share must be a number in [0, 1], got {tune_share!r}")
    texts, files, kinds, metas = [], [], [], []
    for path in _corpus_files(Path(root)):
        file_texts, file_kinds, file_metas = _read_file(path)
        texts += file_texts
        kinds += file_kinds
        metas += file_metas
        files += [_file_key(path)] * len(file_texts)
    norms = [normalise(text) for text in texts]
    keep = sorted(_first_of_each(norms, kinds))
    return Corpus(prompts=pd.DataFrame({
        "text": [texts[i] for i in keep],
        "file": [files[i] for i in keep],
        "kind": [kinds[i] for i in keep],
        "split": [_split_of_normalised(norms[i], tune_share=tune_share) for i in keep],
        "meta": [metas[i] for i in keep],
    }), tune_share=tune_share)


def _first_of_each(norms: list[str], kinds: list[str]) -> list[int]:
    """Positions of the rows that survive deduplication: lowest kind rank, then first in file order."""
    seen: set[str] = set()
    kept = []
    for i in sorted(range(len(norms)), key=lambda i: _KIND_RANK[kinds[i]]):  # sorted() is stable
        if norms[i] not in seen:
            seen.add(norms[i])
            kept.append(i)
    return kept
