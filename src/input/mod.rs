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

#[cfg(feature = "columnar")]
pub(crate) mod columnar;
#[cfg(feature = "columnar")]
pub use columnar::RecordBatches;
mod csv;
mod jsonl;
mod mapped;
pub use mapped::Mapped;
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
    /// Apache Parquet: only the columns the plan reads are decoded, row groups in
    /// parallel (needs the `columnar` feature).
    Parquet,
    /// The Apache Arrow IPC file format (Feather v2; needs the `columnar` feature).
    Arrow,
}

impl Format {
    /// The format a file name suggests: `.csv` is CSV, `.parquet` Parquet, `.arrow` and
    /// `.feather` Arrow IPC, anything else JSON Lines (a compression extension does not
    /// count: `.csv.gz` is CSV).
    pub fn from_path(path: &Path) -> Format {
        let path = open::without_compression(path);
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let is = |name: &str| ext.eq_ignore_ascii_case(name);
        if is("csv") {
            Format::Csv
        } else if is("parquet") {
            Format::Parquet
        } else if is("arrow") || is("feather") {
            Format::Arrow
        } else {
            Format::Jsonl
        }
    }

    /// Whether the format is columnar (Parquet, Arrow), read from a file by seeking.
    pub fn is_columnar(self) -> bool {
        matches!(self, Format::Parquet | Format::Arrow)
    }

    /// The format's name in the run summary and messages: `jsonl`, `csv`, `parquet`,
    /// `arrow`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
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
    /// How many bytes the input holds as stored, when known beforehand (a file's size;
    /// compressed, fewer than it reads as): only a hint, to size tables up front.
    pub size: Option<u64>,
    /// The same bytes mapped into memory, when the input is a plain file
    /// ([`Mapped::plain_file`]): the readers that cut the whole input into blocks read
    /// them in place instead of through `reader`.
    pub mapped: Option<Mapped>,
}

/// A source of any reader (a file, a network stream, bytes in memory).
pub type Input<'r> = Source<Box<dyn Read + 'r>>;

impl<'r> Source<Box<dyn Read + 'r>> {
    /// A source named `name` (the file name messages show) reading from `reader`.
    pub fn new(name: impl Into<String>, reader: impl Read + 'r) -> Self {
        Source {
            name: name.into(),
            reader: Box::new(reader),
            size: None,
            mapped: None,
        }
    }
}

impl Source<Box<dyn Read>> {
    /// Opens a file (standard input for `-`), decompressed, with its size: see
    /// [`open::open`].
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
        Format::Parquet | Format::Arrow => {
            let wanted = lead_columns(plan, keys);
            columnar_rows(&source, format, &wanted, |row| {
                let lead = schema::read_lead(plan, keys, options, row);
                each(row_number(row), lead, &String::new)
            })
        }
    }
}

/// The columns a plan reads from lead records: the id and every lead field.
pub(crate) fn lead_columns<'p>(plan: &'p Plan, keys: &'p Keys) -> Vec<&'p str> {
    let fields = plan.lead_fields.iter().map(|f| f.name.as_str());
    std::iter::once(keys.id.as_str()).chain(fields).collect()
}

/// The columns a plan reads from event records: the lead, type and time, and every
/// property of a declared type.
pub(crate) fn event_columns<'p>(plan: &'p Plan, keys: &'p Keys) -> Vec<&'p str> {
    let props = plan
        .events
        .iter()
        .flat_map(|e| &e.props)
        .map(|p| p.name.as_str());
    let keys = [&keys.lead, &keys.event_type, &keys.ts].map(String::as_str);
    keys.into_iter().chain(props).collect()
}

#[cfg(feature = "columnar")]
fn row_number(row: &columnar::ColumnarRow<'_>) -> u64 {
    row.number()
}

/// A lead from a row of a columnar file.
#[cfg(feature = "columnar")]
pub(crate) fn read_lead_record(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    row: &columnar::ColumnarRow<'_>,
) -> Result<Lead, RecordError> {
    schema::read_lead(plan, keys, options, row)
}

/// An event from a row of a columnar file.
#[cfg(feature = "columnar")]
pub(crate) fn read_event_record(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    row: &columnar::ColumnarRow<'_>,
) -> Result<EventRecord, RecordError> {
    schema::read_event(plan, keys, options, row)
}

