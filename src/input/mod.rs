//! Reading leads and events from JSON Lines and CSV, validated against a plan's schema.
//!
//! Readers call back once per record with either the record or a [`RecordError`] naming
//! file, line (and for CSV the column) and field; the caller decides whether a bad
//! record stops the run or is set aside. Nothing is dropped silently: blank lines are
//! the only lines skipped.

use crate::plan::{FieldDecl, Plan};
use crate::record::{Event, Lead};
use crate::vocab::{coerce, parse_duration, Value, ValueType};
use scan::utc_timestamp;
use scan::Raw;
use serde_json::Value as Json;

pub mod scan;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// The format a file name suggests: `.csv` is CSV, anything else JSON Lines.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => Format::Jsonl,
        }
    }
}

/// Names of the key fields in input records.
#[derive(Debug, Clone)]
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
    pub file: String,
    pub line: u64,
    pub column: Option<u64>,
    pub field: Option<String>,
    pub message: String,
    /// The record as read, for a rejects file.
    pub raw: String,
}

/// One event record as read.
#[derive(Debug, Clone, PartialEq)]
pub enum EventRecord {
    /// An event of a declared type.
    Declared(Event),
    /// An event of a type the model does not declare: ignored, but its lead is known.
    Undeclared { lead: String, event_type: String },
}

/// Where records come from: a file name (for messages) and a reader.
pub struct Source<R> {
    pub name: String,
    pub reader: R,
}

impl Source<Box<dyn Read>> {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        Ok(Source {
            name: path.display().to_string(),
            reader: Box::new(file),
        })
    }
}

