"""Fit the shipped scoring model: the benign topic reference and the combiner, on tuning days.

    python tools/fit_reference.py                      # writes scoring/shipped/{topics.npz,combiner.json,fit.json}
    python tools/fit_reference.py --out my-reference   # then: scripts/score.py scoring.reference=my-reference
    python tools/fit_reference.py --combiners-only     # keeps topics.npz, refits the combiners

1. Labelled tuning days are simulated from the corpora (``--corpus``; split ``tune``, seeds
   ``--seeds``), as the evaluation suite simulates them.
2. The topic reference is fitted on the topic vectors of the *benign* accounts' prompts only
   (a sample per day): the ordinary topic space, which no harvester strategy shaped, so a
   leave-one-out fold needs no reference of its own.
3. Every account's and campaign's features are computed in it, with the daily job's code.
4. The combiner is fitted on them (:mod:`evaluation.training`), its threshold at
   ``--max-fpr`` of the tuning days' benign accounts; the one-class path's reference also holds the
   benign accounts of each tuning day's first hours (``suite.partial_hours``).

No prompt text is written: the reference holds centroids and cell shares, the combiner
weights. ``fit.json`` records what it was fitted on and the tuning-day figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from embedder import EmbedderOptions
from evaluation.days import day_signals, labelled_day, partial_signals
from evaluation.suite import SuiteOptions
from evaluation.training import fit_on, training_rows
from files.tables import write_json
from index.options import IndexOptions
from job.ingest import ingest
from job.pipeline import Detector, find_structure
from job.stage_timer import StageTimer
from job.wiring import open_models
from scoring.combiner import Combiner, save_combiner
from scoring.features import CAMPAIGN_FEATURES, FEATURES
from scoring.model import SHIPPED, ScoringModel
from scoring.options import ScoringOptions
from scoring.reference import PROBE_WORDS, align, fit_reference, load_reference, save_reference
from synthetic.labelled.day import SimulateOptions
from traffic.read import InputOptions, read_traffic

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("fit_reference")


def reference_topic_vectors(traffic: Path, labels: pd.DataFrame, detector: Detector, *, per_account: int,
                            per_group: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Topic vectors of a balanced sample of one day's prompts, their account codes, and whether benign.

    Every kind of traffic shapes the cells (the reference is the topic space of the traffic, as a
    day-trained codebook was), but none dominates: an account gives at most ``per_account`` prompts
    and a benign kind or harvester strategy at most ``per_group``.
    """
    main = detector.models.main
    day = ingest(read_traffic(InputOptions(path=str(traffic))), embed=main.encode, dim=main.dim,
                 reject=lambda bad: None, progress=False)
    found = find_structure(day, detector, timer=StageTimer())
    truth = labels.set_index("account_id").reindex(day.accounts)
    group = np.where(truth["label"] == "harvester", truth["strategy"].fillna(""), truth["kind"].fillna("")).astype(str)
    rng = np.random.default_rng(seed)
    node_account = found.nodes.account
    order = rng.permutation(len(node_account))
    rank = pd.Series(node_account[order]).groupby(node_account[order]).cumcount().to_numpy()
    kept = order[rank < per_account]
    kept = kept[rng.permutation(len(kept))]
    rank = pd.Series(group[node_account[kept]]).groupby(group[node_account[kept]]).cumcount().to_numpy()
    rows = np.sort(kept[rank < per_group])
    benign = (truth["label"].to_numpy() == "benign")[node_account[rows]]
    return found.topics.of(found.nodes, found.groups.family)(rows), node_account[rows], benign


