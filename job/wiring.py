"""The one place where a Hydra config becomes objects and a call to the daily job."""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from job.config import DailyConfig, EmbedderOptions, EvaluateConfig


def register_configs() -> None:
    """Register the schemas ``conf/config.yaml`` and ``conf/evaluate.yaml`` are checked against (idempotent)."""
    ConfigStore.instance().store(name="daily_schema", node=DailyConfig)
    ConfigStore.instance().store(name="evaluate_schema", node=EvaluateConfig)


def run_from_config(cfg: DictConfig, *, progress: bool = True) -> dict:
    """Run the daily job described by a composed config; returns its summary."""
    from embedder import Embedder, load_model, model_identity
    from job.daily import open_traffic, run_day

    options: DailyConfig = OmegaConf.to_object(cfg)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    out = Path(options.output.dir)
    source = options.input.path
    if source is None:
        source = _write_demo_day(out, n_users=options.input.demo_users, seed=options.input.demo_seed)
    else:
        # Fail on a missing file or column before the model loads (seconds) or anything is written.
        open_traffic(source, options.input)
    emb = options.embedder
    model = load_model(emb.name, device=emb.device, precision=emb.precision, cache_dir=emb.cache_dir,
                       static_dims=emb.static_dims, max_seq_length=emb.max_seq_length)
    embedder = Embedder(model, batch_size=emb.batch_size, show_progress=False)
    topic_embed, topic_model = topic_embedder(emb, topics=options.scoring.topics.embedder)
    return run_day(
        source=source, output_dir=out, embed=embedder.encode, dim=embedder.dim,
        model=model_identity(emb.name, model), read=options.input, index=options.index,
        scoring=options.scoring, duplicate_similarity=emb.duplicate_similarity,
        config=resolved, progress=progress, topic_embed=topic_embed, topic_model=topic_model,
    )


def topic_embedder(emb: EmbedderOptions, *, topics: str):
    """(encode, identity) of the embedder for topic words, or (None, None) to use the main one.

    ``topics='static'`` with a non-static main embedder loads the static model for topic words.
    """
    if topics != "static" or emb.name == "static":
        return None, None
    from embedder import Embedder, load_model, model_identity

    static = load_model("static", cache_dir=emb.cache_dir, static_dims=emb.static_dims)
    return Embedder(static, batch_size=1024, show_progress=False).encode, model_identity("static", static)


def _write_demo_day(out: Path, *, n_users: int, seed: int) -> Path:
    from synthetic.demo.day import write_demo_day

    out.mkdir(parents=True, exist_ok=True)
    return write_demo_day(out / "demo_traffic.parquet", n_users=n_users, seed=seed)


def evaluate_from_config(cfg: DictConfig) -> dict[str, float]:
    """Run the labelled evaluation described by a composed config; returns its metrics."""
    from evaluation.run import evaluate

    options: EvaluateConfig = OmegaConf.to_object(cfg)
    return evaluate(simulate=options.simulate, embedder=options.embedder, index=options.index,
                    scoring=options.scoring, options=options.eval)
