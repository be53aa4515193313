//! Reading Parquet and Arrow IPC files on every core: threads take row groups (or record
//! batches), leads are added in row order by one more thread as they are read (so a
//! duplicate is the later row, as in a sequential read), events go to the JSON Lines
//! workers' (the shared state table, or each thread's own shard, merged as theirs are).

use super::worker::{kind_of, LeadBlock, Packing, Worker};
use super::Batch;
use crate::eval::ByValue;
use crate::input::columnar::{self, TextColumn, TimeColumn};
use crate::input::{self, event_columns, lead_columns, Keys, ReadOptions, RecordError};
use crate::plan::{EventDecl, FieldDecl};
use crate::record::Lead;
use crate::vocab::{self, read_into, Raw, Value, ValueType};
use arrow_array::Array;
use std::ops::Range;
use std::sync::mpsc;

impl Batch {
    /// Reads every lead of a Parquet or Arrow IPC file (only the columns the plan reads)
    /// on `threads` threads, each record batch of rows packed as a block of JSON Lines
    /// is, and added in row order by one more thread as the batches before it are (as
    /// [`Batch::read_leads_parallel`] adds blocks). Returns the bad records in row
    /// order, or the error that stopped reading.
    pub(crate) fn read_leads_columnar(
        &mut self,
        origin: columnar::Columns<'_>,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let packing = self.packing();
        let wanted = lead_columns(packing.scorer.plan(), keys);
        let (parsed, blocks_parsed) = mpsc::channel::<LeadBlock>();
        let (read, mut errors) = std::thread::scope(|scope| {
            let name = origin.name();
            let adder =
                scope.spawn(|| self.add_blocks_in_order(blocks_parsed, None, name, &keys.id));
            let (read, _) = columnar::read_batches(
                origin,
                &wanted,
                threads,
                || LeadReader {
                    parsed: parsed.clone(),
                    memo: ByValue::default(),
                    room: 0,
                    lead: Lead::default(),
                    digits: String::new(),
                },
                |reader, rows| {
                    // A batch of rows in blocks of at most BLOCK_ROWS (an empty batch, which
                    // Arrow files and batches in memory may hold, in none).
                    for start in (0..rows.len()).step_by(BLOCK_ROWS) {
                        let end = rows.len().min(start + BLOCK_ROWS);
                        let block = reader.block(&packing, rows, start..end, keys, options);
                        // The adder stops only when every sender is gone.
                        let _ = reader.parsed.send(block);
                    }
                },
            );
            drop(parsed);
            (read, adder.join().expect("adding leads does not panic"))
        });
        // After an error the leads read before it stay the batch's, as the JSON Lines
        // reader keeps what it read (the job stops at the error).
        read?;
        errors.sort_by_key(|e| e.line);
        Ok(errors)
    }

    /// Reads every event of a Parquet or Arrow IPC file (only the columns the plan
    /// reads) on `threads` threads. Returns the bad records in row order, or the error
    /// that stopped reading.
    pub(crate) fn read_events_columnar(
        &mut self,
        origin: columnar::Columns<'_>,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let shared = self.share_states(threads);
        let wanted = event_columns(self.scorer.plan(), keys);
        let name = origin.name();
        let (read, workers) = columnar::read_batches(
            origin,
            &wanted,
            threads,
            || {
                (
                    Worker::new(self, keys, options, name, shared.as_ref()),
                    String::new(),
                )
            },
            |(worker, digits), rows| events(worker, digits, rows, keys, options),
        );
        // After an error too, the events read stay the batch's, in the shared table and
        // the workers' shards alike, as the JSON Lines reader keeps what it read (which
        // events those are depends on the threads; the job stops at the error).
        let finished = workers.into_iter().map(|(w, _)| w.finish()).collect();
        let errors = self.take_shards(shared, finished);
        read?;
        Ok(errors)
    }
}

/// The most rows of leads packed as one block: a record batch of an Arrow file or in
/// memory may be of any length, and a block's records are found by 32-bit offsets.
const BLOCK_ROWS: usize = 8192;

/// The most bytes of room a block's buffer is given up front (the rows before may have
/// been of any size).
const MOST_ROOM: usize = 1 << 24;

/// What a thread reading leads keeps from one record batch to the next.
struct LeadReader {
    parsed: mpsc::Sender<LeadBlock>,
    /// Lead-only conditions' results by value (see [`ByValue`]).
    memo: ByValue,
    /// Bytes of packed records per row in the thread's last block, for the next one's
    /// room (so its buffer is not grown, and copied into fresh pages, row by row).
    room: usize,
    /// The lead being read: its buffers are reused row after row.
    lead: Lead,
    /// A number's digits, for the fast path's values (see [`fill_props`]).
    digits: String,
}

impl LeadReader {
    /// The leads of one record batch, packed: rows with a text id and values that fit go
    /// through the fast path, which reuses the thread's lead and allocates nothing; any
    /// other row goes to the full reader, which reads it (or says what is wrong) as it
    /// reads every format.
    fn block(
        &mut self,
        packing: &Packing,
        rows: &columnar::Rows<'_>,
        range: Range<usize>,
        keys: &Keys,
        options: ReadOptions,
    ) -> LeadBlock {
        let plan = packing.scorer.plan();
        let room = (self.room + self.room / 8)
            .saturating_mul(range.len())
            .min(MOST_ROOM);
        let first_line = rows.first_row() + range.start as u64 + 1;
        let mut block = LeadBlock::new(first_line, range.len() as u64, room)
            .with_input_records(rows.file_rows());
        let id = rows.column(&keys.id).and_then(TextColumn::of);
        let columns: Vec<_> = plan
            .lead_fields
            .iter()
            .map(|f| rows.column(&f.name).map(Column::of))
            .collect();
        let lead = &mut self.lead;
        lead.fields.resize(plan.lead_fields.len(), None);
        for at in range {
            let number = rows.row(at).number();
            let fast = (|| {
                let id = id?.get(at).filter(|id| !id.is_empty())?;
                lead.id.clear();
                lead.id.push_str(id);
                let (decls, digits) = (&plan.lead_fields, &mut self.digits);
                fill_props(&mut lead.fields, decls, &columns, at, digits, options)
            })();
            if fast.is_some() {
                block.push(packing, lead, number, &mut self.memo);
                continue;
            }
            match input::read_lead_record(plan, keys, options, &rows.row(at)) {
                Ok(read) => block.push(packing, &read, number, &mut self.memo),
                Err(error) => block.errors.push(error),
            }
        }
        self.room = block.packed_len() / block.records().max(1);
        block
    }
}

