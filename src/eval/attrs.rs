//! A lead's attributes as evaluation reads them: from a [`Lead`]'s values, or from a
//! packed record, the few bytes a batch keeps per lead so that a million of them fit in
//! little memory (one buffer holds many leads; no allocation per lead or per string).
//!
//! A packed record is its line, its id, the remembered conditions, then one entry per
//! lead field in the plan's order: a tag byte, then for a number, time or duration its 8
//! bytes (little-endian), for a string its length and bytes. Lengths and the line are
//! LEB128 varints. A field the plan never reads (or reads only in remembered conditions,
//! when no lead is explained) is packed as absent (`Packer::new` takes which ones to
//! keep).
//!
//! The remembered conditions are the results of the plan's conditions that read only the
//! lead's attributes (`when lead.title matches …`), worked out once when the lead is
//! packed, where its values are at hand: a count of bytes, then one bit per condition in
//! the order the [`Packer`] was given them. A million leads are scored once each, so
//! this saves reading the fields back and running those conditions when they are.

use super::vm::Val;
use crate::record::Lead;
use crate::vocab::Value;

/// A lead's attributes, borrowed: what the VM's `lead.x` reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attrs<'a> {
    /// One value per field in the plan's order; missing ones (an empty slice, for a
    /// lead seen only in events) are absent.
    Values(&'a [Option<Value>]),
    /// A packed record (its fields are found when read, so that making one reads
    /// nothing of the record: most events never read their lead's attributes).
    Packed(&'a [u8]),
}

impl<'a> Attrs<'a> {
    /// A lead with no attributes.
    pub(crate) const NONE: Attrs<'static> = Attrs::Values(&[]);

    pub(crate) fn of(lead: &'a Lead) -> Attrs<'a> {
        Attrs::Values(&lead.fields)
    }

    /// The value of field `i`.
    pub(crate) fn get(self, i: usize) -> Val<'a> {
        match self {
            Attrs::Values(values) => values
                .get(i)
                .and_then(Option::as_ref)
                .map_or(Val::Absent, super::vm::value),
            Attrs::Packed(record) => {
                let mut bytes = fields_of(record);
                for _ in 0..i {
                    if bytes.is_empty() {
                        return Val::Absent;
                    }
                    bytes = &bytes[entry_len(bytes)..];
                }
                read_entry(bytes)
            }
        }
    }

    /// The result of the `bit`th condition the record remembers, `None` for a lead not
    /// packed: bit `n` is the `n`th condition the [`Packer`] was made with (a bit past
    /// them reads as false, or as `None` past the record's last byte).
    pub(crate) fn remembered(self, bit: u32) -> Option<bool> {
        let Attrs::Packed(record) = self else {
            return None;
        };
        let memo = memo_of(record);
        let byte = memo.get(bit as usize / 8)?;
        Some(byte >> (bit % 8) & 1 == 1)
    }

    /// The value of field `i`, owned.
    pub(crate) fn value(self, i: usize) -> Option<Value> {
        match self.get(i) {
            Val::Str(s) => Some(Value::Str(s.to_string())),
            Val::Num(n) => Some(Value::Number(n)),
            Val::Bool(b) => Some(Value::Bool(b)),
            Val::Time(t) => Some(Value::Time(t)),
            Val::Dur(d) => Some(Value::Duration(d)),
            Val::Absent | Val::Made(_) => None,
        }
    }

    /// The value of field `i` when it is a time.
    pub(crate) fn time(self, i: usize) -> Option<i64> {
        match self.get(i) {
            Val::Time(t) => Some(t),
            _ => None,
        }
    }
}

const ABSENT: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
const TIME: u8 = 4;
const DURATION: u8 = 5;
const STRING: u8 = 6;

/// Packs lead records, keeping only the fields a plan reads.
#[derive(Debug, Clone)]
pub(crate) struct Packer {
    keep: Vec<bool>,
    /// The conditions whose results each record keeps, by chunk, in bit order.
    remembered: Vec<u32>,
}

impl Packer {
    /// A packer keeping the fields whose entry in `keep` is true (by field index), and
    /// the results of the conditions (chunks) `remembered`.
    pub(crate) fn new(keep: Vec<bool>, remembered: Vec<u32>) -> Packer {
        Packer { keep, remembered }
    }

    /// Keeps field `i` too (one that something other than the plan reads).
    pub(crate) fn keep(&mut self, i: usize) {
        if let Some(k) = self.keep.get_mut(i) {
            *k = true;
        }
    }

    /// Appends the record of `lead`, defined on `line`, to `out`; `holds` gives the
    /// lead's result of each condition the packer keeps (by its bit and its chunk).
    pub(crate) fn pack(
        &self,
        lead: &Lead,
        line: u64,
        mut holds: impl FnMut(usize, u32) -> bool,
        out: &mut Vec<u8>,
    ) {
        write_varint(line, out);
        write_str(&lead.id, out);
        write_varint(self.remembered.len().div_ceil(8) as u64, out);
        for (byte_at, conditions) in self.remembered.chunks(8).enumerate() {
            let bits = conditions.iter().enumerate();
            out.push(bits.fold(0, |byte, (bit, &chunk)| {
                byte | u8::from(holds(byte_at * 8 + bit, chunk)) << bit
            }));
        }
        for (i, value) in lead.fields.iter().enumerate() {
            let kept = self.keep.get(i).copied().unwrap_or(false);
            match value.as_ref().filter(|_| kept) {
                None => out.push(ABSENT),
                Some(Value::Bool(b)) => out.push(if *b { TRUE } else { FALSE }),
                Some(Value::Number(n)) => write_fixed(NUMBER, n.to_le_bytes(), out),
                Some(Value::Time(t)) => write_fixed(TIME, t.to_le_bytes(), out),
                Some(Value::Duration(d)) => write_fixed(DURATION, d.to_le_bytes(), out),
                Some(Value::Str(s)) => {
                    out.push(STRING);
                    write_str(s, out);
                }
            }
        }
    }
}

/// Whether `bytes` is one whole record as [`Packer::pack`] writes them, with
/// `remembered` conditions and `fields` fields: for records that come from outside (a
/// stored live lead), which the readers above trust.
pub(crate) fn is_record(bytes: &[u8], remembered: usize, fields: usize) -> bool {
    let varint = |at: usize| -> Option<(u64, usize)> {
        let mut n = 0u64;
        for (i, &b) in bytes.get(at..)?.iter().take(10).enumerate() {
            n |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
            if b < 0x80 {
                return Some((n, at + i + 1));
            }
        }
        None
    };
    let text = |at: usize| -> Option<usize> {
        let (len, at) = varint(at)?;
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        std::str::from_utf8(bytes.get(at..end)?).ok()?;
        Some(end)
    };
    let walk = || -> Option<usize> {
        let (_line, at) = varint(0)?;
        let at = text(at)?;
        let (memo, at) = varint(at)?;
        if memo != remembered.div_ceil(8) as u64 {
            return None;
        }
        let mut at = at.checked_add(memo as usize)?;
        for _ in 0..fields {
            at = match *bytes.get(at)? {
                ABSENT | FALSE | TRUE => at + 1,
                NUMBER | TIME | DURATION => at + 9,
                STRING => text(at + 1)?,
                _ => return None,
            };
        }
        Some(at)
    };
    walk() == Some(bytes.len())
}

/// What a packed record says besides its fields (read them through [`Attrs::Packed`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packed<'a> {
    pub line: u64,
    pub id: &'a str,
}