def main(argv: list[str] | None = None) -> int:
    """Fit and write the reference and the combiner; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "data" / "prompts"))
    suite = SuiteOptions()
    parser.add_argument("--seeds", default=",".join(map(str, suite.tune_seeds)),
                        help="seeds of the tuning days (default: the suite's suite.tune_seeds)")
    parser.add_argument("--out", default=str(SHIPPED), help="folder to write (default: the shipped one)")
    parser.add_argument("--cache", default=str(REPO / "outputs" / "eval-cache"), help="simulated days and features")
    parser.add_argument("--max-fpr", type=float, default=suite.fit_fpr,
                        help="benign share the threshold admits (default: suite.fit_fpr)")
    parser.add_argument("--hard-fpr", type=float, default=suite.hard_fpr,
                        help="hard-negative share the threshold admits (default: suite.hard_fpr)")
    parser.add_argument("--peers-fpr", type=float, default=suite.peers_fpr,
                        help="further benign share the one-class path may flag (default: suite.peers_fpr)")
    parser.add_argument("--campaign-fpr", type=float, default=suite.campaign_fpr,
                        help="benign share of a batch that benign campaigns may flag (default: suite.campaign_fpr)")
    parser.add_argument("--c", type=float, default=suite.c,
                        help="inverse L2 strength of the campaign regression (default: suite.c)")
    parser.add_argument("--combiners-only", action="store_true",
                        help="keep the topic reference in --out (its cells, so cached features stay valid) and "
                             "refit only the combiners")
    parser.add_argument("--per-account", type=int, default=40, help="prompts an account gives the reference (40)")
    parser.add_argument("--per-group", type=int, default=4_000, help="... and a kind or strategy per day (4000)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    embedder, index, scoring = EmbedderOptions(), IndexOptions(), ScoringOptions()
    models = open_models(embedder, scoring=scoring)
    neutral = ScoringModel(None, Combiner.neutral(FEATURES), Combiner.neutral(CAMPAIGN_FEATURES))
    bootstrap = Detector(models=models, model=neutral, index=index, scoring=scoring)
    days = [labelled_day(SimulateOptions(corpus=args.corpus, split="tune", seed=s), cache_dir=args.cache)
            for s in seeds]
    if args.combiners_only:
        reference = align(load_reference(out / "topics.npz"), models.main.encode(list(PROBE_WORDS)))
        previous = json.loads((out / "fit.json").read_text())["reference"] if (out / "fit.json").is_file() else {}
        fitted_on, prompts = reference.fitted_on, previous.get("prompts")
    else:
        parts = [reference_topic_vectors(t, pd.read_parquet(lab), bootstrap, per_account=args.per_account,
                                         per_group=args.per_group, seed=i) for i, (t, lab) in enumerate(days)]
        vectors = np.concatenate([v for v, _, _ in parts])
        account = np.concatenate([a + 10_000_000 * i for i, (_, a, _) in enumerate(parts)])
        benign = np.concatenate([b for _, _, b in parts])
        fitted_on = (f"a balanced sample of tuning days' prompts (split tune, seeds {args.seeds}) of "
                     f"{Path(args.corpus).name}")
        reference = fit_reference(vectors, benign=benign, account=account,
                                  probes=models.main.encode(list(PROBE_WORDS)), model=models.main.identity,
                                  fitted_on=fitted_on)
        save_reference(reference, out / "topics.npz")
        prompts = int(len(vectors))
    log.info("reference: %d domains x %d subjects, typical %s", reference.n_coarse, reference.n_fine,
             reference.typical)
    detector = Detector(models=models, model=dataclasses.replace(neutral, reference=reference), index=index,
                        scoring=dataclasses.replace(scoring, reference=str(out)))
    labelled = [(day_signals(t, detector, embedder=embedder, cache_dir=args.cache)[0], pd.read_parquet(lab))
                for t, lab in days]
    partial = [partial_signals(t, detector, embedder=embedder, cache_dir=args.cache, hours=suite.partial_hours)
               for t, _ in days]
    rows = training_rows(labelled, min_prompts=scoring.min_prompts, partial=partial)
    model = fit_on(rows, reference=reference, max_fpr=args.max_fpr, max_hard_fpr=args.hard_fpr, c=args.c,
                   peers_fpr=args.peers_fpr,
                   campaign_fpr=args.campaign_fpr,
                   fitted_on=f"accounts and campaigns of tuning days (seeds {args.seeds})")
    save_combiner(model.combiner, out / "combiner.json")
    save_combiner(model.campaign_combiner, out / "campaign_combiner.json")
    write_json({"reference": {"fitted_on": fitted_on, "prompts": prompts, "typical": reference.typical},
                "combiner": _report(model.combiner), "campaign_combiner": _report(model.campaign_combiner),
                "rows": rows.groupby("group").size().to_dict(),
                "options": {"max_fpr": args.max_fpr, "hard_fpr": args.hard_fpr, "peers_fpr": args.peers_fpr,
                            "campaign_fpr": args.campaign_fpr, "c": args.c, "seeds": seeds,
                            "partial_hours": list(suite.partial_hours)}},
               out / "fit.json")
    for name, combiner in (("account", model.combiner), ("campaign", model.campaign_combiner)):
        log.info("%s combiner: %s", name, _report(combiner))
    return 0


def _report(combiner: Combiner) -> dict:
    report = {"kind": combiner.kind, "threshold": combiner.threshold, "bias": combiner.bias,
              "benign_reference": dict(zip(combiner.features, combiner.mean.tolist()))}
    if combiner.weights is not None:
        report["weights"] = {f: float(w) for f, w in zip(combiner.features, combiner.weights)}
    else:
        report["trees"] = len(combiner.trees)
    if combiner.peers is not None:
        report["peers"] = {"accounts": len(combiner.peers.volume), "peers": combiner.peers.peers,
                           "k": combiner.peers.k, "origin": combiner.peers.origin, "slope": combiner.peers.slope}
    return report


if __name__ == "__main__":
    sys.exit(main())
