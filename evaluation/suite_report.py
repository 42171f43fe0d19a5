"""The suite's results as a user reads them: the worst-case table beside the floors, every fold, flat metrics.

:func:`floor_table` is the README's evaluation table (``scripts/evaluate.py eval.readme=true``
writes it between the README's ``evaluation`` markers, :func:`files.sections.write_section`); :func:`fold_table` lists every
leave-one-out fold per seed; :func:`flat_metrics` are the names a sweep may optimise.
"""

from __future__ import annotations

import math

import numpy as np

# What the detector must reach, leave-one-out, on every seed: (metric, direction, bound).
FLOORS = {
    "auroc": (">=", 0.98), "tpr": (">=", 0.90), "worst_strategy": (">=", 0.80), "worst_fleet_shape": (">=", 0.95),
    "flagged_fpr": ("<=", 0.01), "flagged_hard_negative_fpr": ("<=", 0.02),
    "score_change_max": ("<=", 0.05), "flips": ("<=", 0), "short_users_flagged": ("<=", 0.02),
    "short_hard_negatives_flagged": ("<=", 0),
}


def fold_worst(result: dict, kind: str) -> tuple[float, float, str]:
    """Over the folds of one holdout kind: (mean over folds and seeds, worst value, the worst fold and seed)
    of the recall at the benign-FPR threshold."""
    values = [(f[s]["tpr"], f"{name.split('=', 1)[1]}, seed {s}") for name, f in result["folds"].items()
              if name.startswith(f"{kind}=") for s in f if f[s].get("n_held")]
    if not values:
        return math.nan, math.nan, ""
    worst = min(values)
    return float(np.mean([v for v, _ in values])), worst[0], worst[1]


def flat_metrics(result: dict, checks: dict | None) -> dict[str, float]:
    """Every headline figure under a ``suite/`` name (means, and worsts across seeds and folds)."""
    loo = [result["loo"][s] for s in result["loo"] if result["loo"][s]]
    out: dict[str, float] = {}
    for key in ("auroc", "tpr", "flagged_recall"):
        values = [p[key] for p in loo]
        out[f"suite/loo/{key}"], out[f"suite/loo/{key}_worst"] = float(np.mean(values)), float(np.min(values))
    for kind in ("strategy", "fleet_shape", "corpus"):
        mean, worst, _ = fold_worst(result, kind)
        out[f"suite/loo/{kind}_tpr"], out[f"suite/loo/{kind}_tpr_worst"] = mean, worst
    out["suite/flagged_fpr_max"] = float(max(p["flagged_fpr_max"] for p in loo))
    out["suite/flagged_hard_negative_fpr_max"] = float(np.nanmax([p["flagged_hard_negative_fpr_max"] for p in loo]))
    full = list(result["full"].values())
    for key in ("auroc", "tpr", "flagged_recall", "flagged_fpr", "flagged_hard_negative_fpr"):
        out[f"suite/full/{key}"] = float(np.nanmean([f[key] for f in full]))
    if checks:
        out["suite/another_day/score_change_max"] = checks["another_day"]["score_change_max"]
        out["suite/another_day/flips"] = float(checks["another_day"]["flips"])
        batches = checks["short_batch"]
        out["suite/short_batch/users_flagged_max"] = max(b["users_flagged"] for b in batches)
        out["suite/short_batch/hard_negatives_flagged"] = float(sum(b["hard_negatives_flagged"] for b in batches))
    return out


