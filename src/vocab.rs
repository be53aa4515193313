//! The vocabulary every stage shares: value types and values, comparison operators,
//! aggregate kinds and built-in functions, and the one way a raw value is made to fit its
//! declared type.
//!
//! It depends on nothing but `time`, so the stages can all use it while depending on each
//! other in one direction only: syntax → check → plan → eval.

use crate::time::{self, TsUnit};
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The smallest of two or more numbers (absent ones skipped).
    Least,
    /// The largest of two or more numbers (absent ones skipped).
    Greatest,
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
        Function::Least,
        Function::Greatest,
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
            Function::Least => "least",
            Function::Greatest => "greatest",
        }
    }

    /// Whether the function takes any number of arguments from its [`Self::arity`] on.
    pub fn is_variadic(self) -> bool {
        matches!(self, Function::Least | Function::Greatest)
    }

    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// How many arguments the function takes (the fewest, for the variadic ones).
    pub fn arity(self) -> usize {
        match self {
            Function::Now => 0,
            Function::StartsWith | Function::EndsWith | Function::Contains => 2,
            Function::Least | Function::Greatest => 2,
            _ => 1,
        }
    }
}

/// A value as an input writes it, before it has a type: a JSON string, number, `true` or
/// `false`, or text from a format that has nothing but text (a CSV cell). An absent value
/// (JSON `null` or no member, an empty CSV cell) is `None` wherever a `Raw` is optional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// Text the writer chose to write as text: a JSON string (unescaped).
    Text(&'a str),
    /// Text in a format where every value is text (a CSV cell, a command-line argument),
    /// so it is read as whatever the field's type is.
    Untyped(&'a str),
    /// A number as written (a JSON number's text), so a time's digits are read as written.
    Number(&'a str),
    Bool(bool),
}

/// How a reader takes the values an input may write in more than one way: what
/// `--ts-unit` and `--coerce-numbers` choose. The default reads numeric times as seconds
/// and refuses numbers and booleans sent as JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ReadOptions {
    /// The unit of a time written as a number (a JSON number, or text such as a CSV cell
    /// that is one): an event's time and `time` fields.
    pub ts_unit: TsUnit,
    /// Read a JSON string that spells a number or a boolean (`"12"`, `"true"`, as CRM
    /// APIs send them) as that number or boolean, instead of refusing it. (CSV cells are
    /// text by nature, and always read so.)
    pub coerce_numbers: bool,
}

/// How a raw input value becomes a value of its declared type: the one rule JSON Lines
/// (both readers), CSV, `--as-of`, [`coerce`] and so test blocks follow, so the same
/// text means the same thing everywhere.
///
/// - `string` takes text exactly as written (no trimming).
/// - `int` and `number` take a number, or text that spells one (`"120"`) in a CSV cell
///   (in JSON, with [`ReadOptions::coerce_numbers`]); an `int` must be whole.
/// - `bool` takes `true`/`false`, or the text `true`/`false` in any case, where numbers
///   may be text.
/// - `time` takes text in RFC 3339 or as a date ([`time::parse_timestamp`]), or a number
///   of [`ReadOptions::ts_unit`]s since 1970 as a number or as text (`1790899200.25`),
///   read from the digits to the microsecond; a number must fall before the year 10000.
/// - `duration` takes `30d`-style text, or seconds as a number or as text.
///
/// Spaces around text that must spell a number, boolean, time or duration are ignored.
#[inline]
pub fn read_value(
    field: &str,
    ty: ValueType,
    raw: Raw<'_>,
    options: ReadOptions,
) -> Result<Value, FieldError> {
    typed(ty, raw, options).ok_or_else(|| FieldError {
        field: field.to_string(),
        problem: why_not(ty, raw, options),
    })
}

/// The value `raw` is as a `ty`, if it is one: [`read_value`]'s table. Small, so it is
/// inlined into the readers' loops (passing values through memory to a call costs a
/// quarter of reading a lead file); the words for a value that does not fit are in
/// [`why_not`].
#[inline]
fn typed(ty: ValueType, raw: Raw<'_>, options: ReadOptions) -> Option<Value> {
    match (ty, raw) {
        (ValueType::String, Raw::Text(text) | Raw::Untyped(text)) => {
            Some(Value::Str(text.to_string()))
        }
        (ValueType::Int | ValueType::Number, Raw::Number(text)) => {
            whole_if_int(ty, text.parse().ok()?)
        }
        (ValueType::Int | ValueType::Number, _) => {
            whole_if_int(ty, spelled(raw, options)?.parse().ok()?)
        }
        (ValueType::Bool, Raw::Bool(b)) => Some(Value::Bool(b)),
        (ValueType::Bool, _) => bool_text(spelled(raw, options)?).map(Value::Bool),
        (ValueType::Time, _) => time_of(raw, options).map(Value::Time),
        (ValueType::Duration, Raw::Number(text)) => {
            number_in(text, TsUnit::Seconds).map(Value::Duration)
        }
        (ValueType::Duration, Raw::Text(text) | Raw::Untyped(text)) => {
            duration_text(text.trim()).map(Value::Duration)
        }
        _ => None,
    }
}

/// [`read_value`] for a `time`, as microseconds since 1970 (an event's time, `--as-of`).
#[inline]
pub fn read_time(field: &str, raw: Raw<'_>, options: ReadOptions) -> Result<i64, FieldError> {
    time_of(raw, options).ok_or_else(|| FieldError {
        field: field.to_string(),
        problem: why_not(ValueType::Time, raw, options),
    })
}

/// The time `raw` is, if it is one.
#[inline]
fn time_of(raw: Raw<'_>, options: ReadOptions) -> Option<i64> {
    match raw {
        Raw::Number(text) => before_year_10000(number_in(text, options.ts_unit)?),
        Raw::Text(text) | Raw::Untyped(text) => time_text(text.trim(), options.ts_unit),
        Raw::Bool(_) => None,
    }
}

/// The text of `raw`, trimmed, where text may spell a number or a boolean: a CSV cell
/// always, a JSON string with [`ReadOptions::coerce_numbers`].
#[inline]
fn spelled<'a>(raw: Raw<'a>, options: ReadOptions) -> Option<&'a str> {
    match raw {
        Raw::Untyped(text) => Some(text.trim()),
        Raw::Text(text) if options.coerce_numbers => Some(text.trim()),
        _ => None,
    }
}

