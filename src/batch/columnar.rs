//! Reading Parquet and Arrow IPC files on every core: threads take row groups (or record
//! batches), leads are added in row order once all are read (so a duplicate is the
//! later row, as in a sequential read), events go into each thread's own shard, merged
//! exactly as the JSON Lines workers' are.

use super::store::Shard;
use super::Batch;
use crate::input::{self, columnar, event_columns, lead_columns, Keys, ReadOptions, RecordError};
use crate::record::Lead;
use std::io::Read;

/// The leads of one share of a file, with the number of rows before it.
type LeadShare = (u64, Vec<(u64, Result<Lead, RecordError>)>);

impl Batch {
    /// Reads every lead of a Parquet or Arrow IPC file (only the columns the plan reads)
    /// on `threads` threads, and adds them in row order. Returns the bad records in row
    /// order, or the error that stopped reading.
    pub fn read_leads_columnar<R: Read>(
        &mut self,
        source: &input::Source<R>,
        format: input::Format,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let plan = self.scorer.plan();
        let wanted = lead_columns(plan, keys);
        let shares = columnar::read_rows(
            source,
            format,
            &wanted,
            threads,
            Vec::<LeadShare>::new,
            |shares, first_row, row| {
                if shares.last().is_none_or(|(first, _)| *first != first_row) {
                    shares.push((first_row, Vec::new()));
                }
                let lead = input::read_lead_record(plan, keys, options, row);
                let share = &mut shares.last_mut().expect("pushed above").1;
                share.push((row.number(), lead));
            },
        )?;
        let mut shares: Vec<LeadShare> = shares.into_iter().flatten().collect();
        shares.sort_unstable_by_key(|(first_row, _)| *first_row);
        self.reserve_leads(shares.iter().map(|(_, leads)| leads.len()).sum());
        let mut errors = Vec::new();
        for (row, lead) in shares.into_iter().flat_map(|(_, leads)| leads) {
            let added = lead.and_then(|lead| {
                self.add_lead(lead, row)
                    .map_err(|e| e.at(&source.name, row, &keys.id))
            });
            errors.extend(added.err());
        }
        Ok(errors)
    }

    /// Reads every event of a Parquet or Arrow IPC file (only the columns the plan
    /// reads) on `threads` threads. Returns the bad records in row order, or the error
    /// that stopped reading.
    pub fn read_events_columnar<R: Read>(
        &mut self,
        source: &input::Source<R>,
        format: input::Format,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let (scorer, leads, as_of) = (&*self.scorer, &self.leads, self.as_of);
        let plan = scorer.plan();
        let wanted = event_columns(plan, keys);
        let shards = columnar::read_rows(
            source,
            format,
            &wanted,
            threads,
            || (Shard::new(scorer, leads.records.len()), Vec::new()),
            |(shard, errors), _, row| match input::read_event_record(plan, keys, options, row) {
                Ok(event) => shard.add(scorer, leads, &event, as_of),
                Err(error) => errors.push(error),
            },
        )?;
        let mut errors = Vec::new();
        for (shard, shard_errors) in shards {
            self.events.merge(&self.scorer, shard);
            errors.extend(shard_errors);
        }
        errors.sort_by_key(|e| e.line);
        Ok(errors)
    }
}
