"""The fitted part of the scoring: the topic reference and the combiners, shipped or from a folder.

``scoring.reference`` names a folder holding ``topics.npz`` (:mod:`scoring.reference`),
``combiner.json`` and ``campaign_combiner.json`` (:mod:`scoring.combiner`), all written by
``tools/fit_reference.py``; None is the set shipped in ``scoring/shipped/``, fitted on the
tuning split of the labelled suite. ``day`` keeps the shipped combiners and fits the topic
reference on each day.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from scoring.combiner import Combiner, load_combiner
from scoring.features import CAMPAIGN_FEATURES, FEATURES
from scoring.reference import PROBE_WORDS, Reference, align, load_reference

SHIPPED = Path(__file__).resolve().parent / "shipped"
DAY = "day"


@dataclass(frozen=True)
class ScoringModel:
    """The topic reference (None: fit one on each day), the account combiner and the campaign combiner."""

    reference: Reference | None
    combiner: Combiner
    campaign_combiner: Combiner


def load_scoring_model(folder: str | None, *, encode: Callable[[list[str]], np.ndarray]) -> ScoringModel:
    """The reference and combiner of ``folder`` (see the module docstring), the reference aligned to
    the local topic embedder ``encode``.

    Raises:
        ValueError: a file is missing or unreadable, or the reference was made with another embedder.
    """
    root = SHIPPED if folder in (None, DAY) else Path(folder)
    if not root.is_dir():
        raise ValueError(f"scoring.reference={folder}: no such folder; name a folder written by "
                         "tools/fit_reference.py, or null for the shipped one")
    combiner = load_combiner(root / "combiner.json", features=FEATURES)
    campaign_combiner = load_combiner(root / "campaign_combiner.json", features=CAMPAIGN_FEATURES)
    reference = None if folder == DAY else align(load_reference(root / "topics.npz"), encode(list(PROBE_WORDS)))
    return ScoringModel(reference=reference, combiner=combiner, campaign_combiner=campaign_combiner)
