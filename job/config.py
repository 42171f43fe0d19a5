"""The schemas of ``conf/config.yaml`` (the daily job) and ``conf/evaluate.yaml`` (the evaluation).

Each nests the typed options of the stages, which own their defaults and check their
values when made; ``job.wiring`` registers these schemas with Hydra, so a misspelt key
fails at compose time and a bad value when the config becomes these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embedder import EmbedderOptions
from engine.options import EngineOptions
from evaluation.run import EvalOptions
from evaluation.suite import SuiteOptions
from history.options import HistoryOptions
from index.options import IndexOptions
from scoring.options import ScoringOptions
from synthetic.demo.day import DemoOptions
from synthetic.labelled.day import SimulateOptions
from traffic.read import InputOptions


@dataclass(frozen=True)
class OutputOptions:
    """Where the results go (``output.dir``; ``conf/config.yaml`` names a dated folder)."""

    dir: str = "outputs/run"


@dataclass(frozen=True)
class DailyConfig:
    """The daily job: the schema of ``conf/config.yaml``. ``input.path`` null scores the demo day."""

    input: InputOptions = field(default_factory=InputOptions)
    demo: DemoOptions = field(default_factory=DemoOptions)
    embedder: EmbedderOptions = field(default_factory=EmbedderOptions)
    index: IndexOptions = field(default_factory=IndexOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    history: HistoryOptions = field(default_factory=HistoryOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)


@dataclass(frozen=True)
class EvaluateConfig:
    """The labelled evaluation: the schema of ``conf/evaluate.yaml``."""

    simulate: SimulateOptions = field(default_factory=SimulateOptions)
    embedder: EmbedderOptions = field(default_factory=EmbedderOptions)
    index: IndexOptions = field(default_factory=IndexOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    eval: EvalOptions = field(default_factory=EvalOptions)
    suite: SuiteOptions = field(default_factory=SuiteOptions)
