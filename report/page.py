"""``report.html``: one self-contained page a reviewer reads, written beside the verdict tables.

The page holds the day's picture (scores against the threshold, coverage against templating,
the topic map, activity by hour, the campaign graph) and, for each flagged account and
campaign, the reason, its top templates, a few of its prompts, its cells on the topic map and
the accounts nearest to it. Everything is inline: no script, font, style sheet or image is
fetched, and a Content-Security-Policy forbids the browser to fetch or run anything. Every
text from the traffic (account ids, prompts, templates) is HTML-escaped, so a prompt carrying
``<script>`` renders as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from files.atomic import atomic_path
from report import svg
from scoring.arrays import ranges

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;margin:24px auto;max-width:1180px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.facts{color:#555}.grid{display:flex;flex-wrap:wrap;gap:18px}.grid figure{margin:0}
figcaption{font-size:12px;color:#555;max-width:560px}
details{border:1px solid #e2e2e2;border-radius:6px;padding:8px 12px;margin:8px 0;background:#fcfcfc}
summary{cursor:pointer;font-weight:600}.score{color:#d62728}.muted{color:#666}
.prompt{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#f4f4f4;padding:4px 6px;
border-radius:4px;margin:3px 0;white-space:pre-wrap;word-break:break-word}
table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
"""


@dataclass(frozen=True)
class ReportOptions:
    """How much the page shows.

    Attributes:
        accounts: flagged accounts given a section each (the highest scores).
        campaigns: campaigns given a section each (flagged first, then the highest scores).
        examples: prompts shown per account or campaign.
        nearest: nearest other accounts shown per account.
    """

    accounts: int = 40
    campaigns: int = 20
    examples: int = 4
    nearest: int = 3


def write_report(path: str | Path, *, day, scored, summary: dict, threshold: float,
                 options: ReportOptions = ReportOptions()) -> Path:
    """Write the page for a scored day (``job.ingest.Day``, ``job.pipeline.Scored``), atomically."""
    html = render_report(day=day, scored=scored, summary=summary, threshold=threshold, options=options)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)


def render_report(*, day, scored, summary: dict, threshold: float, options: ReportOptions = ReportOptions()) -> str:
    """The page as text."""
    table = scored.table
    found = scored.structure
    code = {name: i for i, name in enumerate(day.accounts)}
    flagged = table["flagged"].to_numpy(bool)
    points = svg.project_2d(scored.reference.fine)
    n_cells = len(points)
    day_cells = np.bincount(scored.node_cell[scored.node_cell >= 0], minlength=n_cells)
    evidence = _Evidence(day=day, found=found, node_cell=scored.node_cell, n_cells=n_cells, code=code)

    flagged_codes = np.array([code[a] for a in table.loc[flagged, "account_id"]], dtype=np.int64)
    hours = np.floor((day.row_time % 86_400) / 3600).astype(int)
    hot_rows = np.isin(day.row_account, flagged_codes)
    parts = [
        f"<h1>Distillation harvesting report</h1><p class=facts>{escape(_facts(summary))}</p>",
        "<h2>The day</h2><div class=grid>",
        _figure(svg.histogram(table["score"].to_numpy(float), marked=flagged, threshold=threshold,
                              title="account scores"),
                "Account scores; red: flagged accounts (own score or through a campaign). The dashed line is "
                "the account threshold."),
        _figure(svg.scatter(table["breadth_subjects"].to_numpy(float), table["templating"].to_numpy(float),
                            marked=flagged, x_label="coverage: breadth over subjects",
                            y_label="templating", title="coverage against templating"),
                "Each account's topic coverage against how much of it is templated; red: flagged."),
        _figure(svg.cell_map(points, day_cells, highlight=evidence.cells(flagged_codes), title="topic map",
                             define="day-cells"),
                "The reference's topic cells (a fixed 2-D projection); grey: the day's prompts per cell, red: the "
                "flagged accounts' prompts."),
        _figure(svg.bars(np.bincount(hours, minlength=24), np.bincount(hours[hot_rows], minlength=24),
                         labels=[f"{h:02d}" for h in range(24)], title="activity by hour"),
                "Prompts per hour of the day (UTC); red: those of flagged accounts."),
        "</div>",
    ]
    parts += _campaign_part(table, scored, evidence, points, day_cells, options)
    parts += _account_part(table, evidence, points, day_cells, options)
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>Distillation harvesting report</title><style>{STYLE}</style></head><body>"
            + "".join(parts) + "</body></html>\n")


