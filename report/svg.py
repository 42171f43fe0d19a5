"""Inline SVG plots, drawn from numpy arrays: no plotting library, no script, nothing fetched.

Every function returns one ``<svg>`` element as text; every label that comes from the data is
escaped here, so a caller cannot forget to.
"""

from __future__ import annotations

from html import escape

import numpy as np

BLUE, RED, GREY, LIGHT, INK = "#1f77b4", "#d62728", "#9a9a9a", "#e4e4e4", "#222222"


def _frame(width: int, height: int, body: list[str], *, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _plot_area(left: float, bottom: float, width: float, height: float) -> str:
    return f'<rect x="{left}" y="{bottom - height}" width="{width}" height="{height}" fill="white" stroke="{LIGHT}"/>'


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
            f"{escape(text)}</text>")


def histogram(values: np.ndarray, *, marked: np.ndarray, threshold: float, title: str, bins: int = 40,
              width: int = 560, height: int = 220) -> str:
    """Counts of ``values`` in [0, 1] (square-root scale), the ``marked`` ones red on top, and the threshold."""
    values = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total, _ = np.histogram(values, edges)
    hot, _ = np.histogram(values[np.asarray(marked, bool)], edges)
    left, bottom, plot_w, plot_h = 40, height - 28, width - 50, height - 50
    top = np.sqrt(max(1, total.max()))
    body = [_plot_area(left, bottom, plot_w, plot_h)]
    step = plot_w / bins
    for i in range(bins):
        for count, colour in ((total[i], BLUE), (hot[i], RED)):
            if count:
                h = plot_h * np.sqrt(count) / top
                body.append(f'<rect x="{left + i * step + 0.5:.1f}" y="{bottom - h:.1f}" width="{step - 1:.1f}" '
                            f'height="{h:.1f}" fill="{colour}"/>')
    x = left + plot_w * threshold
    body.append(f'<line x1="{x:.1f}" y1="{bottom - plot_h}" x2="{x:.1f}" y2="{bottom}" stroke="{INK}" '
                f'stroke-dasharray="4 3"/>')
    right = threshold > 0.8  # the label goes where there is room
    body.append(_text(x + (-3 if right else 3), bottom - plot_h + 12, f"threshold {threshold:.2f}", size=10,
                      anchor="end" if right else "start"))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(_text(left + plot_w * tick, bottom + 14, f"{tick:g}", size=10, anchor="middle"))
    body.append(_text(left - 6, bottom - plot_h + 8, f"{total.max():,}", size=10, anchor="end"))
    body.append(_text(left - 6, bottom, "0", size=10, anchor="end"))
    body.append(_text(left + plot_w / 2, height - 2, "score (bar height: square root of the count)", size=10,
                      anchor="middle"))
    return _frame(width, height, body, title=title)


def scatter(x: np.ndarray, y: np.ndarray, *, marked: np.ndarray, x_label: str, y_label: str, title: str,
            width: int = 560, height: int = 300, most: int = 4000, seed: int = 0) -> str:
    """Points (at most ``most``, a fixed sample of the unmarked ones), the ``marked`` ones red and on top."""
    x, y, marked = (np.asarray(a, dtype=float) for a in (x, y, marked))
    marked = marked.astype(bool)
    plain = np.flatnonzero(~marked)
    if len(plain) > most:
        plain = np.sort(np.random.default_rng(seed).choice(plain, size=most, replace=False))
    left, bottom, plot_w, plot_h = 46, height - 32, width - 60, height - 50
    finite = np.isfinite(x) & np.isfinite(y)
    lo_x, hi_x = _span(x[finite]); lo_y, hi_y = _span(y[finite])
    px = lambda v: left + plot_w * (v - lo_x) / (hi_x - lo_x)  # noqa: E731
    py = lambda v: bottom - plot_h * (v - lo_y) / (hi_y - lo_y)  # noqa: E731
    body = [_plot_area(left, bottom, plot_w, plot_h)]
    for rows, colour, r in ((plain, BLUE, 2.0), (np.flatnonzero(marked), RED, 3.0)):
        rows = rows[finite[rows]]
        body += [f'<circle cx="{px(x[i]):.1f}" cy="{py(y[i]):.1f}" r="{r}" fill="{colour}" fill-opacity="0.6"/>'
                 for i in rows]
    for v in np.linspace(lo_x, hi_x, 5):
        body.append(_text(px(v), bottom + 14, f"{v:.2g}", size=10, anchor="middle"))
    for v in np.linspace(lo_y, hi_y, 5):
        body.append(_text(left - 5, py(v) + 3, f"{v:.2g}", size=10, anchor="end"))
    body.append(_text(left + plot_w / 2, height - 4, x_label, size=11, anchor="middle"))
    body.append(f'<text x="12" y="{bottom - plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
                f'transform="rotate(-90 12 {bottom - plot_h / 2:.1f})">{escape(y_label)}</text>')
    return _frame(width, height, body, title=title)


