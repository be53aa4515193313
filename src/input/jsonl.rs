//! JSON Lines: lines, objects and their members.
//!
//! A line is read by the fast scanner when it is a flat object without escapes (nearly
//! always), else by serde_json; either way its members reach the schemas as the same
//! [`Cell`]s, so which parser read a line never changes what it means.

use super::scan::{self, Raw as Scanned};
use super::schema::{is_whole_number, Cell, Record};
use super::{Keys, RecordError, Source};
use crate::diagnostics::Code;
use crate::plan::{FieldDecl, Plan};
use crate::record::Lead;
use crate::vocab::{read_into, Raw, ReadOptions, Value};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::io::{BufRead, BufReader, Read};

/// The UTF-8 byte order mark some tools write at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a UTF-8 byte order mark at its start (CSV readers drop one too).
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Calls `each` for every non-blank line with its text, or an error for a line that is
/// not UTF-8.
pub(super) fn read_lines<R: Read>(
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
            Err(e) => return Err(RecordError::unreadable(&source.name, line, &e)),
        }
        let bytes = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let bytes = if line == 1 { strip_bom(bytes) } else { bytes };
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
    RecordError::new(
        Code::MalformedRecord,
        file,
        line,
        "this line is not valid UTF-8 text",
    )
    .with_raw(String::from_utf8_lossy(bytes))
}

/// One JSON Lines record: the members of the object on one line.
pub(crate) struct JsonRecord<'a> {
    file: &'a str,
    line: u64,
    text: &'a str,
    members: Members<'a>,
}

enum Members<'a> {
    /// Read by the fast scanner: a flat object without escapes.
    Scanned(Vec<(&'a str, Scanned<'a>)>),
    /// Read by serde_json, with the text of its number members, found when first asked
    /// for (see [`number_texts`]).
    Parsed(
        serde_json::Map<String, Json>,
        OnceCell<Vec<(String, &'a str)>>,
    ),
}

impl<'a> JsonRecord<'a> {
    /// Parses the object on one line, or names what is wrong with the line.
    pub(crate) fn parse(file: &'a str, line: u64, text: &'a str) -> Result<Self, RecordError> {
        // Room for the members of a typical line without regrowing.
        let mut members = Vec::with_capacity(16);
        let scanned = scan::scan_object(text, &mut members).is_some()
            && !members
                .iter()
                .any(|(_, value)| matches!(value, Scanned::Str { escaped: true, .. }));
        let members = if scanned {
            Members::Scanned(members)
        } else {
            Members::Parsed(parse_object(file, line, text)?, OnceCell::new())
        };
        Ok(JsonRecord {
            file,
            line,
            text,
            members,
        })
    }
}

impl JsonRecord<'_> {
    /// The lead on a scanned line whose id and fields all fit, read as the event reader's
    /// fast path reads events (through [`fill_fields`]), without building [`Cell`]s: a
    /// lead file is read about twice as fast. `None` sends the line to
    /// [`super::schema::read_lead`], which gives the same lead or names the problem.
    pub(super) fn lead_fast(&self, plan: &Plan, keys: &Keys, options: ReadOptions) -> Option<Lead> {
        let mut lead = Lead::default();
        self.lead_fast_into(plan, keys, options, &mut lead)?;
        Some(lead)
    }

    /// [`JsonRecord::lead_fast`] into `lead`, whose text buffers are reused (a thread
    /// reading many leads allocates nothing for one whose fields fit them); `lead` is
    /// left half-written when `None`.
    pub(super) fn lead_fast_into(
        &self,
        plan: &Plan,
        keys: &Keys,
        options: ReadOptions,
        lead: &mut Lead,
    ) -> Option<()> {
        let Members::Scanned(members) = &self.members else {
            return None;
        };
        let get = |key: &str| scan::member(members, key);
        let id = json_id(get(&keys.id))?;
        lead.id.clear();
        lead.id.push_str(id);
        lead.fields.resize(plan.lead_fields.len(), None);
        fill_fields(&plan.lead_fields, &get, &mut lead.fields, options)
    }
}

