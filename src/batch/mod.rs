//! Scoring many leads from streams of records.
//!
//! Leads are added first (their fields are needed while events stream, for `where`
//! clauses that read `lead.x`), then events in any order. Each event updates its
//! lead's state and is dropped, so memory grows with the number of leads, not events.
//!
//! [`Batch::read_events_parallel`] reads JSON Lines on several threads: a reader cuts the
//! input into blocks of whole lines, workers parse them into their own per-lead states,
//! and the states are merged at the end. Merging is exact (counts add, latest times take
//! the maximum, sums are exact), so the output is the same for any number of threads.

mod blocks;
mod ids;

use crate::eval::{Outcome, Results, Scorer, StateMut, StateRef, StateTable};
use crate::input::scan::{member, plain_text, scan_object, Raw, Timestamps};
use crate::input::{self, EventRecord, Keys, RecordError};
use crate::plan::Plan;
use crate::record::{Event, Lead};
use ids::IdIndex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

/// Counts for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub leads: usize,
    pub events_read: u64,
    /// Events after the as-of time: they do not exist yet.
    pub events_future: u64,
    /// Events of types the model does not declare, by type.
    pub ignored_by_type: BTreeMap<String, u64>,
    pub rejected: u64,
}

impl Summary {
    pub fn events_ignored(&self) -> u64 {
        self.ignored_by_type.values().sum()
    }

    fn merge(&mut self, other: Summary) {
        self.events_read += other.events_read;
        self.events_future += other.events_future;
        self.rejected += other.rejected;
        for (t, n) in other.ignored_by_type {
            *self.ignored_by_type.entry(t).or_default() += n;
        }
    }
}

/// Why a lead record cannot be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeadError {
    #[error("lead `{id}` appears twice (first on line {first})")]
    Duplicate { id: String, first: u64 },
    #[error("lead `{id}` is added after events for it were scored; add leads first")]
    AfterEvents { id: String },
}

/// Per-lead states and counts for one share of the events.
struct Shard {
    /// States of the leads from the leads input, by their index.
    known: StateTable,
    /// States of leads seen only in events, in the order of `other_ids`.
    others: StateTable,
    /// Leads seen only in events: id → index in `other_ids` and `others`.
    other_index: IdIndex,
    other_ids: Vec<String>,
    summary: Summary,
}

/// Where a lead's state is.
#[derive(Clone, Copy)]
enum Row {
    Known(usize),
    Other(usize),
}

impl Shard {
    fn new(scorer: &Scorer, known_leads: usize) -> Shard {
        Shard {
            known: scorer.state_table(known_leads),
            others: scorer.state_table(0),
            other_index: IdIndex::default(),
            other_ids: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// The row of a lead's state: its index when the leads input has it, else found
    /// (or added) by id.
    fn row(&mut self, id: &str, index: Option<usize>) -> Row {
        if let Some(i) = index {
            // Workers' tables have a row for every lead; the batch's own grows as
            // events arrive one by one.
            self.known.grow_to(i + 1);
            return Row::Known(i);
        }
        let (j, added) = self
            .other_index
            .get_or_insert(id, self.other_ids.len() as u32);
        if added {
            self.other_ids.push(id.to_string());
            self.others.push();
        }
        Row::Other(j as usize)
    }

    fn state(&mut self, row: Row) -> StateMut<'_> {
        match row {
            Row::Known(i) => self.known.row_mut(i),
            Row::Other(j) => self.others.row_mut(j),
        }
    }

    fn prefetch(&self, row: Row) {
        match row {
            Row::Known(i) => self.known.prefetch(i),
            Row::Other(j) => self.others.prefetch(j),
        }
    }

    /// Adds an event record of any type.
    fn add(&mut self, scorer: &Scorer, leads: &Leads, record: &EventRecord, as_of: i64) {
        match record {
            EventRecord::Declared(event) => {
                let lead = leads.find(&event.lead);
                let row = self.row(lead.id, lead.index);
                self.declared(scorer, row, lead.record, event, as_of);
            }
            EventRecord::Undeclared { lead, event_type } => {
                let lead = leads.find(lead);
                self.row(lead.id, lead.index);
                self.undeclared(event_type);
            }
        }
    }

    /// Adds an event of a declared type to the state in `row`.
    fn declared(&mut self, scorer: &Scorer, row: Row, lead: &Lead, event: &Event, as_of: i64) {
        self.summary.events_read += 1;
        if !scorer.observe_into(self.state(row), lead, event, as_of) {
            self.summary.events_future += 1;
        }
    }

    /// Counts an event of an undeclared type (its lead still gets a row, and an outcome).
    fn undeclared(&mut self, event_type: &str) {
        self.summary.events_read += 1;
        match self.summary.ignored_by_type.get_mut(event_type) {
            Some(n) => *n += 1,
            None => {
                self.summary
                    .ignored_by_type
                    .insert(event_type.to_string(), 1);
            }
        }
    }

    fn merge(&mut self, scorer: &Scorer, mut other: Shard) {
        // Merging is symmetric: fold the shorter table into the longer one (the batch's
        // own table is often empty, a worker's has a row for every lead).
        if self.known.rows() < other.known.rows() {
            std::mem::swap(&mut self.known, &mut other.known);
        }
        for i in 0..other.known.rows() {
            scorer.merge_states(self.known.row_mut(i), other.known.row(i));
        }
        for (j, id) in other.other_ids.iter().enumerate() {
            let row = self.row(id, None);
            scorer.merge_states(self.state(row), other.others.row(j));
        }
        self.summary.merge(other.summary);
    }
}

/// The leads of one block of lines, parsed.
struct LeadBlock {
    first_line: u64,
    /// With their line numbers.
    leads: Vec<(u64, Lead)>,
    errors: Vec<RecordError>,
}

/// A lead as an event refers to it: its id, its record, and its index in the leads
/// input (`None` for a lead seen only in events).
#[derive(Clone, Copy)]
struct LeadRef<'a> {
    id: &'a str,
    record: &'a Lead,
    index: Option<usize>,
}

