//! Times and durations.
//!
//! A time is a whole number of microseconds since the Unix epoch, UTC; finer parts are
//! dropped, rounding towards the past (the language sketch, 11.1). A duration is a whole
//! number of microseconds.

use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;

/// One second, in the unit of times and durations (microseconds).
pub const SECOND: i64 = 1_000_000;
/// One minute, in microseconds.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour, in microseconds.
pub const HOUR: i64 = 60 * MINUTE;
/// One day, in microseconds.
pub const DAY: i64 = 24 * HOUR;
/// One week, in microseconds.
pub const WEEK: i64 = 7 * DAY;

/// Parses a timestamp: RFC 3339 (`2026-10-01T10:00:00Z`, any offset, any number of
/// fractional digits, `T` or a space between date and time, `t` and `z` in either case),
/// with the offset also as warehouses write it (`+00`, `+0000`: DuckDB's and Postgres's
/// `2026-10-01 10:00:00+00`), or a date (`2026-10-01`, midnight UTC). A leap second
/// (`23:59:60`) is refused: times count seconds since 1970 without them (see
/// [`timestamp_hint`]).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if let Some(micros) = parse_simple_utc(text.as_bytes()) {
        return Some(micros);
    }
    if is_leap_second(text) {
        return None;
    }
    // chrono takes `T`, `t` or a space, and `Z` or `z`; only the offset needs its colon.
    if let Ok(dt) = DateTime::parse_from_rfc3339(&with_colon_offset(text)) {
        return Some(micros(&dt.to_utc()));
    }
    // A date is exactly `YYYY-MM-DD`: chrono's `%Y-%m-%d` also took `-1-1-8` (a signed
    // year, one-digit month and day), which no time formats back to (found by fuzzing).
    if text.len() != 10 {
        return None;
    }
    Some(simple_utc_days(text.as_bytes())? * DAY)
}

/// `text` with an offset written `+HH` or `+HHMM` at its end (after a time of day) in
/// RFC 3339's `+HH:MM`; any other text as it is.
fn with_colon_offset(text: &str) -> Cow<'_, str> {
    // The date's dashes come before byte 10: a sign after the seconds starts an offset.
    let Some(sign) = text.rfind(['+', '-']).filter(|&at| at >= 19) else {
        return Cow::Borrowed(text);
    };
    let (before, offset) = text.split_at(sign + 1);
    if !offset.bytes().all(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(text);
    }
    match offset.len() {
        2 => Cow::Owned(format!("{text}:00")),
        4 => Cow::Owned(format!("{before}{}:{}", &offset[..2], &offset[2..])),
        _ => Cow::Borrowed(text),
    }
}

