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

use crate::eval::{LeadState, Outcome, Scorer};
use crate::input::scan::{member, plain_text, scan_object, utc_timestamp, Raw};
use crate::input::{self, EventRecord, Keys, RecordError};
use crate::plan::Plan;
use crate::record::{Event, Lead};
use foldhash::HashMap as FastMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{mpsc, Mutex};

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
#[derive(Default)]
struct Shard {
    /// States of the leads from the leads input, by their index (`None`: no events).
    known: Vec<Option<LeadState>>,
    /// Leads seen only in events: id → index into `others`.
    other_ids: FastMap<String, usize>,
    others: Vec<LeadState>,
    summary: Summary,
}

impl Shard {
    fn new(known_leads: usize) -> Shard {
        Shard {
            known: vec![None; known_leads],
            ..Shard::default()
        }
    }

    /// The state of a lead: by its index when the leads input has it, else by id.
    fn state(&mut self, scorer: &Scorer, lead: LeadRef<'_>) -> &mut LeadState {
        match lead.index {
            Some(i) => self.known[i].get_or_insert_with(|| scorer.new_state()),
            None => {
                let i = match self.other_ids.get(lead.id) {
                    Some(&i) => i,
                    None => {
                        self.other_ids
                            .insert(lead.id.to_string(), self.others.len());
                        self.others.push(scorer.new_state());
                        self.others.len() - 1
                    }
                };
                &mut self.others[i]
            }
        }
    }

    fn declared(&mut self, scorer: &Scorer, lead: LeadRef<'_>, event: &Event, as_of: i64) {
        self.summary.events_read += 1;
        let record = lead.record;
        let state = self.state(scorer, lead);
        if !scorer.observe(state, record, event, as_of) {
            self.summary.events_future += 1;
        }
    }

    fn undeclared(&mut self, scorer: &Scorer, lead: LeadRef<'_>, event_type: &str) {
        self.summary.events_read += 1;
        self.state(scorer, lead);
        match self.summary.ignored_by_type.get_mut(event_type) {
            Some(n) => *n += 1,
            None => {
                self.summary
                    .ignored_by_type
                    .insert(event_type.to_string(), 1);
            }
        }
    }

    fn merge(&mut self, other: Shard) {
        for (mine, theirs) in self.known.iter_mut().zip(other.known) {
            match (mine.as_mut(), theirs) {
                (Some(a), Some(b)) => a.merge(&b),
                (None, Some(b)) => *mine = Some(b),
                (_, None) => {}
            }
        }
        let mut states: Vec<Option<LeadState>> = other.others.into_iter().map(Some).collect();
        for (id, i) in other.other_ids {
            let state = states[i].take().expect("each index once");
            match self.other_ids.get(&id) {
                Some(&mine) => self.others[mine].merge(&state),
                None => {
                    self.other_ids.insert(id, self.others.len());
                    self.others.push(state);
                }
            }
        }
        self.summary.merge(other.summary);
    }
}

/// A lead as an event refers to it: its id, its record, and its index in the leads
/// input (`None` for a lead seen only in events).
#[derive(Clone, Copy)]
struct LeadRef<'a> {
    id: &'a str,
    record: &'a Lead,
    index: Option<usize>,
}

/// Lead records by id (one hash lookup gives the record and the index of its state).
struct Leads {
    index: FastMap<String, usize>,
    records: Vec<(Lead, u64)>,
    /// A lead with every field absent, for leads seen only in events.
    unknown: Lead,
}

impl Leads {
    fn find<'a>(&'a self, id: &'a str) -> LeadRef<'a> {
        match self.index.get(id) {
            Some(&i) => LeadRef {
                id,
                record: &self.records[i].0,
                index: Some(i),
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
                index: FastMap::default(),
                records: Vec::new(),
                unknown: Lead::unknown("", scorer.plan()),
            },
            events: Shard::default(),
        }
    }

    pub fn add_lead(&mut self, lead: Lead, line: u64) -> Result<(), LeadError> {
        if let Some(&i) = self.leads.index.get(&lead.id) {
            return Err(LeadError::Duplicate {
                id: lead.id,
                first: self.leads.records[i].1,
            });
        }
        if self.events.other_ids.contains_key(&lead.id) {
            return Err(LeadError::AfterEvents { id: lead.id });
        }
        self.leads
            .index
            .insert(lead.id.clone(), self.leads.records.len());
        self.leads.records.push((lead, line));
        self.events.known.push(None);
        Ok(())
    }

