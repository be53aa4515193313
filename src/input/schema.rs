//! Leads and events from records of either format: the key fields (id, lead, type,
//! time) and the fields the plan declares, each typed by [`read_value`].

use super::{EventRecord, Keys, OutcomeRecord, RecordError};
use crate::diagnostics::Code;
use crate::plan::{FieldDecl, Plan};
use crate::record::{Event, Lead};
use crate::vocab::{read_time, read_value, time_too_late, Raw, ReadOptions, Value, ValueType};
use std::borrow::Cow;

/// One record as its format cuts it into named values: a JSON object or a CSV row.
pub(super) trait Record {
    /// What a format calls a named place in a record, as messages say it after the
    /// name: nothing for a JSON member, ` column` for CSV.
    const PLACE: &'static str;

    /// The value named `name`; `None` when the record has no such member or column.
    fn get(&self, name: &str) -> Option<Cell<'_>>;

    /// An error in this record, about `field` when there is one.
    fn error(&self, code: Code, field: Option<&str>, message: String) -> RecordError;
}

/// A value of a record, before it has a type.
pub(super) enum Cell<'a> {
    /// Nothing written: JSON `null`, a blank CSV cell.
    Empty,
    /// A JSON string.
    Text(Cow<'a, str>),
    /// A CSV cell: text in a format that has nothing else.
    Untyped(Cow<'a, str>),
    /// A JSON number, as its text.
    Number(Cow<'a, str>),
    Bool(bool),
    /// A timestamp column's value (Parquet, Arrow), in microseconds since 1970: only a
    /// `time` field or the event time takes it. (Only columnar readers make one.)
    #[cfg_attr(not(feature = "columnar"), allow(dead_code))]
    Time(i64),
    /// A JSON list or object (`"a list"`, `"an object"`): no field takes one.
    Nested(&'static str),
}

impl Cell<'_> {
    /// The value as [`read_value`] takes it (`None`: absent), or what it is when no
    /// field can take it.
    fn raw(&self) -> Result<Option<Raw<'_>>, &'static str> {
        Ok(Some(match self {
            Cell::Empty => return Ok(None),
            Cell::Text(text) => Raw::Text(text),
            Cell::Untyped(text) => Raw::Untyped(text),
            Cell::Number(text) => Raw::Number(text),
            Cell::Bool(b) => Raw::Bool(*b),
            Cell::Time(_) => return Err("a timestamp"),
            Cell::Nested(kind) => return Err(kind),
        }))
    }

    /// Text that is not empty: what an id or an event type must be.
    fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(text) | Cell::Untyped(text) if !text.is_empty() => Some(text),
            _ => None,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) | Cell::Untyped(text) => text.is_empty(),
            _ => false,
        }
    }
}

/// Whether a JSON number's text is a whole number serde_json reads as an integer (it
/// is then a lead id as written): non-negative within `u64`, or negative within `i64`.
pub(super) fn is_whole_number(text: &str) -> bool {
    text.parse::<u64>().is_ok() || text.parse::<i64>().is_ok_and(|n| n < 0)
}

/// An event's time: what a `time` field takes.
pub(crate) fn event_time(raw: Raw<'_>, options: ReadOptions) -> Option<i64> {
    read_time("ts", raw, options).ok()
}

/// A key field, and how messages name it.
struct Key<'k> {
    name: &'k str,
    /// The kind of record (`lead`, `event`).
    record: &'static str,
    /// What the key is to its record: `its id`, `the lead it belongs to`.
    role: &'static str,
    /// The key's value in words: `the lead id`.
    noun: &'static str,
}

impl Key<'_> {
    /// The key's value in `record`, read by `read`, which says what the value must be
    /// when the key cannot take it.
    fn read<'r, R: Record, T>(
        &self,
        record: &'r R,
        read: impl FnOnce(&Cell<'r>) -> Result<T, String>,
    ) -> Result<T, RecordError> {
        let Some(cell) = record.get(self.name) else {
            let message = format!(
                "the {} has no `{}`{} ({})",
                self.record,
                self.name,
                R::PLACE,
                self.role
            );
            return Err(record.error(Code::MissingKey, None, message));
        };
        if cell.is_empty() {
            let message = format!("{} is empty", self.noun);
            return Err(record.error(Code::MissingKey, Some(self.name), message));
        }
        read(&cell).map_err(|message| record.error(Code::ValueMismatch, Some(self.name), message))
    }
}

