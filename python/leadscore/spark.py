"""Scoring Spark DataFrames with a leadscore plan, grouped by lead.

``score(leads_df, events_df, plan, as_of)`` cogroups the leads (by their id) with the
events (by their lead) and scores each group on the executors with
``applyInArrow``: every lead's records reach one call of the same interpreter the CLI
runs, so the results are the CLI's. The plan travels to the executors as its bytes;
each executor's Python worker loads it once. The executors need the ``leadscore``
wheel installed (see ``docs/python.md``).
"""

from __future__ import annotations

from typing import Any, Optional

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


# The column a bucketed score groups by (left out of what the interpreter reads).
_BUCKET = "_leadscore_bucket"


def _without_bucket(table: pa.Table) -> pa.Table:
    return table.select([name for name in table.column_names if name != _BUCKET])


def score(
    leads_df: Any,
    events_df: Any,
    plan: Plan,
    as_of: TimeLike,
    explain: bool = False,
    buckets: Optional[int] = None,
) -> Any:
    """Scores the leads of two Spark DataFrames as of ``as_of``: a DataFrame with the
    columns ``Plan.score`` returns, one row per lead (a lead found in either one),
    in no particular order (``orderBy("lead")`` for the CLI's).

    ``leads_df`` has a row per lead (its id in ``id``); ``events_df`` a row per event
    (its lead in ``lead``, its type in ``type``, its time in ``ts``); either may be
    ``None``. Columns are read as ``Plan.score`` reads Arrow data. A bad record
    fails the Spark job with the ``LeadscoreError`` (its row counts within its group).

    By default every lead is a group of its own (``groupBy`` the lead). With
    ``buckets=N`` the leads are hashed into N buckets and each bucket's leads are
    scored in one call: the same results (leads are independent), with far fewer
    calls into Python; each bucket's records must fit in a worker's memory.
    """
    if leads_df is None and events_df is None:
        raise ValueError("give leads, events or both")
    if buckets is not None and (isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1):
        raise ValueError("buckets must be a positive int")
    data = plan.to_bytes()
    micros = _micros(as_of)
    schema = spark_schema(plan, explain)
    # The Arrow types Spark expects back (its list items are nullable `element`s).
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow_schema = to_arrow_schema(schema)

    def grouped(df: Any, key: str) -> Any:
        if buckets is None:
            return df.groupBy(key)
        from pyspark.sql import functions as F

        bucket = F.pmod(F.xxhash64(F.col(key)), F.lit(buckets))
        return df.withColumn(_BUCKET, bucket).groupBy(_BUCKET)

    def score_tables(leads: Optional[pa.Table], events: Optional[pa.Table]) -> pa.Table:
        leads, events = (None if t is None else _without_bucket(t) for t in (leads, events))
        results = _plan(data).score(leads, events, micros, explain=explain, threads=1)
        return results.cast(arrow_schema)

    if leads_df is None:
        return grouped(events_df, "lead").applyInArrow(lambda t: score_tables(None, t), schema)
    if events_df is None:
        return grouped(leads_df, "id").applyInArrow(lambda t: score_tables(t, None), schema)
    together = grouped(leads_df, "id").cogroup(grouped(events_df, "lead"))
    return together.applyInArrow(score_tables, schema)
