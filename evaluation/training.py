"""Training rows for the combiner: labelled accounts and campaigns of tuning days, and holdouts.

Every account with enough distinct prompts to be judged is a row; so is every campaign
(its pooled features), labelled by the majority of its members. A fleet's accounts are
not rows of their own: a fleet is judged through its campaign, and teaching the
combiner that every small account of a fleet is a harvester would teach it that small
accounts are. Each group (a harvester strategy, a fleet shape, a benign kind) weighs the
same within its class, and the two classes the same, so a 300-account fleet or 1,500
users do not drown a strategy of six accounts.

A holdout (:class:`Holdout`) removes a strategy and its generator corpora, a fleet shape,
or one corpus from the rows, so the combiner fitted on the rest is the one that judges it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.signals import DaySignals
from scoring.campaign_verdicts import pool_flagged
from scoring.combiner import benign_threshold, fit_combiner, out_of_day_scores, with_threshold
from scoring.features import CAMPAIGN_DIRECTION, CAMPAIGN_FEATURES, DIRECTION, FEATURES, campaign_values
from scoring.model import ScoringModel
from scoring.peers import fit_peers

LABEL_COLUMNS = ("label", "kind", "strategy", "hard_negative", "corpus", "fleet_shape", "operation")


@dataclass(frozen=True)
class Holdout:
    """What a fold leaves out of the training rows: ``kind`` is ``strategy``, ``fleet_shape`` or ``corpus``."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}={self.name}"


def labelled_accounts(signals: DaySignals, labels: pd.DataFrame) -> pd.DataFrame:
    """The day's accounts with their labels (missing label columns filled empty; the labels' ``campaign``,
    the true operation, becomes ``operation`` beside the detector's ``campaign``)."""
    labels = labels.rename(columns={"campaign": "operation"})
    for column in LABEL_COLUMNS:
        if column not in labels:
            labels[column] = False if column == "hard_negative" else ""
    return signals.accounts.merge(labels[["account_id", *LABEL_COLUMNS]], on="account_id", how="left")


def labelled_campaigns(signals: DaySignals, accounts: pd.DataFrame) -> pd.DataFrame:
    """The day's campaigns, each labelled by the majority of its members (their strategy, shape, corpus)."""
    camps = signals.campaigns.copy()
    if not len(camps):
        return camps.assign(label="", strategy="", fleet_shape="", corpus="", kind="campaign", hard_negative=False)
    members = accounts[accounts["campaign"] >= 0]
    majority = members.groupby("campaign").agg(
        harvest=("label", lambda s: float((s == "harvester").mean())),
        strategy=("strategy", _mode), fleet_shape=("fleet_shape", _mode), corpus=("corpus", _mode))
    # Every strategy, shape and corpus with a tenth of a campaign's members, so that a fold holding one
    # out drops every campaign it helped form, not only those it is the majority of.
    harvesters = members[members["label"] == "harvester"]
    for column in ("strategy", "fleet_shape", "corpus"):
        share = harvesters.groupby(["campaign", column]).size() / members.groupby("campaign").size()
        share = share[share >= 0.1].reset_index()
        majority[f"{column}_all"] = share.groupby("campaign")[column].agg(lambda s: "|".join(sorted(set(s) - {""})))
    camps = camps.merge(majority, left_on="campaign", right_index=True, how="left")
    harvest = camps["harvest"].fillna(0.0) > 0.5
    camps["label"] = np.where(harvest, "harvester", "benign")
    for column in ("strategy", "fleet_shape", "corpus"):
        camps[column] = np.where(harvest, camps[column].fillna(""), "")
    camps["kind"], camps["hard_negative"] = "campaign", False
    return camps


