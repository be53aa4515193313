//! Reading Parquet and Arrow IPC files on every core: threads take row groups (or record
//! batches), leads are added in row order once all are read (so a duplicate is the
//! later row, as in a sequential read), events go to the JSON Lines workers' (the
//! shared state table, or each thread's own shard, merged as theirs are).

use super::worker::Worker;
use super::Batch;
use crate::eval::ByValue;
use crate::input::{self, columnar, event_columns, lead_columns, Keys, ReadOptions, RecordError};
use crate::plan::FieldDecl;
use crate::vocab::{read_into, Value, ValueType};
use arrow_array::Array;

/// The leads of one record batch, packed (as the JSON Lines reader packs a block's).
struct LeadBatch {
    /// The number of rows before it.
    first_row: u64,
    /// The good rows' records, end to end.
    packed: Vec<u8>,
    /// Where each good row's record starts in `packed`.
    starts: Vec<usize>,
    /// The rows that have no record, and why. Kept apart from `starts`: an error is
    /// large, and a `Result` per row made every lead cost its size.
    errors: Vec<RecordError>,
}

impl Batch {
    /// Reads every lead of a Parquet or Arrow IPC file (only the columns the plan reads)
    /// on `threads` threads, and adds them in row order. Returns the bad records in row
    /// order, or the error that stopped reading.
    pub(crate) fn read_leads_columnar(
        &mut self,
        origin: columnar::Columns<'_>,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let plan = self.scorer.plan();
        let packer = self.leads.packer();
        let wanted = lead_columns(plan, keys);
        let (read, shares) = columnar::read_batches(
            origin,
            &wanted,
            threads,
            Vec::<LeadBatch>::new,
            |shares, rows| {
                // Room for as many bytes a row as the thread's last share took, so the
                // buffer is not grown (and copied into fresh pages) row by row.
                let room = shares.last().map_or(0, |last: &LeadBatch| {
                    let per_row = last.packed.len() / last.starts.len().max(1);
                    (per_row + per_row / 8) * rows.len()
                });
                let mut share = LeadBatch {
                    first_row: rows.first_row(),
                    packed: Vec::with_capacity(room),
                    starts: Vec::with_capacity(rows.len()),
                    errors: Vec::new(),
                };
                // Remembered for the batch of rows (the state a thread keeps is its shares).
                let mut memo = ByValue::default();
                for at in 0..rows.len() {
                    let row = rows.row(at);
                    match input::read_lead_record(plan, keys, options, &row) {
                        Ok(lead) => {
                            share.starts.push(share.packed.len());
                            self.scorer.pack(
                                packer,
                                &lead,
                                row.number(),
                                &mut memo,
                                &mut share.packed,
                            );
                        }
                        Err(error) => share.errors.push(error),
                    }
                }
                shares.push(share);
            },
        );
        // A file that cannot be read adds no leads.
        read?;
        let mut shares: Vec<LeadBatch> = shares.into_iter().flatten().collect();
        shares.sort_unstable_by_key(|share| share.first_row);
        self.reserve_leads(shares.iter().map(|share| share.starts.len()).sum());
        let mut errors = Vec::new();
        for share in shares {
            errors.extend(share.errors);
            let at = self.leads.keep_buffer(share.packed);
            for start in share.starts {
                let record = self.leads.record_at(at(start));
                let (row, hash) = (record.line, self.leads.index.hash(record.id));
                let added = self.add_packed(at(start), hash);
                errors.extend(added.err().map(|e| e.at(origin.name(), row, &keys.id)));
            }
        }
        // Each share's bad rows come before its duplicates: put them in row order.
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
    let (lead, kind, ts) = (
        rows.column(&keys.lead),
        rows.column(&keys.event_type),
        rows.column(&keys.ts),
    );
    // For each declared type, the column of each property (`None`: the file has none).
    let props: Vec<Vec<_>> = plan
        .events
        .iter()
        .map(|e| e.props.iter().map(|p| rows.column(&p.name)).collect())
        .collect();
    let mut ahead = Vec::new();
    for at in 0..rows.len() {
        let fast = (|| {
            let lead = columnar::text_at(lead?, at)?;
            let event_type = columnar::text_at(kind?, at)?;
            worker.queue(&mut ahead, lead, event_type, |index, event| {
                event.ts = columnar::time_at(ts?, at)?;
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

/// Fills the properties `decls` declares from their columns' values at row `at`; `None`
/// when one needs the full reader (which says what is wrong with it).
fn fill_props(
    slots: &mut [Option<Value>],
    decls: &[FieldDecl],
    columns: &[Option<&dyn Array>],
    at: usize,
    digits: &mut String,
    options: ReadOptions,
) -> Option<()> {
    for ((slot, decl), column) in slots.iter_mut().zip(decls).zip(columns) {
        let Some(column) = *column else {
            *slot = None;
            continue;
        };
        if decl.ty == ValueType::Time && !column.is_null(at) {
            *slot = Some(Value::Time(columnar::time_at(column, at)?));
            continue;
        }
        if decl.ty == ValueType::Number {
            if let Some(n) = columnar::float_at(column, at) {
                *slot = Some(Value::Number(n));
                continue;
            }
        }
        let raw = columnar::raw_at(column, at, digits).ok()?;
        read_into(slot, &decl.name, decl.ty, raw, options).ok()?;
    }
    Some(())
}
