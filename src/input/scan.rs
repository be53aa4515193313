//! A fast scanner for the common shape of an event line: one flat JSON object whose
//! values are strings, numbers, `true`, `false` or `null`.
//!
//! It finds member boundaries without building a JSON tree or allocating. Anything it
//! does not handle (nested values, escapes in keys, odd syntax) makes it give up, and
//! the caller parses the line with serde_json instead, so results and error messages
//! never depend on which path read a line. What it accepts, serde_json accepts too:
//! the same number grammar and range, the same escapes.

use crate::time;

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
                j = k + 1 + escape_len(bytes, k + 1)?;
            }
            // Control characters must be escaped in JSON; let serde report them.
            _ => return None,
        }
    }
}

/// The length of the escape after a backslash (`bytes[i]` is the byte after it), when
/// serde_json accepts it as text: one of `"\\/bfnrt`, or `u` and four hex digits, where
/// a surrogate must be a leading one followed by an escaped trailing one.
fn escape_len(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(1),
        b'u' => match hex4(bytes, i + 1)? {
            0xDC00..=0xDFFF => None,
            0xD800..=0xDBFF => {
                let trailing = bytes.get(i + 5..i + 7) == Some(b"\\u")
                    && matches!(hex4(bytes, i + 7)?, 0xDC00..=0xDFFF);
                trailing.then_some(11)
            }
            _ => Some(5),
        },
        _ => None,
    }
}

/// Four hex digits at `i`, as a number.
fn hex4(bytes: &[u8], i: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(i..i + 4)?).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
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
/// exactly the numbers serde_json accepts (`None` otherwise, so a line such as
/// `"x":01` is reported by the full parser whichever path reads it).
fn number_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
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
    let exponent = matches!(bytes.get(i), Some(b'e' | b'E'));
    if exponent {
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
    if matches!(
        bytes.get(i),
        Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
    ) {
        return None;
    }
    // serde_json refuses a number too large for a float (`1e400`). Only an exponent or
    // hundreds of digits make one, so ordinary numbers are not parsed here.
    if exponent || i - start > 300 {
        let text = std::str::from_utf8(&bytes[start..i]).ok()?;
        if !text.parse::<f64>().ok()?.is_finite() {
            return None;
        }
    }
    Some(i)
}

/// [`crate::time::parse_simple_utc`] remembering the date of the last line: event files
/// are in time order, so consecutive lines nearly always share their date, and then only
/// the time of day needs reading.
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
            self.days = time::simple_utc_days(s)?;
            self.date.copy_from_slice(&s[..10]);
        }
        Some(self.days * time::DAY + time::simple_utc_seconds_of_day(s)? * time::SECOND)
    }
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

    fn scans(line: &str) -> bool {
        scan_object(line, &mut Vec::new()).is_some()
    }

    fn serde_json_accepts(line: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(line).is_ok()
    }

    /// Cases the properties below found, kept as plain tests so they run every time.
    #[test]
    fn numbers_at_the_edge_of_the_float_range_are_accepted_as_serde_json_accepts_them() {
        let largest = "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368";
        let just_over = format!("{}9", &largest[..largest.len() - 1]);
        for (number, accepted) in [
            ("1E310", false),
            ("-1e309", false),
            ("1e308", true),
            ("1.7976931348623157e308", true),
            // Rounds down to the largest float: serde_json without `float_roundtrip`
            // refused it, the scanner accepted it.
            ("1.7976931348623158e308", true),
            // Rounds up past it: refused by both (serde_json without `float_roundtrip`
            // accepted it).
            ("1.79769313486231581e308", false),
            ("1.797693134862315808e308", false),
            (largest, true),
            (&just_over, true),
            ("1e-400", true),
            ("0e999999999", true),
        ] {
            let line = format!("{{\"x\":{number}}}");
            assert_eq!(scans(&line), accepted, "{line}");
            assert_eq!(serde_json_accepts(&line), accepted, "{line}");
        }
    }

    proptest! {
        /// Remembering the date never changes a result, whatever came before.
        #[test]
        fn remembered_dates_give_the_same_times(texts in proptest::collection::vec(
            "20(2[0-9]|00)-(0[0-9]|1[0-3])-(0[0-9]|[1-3][0-9])T([01][0-9]|2[0-5]):[0-6][0-9]:[0-6][0-9]Z", 1..20,
        )) {
            let mut cached = Timestamps::default();
            for text in &texts {
                prop_assert_eq!(cached.parse(text.as_bytes()), time::parse_simple_utc(text.as_bytes()), "{}", text);
            }
        }

        #[test]
        fn numbers_are_accepted_exactly_when_serde_json_accepts_them(text in "-?[0-9.eE+-]{1,8}") {
            let line = format!("{{\"x\":{text}}}");
            prop_assert_eq!(scans(&line), serde_json_accepts(&line), "{}", line);
        }

        #[test]
        fn large_numbers_are_accepted_exactly_when_serde_json_accepts_them(text in "-?[1-9]{1,3}(\\.[0-9])?[eE][+-]?[0-9]{1,3}") {
            let line = format!("{{\"x\":{text}}}");
            prop_assert_eq!(scans(&line), serde_json_accepts(&line), "{}", line);
        }

        /// Near the largest float, where rounding decides (the other properties seldom
        /// get there).
        #[test]
        fn numbers_near_the_largest_float_are_accepted_exactly_when_serde_json_accepts_them(
            text in "-?(1\\.797693134862315[0-9]{0,6}|17976931348623157[0-9]{0,3}|0\\.0?17976931348623157[0-9]{0,3})[eE]\\+?(29[0-9]|30[0-9]|310)",
        ) {
            let line = format!("{{\"x\":{text}}}");
            prop_assert_eq!(scans(&line), serde_json_accepts(&line), "{}", line);
        }

        #[test]
        fn escapes_are_accepted_exactly_when_serde_json_accepts_them(pieces in proptest::collection::vec(prop_oneof![
            Just("a".to_string()),
            Just("\\n".to_string()),
            Just("\\/".to_string()),
            Just("\\q".to_string()),
            Just("\\".to_string()),
            "\\\\u[0-9a-fA-F]{4}",
            "\\\\u[dD][89abAB][0-9a-f]{2}",
            "\\\\u[dD][c-fC-F][0-9a-f]{2}",
            "\\\\u[0-9a-g]{0,4}",
        ], 0..6)) {
            let line = format!("{{\"x\":\"{}\"}}", pieces.concat());
            prop_assert_eq!(scans(&line), serde_json_accepts(&line), "{}", line);
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
