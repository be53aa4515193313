//! Reading leads and events from JSON Lines and CSV, validated against a plan's schema.
//!
//! Readers call back once per record with either the record or a [`RecordError`] naming
//! file, line (and for CSV the column) and field; the caller decides whether a bad
//! record stops the run or is set aside. Nothing is dropped silently: blank lines are
//! the only lines skipped.
//!
//! The formats only cut records into values (`jsonl.rs`, `csv.rs`); the schemas read
//! key fields and typed fields from either format the same way (`schema.rs`), and every
//! value is typed by [`crate::vocab::read_value`].

mod csv;
mod jsonl;
pub mod open;
pub mod scan;
mod schema;

use crate::diagnostics::Code;
use crate::plan::Plan;
use crate::record::{Event, Lead};
use std::io::Read;
use std::path::Path;

pub use crate::vocab::ReadOptions;
pub use jsonl::fill_fields;
use jsonl::JsonRecord;
pub(crate) use jsonl::{json_id, not_utf8, strip_bom};
pub(crate) use schema::event_time;

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A header row naming the columns, then one record per row.
    Csv,
}

impl Format {
    /// The format a file name suggests: `.csv` is CSV, anything else JSON Lines (a
    /// compression extension does not count: `.csv.gz` is CSV).
    pub fn from_path(path: &Path) -> Format {
        match open::without_compression(path)
            .extension()
            .and_then(|e| e.to_str())
        {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => Format::Jsonl,
        }
    }
}

/// Names of the key fields in input records (how their values are read is in
/// [`ReadOptions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The id of a lead record (default `id`).
    pub id: String,
    /// The lead an event belongs to (default `lead`).
    pub lead: String,
    /// The event type (default `type`).
    pub event_type: String,
    /// The event time (default `ts`).
    pub ts: String,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            id: "id".into(),
            lead: "lead".into(),
            event_type: "type".into(),
            ts: "ts".into(),
        }
    }
}

/// A record that does not fit the schema, or does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}{}: {}{message}", column.map(|c| format!(":{c}")).unwrap_or_default(), field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct RecordError {
    /// The input's name.
    pub file: String,
    /// The record's line (from 1).
    pub line: u64,
    /// For CSV, the column of the field, from 1.
    pub column: Option<u32>,
    /// The field at fault, when it is one field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The record as read, for a rejects file.
    pub raw: String,
    code: Code,
}

impl RecordError {
    /// An error in the record on `line` of `file`, for no field in particular.
    pub(crate) fn new(code: Code, file: &str, line: u64, message: impl Into<String>) -> Self {
        RecordError {
            file: file.to_string(),
            line,
            column: None,
            field: None,
            message: message.into(),
            raw: String::new(),
            code,
        }
    }

    /// The error for an input that fails while being read (at `line`).
    pub(crate) fn unreadable(file: &str, line: u64, error: &std::io::Error) -> Self {
        RecordError::new(
            Code::UnreadableInput,
            file,
            line,
            format!("cannot read: {error}"),
        )
    }

    /// The same error, about the field `field`.
    pub(crate) fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    /// The same error, showing the record as read.
    pub fn with_raw(mut self, raw: impl Into<String>) -> Self {
        self.raw = raw.into();
        self
    }

    /// The stable code of this error (E08xx): what kind of problem the record has.
    pub fn code(&self) -> Code {
        self.code
    }

    /// Whether setting the record aside would let the run go on: false when the input
    /// itself cannot be read any further.
    pub fn can_be_set_aside(&self) -> bool {
        self.code != Code::UnreadableInput
    }
}

/// One event record as read.
#[derive(Debug, Clone, PartialEq)]
pub enum EventRecord {
    /// An event of a declared type.
    Declared(Event),
    /// An event of a type the model does not declare: ignored, but its lead is known.
    Undeclared { lead: String, event_type: String },
}

impl EventRecord {
    /// The id of the lead the event belongs to.
    pub fn lead(&self) -> &str {
        match self {
            EventRecord::Declared(event) => &event.lead,
            EventRecord::Undeclared { lead, .. } => lead,
        }
    }
}

/// Where records come from: a file name (for messages) and a reader.
pub struct Source<R> {
    /// The name messages show (a file name).
    pub name: String,
    /// Where the bytes come from.
    pub reader: R,
}

/// A source of any reader (a file, a network stream, bytes in memory).
pub type Input<'r> = Source<Box<dyn Read + 'r>>;