def training_rows(days: list[tuple[DaySignals, pd.DataFrame]], *, min_prompts: int,
                  partial: list[tuple[DaySignals, ...]] | None = None) -> pd.DataFrame:
    """Every judgeable account and campaign of the labelled days, with a ``group``.

    ``partial[i]`` holds the features of day i's first hours (what a team that scores every few
    hours sees): their campaigns and their judgeable benign accounts are rows too, marked
    ``partial`` (see :func:`fit_on` for what reads them).
    """
    parts = []
    for day, (signals, labels) in enumerate(days):
        for batch, batch_signals in enumerate((signals, *(partial[day] if partial else ()))):
            accounts = labelled_accounts(batch_signals, labels)
            benign = accounts["label"] != "harvester"
            camps = labelled_campaigns(batch_signals, accounts).assign(benign_accounts=int(benign.sum()))
            # A first hours' accounts serve only the one-class reference, which reads no harvester.
            kept = (accounts["strategy"] != "fleet") if batch == 0 else benign
            tags = {"day": day, "partial": batch > 0, "batch": batch}
            parts += [accounts[(accounts["n_distinct"] >= min_prompts) & kept].assign(row="account", **tags),
                      camps.assign(row="campaign", **tags)]
    rows = pd.concat(parts, ignore_index=True)
    harvester = rows["label"] == "harvester"
    rows["group"] = np.where(harvester, np.where(rows["row"] == "campaign",
                                                 "campaign:" + rows["fleet_shape"].where(rows["fleet_shape"] != "",
                                                                                         rows["strategy"]),
                                                 rows["strategy"]),
                             np.where(rows["row"] == "campaign", "campaign:benign", rows["kind"]))
    return rows


def without(rows: pd.DataFrame, holdout: Holdout | None) -> pd.DataFrame:
    """The rows a fold trains on: all but the held-out strategy (and its corpora), shape or corpus."""
    if holdout is None:
        return rows
    def having(kind: str, names: set[str]) -> pd.Series:
        """Rows of these names: accounts by their label, campaigns by any member group of a tenth."""
        own = rows[kind].isin(names)
        if f"{kind}_all" not in rows:
            return own
        return own | rows[f"{kind}_all"].fillna("").map(lambda joined: bool(names & set(joined.split("|"))))

    if holdout.kind == "strategy":
        corpora = set(rows.loc[rows["strategy"] == holdout.name, "corpus"]) - {""}
        drop = having("strategy", {holdout.name}) | having("corpus", corpora)
    elif holdout.kind in ("fleet_shape", "corpus"):
        drop = having(holdout.kind, {holdout.name})
    else:
        raise ValueError(f"a holdout is a strategy, fleet_shape or corpus, not {holdout.kind!r}")
    return rows[~drop]


def balanced_weights(rows: pd.DataFrame) -> np.ndarray:
    """Each group the same total weight within its class, the two classes the same; mean weight 1."""
    harvester = (rows["label"] == "harvester").to_numpy()
    size = rows.groupby("group")["group"].transform("size").to_numpy(float)
    groups = rows.groupby(harvester)["group"].transform("nunique").to_numpy(float)
    return len(rows) / (2.0 * size * groups)


