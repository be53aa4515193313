//! Parquet and Arrow IPC files, and record batches already in memory
//! ([`RecordBatches`]): only the columns the plan reads, a row group (Parquet) or a
//! record batch (Arrow) at a time, shared out among threads.
//!
//! A row reaches the schemas as the same [`Cell`]s a JSON object's members do (text as
//! text, numbers as their digits, timestamps as their microseconds), so a record scores
//! the same whichever format carried it. Messages name the file, the row (from 1, as
//! `file:row`) and the column (from 1) with its name.

use super::schema::{Cell, Record};
use super::{Format, RecordError, Source};
use crate::diagnostics::Code;
use crate::vocab::Raw;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, LargeStringArray, PrimitiveArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, Schema, SchemaRef, TimeUnit};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Rows decoded at a time within a row group.
const BATCH_ROWS: usize = 8192;

/// The rows of one record batch, with the names of the columns read.
pub(crate) struct Rows<'a> {
    file: &'a str,
    /// Rows in the file before the batch's first.
    first_row: u64,
    /// Rows in the whole file, when its format says before it is read.
    file_rows: Option<u64>,
    batch: &'a RecordBatch,
    /// Index in the batch of each column, by name.
    names: &'a [(String, usize)],
    /// Index in the file of each batch column (for messages), from 0.
    file_columns: &'a [usize],
}

impl<'a> Rows<'a> {
    /// How many rows the batch has.
    pub(crate) fn len(&self) -> usize {
        self.batch.num_rows()
    }

    /// Rows in the file before the batch's first.
    pub(crate) fn first_row(&self) -> u64 {
        self.first_row
    }

    /// How many rows the whole file has, when its format says before it is read
    /// (Parquet's metadata and batches in memory do; an Arrow IPC file does not).
    pub(crate) fn file_rows(&self) -> Option<u64> {
        self.file_rows
    }

    /// The row at `at` (from 0).
    pub(crate) fn row(&self, at: usize) -> ColumnarRow<'_> {
        ColumnarRow { rows: self, at }
    }

    /// The column named `name`, if the file has it.
    pub(crate) fn column(&self, name: &str) -> Option<&'a dyn Array> {
        let i = self.index(name)?;
        Some(self.batch.column(i).as_ref())
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|&(_, i)| i)
    }
}

/// One row of a record batch.
pub(crate) struct ColumnarRow<'a> {
    rows: &'a Rows<'a>,
    at: usize,
}

impl ColumnarRow<'_> {
    /// The row's number in the file, from 1.
    pub(crate) fn number(&self) -> u64 {
        self.rows.first_row + self.at as u64 + 1
    }
}

impl Record for ColumnarRow<'_> {
    const PLACE: &'static str = " column";

    fn get(&self, name: &str) -> Option<Cell<'_>> {
        Some(cell(self.rows.column(name)?, self.at))
    }

    fn error(&self, code: Code, field: Option<&str>, message: String) -> RecordError {
        let error = RecordError::new(code, self.rows.file, self.number(), message);
        match field {
            Some(field) => RecordError {
                column: self
                    .rows
                    .index(field)
                    .and_then(|c| u32::try_from(self.rows.file_columns[c] + 1).ok()),
                ..error.with_field(field)
            },
            None => error,
        }
    }
}

/// The value at `at` of a column whose type [`readable`] accepted.
fn cell(array: &dyn Array, at: usize) -> Cell<'_> {
    if array.is_null(at) {
        return Cell::Empty;
    }
    let number = |n: String| Cell::Number(Cow::Owned(n));
    if let Some(text) = TextColumn::of(array).and_then(|column| column.get(at)) {
        return Cell::Text(Cow::Borrowed(text));
    }
    match array.data_type() {
        // A null value of a dictionary of text (the only dictionaries read).
        DataType::Dictionary(..) => Cell::Empty,
        DataType::Boolean => Cell::Bool(array.as_boolean().value(at)),
        DataType::Int8 => number(array.as_primitive::<Int8Type>().value(at).to_string()),
        DataType::Int16 => number(array.as_primitive::<Int16Type>().value(at).to_string()),
        DataType::Int32 => number(array.as_primitive::<Int32Type>().value(at).to_string()),
        DataType::Int64 => number(array.as_primitive::<Int64Type>().value(at).to_string()),
        DataType::UInt8 => number(array.as_primitive::<UInt8Type>().value(at).to_string()),
        DataType::UInt16 => number(array.as_primitive::<UInt16Type>().value(at).to_string()),
        DataType::UInt32 => number(array.as_primitive::<UInt32Type>().value(at).to_string()),
        DataType::UInt64 => number(array.as_primitive::<UInt64Type>().value(at).to_string()),
        // Rust prints the shortest digits that read back as the same number.
        DataType::Float32 => float(f64::from(array.as_primitive::<Float32Type>().value(at))),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(at)),
        DataType::Timestamp(unit, _) => Cell::Time(timestamp_micros(array, *unit, at)),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(at);
            Cell::Time(i64::from(days) * 86_400_000_000)
        }
        _ => Cell::Empty,
    }
}