/// Whether `text` is a time of day whose seconds are `60`: a leap second, which chrono
/// would read as the first second of the next minute.
fn is_leap_second(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 19 && bytes[13] == b':' && bytes[16] == b':' && &bytes[17..19] == b"60"
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ`, the form tools write most, without a date library;
/// `None` for anything else (which [`parse_timestamp`] then reads with chrono).
pub fn parse_simple_utc(s: &[u8]) -> Option<i64> {
    if s.len() != 20 {
        return None;
    }
    Some(simple_utc_days(s)? * DAY + simple_utc_seconds_of_day(s)? * SECOND)
}

/// Days since 1970-01-01 of the `YYYY-MM-DD` a 20-byte [`parse_simple_utc`] timestamp
/// starts with.
pub(crate) fn simple_utc_days(s: &[u8]) -> Option<i64> {
    if s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(s, 0, 4)?, digits(s, 5, 7)?, digits(s, 8, 10)?);
    let days_in_month = [
        31,
        if is_leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month[(month - 1) as usize] {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Seconds since midnight of the `THH:MM:SSZ` a 20-byte [`parse_simple_utc`] timestamp
/// ends with.
pub(crate) fn simple_utc_seconds_of_day(s: &[u8]) -> Option<i64> {
    if s[10] != b'T' || s[13] != b':' || s[16] != b':' || s[19] != b'Z' {
        return None;
    }
    let (hour, minute, second) = (digits(s, 11, 13)?, digits(s, 14, 16)?, digits(s, 17, 19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(hour * 3600 + minute * 60 + second)
}

fn digits(s: &[u8], from: usize, to: usize) -> Option<i64> {
    s[from..to].iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i64)
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Microseconds since the epoch, digits past the sixth dropped toward the earlier time
/// (chrono keeps nanoseconds as a non-negative part of the second, so this is a floor).
fn micros(dt: &DateTime<Utc>) -> i64 {
    dt.timestamp() * SECOND + i64::from(dt.timestamp_subsec_micros())
}

/// The unit of a time written as a number (`--ts-unit`): seconds since 1970 (the
/// default), milliseconds or microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TsUnit {
    /// Seconds (`1790899200`, `1790899200.25`).
    #[default]
    Seconds,
    /// Milliseconds, as JavaScript and many event tools write them.
    Millis,
    /// Microseconds.
    Micros,
}

impl TsUnit {
    /// Every unit, the coarsest first.
    pub const ALL: [TsUnit; 3] = [TsUnit::Seconds, TsUnit::Millis, TsUnit::Micros];

    /// The unit in words: `seconds`, `milliseconds`, `microseconds`.
    pub fn name(self) -> &'static str {
        match self {
            TsUnit::Seconds => "seconds",
            TsUnit::Millis => "milliseconds",
            TsUnit::Micros => "microseconds",
        }
    }

    /// The unit as `--ts-unit` takes it: `s`, `ms`, `us`.
    pub fn symbol(self) -> &'static str {
        match self {
            TsUnit::Seconds => "s",
            TsUnit::Millis => "ms",
            TsUnit::Micros => "us",
        }
    }

    /// Microseconds in one unit.
    pub fn micros(self) -> i64 {
        10i64.pow(self.fraction_digits())
    }

    /// The digits after the point that reach a microsecond.
    fn fraction_digits(self) -> u32 {
        match self {
            TsUnit::Seconds => 6,
            TsUnit::Millis => 3,
            TsUnit::Micros => 0,
        }
    }
}

/// The first moment of the year 10000 (`10000-01-01T00:00:00Z`). A time written as a
/// number must be earlier: a later one is nearly always in a finer unit than it is read in
/// (milliseconds read as seconds fall around the year 58,000).
pub const YEAR_10000: i64 = 253_402_300_800 * SECOND;

/// Parses a number of seconds written as a decimal (`1790899200`, `1790899200.25`,
/// `-1.5`) to the microsecond: [`parse_decimal`] in seconds, for an epoch time or a
/// duration given as a number.
pub fn parse_decimal_seconds(text: &str) -> Option<i64> {
    parse_decimal(text, TsUnit::Seconds)
}

/// Parses a number of `unit`s written as a decimal (`1790899200`, `1790899200.25`,
/// `-1.5`) to the microsecond. The digits are read as written, not through a float, so
/// `1790899200.1` seconds is exactly .100000; digits past the microsecond are dropped
/// toward the earlier time. `None` for anything else, or a time outside the years
/// ±292,000.
pub fn parse_decimal(text: &str, unit: TsUnit) -> Option<i64> {
    let (negative, whole, fraction) = decimal_parts(text)?;
    let units: i64 = whole.parse().ok()?;
    let digits = unit.fraction_digits();
    let mut micros_part = 0i64;
    for (i, digit) in fraction.bytes().take(digits as usize).enumerate() {
        micros_part += i64::from(digit - b'0') * 10i64.pow(digits - 1 - i as u32);
    }
    let dropped = fraction.bytes().skip(digits as usize).any(|d| d != b'0');
    let magnitude = units.checked_mul(unit.micros())?.checked_add(micros_part)?;
    if negative {
        // Toward the earlier time: -1.0000005 is -1.000001.
        magnitude.checked_neg()?.checked_sub(i64::from(dropped))
    } else {
        Some(magnitude)
    }
}

/// Whether `text` is a decimal [`parse_decimal`] reads (whatever its size).
pub fn is_decimal(text: &str) -> bool {
    decimal_parts(text).is_some()
}

/// A decimal's sign (whether negative), whole digits and fraction digits:
/// `-?[0-9]+(\.[0-9]+)?`.
fn decimal_parts(text: &str) -> Option<(bool, &str, &str)> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (unsigned, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!whole.is_empty() && all_digits(whole) && all_digits(fraction))
        .then_some((negative, whole, fraction))
}

/// Why a timestamp does not parse, in words a rule author understands.
pub fn timestamp_hint(text: &str) -> &'static str {
    let has_time_of_day = matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '));
    // `get`: byte 19 may fall inside a multi-byte character of a malformed time.
    let after_seconds = text.get(19..);
    if has_time_of_day
        && !text.ends_with(['Z', 'z'])
        && after_seconds.is_some_and(|s| !s.contains(['+', '-']))
    {
        "a time of day needs a time zone: add `Z` for UTC or an offset like `+02:00`"
    } else if is_leap_second(text) {
        "a leap second (`:60`) is not a time here: times count seconds since 1970 without \
         them; write `:59` or the next minute"
    } else {
        "write a date like 2026-10-01 or a time like 2026-10-01T10:00:00Z"
    }
}

/// Formats a time as RFC 3339 in UTC: `2026-10-01T10:00:00Z`, with a fraction only when
/// the time has one (`2026-10-01T10:00:00.250Z`, `…:00.000001Z`).
pub fn format_timestamp(micros: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(micros) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => micros.to_string(),
    }
}

/// The current time.
pub fn now() -> i64 {
    micros(&Utc::now())
}

/// Microseconds per unit for a duration suffix (`s m h d w`).
pub fn unit_micros(unit: &str) -> Option<i64> {
    match unit {
        "s" => Some(SECOND),
        "m" => Some(MINUTE),
        "h" => Some(HOUR),
        "d" => Some(DAY),
        "w" => Some(WEEK),
        _ => None,
    }
}

/// A duration as a model writes one (`30d`, `12h`, `90s`: whole units of `s m h d w`),
/// in microseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(digits_end);
    let count: i64 = digits.parse().ok()?;
    count.checked_mul(unit_micros(unit)?)
}

/// Formats a duration the way it would be written in a model: `30d`, `12h`, `90s`; a
/// duration of no whole number of seconds shows its fraction (`1.5s`).
pub fn format_duration(micros: i64) -> String {
    for (unit, size) in [
        ("w", WEEK),
        ("d", DAY),
        ("h", HOUR),
        ("m", MINUTE),
        ("s", SECOND),
    ] {
        if micros != 0 && micros % size == 0 {
            return format!("{}{unit}", micros / size);
        }
    }
    if micros == 0 {
        return "0s".to_string();
    }
    let sign = if micros < 0 { "-" } else { "" };
    let (whole, fraction) = (
        micros.unsigned_abs() / 1_000_000,
        micros.unsigned_abs() % 1_000_000,
    );
    let fraction = format!("{fraction:06}");
    format!("{sign}{whole}.{}s", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse_timestamp("1970-01-02"), Some(DAY));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00Z"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01T03:00:00+02:00"), Some(HOUR));
        assert_eq!(
            parse_timestamp("1970-01-01T01:00:00.900Z"),
            Some(HOUR + 900_000)
        );
        assert_eq!(parse_timestamp("1970-01-01 01:00:00Z"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn a_date_is_four_digits_two_and_two() {
        assert_eq!(parse_timestamp("2026-10-01"), Some(1_790_812_800 * SECOND));
        assert_eq!(
            parse_timestamp("0000-01-01"),
            Some(-62_167_219_200 * SECOND)
        );
        for bad in [
            "-1-1-8",
            "2026-1-05",
            "2026-10-1",
            "+2026-10-01",
            "12026-10-01",
            "2026-02-29",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_timestamps_as_warehouses_write_them() {
        let t = 1_776_214_800 * SECOND; // 2026-04-15T01:00:00Z
        for text in [
            "2026-04-15 01:00:00+00",
            "2026-04-15 01:00:00+0000",
            "2026-04-15 01:00:00+00:00",
            "2026-04-15T01:00:00+00",
            "2026-04-15t01:00:00z",
            "2026-04-15 01:00:00z",
            "2026-04-15 03:00:00+02",
            "2026-04-15 06:30:00+0530",
            "2026-04-14 20:00:00-05",
            "2026-04-14 20:00:00-0500",
        ] {
            assert_eq!(parse_timestamp(text), Some(t), "{text}");
        }
        assert_eq!(
            parse_timestamp("2026-04-15 01:00:00.123456+00"),
            Some(t + 123_456)
        );
        for bad in [
            "2026-04-15 01:00:00+0",
            "2026-04-15 01:00:00+000",
            "2026-04-15 01:00:00+00000",
            "2026-04-15 01:00:00+2400",
            "2026-04-15 01:00:00 +00",
            "2026-04-15 01:00:00",
            "2026-04-15-01",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn leap_seconds_are_refused_with_a_hint() {
        // chrono reads `:60` as the next minute's first second.
        for text in [
            "2026-06-30T23:59:60Z",
            "2026-04-15 12:00:60+00",
            "2026-04-15T12:00:60.5Z",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
            assert!(timestamp_hint(text).contains("leap second"), "{text}");
        }
        assert_eq!(
            parse_timestamp("2026-06-30T23:59:59.999999Z"),
            Some(1_782_863_999_999_999)
        );
    }

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(format_duration(30 * DAY), "30d");
        assert_eq!(format_duration(2 * WEEK), "2w");
        assert_eq!(format_duration(90 * SECOND), "90s");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1_500_000), "1.5s");
        assert_eq!(format_duration(-1), "-0.000001s");
        assert_eq!(format_duration(90 * MINUTE), "90m");
        assert_eq!(format_timestamp(DAY), "1970-01-02T00:00:00Z");
        assert_eq!(format_timestamp(DAY + 250_000), "1970-01-02T00:00:00.250Z");
        assert_eq!(format_timestamp(DAY + 1), "1970-01-02T00:00:00.000001Z");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn fractions_past_the_microsecond_are_dropped_toward_the_past() {
        let t = parse_timestamp("2026-11-01T00:00:00Z").unwrap();
        assert_eq!(parse_timestamp("2026-11-01T00:00:00.5Z"), Some(t + 500_000));
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00.1234567Z"),
            Some(t + 123_456)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00.999999999999Z"),
            Some(t + 999_999)
        );
        assert_eq!(parse_timestamp("1969-12-31T23:59:59.9999999Z"), Some(-1));
    }

    #[test]
    fn decimal_seconds_are_read_from_their_digits() {
        assert_eq!(
            parse_decimal_seconds("1790899200"),
            Some(1_790_899_200 * SECOND)
        );
        assert_eq!(
            parse_decimal_seconds("1790899200.1"),
            Some(1_790_899_200 * SECOND + 100_000)
        );
        assert_eq!(
            parse_decimal_seconds("1790899200.25"),
            Some(1_790_899_200 * SECOND + 250_000)
        );
        assert_eq!(parse_decimal_seconds("0.0000009"), Some(0));
        assert_eq!(parse_decimal_seconds("-1.5"), Some(-1_500_000));
        assert_eq!(parse_decimal_seconds("-0.0000001"), Some(-1));
        for bad in [
            "",
            "-",
            "1.",
            ".5",
            "1e9",
            "+1",
            "1.2.3",
            "9999999999999999",
        ] {
            assert_eq!(parse_decimal_seconds(bad), None, "{bad}");
        }
        assert!(is_decimal("9999999999999999") && !is_decimal("1e9"));
    }

    #[test]
    fn decimals_are_read_in_their_unit_to_the_microsecond() {
        let t = 1_776_214_800 * SECOND;
        assert_eq!(parse_decimal("1776214800", TsUnit::Seconds), Some(t));
        assert_eq!(parse_decimal("1776214800000", TsUnit::Millis), Some(t));
        assert_eq!(parse_decimal("1776214800000000", TsUnit::Micros), Some(t));
        assert_eq!(
            parse_decimal("1776214800000.25", TsUnit::Millis),
            Some(t + 250)
        );
        assert_eq!(
            parse_decimal("1776214800000.0019", TsUnit::Millis),
            Some(t + 1)
        );
        assert_eq!(parse_decimal("1776214800000000.9", TsUnit::Micros), Some(t));
        assert_eq!(parse_decimal("-1.5", TsUnit::Millis), Some(-1_500));
        assert_eq!(parse_decimal("-1.0005", TsUnit::Millis), Some(-1_001));
        assert_eq!(parse_decimal("-0.5", TsUnit::Micros), Some(-1));
        assert_eq!(
            parse_decimal("9223372036854775807", TsUnit::Micros),
            Some(i64::MAX)
        );
        assert_eq!(parse_decimal("9223372036854775808", TsUnit::Micros), None);
        assert_eq!(parse_decimal("9223372036854776", TsUnit::Millis), None);
        assert_eq!(
            YEAR_10000,
            parse_timestamp("9999-12-31T23:59:59.999999Z").unwrap() + 1
        );
    }

    #[test]
    fn the_simple_form_agrees_with_chrono() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2026-02-28T23:59:59Z",
            "2024-02-29T12:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(t).map(|dt| micros(&dt.to_utc()));
            assert_eq!(parse_simple_utc(t.as_bytes()), chrono.ok(), "{t}");
        }
        assert_eq!(parse_simple_utc(b"2026-02-29T00:00:00Z"), None);
        assert_eq!(parse_simple_utc(b"2026-10-01T10:00:00+02:00"), None);
    }

    proptest::proptest! {
        #[test]
        fn the_simple_form_matches_chrono_everywhere(secs in -5_000_000_000i64..5_000_000_000) {
            let text = format_timestamp(secs * SECOND);
            if text.len() == 20 {
                proptest::prop_assert_eq!(parse_simple_utc(text.as_bytes()), Some(secs * SECOND));
            }
        }

        /// However the separator, the zone and the offset are written, a time is the one
        /// its RFC 3339 form says.
        #[test]
        fn every_way_of_writing_a_time_gives_the_same_time(
            utc in 0i64..253_402_214_400,
            offset_hours in -23i64..=23,
            offset_minutes in proptest::sample::select(vec![0i64, 30, 45]),
            fraction in "(\\.[0-9]{1,9})?",
            separator in "[Tt ]",
        ) {
            let offset = offset_hours * 60 + offset_hours.signum() * offset_minutes;
            let local = DateTime::<Utc>::from_timestamp(utc + offset * 60, 0).unwrap();
            let (date, time) = (local.format("%Y-%m-%d"), local.format("%H:%M:%S"));
            let sign = if offset < 0 { '-' } else { '+' };
            let (hh, mm) = (offset.abs() / 60, offset.abs() % 60);
            let digits = fraction.get(1..).unwrap_or("");
            let fraction_micros: i64 = format!("{:0<6}", &digits[..digits.len().min(6)]).parse().unwrap();
            let expected = Some(utc * SECOND + fraction_micros);
            let mut zones = vec![format!("{sign}{hh:02}:{mm:02}"), format!("{sign}{hh:02}{mm:02}")];
            if mm == 0 {
                zones.push(format!("{sign}{hh:02}"));
            }
            if offset == 0 {
                zones.extend(["Z".to_string(), "z".to_string()]);
            }
            for zone in zones {
                let text = format!("{date}{separator}{time}{fraction}{zone}");
                proptest::prop_assert_eq!(parse_timestamp(&text), expected, "{}", text);
            }
        }
    }

    #[test]
    fn hints_never_split_a_character() {
        // Byte 19 falls inside `é`: this used to panic.
        assert!(!timestamp_hint("2026-10-01T10:00:0é").is_empty());
        assert!(timestamp_hint("2026-10-01T10:00:00").contains("time zone"));
        assert!(timestamp_hint("2026-10-01 10:00:00").contains("time zone"));
        assert!(timestamp_hint("2026-10-01t10:00:00").contains("time zone"));
        assert!(!timestamp_hint("2026-10-01T10:00:00z").contains("time zone"));
    }
}
