//! The vocabulary every stage shares: value types and values, comparison operators,
//! aggregate kinds and built-in functions, and the one way a raw value is made to fit its
//! declared type.
//!
//! It depends on nothing but `time`, so the stages can all use it while depending on each
//! other in one direction only: syntax → check → plan → eval.

use serde::Serialize;

/// The type of a lead field or event property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ValueType {
    String,
    Int,
    Number,
    Bool,
    Time,
    Duration,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Int => "int",
            ValueType::Number => "number",
            ValueType::Bool => "bool",
            ValueType::Time => "time",
            ValueType::Duration => "duration",
        }
    }
}

/// The value of a lead field or event property.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Str(String),
    Number(f64),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    Time(i64),
    /// Microseconds.
    Duration(i64),
}

/// A value that does not fit its declared type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("field `{field}`: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AggFn {
    Count,
    Sum,
    Exists,
    DaysSince,
}

impl AggFn {
    pub fn name(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::Sum => "sum",
            AggFn::Exists => "exists",
            AggFn::DaysSince => "days_since",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Function {
    StartsWith,
    EndsWith,
    Contains,
    Lower,
    Upper,
    Trim,
    Length,
    Domain,
    Has,
    Abs,
    Round,
    Floor,
    Ceil,
    Now,
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::StartsWith,
        Function::EndsWith,
        Function::Contains,
        Function::Lower,
        Function::Upper,
        Function::Trim,
        Function::Length,
        Function::Domain,
        Function::Has,
        Function::Abs,
        Function::Round,
        Function::Floor,
        Function::Ceil,
        Function::Now,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Function::StartsWith => "starts_with",
            Function::EndsWith => "ends_with",
            Function::Contains => "contains",
            Function::Lower => "lower",
            Function::Upper => "upper",
            Function::Trim => "trim",
            Function::Length => "length",
            Function::Domain => "domain",
            Function::Has => "has",
            Function::Abs => "abs",
            Function::Round => "round",
            Function::Floor => "floor",
            Function::Ceil => "ceil",
            Function::Now => "now",
        }
    }

    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            Function::Now => 0,
            Function::StartsWith | Function::EndsWith | Function::Contains => 2,
            _ => 1,
        }
    }
}

/// Checks that `value` fits `ty`, converting where the meaning is unambiguous (a whole
/// number for an `int`, a number of seconds for a `time` or `duration`).
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
        (ValueType::Time, Value::Number(n)) => seconds_number(n)
            .map(Value::Time)
            .ok_or_else(|| fail(format!("{n} is not a time in seconds since 1970"))),
        (ValueType::Time, Value::Str(s)) => crate::time::parse_timestamp(&s)
            .map(Value::Time)
            .ok_or_else(|| {
                fail(format!(
                    "`{s}` is not a time: {}",
                    crate::time::timestamp_hint(&s)
                ))
            }),
        (ValueType::Duration, v @ Value::Duration(_)) => Ok(v),
        (ValueType::Duration, Value::Number(n)) => seconds_number(n)
            .map(Value::Duration)
            .ok_or_else(|| fail(format!("{n} is not a number of seconds"))),
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

/// A number of seconds as microseconds, read from the shortest decimal that gives the
/// number back (so `0.1` is exactly 100,000 µs); `None` if not finite or out of range.
fn seconds_number(n: f64) -> Option<i64> {
    if !n.is_finite() {
        return None;
    }
    crate::time::parse_decimal_seconds(&n.to_string())
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

/// `30d`, `12h`… as microseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(digits_end);
    let count: i64 = digits.parse().ok()?;
    count.checked_mul(crate::time::unit_micros(unit)?)
}