/// A column of text, plain or dictionary-encoded, read row by row without looking up
/// its type again: the fast paths take one for each record batch.
#[derive(Clone, Copy)]
pub(crate) enum TextColumn<'a> {
    Plain(PlainText<'a>),
    /// Keys into text values (a value may be null too).
    Dictionary(DictKeys<'a>, PlainText<'a>),
}

/// Text stored one value a row.
#[derive(Clone, Copy)]
pub(crate) enum PlainText<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
}

impl<'a> PlainText<'a> {
    fn of(array: &'a dyn Array) -> Option<PlainText<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => PlainText::Utf8(array.as_string()),
            DataType::LargeUtf8 => PlainText::LargeUtf8(array.as_string()),
            DataType::Utf8View => PlainText::Utf8View(array.as_string_view()),
            _ => return None,
        })
    }

    /// The text at `at`; `None` for a null.
    #[inline]
    pub(crate) fn get(self, at: usize) -> Option<&'a str> {
        match self {
            PlainText::Utf8(texts) => texts.is_valid(at).then(|| texts.value(at)),
            PlainText::LargeUtf8(texts) => texts.is_valid(at).then(|| texts.value(at)),
            PlainText::Utf8View(texts) => texts.is_valid(at).then(|| texts.value(at)),
        }
    }

    /// How many values it holds.
    pub(crate) fn len(self) -> usize {
        match self {
            PlainText::Utf8(texts) => texts.len(),
            PlainText::LargeUtf8(texts) => texts.len(),
            PlainText::Utf8View(texts) => texts.len(),
        }
    }
}

