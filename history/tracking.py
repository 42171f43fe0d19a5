"""Campaigns followed from day to day.

A campaign keeps its id while most of its members stay: today's campaign takes the id of the
previous day's campaign that holds the largest share of that campaign's members, when the share
is at least :data:`KEEP_SHARE` (each previous id goes to one campaign at most). A fleet that
replaces its accounts keeps nothing by membership; it is linked to its earlier self
(``linked_to``) when the two share most of their template wording: the word 3-grams that recur
in at least :data:`GRAM_PROMPTS` of a campaign's prompts (a template's fixed words do; the
content filled into it does not) overlap by :data:`SAME_GENERATOR` of the smaller set.

Statuses: ``new`` (no earlier campaign), ``ongoing``, ``grown`` (at least :data:`GROWN` times
its members and two more), and, in ``alerts.csv`` only, ``ended`` (yesterday's campaign that no
campaign of today continues).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.arrays import run_starts
from scoring.tokens import TokenStore

KEEP_SHARE = 0.5
"""Share of an earlier campaign's members a campaign must hold to keep its id."""
GROWN = 1.2
"""A continued campaign this many times its earlier size (and two members more) has grown."""
SAME_GENERATOR = 0.5
"""Share of template wording (of the smaller set) two campaigns must share to be the same generator's."""
GRAM_PROMPTS = 3
"""A word 3-gram is part of a campaign's template wording when this many of its prompts hold it."""
MIN_GRAMS = 5
"""A campaign with fewer recurring 3-grams has no template wording to link it by."""


def without_history(campaigns: pd.DataFrame, *, day: str) -> pd.DataFrame:
    """The campaigns of a day scored alone: each is new today."""
    return campaigns.assign(first_day=day, last_day=day, days_active=1, status="new", linked_to="")


