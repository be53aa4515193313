//! A fast scanner for the common shape of an event line: one flat JSON object whose
//! values are strings, numbers, `true`, `false` or `null`.
//!
//! It finds member boundaries without building a JSON tree or allocating. Anything it
//! does not handle (nested values, escapes in keys, odd syntax) makes it give up, and
//! the caller parses the line with serde_json instead, so results and error messages
//! never depend on which path read a line.

/// A member value, as raw text of the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// The text between the quotes; `escaped` if it contains a backslash.
    Str {
        text: &'a str,
        escaped: bool,
    },
    Num(&'a str),
    Bool(bool),
    Null,
}

/// The value of `key` among scanned members (the last one, as JSON parsers do).
pub fn member<'a>(members: &[(&'a str, Raw<'a>)], key: &str) -> Option<Raw<'a>> {
    members
        .iter()
        .rev()
        .find(|(k, _)| crate::bytes::same(k.as_bytes(), key.as_bytes()))
        .map(|(_, v)| *v)
}

/// A non-empty string value without escapes.
pub fn plain_text(raw: Option<Raw<'_>>) -> Option<&str> {
    match raw {
        Some(Raw::Str {
            text,
            escaped: false,
        }) if !text.is_empty() => Some(text),
        _ => None,
    }
}

/// Scans `{"k":v,...}` into `members` (cleared first). `None`: not a flat object this
/// scanner handles.
pub fn scan_object<'a>(line: &'a str, members: &mut Vec<(&'a str, Raw<'a>)>) -> Option<()> {
    members.clear();
    let bytes = line.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    if bytes.get(i) == Some(&b'}') {
        return (skip_ws(bytes, i + 1) == bytes.len()).then_some(());
    }
    loop {
        let (key, escaped, next) = string(line, i)?;
        if escaped {
            return None;
        }
        i = skip_ws(bytes, next);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(bytes, i + 1);
        let (value, next) = value(line, i)?;
        members.push((key, value));
        i = skip_ws(bytes, next);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b'}') => return (skip_ws(bytes, i + 1) == bytes.len()).then_some(()),
            _ => return None,
        }
    }
}

#[inline(always)]
fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while matches!(line.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// A string starting at `i` (which must be `"`): its text, whether it has escapes, and
/// the position after the closing quote.
#[inline(always)]
fn string(line: &str, i: usize) -> Option<(&str, bool, usize)> {
    let bytes = line.as_bytes();
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    let mut escaped = false;
    loop {
        let k = j + special_byte(&bytes[j..])?;
        match bytes[k] {
            b'"' => return Some((&line[start..k], escaped, k + 1)),
            b'\\' => {
                escaped = true;
                j = k + 2;
                if j > bytes.len() {
                    return None;
                }
            }
            // Control characters must be escaped in JSON; let serde report them.
            _ => return None,
        }
    }
}

/// The position of the first `"`, backslash or control character: the bytes that end
/// the plain part of a JSON string. Eight bytes at a time, as one 64-bit word (the
/// strings of event lines are short, so this beats a call into a SIMD search).
#[inline(always)]
fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `word` below `n` (n <= 128). Borrows can also flag
    // bytes after a flagged one, never before, so the lowest flag is exact.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * n as u64) & !word & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    for (c, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let found = below(word ^ (ONES * b'"' as u64), 1)
            | below(word ^ (ONES * b'\\' as u64), 1)
            | below(word, 0x20);
        if found != 0 {
            return Some(c * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let rest = chunks.remainder();
    let at = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(bytes.len() - rest.len() + at)
}

#[inline(always)]
fn value(line: &str, i: usize) -> Option<(Raw<'_>, usize)> {
    let bytes = line.as_bytes();
    match *bytes.get(i)? {
        b'"' => {
            let (text, escaped, next) = string(line, i)?;
            Some((Raw::Str { text, escaped }, next))
        }
        b't' if bytes[i..].starts_with(b"true") => Some((Raw::Bool(true), i + 4)),
        b'f' if bytes[i..].starts_with(b"false") => Some((Raw::Bool(false), i + 5)),
        b'n' if bytes[i..].starts_with(b"null") => Some((Raw::Null, i + 4)),
        b'-' | b'0'..=b'9' => {
            let end = number_end(bytes, i)?;
            Some((Raw::Num(&line[i..end]), end))
        }
        _ => None,
    }
}

/// The end of a JSON number starting at `i`: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// exactly the grammar serde_json accepts (`None` otherwise, so a line such as
/// `"x":01` is reported by the full parser whichever path reads it).
fn number_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let digits = |i: usize| i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match bytes.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i),
        _ => return None,
    };
    if bytes.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    // A digit or sign right after the number (`01`, `1-2`) is not JSON either.
    match bytes.get(i) {
        Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') => None,
        _ => Some(i),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (the form tools write most) to microseconds without a
/// date library;
/// `None` for anything else (the caller then uses the full RFC 3339 parser).
pub fn utc_timestamp(s: &[u8]) -> Option<i64> {
    if s.len() != 20 {
        return None;
    }
    Some(days(s)? * crate::time::DAY + seconds_of_day(s)? * crate::time::SECOND)
}

/// [`utc_timestamp`] remembering the date of the last line: event files are in time
/// order, so consecutive lines nearly always share their date, and then only the time
/// of day needs reading.
#[derive(Debug, Default)]
pub struct Timestamps {
    /// `YYYY-MM-DD` of the last timestamp read (all zeros, matching no date, at first).
    date: [u8; 10],
    days: i64,
}

impl Timestamps {
    pub fn parse(&mut self, s: &[u8]) -> Option<i64> {
        if s.len() != 20 {
            return None;
        }
        if !crate::bytes::same(&s[..10], &self.date) {
            self.days = days(s)?;
            self.date.copy_from_slice(&s[..10]);
        }
        Some(self.days * crate::time::DAY + seconds_of_day(s)? * crate::time::SECOND)
    }
}

fn digits(s: &[u8], from: usize, to: usize) -> Option<i64> {
    s[from..to].iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i64)
    })
}

