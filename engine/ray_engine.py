"""``engine=ray``: the day read, embedded and self-joined on a Ray cluster.

Unset ``engine.address`` starts a Ray inside the job (stopped when it ends); ``auto``,
``host:port`` or ``ray://host:port`` joins a running cluster, whose every node must have this
project installed (the workers import its packages). The driver keeps what the later stages
read: the day's rows, vectors and tokens, and the neighbour lists.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Callable

import numpy as np

from engine.options import EngineOptions
from index.options import IndexOptions
from traffic.read import InputError, InputOptions, Rejected, detect_format

log = logging.getLogger(__name__)


class RayEngine:
    """Runs the read_embed stage on Ray Data and the self-join on shard actors.

    Args:
        options: ``engine.*``.
        embedder: the :class:`embedder.EmbedderOptions` each model actor opens its model from.

    Raises:
        ValueError: ``engine.address`` names no reachable cluster.
    """

    name = "ray"

    def __init__(self, options: EngineOptions, *, embedder) -> None:
        self.options = options
        self.embedder = embedder
        self._connected = False
        self._connect()

    def _connect(self) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        import ray
        import ray.data

        if not ray.is_initialized():
            # Ray's own warnings (its token authentication, progress bars off) are not the user's concern.
            quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
            try:
                if self.options.address not in (None, "auto"):
                    _check_reachable(self.options.address)
                if self.options.address is None:
                    ray.init(num_cpus=self.options.num_cpus, **quiet)
                else:
                    ray.init(address=self.options.address, **quiet)
                self._connected = True
            except (ConnectionError, RuntimeError, ValueError, OSError) as err:
                why = " ".join(str(err).split())[:300]
                raise ValueError(f"engine.address={self.options.address}: no Ray cluster could be joined "
                                 f"({why}); start one with `ray start --head`, or leave engine.address "
                                 f"unset to start one inside the job") from None
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        resources = ray.cluster_resources()
        self.cpus = max(1, int(resources.get("CPU", 1)))
        self.nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        log.info("engine=ray: %d node(s), %d CPUs", self.nodes, self.cpus)

    def check(self, source: InputOptions) -> None:
        """Only Parquet is read on Ray (a part of the file is a run of its row groups).

        Raises:
            InputError: ``source`` is JSONL or CSV.
        """
        fmt = detect_format(source.path) if source.format == "auto" else source.format
        if fmt != "parquet":
            raise InputError(f"{source.path}: engine=ray reads Parquet, and this file is {fmt}; convert it "
                             f"to Parquet (pyarrow, DuckDB) or run with engine=local")

    def read_day(self, source: InputOptions, *, embedder, vectors_in_memory_max: int,
                 reject: Callable[[Rejected], None], progress: bool):
        """The day read and embedded on the cluster (:func:`engine.ray_read.read_day_on_ray`)."""
        from engine.ray_read import read_day_on_ray

        self.check(source)
        return read_day_on_ray(source, embedder_options=self.embedder, dim=embedder.dim,
                               actors=self.options.embed_actors or self.cpus, cpus=self.cpus,
                               rows_per_task=self.options.rows_per_task, embed_batch=self.options.embed_batch,
                               vectors_in_memory_max=vectors_in_memory_max, reject=reject)

    def self_knn(self, vectors, *, options: IndexOptions, k: int, progress: bool,
                 queries: np.ndarray | None = None, trained=None) -> tuple[np.ndarray, np.ndarray]:
        """The self-join on shard actors (:func:`engine.ray_search.sharded_self_knn`)."""
        from engine.ray_search import sharded_self_knn

        return sharded_self_knn(vectors, options=options, k=k, shards=self.options.search_shards or self.cpus,
                                cpus=self.cpus, queries=queries, trained=trained)

    def describe(self) -> dict:
        """The engine and the cluster it ran on."""
        return {"name": self.name, "address": self.options.address, "nodes": self.nodes, "cpus": self.cpus}

    def close(self) -> None:
        """Stop the Ray this job started, or leave the cluster it joined (which keeps running)."""
        if self._connected:
            import ray

            ray.shutdown()
            self._connected = False


def _check_reachable(address: str, *, timeout: float = 5.0) -> None:
    """Fail fast where nothing listens at ``host:port`` (Ray itself retries for minutes).

    Raises:
        OSError: the connection is refused or times out; ValueError: no port in ``address``.
    """
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected host:port, got {address!r}")
    with socket.create_connection((host, int(port)), timeout=timeout):
        pass