/// Feeds the events of one record batch to `worker`: rows with a text lead and type, a
/// timestamp column's time and properties that fit go through the worker's queue without
/// allocating (`digits` holds a number's digits); any other row goes to the full reader,
/// which reads it (or says what is wrong) as it reads every format.
fn events(
    worker: &mut Worker<'_>,
    digits: &mut String,
    rows: &columnar::Rows<'_>,
    keys: &Keys,
    options: ReadOptions,
) {
    let plan = worker.plan();
    let lead = rows.column(&keys.lead).and_then(TextColumn::of);
    let kinds = rows
        .column(&keys.event_type)
        .and_then(TextColumn::of)
        .map(|column| Kinds::of(column, rows.len(), worker));
    let ts = rows.column(&keys.ts).map(TimeColumn::of);
    // For each declared type, the column of each property (`None`: the file has none).
    let props: Vec<Vec<_>> = plan
        .events
        .iter()
        .map(|e| {
            e.props
                .iter()
                .map(|p| rows.column(&p.name).map(Column::of))
                .collect()
        })
        .collect();
    let mut ahead = Vec::new();
    for at in 0..rows.len() {
        let fast = (|| {
            let lead = lead?.get(at).filter(|lead| !lead.is_empty())?;
            let kind = kinds.as_ref()?.get(at)?;
            // Every event has a time, of a declared type or not.
            let time = ts?.get(at)?;
            worker.queue(&mut ahead, lead, kind, |index, event| {
                event.ts = time;
                let decls = &plan.events[index].props;
                fill_props(&mut event.props, decls, &props[index], at, digits, options)
            })
        })();
        if fast.is_none() {
            let record = input::read_event_record(plan, keys, options, &rows.row(at));
            worker.add_record(record);
        }
    }
    worker.apply(&mut ahead);
}

/// The event type of each row of a record batch: a declared type's index, or an
/// undeclared type's text; `None` for a row the full reader must read (an empty type).
enum Kinds<'a> {
    /// Worked out once for each of a dictionary's values.
    Dictionary(columnar::DictKeys<'a>, Vec<Option<Result<usize, &'a str>>>),
    /// Worked out row by row.
    Plain(TextColumn<'a>, &'a [EventDecl]),
}

impl<'a> Kinds<'a> {
    fn of(column: TextColumn<'a>, rows: usize, worker: &Worker<'a>) -> Kinds<'a> {
        let events = &worker.plan().events;
        match column {
            // A dictionary longer than the batch (a data frame's categories) is cheaper
            // to read row by row.
            TextColumn::Dictionary(keys, values) if values.len() <= rows => {
                let kinds = (0..values.len())
                    .map(|value| values.get(value).and_then(|text| kind_of(events, text)))
                    .collect();
                Kinds::Dictionary(keys, kinds)
            }
            column => Kinds::Plain(column, events),
        }
    }

    #[inline]
    fn get(&self, at: usize) -> Option<Result<usize, &'a str>> {
        match self {
            Kinds::Dictionary(keys, kinds) => *kinds.get(keys.get(at)?)?,
            Kinds::Plain(column, events) => kind_of(events, column.get(at)?),
        }
    }
}

/// A property's column, with its text (when it holds text) told apart once a batch.
#[derive(Clone, Copy)]
struct Column<'a> {
    array: &'a dyn Array,
    text: Option<TextColumn<'a>>,
}

impl<'a> Column<'a> {
    fn of(array: &'a dyn Array) -> Column<'a> {
        Column {
            array,
            text: TextColumn::of(array),
        }
    }
}

/// Fills the properties `decls` declares from their columns' values at row `at`; `None`
/// when one needs the full reader (which says what is wrong with it).
fn fill_props(
    slots: &mut [Option<Value>],
    decls: &[FieldDecl],
    columns: &[Option<Column<'_>>],
    at: usize,
    digits: &mut String,
    options: ReadOptions,
) -> Option<()> {
    for ((slot, decl), column) in slots.iter_mut().zip(decls).zip(columns) {
        let Some(Column { array, text }) = *column else {
            *slot = None;
            continue;
        };
        if let Some(text) = text {
            read_into(
                slot,
                &decl.name,
                decl.ty,
                text.get(at).map(Raw::Text),
                options,
            )
            .ok()?;
            continue;
        }
        if decl.ty == ValueType::Time && !array.is_null(at) {
            *slot = Some(Value::Time(columnar::time_at(array, at)?));
            continue;
        }
        if matches!(decl.ty, ValueType::Number | ValueType::Int) {
            if let Some(n) = columnar::number_at(array, at) {
                // A number that does not fit (a fraction for an `int`) is the full
                // reader's to tell.
                *slot = Some(vocab::number_as(decl.ty, n)?);
                continue;
            }
        }
        let raw = columnar::raw_at(array, at, digits).ok()?;
        read_into(slot, &decl.name, decl.ty, raw, options).ok()?;
    }
    Some(())
}
