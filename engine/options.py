"""The options of the engine the day's heavy stages run on (``conf/engine/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class EngineOptions:
    """Where reading, embedding and the neighbour self-join run.

    Attributes:
        name: ``local`` (this process) or ``ray`` (a Ray cluster; reads Parquet only).
        address: the Ray cluster to join: ``auto`` (the one ``ray start`` runs on this machine),
            ``host:port`` or ``ray://host:port``. Unset, the job starts a Ray of its own and stops it
            when done.
        num_cpus: CPUs of the Ray the job starts itself (unset: all of this machine's).
        embed_actors: Ray actors that hold the model and embed (unset: one per CPU of the cluster).
        search_shards: pieces the day's index is cut into, each held and searched by one actor,
            so no process holds every vector's codes (unset: one per CPU of the cluster).
        rows_per_task: traffic rows one Ray task reads and normalises (whole Parquet row groups).
        embed_batch: prompts a model actor embeds per call.
    """

    name: str = "local"
    address: Optional[str] = None
    num_cpus: Optional[int] = None
    embed_actors: Optional[int] = None
    search_shards: Optional[int] = None
    rows_per_task: int = 100_000
    embed_batch: int = 4_096

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ValueError(f"engine.name must be one of {', '.join(ENGINES)}, got {self.name!r}; "
                             f"choose with engine=local or engine=ray")
        for key in ("num_cpus", "embed_actors", "search_shards"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"engine.{key} must be unset or an integer >= 1, got {value!r}")
        for key in ("rows_per_task", "embed_batch"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"engine.{key} must be an integer >= 1, got {value!r}")
        if self.address is not None and (not isinstance(self.address, str) or not self.address.strip()):
            raise ValueError(f"engine.address must be unset, 'auto', 'host:port' or 'ray://host:port', "
                             f"got {self.address!r}")
