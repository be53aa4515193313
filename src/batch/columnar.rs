//! Reading Parquet and Arrow IPC files on every core: threads take row groups (or record
//! batches), leads are added in row order once all are read (so a duplicate is the
//! later row, as in a sequential read), events go into each thread's own shard, merged
//! exactly as the JSON Lines workers' are.

use super::worker::Worker;
use super::Batch;
use crate::input::{self, columnar, event_columns, lead_columns, Keys, ReadOptions, RecordError};
use crate::plan::FieldDecl;
use crate::vocab::{read_into, Value, ValueType};
use arrow_array::Array;

/// The leads of one record batch, packed (as the JSON Lines reader packs a block's):
/// the number of rows before it, the records end to end, and for each row where its
/// record starts, or why it has none.
type LeadBatch = (u64, Vec<u8>, Vec<Result<usize, RecordError>>);

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
        let shares = columnar::read_batches(
            origin,
            &wanted,
            threads,
            Vec::<LeadBatch>::new,
            |shares, rows| {
                let mut packed = Vec::new();
                let starts = (0..rows.len()).map(|at| {
                    let row = rows.row(at);
                    let lead = input::read_lead_record(plan, keys, options, &row)?;
                    let start = packed.len();
                    packer.pack(&lead, row.number(), &mut packed);
                    Ok(start)
                });
                let starts = starts.collect();
                shares.push((rows.first_row(), packed, starts));
            },
        )?;
        let mut shares: Vec<LeadBatch> = shares.into_iter().flatten().collect();
        shares.sort_unstable_by_key(|(first_row, _, _)| *first_row);
        self.reserve_leads(shares.iter().map(|(_, _, starts)| starts.len()).sum());
        let mut errors = Vec::new();
        for (_, packed, starts) in shares {
            let at = self.leads.keep_buffer(packed);
            for start in starts {
                let added = start.and_then(|start| {
                    let record = self.leads.record_at(at(start));
                    let (row, hash) = (record.line, self.leads.index.hash(record.id));
                    self.add_packed(at(start), hash)
                        .map_err(|e| e.at(origin.name(), row, &keys.id))
                });
                errors.extend(added.err());
            }
        }
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
        let plan = self.scorer.plan();
        let wanted = event_columns(plan, keys);
        let name = origin.name();
        let workers = columnar::read_batches(
            origin,
            &wanted,
            threads,
            || (Worker::new(self, keys, options, name), String::new()),
            |(worker, digits), rows| events(worker, digits, rows, keys, options),
        )?;
        let finished: Vec<_> = workers.into_iter().map(|(w, _)| w.finish()).collect();
        let mut errors = Vec::new();
        for (shard, worker_errors) in finished {
            self.events.merge(&self.scorer, shard);
            errors.extend(worker_errors);
        }
        errors.sort_by_key(|e| e.line);
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
