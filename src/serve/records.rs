//! Records posted to the service, read exactly as input files read them
//! ([`input::parse_event_line`], [`input::parse_lead_line`]: the same checks, messages
//! and codes), and stricter in one way: a field the model does not declare, or an event
//! type it does not know, is refused rather than ignored.

use crate::diagnostics::Code;
use crate::input::{self, EventRecord, Keys, RecordError};
use crate::plan::Plan;
use crate::record::{Event, Lead};
use crate::vocab::ReadOptions;
use serde::de::IgnoredAny;
use serde::Serialize;
use std::collections::HashMap;

/// The longest line of a body.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// What messages call the body, where a file name would be.
const BODY: &str = "body";

/// A line of a body that cannot be stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadLine {
    /// The line of the body (from 1).
    pub line: u64,
    /// The error's code.
    pub code: &'static str,
    /// The field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl BadLine {
    pub fn new(line: u64, code: Code, field: Option<&str>, message: impl Into<String>) -> Self {
        BadLine {
            line,
            code: code.as_str(),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    fn of(error: RecordError) -> Self {
        BadLine {
            line: error.line,
            code: error.code().as_str(),
            field: error.field,
            message: error.message,
        }
    }
}

/// An event read from a body, with its text (what is stored).
#[derive(Debug, Clone)]
pub struct PostedEvent {
    pub line: u64,
    pub text: String,
    pub event: EventRecord,
}

/// The most bad lines an answer lists (it counts them all): a body of a million bad
/// lines must not make an answer of a million errors.
pub const MAX_LISTED: usize = 1000;

/// The bad lines of a body: the first [`MAX_LISTED`], and how many there are.
#[derive(Debug, Default)]
pub struct BadLines {
    pub listed: Vec<BadLine>,
    pub count: usize,
}

impl BadLines {
    pub fn push(&mut self, bad: BadLine) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(bad);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The events of a body: one JSON object, or JSON Lines (`lines`), blank lines skipped.
pub fn read_events(plan: &Plan, body: &str, lines: bool) -> (Vec<PostedEvent>, BadLines) {
    // A byte-order mark, as an input file may start with one.
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut good = Vec::new();
    let mut bad = BadLines::default();
    let mut read = |line: u64, text: &str| match read_event(plan, line, text) {
        Ok(event) => good.push(PostedEvent {
            line,
            text: one_line(text),
            event,
        }),
        Err(error) => bad.push(error),
    };
    if lines {
        for (i, text) in body.split('\n').enumerate() {
            if !text.trim().is_empty() {
                read(i as u64 + 1, text);
            }
        }
    } else if !body.trim().is_empty() {
        read(1, body);
    }
    if good.is_empty() && bad.is_empty() {
        bad.push(BadLine::new(
            1,
            Code::BadRequest,
            None,
            "the body has no event",
        ));
    }
    (good, bad)
}

/// A record as stored: trimmed, and on one line, so that the stored records are a JSON
/// Lines file (`SELECT record FROM events`). Outside its strings (which cannot hold a
/// raw line break) a break in valid JSON is white space, so this changes no value.
pub fn one_line(text: &str) -> String {
    text.trim().replace(['\n', '\r'], " ")
}

/// One posted event record. An event of a type the model does not declare is taken as
/// an input file's is: its lead is known, and it counts for no score (it is stored, and
/// counts once a model declares its type).
pub fn read_event(plan: &Plan, line: u64, text: &str) -> Result<EventRecord, BadLine> {
    if text.len() > MAX_LINE_BYTES {
        let message = format!(
            "the line is {} bytes long; a record may be at most {MAX_LINE_BYTES} bytes",
            text.len()
        );
        return Err(BadLine::new(line, Code::BadRequest, None, message));
    }
    let keys = Keys::default();
    let record = input::parse_event_line(plan, &keys, ReadOptions::default(), BODY, line, text)
        .map_err(BadLine::of)?;
    let EventRecord::Declared(event) = &record else {
        return Ok(record);
    };
    let declared = &plan.events[event.event_type as usize];
    let known = [&keys.lead, &keys.event_type, &keys.ts];
    let props = declared.props.iter().map(|p| p.name.as_str());
    let allowed: Vec<&str> = known.iter().map(|k| k.as_str()).chain(props).collect();
    unknown_field(text, &allowed, &format!("event `{}`", declared.name))
        .map_err(|(field, message)| BadLine::new(line, field.code(), field.name(), message))?;
    Ok(record)
}

/// A stored event, read as an input file's line is (fields the model does not declare
/// ignored): `None` for an event of a type it does not declare.
pub fn read_stored_event(plan: &Plan, text: &str) -> Result<Option<Event>, RecordError> {
    let record = input::parse_event_line(
        plan,
        &Keys::default(),
        ReadOptions::default(),
        BODY,
        1,
        text,
    )?;
    Ok(match record {
        EventRecord::Declared(event) => Some(event),
        EventRecord::Undeclared { .. } => None,
    })
}

/// A stored lead, read as an input file's line is (fields the model does not declare
/// ignored).
pub fn read_stored_lead(plan: &Plan, id: &str, attributes: &str) -> Result<Lead, RecordError> {
    let line = lead_line(id, attributes);
    input::parse_lead_line(
        plan,
        &Keys::default(),
        ReadOptions::default(),
        BODY,
        1,
        &line,
    )
}

/// A lead's attributes (a JSON object without the id) as the lead record they make.
pub fn read_lead(plan: &Plan, id: &str, attributes: &str) -> Result<Lead, BadLine> {
    let fields: Vec<&str> = plan.lead_fields.iter().map(|f| f.name.as_str()).collect();
    if let Err((field, message)) = unknown_field(attributes, &fields, "the `lead` block") {
        let message = if field.name() == Some(Keys::default().id.as_str()) {
            "the lead's id is the last segment of the path, not a field of the body".to_string()
        } else {
            message
        };
        return Err(BadLine::new(1, field.code(), field.name(), message));
    }
    read_stored_lead(plan, id, attributes).map_err(BadLine::of)
}

/// The lead record of `id` with `attributes` (a JSON object's text): the object with the
/// id put first.
fn lead_line(id: &str, attributes: &str) -> String {
    let id = serde_json::to_string(id).expect("a string serializes");
    let rest = attributes
        .trim()
        .strip_prefix('{')
        .unwrap_or("}")
        .trim_start();
    if rest.starts_with('}') {
        format!("{{\"id\":{id}}}")
    } else {
        format!("{{\"id\":{id},{rest}")
    }
}

/// What [`unknown_field`] found wrong.
enum Unknown {
    /// The text is not a JSON object.
    NotAnObject,
    /// A member the schema does not have.
    Field(String),
}

impl Unknown {
    fn code(&self) -> Code {
        match self {
            Unknown::NotAnObject => Code::MalformedRecord,
            Unknown::Field(_) => Code::UnknownRecordField,
        }
    }

    fn name(&self) -> Option<&str> {
        match self {
            Unknown::NotAnObject => None,
            Unknown::Field(name) => Some(name),
        }
    }
}

/// The first member of the JSON object `text` not named in `allowed`, with a message;
/// an error too when `text` is not a JSON object.
fn unknown_field(text: &str, allowed: &[&str], place: &str) -> Result<(), (Unknown, String)> {
    let object: HashMap<String, IgnoredAny> = match serde_json::from_str(text) {
        Ok(object) => object,
        // The record readers say what is wrong with it.
        Err(_) if text.trim_start().starts_with('{') => return Ok(()),
        Err(_) => {
            let message = "expected a JSON object".to_string();
            return Err((Unknown::NotAnObject, message));
        }
    };
    let mut unknown: Vec<&String> = object
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    unknown.sort();
    match unknown.first() {
        None => Ok(()),
        Some(name) => {
            let message = format!(
                "`{name}` is not a field of {place}{}",
                did_you_mean(name, allowed.iter().copied())
            );
            Err((Unknown::Field(name.to_string()), message))
        }
    }
}

/// `; did you mean `x`?` for the closest of `names`, if one is close.
fn did_you_mean<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| (strsim::jaro_winkler(name, n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| format!("; did you mean `{n}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_goes_first_in_the_lead_record() {
        assert_eq!(lead_line("a\"b", "{}"), r#"{"id":"a\"b"}"#);
        assert_eq!(lead_line("L1", r#" { "x": 1 }"#), r#"{"id":"L1","x": 1 }"#);
    }
}