def bars(counts: np.ndarray, marked: np.ndarray, *, labels: list[str], title: str, width: int = 560,
         height: int = 200) -> str:
    """One bar per label (all, blue) with the ``marked`` share in red in front."""
    counts, marked = np.asarray(counts, float), np.asarray(marked, float)
    left, bottom, plot_w, plot_h = 40, height - 28, width - 50, height - 46
    top = max(1.0, counts.max())
    step = plot_w / len(counts)
    body = [_plot_area(left, bottom, plot_w, plot_h)]
    for i, (count, hot) in enumerate(zip(counts, marked)):
        for value, colour in ((count, BLUE), (hot, RED)):
            if value:
                h = plot_h * value / top
                body.append(f'<rect x="{left + i * step + 1:.1f}" y="{bottom - h:.1f}" width="{step - 2:.1f}" '
                            f'height="{h:.1f}" fill="{colour}"/>')
        if i % max(1, len(counts) // 12) == 0:
            body.append(_text(left + (i + 0.5) * step, bottom + 14, labels[i], size=10, anchor="middle"))
    body.append(_text(left - 6, bottom - plot_h + 8, f"{top:,.0f}", size=10, anchor="end"))
    return _frame(width, height, body, title=title)


MAP_SIZE = (420, 300)
"""Every topic map is drawn at this size, so the day's cells are drawn once and reused."""


def cell_map(points: np.ndarray, weight: np.ndarray, *, highlight: np.ndarray | None, title: str,
             define: str | None = None, reuse: str | None = None) -> str:
    """Topic cells at 2-D ``points``: grey discs sized by ``weight`` (the day's prompts), and the
    ``highlight`` weights (one account's or campaign's prompts) in red over them, on the same scale.

    ``define`` names the grey layer (an id) so that later maps on the page ``reuse`` it instead of
    drawing every cell again.
    """
    width, height = MAP_SIZE
    points = np.asarray(points, float)
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    xy = 12 + (points - lo) / span * np.array([width - 24, height - 24])
    # A few very popular cells would shrink every other disc to a dot: the scale is set by the 95th
    # percentile of the used cells, and a disc is capped.
    used = np.asarray(weight, float)[np.asarray(weight) > 0]
    scale = 7.0 / np.sqrt(max(1.0, float(np.percentile(used, 95)) if len(used) else 1.0))
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="white" stroke="{LIGHT}"/>']
    if reuse is not None:
        body.append(f'<use href="#{escape(reuse)}"/>')
    else:
        discs = "".join(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{min(12.0, max(1.0, scale * np.sqrt(w))):.1f}"/>'
                        for (x, y), w in zip(xy, weight))
        ident = f' id="{escape(define)}"' if define else ""
        body.append(f'<g{ident} fill="{GREY}" fill-opacity="0.35">{discs}</g>')
    if highlight is not None and np.max(highlight) > 0:
        body.append(f'<g fill="{RED}" fill-opacity="0.75">' + "".join(
            f'<circle cx="{xy[i, 0]:.0f}" cy="{xy[i, 1]:.0f}" r="{min(12.0, max(1.5, scale * np.sqrt(highlight[i]))):.1f}"/>'
            for i in np.flatnonzero(highlight)) + "</g>")
    return _frame(width, height, body, title=title)


def campaign_graph(sizes: list[int], flagged: list[bool], names: list[str], *, title: str, width: int = 900,
                   most_members: int = 60) -> str:
    """Each campaign as a hub with its member accounts around it (up to ``most_members`` drawn), red
    when flagged, laid out in rows."""
    if not sizes:
        return _frame(width, 40, [_text(10, 24, "no campaigns this day")], title=title)
    cell = 150
    per_row = max(1, width // cell)
    rows = (len(sizes) + per_row - 1) // per_row
    height = rows * cell + 10
    body = []
    for k, (size, hot, name) in enumerate(zip(sizes, flagged, names)):
        cx, cy = (k % per_row) * cell + cell / 2, (k // per_row) * cell + cell / 2 - 4
        colour = RED if hot else BLUE
        drawn = min(size, most_members)
        angles = np.linspace(0, 2 * np.pi, drawn, endpoint=False)
        radius = 30 + 20 * (drawn > 24)
        for a in angles:
            mx, my = cx + radius * np.cos(a), cy + radius * np.sin(a)
            body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{mx:.1f}" y2="{my:.1f}" stroke="{LIGHT}"/>')
            body.append(f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="3" fill="{colour}"/>')
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="{colour}" stroke="white"/>')
        label = f"{name[:18]} ({size:,})" + ("" if size <= most_members else f", {most_members} drawn")
        body.append(_text(cx, cy + radius + 18, label, size=10, anchor="middle"))
    return _frame(width, height, body, title=title)


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """The first two principal components of ``vectors`` (a fixed map of the reference's cells)."""
    x = np.asarray(vectors, float)
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:2].T


def _span(values: np.ndarray) -> tuple[float, float]:
    if not len(values):
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
