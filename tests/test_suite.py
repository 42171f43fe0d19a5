"""The leave-one-out suite: its tables, its command, and a small suite end to end on the real corpora."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.suite import SuiteOptions
from evaluation.suite_report import flat_metrics, floor_table
from files.sections import replace_section

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "prompts"


def fold(tpr, n=6, fpr=0.002, hard=0.0):
    return {"n_held": n, "tpr": tpr, "auroc": 0.99, "flagged_recall": tpr, "flagged_fpr": fpr,
            "flagged_hard_negative_fpr": hard, "hits": round(tpr * n), "flagged_hits": round(tpr * n)}


def result():
    folds = {"strategy=code_sweep": {0: fold(1.0), 1: fold(0.5)}, "strategy=cot_fixed": {0: fold(1.0), 1: fold(1.0)},
             "fleet_shape=round_clock": {0: fold(1.0, n=300), 1: fold(0.99, n=300)}}
    loo = {s: {"n_held": 312, "tpr": 0.97, "auroc": 0.99, "flagged_recall": 0.95, "worst_strategy_tpr": 0.5,
               "flagged_fpr_max": 0.004, "flagged_hard_negative_fpr_max": 0.03} for s in (0, 1)}
    full = {s: {"auroc": 0.995, "tpr": 0.98, "flagged_recall": 0.97, "flagged_fpr": 0.002,
                "flagged_hard_negative_fpr": 0.0} for s in (0, 1)}
    return {"full": full, "folds": folds, "loo": loo}


def test_the_worst_case_table_names_the_worst_fold_and_marks_each_floor():
    checks = {"another_day": {"accounts": 400, "score_change_max": 0.02, "score_change_p95": 0.001, "flips": 0,
                              "own_score_change_max": 0.01, "own_score_change_p95": 0.0, "own_flips": 0},
              "short_batch": [{"hours": 2.0, "users_flagged": 0.004, "hard_negatives_flagged": 0}]}
    table = floor_table(result(), checks, seeds=[0, 1])
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    strategy = next(line for name, line in lines.items() if name.startswith("each strategy"))
    assert "worst: code_sweep, seed 1" in strategy and "| 0.500 |" in strategy and strategy.endswith("✗ |")
    assert lines["AUROC"].endswith("✓ |")
    hard = next(line for name, line in lines.items() if "hard-negative" in name)
    assert "3.00%" in hard and hard.endswith("✗ |"), "3% of hard negatives flagged breaks the 2% floor"
    assert "verdict flips" in table and "first 2 h scored alone" in table
    assert "own verdict flips (before campaigns)" in table, "the table separates own scores from campaigns"
    metrics = flat_metrics(result(), checks)
    assert metrics["suite/loo/strategy_tpr_worst"] == 0.5 and metrics["suite/another_day/flips"] == 0


def test_the_flip_row_names_what_flipped_most():
    checks = {"another_day": {"accounts": 400, "score_change_max": 0.9, "score_change_p95": 0.3, "flips": 12,
                              "flips_by_kind": {"harvester fleet reseller_mix": 9, "student": 3}},
              "short_batch": [{"hours": 2.0, "users_flagged": 0.004, "hard_negatives_flagged": 0}]}
    flips = next(line for line in floor_table(result(), checks, seeds=[0, 1]).splitlines() if "verdict flips" in line)
    assert "(most: harvester fleet reseller_mix, 9)" in flips and flips.endswith("✗ |")


def test_flips_are_counted_by_strategy_shape_or_kind():
    import pandas as pd

    from evaluation.checks import _by_kind

    accounts = pd.DataFrame({"label": ["harvester", "harvester", "harvester", "benign", "benign"],
                             "strategy": ["fleet", "fleet", "math_sweep", "", None],
                             "fleet_shape": ["reseller_mix", "reseller_mix", "", "", None],
                             "kind": ["harvester", "harvester", "harvester", "student", "enterprise"]})
    assert _by_kind(accounts) == {"enterprise": 1, "harvester fleet reseller_mix": 2, "harvester math_sweep": 1,
                                  "student": 1}


def test_the_readme_section_is_replaced_between_its_markers_only(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- evaluation:begin -->\nold table\n<!-- evaluation:end -->\noutro\n")
    assert replace_section(readme, "evaluation", "| new |") == (
        "intro\n<!-- evaluation:begin -->\n| new |\n<!-- evaluation:end -->\noutro\n")
    readme.write_text("no markers here\n")
    with pytest.raises(ValueError, match="evaluation:begin"):
        replace_section(readme, "evaluation", "| new |")


def test_suite_options_refuse_shared_seeds_and_unknown_folds():
    with pytest.raises(ValueError, match="must not share a seed"):
        SuiteOptions(seeds=[0, 1], tune_seeds=[1, 2])
    with pytest.raises(ValueError, match="unknown"):
        SuiteOptions(holdouts=["strategy", "timezone"])


def test_the_suite_without_corpora_fails_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), f"simulate.corpus={tmp_path / 'none'}",
                           f"eval.out_dir={tmp_path / 'out'}"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: simulate.corpus=") and "eval.traffic" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the prompt corpora are not at {CORPUS}")
def test_a_small_suite_runs_from_the_evaluate_command(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), "suite=small",
                           f"simulate.corpus={CORPUS}", f"eval.out_dir={out}", f"eval.cache_dir={tmp_path / 'cache'}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    saved = json.loads((out / "suite.json").read_text())
    metrics = saved["metrics"]
    assert {"suite/loo/auroc", "suite/loo/strategy_tpr_worst", "suite/loo/fleet_shape_tpr_worst",
            "suite/another_day/score_change_max", "suite/short_batch/users_flagged_max"} <= set(metrics)
    assert metrics["suite/full/auroc"] > 0.9, "the full combiner separates the small day's harvesters"
    assert 0 <= metrics["suite/short_batch/users_flagged_max"] <= 1
    report = (out / "suite.md").read_text()
    assert "| AUROC |" in report and "strategy=self_instruct" in report and "fleet_shape=topic_slices" in report
