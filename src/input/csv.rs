//! CSV with a header row: rows and their cells.

use super::schema::{Cell, Record};
use super::{RecordError, Source};
use crate::diagnostics::Code;
use std::borrow::Cow;
use std::io::Read;

/// One CSV row, with the header that names its cells.
pub(super) struct CsvRow<'a> {
    file: &'a str,
    line: u64,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl CsvRow<'_> {
    /// The column of the cell named `name`, counted from 0.
    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The row as read, for the rejects file.
    pub(super) fn text(&self) -> String {
        joined(self.record)
    }
}

impl Record for CsvRow<'_> {
    const PLACE: &'static str = " column";

    fn get(&self, name: &str) -> Option<Cell<'_>> {
        let cell = self.record.get(self.column(name)?)?;
        // CSV has no null: a blank cell is an absent value.
        Some(if cell.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Untyped(Cow::Borrowed(cell))
        })
    }

    fn error(&self, code: Code, field: Option<&str>, message: String) -> RecordError {
        let error =
            RecordError::new(code, self.file, self.line, message).with_raw(joined(self.record));
        match field {
            Some(field) => RecordError {
                column: self.column(field).and_then(|c| u32::try_from(c + 1).ok()),
                ..error.with_field(field)
            },
            None => error,
        }
    }
}

/// A row as read, for the rejects file.
fn joined(record: &csv::StringRecord) -> String {
    record.iter().collect::<Vec<_>>().join(",")
}

/// Calls `each` for every non-blank row (or an error for a row that cannot be used).
pub(super) fn read_rows<R: Read>(
    source: Source<R>,
    mut each: impl FnMut(u64, Result<CsvRow<'_>, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    // Flexible: a row with the wrong number of cells is a bad record (which the caller
    // may set aside), not the end of the file. The reader drops a byte order mark.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(Quotes::new(source.reader));
    let file = source.name.as_str();
    let malformed =
        |line: u64, message: String| RecordError::new(Code::MalformedRecord, file, line, message);
    // Header names name model fields, which have no spaces: spaces around them are not
    // part of them.
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(1, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(line) = unclosed_quote(&reader) {
        return Err(malformed(line, unclosed_message(line)));
    }
    // Rows are read as bytes, so a row that is not UTF-8 is one bad record, as a line of
    // JSON Lines is, not the end of the file. The buffer goes from one form to the other
    // without copying.
    let mut bytes = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut bytes) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(match e.kind() {
                    csv::ErrorKind::Io(io) => RecordError::unreadable(file, line, io),
                    _ => malformed(line, format!("broken CSV: {e}")),
                });
            }
        }
        let line = bytes.position().map_or(0, |p| p.line());
        if let Some(opened) = unclosed_quote(&reader) {
            let raw: Vec<_> = bytes.iter().map(String::from_utf8_lossy).collect();
            let error = malformed(opened, unclosed_message(opened)).with_raw(raw.join(","));
            return each(opened, Err(error));
        }
        let record = match csv::StringRecord::from_byte_record(bytes) {
            Ok(record) => record,
            Err(e) => {
                bytes = e.into_byte_record();
                let raw: Vec<_> = bytes.iter().map(String::from_utf8_lossy).collect();
                let error = malformed(line, "this line is not valid UTF-8 text".into());
                each(line, Err(error.with_raw(raw.join(","))))?;
                continue;
            }
        };
        let result = read_row(file, line, &headers, &record, &mut each);
        bytes = record.into_byte_record();
        result?;
    }
}

/// Passes one row to `each`, unless it is blank; a row with the wrong number of cells
/// is a bad record.
fn read_row(
    file: &str,
    line: u64,
    headers: &[String],
    record: &csv::StringRecord,
    each: &mut impl FnMut(u64, Result<CsvRow<'_>, RecordError>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    if record.iter().all(|c| c.trim().is_empty()) {
        return Ok(());
    }
    if record.len() != headers.len() {
        let message = format!(
            "this row has {} cells but the header has {}",
            record.len(),
            headers.len()
        );
        let error = RecordError::new(Code::MalformedRecord, file, line, message);
        return each(line, Err(error.with_raw(joined(record))));
    }
    let row = CsvRow {
        file,
        line,
        headers,
        record,
    };
    each(line, Ok(row))
}

/// The line where a quote opened that the file never closes, when the record just read
/// is the one it swallowed (the last: an open quote runs to the end of the file).
fn unclosed_quote<R: Read>(reader: &csv::Reader<Quotes<R>>) -> Option<u64> {
    let quotes = reader.get_ref();
    let at_end = reader.position().byte() == quotes.bytes;
    quotes.unclosed().filter(|_| quotes.ended && at_end)
}

fn unclosed_message(line: u64) -> String {
    format!("the quote opened on line {line} is never closed, so every row after it would be read as one cell: close the quote")
}

/// Where a reader of CSV bytes stands in quotes, as the csv crate reads them (a `"`
/// that starts a cell opens a quote, `""` inside is a quote character, a `"` then
/// closes it): it tells an open quote at the end of the file, which the csv crate
/// reads as a cell running to the end.
struct Quotes<R> {
    inner: R,
    state: QuoteState,
    /// The line being read (from 1).
    line: u64,
    /// The line of the last quote opened.
    opened: u64,
    /// The bytes read so far.
    bytes: u64,
    /// Whether the end of the input was reached.
    ended: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum QuoteState {
    /// At the start of a cell.
    CellStart,
    /// In a cell that does not start with a quote.
    Unquoted,
    /// Inside a quote.
    Quoted,
    /// After a `"` inside a quote: it closes the quote unless another follows.
    QuoteInQuoted,
}

impl<R: Read> Quotes<R> {
    fn new(inner: R) -> Self {
        Quotes {
            inner,
            state: QuoteState::CellStart,
            line: 1,
            opened: 0,
            bytes: 0,
            ended: false,
        }
    }

    /// The line of the quote still open, if one is.
    fn unclosed(&self) -> Option<u64> {
        (self.state == QuoteState::Quoted).then_some(self.opened)
    }

    fn see(&mut self, chunk: &[u8]) {
        use QuoteState::*;
        // A byte order mark at the very start is not part of a cell.
        let skip = if self.bytes == 0 && chunk.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        for &byte in &chunk[skip..] {
            let ends_cell = matches!(byte, b',' | b'\n' | b'\r');
            self.state = match (self.state, byte) {
                (CellStart, b'"') => {
                    self.opened = self.line;
                    Quoted
                }
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (_, _) if ends_cell => CellStart,
                _ => Unquoted,
            };
            if byte == b'\n' {
                self.line += 1;
            }
        }
        self.bytes += chunk.len() as u64;
    }
}

impl<R: Read> Read for Quotes<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        self.see(&buf[..n]);
        Ok(n)
    }
}