impl<'r> Source<Box<dyn Read + 'r>> {
    /// A source named `name` (the file name messages show) reading from `reader`.
    pub fn new(name: impl Into<String>, reader: impl Read + 'r) -> Self {
        Source {
            name: name.into(),
            reader: Box::new(reader),
        }
    }
}

impl Source<Box<dyn Read>> {
    /// Opens a file (standard input for `-`), decompressed: see [`open::open`].
    pub fn open(path: &Path) -> std::io::Result<Self> {
        open::open(path)
    }
}

/// Reads lead records, calling `each` with each one (or its error), its line, and a
/// way to get the record's text (for a record the caller sets aside: a lead listed
/// twice).
pub fn read_leads<R: Read>(
    source: Source<R>,
    format: Format,
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    mut each: impl FnMut(u64, Result<Lead, RecordError>, &dyn Fn() -> String) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let file = source.name.clone();
    match format {
        Format::Jsonl => jsonl::read_lines(source, |line, text| match text {
            Ok(text) => {
                let lead = parse_lead_line(plan, keys, options, &file, line, text);
                each(line, lead, &|| text.to_string())
            }
            Err(error) => each(line, Err(error), &String::new),
        }),
        Format::Csv => csv::read_rows(source, |line, row| match row {
            Ok(row) => {
                let lead = schema::read_lead(plan, keys, options, &row);
                each(line, lead, &|| row.text())
            }
            Err(error) => each(line, Err(error), &String::new),
        }),
    }
}

/// Reads event records, calling `each` with each one (or its error) and its line.
pub fn read_events<R: Read>(
    source: Source<R>,
    format: Format,
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    mut each: impl FnMut(u64, Result<EventRecord, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    read_events_with_text(source, format, plan, keys, options, |line, event, _| {
        each(line, event)
    })
}

/// [`read_events`], also giving a way to get the record's text (for a good record the
/// caller sets aside: an event too late to apply).
pub fn read_events_with_text<R: Read>(
    source: Source<R>,
    format: Format,
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    mut each: impl FnMut(u64, Result<EventRecord, RecordError>, &dyn Fn() -> String) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let file = source.name.clone();
    match format {
        Format::Jsonl => jsonl::read_lines(source, |line, text| match text {
            Ok(text) => {
                let event = parse_event_line(plan, keys, options, &file, line, text);
                each(line, event, &|| text.to_string())
            }
            Err(error) => each(line, Err(error), &String::new),
        }),
        Format::Csv => csv::read_rows(source, |line, row| match row {
            Ok(row) => {
                let event = schema::read_event(plan, keys, options, &row);
                each(line, event, &|| row.text())
            }
            Err(error) => each(line, Err(error), &String::new),
        }),
    }
}

/// One outcome record (`leadscore evaluate --outcomes`): something that happened to a
/// lead, such as becoming a sales-qualified lead, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRecord {
    /// The lead's id.
    pub lead: String,
    /// When it happened (microseconds since 1970).
    pub ts: i64,
    /// What happened: any label (`sql`, `won`).
    pub label: String,
}

/// Reads outcome records (the lead under `keys.lead`, the time under `keys.ts`, the
/// label under `label_key`), calling `each` with each one (or its error) and its line.
pub fn read_outcomes<R: Read>(
    source: Source<R>,
    format: Format,
    keys: &Keys,
    label_key: &str,
    options: ReadOptions,
    mut each: impl FnMut(u64, Result<OutcomeRecord, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let file = source.name.clone();
    match format {
        Format::Jsonl => jsonl::read_lines(source, |line, text| {
            let outcome = text
                .and_then(|text| JsonRecord::parse(&file, line, text))
                .and_then(|record| schema::read_outcome(keys, label_key, options, &record));
            each(line, outcome)
        }),
        Format::Csv => csv::read_rows(source, |line, row| {
            let outcome = row.and_then(|row| schema::read_outcome(keys, label_key, options, &row));
            each(line, outcome)
        }),
    }
}

/// Parses one JSON Lines lead record.
pub fn parse_lead_line(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    file: &str,
    line: u64,
    text: &str,
) -> Result<Lead, RecordError> {
    let record = JsonRecord::parse(file, line, text)?;
    match record.lead_fast(plan, keys, options) {
        Some(lead) => Ok(lead),
        None => schema::read_lead(plan, keys, options, &record),
    }
}

/// Parses one JSON Lines event record, with exact error messages.
pub fn parse_event_line(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    file: &str,
    line: u64,
    text: &str,
) -> Result<EventRecord, RecordError> {
    schema::read_event(plan, keys, options, &JsonRecord::parse(file, line, text)?)
}