/// The keys of a dictionary column, of any integer type.
#[derive(Clone, Copy)]
pub(crate) enum DictKeys<'a> {
    Int8(&'a PrimitiveArray<Int8Type>),
    Int16(&'a PrimitiveArray<Int16Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Int64(&'a PrimitiveArray<Int64Type>),
    UInt8(&'a PrimitiveArray<UInt8Type>),
    UInt16(&'a PrimitiveArray<UInt16Type>),
    UInt32(&'a PrimitiveArray<UInt32Type>),
    UInt64(&'a PrimitiveArray<UInt64Type>),
}

impl<'a> DictKeys<'a> {
    fn of(array: &'a dyn Array) -> Option<DictKeys<'a>> {
        Some(match array.data_type() {
            DataType::Int8 => DictKeys::Int8(array.as_primitive()),
            DataType::Int16 => DictKeys::Int16(array.as_primitive()),
            DataType::Int32 => DictKeys::Int32(array.as_primitive()),
            DataType::Int64 => DictKeys::Int64(array.as_primitive()),
            DataType::UInt8 => DictKeys::UInt8(array.as_primitive()),
            DataType::UInt16 => DictKeys::UInt16(array.as_primitive()),
            DataType::UInt32 => DictKeys::UInt32(array.as_primitive()),
            DataType::UInt64 => DictKeys::UInt64(array.as_primitive()),
            _ => return None,
        })
    }

    /// The key at `at`, as an index into the values; `None` for a null.
    #[inline]
    pub(crate) fn get(self, at: usize) -> Option<usize> {
        fn key<T: ArrowPrimitiveType>(keys: &PrimitiveArray<T>, at: usize) -> Option<usize>
        where
            T::Native: TryInto<usize>,
        {
            keys.is_valid(at)
                .then(|| keys.value(at).try_into().ok())
                .flatten()
        }
        match self {
            DictKeys::Int8(keys) => key(keys, at),
            DictKeys::Int16(keys) => key(keys, at),
            DictKeys::Int32(keys) => key(keys, at),
            DictKeys::Int64(keys) => key(keys, at),
            DictKeys::UInt8(keys) => key(keys, at),
            DictKeys::UInt16(keys) => key(keys, at),
            DictKeys::UInt32(keys) => key(keys, at),
            DictKeys::UInt64(keys) => key(keys, at),
        }
    }
}

impl<'a> TextColumn<'a> {
    /// The column as text, if it holds text (a dictionary of text included).
    pub(crate) fn of(array: &'a dyn Array) -> Option<TextColumn<'a>> {
        if let Some(plain) = PlainText::of(array) {
            return Some(TextColumn::Plain(plain));
        }
        let dictionary = array.as_any_dictionary_opt()?;
        let values = PlainText::of(dictionary.values().as_ref())?;
        Some(TextColumn::Dictionary(
            DictKeys::of(dictionary.keys())?,
            values,
        ))
    }

    /// The text at `at`; `None` for a null.
    #[inline]
    pub(crate) fn get(self, at: usize) -> Option<&'a str> {
        match self {
            TextColumn::Plain(texts) => texts.get(at),
            TextColumn::Dictionary(keys, values) => {
                values.get(keys.get(at).filter(|&key| key < values.len())?)
            }
        }
    }
}

/// A timestamp or date column read row by row: one of microseconds (what DuckDB and
/// Spark write) without looking up its type again.
#[derive(Clone, Copy)]
pub(crate) enum TimeColumn<'a> {
    Micros(&'a PrimitiveArray<TimestampMicrosecondType>),
    Other(&'a dyn Array),
}

impl<'a> TimeColumn<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> TimeColumn<'a> {
        match array.data_type() {
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                TimeColumn::Micros(array.as_primitive())
            }
            _ => TimeColumn::Other(array),
        }
    }

    /// The instant at `at`, as [`time_at`] reads it.
    #[inline]
    pub(crate) fn get(self, at: usize) -> Option<i64> {
        match self {
            TimeColumn::Micros(times) => times.is_valid(at).then(|| times.value(at)),
            TimeColumn::Other(array) => time_at(array, at),
        }
    }
}

/// The instant at `at` of a timestamp or date column, in microseconds since 1970.
pub(crate) fn time_at(array: &dyn Array, at: usize) -> Option<i64> {
    match array.data_type() {
        DataType::Timestamp(..) | DataType::Date32 => match cell(array, at) {
            Cell::Time(micros) => Some(micros),
            _ => None,
        },
        _ => None,
    }
}

/// The finite number at `at` of a numeric column: what a `number` or `int` field reads
/// from the digits JSON would have (a float's shortest digits read back as the same
/// float, an integer's as the nearest float, which `as` gives), so no digits need
/// writing. `None` for a null, a float that is not finite, or another type.
pub(crate) fn number_at(array: &dyn Array, at: usize) -> Option<f64> {
    if array.is_null(at) {
        return None;
    }
    let value = match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().value(at),
        DataType::Float32 => f64::from(array.as_primitive::<Float32Type>().value(at)),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(at) as f64,
        DataType::Int32 => f64::from(array.as_primitive::<Int32Type>().value(at)),
        DataType::Int16 => f64::from(array.as_primitive::<Int16Type>().value(at)),
        DataType::Int8 => f64::from(array.as_primitive::<Int8Type>().value(at)),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(at) as f64,
        DataType::UInt32 => f64::from(array.as_primitive::<UInt32Type>().value(at)),
        DataType::UInt16 => f64::from(array.as_primitive::<UInt16Type>().value(at)),
        DataType::UInt8 => f64::from(array.as_primitive::<UInt8Type>().value(at)),
        _ => return None,
    };
    value.is_finite().then_some(value)
}

/// The value at `at` of a column that holds no text (the fast paths read text columns
/// through [`TextColumn`]) as [`crate::vocab::read_into`] takes it (`None`: a null), as
/// a JSON member would give it: a number as its digits (written into `digits`, so
/// nothing is allocated), a boolean. `Err` for what only the full reader takes (text, a
/// timestamp, a float that is no JSON number).
pub(crate) fn raw_at<'a>(
    array: &'a dyn Array,
    at: usize,
    digits: &'a mut String,
) -> Result<Option<Raw<'a>>, ()> {
    use std::fmt::Write;
    if array.is_null(at) {
        return Ok(None);
    }
    digits.clear();
    let written = match array.data_type() {
        DataType::Boolean => return Ok(Some(Raw::Bool(array.as_boolean().value(at)))),
        DataType::Int64 => write!(digits, "{}", array.as_primitive::<Int64Type>().value(at)),
        DataType::Int32 => write!(digits, "{}", array.as_primitive::<Int32Type>().value(at)),
        DataType::Float64 => {
            let value = array.as_primitive::<Float64Type>().value(at);
            if !value.is_finite() {
                return Err(());
            }
            write!(digits, "{value}")
        }
        // Rarer column types: through the cells every reader uses.
        _ => match cell(array, at) {
            Cell::Number(text) => digits.write_str(&text),
            _ => return Err(()),
        },
    };
    written.map_err(|_| ())?;
    Ok(Some(Raw::Number(digits)))
}

/// A float as JSON would write it; not a number or infinite is no JSON number, and is
/// refused as a JSON string holding the words would be.
fn float(value: f64) -> Cell<'static> {
    if value.is_finite() {
        Cell::Number(Cow::Owned(value.to_string()))
    } else {
        Cell::Text(Cow::Owned(value.to_string()))
    }
}