/// Lead records by id (one lookup gives the record and the row of its state).
struct Leads {
    index: IdIndex,
    records: Vec<(Lead, u64)>,
    /// A lead with every field absent, for leads seen only in events.
    unknown: Lead,
}

impl Leads {
    fn find<'a>(&'a self, id: &'a str) -> LeadRef<'a> {
        self.find_hashed(id, self.index.hash(id))
    }

    /// [`Leads::find`] for an id whose hash in the index is known.
    fn find_hashed<'a>(&'a self, id: &'a str, hash: u64) -> LeadRef<'a> {
        match self.index.get_hashed(id, hash) {
            Some(i) => LeadRef {
                id,
                record: &self.records[i as usize].0,
                index: Some(i as usize),
            },
            None => LeadRef {
                id,
                record: &self.unknown,
                index: None,
            },
        }
    }
}

pub struct Batch<'s> {
    scorer: &'s Scorer,
    as_of: i64,
    /// Lead records, with the line that defined each.
    leads: Leads,
    /// States of every lead seen in events.
    events: Shard,
}

impl<'s> Batch<'s> {
    pub fn new(scorer: &'s Scorer, as_of: i64) -> Batch<'s> {
        Batch {
            scorer,
            as_of,
            leads: Leads {
                index: IdIndex::default(),
                records: Vec::new(),
                unknown: Lead::unknown("", scorer.plan()),
            },
            events: Shard::new(scorer, 0),
        }
    }

    pub fn add_lead(&mut self, lead: Lead, line: u64) -> Result<(), LeadError> {
        let hash = self.leads.index.hash(&lead.id);
        self.add_lead_hashed(lead, line, hash)
    }

    /// [`Batch::add_lead`] for a lead whose id's hash in the index is known.
    fn add_lead_hashed(&mut self, lead: Lead, line: u64, hash: u64) -> Result<(), LeadError> {
        if self.events.other_index.get(&lead.id).is_some() {
            return Err(LeadError::AfterEvents { id: lead.id });
        }
        let next = self.leads.records.len();
        let next = u32::try_from(next).expect("fewer than 4 billion leads");
        let (i, added) = self.leads.index.get_or_insert_hashed(&lead.id, hash, next);
        if !added {
            return Err(LeadError::Duplicate {
                id: lead.id,
                first: self.leads.records[i as usize].1,
            });
        }
        self.leads.records.push((lead, line));
        Ok(())
    }

    pub fn add_event(&mut self, record: EventRecord) {
        self.events
            .add(self.scorer, &self.leads, &record, self.as_of);
    }

    /// Makes room for `more` leads at once (a million insertions would otherwise regrow
    /// the tables twenty times).
    fn reserve_leads(&mut self, more: usize) {
        self.leads.index.reserve(more);
        self.leads.records.reserve(more);
    }

    pub fn count_rejected(&mut self) {
        self.events.summary.rejected += 1;
    }

    /// Reads every lead of a JSON Lines stream, parsing on `threads` threads. Leads are
    /// added in line order, so duplicates are found as in a sequential read. Returns the
    /// bad records (in line order), or the error that stopped reading.
    pub fn read_leads_parallel<R: Read>(
        &mut self,
        source: input::Source<R>,
        keys: &Keys,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let plan = self.scorer.plan();
        let name = source.name.clone();
        let parse_block = |parsed: &mut Vec<LeadBlock>, block: &[u8], first_line: u64| {
            let mut done = LeadBlock {
                first_line,
                leads: Vec::new(),
                errors: Vec::new(),
            };
            for (i, line) in blocks::text_lines(block) {
                let number = first_line + i;
                let lead = match line {
                    Ok(text) => input::parse_lead_line(plan, keys, &name, number, text),
                    Err(bytes) => Err(input::not_utf8(&name, number, bytes)),
                };
                match lead {
                    Ok(lead) => done.leads.push((number, lead)),
                    Err(error) => done.errors.push(error),
                }
            }
            parsed.push(done);
        };
        let (read_result, parsed) =
            blocks::in_parallel(source.reader, &name, threads, Vec::new, parse_block);
        // Leads are added in line order, so a duplicate is the later line.
        let mut parsed: Vec<LeadBlock> = parsed.into_iter().flatten().collect();
        parsed.sort_unstable_by_key(|block| block.first_line);
        self.reserve_leads(parsed.iter().map(|block| block.leads.len()).sum());
        let mut errors = Vec::new();
        for block in parsed {
            errors.extend(block.errors);
            // Each insertion is a cache miss in a large index: ask for the entries a
            // few leads ahead.
            let hashes: Vec<u64> = block
                .leads
                .iter()
                .map(|(_, lead)| self.leads.index.hash(&lead.id))
                .collect();
            for (k, (line, lead)) in block.leads.into_iter().enumerate() {
                if let Some(&ahead) = hashes.get(k + AHEAD) {
                    self.leads.index.prefetch(ahead);
                }
                if let Err(e) = self.add_lead_hashed(lead, line, hashes[k]) {
                    errors.push(RecordError {
                        file: name.clone(),
                        line,
                        column: None,
                        field: Some(keys.id.clone()),
                        message: e.to_string(),
                        raw: String::new(),
                    });
                }
            }
        }
        errors.sort_by_key(|e| e.line);
        read_result?;
        Ok(errors)
    }

    /// Reads every event of a JSON Lines stream on `threads` worker threads. Returns the
    /// bad records (in line order), or the error that stopped reading.
    pub fn read_events_parallel<R: Read>(
        &mut self,
        source: input::Source<R>,
        keys: &Keys,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let name = source.name.clone();
        let (read_result, workers) = blocks::in_parallel(
            source.reader,
            &name,
            threads,
            || Worker::new(self, keys, &name),
            |worker, block, first_line| worker.block(block, first_line),
        );
        let workers: Vec<(Shard, Vec<RecordError>)> =
            workers.into_iter().map(|w| (w.shard, w.errors)).collect();
        let mut errors = Vec::new();
        for (shard, worker_errors) in workers {
            self.events.merge(self.scorer, shard);
            errors.extend(worker_errors);
        }
        read_result?;
        errors.sort_by_key(|e| e.line);
        Ok(errors)
    }

    /// Every lead's outcome, in byte-wise ascending order of id, computed on `threads`
    /// threads (the order and values do not depend on how many).
    pub fn finish_parallel(self, explain: bool, threads: usize) -> (Vec<Outcome>, Summary) {
        let (shares, summary) = self.finish_with(threads, |share| share.outcomes(explain));
        (shares.into_iter().flatten().collect(), summary)
    }

    /// Every lead's outcome, in byte-wise ascending order of id.
    pub fn finish(self, explain: bool) -> (Vec<Outcome>, Summary) {
        self.finish_parallel(explain, 1)
    }

    /// Scores every lead on `threads` threads: the leads, sorted byte-wise by id, are
    /// cut into shares of consecutive leads, and `each` turns a share into a result
    /// (outcomes, or formatted output, so formatting runs in parallel too). The results
    /// come back in id order; neither they nor the order depend on `threads`.
    pub fn finish_with<T: Send>(
        &self,
        threads: usize,
        each: impl Fn(LeadShare<'_>) -> T + Sync,
    ) -> (Vec<T>, Summary) {
        let records = &self.leads.records;
        let others = &self.events.other_ids;
        // The two sets of ids do not overlap: a lead seen in events cannot be added later.
        let mut order: Vec<(&str, Row)> = records
            .iter()
            .enumerate()
            .map(|(i, (lead, _))| (lead.id.as_str(), Row::Known(i)))
            .chain(
                others
                    .iter()
                    .enumerate()
                    .map(|(j, id)| (id.as_str(), Row::Other(j))),
            )
            .collect();
        sort_ids(&mut order);
        let mut summary = self.events.summary.clone();
        summary.leads = order.len();
        // Several shares per thread keep the threads busy when leads differ in cost.
        let size = order.len().div_ceil(threads.max(1) * 4).max(1);
        let shares: Vec<&[(&str, Row)]> = order.chunks(size).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(leads) = shares.get(i) else { break };
                            done.push((i, each(LeadShare { batch: self, leads })));
                        }
                        done
                    })
                })
                .collect();
            let mut all: Vec<(usize, T)> = handles
                .into_iter()
                .flat_map(|h| h.join().expect("scoring does not panic"))
                .collect();
            all.sort_unstable_by_key(|(i, _)| *i);
            all.into_iter().map(|(_, t)| t).collect()
        });
        (results, summary)
    }

    /// A lead's record (every field absent for a lead seen only in events) and state.
    fn lead_and_state(&self, row: Row) -> (&Lead, StateRef<'_>) {
        match row {
            Row::Known(i) => (&self.leads.records[i].0, self.events.known.row(i)),
            Row::Other(j) => (&self.leads.unknown, self.events.others.row(j)),
        }
    }
}