    pub fn add_event(&mut self, record: EventRecord) {
        match record {
            EventRecord::Declared(event) => {
                let lead = self.leads.find(&event.lead);
                self.events.declared(self.scorer, lead, &event, self.as_of);
            }
            EventRecord::Undeclared { lead, event_type } => {
                self.events
                    .undeclared(self.scorer, self.leads.find(&lead), &event_type)
            }
        }
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
        type Parsed = Vec<(u64, Result<Lead, RecordError>)>;
        let parse_block = |parsed: &mut Parsed, block: &[u8], first_line: u64| {
            let lines = block.split(|b| *b == b'\n').enumerate();
            for (i, line) in lines.filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace)) {
                let number = first_line + i as u64;
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let lead = match std::str::from_utf8(line) {
                    Ok(text) => input::parse_lead_line(plan, keys, &name, number, text),
                    Err(_) => Err(input::not_utf8(&name, number, line)),
                };
                parsed.push((number, lead));
            }
        };
        let (read_result, parsed) =
            in_parallel(source.reader, &name, threads, Parsed::new, parse_block);
        let mut errors = Vec::new();
        let mut all: Vec<(u64, Result<Lead, RecordError>)> = parsed.into_iter().flatten().collect();
        all.sort_unstable_by_key(|(line, _)| *line);
        for (line, lead) in all {
            let added = lead.and_then(|lead| {
                self.add_lead(lead, line).map_err(|e| RecordError {
                    file: name.clone(),
                    line,
                    column: None,
                    field: Some(keys.id.clone()),
                    message: e.to_string(),
                    raw: String::new(),
                })
            });
            if let Err(e) = added {
                errors.push(e);
            }
        }
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
        let (read_result, workers) = in_parallel(
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
            self.events.merge(shard);
            errors.extend(worker_errors);
        }
        read_result?;
        errors.sort_by_key(|e| e.line);
        Ok(errors)
    }

    /// Every lead's outcome, in byte-wise ascending order of id, computed on `threads`
    /// threads (the order and values do not depend on how many).
    pub fn finish_parallel(self, explain: bool, threads: usize) -> (Vec<Outcome>, Summary) {
        let (chunks, summary) = self.finish_with(explain, threads, |outcomes| outcomes);
        (chunks.into_iter().flatten().collect(), summary)
    }

    /// Scores every lead on `threads` threads, handing each thread's share of outcomes
    /// (consecutive in id order) to `each`, so formatting runs in parallel too. The
    /// results come back in id order.
    pub fn finish_with<T: Send>(
        self,
        explain: bool,
        threads: usize,
        each: impl Fn(Vec<Outcome>) -> T + Sync,
    ) -> (Vec<T>, Summary) {
        // Ids of the leads input, then of leads seen only in events (the two do not overlap).
        let mut ids: Vec<&String> = self
            .leads
            .index
            .keys()
            .chain(self.events.other_ids.keys())
            .collect();
        sort_ids(&mut ids);
        ids.dedup();
        let mut summary = self.events.summary.clone();
        summary.leads = ids.len();
        let fresh = self.scorer.new_state();
        let outcome = |id: &String| {
            let lead = self.leads.find(id);
            let state = match lead.index {
                Some(i) => self.events.known[i].as_ref(),
                None => self
                    .events
                    .other_ids
                    .get(id.as_str())
                    .map(|&i| &self.events.others[i]),
            };
            let (lead, state) = (lead.record, state.unwrap_or(&fresh));
            let mut outcome = self.scorer.outcome(lead, state, self.as_of, explain);
            outcome.lead.clone_from(id);
            outcome
        };
        // Several chunks per thread keep the threads busy when leads differ in cost.
        let chunk = ids.len().div_ceil(threads.max(1) * 4).max(1);
        let chunks: Vec<&[&String]> = ids.chunks(chunk).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(ids) = chunks.get(i) else { break };
                            done.push((i, each(ids.iter().map(|id| outcome(id)).collect())));
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

    /// Every lead's outcome, in byte-wise ascending order of id.
    pub fn finish(self, explain: bool) -> (Vec<Outcome>, Summary) {
        self.finish_parallel(explain, 1)
    }
}

/// Sorts ids byte-wise. Each id is sorted by an 8-byte big-endian prefix kept next to
/// it (a shorter id is padded with zero bytes, which sort first, so the order is the
/// same), and the strings themselves are only compared when prefixes tie: with a
/// million leads this avoids a cache miss per comparison.
fn sort_ids(ids: &mut Vec<&String>) {
    fn prefix(id: &str) -> u64 {
        let mut bytes = [0u8; 8];
        let n = id.len().min(8);
        bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
        u64::from_be_bytes(bytes)
    }
    let mut keyed: Vec<(u64, &String)> = ids.iter().map(|id| (prefix(id), *id)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    ids.clear();
    ids.extend(keyed.into_iter().map(|(_, id)| id));
}

const BLOCK: usize = 4 << 20;

/// Cuts `reader` into blocks of whole lines and hands them to `threads` threads. Each
/// thread makes its state with `init` and runs `work` on it for each of its blocks;
/// returns how reading ended and every thread's final state.
fn in_parallel<R: Read, W: Send>(
    reader: R,
    name: &str,
    threads: usize,
    init: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, &[u8], u64) + Sync,
) -> (Result<(), RecordError>, Vec<W>) {
    let (sender, receiver) = mpsc::sync_channel::<(Vec<u8>, u64)>(threads.max(1) * 2);
    let receiver = Mutex::new(receiver);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    loop {
                        let block = receiver
                            .lock()
                            .expect("no worker panics holding the lock")
                            .recv();
                        let Ok((block, first_line)) = block else {
                            break;
                        };
                        work(&mut state, &block, first_line);
                    }
                    state
                })
            })
            .collect();
        let read_result = read_blocks(reader, name, |block, first_line| {
            sender.send((block, first_line)).is_ok()
        });
        drop(sender);
        let states = handles
            .into_iter()
            .map(|h| h.join().expect("workers do not panic"))
            .collect();
        (read_result, states)
    })
}