/// A timestamp column's value at `at` in microseconds since 1970 (nanoseconds are
/// rounded down to the microsecond the language counts in).
fn timestamp_micros(array: &dyn Array, unit: TimeUnit, at: usize) -> i64 {
    match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .value(at)
            .saturating_mul(1_000_000),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .value(at)
            .saturating_mul(1_000),
        TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(at),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .value(at)
            .div_euclid(1_000),
    }
}

/// Whether a column of this type can be read (every type a JSON value can stand for,
/// and text in a dictionary).
fn readable(data_type: &DataType) -> bool {
    use DataType::*;
    if let Dictionary(keys, values) = data_type {
        return keys.is_integer() && matches!(**values, Utf8 | LargeUtf8 | Utf8View);
    }
    matches!(
        data_type,
        Utf8 | LargeUtf8
            | Utf8View
            | Boolean
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float32
            | Float64
            | Timestamp(_, _)
            | Date32
            | Null
    )
}

/// Record batches in memory, read as the rows of an Arrow file named `name` (an
/// embedder's data frame, say: `leadscore` for Python scores them without copying).
/// Only the columns a plan reads are looked at; rows are numbered from 1 across the
/// batches, as a file's are.
#[derive(Debug, Clone)]
pub struct RecordBatches {
    name: String,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    /// The rows before each batch.
    first_rows: Vec<u64>,
}

impl RecordBatches {
    /// Batches of rows with the columns `schema` has, named `name` in messages (as a
    /// file is). Fails (E0806, naming the batch from 1) when a batch has other columns.
    pub fn new(
        name: impl Into<String>,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<RecordBatches, RecordError> {
        let name = name.into();
        let mut first_rows = Vec::with_capacity(batches.len());
        let mut rows = 0u64;
        for (i, batch) in batches.iter().enumerate() {
            if batch.schema().fields() != schema.fields() {
                let message = format!("record batch {} has other columns than the first", i + 1);
                return Err(RecordError::new(
                    Code::UnreadableInput,
                    &name,
                    rows,
                    message,
                ));
            }
            first_rows.push(rows);
            rows += batch.num_rows() as u64;
        }
        Ok(RecordBatches {
            name,
            schema,
            batches,
            first_rows,
        })
    }

    /// The name messages show.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many rows there are in all.
    pub fn num_rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }
}

/// Where columnar rows come from: a file in a columnar format, or batches in memory.
#[derive(Clone, Copy)]
pub(crate) enum Columns<'a> {
    File(&'a str, Format),
    Memory(&'a RecordBatches),
}

impl<'a> Columns<'a> {
    /// The rows of a source's file, read as `format`.
    pub(crate) fn file<R: Read>(source: &'a Source<R>, format: Format) -> Columns<'a> {
        Columns::File(&source.name, format)
    }

    /// The name messages show.
    pub(crate) fn name(self) -> &'a str {
        match self {
            Columns::File(name, _) => name,
            Columns::Memory(batches) => &batches.name,
        }
    }

    /// The format the rows are in (batches in memory are Arrow's).
    fn format(self) -> Format {
        match self {
            Columns::File(_, format) => format,
            Columns::Memory(_) => Format::Arrow,
        }
    }
}

/// A columnar file opened for reading, projected on the columns wanted, or batches in
/// memory.
enum Opened<'a> {
    /// Threads take row groups by number and decode them.
    Parquet(ParquetFile),
    /// Threads take the next record batch in turn (decoding one is little more than
    /// reading it), with the number of rows before it.
    Arrow(Mutex<(arrow_ipc::reader::FileReader<File>, u64)>),
    /// Threads take batches by number (unprojected: nothing is decoded).
    Memory(&'a RecordBatches),
}

/// A Parquet file's metadata, read once for every thread.
struct ParquetFile {
    /// Opened anew for each row group: clones of one `File` share its offset, and the
    /// reader seeks.
    path: std::path::PathBuf,
    metadata: parquet::arrow::arrow_reader::ArrowReaderMetadata,
    mask: parquet::arrow::ProjectionMask,
    /// The first row of each row group, from 0.
    first_rows: Vec<u64>,
}

/// A share of a file's rows for one thread: a row group's number, or a record batch and
/// the number of rows before it.
enum Work<'f> {
    Group(&'f ParquetFile, usize),
    Batch(u64, RecordBatch),
}

/// The columns wanted that the file has: (name, index in the file), in file order.
fn wanted_columns(schema: &Schema, wanted: &[&str]) -> Vec<(String, usize)> {
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| wanted.contains(&f.name().as_str()))
        .map(|(i, f)| (f.name().clone(), i))
        .collect()
}