/// Reads lead records, calling `each` with each one (or its error) and its line.
pub fn read_leads<R: Read>(
    source: Source<R>,
    format: Format,
    plan: &Plan,
    keys: &Keys,
    each: impl FnMut(u64, Result<Lead, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    read_records(source, format, &LeadSchema { plan, keys }, each)
}

/// Reads event records, calling `each` with each one (or its error) and its line.
pub fn read_events<R: Read>(
    source: Source<R>,
    format: Format,
    plan: &Plan,
    keys: &Keys,
    each: impl FnMut(u64, Result<EventRecord, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    read_records(source, format, &EventSchema { plan, keys }, each)
}

/// How one kind of record is read from a JSON object or a CSV row.
trait Schema {
    type Record;
    /// Reads one JSON Lines record from its text.
    fn read_json(&self, file: &str, line: u64, raw: &str) -> Result<Self::Record, RecordError>;
    fn read_csv_row(&self, row: &CsvRow<'_>) -> Result<Self::Record, RecordError>;
}

fn read_records<R: Read, S: Schema>(
    source: Source<R>,
    format: Format,
    schema: &S,
    mut each: impl FnMut(u64, Result<S::Record, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let file = source.name.clone();
    match format {
        Format::Jsonl => read_jsonl(source, |line, raw| {
            each(line, raw.and_then(|raw| schema.read_json(&file, line, raw)))
        }),
        Format::Csv => read_csv(source, |line, row| {
            each(line, row.and_then(|row| schema.read_csv_row(&row)))
        }),
    }
}

// ------------------------------------------------------------------ JSON Lines

/// Calls `each` for every non-blank line with the parsed object, or an error record.
fn read_jsonl<R: Read>(
    source: Source<R>,
    mut each: impl FnMut(u64, Result<&str, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let mut reader = BufReader::with_capacity(1 << 16, source.reader);
    let mut buffer = Vec::new();
    let mut line = 0u64;
    loop {
        buffer.clear();
        line += 1;
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(RecordError {
                    file: source.name.clone(),
                    line,
                    column: None,
                    field: None,
                    message: format!("cannot read: {e}"),
                    raw: String::new(),
                })
            }
        }
        let bytes = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // A line that is not UTF-8 is one bad record, not the end of the file.
        let text = std::str::from_utf8(bytes).map_err(|_| not_utf8(&source.name, line, bytes));
        each(line, text)?;
    }
}

/// The error for a line that is not valid UTF-8.
pub(crate) fn not_utf8(file: &str, line: u64, bytes: &[u8]) -> RecordError {
    RecordError {
        file: file.to_string(),
        line,
        column: None,
        field: None,
        message: "this line is not valid UTF-8 text".into(),
        raw: String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// One line as a JSON object, or the error naming its place.
fn parse_object(
    file: &str,
    line: u64,
    text: &str,
) -> Result<serde_json::Map<String, Json>, RecordError> {
    let message = match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => return Ok(map),
        Ok(other) => format!("expected a JSON object, found {}", json_kind(&other)),
        Err(e) => format!("broken JSON: {e}"),
    };
    Err(RecordError {
        file: file.to_string(),
        line,
        column: None,
        field: None,
        message,
        raw: text.to_string(),
    })
}

/// Parses one JSON Lines lead record.
pub fn parse_lead_line(
    plan: &Plan,
    keys: &Keys,
    file: &str,
    line: u64,
    text: &str,
) -> Result<Lead, RecordError> {
    LeadSchema { plan, keys }.read_json(file, line, text)
}

/// Parses one JSON Lines event record with the full parser (exact error messages).
pub fn parse_event_line(
    plan: &Plan,
    keys: &Keys,
    file: &str,
    line: u64,
    text: &str,
) -> Result<EventRecord, RecordError> {
    EventSchema { plan, keys }.read_json(file, line, text)
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A JSON value as a typed field value (`None` for null).
fn json_value(decl_ty: ValueType, name: &str, v: &Json) -> Result<Option<Value>, (String, String)> {
    let value = match v {
        Json::Null => return Ok(None),
        Json::String(s) => Value::Str(s.clone()),
        Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        Json::Bool(b) => Value::Bool(*b),
        other => {
            return Err((
                name.to_string(),
                format!("expected {}, found {}", decl_ty.name(), json_kind(other)),
            ))
        }
    };
    coerce(name, decl_ty, value)
        .map(Some)
        .map_err(|e| (e.field, e.problem))
}

fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// A timestamp: RFC 3339, a date, or seconds since the epoch.
fn json_time(v: &Json) -> Option<i64> {
    match v {
        Json::String(s) => crate::time::parse_timestamp(s),
        // The shortest decimal that gives the number back: `1790899200.1` is .100000.
        Json::Number(n) => crate::time::parse_decimal_seconds(&n.to_string()),
        _ => None,
    }
}

// ------------------------------------------------------------------ CSV

struct CsvRow<'a> {
    file: &'a str,
    line: u64,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl CsvRow<'_> {
    fn get(&self, name: &str) -> Option<(usize, &str)> {
        let i = self.headers.iter().position(|h| h == name)?;
        self.record.get(i).map(|v| (i, v))
    }

    fn raw(&self) -> String {
        self.record.iter().collect::<Vec<_>>().join(",")
    }

    fn error(&self, column: Option<usize>, field: Option<&str>, message: String) -> RecordError {
        RecordError {
            file: self.file.to_string(),
            line: self.line,
            column: column.map(|c| c as u64 + 1),
            field: field.map(str::to_string),
            message,
            raw: self.raw(),
        }
    }
}

/// Calls `each` for every non-blank row (or an error for a row that cannot be used).
fn read_csv<R: Read>(
    source: Source<R>,
    mut each: impl FnMut(u64, Result<CsvRow<'_>, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    // Flexible: a row with the wrong number of cells is a bad record (which the caller
    // may set aside), not the end of the file.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(source.reader);
    let fail = |line: u64, message: String, raw: String| RecordError {
        file: source.name.clone(),
        line,
        column: None,
        field: None,
        message,
        raw,
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(1, format!("cannot read the header row: {e}"), String::new()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                return Err(fail(
                    e.position().map_or(0, |p| p.line()),
                    format!("broken CSV: {e}"),
                    String::new(),
                ))
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != headers.len() {
            let raw = record.iter().collect::<Vec<_>>().join(",");
            let message = format!(
                "this row has {} cells but the header has {}",
                record.len(),
                headers.len()
            );
            each(line, Err(fail(line, message, raw)))?;
            continue;
        }
        let row = CsvRow {
            file: &source.name,
            line,
            headers: &headers,
            record: &record,
        };
        each(line, Ok(row))?;
    }
}

/// A CSV cell as a typed value (`None` for an empty cell).
fn csv_value(ty: ValueType, name: &str, cell: &str) -> Result<Option<Value>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let value = match ty {
        ValueType::String => Value::Str(cell.to_string()),
        ValueType::Int | ValueType::Number => match cell.parse::<f64>() {
            Ok(n) if n.is_finite() => Value::Number(n),
            _ => return Err(format!("expected {}, found {cell:?}", ty.name())),
        },
        ValueType::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("expected true or false, found {cell:?}")),
        },
        ValueType::Time => match crate::time::parse_decimal_seconds(cell) {
            Some(micros) => Value::Time(micros),
            None => Value::Str(cell.to_string()),
        },
        ValueType::Duration => {
            match parse_duration(cell).or_else(|| crate::time::parse_decimal_seconds(cell)) {
                Some(d) => Value::Duration(d),
                None => return Err(format!("expected a duration like 30d, found {cell:?}")),
            }
        }
    };
    coerce(name, ty, value).map(Some).map_err(|e| e.problem)
}

fn csv_time(cell: &str) -> Option<i64> {
    let cell = cell.trim();
    crate::time::parse_decimal_seconds(cell).or_else(|| crate::time::parse_timestamp(cell))
}

// ------------------------------------------------------------------ schemas

struct LeadSchema<'a> {
    plan: &'a Plan,
    keys: &'a Keys,
}

impl LeadSchema<'_> {
    /// The fast path for a flat, well-typed line; `None` sends it to serde_json.
    fn scan(&self, raw: &str) -> Option<Lead> {
        // Room for the members of a typical lead line without regrowing.
        let mut members = Vec::with_capacity(16);
        scan::scan_object(raw, &mut members)?;
        let get = |key: &str| scan::member(&members, key);
        let id = scan::plain_text(get(&self.keys.id))?.to_string();
        let mut fields = vec![None; self.plan.lead_fields.len()];
        fill_fields(&self.plan.lead_fields, &get, &mut fields)?;
        Some(Lead { id, fields })
    }
}

impl Schema for LeadSchema<'_> {
    type Record = Lead;

    fn read_json(&self, file: &str, line: u64, raw: &str) -> Result<Lead, RecordError> {
        if let Some(lead) = self.scan(raw) {
            return Ok(lead);
        }
        let object = parse_object(file, line, raw)?;
        let error = |field: Option<String>, message: String| RecordError {
            file: file.to_string(),
            line,
            column: None,
            field,
            message,
            raw: raw.to_string(),
        };
        let id = match object.get(&self.keys.id) {
            Some(v) => json_text(v).ok_or_else(|| {
                error(
                    Some(self.keys.id.clone()),
                    "expected a lead id (text or a whole number)".into(),
                )
            })?,
            None => {
                return Err(error(
                    None,
                    format!("the lead has no `{}` (its id)", self.keys.id),
                ))
            }
        };
        let mut fields = vec![None; self.plan.lead_fields.len()];
        for (slot, decl) in fields.iter_mut().zip(&self.plan.lead_fields) {
            if let Some(v) = object.get(&decl.name) {
                *slot = json_value(decl.ty, &decl.name, v).map_err(|(f, m)| error(Some(f), m))?;
            }
        }
        Ok(Lead { id, fields })
    }

    fn read_csv_row(&self, row: &CsvRow<'_>) -> Result<Lead, RecordError> {
        let id = match row.get(&self.keys.id) {
            Some((_, id)) if !id.trim().is_empty() => id.trim().to_string(),
            Some((col, _)) => {
                return Err(row.error(
                    Some(col),
                    Some(&self.keys.id),
                    "the lead id is empty".into(),
                ))
            }
            None => {
                return Err(row.error(
                    None,
                    None,
                    format!("there is no `{}` column (the lead id)", self.keys.id),
                ))
            }
        };
        let fields = csv_fields(row, &self.plan.lead_fields)?;
        Ok(Lead { id, fields })
    }
}

