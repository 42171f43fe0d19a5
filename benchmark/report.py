"""Markdown tables of benchmark rows, with each method's time and memory as a ratio to the project's.

A ratio of 4.0 in ``time ×project`` means the method took four times the
project's wall time per prompt (> 1: the project is faster); on the same
prompts that is simply the ratio of wall times. The
memory ratio is left out (–) when the project's own peak growth is under
``MIN_MB``: a ratio to a near-zero sample of RSS says nothing.
"""

from __future__ import annotations

import math

MIN_MB = 5.0
_FIXED = ("method", "prompts", "seconds", "per_s", "peak_mb")
_HEAD = {"method": "method", "prompts": "prompts", "seconds": "seconds", "per_s": "prompts/s",
         "peak_mb": "peak RSS Δ MB", "time_ratio": "time ×project", "mem_ratio": "memory ×project"}


def with_ratios(rows: list[dict]) -> list[dict]:
    """Rows with ``time_ratio`` and ``mem_ratio`` against the first row (the project's)."""
    if not rows or "seconds" not in rows[0]:
        return rows
    base_t, base_m = rows[0]["seconds"], rows[0]["peak_mb"]
    out = []
    for row in rows:
        row = dict(row)
        if "seconds" in row:
            per_prompt = row["seconds"] / max(row["prompts"], 1)
            base = base_t / max(rows[0]["prompts"], 1)
            row["time_ratio"] = round(per_prompt / base, 2) if base > 0 else math.nan
            row["mem_ratio"] = round(row["peak_mb"] / base_m, 2) if base_m >= MIN_MB else math.nan
        out.append(row)
    return out


def markdown_table(rows: list[dict]) -> str:
    """One markdown table: the fixed columns, the ratios, then every quality column any row has, then notes.
    Rows that are not methods (no ``method`` key, such as the cost model's stages) get their own columns."""
    if rows and "method" not in rows[0]:
        columns = list(dict.fromkeys(k for row in rows for k in row))
        text = {c for c in columns if any(isinstance(row.get(c), str) for row in rows)}
        lines = ["| " + " | ".join(columns) + " |",
                 "|" + "|".join("---" if c in text else "---:" for c in columns) + "|"]
        lines += ["| " + " | ".join(_cell(row.get(c, ""), 1) for c in columns) + " |" for row in rows]
        return "\n".join(lines)
    rows = with_ratios(rows)
    quality = [k for row in rows for k in row if k not in _FIXED + ("time_ratio", "mem_ratio", "note")]
    columns = list(_FIXED) + ["time_ratio", "mem_ratio"] + list(dict.fromkeys(quality)) + ["note"]
    lines = ["| " + " | ".join(_HEAD.get(c, c) for c in columns) + " |",
             "|" + "|".join("---" if c in ("method", "note") else "---:" for c in columns) + "|"]
    # Quality figures near 1 (purity 0.9993 against 0.9984) need a fourth decimal to be told apart.
    digits = {c: 4 if c in quality else 3 for c in columns}
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, ""), digits[c]) for c in columns) + " |")
    return "\n".join(lines)


def _cell(value, digits: int = 3) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if math.isinf(value):
            return "∞"
        return f"{value:,.{digits}f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "/")
