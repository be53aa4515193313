"""leadscore: lead scoring models for pandas, Polars, Arrow and Spark.

The same checker, plans and interpreter as the ``leadscore`` command line (the package
is built from the same Rust crate), so the same model scores the same data to the same
results::

    import leadscore
    plan = leadscore.compile("b2b.score")
    results = plan.score(leads_df, events_df, as_of="2026-11-01")  # a pyarrow.Table

See ``docs/python.md`` for the whole API and for Spark (``leadscore.spark``).
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as _pa

from . import _native

__all__ = [
    "Diagnostic",
    "Engine",
    "LeadscoreError",
    "Plan",
    "check",
    "compile",
    "REJECTS_SCHEMA",
]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a model (or in a record): a stable code (``E0xxx``, see
    ``docs/diagnostics.md``), ``"error"`` or ``"warning"``, the message, the place
    (lines and columns from 1; for a record, ``file`` is the input and ``line`` its
    row), every labelled place, a suggested fix, notes."""

    code: str
    severity: str
    message: str
    file: str
    line: int
    column: Optional[int]
    end_line: int
    end_column: Optional[int]
    labels: Sequence[Mapping[str, Any]] = ()
    help: Optional[str] = None
    notes: Sequence[str] = ()

    @classmethod
    def _from_record(cls, record: Mapping[str, Any]) -> "Diagnostic":
        return cls(
            code=record["code"],
            severity=record["severity"],
            message=record["message"],
            file=record["file"],
            line=record["line"],
            column=record.get("column"),
            end_line=record["end_line"],
            end_column=record.get("end_column"),
            labels=tuple(record.get("labels") or ()),
            help=record.get("help"),
            notes=tuple(record.get("notes") or ()),
        )


class LeadscoreError(Exception):
    """A model that does not compile, a plan that does not load, or a bad record.

    ``str(error)`` is the human rendering ``leadscore check`` prints; ``diagnostics``
    are the records; for a bad record, ``code``, ``row`` and ``field`` tell which.
    """

    def __init__(
        self, rendered: str, diagnostics: Sequence[Diagnostic], field: Optional[str] = None
    ) -> None:
        super().__init__(rendered)
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        self.field = field

    @property
    def code(self) -> Optional[str]:
        """The first error's code."""
        return self.diagnostics[0].code if self.diagnostics else None

    @property
    def row(self) -> Optional[int]:
        """For a bad record: its row (from 1) in its input."""
        return self.diagnostics[0].line if self.diagnostics else None

    def __str__(self) -> str:
        return self.args[0]


def _records(jsonl: str) -> list[dict]:
    return [_json.loads(line) for line in jsonl.splitlines() if line]


def _error_from_native(rendered: str, jsonl: str) -> LeadscoreError:
    records = _records(jsonl)
    field = records[0].get("field") if records else None
    return LeadscoreError(
        rendered.rstrip("\n"), [Diagnostic._from_record(r) for r in records], field
    )


PathOrSource = Union[str, "_os.PathLike[str]"]


def _model(source_or_path: PathOrSource, name: Optional[str]) -> Tuple[str, Optional[str]]:
    """(name, text): a path-like or a str naming an existing file is read as a file
    (``text`` None), any other str is model source text."""
    if isinstance(source_or_path, _os.PathLike):
        return _os.fspath(source_or_path), None
    if not isinstance(source_or_path, str):
        raise TypeError("expected model source text or a path")
    if "\n" not in source_or_path and _os.path.isfile(source_or_path):
        return source_or_path, None
    return name or "model.score", source_or_path


def check(source_or_path: PathOrSource, *, name: Optional[str] = None) -> list[Diagnostic]:
    """Checks a model and returns every error and warning (an empty list: all is well).

    ``source_or_path``: a path (``pathlib.Path``, or a str naming an existing file),
    or the model's source text, whose imports are resolved relative to ``name``
    (default ``model.score`` in the working directory).
    """
    model_name, text = _model(source_or_path, name)
    return [Diagnostic._from_record(r) for r in _records(_native.check(model_name, text))]