class _Evidence:
    """Per-owner evidence drawn from the day's structure: prompts, cells, nearest accounts."""

    def __init__(self, *, day, found, node_cell: np.ndarray, n_cells: int, code: dict[str, int]) -> None:
        self.day, self.found, self.node_cell, self.n_cells, self.code = day, found, node_cell, n_cells, code
        nodes = found.nodes
        self.starts = np.searchsorted(nodes.account, np.arange(nodes.n_accounts + 1))
        # Nodes by prompt, so the owners of a set of prompts are a gather, not a scan of every node.
        self.by_uid = np.argsort(nodes.uid, kind="stable")
        self.sorted_uid = nodes.uid[self.by_uid]

    def nodes_of(self, accounts: np.ndarray) -> np.ndarray:
        accounts = np.asarray(accounts, dtype=np.int64)
        return ranges(self.starts[accounts], self.starts[accounts + 1] - self.starts[accounts])

    def examples(self, accounts: np.ndarray, n: int) -> list[str]:
        nodes = self.nodes_of(accounts)
        if not len(nodes):
            return []
        picks = nodes[np.unique(np.linspace(0, len(nodes) - 1, min(n, len(nodes))).astype(int))]
        tokens = self.day.tokens
        return [tokens.render(tokens.get(int(uid)).tolist()) for uid in self.found.nodes.uid[picks]]

    def cells(self, accounts: np.ndarray) -> np.ndarray:
        cells = self.node_cell[self.nodes_of(accounts)]
        return np.bincount(cells[cells >= 0], minlength=self.n_cells)

    def nearest(self, account: int, n: int) -> list[tuple[str, int]]:
        """The other accounts whose prompts are nearest neighbours of this account's, with the count."""
        nodes = self.found.nodes
        uids = nodes.uid[self.nodes_of(np.array([account]))]
        near = np.unique(self.found.neighbour_ids[uids].ravel())
        near = near[near >= 0]
        lo, hi = np.searchsorted(self.sorted_uid, near), np.searchsorted(self.sorted_uid, near, side="right")
        owners = nodes.account[self.by_uid[ranges(lo, hi - lo)]]
        owners = owners[owners != account]
        if not len(owners):
            return []
        counts = np.bincount(owners)
        top = np.argsort(-counts, kind="stable")[:n]
        return [(self.day.accounts[a], int(counts[a])) for a in top if counts[a]]


