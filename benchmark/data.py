"""Labelled prompt samples for the benchmark: real corpora when present, the demo vocabulary otherwise.

- Templates: ``distill/t0_promptsource_filled.jsonl.gz`` (promptsource templates
  filled from NLP datasets; ``meta.template_id`` is the truth).
  Promptsource ships some template texts under several names (``adversarial_qa``
  dbert / dbidaf / droberta, ``imdb`` / ``rotten_tomatoes``); the corpora's
  ``templates/promptsource.jsonl.gz`` keeps each text once, and
  :func:`template_text_labels` gives the filled prompts one label per template
  *text*, which is what a miner that reads only the prompt can recover.
- Topics: ``benign/mmlu.jsonl.gz`` (``meta.subject``, 57 school and professional
  subjects; the text carries the A-D choice lines, a template of its own).

Without ``../shared/data/prompts`` the same shapes come from the demo day's own
vocabulary: the harvesters' and the self-instruct templates filled across the
topic space (label: the template), and the ordinary users of the demo day
(label: their subject). Every text is normalised as the daily job normalises it,
and exact repeats after normalisation are dropped (the job embeds each once).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedder import normalize_text
from synthetic.demo.day import DemoOptions, demo_day_with_labels
from synthetic.demo.phrasing import MIXED_TEMPLATES, SELF_INSTRUCT_TASKS, SWEEP_TEMPLATES_A, SWEEP_TEMPLATES_B
from synthetic.demo.text import fill_slots
from synthetic.demo.topics import SUBJECTS, SUBTOPICS, TOPICS

PROMPTSOURCE = "distill/t0_promptsource_filled.jsonl.gz"
MMLU = "benign/mmlu.jsonl.gz"
PROMPTSOURCE_TEMPLATES = "templates/promptsource.jsonl.gz"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


@dataclass(frozen=True)
class Sample:
    """Prompts, one label each, and where they came from (a sentence for the report)."""

    texts: list[str]
    labels: np.ndarray
    source: str


def corpus_file(root: str | Path | None, name: str) -> Path | None:
    """``root/name`` when it is a file, else None."""
    if root is None:
        return None
    path = Path(root) / name
    return path if path.is_file() else None


def read_labelled(path: Path, meta_key: str, *, n: int | None, seed: int) -> Sample:
    """A fixed-seed sample of ``n`` distinct normalised prompts of a corpus file (all when n is None or larger)."""
    texts, labels, seen = [], [], set()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            row = json.loads(line)
            try:
                text, label = normalize_text(row["text"]), row["meta"][meta_key]
            except (KeyError, TypeError):
                raise ValueError(f"{path}:{line_no}: expected 'text' and 'meta.{meta_key}'") from None
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
                labels.append(str(label))
    pick = _pick(len(texts), n, seed)
    return Sample([texts[i] for i in pick], np.asarray(labels, dtype=object)[pick],
                  f"{path.name} ({len(pick):,} of {len(texts):,} distinct prompts, label meta.{meta_key})")


def template_text_labels(sample: Sample, templates_path: Path) -> tuple[np.ndarray, dict[str, str]]:
    """Labels of a promptsource-filled sample with same-text templates merged.

    ``templates_path`` holds each distinct promptsource template text once (exact
    duplicates removed), named ``<dataset>_<subset>_<template name>`` as
    ``meta.template_id`` names them. A label found there is its own text. A label
    not found there is a template whose text was removed as a duplicate: it takes
    the label of the one listed template with the same name whose fixed text (every
    literal piece between jinja tags) occurs in each of its filled prompts; where
    none or several do, it keeps its own label.

    Returns:
        (label per prompt, {merged label: label it now has}).
    """
    words = lambda text: re.sub(r"[^A-Za-z0-9]+", "_", text)  # noqa: E731
    listed: dict[str, tuple[str, list[str]]] = {}  # label -> (template name, its fixed pieces)
    with gzip.open(templates_path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            meta = row["meta"]
            parts = [meta["dataset"].split("/")[-1], meta.get("subset") or "", meta["template_name"]]
            pieces = [" ".join(p.split()) for p in _JINJA.split(row["text"])]
            listed[words("_".join(p for p in parts if p))] = (words(meta["template_name"]),
                                                              [p for p in pieces if len(p) >= 4])
    labels = np.asarray(sample.labels).astype(str)
    flat = [" ".join(t.split()) for t in sample.texts]
    merged: dict[str, str] = {}
    for label in sorted(set(labels) - set(listed)):
        rows = np.flatnonzero(labels == label)
        fits = [key for key, (name, pieces) in listed.items()
                if pieces and label.endswith("_" + name) and all(p in flat[i] for i in rows for p in pieces)]
        if len(fits) == 1:
            merged[label] = fits[0]
    return np.asarray([merged.get(label, label) for label in labels], dtype=object), merged


def demo_templates(*, n: int, seed: int) -> Sample:
    """``n`` prompts from the demo's harvester and self-instruct templates, each filled on a random cell."""
    rng = np.random.default_rng(seed)
    templates = SWEEP_TEMPLATES_A + SWEEP_TEMPLATES_B + MIXED_TEMPLATES + SELF_INSTRUCT_TASKS
    texts, labels, seen = [], [], set()
    for _ in range(50 * n):
        if len(texts) >= n:
            break
        t = int(rng.integers(len(templates)))
        subject = SUBJECTS[int(rng.integers(len(SUBJECTS)))]
        subtopic = SUBTOPICS[subject][int(rng.integers(10))]
        slots = fill_slots(rng, subject, subtopic)
        other = SUBJECTS[(SUBJECTS.index(subject) + 1) % len(SUBJECTS)]
        slots.update(other=TOPICS[other][SUBTOPICS[other][0]][0], sentence=f"{slots['e']} matters in {subtopic}")
        text = normalize_text(templates[t].format(**slots))
        if text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(f"demo-template-{t:02d}")
    return Sample(texts, np.asarray(labels, dtype=object),
                  f"demo vocabulary: {len(texts):,} fills of {len(templates)} harvester/self-instruct templates")


def demo_topics(*, n: int, seed: int) -> Sample:
    """``n`` distinct prompts of the demo day's ordinary users, labelled with their subject."""
    users = 300
    while True:
        day = demo_day_with_labels(DemoOptions(users=users, seed=seed))
        day = day[(day["kind"] == "user") & (day["subject"] != "")]
        texts, labels, seen = [], [], set()
        for prompt, subject in zip(day["prompt"], day["subject"]):
            text = normalize_text(prompt)
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
                labels.append(subject)
        if len(texts) >= n or users >= 20_000:
            break
        users *= 2
    pick = _pick(len(texts), n, seed)
    return Sample([texts[i] for i in pick], np.asarray(labels, dtype=object)[pick],
                  f"demo day ordinary users ({len(pick):,} distinct prompts, label: subject)")


def _pick(total: int, n: int | None, seed: int) -> np.ndarray:
    if n is None or n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))