/// Consecutive leads (in id order) to score, from [`Batch::finish_with`].
pub struct LeadShare<'a> {
    batch: &'a Batch<'a>,
    leads: &'a [(&'a str, Row)],
}

impl LeadShare<'_> {
    /// The outcomes of the leads, with names and, with `explain`, the reasons.
    pub fn outcomes(&self, explain: bool) -> Vec<Outcome> {
        let batch = self.batch;
        self.leads
            .iter()
            .map(|&(id, row)| {
                let (lead, state) = batch.lead_and_state(row);
                batch
                    .scorer
                    .outcome_of(id, lead, state, batch.as_of, explain)
            })
            .collect()
    }

    /// Calls `f` with each lead's id and results, in order, until it fails. Cheaper
    /// than [`LeadShare::outcomes`]: one set of buffers serves every lead.
    pub fn try_for_each<E>(
        &self,
        mut f: impl FnMut(&str, &Results) -> Result<(), E>,
    ) -> Result<(), E> {
        let batch = self.batch;
        let mut results = Results::default();
        for &(id, row) in self.leads {
            let (lead, state) = batch.lead_and_state(row);
            batch
                .scorer
                .results_into(lead, state, batch.as_of, &mut results, None);
            f(id, &results)?;
        }
        Ok(())
    }
}

