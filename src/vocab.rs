//! The vocabulary every stage shares: value types and values, comparison operators,
//! aggregate kinds and built-in functions, and the one way a raw value is made to fit its
//! declared type.
//!
//! It depends on nothing but `time`, so the stages can all use it while depending on each
//! other in one direction only: syntax → check → plan → eval.

use serde::Serialize;

/// The type of a lead field or event property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ValueType {
    /// Text.
    String,
    /// A whole number.
    Int,
    /// Any number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A point in time (UTC, to the microsecond).
    Time,
    /// A length of time.
    Duration,
}

impl ValueType {
    /// The type's name as the language writes it: `string`, `int`, …
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
#[non_exhaustive]
pub enum Value {
    /// Text.
    Str(String),
    /// A number (also an `int`'s value: a whole number).
    Number(f64),
    /// `true` or `false`.
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
    /// The field or property.
    pub field: String,
    /// What is wrong with its value.
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

/// A value as an input writes it, before it has a type: a JSON string or number, `true`
/// or `false`, or a CSV cell. An absent value (JSON `null` or no member, an empty CSV
/// cell) is `None` wherever a `Raw` is optional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// Text: a JSON string (unescaped) or a CSV cell.
    Text(&'a str),
    /// A number as written (a JSON number's text), so a time's digits are read as written.
    Number(&'a str),
    Bool(bool),
}

/// How a raw input value becomes a value of its declared type: the one rule JSON Lines
/// (both readers), CSV, [`coerce`] and so test blocks follow, so the same text means the
/// same thing everywhere.
///
/// - `string` takes text exactly as written (no trimming).
/// - `int` and `number` take a number, or text that spells one (`"120"`); an `int` must be
///   whole.
/// - `bool` takes `true`/`false`, or the text `true`/`false` in any case.
/// - `time` takes text in RFC 3339 or as a date, or seconds since 1970 as a number or as
///   text (`1790899200.25`), read from the digits to the microsecond.
/// - `duration` takes `30d`-style text, or seconds as a number or as text.
///
/// Spaces around text that must spell a number, boolean, time or duration are ignored.
#[inline]
pub fn read_value(field: &str, ty: ValueType, raw: Raw<'_>) -> Result<Value, FieldError> {
    typed(ty, raw).ok_or_else(|| FieldError {
        field: field.to_string(),
        problem: why_not(ty, raw),
    })
}

/// The value `raw` is as a `ty`, if it is one: [`read_value`]'s table. Small, so it is
/// inlined into the readers' loops (passing values through memory to a call costs a
/// quarter of reading a lead file); the words for a value that does not fit are in
/// [`why_not`].
#[inline]
fn typed(ty: ValueType, raw: Raw<'_>) -> Option<Value> {
    match (ty, raw) {
        (ValueType::String, Raw::Text(text)) => Some(Value::Str(text.to_string())),
        (ValueType::Int | ValueType::Number, Raw::Number(text)) => {
            whole_if_int(ty, text.parse().ok()?)
        }
        (ValueType::Int | ValueType::Number, Raw::Text(text)) => {
            whole_if_int(ty, text.trim().parse().ok()?)
        }
        (ValueType::Bool, Raw::Bool(b)) => Some(Value::Bool(b)),
        (ValueType::Bool, Raw::Text(text)) => bool_text(text.trim()).map(Value::Bool),
        (ValueType::Time, Raw::Number(text)) => number_seconds(text).map(Value::Time),
        (ValueType::Time, Raw::Text(text)) => time_text(text.trim()).map(Value::Time),
        (ValueType::Duration, Raw::Number(text)) => number_seconds(text).map(Value::Duration),
        (ValueType::Duration, Raw::Text(text)) => duration_text(text.trim()).map(Value::Duration),
        _ => None,
    }
}

/// Why `raw` is not a `ty` (for which [`typed`] gave nothing), in words.
#[cold]
fn why_not(ty: ValueType, raw: Raw<'_>) -> String {
    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    match (ty, raw) {
        (ValueType::Int, Raw::Number(text)) => {
            let n = text.parse::<f64>().unwrap_or(f64::NAN);
            format!("expected a whole number (int), found {n}")
        }
        (ValueType::Int, Raw::Text(text)) if number(text).is_some() => {
            let n = number(text).unwrap_or_default();
            format!("expected a whole number (int), found {n}")
        }
        (ValueType::Time, Raw::Number(text)) => {
            format!("{} is not a time in seconds since 1970", shown(text))
        }
        (ValueType::Time, Raw::Text(text)) => {
            let text = text.trim();
            let hint = crate::time::timestamp_hint(text);
            format!("`{text}` is not a time: {hint}")
        }
        (ValueType::Duration, Raw::Number(text)) => {
            format!("{} is not a number of seconds", shown(text))
        }
        (ValueType::Duration, Raw::Text(text)) => {
            format!("`{}` is not a duration like `30d`", text.trim())
        }
        _ => format!(
            "expected {} {}, found {}",
            article(ty),
            ty.name(),
            describe_raw(raw)
        ),
    }
}

/// `true` or `false`, in any case.
fn bool_text(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A time written as text: RFC 3339, a date, or seconds since 1970.
fn time_text(text: &str) -> Option<i64> {
    crate::time::parse_timestamp(text).or_else(|| crate::time::parse_decimal_seconds(text))
}

/// A duration written as text: `30d`-style, or seconds.
fn duration_text(text: &str) -> Option<i64> {
    parse_duration(text).or_else(|| crate::time::parse_decimal_seconds(text))
}

/// [`read_value`] into `slot` (`raw` `None`: absent), reusing the string already there
/// for a `string` field, so a reader that refills the same slots does not allocate.
// Always inlined: it runs for every field of every record, and a call passes the raw
// value and the result through memory.
#[inline(always)]
pub fn read_into(
    slot: &mut Option<Value>,
    field: &str,
    ty: ValueType,
    raw: Option<Raw<'_>>,
) -> Result<(), FieldError> {
    let Some(raw) = raw else {
        *slot = None;
        return Ok(());
    };
    if let (ValueType::String, Raw::Text(text), Some(Value::Str(buffer))) = (ty, raw, &mut *slot) {
        buffer.clear();
        buffer.push_str(text);
        return Ok(());
    }
    *slot = Some(read_value(field, ty, raw)?);
    Ok(())
}

/// Checks that `value` fits `ty` through [`read_value`]: text and numbers are read as an
/// input's would be (a number as its shortest decimal, so `0.1` seconds is exactly
/// 100,000 µs); times and durations must already have their type.
pub fn coerce(field: &str, ty: ValueType, value: Value) -> Result<Value, FieldError> {
    match (ty, value) {
        (_, Value::Str(text)) => read_value(field, ty, Raw::Text(&text)),
        (_, Value::Number(n)) => read_value(field, ty, Raw::Number(&n.to_string())),
        (_, Value::Bool(b)) => read_value(field, ty, Raw::Bool(b)),
        (ValueType::Time, v @ Value::Time(_)) | (ValueType::Duration, v @ Value::Duration(_)) => {
            Ok(v)
        }
        (ty, value) => Err(FieldError {
            field: field.to_string(),
            problem: format!(
                "expected {} {}, found {}",
                article(ty),
                ty.name(),
                describe(&value)
            ),
        }),
    }
}

/// `n` as a value of a numeric type: any finite number, or for `int` a whole one.
fn whole_if_int(ty: ValueType, n: f64) -> Option<Value> {
    let fits = n.is_finite() && (ty != ValueType::Int || n.fract() == 0.0);
    fits.then_some(Value::Number(n))
}

/// A number of seconds as microseconds, from its digits as written; a number with an
/// exponent (`1.79e9`) is read from its shortest decimal. `None` if not finite or out of
/// range.
fn number_seconds(text: &str) -> Option<i64> {
    crate::time::parse_decimal_seconds(text).or_else(|| {
        let n = text.parse::<f64>().ok().filter(|n| n.is_finite())?;
        crate::time::parse_decimal_seconds(&n.to_string())
    })
}

/// A number's text as messages show it (as a float prints, so `3.50` is `3.5`).
fn shown(text: &str) -> String {
    text.parse::<f64>()
        .map_or_else(|_| text.to_string(), |n| n.to_string())
}

fn describe_raw(raw: Raw<'_>) -> String {
    match raw {
        Raw::Text(text) => format!("the text {text:?}"),
        Raw::Number(text) => format!("the number {}", shown(text)),
        Raw::Bool(b) => format!("{b}"),
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

/// `30d`, `12h`… as microseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(digits_end);
    let count: i64 = digits.parse().ok()?;
    count.checked_mul(crate::time::unit_micros(unit)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SECOND;

    fn read(ty: ValueType, raw: Raw<'_>) -> Result<Value, String> {
        read_value("f", ty, raw).map_err(|e| e.problem)
    }

    #[test]
    fn text_is_taken_as_written() {
        let text = Value::Str(" a, b ".into());
        assert_eq!(read(ValueType::String, Raw::Text(" a, b ")), Ok(text));
        assert_eq!(
            read(ValueType::String, Raw::Number("3.50")),
            Err("expected a string, found the number 3.5".into())
        );
        assert_eq!(
            read(ValueType::String, Raw::Bool(true)),
            Err("expected a string, found true".into())
        );
    }

    #[test]
    fn numbers_come_as_numbers_or_as_text_that_spells_one() {
        for raw in [Raw::Number("120"), Raw::Text("120"), Raw::Text(" 120 ")] {
            assert_eq!(
                read(ValueType::Int, raw),
                Ok(Value::Number(120.0)),
                "{raw:?}"
            );
        }
        assert_eq!(
            read(ValueType::Number, Raw::Text("1e3")),
            Ok(Value::Number(1000.0))
        );
        assert_eq!(
            read(ValueType::Int, Raw::Text("2.5")),
            Err("expected a whole number (int), found 2.5".into())
        );
        assert_eq!(
            read(ValueType::Int, Raw::Number("2.5")),
            Err("expected a whole number (int), found 2.5".into())
        );
        assert_eq!(
            read(ValueType::Int, Raw::Text("big")),
            Err("expected an int, found the text \"big\"".into())
        );
        assert_eq!(
            read(ValueType::Number, Raw::Text("inf")),
            Err("expected a number, found the text \"inf\"".into())
        );
        assert_eq!(
            read(ValueType::Number, Raw::Bool(false)),
            Err("expected a number, found false".into())
        );
    }

    #[test]
    fn booleans_come_as_booleans_or_as_their_words() {
        assert_eq!(
            read(ValueType::Bool, Raw::Bool(true)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Text(" TRUE")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Text("False")),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Text("yes")),
            Err("expected a bool, found the text \"yes\"".into())
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Number("1")),
            Err("expected a bool, found the number 1".into())
        );
    }

    #[test]
    fn epoch_seconds_keep_their_microseconds_as_numbers_and_as_text() {
        let t = 1_790_899_200 * SECOND;
        for raw in [
            Raw::Number("1790899200.000001"),
            Raw::Text("1790899200.000001"),
            Raw::Text(" 1790899200.0000019 "),
        ] {
            assert_eq!(
                read(ValueType::Time, raw),
                Ok(Value::Time(t + 1)),
                "{raw:?}"
            );
        }
        assert_eq!(
            read(ValueType::Time, Raw::Number("1.7908992e9")),
            Ok(Value::Time(t))
        );
        assert_eq!(
            read(ValueType::Time, Raw::Text("2026-10-02")),
            Ok(Value::Time(t))
        );
        assert_eq!(
            read(ValueType::Time, Raw::Text("2026-10-01T10:00:00")),
            Err("`2026-10-01T10:00:00` is not a time: a time of day needs a time zone: add `Z` for UTC or an offset like `+02:00`".into())
        );
        assert_eq!(
            read(ValueType::Time, Raw::Number("99999999999999")),
            Err("99999999999999 is not a time in seconds since 1970".into())
        );
    }

    #[test]
    fn durations_come_with_a_unit_or_as_seconds() {
        let day = 86_400 * SECOND;
        assert_eq!(
            read(ValueType::Duration, Raw::Text("30d")),
            Ok(Value::Duration(30 * day))
        );
        assert_eq!(
            read(ValueType::Duration, Raw::Text("90")),
            Ok(Value::Duration(90 * SECOND))
        );
        assert_eq!(
            read(ValueType::Duration, Raw::Number("1.5")),
            Ok(Value::Duration(1_500_000))
        );
        assert_eq!(
            read(ValueType::Duration, Raw::Text("a month")),
            Err("`a month` is not a duration like `30d`".into())
        );
    }

    #[test]
    fn coerce_reads_values_as_inputs_are_read() {
        let cases = [
            (ValueType::Int, Value::Str("12".into()), Raw::Text("12")),
            (ValueType::Time, Value::Number(0.1), Raw::Number("0.1")),
            (ValueType::Bool, Value::Bool(true), Raw::Bool(true)),
            (ValueType::String, Value::Number(3.0), Raw::Number("3")),
        ];
        for (ty, value, raw) in cases {
            assert_eq!(
                coerce("f", ty, value.clone()),
                read_value("f", ty, raw),
                "{value:?}"
            );
        }
        assert_eq!(
            coerce("f", ValueType::Time, Value::Time(7)),
            Ok(Value::Time(7))
        );
        assert_eq!(
            coerce("f", ValueType::Int, Value::Duration(SECOND)).map_err(|e| e.problem),
            Err("expected an int, found 1s".into())
        );
        assert_eq!(
            coerce("f", ValueType::Number, Value::Number(f64::NAN)).map_err(|e| e.problem),
            Err("expected a number, found the number NaN".into())
        );
    }

    #[test]
    fn read_into_reuses_the_string_in_the_slot() {
        let mut slot = Some(Value::Str(String::with_capacity(64)));
        let before = match &slot {
            Some(Value::Str(s)) => s.as_ptr(),
            _ => unreachable!(),
        };
        read_into(
            &mut slot,
            "f",
            ValueType::String,
            Some(Raw::Text("pricing")),
        )
        .unwrap();
        assert!(matches!(&slot, Some(Value::Str(s)) if s == "pricing" && s.as_ptr() == before));
        read_into(&mut slot, "f", ValueType::String, None).unwrap();
        assert_eq!(slot, None);
    }
}