fn csv_fields(row: &CsvRow<'_>, decls: &[FieldDecl]) -> Result<Vec<Option<Value>>, RecordError> {
    decls
        .iter()
        .map(|decl| match row.get(&decl.name) {
            Some((col, cell)) => csv_value(decl.ty, &decl.name, cell)
                .map_err(|m| row.error(Some(col), Some(&decl.name), m)),
            None => Ok(None),
        })
        .collect()
}

struct EventSchema<'a> {
    plan: &'a Plan,
    keys: &'a Keys,
}

impl Schema for EventSchema<'_> {
    type Record = EventRecord;

    fn read_json(&self, file: &str, line: u64, raw: &str) -> Result<EventRecord, RecordError> {
        let object = parse_object(file, line, raw)?;
        let error = |field: Option<&str>, message: String| RecordError {
            file: file.to_string(),
            line,
            column: None,
            field: field.map(str::to_string),
            message,
            raw: raw.to_string(),
        };
        let keys = self.keys;
        let lead = match object.get(&keys.lead) {
            Some(v) => json_text(v).ok_or_else(|| {
                error(
                    Some(&keys.lead),
                    "expected a lead id (text or a whole number)".into(),
                )
            })?,
            None => {
                return Err(error(
                    None,
                    format!("the event has no `{}` (the lead it belongs to)", keys.lead),
                ))
            }
        };
        let event_type = match object.get(&keys.event_type) {
            Some(Json::String(t)) if !t.is_empty() => t.as_str(),
            Some(_) => {
                return Err(error(
                    Some(&keys.event_type),
                    "expected the event type as text".into(),
                ))
            }
            None => {
                return Err(error(
                    None,
                    format!("the event has no `{}` (its type)", keys.event_type),
                ))
            }
        };
        let ts = match object.get(&keys.ts) {
            Some(v) => json_time(v).ok_or_else(|| {
                error(Some(&keys.ts), "expected a time: RFC 3339 (2026-10-01T10:00:00Z), a date or seconds since 1970".into())
            })?,
            None => return Err(error(None, format!("the event has no `{}` (its time)", keys.ts))),
        };
        let Some(index) = self.plan.event_index(event_type) else {
            return Ok(EventRecord::Undeclared {
                lead,
                event_type: event_type.to_string(),
            });
        };
        let decls = &self.plan.events[index].props;
        let mut props = vec![None; decls.len()];
        for (slot, decl) in props.iter_mut().zip(decls) {
            if let Some(v) = object.get(&decl.name) {
                *slot = json_value(decl.ty, &decl.name, v).map_err(|(f, m)| error(Some(&f), m))?;
            }
        }
        Ok(EventRecord::Declared(Event {
            lead,
            event_type: index as u32,
            ts,
            props,
        }))
    }

    fn read_csv_row(&self, row: &CsvRow<'_>) -> Result<EventRecord, RecordError> {
        let keys = self.keys;
        let required = |name: &str, what: &str| match row.get(name) {
            Some((col, cell)) if cell.trim().is_empty() => {
                Err(row.error(Some(col), Some(name), format!("{what} is empty")))
            }
            Some((col, cell)) => Ok((col, cell.trim())),
            None => Err(row.error(None, None, format!("there is no `{name}` column ({what})"))),
        };
        let (_, lead) = required(&keys.lead, "the lead id")?;
        let (_, event_type) = required(&keys.event_type, "the event type")?;
        let (ts_col, ts_text) = required(&keys.ts, "the event time")?;
        let ts = csv_time(ts_text).ok_or_else(|| {
            row.error(
                Some(ts_col),
                Some(&keys.ts),
                format!("{ts_text:?} is not a time: use RFC 3339 (2026-10-01T10:00:00Z), a date or seconds since 1970"),
            )
        })?;
        let Some(index) = self.plan.event_index(event_type) else {
            return Ok(EventRecord::Undeclared {
                lead: lead.to_string(),
                event_type: event_type.to_string(),
            });
        };
        let props = csv_fields(row, &self.plan.events[index].props)?;
        Ok(EventRecord::Declared(Event {
            lead: lead.to_string(),
            event_type: index as u32,
            ts,
            props,
        }))
    }
}

