"""Where the day's heavy stages run: in this process (``engine=local``, the default) or on a Ray
cluster (``engine=ray``). Both give the pipeline the same two things, a read and embedded
:class:`~job.ingest.Day` and the day's self-join of nearest neighbours, so every later stage
(templates, topics, verdicts, campaigns) runs unchanged on the machine that drives the job.
"""

from __future__ import annotations

from engine.local import LocalEngine
from engine.options import EngineOptions
from engine.protocol import Engine

__all__ = ["Engine", "EngineOptions", "LocalEngine", "open_engine"]


def open_engine(options: EngineOptions, *, embedder) -> Engine:
    """The engine ``options`` name; ``engine=ray`` starts or joins its cluster now, so a wrong
    ``engine.address`` fails before any model is loaded.

    Args:
        options: ``engine.*``.
        embedder: the :class:`embedder.EmbedderOptions` every Ray worker opens its model from.

    Raises:
        ValueError: the Ray cluster cannot be reached (the message names ``engine.address``).
    """
    if options.name == "local":
        return LocalEngine()
    from engine.ray_engine import RayEngine

    return RayEngine(options, embedder=embedder)
