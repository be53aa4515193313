//! A fast scanner for the common shape of an event line: one flat JSON object whose
//! values are strings, numbers, `true`, `false` or `null`.
//!
//! It finds member boundaries without building a JSON tree or allocating. Anything it
//! does not handle (nested values, escapes in keys, odd syntax) makes it give up, and
//! the caller parses the line with serde_json instead, so results and error messages
//! never depend on which path read a line.

/// A member value, as raw bytes of the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// The bytes between the quotes; `escaped` if they contain a backslash.
    Str {
        bytes: &'a [u8],
        escaped: bool,
    },
    Num(&'a [u8]),
    Bool(bool),
    Null,
}

/// The value of `key` among scanned members (the last one, as JSON parsers do).
pub fn member<'a>(members: &[(&'a [u8], Raw<'a>)], key: &str) -> Option<Raw<'a>> {
    members
        .iter()
        .rev()
        .find(|(k, _)| *k == key.as_bytes())
        .map(|(_, v)| *v)
}

/// A non-empty string value without escapes, as text.
pub fn plain_text(raw: Option<Raw<'_>>) -> Option<&str> {
    match raw {
        Some(Raw::Str {
            bytes,
            escaped: false,
        }) if !bytes.is_empty() => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// Scans `{"k":v,...}` into `members` (cleared first). `None`: not a flat object this
/// scanner handles.
pub fn scan_object<'a>(line: &'a [u8], members: &mut Vec<(&'a [u8], Raw<'a>)>) -> Option<()> {
    members.clear();
    let mut i = skip_ws(line, 0);
    if line.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(line, i + 1);
    if line.get(i) == Some(&b'}') {
        return (skip_ws(line, i + 1) == line.len()).then_some(());
    }
    loop {
        let (key, escaped, next) = string(line, i)?;
        if escaped {
            return None;
        }
        i = skip_ws(line, next);
        if line.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(line, i + 1);
        let (value, next) = value(line, i)?;
        members.push((key, value));
        i = skip_ws(line, next);
        match line.get(i) {
            Some(b',') => i = skip_ws(line, i + 1),
            Some(b'}') => return (skip_ws(line, i + 1) == line.len()).then_some(()),
            _ => return None,
        }
    }
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while matches!(line.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// A string starting at `i` (which must be `"`): its bytes, whether it has escapes, and
/// the position after the closing quote.
fn string(line: &[u8], i: usize) -> Option<(&[u8], bool, usize)> {
    if line.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    let mut escaped = false;
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', &line[j..])?;
        if line[k] == b'\\' {
            escaped = true;
            j = k + 2;
            if j > line.len() {
                return None;
            }
            continue;
        }
        let bytes = &line[start..k];
        // Control characters must be escaped in JSON; let serde report them.
        if bytes.iter().any(|b| *b < 0x20) {
            return None;
        }
        return Some((bytes, escaped, k + 1));
    }
}

fn value(line: &[u8], i: usize) -> Option<(Raw<'_>, usize)> {
    match *line.get(i)? {
        b'"' => {
            let (bytes, escaped, next) = string(line, i)?;
            Some((Raw::Str { bytes, escaped }, next))
        }
        b't' if line[i..].starts_with(b"true") => Some((Raw::Bool(true), i + 4)),
        b'f' if line[i..].starts_with(b"false") => Some((Raw::Bool(false), i + 5)),
        b'n' if line[i..].starts_with(b"null") => Some((Raw::Null, i + 4)),
        b'-' | b'0'..=b'9' => {
            let end = line[i..]
                .iter()
                .position(|b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                .map_or(line.len(), |n| i + n);
            Some((Raw::Num(&line[i..end]), end))
        }
        _ => None,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (the form tools write most) without a date library;
/// `None` for anything else (the caller then uses the full RFC 3339 parser).
pub fn utc_timestamp(s: &[u8]) -> Option<i64> {
    if s.len() != 20
        || s[4] != b'-'
        || s[7] != b'-'
        || s[10] != b'T'
        || s[13] != b':'
        || s[16] != b':'
        || s[19] != b'Z'
    {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        s[a..b].iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i64)
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
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
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scans_flat_objects_and_gives_up_on_the_rest() {
        let mut m = Vec::new();
        assert!(scan_object(
            br#"{"lead":"L1","type":"page.view","seconds":12.5,"ok":true,"x":null}"#,
            &mut m
        )
        .is_some());
        assert_eq!(m.len(), 5);
        assert_eq!(m[2], (&b"seconds"[..], Raw::Num(b"12.5")));
        assert!(scan_object(br#"{"a":{"b":1}}"#, &mut m).is_none());
        assert!(scan_object(br#"{"a":[1]}"#, &mut m).is_none());
        assert!(scan_object(br#"{"a":1"#, &mut m).is_none());
        assert!(scan_object(br#"{"a":1} x"#, &mut m).is_none());
        assert!(scan_object(br#"{"a\n":1}"#, &mut m).is_none());
        assert!(scan_object(br#"{"a":"q\"uote"}"#, &mut m).is_some());
        assert_eq!(
            m[0].1,
            Raw::Str {
                bytes: br#"q\"uote"#,
                escaped: true
            }
        );
    }

    #[test]
    fn fast_timestamps_agree_with_the_full_parser() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2026-02-28T23:59:59Z",
            "2024-02-29T12:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(
                utc_timestamp(t.as_bytes()),
                crate::time::parse_timestamp(t),
                "{t}"
            );
        }
        assert_eq!(utc_timestamp(b"2026-02-29T00:00:00Z"), None);
        assert_eq!(utc_timestamp(b"2026-10-01T10:00:00+02:00"), None);
    }

    proptest! {
        #[test]
        fn fast_timestamps_match_chrono(secs in -5_000_000_000i64..5_000_000_000) {
            let text = crate::time::format_timestamp(secs);
            if text.len() == 20 {
                prop_assert_eq!(utc_timestamp(text.as_bytes()), Some(secs));
            }
        }

        #[test]
        fn scanning_never_panics(line in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut m = Vec::new();
            let _ = scan_object(&line, &mut m);
        }
    }
}
