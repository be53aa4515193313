//! Times and durations.
//!
//! A time is a whole number of microseconds since the Unix epoch, UTC; finer parts are
//! dropped, rounding towards the past (the language sketch, 11.1). A duration is a whole
//! number of microseconds.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

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

/// Parses an RFC 3339 timestamp (`2026-10-01T10:00:00Z`, any offset, any number of
/// fractional digits) or a date (`2026-10-01`, midnight UTC).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if let Some(micros) = parse_simple_utc(text.as_bytes()) {
        return Some(micros);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(micros(&dt.to_utc()));
    }
    // RFC 3339 allows a space instead of `T`; chrono's parser does not, so try that too.
    if let Some((date, rest)) = text.split_once(' ') {
        if let Ok(dt) = DateTime::parse_from_rfc3339(&format!("{date}T{rest}")) {
            return Some(micros(&dt.to_utc()));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(micros(&date.and_hms_opt(0, 0, 0)?.and_utc()))
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

/// Parses a number of seconds written as a decimal (`1790899200`, `1790899200.25`, `-1.5`)
/// to the microsecond: an epoch time, or a duration given as a number. The digits are read as written, not
/// through a float, so `1790899200.1` is exactly .100000; digits past the sixth are dropped
/// toward the earlier time. `None` for anything else, or a time outside the years ±292,000.
pub fn parse_decimal_seconds(text: &str) -> Option<i64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let mut micros_part = 0i64;
    for (i, digit) in fraction.bytes().take(6).enumerate() {
        micros_part += i64::from(digit - b'0') * 10i64.pow(5 - i as u32);
    }
    let dropped = fraction.bytes().skip(6).any(|d| d != b'0');
    let magnitude = seconds.checked_mul(SECOND)?.checked_add(micros_part)?;
    if negative {
        // Toward the earlier time: -1.0000005 is -1.000001.
        magnitude.checked_neg()?.checked_sub(i64::from(dropped))
    } else {
        Some(magnitude)
    }
}

/// Why a timestamp does not parse, in words a rule author understands.
pub fn timestamp_hint(text: &str) -> &'static str {
    let looks_naive = text.as_bytes().get(10) == Some(&b'T');
    // `get`: byte 19 may fall inside a multi-byte character of a malformed time.
    let after_seconds = text.get(19..);
    if looks_naive && !text.ends_with('Z') && after_seconds.is_some_and(|s| !s.contains(['+', '-']))
    {
        "a time of day needs a time zone: add `Z` for UTC or an offset like `+02:00`"
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
    }

    #[test]
    fn hints_never_split_a_character() {
        // Byte 19 falls inside `é`: this used to panic.
        assert!(!timestamp_hint("2026-10-01T10:00:0é").is_empty());
        assert!(timestamp_hint("2026-10-01T10:00:00").contains("time zone"));
    }
}