/// A lead id: non-empty text, or a whole JSON number as written.
fn lead_id(cell: &Cell<'_>) -> Result<String, String> {
    let id = match cell {
        Cell::Number(text) if is_whole_number(text) => Some(text.to_string()),
        cell => cell.text().map(str::to_string),
    };
    id.ok_or_else(|| "expected a lead id (text or a whole number)".to_string())
}

/// An event's time, or what it must be: a number after the year 9999 is told so (it is
/// likely in a finer unit than `--ts-unit`), anything else is told every form.
fn key_time(cell: &Cell<'_>, options: ReadOptions) -> Result<i64, String> {
    if let Cell::Time(micros) = cell {
        return Ok(*micros);
    }
    let raw = cell.raw().ok().flatten();
    raw.and_then(|raw| event_time(raw, options)).ok_or_else(|| {
        raw.and_then(|raw| time_too_late(raw, options))
            .unwrap_or_else(|| {
                format!(
                    "expected a time: RFC 3339 (2026-10-01T10:00:00Z), a date or {} since 1970",
                    options.ts_unit.name()
                )
            })
    })
}

pub(super) fn read_lead(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    record: &impl Record,
) -> Result<Lead, RecordError> {
    let id = Key {
        name: &keys.id,
        record: "lead",
        role: "its id",
        noun: "the lead id",
    }
    .read(record, lead_id)?;
    let fields = typed_fields(record, &plan.lead_fields, options)?;
    Ok(Lead { id, fields })
}

pub(super) fn read_event(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    record: &impl Record,
) -> Result<EventRecord, RecordError> {
    let key = |name, role, noun| Key {
        name,
        record: "event",
        role,
        noun,
    };
    let lead = key(&keys.lead, "the lead it belongs to", "the lead id").read(record, lead_id)?;
    let event_type = key(&keys.event_type, "its type", "the event type").read(record, |cell| {
        let text = cell.text().map(str::to_string);
        text.ok_or_else(|| "expected the event type as text".to_string())
    })?;
    let ts =
        key(&keys.ts, "its time", "the event time").read(record, |cell| key_time(cell, options))?;
    let Some(index) = plan.event_index(&event_type) else {
        return Ok(EventRecord::Undeclared { lead, event_type });
    };
    let props = typed_fields(record, &plan.events[index].props, options)?;
    Ok(EventRecord::Declared(Event {
        lead,
        event_type: index as u32,
        ts,
        props,
    }))
}

/// An outcome record: the lead, when, and the outcome's label under `label_key` (any
/// non-empty text).
pub(super) fn read_outcome(
    keys: &Keys,
    label_key: &str,
    options: ReadOptions,
    record: &impl Record,
) -> Result<OutcomeRecord, RecordError> {
    let key = |name, role, noun| Key {
        name,
        record: "outcome",
        role,
        noun,
    };
    let lead = key(&keys.lead, "the lead it belongs to", "the lead id").read(record, lead_id)?;
    let ts = key(&keys.ts, "its time", "the outcome time")
        .read(record, |cell| key_time(cell, options))?;
    let label = key(label_key, "what happened", "the outcome").read(record, |cell| {
        let text = cell.text().map(str::to_string);
        text.ok_or_else(|| "expected the outcome as text (`sql`, `won`)".to_string())
    })?;
    Ok(OutcomeRecord { lead, ts, label })
}

/// The values of the fields `decls` declares, in their order (`None`: absent).
fn typed_fields(
    record: &impl Record,
    decls: &[FieldDecl],
    options: ReadOptions,
) -> Result<Vec<Option<Value>>, RecordError> {
    // Sized up front: collecting into a `Result` would grow the vector field by field.
    let mut values = Vec::with_capacity(decls.len());
    for decl in decls {
        let Some(cell) = record.get(&decl.name) else {
            values.push(None);
            continue;
        };
        if let (Cell::Time(micros), ValueType::Time) = (&cell, decl.ty) {
            values.push(Some(Value::Time(*micros)));
            continue;
        }
        let raw = cell.raw().map_err(|kind| {
            let message = format!("expected {}, found {kind}", decl.ty.name());
            record.error(Code::ValueMismatch, Some(&decl.name), message)
        })?;
        let value = raw
            .map(|raw| read_value(&decl.name, decl.ty, raw, options))
            .transpose();
        values.push(value.map_err(|e| record.error(e.code(), Some(&e.field), e.problem))?);
    }
    Ok(values)
}
