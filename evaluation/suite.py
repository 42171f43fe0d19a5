"""The evaluation suite: labelled days of every strategy, fleet shape and benign kind, judged leave-one-out.

For every seed the suite simulates a tuning day and a reporting day (``synthetic.labelled``),
computes every account's and campaign's features once with the daily job's code, and then:

- **full**: the combiner fitted on all tuning days scores each reporting day;
- **leave-one-out**: for each harvester strategy (with its generator corpora), each fleet
  shape and each generator corpus, a combiner fitted on the tuning days *without* it scores
  it. Its recall is measured at the 1%-false-positive-rate rank threshold of that day's
  benign accounts and at the fold's own fitted threshold (``flagged``).

Every figure is reported per seed, with the mean and the worst beside it; the README's
evaluation table is :func:`evaluation.suite_report.floor_table` of the result.

No fold refits the topic reference: it is fitted without labels on a balanced sample of the
tuning days' prompts (only its benign cell shares read labels, and no harvester's), as a
deployed reference is fitted on earlier days' traffic.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from embedder import EmbedderOptions
from evaluation.days import day_signals, labelled_day, partial_signals
from evaluation.metrics import auroc, tpr_at_fpr
from evaluation.signals import DaySignals, rescore
from evaluation.training import Holdout, fit_on, labelled_accounts, training_rows, without
from files.atomic import atomic_path
from files.tables import write_json
from job.pipeline import Detector
from synthetic.labelled.day import SimulateOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuiteOptions:
    """The suite's days and folds (``conf/suite/``).

    Attributes:
        seeds: seeds of the reporting days (split ``report``), one figure each.
        tune_seeds: seeds of the tuning days (split ``tune``) every fold is fitted on (and the
            shipped combiners, ``tools/fit_reference.py``).
        max_fpr: the benign false-positive rate at which recall is read, in (0, 1).
        fit_fpr: the benign share a fitted threshold admits on the tuning days, in (0, 1).
        hard_fpr: the share of the tuning days' hard negatives (pipelines, eval runners, students...) a
            fitted threshold admits, read the same way, in (0, 1).
        peers_fpr: the further benign share the one-class path (``scoring.peers``) may flag, in [0, 1);
            0 leaves it out.
        campaign_fpr: the share of a batch's benign accounts that benign campaigns may flag on the tuning
            days (whole days and first hours each), read on out-of-day scores; the campaign threshold
            is never below even odds.
        c: inverse L2 strength of the campaign combiner's logistic regression.
        holdouts: which leave-one-out folds to run: any of ``strategy``, ``fleet_shape``, ``corpus``.
        checks: also run the stability checks (:mod:`evaluation.checks`) with the configured detector.
        short_batch_hours: the length of the short batch the checks score alone.
        partial_hours: the first hours of each tuning day whose benign accounts join the one-class
            path's reference beside the whole days', so that an account of a partial day (an hourly
            batch) is judged against ordinary accounts of partial days; lengths other than
            ``short_batch_hours``, so that the check reads a length the fit never saw. Empty: whole days only.
    """

    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    tune_seeds: list[int] = field(default_factory=lambda: [100, 101, 102, 103, 104, 105])
    max_fpr: float = 0.01
    fit_fpr: float = 0.005
    hard_fpr: float = 0.005
    peers_fpr: float = 0.0025
    campaign_fpr: float = 0.005
    c: float = 1.0
    holdouts: list[str] = field(default_factory=lambda: ["strategy", "fleet_shape", "corpus"])
    checks: bool = True
    short_batch_hours: float = 2.0
    partial_hours: list[float] = field(default_factory=lambda: [1.0, 4.0])

    def __post_init__(self) -> None:
        if not self.seeds or not self.tune_seeds:
            raise ValueError("suite.seeds and suite.tune_seeds must each name at least one seed")
        if set(self.seeds) & set(self.tune_seeds):
            raise ValueError("suite.seeds and suite.tune_seeds must not share a seed")
        if not 0 < self.max_fpr < 1 or not 0 < self.fit_fpr < 1 or not 0 < self.hard_fpr < 1:
            raise ValueError("suite.max_fpr, suite.fit_fpr and suite.hard_fpr must be in (0, 1)")
        if not 0 < self.campaign_fpr < 1:
            raise ValueError("suite.campaign_fpr must be in (0, 1)")
        if not 0 <= self.peers_fpr < 1:
            raise ValueError("suite.peers_fpr must be in [0, 1); 0 leaves the one-class path out")
        if self.c <= 0 or self.short_batch_hours <= 0:
            raise ValueError("suite.c and suite.short_batch_hours must be > 0")
        if any(not 0 < h < 24 for h in self.partial_hours):
            raise ValueError(f"suite.partial_hours must each be in (0, 24) hours, got {list(self.partial_hours)}")
        unknown = set(self.holdouts) - {"strategy", "fleet_shape", "corpus"}
        if unknown:
            raise ValueError(f"suite.holdouts: unknown {sorted(unknown)}; choose strategy, fleet_shape or corpus")


@dataclass(frozen=True)
class LabelledDay:
    """One simulated day: its traffic file, labels and features, and those of its first hours (``partial``)."""

    traffic: Path
    labels: pd.DataFrame
    signals: DaySignals
    partial: tuple[DaySignals, ...] = ()


def suite_days(simulate: SimulateOptions, seeds: list[int], *, split: str, detector: Detector,
               embedder: EmbedderOptions, cache_dir: str | Path,
               partial_hours: list[float] = ()) -> list[LabelledDay]:
    """The suite's labelled days of one split, and their first ``partial_hours``, simulated and featurised
    once (cached)."""
    days = []
    for seed in seeds:
        options = dataclasses.replace(simulate, split=split, seed=seed)
        traffic, labels = labelled_day(options, cache_dir=cache_dir)
        signals, _ = day_signals(traffic, detector, embedder=embedder, cache_dir=cache_dir)
        partial = partial_signals(traffic, detector, embedder=embedder, cache_dir=cache_dir, hours=partial_hours)
        days.append(LabelledDay(traffic=traffic, labels=pd.read_parquet(labels), signals=signals, partial=partial))
    return days


def folds(rows: pd.DataFrame, kinds: list[str]) -> list[Holdout]:
    """Every holdout of the requested kinds that the tuning rows hold (strategies but the fleet)."""
    out = []
    for kind in kinds:
        names = set(rows[kind])
        if f"{kind}_all" in rows:
            names |= {n for joined in rows[f"{kind}_all"].dropna() for n in joined.split("|")}
        names = sorted(names - {"", "fleet"})
        out += [Holdout(kind, name) for name in names]
    return out


def run_suite(tune: list[LabelledDay], report: list[LabelledDay], *, options: SuiteOptions,
              min_prompts: int, max_exchange: float) -> dict:
    """Fit the full and leave-one-out combiners on the tuning days and measure them on the reporting days.

    Returns ``{"full": per-seed metrics, "folds": {holdout: per-seed metrics}, "loo": per-seed totals}``.
    """
    rows = training_rows([(d.signals, d.labels) for d in tune], min_prompts=min_prompts,
                         partial=[d.partial for d in tune])
    result: dict = {"full": {}, "folds": {}, "loo": {}}
    full = fit_on(rows, reference=None, max_fpr=options.fit_fpr, max_hard_fpr=options.hard_fpr, c=options.c,
                  peers_fpr=options.peers_fpr,
                  campaign_fpr=options.campaign_fpr,
                  fitted_on="all tuning days")
    for seed, day in zip(options.seeds, report):
        result["full"][seed] = measure(day, full, None, max_fpr=options.max_fpr, min_prompts=min_prompts,
                                       max_exchange=max_exchange)
    for holdout in folds(rows, options.holdouts):
        model = fit_on(without(rows, holdout), reference=None, max_fpr=options.fit_fpr,
                       max_hard_fpr=options.hard_fpr, c=options.c,
                       peers_fpr=options.peers_fpr, campaign_fpr=options.campaign_fpr,
                       fitted_on=f"without {holdout}")
        result["folds"][str(holdout)] = {
            seed: measure(day, model, holdout, max_fpr=options.max_fpr, min_prompts=min_prompts,
                          max_exchange=max_exchange)
            for seed, day in zip(options.seeds, report)}
    for seed in options.seeds:
        strategy_folds = [f[seed] for name, f in result["folds"].items()
                          if name.startswith(("strategy=", "fleet_shape=")) and f[seed]["n_held"]]
        result["loo"][seed] = _pooled(strategy_folds)
    return result


def measure(day: LabelledDay, model, holdout: Holdout | None, *, max_fpr: float, min_prompts: int,
            max_exchange: float) -> dict:
    """One fold on one reporting day: the held-out accounts (all harvesters for the full model) against
    every benign account, at the benign ``max_fpr`` rank threshold and at the fitted thresholds."""
    scored = rescore(day.signals, model, threshold=model.combiner.threshold,
                     campaign_threshold=model.campaign_combiner.threshold, min_prompts=min_prompts,
                     max_exchange=max_exchange)
    table = labelled_accounts(DaySignals(scored, day.signals.campaigns), day.labels)
    harvester = (table["label"] == "harvester").to_numpy()
    held = harvester if holdout is None else harvester & (table[holdout.kind] == holdout.name).to_numpy()
    benign = ~harvester
    score, flagged = table["score"].to_numpy(float), table["flagged"].to_numpy(bool)
    out = {"n_held": int(held.sum()), "flagged_fpr": float(flagged[benign].mean()),
           "flagged_hard_negative_fpr": _share(flagged, benign & table["hard_negative"].fillna(False).to_numpy(bool)),
           "flagged_benign_kinds": table[benign & flagged]["kind"].value_counts().to_dict()}
    if not held.any():
        return out
    keep = held | benign
    labels = harvester[keep].astype(int)
    at = tpr_at_fpr(labels, score[keep], max_fpr=max_fpr)
    out.update(auroc=auroc(labels, score[keep]), tpr=at["tpr"], threshold=at["threshold"],
               flagged_recall=float(flagged[held].mean()), hits=int((score[held] >= at["threshold"]).sum()),
               flagged_hits=int(flagged[held].sum()))
    if holdout is None:
        strategies = table["strategy"].fillna("").to_numpy(str)
        out["tpr_by_strategy"] = {s: float((score[harvester & (strategies == s)] >= at["threshold"]).mean())
                                  for s in sorted(set(strategies[harvester]))}
        shapes = table["fleet_shape"].fillna("").to_numpy(str)
        out["tpr_by_fleet_shape"] = {s: float((score[harvester & (shapes == s)] >= at["threshold"]).mean())
                                     for s in sorted(set(shapes[harvester]) - {""})}
    return out


def _pooled(parts: list[dict]) -> dict:
    """Leave-one-out totals of a seed: every harvester judged by the fold that held its strategy out."""
    n = sum(p["n_held"] for p in parts)
    if not n:
        return {}
    return {"n_held": n, "tpr": sum(p["hits"] for p in parts) / n,
            "flagged_recall": sum(p["flagged_hits"] for p in parts) / n,
            "auroc": sum(p["auroc"] * p["n_held"] for p in parts) / n,
            "worst_strategy_tpr": min(p["tpr"] for p in parts),
            "flagged_fpr_max": max(p["flagged_fpr"] for p in parts),
            "flagged_hard_negative_fpr_max": np.nanmax([p["flagged_hard_negative_fpr"] for p in parts])}


def _share(hit: np.ndarray, among: np.ndarray) -> float:
    return float(hit[among].mean()) if among.any() else float("nan")


def evaluate_suite(*, simulate: SimulateOptions, detector: Detector, embedder: EmbedderOptions,
                   suite: SuiteOptions, cache_dir: str | Path, out_dir: str | Path,
                   readme: Path | None = None) -> dict[str, float]:
    """Run the suite and the stability checks, write ``suite.json`` and ``suite.md`` to ``out_dir``
    (and the worst-case table into ``readme``); returns :func:`evaluation.suite_report.flat_metrics`.

    The folds refit only the combiners, on cached features; the checks score with ``detector``
    itself (its reference, combiners and thresholds: what the daily job ships).
    """
    from evaluation.checks import another_day, short_batch
    from evaluation.suite_report import flat_metrics, floor_table, fold_table
    from files.sections import write_section

    tune = suite_days(simulate, suite.tune_seeds, split="tune", detector=detector, embedder=embedder,
                      cache_dir=cache_dir, partial_hours=suite.partial_hours)
    report = suite_days(simulate, suite.seeds, split="report", detector=detector, embedder=embedder,
                        cache_dir=cache_dir)
    result = run_suite(tune, report, options=suite, min_prompts=detector.scoring.min_prompts,
                       max_exchange=detector.scoring.campaigns.max_exchange)
    checks = None
    if suite.checks:
        days = [(d.traffic, d.labels) for d in report]
        other = days[1] if len(days) > 1 else (tune[0].traffic, tune[0].labels)
        checks = {"another_day": another_day(days[0], other, detector, embedder=embedder, cache_dir=cache_dir),
                  "short_batch": [short_batch(d, detector, embedder=embedder, cache_dir=cache_dir,
                                              hours=suite.short_batch_hours) for d in days]}
    metrics = flat_metrics(result, checks)
    table = floor_table(result, checks, seeds=suite.seeds)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json({"metrics": metrics, "result": result, "checks": checks,
                "options": dataclasses.asdict(suite)}, out / "suite.json")
    with atomic_path(out / "suite.md") as tmp:
        tmp.write_text(table + "\n\n" + fold_table(result, seeds=suite.seeds) + "\n")
    if readme is not None:
        write_section(readme, "evaluation", table)
    log.info("\n%s", table)
    return metrics
