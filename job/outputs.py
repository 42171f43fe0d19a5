"""The output tables' schema: one column list per table, so every day's files read the same way.

A warehouse loads ``accounts.parquet`` and ``campaigns.parquet`` day after day; their columns
and types are fixed here and :data:`SCHEMA_VERSION` names them (``summary.json`` and every
Parquet file's metadata carry it). A day without campaigns still writes every column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

SCHEMA_VERSION = 2
"""Raised whenever a column is added, removed, renamed or retyped."""

_TEMPLATES = pa.list_(pa.struct([("template", pa.string()), ("share", pa.float64())]))
_TIME = pa.timestamp("us", tz="UTC")
_EVIDENCE = [("domains", pa.int64()), ("subjects", pa.int64()), ("breadth_domains", pa.float64()),
             ("breadth_subjects", pa.float64()), ("breadth_within", pa.float64()), ("templating", pa.float64()),
             ("n_templates", pa.int64()), ("effective_templates", pa.float64()), ("top_template", pa.large_string()),
             ("top_template_share", pa.float64()), ("top_templates", _TEMPLATES), ("sequence", pa.float64()),
             ("repeats", pa.float64()), ("novelty", pa.float64()), ("popular_share", pa.float64())]
_VERDICT = [("score", pa.float64()), ("flagged", pa.bool_()), ("reason", pa.large_string())]

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": pa.schema([("day", pa.large_string()), ("account_id", pa.large_string()), ("n_prompts", pa.int64()),
                           ("n_distinct", pa.int64()), *_VERDICT, *_EVIDENCE, ("peers_factor", pa.float64()),
                           ("first_seen", _TIME),
                           ("last_seen", _TIME), ("campaign_id", pa.large_string()), ("campaign_score", pa.float64()),
                           ("campaign_flagged", pa.bool_())]),
    "campaigns": pa.schema([("day", pa.large_string()), ("campaign_id", pa.large_string()), ("n_accounts", pa.int64()),
                            ("n_prompts", pa.int64()), ("n_distinct", pa.int64()), *_VERDICT, *_EVIDENCE,
                            ("member_subjects", pa.float64()), ("link_ratio", pa.float64()),
                            ("link_share", pa.float64()), ("exchange", pa.float64()),
                            ("timing_clumping", pa.float64()), ("topic_clumping", pa.float64()),
                            ("first_seen", _TIME), ("last_seen", _TIME), ("first_day", pa.large_string()),
                            ("last_day", pa.large_string()), ("days_active", pa.int64()),
                            ("status", pa.large_string()), ("linked_to", pa.large_string())]),
}
"""Each table's columns, in order, with their Parquet types."""

_FILL = {"campaign_id": "", "campaign_score": np.nan, "campaign_flagged": False}


def conform(table: pd.DataFrame | None, name: str, *, day: str) -> pa.Table:
    """``table`` with its ``day`` and every column of :data:`SCHEMAS` ``[name]``, in order and typed
    (columns a day could not fill: unlinked accounts' campaign columns, an empty campaigns table).

    Raises:
        ValueError: the table has a column the schema does not (a change that needs a new version).
    """
    schema = SCHEMAS[name]
    table = pd.DataFrame() if table is None else table
    extra = sorted(set(table.columns) - set(schema.names))
    if extra:
        raise ValueError(f"the {name} table has columns the output schema does not: {', '.join(extra)}; "
                         f"add them to job/outputs.py and raise SCHEMA_VERSION")
    n = len(table)
    columns = {}
    for field in schema:
        if field.name == "day":
            columns["day"] = pa.array([day] * n, type=field.type)
        elif field.name in table:
            values = table[field.name]
            if pa.types.is_timestamp(field.type):  # a day's times may carry nanoseconds; microseconds are kept
                columns[field.name] = pa.array(values, from_pandas=True).cast(field.type, safe=False)
            else:
                columns[field.name] = pa.array(values.tolist() if field.type == _TEMPLATES else values,
                                               type=field.type, from_pandas=True)
        else:
            columns[field.name] = pa.array([_FILL.get(field.name)] * n, type=field.type, from_pandas=True)
    return pa.table(columns, schema=schema)