/// Typed fields from a scanned line, reusing the strings already in `slots`. `None` when
/// a value needs the full parser (escapes, other time forms, type errors).
pub fn fill_fields<'l>(
    decls: &[crate::plan::FieldDecl],
    get: &impl Fn(&str) -> Option<Raw<'l>>,
    slots: &mut [Option<Value>],
) -> Option<()> {
    for (slot, decl) in slots.iter_mut().zip(decls) {
        match (get(&decl.name), decl.ty) {
            (None | Some(Raw::Null), _) => *slot = None,
            (
                Some(Raw::Str {
                    text,
                    escaped: false,
                }),
                ValueType::String,
            ) => match slot {
                Some(Value::Str(buffer)) => {
                    buffer.clear();
                    buffer.push_str(text);
                }
                _ => *slot = Some(Value::Str(text.to_string())),
            },
            (Some(Raw::Num(text)), ValueType::Number | ValueType::Int) => {
                let n: f64 = text.parse().ok()?;
                if !n.is_finite() || (decl.ty == ValueType::Int && n.fract() != 0.0) {
                    return None;
                }
                *slot = Some(Value::Number(n));
            }
            (Some(Raw::Bool(b)), ValueType::Bool) => *slot = Some(Value::Bool(b)),
            (
                Some(Raw::Str {
                    text,
                    escaped: false,
                }),
                ValueType::Time,
            ) => *slot = Some(Value::Time(utc_timestamp(text.as_bytes())?)),
            _ => return None,
        }
    }
    Some(())
}