def template_wording(tokens: TokenStore, prompts: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per campaign (its prompts' ids in ``tokens``), the hashes of the word 3-grams that recur in at least
    :data:`GRAM_PROMPTS` of them: ``campaign_id, gram`` rows. The hashes are of the words, so they
    compare across days whatever each day's token ids."""
    word_hashes = tokens.word_hashes()
    rows = []
    for campaign, uids in prompts.items():
        flat, offsets = tokens.take(np.asarray(uids, dtype=np.int64))
        if len(flat) < 3:
            continue
        hashed = word_hashes[flat]
        prompt = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        same = prompt[:-2] == prompt[2:]
        with np.errstate(over="ignore"):
            gram = (hashed[:-2] * np.uint64(0x9E3779B97F4A7C15)) ^ (hashed[1:-1] * np.uint64(0xC2B2AE3D27D4EB4F)) \
                ^ hashed[2:]
        # Each (gram, prompt) once, then prompts per gram: one sort (a 2-column np.unique is far slower).
        gram, where = gram[same], prompt[:-2][same]
        order = np.lexsort((where, gram))
        gram, where = gram[order], where[order]
        first = np.concatenate([[True], (gram[1:] != gram[:-1]) | (where[1:] != where[:-1])])
        gram = gram[first]
        starts = run_starts(gram)
        counts = np.diff(np.append(starts, len(gram)))
        rows.append(pd.DataFrame({"campaign_id": campaign, "gram": gram[starts][counts >= GRAM_PROMPTS]}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame({"campaign_id": pd.Series(dtype=str),
                                                                         "gram": pd.Series(dtype=np.uint64)})


def follow(campaigns: pd.DataFrame, members: pd.DataFrame, *, wording: pd.DataFrame, previous: pd.DataFrame | None,
           previous_members: pd.DataFrame | None, previous_wording: pd.DataFrame | None,
           day: str) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Today's campaigns with their ids carried over and their history columns; the renaming applied
    (today's id -> kept id); and the alerts: campaigns new, grown or ended since the previous day.

    Args:
        campaigns: today's campaigns table (``campaign_id``, ``n_accounts``, ``top_templates``, ...).
        members: today's ``campaign_id, account_id`` pairs.
        wording: today's campaigns' template wording (:func:`template_wording`).
        previous, previous_members, previous_wording: the same of the previous stored day (None: none stored).
        day: today.
    """
    out = without_history(campaigns, day=day)
    if previous is None or not len(previous) or not len(campaigns):
        alerts = _alerts(out, previous, ended=set(previous["campaign_id"]) if previous is not None else set(), day=day)
        return out, {}, alerts
    # Members shared by each (today's, earlier) pair of campaigns: one join on account, not a pass per pair.
    shared = members.merge(previous_members, on="account_id", suffixes=("", "_before")) \
        .groupby(["campaign_id", "campaign_id_before"]).size()
    size_before = previous_members.groupby("campaign_id").size()
    pairs = [(n / size_before[old], n, now, old) for (now, old), n in shared.items()
             if n / size_before[old] >= KEEP_SHARE]
    renamed: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, now, old in sorted(pairs, key=lambda p: (-p[0], -p[1], p[2], p[3])):
        if now not in renamed and old not in taken:
            renamed[now] = old
            taken.add(old)
    earlier = previous.set_index("campaign_id")
    fingerprint = wording.groupby("campaign_id")["gram"].apply(set).to_dict()
    previous_fingerprint = previous_wording.groupby("campaign_id")["gram"].apply(set).to_dict() \
        if previous_wording is not None else {}
    rows = []
    for row in out.to_dict(orient="records"):
        old = renamed.get(row["campaign_id"])
        if old is not None:
            before = earlier.loc[old]
            grown = row["n_accounts"] >= GROWN * before["n_accounts"] and row["n_accounts"] >= before["n_accounts"] + 2
            row.update(campaign_id=old, first_day=before["first_day"], days_active=int(before["days_active"]) + 1,
                       status="grown" if grown else "ongoing", linked_to=before["linked_to"])
        else:
            candidates = {c: previous_fingerprint.get(c, set()) for c in previous["campaign_id"] if c not in taken}
            row["linked_to"] = _same_generator(fingerprint.get(row["campaign_id"], set()), candidates)
        rows.append(row)
    followed = pd.DataFrame(rows, columns=out.columns)
    alerts = _alerts(followed, previous, ended=set(previous["campaign_id"]) - taken, day=day)
    return followed, renamed, alerts


def _same_generator(mine: set, candidates: dict[str, set]) -> str:
    """The candidate sharing the largest share (at least :data:`SAME_GENERATOR`) of the smaller wording."""
    best, best_share = "", 0.0
    if len(mine) < MIN_GRAMS:
        return best
    for campaign, theirs in sorted(candidates.items()):
        if len(theirs) < MIN_GRAMS:
            continue
        share = len(mine & theirs) / min(len(mine), len(theirs))
        if share >= SAME_GENERATOR and share > best_share:
            best, best_share = campaign, share
    return best


ALERT_COLUMNS = ["day", "campaign_id", "status", "n_accounts", "previous_n_accounts", "score", "flagged",
                 "linked_to", "reason"]


def _alerts(today: pd.DataFrame, previous: pd.DataFrame | None, *, ended: set[str], day: str) -> pd.DataFrame:
    before = previous.set_index("campaign_id")["n_accounts"] if previous is not None and len(previous) else {}
    rows = [{"day": day, "campaign_id": r["campaign_id"], "status": r["status"], "n_accounts": int(r["n_accounts"]),
             "previous_n_accounts": int(before[r["campaign_id"]]) if r["campaign_id"] in before else 0,
             "score": float(r["score"]), "flagged": bool(r["flagged"]), "linked_to": r["linked_to"],
             "reason": r["reason"]}
            for r in today.to_dict(orient="records") if r["status"] in ("new", "grown")]
    if previous is not None and len(previous):
        gone = previous[previous["campaign_id"].isin(ended)]
        rows += [{"day": day, "campaign_id": r["campaign_id"], "status": "ended", "n_accounts": 0,
                  "previous_n_accounts": int(r["n_accounts"]), "score": float(r["score"]),
                  "flagged": bool(r["flagged"]), "linked_to": r["linked_to"], "reason": "no campaign today continues it"}
                 for r in gone.to_dict(orient="records")]
    alerts = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    return alerts.sort_values(["flagged", "status", "score"], ascending=[False, True, False], kind="stable")