/// Days since 1970-01-01 of the `YYYY-MM-DD` a 20-byte timestamp starts with.
fn days(s: &[u8]) -> Option<i64> {
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

/// Seconds since midnight of the `THH:MM:SSZ` a 20-byte timestamp ends with.
fn seconds_of_day(s: &[u8]) -> Option<i64> {
    if s[10] != b'T' || s[13] != b':' || s[16] != b':' || s[19] != b'Z' {
        return None;
    }
    let (hour, minute, second) = (digits(s, 11, 13)?, digits(s, 14, 16)?, digits(s, 17, 19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(hour * 3600 + minute * 60 + second)
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
            r#"{"lead":"L1","type":"page.view","seconds":12.5,"ok":true,"x":null}"#,
            &mut m
        )
        .is_some());
        assert_eq!(m.len(), 5);
        assert_eq!(m[2], ("seconds", Raw::Num("12.5")));
        assert!(scan_object(r#"{"a":{"b":1}}"#, &mut m).is_none());
        assert!(scan_object(r#"{"a":[1]}"#, &mut m).is_none());
        assert!(scan_object(r#"{"a":1"#, &mut m).is_none());
        assert!(scan_object(r#"{"a":1} x"#, &mut m).is_none());
        assert!(scan_object("{\"a\n\":1}", &mut m).is_none());
        assert!(scan_object("{\"a\":\"tab\there\"}", &mut m).is_none());
        assert!(scan_object(r#"{"a":"q\"uote"}"#, &mut m).is_some());
        assert_eq!(
            m[0].1,
            Raw::Str {
                text: r#"q\"uote"#,
                escaped: true
            }
        );
    }

    #[test]
    fn special_bytes_are_found_at_every_position() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', b'\n', 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes that look like the specials under a careless bit trick.
                    if at > 0 {
                        bytes[at - 1] = 0x80 | special;
                    }
                    bytes[at] = special;
                    assert_eq!(special_byte(&bytes), Some(at), "{bytes:?}");
                }
            }
            let plain: Vec<u8> = (0..len)
                .map(|i| [b'a', 0x20, 0xa2, 0xdc, 0x7f][i % 5])
                .collect();
            assert_eq!(special_byte(&plain), None, "{plain:?}");
        }
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

        /// Remembering the date never changes a result, whatever came before.
        #[test]
        fn remembered_dates_give_the_same_times(texts in proptest::collection::vec(
            "20(2[0-9]|00)-(0[0-9]|1[0-3])-(0[0-9]|[1-3][0-9])T([01][0-9]|2[0-5]):[0-6][0-9]:[0-6][0-9]Z", 1..20,
        )) {
            let mut cached = Timestamps::default();
            for text in &texts {
                prop_assert_eq!(cached.parse(text.as_bytes()), utc_timestamp(text.as_bytes()), "{}", text);
            }
        }

        #[test]
        fn numbers_are_accepted_exactly_when_serde_json_accepts_them(text in "-?[0-9.eE+-]{1,8}") {
            let line = format!("{{\"x\":{text}}}");
            let mut m = Vec::new();
            let serde = serde_json::from_str::<serde_json::Value>(&line).is_ok();
            prop_assert_eq!(scan_object(&line, &mut m).is_some(), serde, "{}", line);
        }

        #[test]
        fn scanning_never_panics(line in "\\PC{0,80}") {
            let mut m = Vec::new();
            let _ = scan_object(&line, &mut m);
        }

        #[test]
        fn special_byte_matches_a_byte_loop(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(special_byte(&bytes), expected);
        }
    }
}