impl Record for JsonRecord<'_> {
    const PLACE: &'static str = "";

    fn get(&self, name: &str) -> Option<Cell<'_>> {
        match &self.members {
            Members::Scanned(members) => scan::member(members, name).map(|value| match value {
                Scanned::Str { text, .. } => Cell::Text(Cow::Borrowed(text)),
                Scanned::Num(text) => Cell::Number(Cow::Borrowed(text)),
                Scanned::Bool(b) => Cell::Bool(b),
                Scanned::Null => Cell::Empty,
            }),
            Members::Parsed(object, numbers) => object.get(name).map(|value| match value {
                Json::Null => Cell::Empty,
                Json::String(text) => Cell::Text(Cow::Borrowed(text)),
                // Its digits as written, as the scanner gives them (the float may have lost
                // some: `1100000000.1027049` would be `…0.102705`).
                Json::Number(n) => {
                    let numbers = numbers.get_or_init(|| number_texts(self.text));
                    let text = numbers.iter().rev().find(|(key, _)| key == name);
                    Cell::Number(text.map_or_else(
                        || Cow::Owned(n.to_string()),
                        |(_, text)| Cow::Borrowed(*text),
                    ))
                }
                Json::Bool(b) => Cell::Bool(*b),
                Json::Array(_) => Cell::Nested("a list"),
                Json::Object(_) => Cell::Nested("an object"),
            }),
        }
    }

    fn error(&self, code: Code, field: Option<&str>, message: String) -> RecordError {
        let error = RecordError::new(code, self.file, self.line, message).with_raw(self.text);
        match field {
            Some(field) => error.with_field(field),
            None => error,
        }
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
    Err(RecordError::new(Code::MalformedRecord, file, line, message).with_raw(text))
}

/// The members of the JSON object `text` that are numbers, with their text as written
/// (empty if `text` is not an object). For a line serde_json has read, whose floats may
/// have lost digits: reading the line again is the price of their digits, on the rare
/// lines the scanner leaves.
fn number_texts(text: &str) -> Vec<(String, &str)> {
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde_json::value::RawValue;

    struct Numbers;
    impl<'de> Visitor<'de> for Numbers {
        type Value = Vec<(String, &'de str)>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
            let mut numbers = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value::<&RawValue>()?.get();
                if value.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    numbers.push((key, value));
                }
            }
            Ok(numbers)
        }
    }

    let mut json = serde_json::Deserializer::from_str(text);
    json.deserialize_map(Numbers).unwrap_or_default()
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

/// A lead id from a scanned member: non-empty text, or a whole number as written (the
/// rule [`super::schema`] applies to every record). `None` when the member is missing,
/// not an id, or needs unescaping.
pub(crate) fn json_id(value: Option<Scanned<'_>>) -> Option<&str> {
    match value? {
        Scanned::Str {
            text,
            escaped: false,
        } if !text.is_empty() => Some(text),
        Scanned::Num(text) if is_whole_number(text) => Some(text),
        _ => None,
    }
}

/// Typed fields from a scanned line, through [`read_into`] (so the strings already in
/// `slots` are reused). `None` when a value needs the full reader: escapes to undo, or a
/// value that does not fit (the full reader names the problem).
pub fn fill_fields<'l>(
    decls: &[FieldDecl],
    get: &impl Fn(&str) -> Option<Scanned<'l>>,
    slots: &mut [Option<Value>],
    options: ReadOptions,
) -> Option<()> {
    for (slot, decl) in slots.iter_mut().zip(decls) {
        let raw = match get(&decl.name) {
            None | Some(Scanned::Null) => None,
            Some(Scanned::Str {
                text,
                escaped: false,
            }) => Some(Raw::Text(text)),
            Some(Scanned::Str { escaped: true, .. }) => return None,
            Some(Scanned::Num(text)) => Some(Raw::Number(text)),
            Some(Scanned::Bool(b)) => Some(Raw::Bool(b)),
        };
        read_into(slot, &decl.name, decl.ty, raw, options).ok()?;
    }
    Some(())
}
