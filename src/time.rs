//! Times and durations.
//!
//! A time is a whole number of seconds since the Unix epoch, UTC (sub-second parts are
//! dropped, rounding towards the past). A duration is a whole number of seconds.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
pub const WEEK: i64 = 7 * DAY;

/// Parses an RFC 3339 timestamp (`2026-10-01T10:00:00Z`, any offset) or a date
/// (`2026-10-01`, midnight UTC).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp());
    }
    // RFC 3339 allows a space instead of `T`; chrono's parser does not, so try that too.
    if let Some((date, rest)) = text.split_once(' ') {
        if let Ok(dt) = DateTime::parse_from_rfc3339(&format!("{date}T{rest}")) {
            return Some(dt.timestamp());
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

/// Why a timestamp does not parse, in words a rule author understands.
pub fn timestamp_hint(text: &str) -> &'static str {
    let looks_naive = text.len() >= 19 && text.as_bytes().get(10) == Some(&b'T');
    if looks_naive && !text.ends_with('Z') && !text[19..].contains(['+', '-']) {
        "a time of day needs a time zone: add `Z` for UTC or an offset like `+02:00`"
    } else {
        "write a date like 2026-10-01 or a time like 2026-10-01T10:00:00Z"
    }
}

/// Formats a time as RFC 3339 in UTC (`2026-10-01T10:00:00Z`).
pub fn format_timestamp(seconds: i64) -> String {
    match DateTime::<Utc>::from_timestamp(seconds, 0) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Secs, true),
        None => seconds.to_string(),
    }
}

/// The current time.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Seconds per unit for a duration suffix (`s m h d w`).
pub fn unit_seconds(unit: &str) -> Option<i64> {
    match unit {
        "s" => Some(1),
        "m" => Some(MINUTE),
        "h" => Some(HOUR),
        "d" => Some(DAY),
        "w" => Some(WEEK),
        _ => None,
    }
}

/// Formats a duration the way it would be written in a model: `30d`, `12h`, `90s`.
pub fn format_duration(seconds: i64) -> String {
    for (unit, size) in [("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE)] {
        if seconds != 0 && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse_timestamp("1970-01-02"), Some(DAY));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00Z"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01T03:00:00+02:00"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00.900Z"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01 01:00:00Z"), Some(HOUR));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(format_duration(30 * DAY), "30d");
        assert_eq!(format_duration(2 * WEEK), "2w");
        assert_eq!(format_duration(90), "90s");
        assert_eq!(format_duration(90 * MINUTE), "90m");
        assert_eq!(format_timestamp(DAY), "1970-01-02T00:00:00Z");
    }
}
