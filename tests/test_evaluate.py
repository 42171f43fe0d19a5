"""The labelled evaluation and its Hydra sweep, on a small labelled demo day (no corpora needed)."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evaluation import days as days_module, run as run_module
from evaluation.run import EvalOptions
from synthetic.demo.day import DemoOptions, demo_day
from synthetic.labelled.day import SimulateOptions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    # The built-in demo day. Its users draw from one small vocabulary, so a much smaller crowd of them is
    # near-exchangeable, as no real crowd is, and its pooled campaign can be flagged.
    frame = demo_day(DemoOptions())
    folder = tmp_path_factory.mktemp("labelled")
    frame[["account_id", "timestamp", "prompt"]].to_parquet(folder / "traffic.parquet", index=False)
    truth = frame.groupby("account_id").agg(kind=("kind", "first"), strategy=("strategy", "first")).reset_index()
    truth["label"] = (truth["kind"] == "harvester").map({True: "harvester", False: "benign"})
    truth["hard_negative"] = truth["kind"].isin(["enterprise", "student"])
    truth.to_parquet(folder / "labels.parquet", index=False)
    return folder


def evaluate(labelled, tmp_path, shipped, detector, **scoring):
    """The evaluation of the shipped detector (``tests/conftest.py``), its score options changed by ``scoring``."""
    options = EvalOptions(out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "cache"),
                          traffic=str(labelled / "traffic.parquet"), labels=str(labelled / "labels.parquet"),
                          baselines=False, mode="day")
    detector = dataclasses.replace(detector, scoring=dataclasses.replace(detector.scoring, **scoring))
    return run_module.evaluate(simulate=SimulateOptions(), detector=detector, embedder=shipped.embedder,
                               options=options)


def test_the_demo_harvesters_are_separated_and_results_written(labelled, tmp_path, shipped, detector):
    metrics = evaluate(labelled, tmp_path, shipped, detector)
    assert metrics["eval/auroc"] == 1.0
    assert metrics["eval/n_harvesters"] == 5 + 40
    # The fleet's 40 small accounts are found as one campaign and flagged, most only through it; no user is.
    assert metrics["eval/campaign/fleet_flagged"] == 1.0
    assert metrics["eval/campaign/fleet_flagged_via_campaign"] >= 0.75
    assert metrics["eval/campaign/ari"] > 0.9
    assert metrics["eval/campaign/benign_campaigns_flagged"] == 0.0, "users may be linked, never flagged as one"
    assert metrics["eval/flagged_fpr"] == 0.0
    assert metrics["eval/hard_negative_fpr"] == 0.0
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["eval/auroc"] == 1.0
    assert "| detector |" in (tmp_path / "out" / "metrics.md").read_text()


def test_changing_only_score_options_reuses_the_cached_signals(labelled, tmp_path, monkeypatch, shipped, detector):
    evaluate(labelled, tmp_path, shipped, detector)

    def recompute(*args, **kwargs):
        raise AssertionError("signals were recomputed for a score-only change")

    monkeypatch.setattr(days_module, "score_traffic", recompute)
    strict = evaluate(labelled, tmp_path, shipped, detector, threshold=0.99, campaign_threshold=0.99,
                      min_prompts=100_000)
    assert strict["eval/flagged_recall"] == 0.0
    assert len(list((tmp_path / "cache").glob("signals-*.parquet"))) == 1


def test_editing_a_combiner_keeps_the_cached_signals_and_editing_a_feature_does_not(tmp_path):
    from evaluation.signals import code_version

    for name in ("scoring/combiner.py", "scoring/verdicts.py", "scoring/features.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("X = 1\n")
    before = code_version(("scoring",), root=tmp_path)
    (tmp_path / "scoring/combiner.py").write_text("X = 2\n")
    (tmp_path / "scoring/verdicts.py").write_text("X = 2\n")
    assert code_version(("scoring",), root=tmp_path) == before, "a refit or a new verdict rule re-scores the cache"
    (tmp_path / "scoring/features.py").write_text("X = 2\n")
    assert code_version(("scoring",), root=tmp_path) != before, "a feature change must recompute the signals"


def test_a_tiny_optuna_sweep_runs_end_to_end(labelled, tmp_path):
    sweep = tmp_path / "multirun"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "-m", "hparams_search=score_optuna",
         "hydra.sweeper.n_trials=3", f"hydra.sweep.dir={sweep}", f"eval.traffic={labelled / 'traffic.parquet'}",
         f"eval.labels={labelled / 'labels.parquet'}", f"eval.cache_dir={tmp_path / 'cache'}",
         f"eval.out_dir={tmp_path / 'out'}"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert set(best["best_params"]) == {"scoring.threshold", "scoring.campaign_threshold", "scoring.min_prompts"}
    # The utility is recall (at most 1) less the penalties of the FPR budget: a trial that flags the
    # day's student (one of three hard negatives) pays for it.
    assert -10.0 <= best["best_value"] <= 1.0
    assert len(list((tmp_path / "cache").glob("signals-*.parquet"))) == 1, "trials share one signal computation"
