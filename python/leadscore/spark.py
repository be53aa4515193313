"""Scoring Spark DataFrames with a leadscore plan, grouped by lead.

``score(leads_df, events_df, plan, as_of)`` cogroups the leads (by their id) with the
events (by their lead) and scores each group on the executors with
``applyInArrow``: every lead's records reach one call of the same interpreter the CLI
runs, so the results are the CLI's. The plan travels to the executors as its bytes;
each executor's Python worker loads it once. The executors need the ``leadscore``
wheel installed (see ``docs/python.md``).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import Plan, TimeLike, _micros

__all__ = ["score", "spark_schema"]

# Plans loaded in this Python worker, by their bytes (a worker scores many groups).
_PLANS: dict[bytes, Plan] = {}


def _plan(data: bytes) -> Plan:
    plan = _PLANS.get(data)
    if plan is None:
        plan = _PLANS[data] = Plan.from_bytes(data)
    return plan


def spark_schema(plan: Plan, explain: bool = False) -> Any:
    """The Spark schema of ``score``'s results (the results' Arrow schema in Spark's
    types: strings, doubles, booleans, and ``why`` as an array of structs)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(plan.schema(explain))


def score(
    leads_df: Any,
    events_df: Any,
    plan: Plan,
    as_of: TimeLike,
    explain: bool = False,
) -> Any:
    """Scores the leads of two Spark DataFrames as of ``as_of``: a DataFrame with the
    columns ``Plan.score`` returns, one row per lead (a lead found in either one),
    in no particular order (``orderBy("lead")`` for the CLI's).

    ``leads_df`` has a row per lead (its id in ``id``); ``events_df`` a row per event
    (its lead in ``lead``, its type in ``type``, its time in ``ts``); either may be
    ``None``. Columns are read as ``Plan.score`` reads Arrow data. A bad record
    fails the Spark job with the ``LeadscoreError`` (its row counts within the lead's
    group).
    """
    if leads_df is None and events_df is None:
        raise ValueError("give leads, events or both")
    data = plan.to_bytes()
    micros = _micros(as_of)
    schema = spark_schema(plan, explain)
    # The Arrow types Spark expects back (its list items are nullable `element`s).
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow_schema = to_arrow_schema(schema)

    def score_group(leads: pa.Table, events: pa.Table) -> pa.Table:
        results = _plan(data).score(leads, events, micros, explain=explain, threads=1)
        return results.cast(arrow_schema)

    if leads_df is None or events_df is None:
        # One side only: group it alone, scoring with nothing on the other side.
        if leads_df is None:
            df, key, side = events_df, "lead", "events"
        else:
            df, key, side = leads_df, "id", "leads"

        def score_one(table: pa.Table) -> pa.Table:
            kwargs = {"leads": None, "events": None, side: table}
            results = _plan(data).score(as_of=micros, explain=explain, threads=1, **kwargs)
            return results.cast(arrow_schema)

        return df.groupBy(key).applyInArrow(score_one, schema)

    grouped = leads_df.groupBy("id").cogroup(events_df.groupBy("lead"))
    return grouped.applyInArrow(score_group, schema)