/// The error for a file that cannot be read as `format` (at no record in particular).
fn unreadable(file: &str, format: Format, message: impl std::fmt::Display) -> RecordError {
    let kind = if format == Format::Parquet {
        "Parquet"
    } else {
        "Arrow IPC"
    };
    RecordError::new(
        Code::UnreadableInput,
        file,
        0,
        format!("cannot read as {kind}: {message}"),
    )
}

/// A file on disk to read from: the source's own path (columnar readers seek, so a
/// stream is not enough).
fn file_of(name: &str, format: Format) -> Result<File, RecordError> {
    if name == super::open::STDIN_NAME {
        return Err(unreadable(
            name,
            format,
            "give a file, not standard input (the format is read by seeking)",
        ));
    }
    File::open(name).map_err(|e| unreadable(name, format, e))
}

/// A columnar file opened for reading (or batches in memory), with the columns read.
struct Prepared<'a> {
    opened: Opened<'a>,
    /// Index in a batch of each column read, by name.
    names: Vec<(String, usize)>,
    /// Index in the file of each batch column, from 0.
    file_columns: Vec<usize>,
    /// Rows in the whole file, when known before it is read.
    file_rows: Option<u64>,
}

impl<'a> Prepared<'a> {
    /// Opens the file as its format, projected on the columns `wanted` names that it
    /// has (or takes the batches in memory); fails when one of them holds values no
    /// field can take.
    fn new(origin: Columns<'a>, wanted: &[&str]) -> Result<Prepared<'a>, RecordError> {
        let (opened, schema) = match origin {
            Columns::File(name, format) => {
                let file = file_of(name, format)?;
                open(file, name, format, wanted).map_err(|e| unreadable(name, format, e))?
            }
            Columns::Memory(batches) => (Opened::Memory(batches), batches.schema.as_ref().clone()),
        };
        let name = origin.name();
        let columns = wanted_columns(&schema, wanted);
        for (column, i) in &columns {
            let data_type = schema.field(*i).data_type();
            if !readable(data_type) {
                let message =
                    format!("column `{column}` holds {data_type}, which no field can take");
                return Err(RecordError::new(Code::UnreadableInput, name, 0, message));
            }
        }
        // Batches from a file hold the projected columns in file order, as `columns`
        // is; batches in memory hold them all.
        let projected = !matches!(opened, Opened::Memory(_));
        let names = columns
            .iter()
            .enumerate()
            .map(|(k, (n, i))| (n.clone(), if projected { k } else { *i }))
            .collect();
        let file_columns = columns.iter().map(|&(_, i)| i).collect();
        let file_rows = match &opened {
            Opened::Parquet(parquet) => {
                u64::try_from(parquet.metadata.metadata().file_metadata().num_rows()).ok()
            }
            Opened::Arrow(_) => None,
            Opened::Memory(batches) => Some(batches.num_rows()),
        };
        Ok(Prepared {
            opened,
            names,
            file_columns,
            file_rows,
        })
    }

    /// The rows of `batch`, which has `first_row` rows before it in the file.
    fn rows<'r>(&'r self, file: &'r str, first_row: u64, batch: &'r RecordBatch) -> Rows<'r> {
        Rows {
            file,
            first_row,
            file_rows: self.file_rows,
            batch,
            names: &self.names,
            file_columns: &self.file_columns,
        }
    }

    /// Reads one share of the rows, calling `each` with each of its record batches.
    fn work<E: From<String>>(
        &self,
        file: &str,
        work: Work<'_>,
        each: &mut impl FnMut(&Rows<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match work {
            Work::Group(parquet, group) => parquet.read_group(group, &mut |first_row, batch| {
                each(&self.rows(file, first_row, batch))
            }),
            Work::Batch(first_row, batch) => each(&self.rows(file, first_row, &batch)),
        }
    }
}