/// Reads `reader` in blocks of whole lines, passing each with the number of its first
/// line to `send` (which returns false to stop).
fn read_blocks(
    mut reader: impl Read,
    name: &str,
    mut send: impl FnMut(Vec<u8>, u64) -> bool,
) -> Result<(), RecordError> {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1u64;
    loop {
        let mut block = std::mem::take(&mut carry);
        let start = block.len();
        block.resize(start.max(BLOCK / 2) + BLOCK, 0);
        let mut filled = start;
        while filled < block.len() {
            match reader.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(RecordError {
                        file: name.to_string(),
                        line,
                        column: None,
                        field: None,
                        message: format!("cannot read: {e}"),
                        raw: String::new(),
                    })
                }
            }
        }
        block.truncate(filled);
        let at_end = filled < start.max(BLOCK / 2) + BLOCK;
        if !at_end {
            // Keep the unfinished last line for the next block.
            match memchr::memrchr(b'\n', &block) {
                Some(pos) => carry = block.split_off(pos + 1),
                None => {
                    carry = block;
                    continue;
                }
            }
        }
        if block.is_empty() {
            return Ok(());
        }
        let lines =
            memchr::memchr_iter(b'\n', &block).count() as u64 + u64::from(!block.ends_with(b"\n"));
        if !send(block, line) {
            return Ok(());
        }
        line += lines;
        if at_end {
            return Ok(());
        }
    }
}

/// Parses blocks of event lines into its own shard.
struct Worker<'b> {
    scorer: &'b Scorer,
    plan: &'b Plan,
    as_of: i64,
    keys: &'b Keys,
    file: &'b str,
    leads: &'b Leads,
    /// One reusable event per declared type, so parsing does not allocate.
    buffers: Vec<Event>,
    /// Event type name → index in the plan.
    types: FastMap<&'b str, usize>,
    shard: Shard,
    errors: Vec<RecordError>,
}

impl<'b> Worker<'b> {
    fn new(batch: &'b Batch<'_>, keys: &'b Keys, file: &'b str) -> Worker<'b> {
        let plan = batch.scorer.plan();
        Worker {
            scorer: batch.scorer,
            plan,
            as_of: batch.as_of,
            keys,
            file,
            leads: &batch.leads,
            buffers: plan
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| Event {
                    lead: String::new(),
                    event_type: i as u32,
                    ts: 0,
                    props: vec![None; e.props.len()],
                })
                .collect(),
            types: plan
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.as_str(), i))
                .collect(),
            shard: Shard::new(batch.leads.records.len()),
            errors: Vec::new(),
        }
    }

    fn block(&mut self, block: &[u8], first_line: u64) {
        let mut members = Vec::new();
        for (i, line) in block.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let number = first_line + i as u64;
            if self.fast(line, &mut members).is_none() {
                self.slow(line, number);
            }
        }
    }

    /// The fast path: `None` when the line needs the full parser.
    fn fast<'l>(&mut self, line: &'l [u8], members: &mut Vec<(&'l [u8], Raw<'l>)>) -> Option<()> {
        scan_object(line, members)?;
        let get = |key: &str| member(members, key);
        let lead = plain_text(get(&self.keys.lead))?;
        let event_type = plain_text(get(&self.keys.event_type))?;
        let ts = match get(&self.keys.ts)? {
            Raw::Str {
                bytes,
                escaped: false,
            } => utc_timestamp(bytes)?,
            _ => return None,
        };
        let Some(&index) = self.types.get(event_type) else {
            self.shard
                .undeclared(self.scorer, self.leads.find(lead), event_type);
            return Some(());
        };
        let mut event = std::mem::take(&mut self.buffers[index]);
        let filled = input::fill_fields(&self.plan.events[index].props, &get, &mut event.props);
        if filled.is_some() {
            // `event.lead` stays empty: the state is found through the lead's index.
            event.ts = ts;
            self.shard
                .declared(self.scorer, self.leads.find(lead), &event, self.as_of);
        }
        self.buffers[index] = event;
        filled
    }

    /// The full parser: serde_json and the schema checks, with exact error messages.
    fn slow(&mut self, line: &[u8], number: u64) {
        let record = match std::str::from_utf8(line) {
            Ok(text) => input::parse_event_line(self.plan, self.keys, self.file, number, text),
            Err(_) => Err(input::not_utf8(self.file, number, line)),
        };
        match record {
            Ok(EventRecord::Declared(event)) => {
                self.shard.declared(
                    self.scorer,
                    self.leads.find(&event.lead),
                    &event,
                    self.as_of,
                );
            }
            Ok(EventRecord::Undeclared { lead, event_type }) => {
                self.shard
                    .undeclared(self.scorer, self.leads.find(&lead), &event_type)
            }
            Err(error) => self.errors.push(error),
        }
    }
}