/// Calls `each` with every row of a columnar file, in order, reading only the columns
/// `wanted` names.
#[cfg(feature = "columnar")]
fn columnar_rows<R: Read>(
    source: &Source<R>,
    format: Format,
    wanted: &[&str],
    each: impl FnMut(&columnar::ColumnarRow<'_>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    columnar::for_each_row(columnar::Columns::file(source, format), wanted, each)
}

/// A row of a columnar file in a build that reads none: there is no such row.
#[cfg(not(feature = "columnar"))]
enum NoRow {}

#[cfg(not(feature = "columnar"))]
impl schema::Record for NoRow {
    const PLACE: &'static str = " column";

    fn get(&self, _: &str) -> Option<schema::Cell<'_>> {
        match *self {}
    }

    fn error(&self, _: Code, _: Option<&str>, _: String) -> RecordError {
        match *self {}
    }
}

/// Without the `columnar` feature, a columnar file cannot be read.
#[cfg(not(feature = "columnar"))]
fn columnar_rows<R: Read>(
    source: &Source<R>,
    format: Format,
    _wanted: &[&str],
    _each: impl FnMut(&NoRow) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    Err(without_columnar(&source.name, format))
}

#[cfg(not(feature = "columnar"))]
fn row_number(row: &NoRow) -> u64 {
    match *row {}
}

/// The error for a Parquet or Arrow input read by a build without the `columnar`
/// feature.
#[cfg(not(feature = "columnar"))]
pub(crate) fn without_columnar(file: &str, format: Format) -> RecordError {
    let message = format!(
        "this build of leadscore reads no {} files (it was built without the `columnar` feature)",
        format.name()
    );
    RecordError::new(Code::UnreadableInput, file, 0, message)
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
    mut each: impl FnMut(
        u64,
        Result<EventRecord, RecordError>,
        &dyn Fn() -> String,
    ) -> Result<(), RecordError>,
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
        // A row of a columnar file has no text of its own: rejects name its row.
        Format::Parquet | Format::Arrow => {
            let wanted = event_columns(plan, keys);
            columnar_rows(&source, format, &wanted, |row| {
                let event = schema::read_event(plan, keys, options, row);
                each(row_number(row), event, &String::new)
            })
        }
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
        Format::Parquet | Format::Arrow => {
            let wanted = [keys.lead.as_str(), keys.ts.as_str(), label_key];
            columnar_rows(&source, format, &wanted, |row| {
                each(
                    row_number(row),
                    schema::read_outcome(keys, label_key, options, row),
                )
            })
        }
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

/// [`parse_lead_line`] into `lead`, reusing its buffers when the line takes the fast
/// path (a thread parsing many leads allocates little); `lead` holds nothing of use
/// after an error.
pub(crate) fn parse_lead_line_into(
    plan: &Plan,
    keys: &Keys,
    options: ReadOptions,
    (file, line, text): (&str, u64, &str),
    lead: &mut Lead,
) -> Result<(), RecordError> {
    let record = JsonRecord::parse(file, line, text)?;
    if record.lead_fast_into(plan, keys, options, lead).is_none() {
        *lead = schema::read_lead(plan, keys, options, &record)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compile_source, MemoryLoader};

    /// One lead reused line after line reads each line as a fresh one does: fields a
    /// line lacks are absent, not the last line's, also after a line the full reader
    /// took (an escaped string) and after a bad line.
    #[test]
    fn a_reused_lead_reads_each_line_as_a_fresh_one() {
        let source =
            "lead { industry: string, size: int, title: string }\nevent a {}\nscore s { on a +1 }";
        let plan = compile_source("m.score", source, &MemoryLoader::new())
            .plan
            .unwrap();
        let (keys, options) = (Keys::default(), ReadOptions::default());
        let lines = [
            r#"{"id":"A","industry":"software","size":50,"title":"CTO"}"#,
            r#"{"id":"B","size":7}"#,
            r#"{"id":"C","industry":"soft\"ware","title":null}"#,
            r#"{"id":"D","size":"big"}"#,
            r#"{"id":"E","title":"VP"}"#,
            r#"{"id":"F","industry":"retail","size":1,"title":"CEO"}"#,
        ];
        let mut lead = Lead::default();
        for (line, text) in (1..).zip(lines) {
            let fresh = parse_lead_line(&plan, &keys, options, "l.jsonl", line, text);
            let reused =
                parse_lead_line_into(&plan, &keys, options, ("l.jsonl", line, text), &mut lead);
            match fresh {
                Ok(fresh) => {
                    reused.unwrap();
                    assert_eq!(lead, fresh, "line {line}");
                }
                Err(error) => assert_eq!(reused.unwrap_err(), error, "line {line}"),
            }
        }
    }
}