/// What stops reading a columnar file: the file cannot be read, or the caller stopped.
enum Stop {
    Unreadable(String),
    Record(RecordError),
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Unreadable(message)
    }
}

/// Calls `each` with every row of a Parquet or Arrow IPC file, in order, reading only
/// the columns `wanted` names; stops at the first error `each` returns.
pub(crate) fn for_each_row(
    origin: Columns<'_>,
    wanted: &[&str],
    mut each: impl FnMut(&ColumnarRow<'_>) -> Result<(), RecordError>,
) -> Result<(), RecordError> {
    let (name, format) = (origin.name(), origin.format());
    let prepared = Prepared::new(origin, wanted)?;
    let next = AtomicUsize::new(0);
    while let Some((_, work)) = prepared.opened.take(&next) {
        let done = work.map_err(Stop::Unreadable).and_then(|work| {
            prepared.work(name, work, &mut |rows| {
                (0..rows.len()).try_for_each(|at| each(&rows.row(at)).map_err(Stop::Record))
            })
        });
        match done {
            Ok(()) => {}
            Err(Stop::Record(error)) => return Err(error),
            Err(Stop::Unreadable(message)) => return Err(unreadable(name, format, message)),
        }
    }
    Ok(())
}

/// Reads a Parquet or Arrow IPC file (or batches in memory), only the columns `wanted`
/// names, on `threads` threads: each thread makes its state with `init` and runs `each`
/// on each record batch of the shares (row groups, record batches) it takes, in no
/// particular order. Returns how reading ended and every thread's state, also after an
/// error: the thread that met it stops, the others read on to the end, so what the
/// states hold then depends on the threads (callers stop at the error).
pub(crate) fn read_batches<S: Send>(
    origin: Columns<'_>,
    wanted: &[&str],
    threads: usize,
    init: impl Fn() -> S + Sync,
    each: impl Fn(&mut S, &Rows<'_>) + Sync,
) -> (Result<(), RecordError>, Vec<S>) {
    let (name, format) = (origin.name(), origin.format());
    let prepared = match Prepared::new(origin, wanted) {
        Ok(prepared) => prepared,
        Err(error) => return (Err(error), Vec::new()),
    };
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(None);
    let threads = threads.clamp(1, crate::batch::MAX_THREADS);
    let states = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (prepared, init, each, next, failed) =
                    (&prepared, &init, &each, &next, &failed);
                scope.spawn(move || {
                    let mut state = init();
                    while let Some((order, work)) = prepared.opened.take(next) {
                        let done = work.and_then(|work| {
                            prepared.work(name, work, &mut |rows| {
                                each(&mut state, rows);
                                Ok::<(), String>(())
                            })
                        });
                        if let Err(e) = done {
                            let mut failed = failed.lock().expect("no panics holding it");
                            // The earliest share's error, whatever the threads' timing.
                            if failed.as_ref().is_none_or(|(p, _)| *p > order) {
                                *failed = Some((order, e));
                            }
                            break;
                        }
                    }
                    state
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("readers do not panic"))
            .collect::<Vec<S>>()
    });
    match failed.into_inner().expect("no panics holding it") {
        Some((_, message)) => (Err(unreadable(name, format, message)), states),
        None => (Ok(()), states),
    }
}

/// Opens `file` as `format`, projected on the columns `wanted` names.
/// (`path` is where `file` is, for Parquet's row groups.)
fn open(
    file: File,
    path: &str,
    format: Format,
    wanted: &[&str],
) -> Result<(Opened<'static>, Schema), String> {
    match format {
        Format::Arrow => {
            let reader = arrow_ipc::reader::FileReader::try_new(
                file.try_clone().map_err(|e| e.to_string())?,
                None,
            )
            .map_err(|e| e.to_string())?;
            let schema = reader.schema().as_ref().clone();
            let projection = wanted_columns(&schema, wanted)
                .iter()
                .map(|&(_, i)| i)
                .collect();
            let reader = arrow_ipc::reader::FileReader::try_new(file, Some(projection))
                .map_err(|e| e.to_string())?;
            Ok((Opened::Arrow(Mutex::new((reader, 0))), schema))
        }
        _ => {
            use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
            let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
                .map_err(|e| e.to_string())?;
            let metadata = with_dictionaries(metadata, wanted);
            let schema = metadata.schema().as_ref().clone();
            let roots: Vec<usize> = wanted_columns(&schema, wanted)
                .iter()
                .map(|&(_, i)| i)
                .collect();
            let mask = parquet::arrow::ProjectionMask::roots(metadata.parquet_schema(), roots);
            let mut first_rows = Vec::new();
            let mut rows = 0u64;
            for group in metadata.metadata().row_groups() {
                first_rows.push(rows);
                rows += group.num_rows().max(0) as u64;
            }
            let parquet = ParquetFile {
                path: path.into(),
                metadata,
                mask,
                first_rows,
            };
            Ok((Opened::Parquet(parquet), schema))
        }
    }
}

/// The metadata of a Parquet file whose wanted text columns are read as dictionaries
/// where every row group stores them so (an event type, a country): their text is then
/// decoded once a page, not copied out for every row, and a fast path can work out what
/// each distinct value means once. A column stored plainly in some page stays plain
/// text (a dictionary would be built for it row by row). Should the reader refuse the
/// dictionaries, the file is read as it was.
fn with_dictionaries(
    metadata: parquet::arrow::arrow_reader::ArrowReaderMetadata,
    wanted: &[&str],
) -> parquet::arrow::arrow_reader::ArrowReaderMetadata {
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
    let file = std::sync::Arc::clone(metadata.metadata());
    let leaves = file.file_metadata().schema_descr().columns();
    // The leaf column of a top-level field of that name (none for a nested field).
    let leaf = |name: &str| {
        leaves.iter().position(|column| {
            let parts = column.path().parts();
            parts.len() == 1 && parts[0] == name
        })
    };
    let groups = file.row_groups();
    let stored_as_dictionary = |name: &str| {
        leaf(name).is_some_and(|column| {
            !groups.is_empty()
                && groups
                    .iter()
                    .all(|group| all_dictionary_pages(group.column(column)))
        })
    };
    let schema = metadata.schema();
    let mut changed = false;
    let fields: Vec<arrow_schema::FieldRef> = schema
        .fields()
        .iter()
        .map(|field| {
            let text = matches!(field.data_type(), DataType::Utf8 | DataType::LargeUtf8);
            if !(text
                && wanted.contains(&field.name().as_str())
                && stored_as_dictionary(field.name()))
            {
                return field.clone();
            }
            changed = true;
            let dictionary = DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(field.data_type().clone()),
            );
            std::sync::Arc::new(field.as_ref().clone().with_data_type(dictionary))
        })
        .collect();
    if !changed {
        return metadata;
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    let options = ArrowReaderOptions::new().with_schema(std::sync::Arc::new(schema));
    ArrowReaderMetadata::try_new(file, options).unwrap_or(metadata)
}

/// Whether every data page of a column chunk is dictionary-encoded, as its page
/// statistics say (or, without them, its list of encodings: a chunk that lists plain
/// encoding may have fallen back to it).
fn all_dictionary_pages(chunk: &parquet::file::metadata::ColumnChunkMetaData) -> bool {
    use parquet::basic::{Encoding, PageType};
    let dictionary =
        |e: Encoding| matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY);
    if chunk.dictionary_page_offset().is_none() {
        return false;
    }
    match chunk.page_encoding_stats() {
        Some(stats) => stats
            .iter()
            .filter(|s| matches!(s.page_type, PageType::DATA_PAGE | PageType::DATA_PAGE_V2))
            .all(|s| dictionary(s.encoding)),
        None => chunk.encodings().all(|e| {
            e != Encoding::PLAIN
                && e != Encoding::DELTA_BYTE_ARRAY
                && e != Encoding::DELTA_LENGTH_BYTE_ARRAY
        }),
    }
}

