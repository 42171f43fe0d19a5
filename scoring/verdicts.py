"""Verdicts: each account's score from its features, the flag, and a sentence saying why.

The score is the combiner's calibrated output (:mod:`scoring.combiner`) over the
account's features (:mod:`scoring.features`): a fixed function of the account's own
traffic, so the same traffic scores the same on any day. An account is flagged at the
threshold that held the tuning population's benign false alarms to the fitted budget,
and only with enough distinct prompts to judge. The reason names the features that
carried the score, largest share of the evidence first, and the account's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.combiner import Combiner
from scoring.features import FEATURES, Features
from scoring.templating import TemplateGroups

# How each feature reads in a reason when it raised the score, as (when the account is above the benign
# mean, when below); ``{}`` takes the account's value.
_RAISED = {
    "volume": ("{distinct:,} distinct prompts", "few prompts"),
    "breadth_domains": ("spread over {domains} domains", "kept to few domains"),
    "breadth_subjects": ("spread evenly over {subjects} subjects", "kept to few subjects"),
    "breadth_within": ("broad within its domains", "narrow within its domains"),
    "templating": ("{templating:.0%} of it templated", "little of it templated"),
    "task_breadth": ("{tasks:.1f} task templates refilled with content", "few task templates"),
    "top_template": ("{top:.0%} one template", "no dominant template"),
    "sequence": ("consecutive prompts stay on one domain", "consecutive prompts jump between domains"),
    "repeats": ("many retries", "no retries or edits"),
    "novelty": ("subjects ordinary users seldom ask about", "subjects ordinary users often ask about"),
    "vocabulary": ("new words in prompt after prompt", "the same words again and again"),
}
MIN_EVIDENCE = 0.25  # a feature's share of the logit (nats) that a reason names


@dataclass(frozen=True)
class Verdicts:
    """Scores and flags of a set of owners (accounts or campaigns), aligned with their features."""

    score: np.ndarray
    flagged: np.ndarray
    contributions: np.ndarray  # (owners, features): each feature's share of the logit
    above: np.ndarray  # (owners, features): whether the value is above the benign reference mean
    peers_factor: np.ndarray  # (owners,): the one-class path's outlier factor (0 without one)


def judge(values: np.ndarray, n_distinct: np.ndarray, *, combiner: Combiner, threshold: float,
          min_prompts: int, eligible: np.ndarray | None = None) -> Verdicts:
    """Score every owner's feature row and flag those at ``threshold`` or above with ``min_prompts``
    distinct prompts (and, where given, ``eligible``)."""
    score, contributions, factor = combiner.explain(values)
    flagged = (score >= threshold) & (np.asarray(n_distinct) >= min_prompts)
    if eligible is not None:
        flagged &= np.asarray(eligible, dtype=bool)
    return Verdicts(score=score, flagged=flagged, contributions=contributions,
                    above=np.asarray(values) > combiner.mean, peers_factor=factor)


def evidence(features: Features, groups: TemplateGroups, i: int, *, n_domains: int) -> str:
    """The account's evidence in one clause: volume, templates, spread."""
    n, d = int(features.n_prompts[i]), int(features.n_distinct[i])
    text = f"{n:,} prompt{'s' if n != 1 else ''}" + (f" ({d:,} distinct)" if d != n else "")
    k = int(groups.n_templates[i])
    if k:
        text += f" from {k} template{'s' if k != 1 else ''}"
    subjects = int(features.subjects[i])
    text += (f" spanning {int(features.domains[i])} of {n_domains} domains and {subjects} "
             f"subject{'s' if subjects != 1 else ''} (≈{min(features.diversity[i], features.subjects[i]):.0f} used evenly)")
    if k:
        text += f"; {groups.top_share[i]:.0%} fit `{groups.top_template[i]}`"
    return text


def reason(features: Features, groups: TemplateGroups, verdicts: Verdicts, i: int, *, n_domains: int) -> str:
    """One sentence explaining owner ``i``'s score: the verdict, what carried it, the evidence."""
    values = {"distinct": int(features.n_distinct[i]), "domains": int(features.domains[i]),
              "subjects": int(features.subjects[i]), "templating": float(groups.templating[i]),
              "tasks": float(groups.effective_templates[i]), "top": float(groups.top_share[i])}
    share, above = verdicts.contributions[i], verdicts.above[i]
    carried = [_RAISED[FEATURES[j]][0 if above[j] else 1].format(**values)
               for j in np.argsort(-share) if share[j] >= MIN_EVIDENCE][:3]
    head = "Flagged" if verdicts.flagged[i] else "Not flagged"
    why = f": {', '.join(carried)}" if carried and verdicts.flagged[i] else ""
    return f"{head} (score {verdicts.score[i]:.2f}){why}. {evidence(features, groups, i, n_domains=n_domains)}."


def template_list(tops: list[tuple[str, float]]) -> list[dict]:
    """The ``top_templates`` cell: ``[{"template": skeleton, "share": share}, ...]``, largest first."""
    return [{"template": template, "share": round(float(share), 4)} for template, share in tops]


def render_templates(tops: list[dict]) -> str:
    """A ``top_templates`` cell as text (the CSV form): skeletons with their shares, ``" | "``-separated."""
    return " | ".join(f"{top['template']} ({top['share']:.0%})" for top in tops)


def feature_columns(features: Features, groups: TemplateGroups) -> dict[str, np.ndarray | list]:
    """The evidence columns an account or a campaign row carries."""
    f = features.column
    return {
        "domains": features.domains.astype(np.int64),
        "subjects": features.subjects.astype(np.int64),
        "breadth_domains": np.round(f("breadth_domains"), 4),
        "breadth_subjects": np.round(f("breadth_subjects"), 4),
        "breadth_within": np.round(f("breadth_within"), 4),
        "templating": np.round(groups.templating, 4),
        "n_templates": groups.n_templates.astype(np.int64),
        "effective_templates": np.round(groups.effective_templates, 2),
        "top_template": list(groups.top_template),
        "top_template_share": np.round(groups.top_share, 4),
        "top_templates": [template_list(tops) for tops in groups.top_templates],
        "sequence": np.round(f("sequence"), 4),
        "repeats": np.round(f("repeats"), 4),
        "novelty": np.round(f("novelty"), 4),
        "popular_share": np.round(features.popular_share, 4),
    }


def verdict_table(accounts: list[str], features: Features, groups: TemplateGroups, verdicts: Verdicts, *,
                  n_domains: int, seen: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """The ranked per-account table written to ``accounts.parquet``/``accounts.csv``.

    Columns: ``account_id, n_prompts, n_distinct, score, flagged, reason``, then the evidence
    (:func:`feature_columns`), ``peers_factor`` and ``first_seen, last_seen``; sorted by score (desc),
    ties by id.
    """
    first, last = seen
    table = pd.DataFrame({
        "account_id": accounts,
        "n_prompts": features.n_prompts.astype(np.int64),
        "n_distinct": features.n_distinct.astype(np.int64),
        "score": np.round(verdicts.score, 4),
        "flagged": verdicts.flagged.astype(bool),
        "reason": [reason(features, groups, verdicts, i, n_domains=n_domains) for i in range(len(accounts))],
        **feature_columns(features, groups),
        "peers_factor": np.round(verdicts.peers_factor, 2),
        "first_seen": pd.to_datetime(first, unit="s", utc=True),
        "last_seen": pd.to_datetime(last, unit="s", utc=True),
    })
    table = table.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)