def floor_table(result: dict, checks: dict | None, *, seeds: list[int]) -> str:
    """The worst-case table: each headline figure's mean and worst over the reporting seeds (and folds),
    the floor it must reach, and whether it does."""
    loo = {s: result["loo"][s] for s in seeds if result["loo"].get(s)}

    def seeds_row(label: str, key: str, floor: str, *, pct: bool = False, worst=min) -> str:
        values = [loo[s][key] for s in loo]
        return _row(label, float(np.mean(values)), float(worst(values)), floor, pct=pct)

    rows = [seeds_row("AUROC", "auroc", "auroc"), seeds_row("TPR at 1% benign FPR", "tpr", "tpr")]
    for kind, label in (("strategy", "each strategy"), ("fleet_shape", "each fleet shape")):
        mean, worst, where = fold_worst(result, kind)
        rows.append(_row(f"{label}: TPR at 1% benign FPR (worst: {where})", mean, worst, f"worst_{kind}"))
    mean, worst, where = fold_worst(result, "corpus")
    if where:
        rows.append(_row(f"each generator corpus: TPR at 1% benign FPR (worst: {where})", mean, worst, None))
    rows += [seeds_row("`flagged`: recall", "flagged_recall", None),
             seeds_row("`flagged`: benign FPR (worst fold)", "flagged_fpr_max", "flagged_fpr", pct=True, worst=max),
             seeds_row("`flagged`: hard-negative FPR (worst fold)", "flagged_hard_negative_fpr_max",
                       "flagged_hard_negative_fpr", pct=True, worst=max)]
    if checks:
        day = checks["another_day"]
        rows.append(_row(f"same traffic on another day: largest score change ({day['accounts']} accounts)",
                         day["score_change_p95"], day["score_change_max"], "score_change_max", mean_label="p95"))
        most = max(day.get("flips_by_kind", {}).items(), key=lambda kv: (kv[1], kv[0]), default=None)
        where = f" (most: {most[0]}, {most[1]})" if most and day["flips"] else ""
        rows.append(_row(f"same traffic on another day: verdict flips{where}", math.nan, day["flips"], "flips",
                         integer=True))
        if "own_flips" in day:
            rows.append(_row("same traffic on another day: own score change (before campaigns)",
                             day["own_score_change_p95"], day["own_score_change_max"], None, mean_label="p95"))
            rows.append(_row("same traffic on another day: own verdict flips (before campaigns)", math.nan,
                             day["own_flips"], None, integer=True))
        batches = checks["short_batch"]
        hours = batches[0]["hours"]
        users = [b["users_flagged"] for b in batches]
        rows.append(_row(f"first {hours:g} h scored alone: ordinary users flagged", float(np.mean(users)), max(users),
                         "short_users_flagged", pct=True))
        rows.append(_row(f"first {hours:g} h scored alone: hard negatives flagged", math.nan,
                         sum(b["hard_negatives_flagged"] for b in batches), "short_hard_negatives_flagged",
                         integer=True))
    head = ("| leave-one-out, reporting seeds " + ", ".join(map(str, seeds)) + " | mean | worst | floor | |\n"
            "|---|---:|---:|---:|:---:|")
    return head + "\n" + "\n".join(rows)


def _row(label: str, mean: float, worst: float, floor: str | None, *, pct: bool = False, integer: bool = False,
         mean_label: str = "") -> str:
    def cell(v: float) -> str:
        if v != v:
            return "–"
        if integer:
            return f"{int(v)}"
        return f"{100 * v:.2f}%" if pct else f"{v:.3f}"

    mean_cell = (f"{mean_label} " if mean_label and mean == mean else "") + cell(mean)
    if floor is None:
        return f"| {label} | {mean_cell} | {cell(worst)} | | |"
    op, bound = FLOORS[floor]
    ok = worst >= bound if op == ">=" else worst <= bound
    bound_cell = f"{op.replace('>=', '≥').replace('<=', '≤')} " + (f"{100 * bound:g}%" if pct else f"{bound:g}")
    return f"| {label} | {mean_cell} | {cell(worst)} | {bound_cell} | {'✓' if ok else '✗'} |"


def fold_table(result: dict, *, seeds: list[int]) -> str:
    """Every fold's recall per seed with the mean and the worst beside it, then the full combiner's figures."""
    def line(name: str, per_seed: dict, key: str) -> str:
        values = [per_seed.get(s, {}).get(key, float("nan")) for s in seeds]
        cells = " | ".join(f"{v:.3f}" for v in values)
        return f"| {name} | {cells} | {np.nanmean(values):.3f} | {np.nanmin(values):.3f} |"

    head = "| | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | worst |"
    rule = "|---|" + "---:|" * (len(seeds) + 2)
    lines = ["**Leave-one-out folds** (each held-out strategy, fleet shape or corpus judged by a combiner "
             "fitted without it; recall at the 1%-benign-FPR rank threshold, then at the fold's fitted threshold)",
             "", head, rule]
    for name, per_seed in sorted(result["folds"].items()):
        lines.append(line(f"{name}: TPR @ 1% FPR", per_seed, "tpr"))
        lines.append(line(f"{name}: `flagged` recall", per_seed, "flagged_recall"))
    lines += ["", "**Full combiner** (fitted on every strategy of the tuning days)", "", head, rule,
              line("AUROC", result["full"], "auroc"), line("TPR @ 1% FPR", result["full"], "tpr"),
              line("`flagged` recall", result["full"], "flagged_recall"),
              line("`flagged` benign FPR", result["full"], "flagged_fpr"),
              line("`flagged` hard-negative FPR", result["full"], "flagged_hard_negative_fpr")]
    return "\n".join(lines)