/// Why `raw` is not a `ty` (for which [`typed`] gave nothing), in words.
#[cold]
fn why_not(ty: ValueType, raw: Raw<'_>, options: ReadOptions) -> String {
    let number = |text: &str| text.parse::<f64>().ok().filter(|n| n.is_finite());
    let coerced = ReadOptions {
        coerce_numbers: true,
        ..options
    };
    if ty == ValueType::Time {
        if let Some(late) = time_too_late(raw, options) {
            return late;
        }
    }
    let written = match raw {
        Raw::Number(text) => Some(text),
        _ => spelled(raw, options),
    };
    let too_large = |n: f64| n.fract() == 0.0 && n.abs() > MAX_INT;
    if let (ValueType::Int, Some(text)) = (ty, written) {
        if number(text).is_some_and(too_large) {
            return format!(
                "{text} is too large for an int: whole numbers are kept exactly up to \
                 9007199254740991 either side of 0 (declare the field `number` for larger, \
                 approximate ones)"
            );
        }
    }
    match (ty, raw) {
        (ValueType::Int, Raw::Number(text)) => {
            let n = text.parse::<f64>().unwrap_or(f64::NAN);
            format!("expected a whole number (int), found {n}")
        }
        (ValueType::Int, _) if spelled(raw, options).and_then(number).is_some() => {
            let n = spelled(raw, options).and_then(number).unwrap_or_default();
            format!("expected a whole number (int), found {n}")
        }
        (_, Raw::Text(text)) if typed(ty, raw, coerced).is_some() => format!(
            "expected {} {}, found the text {text:?} (to read numbers and booleans sent as \
             text, use --coerce-numbers)",
            article(ty),
            ty.name(),
        ),
        (ValueType::Time, Raw::Number(text)) => format!(
            "{} is not a time in {} since 1970",
            shown(text),
            options.ts_unit.name()
        ),
        (ValueType::Time, Raw::Text(text) | Raw::Untyped(text)) => {
            let text = text.trim();
            let hint = time::timestamp_hint(text);
            format!("`{text}` is not a time: {hint}")
        }
        (ValueType::Duration, Raw::Number(text)) => {
            format!("{} is not a number of seconds", shown(text))
        }
        (ValueType::Duration, Raw::Text(text) | Raw::Untyped(text)) => {
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

/// Why a time written as a number (or as text that is one) is refused, when the reason is
/// that it falls after the year 9999 in [`ReadOptions::ts_unit`] (the words saying so,
/// with the finer unit it is likely in) or before what a time holds. `None` when that is
/// not the problem.
#[cold]
pub fn time_too_late(raw: Raw<'_>, options: ReadOptions) -> Option<String> {
    let text = match raw {
        Raw::Number(text) => text,
        Raw::Text(text) | Raw::Untyped(text)
            if time::is_decimal(text.trim()) || has_exponent(text.trim()) =>
        {
            text.trim()
        }
        _ => return None,
    };
    let n = text.parse::<f64>().ok().filter(|n| n.is_finite())?;
    let fits = |unit: TsUnit| n * (unit.micros() as f64) < time::YEAR_10000 as f64;
    let unit = options.ts_unit;
    if n * (unit.micros() as f64) < i64::MIN as f64 {
        // Before what 64-bit microseconds hold: refused, never clamped.
        let name = unit.name();
        return Some(format!(
            "{} {name} since 1970 is out of range (before the year -290000)",
            shown(text)
        ));
    }
    if fits(unit) {
        return None;
    }
    let late = format!(
        "{} {} since 1970 is after the year 9999",
        shown(text),
        unit.name()
    );
    let finer = TsUnit::ALL
        .into_iter()
        .find(|finer| finer.micros() < unit.micros() && fits(*finer));
    Some(match finer {
        Some(finer) => format!(
            "{late}: if it is in {}, use --ts-unit {}",
            finer.name(),
            finer.symbol()
        ),
        None => late,
    })
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

/// A time written as text: RFC 3339, a date, or `unit`s since 1970.
fn time_text(text: &str, unit: TsUnit) -> Option<i64> {
    time::parse_timestamp(text).or_else(|| {
        // A number as JSON may write it, exponent and all (`1.79e9`), as in a JSON number.
        let micros = match has_exponent(text) {
            true => number_in(text, unit)?,
            false => time::parse_decimal(text, unit)?,
        };
        before_year_10000(micros)
    })
}

/// Whether `text` is a decimal with an exponent, as JSON writes numbers: `1.79e9`,
/// `-2E+3`.
fn has_exponent(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    time::is_decimal(mantissa) && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A time given as a number, if it falls before the year 10000.
fn before_year_10000(micros: i64) -> Option<i64> {
    (micros < time::YEAR_10000).then_some(micros)
}

/// A duration written as text: `30d`-style, or seconds.
fn duration_text(text: &str) -> Option<i64> {
    time::parse_duration(text).or_else(|| time::parse_decimal_seconds(text))
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
    options: ReadOptions,
) -> Result<(), FieldError> {
    let Some(raw) = raw else {
        *slot = None;
        return Ok(());
    };
    if let (ValueType::String, Raw::Text(text) | Raw::Untyped(text), Some(Value::Str(buffer))) =
        (ty, raw, &mut *slot)
    {
        buffer.clear();
        buffer.push_str(text);
        return Ok(());
    }
    *slot = Some(read_value(field, ty, raw, options)?);
    Ok(())
}

/// Checks that `value` fits `ty` through [`read_value`] with the default
/// [`ReadOptions`]: text and numbers are read as a JSON string's and number's would be (a
/// number as its shortest decimal, so `0.1` seconds is exactly 100,000 µs; text that
/// spells a number is not one); times and durations must already have their type.
pub fn coerce(field: &str, ty: ValueType, value: Value) -> Result<Value, FieldError> {
    let options = ReadOptions::default();
    match (ty, value) {
        (_, Value::Str(text)) => read_value(field, ty, Raw::Text(&text), options),
        (_, Value::Number(n)) => read_value(field, ty, Raw::Number(&n.to_string()), options),
        (_, Value::Bool(b)) => read_value(field, ty, Raw::Bool(b), options),
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

/// The largest `int` a value may be (in magnitude): 2^53 - 1, the last whole number
/// from which every smaller one is a float, so an `int` is always kept exactly (a larger
/// one, `9007199254740993`, would be read as another).
pub const MAX_INT: f64 = 9_007_199_254_740_991.0;

/// `n` as a value of a numeric type: any finite number, or for `int` a whole one of at
/// most [`MAX_INT`] either side of 0.
fn whole_if_int(ty: ValueType, n: f64) -> Option<Value> {
    let fits = n.is_finite() && (ty != ValueType::Int || is_int(n));
    fits.then_some(Value::Number(n))
}

/// `n` as a value of `ty` when `ty` is numeric and `n` fits it, as `n`'s digits would
/// be read: for readers that hold the number already (a columnar file's numbers).
#[cfg(feature = "columnar")]
pub(crate) fn number_as(ty: ValueType, n: f64) -> Option<Value> {
    matches!(ty, ValueType::Int | ValueType::Number)
        .then(|| whole_if_int(ty, n))
        .flatten()
}

fn is_int(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() <= MAX_INT
}

/// A JSON number of `unit`s as microseconds, from its digits as written; a number with an
/// exponent (`1.79e9`) is read from its shortest decimal. `None` if not finite or out of
/// range.
fn number_in(text: &str, unit: TsUnit) -> Option<i64> {
    time::parse_decimal(text, unit).or_else(|| {
        let n = text.parse::<f64>().ok().filter(|n| n.is_finite())?;
        time::parse_decimal(&n.to_string(), unit)
    })
}

/// A number's text as messages show it (as a float prints, so `3.50` is `3.5`).
fn shown(text: &str) -> String {
    match text.parse::<f64>() {
        // With an exponent from 10^21 up (as JavaScript prints), not hundreds of digits.
        Ok(n) if n.abs() >= 1e21 => format!("{n:e}"),
        Ok(n) => n.to_string(),
        Err(_) => text.to_string(),
    }
}

fn describe_raw(raw: Raw<'_>) -> String {
    match raw {
        Raw::Text(text) | Raw::Untyped(text) => format!("the text {text:?}"),
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
        Value::Time(t) => time::format_timestamp(*t),
        Value::Duration(d) => time::format_duration(*d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SECOND;

    fn read(ty: ValueType, raw: Raw<'_>) -> Result<Value, String> {
        read_with(ReadOptions::default(), ty, raw)
    }

    fn read_with(options: ReadOptions, ty: ValueType, raw: Raw<'_>) -> Result<Value, String> {
        read_value("f", ty, raw, options).map_err(|e| e.problem)
    }

    const COERCING: ReadOptions = ReadOptions {
        ts_unit: TsUnit::Seconds,
        coerce_numbers: true,
    };

    #[test]
    fn text_is_taken_as_written() {
        let text = Value::Str(" a, b ".into());
        assert_eq!(
            read(ValueType::String, Raw::Text(" a, b ")),
            Ok(text.clone())
        );
        assert_eq!(read(ValueType::String, Raw::Untyped(" a, b ")), Ok(text));
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
    fn numbers_come_as_numbers_or_as_cells_that_spell_one() {
        for raw in [
            Raw::Number("120"),
            Raw::Untyped("120"),
            Raw::Untyped(" 120 "),
        ] {
            assert_eq!(
                read(ValueType::Int, raw),
                Ok(Value::Number(120.0)),
                "{raw:?}"
            );
        }
        assert_eq!(
            read(ValueType::Number, Raw::Untyped("1e3")),
            Ok(Value::Number(1000.0))
        );
        assert_eq!(
            read(ValueType::Int, Raw::Untyped("2.5")),
            Err("expected a whole number (int), found 2.5".into())
        );
        assert_eq!(
            read(ValueType::Int, Raw::Number("2.5")),
            Err("expected a whole number (int), found 2.5".into())
        );
        assert_eq!(
            read(ValueType::Int, Raw::Untyped("big")),
            Err("expected an int, found the text \"big\"".into())
        );
        assert_eq!(
            read(ValueType::Number, Raw::Untyped("inf")),
            Err("expected a number, found the text \"inf\"".into())
        );
        assert_eq!(
            read(ValueType::Number, Raw::Bool(false)),
            Err("expected a number, found false".into())
        );
    }

    #[test]
    fn numbers_and_booleans_sent_as_json_text_are_read_only_when_asked() {
        let hint = "(to read numbers and booleans sent as text, use --coerce-numbers)";
        assert_eq!(
            read(ValueType::Int, Raw::Text("12")),
            Err(format!("expected an int, found the text \"12\" {hint}"))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Text("true")),
            Err(format!("expected a bool, found the text \"true\" {hint}"))
        );
        // No hint where the option would not help.
        assert_eq!(
            read(ValueType::Int, Raw::Text("2.5")),
            Err("expected an int, found the text \"2.5\"".into())
        );
        assert_eq!(
            read_with(COERCING, ValueType::Int, Raw::Text(" 12 ")),
            Ok(Value::Number(12.0))
        );
        assert_eq!(
            read_with(COERCING, ValueType::Number, Raw::Text("2.5")),
            Ok(Value::Number(2.5))
        );
        assert_eq!(
            read_with(COERCING, ValueType::Bool, Raw::Text("FALSE")),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            read_with(COERCING, ValueType::Int, Raw::Text("2.5")),
            Err("expected a whole number (int), found 2.5".into())
        );
        // Text stays text.
        assert_eq!(
            read_with(COERCING, ValueType::String, Raw::Text("12")),
            Ok(Value::Str("12".into()))
        );
    }

    #[test]
    fn booleans_come_as_booleans_or_as_their_words_in_a_cell() {
        assert_eq!(
            read(ValueType::Bool, Raw::Bool(true)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Untyped(" TRUE")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Untyped("False")),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            read(ValueType::Bool, Raw::Untyped("yes")),
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
            Raw::Untyped(" 1790899200.0000019 "),
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
            read(ValueType::Time, Raw::Number("-9999999999999")),
            Err(
                "-9999999999999 seconds since 1970 is out of range (before the year -290000)"
                    .into()
            )
        );
    }

    #[test]
    fn numeric_times_are_read_in_their_unit_and_must_fall_before_the_year_10000() {
        let t = 1_776_214_800 * SECOND; // 2026-04-15T01:00:00Z
        let unit = |ts_unit| ReadOptions {
            ts_unit,
            ..ReadOptions::default()
        };
        for (ts_unit, number) in [
            (TsUnit::Seconds, "1776214800"),
            (TsUnit::Millis, "1776214800000"),
            (TsUnit::Micros, "1776214800000000"),
        ] {
            for raw in [Raw::Number(number), Raw::Text(number), Raw::Untyped(number)] {
                let read = read_with(unit(ts_unit), ValueType::Time, raw);
                assert_eq!(read, Ok(Value::Time(t)), "{raw:?} in {ts_unit:?}");
            }
        }
        // A JSON number with an exponent is read from its shortest decimal.
        let exponent = read_with(
            unit(TsUnit::Millis),
            ValueType::Time,
            Raw::Number("1.7762148e12"),
        );
        assert_eq!(exponent, Ok(Value::Time(t)));
        // The unit is for times only: a duration's number is seconds.
        assert_eq!(
            read_with(unit(TsUnit::Millis), ValueType::Duration, Raw::Number("90")),
            Ok(Value::Duration(90 * SECOND))
        );
        let last = "253402300799.999999";
        assert_eq!(
            read(ValueType::Time, Raw::Number(last)),
            Ok(Value::Time(time::YEAR_10000 - 1))
        );
        let late = |ts_unit, raw| read_with(unit(ts_unit), ValueType::Time, raw);
        assert_eq!(
            late(TsUnit::Seconds, Raw::Number("253402300800")),
            Err("253402300800 seconds since 1970 is after the year 9999: if it is in milliseconds, use --ts-unit ms".into())
        );
        for raw in [
            Raw::Number("1776214800000"),
            Raw::Text("1776214800000"),
            Raw::Untyped(" 1776214800000 "),
        ] {
            assert_eq!(
                late(TsUnit::Seconds, raw),
                Err("1776214800000 seconds since 1970 is after the year 9999: if it is in milliseconds, use --ts-unit ms".into()),
                "{raw:?}"
            );
        }
        assert_eq!(
            late(TsUnit::Seconds, Raw::Number("1776214800000000")),
            Err("1776214800000000 seconds since 1970 is after the year 9999: if it is in microseconds, use --ts-unit us".into())
        );
        assert_eq!(
            late(TsUnit::Millis, Raw::Number("1776214800000000")),
            Err("1776214800000000 milliseconds since 1970 is after the year 9999: if it is in microseconds, use --ts-unit us".into())
        );
        // Too many digits to fit any unit (and so past what the microseconds hold).
        assert_eq!(
            late(TsUnit::Micros, Raw::Number("99999999999999999999")),
            Err("100000000000000000000 microseconds since 1970 is after the year 9999".into())
        );
        // Text that spells a number as JSON writes one, exponent and all, is read as
        // the number is (a CSV cell, a JSON string).
        assert_eq!(
            late(TsUnit::Seconds, Raw::Text("1e13")),
            Err("10000000000000 seconds since 1970 is after the year 9999: if it is in milliseconds, use --ts-unit ms".into())
        );
        assert_eq!(
            late(TsUnit::Seconds, Raw::Text("1e")),
            Err("`1e` is not a time: write a date like 2026-10-01 or a time like 2026-10-01T10:00:00Z".into())
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
            read(ValueType::Duration, Raw::Untyped("a month")),
            Err("`a month` is not a duration like `30d`".into())
        );
    }

    #[test]
    fn coerce_reads_values_as_json_values_are_read() {
        let options = ReadOptions::default();
        let cases = [
            (ValueType::Int, Value::Str("12".into()), Raw::Text("12")),
            (ValueType::Time, Value::Number(0.1), Raw::Number("0.1")),
            (ValueType::Bool, Value::Bool(true), Raw::Bool(true)),
            (
                ValueType::Bool,
                Value::Str("true".into()),
                Raw::Text("true"),
            ),
            (ValueType::String, Value::Number(3.0), Raw::Number("3")),
        ];
        for (ty, value, raw) in cases {
            assert_eq!(
                coerce("f", ty, value.clone()),
                read_value("f", ty, raw, options),
                "{value:?}"
            );
        }
        assert!(coerce("f", ValueType::Int, Value::Str("12".into())).is_err());
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
        let options = ReadOptions::default();
        let raw = Some(Raw::Text("pricing"));
        read_into(&mut slot, "f", ValueType::String, raw, options).unwrap();
        assert!(matches!(&slot, Some(Value::Str(s)) if s == "pricing" && s.as_ptr() == before));
        read_into(&mut slot, "f", ValueType::String, None, options).unwrap();
        assert_eq!(slot, None);
    }
}
