"""The one place where a composed Hydra config becomes objects: the options, the embedders, a detector.

Only the entry points (``scripts/``, ``tools/``) import this module; every component
below it takes typed options and never sees a config.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from job.config import DailyConfig, EvaluateConfig
from job.pipeline import Detector, Models
from scoring.model import load_scoring_model


CONF = Path(__file__).resolve().parents[1] / "conf"


class ConfigError(ValueError):
    """A config key or value that no stage accepts; the message names the key and the fix."""


def user_errors() -> tuple[type[Exception], ...]:
    """The errors an entry point reports as one line and exit status 2: the user's input, config or
    output folder is at fault, and the message says how to fix it."""
    from files.output_folder import OutputError
    from traffic.read import InputError

    return InputError, ConfigError, OutputError


def compose(config_name: str, overrides: list[str] | None = None) -> DictConfig:
    """``conf/<config_name>.yaml`` composed with command-line style overrides, outside ``@hydra.main``
    (for the tools and the tests: the shipped configuration, as the entry points see it)."""
    from hydra import compose as hydra_compose, initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=list(overrides or []))


def register_configs() -> None:
    """Register the schemas ``conf/config.yaml`` and ``conf/evaluate.yaml`` are checked against (idempotent).

    The option classes are frozen, which OmegaConf would make read-only nodes that no
    override could change; the registered nodes are made writable, and the frozen objects
    are built (and check their values) in :func:`options_from`.
    """
    ConfigStore.instance().store(name="daily_schema", node=_writable(OmegaConf.structured(DailyConfig)))
    ConfigStore.instance().store(name="evaluate_schema", node=_writable(OmegaConf.structured(EvaluateConfig)))


def options_from(cfg: DictConfig, schema: type):
    """The frozen options a composed config describes.

    Raises:
        ConfigError: a key the schema does not know (``+scoring.treshold=0.3``) or a value a stage refuses.
    """
    _check_keys(cfg, schema, prefix="")
    try:
        return OmegaConf.to_object(cfg)
    except ValueError as err:
        raise ConfigError(str(err).splitlines()[0]) from None


def open_models(embedder, *, scoring) -> Models:
    """The embedders these options describe, loaded once: the main one, and the static one for topic
    words when ``scoring.topics.embedder`` is ``static`` beside another main embedder."""
    from embedder import EmbedderOptions, open_embedder

    main = open_embedder(embedder)
    topic = None
    if scoring.topics.embedder == "static" and embedder.name != "static":
        topic = open_embedder(EmbedderOptions(name="static", cache_dir=embedder.cache_dir,
                                              static_dims=embedder.static_dims, batch_size=1024))
    return Models(main=main, duplicate_similarity=embedder.duplicate_similarity, topic=topic)


def open_detector(embedder, *, index, scoring, engine=None) -> Detector:
    """The detector these options describe: its embedders and its fitted scoring model (``scoring.reference``),
    run on ``engine`` (an opened :class:`engine.Engine`; default this process).

    Raises:
        ConfigError: the reference folder, or the index factory, cannot serve (checked before any traffic is read).
    """
    from engine import LocalEngine
    from index.neighbours import check_factory

    models = open_models(embedder, scoring=scoring)
    try:
        check_factory(index, dim=models.main.dim)
        model = load_scoring_model(scoring.reference, encode=(models.topic or models.main).encode)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    return Detector(models=models, model=model, index=index, scoring=scoring, engine=engine or LocalEngine())


def run_from_config(cfg: DictConfig, *, progress: bool = True, started: float | None = None) -> dict:
    """Run the daily job described by a composed config; returns its summary.

    Everything that can be checked without the model is checked first (the input file and its
    columns, the output folder, no other run writing there), so a mistake costs no model load.
    """
    from files.output_folder import OutputFolder, check_output
    from job.daily import check_traffic, run_day

    from engine import open_engine

    options: DailyConfig = options_from(cfg, DailyConfig)
    source = options.input
    if source.path is not None:
        check_traffic(source)
    check_output(options.output.dir, inputs=(source.path,))
    with OutputFolder(options.output.dir) as folder:
        if source.path is None:
            from synthetic.demo.day import write_demo_day

            demo = write_demo_day(folder.staging / "demo_traffic.parquet", options.demo)
            source = dataclasses.replace(source, path=str(demo))
        try:
            engine = open_engine(options.engine, embedder=options.embedder)
        except ValueError as err:
            raise ConfigError(str(err)) from None
        try:
            engine.check(source)
            detector = open_detector(options.embedder, index=options.index, scoring=options.scoring, engine=engine)
            return run_day(source, detector, output_dir=folder, config=OmegaConf.to_container(cfg, resolve=True),
                           progress=progress, started=started, history=options.history)
        finally:
            engine.close()


def evaluate_from_config(cfg: DictConfig) -> dict[str, float]:
    """Run the labelled evaluation described by a composed config (the suite, or one day with
    ``eval.mode=day`` or ``eval.traffic``); returns its metrics."""
    from evaluation.run import evaluate
    from evaluation.suite import evaluate_suite

    options: EvaluateConfig = options_from(cfg, EvaluateConfig)
    day = options.eval.mode == "day" or options.eval.traffic is not None
    if not day and not Path(options.simulate.corpus).is_dir():
        raise ConfigError(f"simulate.corpus={options.simulate.corpus}: no such folder; the suite simulates its "
                          "days from prompt corpora (../shared/data/prompts), or score a labelled day of your "
                          "own with eval.traffic=<file> eval.labels=<file>")
    detector = open_detector(options.embedder, index=options.index, scoring=options.scoring)
    if day:
        return evaluate(simulate=options.simulate, detector=detector, embedder=options.embedder,
                        options=options.eval)
    readme = CONF.parent / "README.md" if options.eval.readme else None
    return evaluate_suite(simulate=options.simulate, detector=detector, embedder=options.embedder,
                          suite=options.suite, cache_dir=options.eval.cache_dir, out_dir=options.eval.out_dir,
                          readme=readme)


def _writable(node: DictConfig) -> DictConfig:
    node._set_flag("readonly", None)
    for key in node.keys():
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            _writable(child)
        else:
            child._set_flag("readonly", None)
    return node


def _check_keys(cfg: DictConfig, schema: type, *, prefix: str) -> None:
    """Refuse keys that no option class has (added with ``+key=value``), naming the closest real one."""
    fields = {f.name: f for f in dataclasses.fields(schema)}
    for key in cfg.keys():
        name = f"{prefix}{key}"
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else f"; known keys: {', '.join(sorted(fields))}"
            raise ConfigError(f"{name} is not an option{hint}")
        # Nested options are the fields made by their class (``field(default_factory=Options)``).
        nested = fields[key].default_factory
        if dataclasses.is_dataclass(nested) and isinstance(cfg[key], DictConfig):
            _check_keys(cfg[key], nested, prefix=f"{name}.")
