//! The input of evaluation: leads and events, with values typed by the plan's schema.

use crate::plan::{Plan, ValueType};
use serde::{Deserialize, Serialize};

/// The value of a lead field or event property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Str(String),
    Number(f64),
    Bool(bool),
    /// Seconds since the Unix epoch, UTC.
    Time(i64),
    /// Seconds.
    Duration(i64),
}

/// A lead: its id and its fields, in the plan's field order (`None` = absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lead {
    pub id: String,
    pub fields: Vec<Option<Value>>,
}

/// An event of a declared type: the plan's event index, a time, and its properties in
/// the declaration's order (`None` = absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    pub lead: String,
    pub event_type: u32,
    pub ts: i64,
    pub props: Vec<Option<Value>>,
}

/// A value that does not fit its declared type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("field `{field}`: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl Lead {
    /// A lead with every field absent (one that appears only in events).
    pub fn unknown(id: impl Into<String>, plan: &Plan) -> Lead {
        Lead {
            id: id.into(),
            fields: vec![None; plan.lead_fields.len()],
        }
    }
}

/// Checks that `value` fits `ty`, converting where the meaning is unambiguous (a whole
/// number for an `int`, seconds for a `time` or `duration`).
pub fn coerce(field: &str, ty: ValueType, value: Value) -> Result<Value, FieldError> {
    let fail = |problem: String| FieldError {
        field: field.to_string(),
        problem,
    };
    match (ty, value) {
        (ValueType::String, v @ Value::Str(_)) => Ok(v),
        (ValueType::Bool, v @ Value::Bool(_)) => Ok(v),
        (ValueType::Number, Value::Number(n)) if n.is_finite() => Ok(Value::Number(n)),
        (ValueType::Int, Value::Number(n)) if n.is_finite() && n.fract() == 0.0 => {
            Ok(Value::Number(n))
        }
        (ValueType::Int, Value::Number(n)) => {
            Err(fail(format!("expected a whole number (int), found {n}")))
        }
        (ValueType::Time, v @ Value::Time(_)) => Ok(v),
        (ValueType::Time, Value::Number(n)) if n.is_finite() => Ok(Value::Time(n.floor() as i64)),
        (ValueType::Time, Value::Str(s)) => crate::time::parse_timestamp(&s)
            .map(Value::Time)
            .ok_or_else(|| {
                fail(format!(
                    "`{s}` is not a time: {}",
                    crate::time::timestamp_hint(&s)
                ))
            }),
        (ValueType::Duration, v @ Value::Duration(_)) => Ok(v),
        (ValueType::Duration, Value::Number(n)) if n.is_finite() => Ok(Value::Duration(n as i64)),
        (ValueType::Duration, Value::Str(s)) => parse_duration(&s)
            .map(Value::Duration)
            .ok_or_else(|| fail(format!("`{s}` is not a duration like `30d`"))),
        (ty, value) => Err(fail(format!(
            "expected {} {}, found {}",
            article(ty),
            ty.name(),
            describe(&value)
        ))),
    }
}

fn article(ty: ValueType) -> &'static str {
    if matches!(ty, ValueType::Int) {
        "an"
    } else {
        "a"
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("the text {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Time(t) => crate::time::format_timestamp(*t),
        Value::Duration(d) => crate::time::format_duration(*d),
    }
}

/// `30d`, `12h`… as seconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(digits_end);
    let count: i64 = digits.parse().ok()?;
    count.checked_mul(crate::time::unit_seconds(unit)?)
}