impl<'a> Packed<'a> {
    /// The record at the start of `bytes` (made by [`Packer::pack`]).
    pub(crate) fn read(bytes: &'a [u8]) -> Packed<'a> {
        let (line, n) = read_varint(bytes);
        let (id, _fields) = read_str(&bytes[n..]);
        Packed { line, id }
    }
}

/// The remembered conditions of a packed record and what follows them (its fields).
fn memo_and_fields(record: &[u8]) -> (&[u8], &[u8]) {
    let (_, n) = read_varint(record);
    let (id_len, m) = read_varint(&record[n..]);
    let at = n + m + id_len as usize;
    let (memo_len, k) = read_varint(&record[at..]);
    record[at + k..].split_at(memo_len as usize)
}

/// The remembered conditions' bytes of a packed record.
fn memo_of(record: &[u8]) -> &[u8] {
    memo_and_fields(record).0
}

/// The fields of a packed record: what follows its line, id and remembered conditions.
fn fields_of(record: &[u8]) -> &[u8] {
    memo_and_fields(record).1
}

fn write_fixed(tag: u8, bytes: [u8; 8], out: &mut Vec<u8>) {
    out.push(tag);
    out.extend_from_slice(&bytes);
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    write_varint(s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

fn write_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A varint and how many bytes it took.
fn read_varint(bytes: &[u8]) -> (u64, usize) {
    let mut n = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        n |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return (n, i + 1);
        }
    }
    unreachable!("a packed varint ends")
}

/// A packed string and what follows it.
fn read_str(bytes: &[u8]) -> (&str, &[u8]) {
    let (len, n) = read_varint(bytes);
    let (text, rest) = bytes[n..].split_at(len as usize);
    // Packed from a `&str`, so this never fails; checked anyway rather than trusted.
    (std::str::from_utf8(text).expect("packed from a str"), rest)
}

/// How many bytes the entry at the start of `bytes` takes.
fn entry_len(bytes: &[u8]) -> usize {
    match bytes[0] {
        NUMBER | TIME | DURATION => 9,
        STRING => {
            let (len, n) = read_varint(&bytes[1..]);
            1 + n + len as usize
        }
        _ => 1,
    }
}

fn read_entry(bytes: &[u8]) -> Val<'_> {
    let fixed = || -> [u8; 8] { bytes[1..9].try_into().expect("8 bytes") };
    match bytes.first() {
        None | Some(&ABSENT) => Val::Absent,
        Some(&FALSE) => Val::Bool(false),
        Some(&TRUE) => Val::Bool(true),
        Some(&NUMBER) => Val::Num(f64::from_le_bytes(fixed())),
        Some(&TIME) => Val::Time(i64::from_le_bytes(fixed())),
        Some(&DURATION) => Val::Dur(i64::from_le_bytes(fixed())),
        Some(_) => Val::Str(read_str(&bytes[1..]).0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead() -> Lead {
        Lead {
            id: "L-é".repeat(50),
            fields: vec![
                Some(Value::Str("software".into())),
                None,
                Some(Value::Number(-1.5)),
                Some(Value::Bool(true)),
                Some(Value::Bool(false)),
                Some(Value::Time(-86_400_000_000)),
                Some(Value::Duration(i64::MAX)),
                Some(Value::Str("x".repeat(300))),
                Some(Value::Str(String::new())),
            ],
        }
    }

    #[test]
    fn a_packed_record_reads_back_as_the_lead() {
        let lead = lead();
        let mut bytes = vec![9, 9];
        let packer = Packer::new(vec![true; lead.fields.len()], Vec::new());
        packer.pack(&lead, 300_000, |_, _| unreachable!(), &mut bytes);
        let packed = Packed::read(&bytes[2..]);
        assert_eq!((packed.line, packed.id), (300_000, lead.id.as_str()));
        let attrs = Attrs::Packed(&bytes[2..]);
        for i in 0..lead.fields.len() + 2 {
            let expected = Attrs::of(&lead).get(i);
            assert_eq!(attrs.get(i), expected, "field {i}");
        }
    }

    #[test]
    fn fields_not_kept_read_as_absent() {
        let lead = lead();
        let mut keep = vec![false; lead.fields.len()];
        keep[2] = true;
        let mut packer = Packer::new(keep, Vec::new());
        packer.keep(7);
        let mut bytes = Vec::new();
        packer.pack(&lead, 1, |_, _| unreachable!(), &mut bytes);
        let attrs = Attrs::Packed(&bytes);
        assert_eq!(attrs.get(0), Val::Absent);
        assert_eq!(attrs.get(2), Val::Num(-1.5));
        assert_eq!(attrs.get(3), Val::Absent);
        assert_eq!(attrs.get(7), Attrs::of(&lead).get(7));
    }

    /// Each remembered condition reads back as the bit it was packed as, past the first
    /// byte too, and the fields after them read as they were packed.
    #[test]
    fn remembered_conditions_read_back_in_order() {
        let lead = lead();
        // Conditions 10..20: those at an odd chunk hold.
        let packer = Packer::new(vec![true; lead.fields.len()], (10..20).collect());
        let mut bytes = Vec::new();
        packer.pack(
            &lead,
            7,
            |bit, chunk| bit as u32 + 10 == chunk && chunk % 2 == 1,
            &mut bytes,
        );
        let attrs = Attrs::Packed(&bytes);
        for (bit, chunk) in (10..20u32).enumerate() {
            assert_eq!(
                attrs.remembered(bit as u32),
                Some(chunk % 2 == 1),
                "bit {bit}"
            );
        }
        assert_eq!(attrs.remembered(16), None, "past the last byte");
        assert_eq!(Packed::read(&bytes).line, 7);
        for i in 0..lead.fields.len() {
            assert_eq!(attrs.get(i), Attrs::of(&lead).get(i), "field {i}");
        }
        assert_eq!(Attrs::of(&lead).remembered(0), None, "a lead not packed");
    }
}
