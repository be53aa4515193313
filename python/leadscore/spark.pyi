"""Type stubs of `leadscore.spark`."""

from typing import Any, Optional

from . import Plan, TimeLike

def spark_schema(plan: Plan, explain: bool = ...) -> Any: ...
def score(
    leads_df: Optional[Any],
    events_df: Optional[Any],
    plan: Plan,
    as_of: TimeLike,
    explain: bool = ...,
    buckets: Optional[int] = ...,
) -> Any: ...