def _campaign_part(table: pd.DataFrame, scored, evidence: _Evidence, points, day_cells,
                   options: ReportOptions) -> list[str]:
    camps = scored.campaigns
    if camps is None or not len(camps):
        return ["<h2>Campaigns</h2><p class=muted>No accounts were linked into campaigns this day.</p>"]
    shown = camps.sort_values(["flagged", "score"], ascending=False).head(options.campaigns)
    position = {name: i for i, name in enumerate(scored.campaign_ids)}
    parts = ["<h2>Campaigns</h2>",
             _figure(svg.campaign_graph(shown["n_accounts"].astype(int).tolist(), shown["flagged"].tolist(),
                                        shown["campaign_id"].tolist(), title="campaign graph", width=1100),
                     "Each campaign's hub and its member accounts; red: flagged campaigns.")]
    for row in shown.itertuples(index=False):
        members = np.flatnonzero(scored.campaign_of == position[row.campaign_id])
        names = [evidence.day.accounts[m] for m in members]
        days, linked = getattr(row, "days_active", 1), getattr(row, "linked_to", "")
        since = ""
        if days > 1 or linked:  # only with history: a day scored alone has nothing to add
            since = (f"<p class=muted>Seen on {days} day{'s' if days > 1 else ''} since {escape(str(row.first_day))} "
                     f"({escape(row.status)}" + (f"; the same generator as {escape(linked)}" if linked else "")
                     + ").</p>")
        body = [f"<p>{escape(row.reason)}</p>", since, _templates(row.top_templates),
                f"<p class=muted>Members ({len(names):,}): {escape(', '.join(names[:12]))}"
                f"{' …' if len(names) > 12 else ''}</p>",
                _examples(evidence.examples(members, options.examples)),
                _figure(svg.cell_map(points, day_cells, highlight=evidence.cells(members), title="its topic cells",
                                     reuse="day-cells"),
                        "Its members' prompts (red) over the day's (grey).")]
        parts.append(_section(f"{row.campaign_id}: {row.n_accounts:,} accounts", row.score, row.flagged, body))
    return parts


def _account_part(table: pd.DataFrame, evidence: _Evidence, points, day_cells, options: ReportOptions) -> list[str]:
    flagged = table[table["flagged"]].head(options.accounts)
    parts = [f"<h2>Flagged accounts</h2><p class=muted>{int(table['flagged'].sum()):,} of {len(table):,} accounts "
             f"flagged; the {len(flagged):,} highest-scored are shown.</p>"]
    for row in flagged.itertuples(index=False):
        account = evidence.code[row.account_id]
        nearest = evidence.nearest(account, options.nearest)
        near = ", ".join(f"{name} ({count:,} prompts)" for name, count in nearest) or "none"
        linked = getattr(row, "campaign_id", "")  # no column on a day without campaigns
        campaign = f" Campaign: {linked}." if isinstance(linked, str) and linked else ""
        body = [f"<p>{escape(row.reason)}{escape(campaign)}</p>", _templates(row.top_templates),
                _examples(evidence.examples(np.array([account]), options.examples)),
                f"<p class=muted>Nearest other accounts (their prompts among this account's neighbours): "
                f"{escape(near)}</p>",
                _figure(svg.cell_map(points, day_cells, highlight=evidence.cells(np.array([account])),
                                     title="its topic cells", reuse="day-cells"),
                        "Its prompts (red) over the day's (grey).")]
        parts.append(_section(f"{row.account_id}: {row.n_prompts:,} prompts", row.score, True, body))
    return parts


def _section(title: str, score: float, flagged: bool, body: list[str]) -> str:
    mark = " <span class=score>flagged</span>" if flagged else ""
    return (f"<details><summary>{escape(title)} — score {score:.2f}{mark}</summary>"
            + "".join(body) + "</details>")


def _templates(tops: list[dict]) -> str:
    if tops is None or not len(tops):
        return "<p class=muted>No templates.</p>"
    rows = "".join(f"<tr><td>{escape(top['template'])} ({top['share']:.0%})</td></tr>" for top in tops)
    return f"<table><tr><th>Top templates (share of its prompts)</th></tr>{rows}</table>"


def _examples(texts: list[str]) -> str:
    if not texts:
        return ""
    return "<p class=muted>Some of its prompts (normalised, long ones clipped):</p>" + "".join(
        f"<div class=prompt>{escape(t)}</div>" for t in texts)


def _figure(svg_text: str, caption: str) -> str:
    return f"<figure>{svg_text}<figcaption>{escape(caption)}</figcaption></figure>"


def _facts(summary: dict) -> str:
    return (f"{Path(summary.get('input', '')).name}: {summary.get('rows_read', 0):,} rows, {summary.get('accounts_scored', 0):,} "
            f"accounts, {summary.get('accounts_flagged', 0):,} flagged, {summary.get('campaigns', 0):,} campaigns "
            f"({summary.get('campaigns_flagged', 0):,} flagged).")