/// Sorts leads by id, byte-wise. Each id is sorted by an 8-byte big-endian prefix kept
/// next to it (a shorter id is padded with zero bytes, which sort first, so the order
/// is the same), and the strings themselves are only compared when prefixes tie: with
/// a million leads this avoids a cache miss per comparison.
fn sort_ids<T: Copy>(ids: &mut Vec<(&str, T)>) {
    fn prefix(id: &str) -> u64 {
        let mut bytes = [0u8; 8];
        let n = id.len().min(8);
        bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
        u64::from_be_bytes(bytes)
    }
    let mut keyed: Vec<(u64, &str, T)> = ids.iter().map(|&(id, t)| (prefix(id), id, t)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    ids.clear();
    ids.extend(keyed.into_iter().map(|(_, id, t)| (id, t)));
}

/// Lines parsed ahead of applying them (see [`Worker::block`]).
const AHEAD: usize = 16;

/// An event line parsed by the fast path, waiting to be applied.
struct Parsed<'l> {
    lead: &'l str,
    /// The lead id's hash in the leads index.
    hash: u64,
    /// The declared type's index (its properties are in the worker's buffers), or the
    /// name of an undeclared type.
    kind: Result<usize, &'l str>,
}

/// Parses blocks of event lines into its own shard.
struct Worker<'b> {
    scorer: &'b Scorer,
    plan: &'b Plan,
    as_of: i64,
    keys: &'b Keys,
    file: &'b str,
    leads: &'b Leads,
    /// Reusable events, so parsing does not allocate: for each of the lines parsed
    /// ahead, one per declared type.
    buffers: Vec<Vec<Event>>,
    timestamps: Timestamps,
    shard: Shard,
    errors: Vec<RecordError>,
}

