"""Fitting the shipped combiners: the account threshold holds hard negatives to their own budget, the
campaign threshold holds crowds to a benign budget."""

import numpy as np
import pandas as pd

from evaluation.training import fit_on
from scoring.features import FEATURES, campaign_values

BREADTH = [FEATURES.index(f) for f in ("breadth_domains", "breadth_subjects", "breadth_within")]


def tuning_rows(rng: np.random.Generator, *, days: int = 3, users: int = 300) -> pd.DataFrame:
    """Accounts and campaigns of a few tuning days: harvesters and fleets are broad, users are not, and one
    crowd of 40 users a day pools as broad as a fleet while its members differ a little more."""
    parts = []
    for day in range(days):
        benign = rng.normal(0.0, 1.0, size=(users, len(FEATURES)))
        harvest = rng.normal(0.0, 1.0, size=(40, len(FEATURES)))
        harvest[:, BREADTH] += 3.0
        accounts = pd.DataFrame(np.vstack([benign, harvest]), columns=list(FEATURES))
        accounts["label"] = ["benign"] * users + ["harvester"] * 40
        accounts["kind"] = ["user"] * users + ["harvester"] * 40
        accounts["strategy"] = [""] * users + ["sweep"] * 40
        accounts = accounts.assign(row="account", hard_negative=False, group=accounts["kind"])
        fleets = rng.normal(0.0, 1.0, size=(4, len(FEATURES)))
        fleets[:, BREADTH] += 3.0
        crowds = rng.normal(0.0, 1.0, size=(4, len(FEATURES)))
        crowds[0, BREADTH] += 3.0
        camps = pd.DataFrame(np.vstack([fleets, crowds]), columns=list(FEATURES))
        camps["label"] = ["harvester"] * 4 + ["benign"] * 4
        camps["group"] = ["campaign:fleet"] * 4 + ["campaign:benign"] * 4
        camps["exchange"] = [0.7] * 4 + [0.8, 1.3, 1.3, 1.3]
        camps = camps.assign(row="campaign", n_accounts=40, benign_accounts=users, batch=0, hard_negative=False)
        parts += [accounts.assign(day=day), camps.assign(day=day)]
    return pd.concat(parts, ignore_index=True).assign(partial=False)


def test_a_crowd_as_broad_as_a_fleet_lifts_the_campaign_threshold_above_even_odds():
    rows = tuning_rows(np.random.default_rng(0))
    fit = {"reference": None, "max_fpr": 0.005, "c": 1.0, "fitted_on": "test", "peers_fpr": 0.0}
    even = fit_on(rows, **fit)
    held = fit_on(rows, campaign_fpr=0.005, **fit)
    assert even.campaign_combiner.threshold == 0.5
    camps = rows[rows["row"] == "campaign"]
    values = campaign_values(camps[list(FEATURES)].to_numpy(float), camps["exchange"].to_numpy(float),
                             content=held.combiner.learned_logit)
    score = held.campaign_combiner.score(values)
    broad_crowd = (camps["label"] == "benign").to_numpy() & (camps["exchange"] == 0.8).to_numpy()
    assert (score[broad_crowd] >= 0.5).any(), "at even odds a broad crowd is flagged..."
    # ...but 40 of a day's 300 users is 27 times the budget: no crowd like it is flagged, the fleets still are.
    assert held.campaign_combiner.threshold > score[broad_crowd].max()
    fleets = (camps["label"] == "harvester").to_numpy()
    assert (score[fleets] >= held.campaign_combiner.threshold).mean() >= 0.75


def with_pipelines(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows with ten users a day turned into hard negatives as broad as the harvesters, and their index."""
    rows = rows.copy()
    users = rows.index[(rows["row"] == "account") & (rows["kind"] == "user")].to_numpy()
    hard = users.reshape(rows["day"].nunique(), -1)[:, :10].ravel()
    rows.loc[hard, "hard_negative"] = True
    rows.loc[hard, [FEATURES[i] for i in BREADTH]] += 3.0
    return rows, hard


def test_hard_negatives_are_held_to_their_own_budget():
    rows, _ = with_pipelines(tuning_rows(np.random.default_rng(1)))
    fit = {"reference": None, "max_fpr": 0.005, "c": 1.0, "fitted_on": "test", "peers_fpr": 0.0}
    loose, tight = fit_on(rows, max_hard_fpr=0.5, **fit), fit_on(rows, max_hard_fpr=0.02, **fit)
    # Read on days neither combiner saw.
    unseen, hard = with_pipelines(tuning_rows(np.random.default_rng(2)))
    values = unseen.loc[hard, list(FEATURES)].to_numpy(float)
    flagged = {name: float((m.combiner.score(values) >= m.combiner.threshold).mean())
               for name, m in (("loose", loose), ("tight", tight))}
    assert tight.combiner.threshold > loose.combiner.threshold
    assert flagged["tight"] < flagged["loose"], flagged
