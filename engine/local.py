"""The default engine: every stage in this process."""

from __future__ import annotations

from typing import Callable

import numpy as np

from index.neighbours import build_index, self_knn
from index.options import IndexOptions
from job.ingest import Day, ingest
from traffic.read import InputOptions, Rejected, count_rows, read_traffic


class LocalEngine:
    """Reads, embeds and searches the day in the job's own process."""

    name = "local"

    def check(self, source: InputOptions) -> None:
        """Every format the reader knows is read here."""

    def read_day(self, source: InputOptions, *, embedder, vectors_in_memory_max: int,
                 reject: Callable[[Rejected], None], progress: bool) -> Day:
        """The day streamed through :func:`job.ingest.ingest`."""
        return ingest(read_traffic(source), embed=embedder.encode, dim=embedder.dim, reject=reject,
                      progress=progress, total=count_rows(source) if progress else None,
                      vectors_in_memory_max=vectors_in_memory_max)

    def self_knn(self, vectors, *, options: IndexOptions, k: int, progress: bool,
                 queries: np.ndarray | None = None, trained=None) -> tuple[np.ndarray, np.ndarray]:
        """One index over the whole day, searched batch by batch."""
        day_index = build_index(vectors, options=options, trained=trained)
        return self_knn(day_index, vectors, k=k, progress=progress, queries=queries)

    def describe(self) -> dict:
        """``{"name": "local"}``."""
        return {"name": self.name}

    def close(self) -> None:
        """Nothing to release."""