impl<'b> Worker<'b> {
    fn new(batch: &'b Batch<'_>, keys: &'b Keys, file: &'b str) -> Worker<'b> {
        let plan = batch.scorer.plan();
        let events: Vec<Event> = plan
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| Event {
                lead: String::new(),
                event_type: i as u32,
                ts: 0,
                props: vec![None; e.props.len()],
            })
            .collect();
        Worker {
            scorer: batch.scorer,
            plan,
            as_of: batch.as_of,
            keys,
            file,
            leads: &batch.leads,
            buffers: vec![events; AHEAD],
            timestamps: Timestamps::default(),
            shard: Shard::new(batch.scorer, batch.leads.records.len()),
            errors: Vec::new(),
        }
    }

    /// Handles the lines of a block. With a million leads, finding a lead's entry in
    /// the index and then its state are two cache misses per event, so lines are
    /// parsed [`AHEAD`] at a time and the memory they will need is requested early:
    /// the index entries while the following lines are parsed, the states while the
    /// following leads are looked up.
    fn block(&mut self, block: &[u8], first_line: u64) {
        let mut members = Vec::new();
        let mut ahead = Vec::with_capacity(AHEAD);
        for (i, line) in blocks::text_lines(block) {
            // A line that is not UTF-8 goes to the full parser, which reports it.
            match line
                .ok()
                .and_then(|text| self.parse(text, ahead.len(), &mut members))
            {
                Some(parsed) => {
                    self.leads.index.prefetch(parsed.hash);
                    ahead.push(parsed);
                    if ahead.len() == AHEAD {
                        self.apply(&mut ahead);
                    }
                }
                None => self.slow(line, first_line + i),
            }
        }
        self.apply(&mut ahead);
    }

    /// The fast path: parses a line into the buffers of position `at` of the lines
    /// parsed ahead; `None` when the line needs the full parser.
    fn parse<'l>(
        &mut self,
        line: &'l str,
        at: usize,
        members: &mut Vec<(&'l str, Raw<'l>)>,
    ) -> Option<Parsed<'l>> {
        scan_object(line, members)?;
        let get = |key: &str| member(members, key);
        let lead = plain_text(get(&self.keys.lead))?;
        let event_type = plain_text(get(&self.keys.event_type))?;
        let ts = match get(&self.keys.ts)? {
            Raw::Str {
                text,
                escaped: false,
            } => self.timestamps.parse(text.as_bytes())?,
            _ => return None,
        };
        let hash = self.leads.index.hash(lead);
        // Models declare a handful of types: a scan beats hashing the name.
        let declared = self
            .plan
            .events
            .iter()
            .position(|e| crate::bytes::same(e.name.as_bytes(), event_type.as_bytes()));
        let Some(index) = declared else {
            return Some(Parsed {
                lead,
                hash,
                kind: Err(event_type),
            });
        };
        // `event.lead` stays empty: the state is found through the lead's index.
        let event = &mut self.buffers[at][index];
        input::fill_fields(&self.plan.events[index].props, &get, &mut event.props)?;
        event.ts = ts;
        Some(Parsed {
            lead,
            hash,
            kind: Ok(index),
        })
    }

    /// Feeds the lines parsed ahead into the shard, and empties `ahead`.
    fn apply(&mut self, ahead: &mut Vec<Parsed<'_>>) {
        let mut targets = [(Row::Known(0), &self.leads.unknown); AHEAD];
        for (parsed, target) in ahead.iter().zip(&mut targets) {
            let lead = self.leads.find_hashed(parsed.lead, parsed.hash);
            let row = self.shard.row(lead.id, lead.index);
            self.shard.prefetch(row);
            *target = (row, lead.record);
        }
        for (at, (parsed, &(row, record))) in ahead.iter().zip(&targets).enumerate() {
            match parsed.kind {
                Ok(index) => {
                    let event = &self.buffers[at][index];
                    self.shard
                        .declared(self.scorer, row, record, event, self.as_of);
                }
                Err(event_type) => self.shard.undeclared(event_type),
            }
        }
        ahead.clear();
    }

    /// The full parser: serde_json and the schema checks, with exact error messages.
    fn slow(&mut self, line: Result<&str, &[u8]>, number: u64) {
        let record = match line {
            Ok(text) => input::parse_event_line(self.plan, self.keys, self.file, number, text),
            Err(bytes) => Err(input::not_utf8(self.file, number, bytes)),
        };
        match record {
            Ok(record) => self.shard.add(self.scorer, self.leads, &record, self.as_of),
            Err(error) => self.errors.push(error),
        }
    }
}
