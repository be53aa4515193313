"""Type stubs of the `leadscore` package."""

import datetime
import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union, overload, Literal

import pyarrow

__all__ = [
    "Diagnostic",
    "Engine",
    "LeadscoreError",
    "Plan",
    "check",
    "compile",
    "REJECTS_SCHEMA",
]

PathOrSource = Union[str, os.PathLike[str]]
TimeLike = Union[str, int, datetime.datetime, datetime.date]
DurationLike = Union[str, int, datetime.timedelta]
# A pyarrow Table, RecordBatch or RecordBatchReader, a pandas or Polars DataFrame,
# anything with `__arrow_c_stream__`, or an iterable of dicts.
Records = Any

@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: str
    message: str
    file: str
    line: int
    column: Optional[int]
    end_line: int
    end_column: Optional[int]
    labels: Sequence[Mapping[str, Any]] = ...
    help: Optional[str] = ...
    notes: Sequence[str] = ...

class LeadscoreError(Exception):
    diagnostics: list[Diagnostic]
    field: Optional[str]
    def __init__(
        self, rendered: str, diagnostics: Sequence[Diagnostic], field: Optional[str] = ...
    ) -> None: ...
    @property
    def code(self) -> Optional[str]: ...
    @property
    def row(self) -> Optional[int]: ...

REJECTS_SCHEMA: pyarrow.Schema

def check(source_or_path: PathOrSource, *, name: Optional[str] = ...) -> list[Diagnostic]: ...
def compile(source_or_path: PathOrSource, *, name: Optional[str] = ...) -> Plan: ...

class Plan:
    @staticmethod
    def from_bytes(data: bytes) -> Plan: ...
    def to_bytes(self) -> bytes: ...
    @property
    def model(self) -> str: ...
    @property
    def event_types(self) -> list[str]: ...
    def schema(self, explain: bool = ...) -> pyarrow.Schema: ...
    @overload
    def score(
        self,
        leads: Optional[Records],
        events: Optional[Records],
        as_of: TimeLike,
        explain: bool = ...,
        rejects: Literal[False] = ...,
        threads: Optional[int] = ...,
    ) -> pyarrow.Table: ...
    @overload
    def score(
        self,
        leads: Optional[Records],
        events: Optional[Records],
        as_of: TimeLike,
        explain: bool = ...,
        *,
        rejects: Literal[True],
        threads: Optional[int] = ...,
    ) -> Tuple[pyarrow.Table, pyarrow.Table]: ...
    def engine(self, lateness: DurationLike = ...) -> Engine: ...

class Engine:
    def upsert_lead(self, id: str, attributes: Optional[Mapping[str, Any]] = ...) -> None: ...
    def apply(
        self,
        lead: str,
        type: str,
        ts: TimeLike,
        properties: Optional[Mapping[str, Any]] = ...,
    ) -> bool: ...
    def advance(self, to: TimeLike) -> None: ...
    @property
    def now(self) -> int: ...
    def outcome(
        self, id: str, as_of: Optional[TimeLike] = ..., explain: bool = ...
    ) -> Optional[dict[str, Any]]: ...
    def next_change(self, id: str) -> Optional[int]: ...
    def take_transitions(self) -> list[dict[str, Any]]: ...