def fit_on(rows: pd.DataFrame, *, reference, max_fpr: float, c: float, fitted_on: str, peers_fpr: float,
           max_hard_fpr: float | None = None, campaign_fpr: float | None = None) -> ScoringModel:
    """The account and campaign combiners fitted on these rows.

    The account threshold flags at most ``max_fpr`` of the benign accounts and ``max_hard_fpr``
    (default: the same) of the hard negatives, each account counted once, on the scores each
    tuning day got from a combiner fitted on the other days: what an unseen day scores. The
    one-class path (:mod:`scoring.peers`) has the benign accounts for reference and may flag
    ``peers_fpr`` more of them (and of the hard negatives), read the same way; the benign
    accounts of the days' first hours (``partial`` rows) join its reference and are held to that
    budget on their own. The campaign combiner is fitted on the campaign rows, of whole days and
    of first hours, on the pool's content as the account combiner judges it and its members'
    exchangeability. Its threshold is the higher of even odds (its classes weigh the same) and
    ``campaign_fpr``'s budget (:func:`_campaign_threshold`); a campaign whose pool falls short of the
    account threshold as one account is never flagged.
    """
    whole = ~rows["partial"].astype(bool) if "partial" in rows else pd.Series(True, index=rows.index)
    accounts, campaigns = rows[(rows["row"] == "account") & whole], rows[rows["row"] == "campaign"]
    labels = (accounts["label"] == "harvester").to_numpy(int)
    values = accounts[list(FEATURES)].to_numpy(float)
    fit = {"features": FEATURES, "weight": balanced_weights(accounts), "signs": DIRECTION, "kind": "trees", "c": c}
    combiner = fit_combiner(values, labels, fitted_on=fitted_on, **fit)
    if accounts["day"].nunique() > 1:
        unseen = out_of_day_scores(values, labels, days=accounts["day"].to_numpy(), **fit)
    else:
        unseen = combiner.score(values)
    benign = labels == 0
    hard = benign & accounts["hard_negative"].fillna(False).to_numpy(bool)
    threshold = benign_threshold(unseen[benign], np.ones(int(benign.sum())), max_fpr=max_fpr)
    if hard.any():
        threshold = max(threshold, benign_threshold(unseen[hard], np.ones(int(hard.sum())),
                                                    max_fpr=max_fpr if max_hard_fpr is None else max_hard_fpr))
    combiner = with_threshold(combiner, threshold)
    if peers_fpr > 0:
        unseen = np.clip(unseen, 1e-12, 1 - 1e-12)
        partial = rows[(rows["row"] == "account") & ~whole & (rows["label"] != "harvester")]
        peers = fit_peers(np.vstack([values[benign], partial[list(FEATURES)].to_numpy(float)]), features=FEATURES,
                          days=np.concatenate([accounts["day"].to_numpy()[benign], partial["day"].to_numpy()]),
                          learned_logit=np.concatenate([np.log(unseen[benign] / (1 - unseen[benign])),
                                                        np.full(len(partial), np.nan)]),
                          threshold_logit=float(np.log(threshold / (1 - threshold))), max_fpr=peers_fpr,
                          hard=np.concatenate([hard[benign], partial["hard_negative"].fillna(False).to_numpy(bool)]),
                          partial=np.repeat([False, True], [int(benign.sum()), len(partial)]))
        combiner = dataclasses.replace(combiner, peers=peers)
    pooled = campaign_values(campaigns[list(FEATURES)].to_numpy(float), campaigns["exchange"].to_numpy(float),
                             content=combiner.learned_logit)
    camp_labels = (campaigns["label"] == "harvester").to_numpy(int)
    if len(set(camp_labels)) < 2:
        raise ValueError(f"the tuning rows hold campaigns of one class only ({fitted_on}); "
                         "add tuning days (suite.tune_seeds) so that both fleets and crowds form")
    campaign = fit_combiner(pooled, camp_labels, features=CAMPAIGN_FEATURES, weight=balanced_weights(campaigns),
                            signs=CAMPAIGN_DIRECTION, kind="linear", c=c, fitted_on=fitted_on)
    threshold = 0.5
    if campaign_fpr is not None and "benign_accounts" in campaigns:
        threshold = max(threshold, _campaign_threshold(campaigns, pooled, camp_labels, c=c, max_fpr=campaign_fpr,
                                                       account_threshold=combiner.threshold))
    return ScoringModel(reference=reference, combiner=combiner, campaign_combiner=with_threshold(campaign, threshold))


def _campaign_threshold(campaigns: pd.DataFrame, pooled: np.ndarray, labels: np.ndarray, *, c: float,
                        max_fpr: float, account_threshold: float) -> float:
    """The lowest campaign threshold at which the accounts flagged through benign campaigns are at most
    ``max_fpr`` of a batch's benign accounts, on out-of-day scores, whole days and first hours each on their own.

    Every member of a benign campaign counts, a harvester linked into a crowd too: a campaign verdict on
    a crowd is a false one for each account it sends to review. A campaign whose pool falls short of
    ``account_threshold`` as one account is never flagged (``scoring.campaign_verdicts.pool_flagged``),
    so it spends none of the budget.
    """
    unseen = out_of_day_scores(pooled, labels, days=campaigns["day"].to_numpy(), features=CAMPAIGN_FEATURES,
                               weight=balanced_weights(campaigns), signs=CAMPAIGN_DIRECTION, kind="linear", c=c)
    unseen = np.where(pool_flagged(pooled[:, 0], account_threshold=account_threshold), unseen, -np.inf)
    batch = campaigns["batch"].to_numpy()
    members = campaigns["n_accounts"].to_numpy(float)
    out = 0.0
    for whole in (True, False):
        part = (batch == 0) if whole else (batch > 0)
        held = part & (labels == 0)
        if not held.any():
            continue
        total = campaigns[part].groupby(["day", "batch"])["benign_accounts"].first().sum()
        # The benign accounts in no benign campaign are one row that is never flagged.
        scores = np.append(unseen[held], -np.inf)
        weight = np.append(members[held], max(float(total) - members[held].sum(), 0.0))
        out = max(out, benign_threshold(scores, weight, max_fpr=max_fpr))
    return out


def _mode(values: pd.Series) -> str:
    values = values.fillna("")
    return str(values.mode().iloc[0]) if len(values) else ""
