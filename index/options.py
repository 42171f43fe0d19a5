"""The options of the day's faiss index and of the neighbour searches on it (``conf/index/``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexOptions:
    """Which faiss index holds the day's prompt vectors, and how it is searched.

    Attributes:
        factory: a faiss factory string, or ``auto``: exact ``Flat`` up to ``flat_max`` distinct
            prompts, ``IVF{4√n},SQ8`` up to ``sq8_max``, fast-scan PQ re-ranked on SQ8 codes above
            (:func:`index.neighbours.resolve_factory`).
        flat_max, sq8_max: the ``auto`` boundaries, in distinct prompts.
        nprobe: IVF cells visited per query (recall against speed).
        ef_search: HNSW search breadth.
        refine_k_factor: a re-ranking (``Refine``) index re-ranks this many times k candidates.
        k: neighbours of each prompt across all accounts.
        within_account_k: neighbours of a prompt among its own account's prompts.
        exact_max: accounts up to this many distinct prompts are searched exactly (one matrix product).
        vectors_in_memory_max: a day with more distinct prompts keeps its vectors in a temporary file
            read back in blocks (7M distinct prompts are 7 GB of float32 vectors).
        recall_sample: prompts whose approximate neighbours are checked against exact search
            (``index_recall`` in summary.json); 0 skips the check, which costs sample × prompts dot products.
    """

    factory: str = "auto"
    flat_max: int = 50_000
    sq8_max: int = 2_000_000
    nprobe: int = 16
    ef_search: int = 64
    refine_k_factor: int = 32
    k: int = 10
    within_account_k: int = 5
    exact_max: int = 4_096
    vectors_in_memory_max: int = 1_000_000
    recall_sample: int = 0

    def __post_init__(self) -> None:
        positive = {"index.flat_max": self.flat_max, "index.sq8_max": self.sq8_max, "index.nprobe": self.nprobe,
                    "index.ef_search": self.ef_search, "index.refine_k_factor": self.refine_k_factor,
                    "index.k": self.k, "index.within_account_k": self.within_account_k,
                    "index.exact_max": self.exact_max, "index.vectors_in_memory_max": self.vectors_in_memory_max}
        for key, value in positive.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be an integer >= 1, got {value!r}")
        if isinstance(self.recall_sample, bool) or self.recall_sample < 0:
            raise ValueError(f"index.recall_sample must be an integer >= 0, got {self.recall_sample!r}")
        if not isinstance(self.factory, str) or not self.factory.strip():
            raise ValueError(f"index.factory must be 'auto' or a faiss factory string, got {self.factory!r}")
