"""What an engine does for the pipeline."""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from index.options import IndexOptions
from traffic.read import InputOptions, Rejected


class Engine(Protocol):
    """Runs the two stages whose work grows with the day's prompts: reading and embedding, and the
    neighbour self-join. Both must give what the in-process code gives on the same day."""

    name: str

    def check(self, source: InputOptions) -> None:
        """Refuse, before any model is loaded, a traffic file this engine cannot read (InputError)."""

    def read_day(self, source: InputOptions, *, embedder, vectors_in_memory_max: int,
                 reject: Callable[[Rejected], None], progress: bool):
        """The day read from ``source``: a :class:`job.ingest.Day`, as :func:`job.ingest.ingest` makes it."""

    def self_knn(self, vectors, *, options: IndexOptions, k: int, progress: bool,
                 queries: np.ndarray | None = None, trained=None) -> tuple[np.ndarray, np.ndarray]:
        """Each vector's ``k`` nearest other vectors: (similarities, int64 ids), as
        :func:`index.neighbours.self_knn` over :func:`index.neighbours.build_index` gives them
        (``queries``: only these vectors' rows, in that order; ``trained``: the empty trained
        faiss index to fill instead of training one)."""

    def describe(self) -> dict:
        """The engine, for ``summary.json``."""

    def close(self) -> None:
        """Release what the engine started (a local Ray)."""