impl Opened<'_> {
    /// The next share of rows for a thread, with its place in the file (for the order
    /// of errors); `None` when every row is taken.
    fn take(&self, next: &AtomicUsize) -> Option<(usize, Result<Work<'_>, String>)> {
        let order = next.fetch_add(1, Ordering::Relaxed);
        match self {
            Opened::Parquet(parquet) => (order < parquet.first_rows.len())
                .then_some((order, Ok(Work::Group(parquet, order)))),
            Opened::Arrow(reader) => {
                let mut reader = reader.lock().expect("no panics holding it");
                let (batches, rows) = &mut *reader;
                let batch = batches.next()?.map_err(|e| e.to_string());
                let first_row = *rows;
                if let Ok(batch) = &batch {
                    *rows += batch.num_rows() as u64;
                }
                Some((order, batch.map(|b| Work::Batch(first_row, b))))
            }
            Opened::Memory(batches) => {
                let batch = batches.batches.get(order)?.clone();
                Some((order, Ok(Work::Batch(batches.first_rows[order], batch))))
            }
        }
    }
}

impl ParquetFile {
    /// Decodes row group `group`, calling `each` with each record
    /// batch and the number of rows before it.
    fn read_group<E: From<String>>(
        &self,
        group: usize,
        each: &mut dyn FnMut(u64, &RecordBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let file = File::open(&self.path).map_err(|e| e.to_string())?;
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![group])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())?;
        let mut row = self.first_rows[group];
        for batch in reader {
            let batch = batch.map_err(|e| e.to_string())?;
            each(row, &batch)?;
            row += batch.num_rows() as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::ArrayRef;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    use parquet::schema::types::ColumnPath;
    use std::sync::Arc;

    /// The types the columns `wanted` of a Parquet file are read as, for a file of
    /// `rows` rows (`type` alternating two values, `lead` all different) written with
    /// `properties`.
    fn types_read(properties: WriterProperties, rows: usize, wanted: &[&str]) -> Vec<DataType> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.parquet");
        let kinds = StringArray::from_iter_values((0..rows).map(|i| ["email.open", "demo"][i % 2]));
        let leads = StringArray::from_iter_values((0..rows).map(|i| format!("L{i}")));
        let columns = [
            ("type", Arc::new(kinds) as ArrayRef),
            ("lead", Arc::new(leads)),
        ];
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let file = File::create(&path).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let name = path.to_str().unwrap();
        let (_, schema) = open(File::open(&path).unwrap(), name, Format::Parquet, wanted).unwrap();
        let types = schema.fields().iter().map(|f| f.data_type().clone());
        types.collect()
    }