def compile(source_or_path: PathOrSource, *, name: Optional[str] = None) -> "Plan":
    """Checks and compiles a model (taken as ``check`` takes it) into a ``Plan``.

    Raises ``LeadscoreError`` with every diagnostic when the model has errors.
    """
    model_name, text = _model(source_or_path, name)
    return Plan(_native.compile(model_name, text))


TimeLike = Union[str, int, _dt.datetime, _dt.date]


def _micros(value: TimeLike) -> int:
    """A time as microseconds since 1970: text in any form ``ts`` takes (RFC 3339, a
    date, a number of seconds), a datetime (naive ones are UTC), a date, or an int
    (already microseconds)."""
    if isinstance(value, bool):
        raise TypeError("a time cannot be a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _native.parse_time(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, _dt.date):
        return (value - _dt.date(1970, 1, 1)).days * 86_400_000_000
    raise TypeError(f"expected a time, got {type(value).__name__}")


def _duration(value: Union[str, int, _dt.timedelta]) -> int:
    if isinstance(value, str):
        return _native.parse_duration(value)
    if isinstance(value, _dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected a duration, got {type(value).__name__}")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item):  # a NumPy scalar (from pandas)
        return value.item()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as a field")


def _arrow_input(records: Any) -> Any:
    """What the native scorer takes: Arrow data (anything with ``__arrow_c_stream__``)
    or JSON Lines bytes (from an iterable of dicts: row N is line N)."""
    if records is None:
        return None
    if isinstance(records, _pa.RecordBatch):
        return _pa.Table.from_batches([records])
    if hasattr(records, "__arrow_c_stream__") and not _is_pandas(records):
        return records
    if _is_pandas(records):
        try:
            return _pa.Table.from_pandas(records, preserve_index=False)
        except (_pa.ArrowInvalid, _pa.ArrowTypeError):
            # A column of mixed types, as JSON data often has (`pd.read_json` leaves
            # times written as text and as numbers in one column): the rows as records
            # instead, each value as it is, the missing ones left out.
            return _json_lines(_pandas_rows(records))
    module = type(records).__module__.split(".")[0]
    if module == "polars":
        return records.to_arrow()
    if isinstance(records, (str, bytes, Mapping)):
        raise TypeError("expected Arrow data, a data frame or an iterable of dicts")
    return _json_lines(records)


def _json_lines(records: Any) -> bytes:
    lines = (_json.dumps(r, default=_json_default, allow_nan=False) for r in records)
    return "".join(line + "\n" for line in lines).encode()


def _pandas_rows(frame: Any) -> Any:
    """A pandas frame's rows as dicts, without their missing values (None, NaN, NaT)."""
    import pandas as pd

    for row in frame.to_dict(orient="records"):
        yield {key: value for key, value in row.items() if not _is_missing(pd, value)}


def _is_missing(pd: Any, value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another value with no single answer
        return False


def _is_pandas(records: Any) -> bool:
    return type(records).__module__.split(".")[0] == "pandas"


REJECTS_SCHEMA = _pa.schema(
    [
        ("file", _pa.string()),
        ("line", _pa.int64()),
        ("column", _pa.int64()),
        ("field", _pa.string()),
        ("code", _pa.string()),
        ("error", _pa.string()),
        ("record", _pa.string()),
    ]
)
"""The columns of the rejects table: the rejects file's keys (``line`` is the row)."""


class Plan:
    """A compiled model, verified: score data with it, store it as bytes, or follow
    leads live with an ``Engine``."""

    def __init__(self, native: "_native.Plan") -> None:
        self._native = native

    @staticmethod
    def from_bytes(data: bytes) -> "Plan":
        """A plan from the bytes ``to_bytes`` or ``leadscore compile`` wrote (verified:
        damaged bytes raise ``LeadscoreError``)."""
        return Plan(_native.Plan.from_bytes(bytes(data)))

    def to_bytes(self) -> bytes:
        """The plan's bytes, as ``leadscore compile`` writes them."""
        return self._native.to_bytes()

    @property
    def model(self) -> str:
        """The model's name."""
        return self._native.model

    @property
    def event_types(self) -> list[str]:
        """The event types the model declares (events of other types only make their
        lead known)."""
        return self._native.event_types

    def schema(self, explain: bool = False) -> _pa.Schema:
        """The schema of ``score``'s results."""
        return self._native.schema(explain)

    def score(
        self,
        leads: Any,
        events: Any,
        as_of: TimeLike,
        explain: bool = False,
        rejects: bool = False,
        threads: Optional[int] = None,
    ) -> Any:
        """Scores every lead of ``leads`` and ``events`` as of ``as_of``.

        ``leads`` and ``events``: a ``pyarrow.Table`` or ``RecordBatch``, a pandas or
        Polars DataFrame, anything with ``__arrow_c_stream__``, an iterable of dicts,
        or ``None``. Only the columns the model reads are looked at; values are read
        as the CLI reads a Parquet file's (text columns, numbers, booleans,
        timestamps, dates).

        Returns a ``pyarrow.Table`` with the CSV output's columns (``lead``, each
        score as a float, null when absent; each ``SCORE_grade``; each flag; with
        ``explain`` the ``why`` column, a list of structs), one row per lead in lead
        id order. A bad record raises ``LeadscoreError`` naming its row (from 1) and
        field; with ``rejects=True`` bad records are set aside instead and
        ``(results, rejects_table)`` is returned. The GIL is released while scoring.
        """
        table, bad = self._native.score(
            _arrow_input(leads),
            _arrow_input(events),
            _micros(as_of),
            explain,
            rejects,
            threads,
        )
        if not rejects:
            return table
        rows = _records(bad or "")
        return table, _pa.Table.from_pylist(rows, schema=REJECTS_SCHEMA)

    def engine(self, lateness: Union[str, int, _dt.timedelta] = "7d") -> "Engine":
        """A live engine following leads with this plan (see ``docs/live.md``):
        events may be up to ``lateness`` older than the clock."""
        return Engine(self._native.engine(_duration(lateness)))

    def __repr__(self) -> str:
        return f"<leadscore.Plan {self.model!r}>"


def _fields(values: Optional[Mapping[str, Any]]) -> Optional[dict]:
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if isinstance(value, (_dt.datetime, _dt.date)):
            value = _json_default(value)
        out[key] = value
    return out


class Engine:
    """The live engine: leads and events in any order, a clock that only moves on,
    every flag and grade change at the moment it happens. Times are what
    ``Plan.score``'s ``as_of`` takes; times returned are microseconds since 1970."""

    def __init__(self, native: "_native.Engine") -> None:
        self._native = native

    def upsert_lead(self, id: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        """Sets a lead's attributes (names the model does not declare are ignored),
        adding the lead if it is new."""
        self._native.upsert_lead(id, _fields(attributes))

    def apply(
        self,
        lead: str,
        type: str,
        ts: TimeLike,
        properties: Optional[Mapping[str, Any]] = None,
    ) -> bool:
        """Applies an event; ``False`` for a type the model does not declare (its lead
        is known from then on). An event older than the clock by more than the
        lateness raises ``LeadscoreError`` (E0840)."""
        return self._native.apply(lead, type, _micros(ts), _fields(properties))

    def advance(self, to: TimeLike) -> None:
        """Moves the clock to ``to`` (never back), finding every change time makes."""
        self._native.advance(_micros(to))

    @property
    def now(self) -> int:
        """The clock, in microseconds since 1970."""
        return self._native.now

    def outcome(
        self, id: str, as_of: Optional[TimeLike] = None, explain: bool = False
    ) -> Optional[dict]:
        """The lead's outcome as of ``as_of`` (default: the clock), as the object a
        line of ``leadscore score`` JSON Lines output is; ``None`` for a lead never
        seen."""
        at = self.now if as_of is None else _micros(as_of)
        text = self._native.outcome(id, at, explain)
        return None if text is None else _json.loads(text)

    def next_change(self, id: str) -> Optional[int]:
        """The next time (microseconds) the lead's results change with no new event."""
        return self._native.next_change(id)

    def take_transitions(self) -> list[dict]:
        """The transitions since the last call, in time order: each the object a line
        of ``leadscore replay --changes`` is."""
        return [_json.loads(t) for t in self._native.take_transitions()]