    fn dictionary() -> DataType {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    }

    /// A wanted text column that every page stores as a dictionary is read as one; a
    /// column stored plainly, one whose dictionary overflowed into plain pages, and a
    /// column not wanted are read as plain text.
    #[test]
    fn text_stored_as_a_dictionary_is_read_as_one() {
        let lead = ColumnPath::from("lead");
        let plain_ids = WriterProperties::builder()
            .set_column_dictionary_enabled(lead, false)
            .build();
        let both = ["type", "lead"];
        assert_eq!(
            types_read(plain_ids.clone(), 100, &both),
            [dictionary(), DataType::Utf8]
        );
        assert_eq!(
            types_read(plain_ids, 100, &["lead"]),
            [DataType::Utf8, DataType::Utf8]
        );
        // A dictionary page of at most 1 KiB: 20,000 different ids fall back to plain.
        let overflowing = WriterProperties::builder()
            .set_dictionary_page_size_limit(1024)
            .set_data_page_size_limit(1024)
            .build();
        assert_eq!(
            types_read(overflowing, 20_000, &both),
            [dictionary(), DataType::Utf8]
        );
    }

    /// Text in a dictionary reads as plain text does, row by row, with keys of any
    /// integer type: a null key or a null value is a null.
    #[test]
    fn dictionary_text_reads_as_plain_text() {
        use arrow_array::types::{Int8Type, UInt16Type};
        use arrow_array::DictionaryArray;
        let values = StringArray::from(vec![Some("software"), None, Some("")]);
        let keys = PrimitiveArray::<Int8Type>::from(vec![Some(0), None, Some(1), Some(2), Some(0)]);
        let small = DictionaryArray::try_new(keys, Arc::new(values.clone())).unwrap();
        let keys =
            PrimitiveArray::<UInt16Type>::from(vec![Some(2), Some(0), None, Some(1), Some(0)]);
        let wide = DictionaryArray::try_new(keys, Arc::new(values)).unwrap();
        let read = |array: &dyn Array| {
            let column = TextColumn::of(array).expect("text");
            let texts: Vec<Option<&str>> = (0..5).map(|at| column.get(at)).collect();
            let cells: Vec<Option<String>> = (0..5)
                .map(|at| match cell(array, at) {
                    Cell::Text(text) => Some(text.into_owned()),
                    Cell::Empty => None,
                    _ => panic!("not text"),
                })
                .collect();
            assert_eq!(
                texts
                    .iter()
                    .map(|t| t.map(str::to_string))
                    .collect::<Vec<_>>(),
                cells
            );
            texts
                .into_iter()
                .map(|t| t.map(str::to_string))
                .collect::<Vec<_>>()
        };
        let text = |t: &str| Some(t.to_string());
        assert_eq!(
            read(&small),
            [text("software"), None, None, text(""), text("software")]
        );
        assert_eq!(
            read(&wide),
            [text(""), text("software"), None, None, text("software")]
        );
        assert!(readable(small.data_type()) && readable(wide.data_type()));
        let numbers = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Int64));
        assert!(!readable(&numbers), "only dictionaries of text are read");
    }
}
