//! Reading JSON Lines on every core: leads parsed in parallel and added in line order;
//! events parsed by workers a block at a time (the common line shape by a fast path
//! that does not allocate) into the state table they share, or each into its own shard
//! when the plan's states cannot be shared or there is one worker.

use super::store::{Leads, Row, Shard};
use super::{blocks, Batch};
use crate::eval::{ByValue, Packer, Scorer, SharedTable};
use crate::ids::IdHasher;
use crate::input::scan::{member, plain_text, scan_object, Raw, Timestamps};
use crate::input::{self, EventRecord, Keys, ReadOptions, RecordError};
use crate::plan::{EventDecl, Plan};
use crate::record::{Event, Lead};
use crate::vocab;
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::sync::{mpsc, Arc};

/// The leads of one block of lines (or of rows of a columnar file), parsed and packed.
pub(super) struct LeadBlock {
    first_line: u64,
    /// How many lines the block has (the next block starts this many lines on).
    lines: u64,
    /// How many bytes the block has (0: not known).
    bytes: usize,
    /// How many records the whole input has, when its format says (a Parquet file's
    /// metadata does): the index is then sized for them.
    input_records: Option<u64>,
    /// Their records, end to end.
    packed: Vec<u8>,
    /// Where each record starts in `packed`.
    starts: Vec<u32>,
    /// Each record's id's hash in the leads index (computed by the thread that parsed
    /// it, not by the one adding the leads in order).
    hashes: Vec<u64>,
    /// Where each record's text is in `text` (only when `text` is kept).
    texts: Vec<Range<usize>>,
    pub(super) errors: Vec<RecordError>,
    /// The block as read, so that a lead found twice is set aside with its record;
    /// empty when no records are set aside.
    text: Vec<u8>,
}

impl LeadBlock {
    /// A block of `lines` lines (rows) from `first_line` on, with room for `room`
    /// bytes of packed records.
    pub(super) fn new(first_line: u64, lines: u64, room: usize) -> LeadBlock {
        LeadBlock {
            first_line,
            lines,
            bytes: 0,
            input_records: None,
            packed: Vec::with_capacity(room),
            starts: Vec::new(),
            hashes: Vec::new(),
            texts: Vec::new(),
            errors: Vec::new(),
            text: Vec::new(),
        }
    }

    /// Says how many records the whole input has.
    #[cfg(feature = "columnar")]
    pub(super) fn with_input_records(self, records: Option<u64>) -> LeadBlock {
        LeadBlock {
            input_records: records,
            ..self
        }
    }

    /// Packs `lead` (line or row `number`) as the block's next record.
    pub(super) fn push(&mut self, packing: &Packing, lead: &Lead, number: u64, memo: &mut ByValue) {
        // A block is a few MiB: offsets in it fit in 32 bits.
        self.starts.push(self.packed.len() as u32);
        self.hashes.push(packing.hasher.hash(&lead.id));
        packing
            .scorer
            .pack(&packing.packer, lead, number, memo, &mut self.packed);
    }

    /// How many bytes its records take.
    #[cfg(feature = "columnar")]
    pub(super) fn packed_len(&self) -> usize {
        self.packed.len()
    }

    /// How many records it has.
    #[cfg(feature = "columnar")]
    pub(super) fn records(&self) -> usize {
        self.starts.len()
    }
}

/// What the threads parsing leads need to pack them as the batch does, without
/// borrowing the batch, which the adding thread changes meanwhile.
pub(super) struct Packing {
    pub(super) scorer: Arc<Scorer>,
    packer: Packer,
    hasher: IdHasher,
}

impl Batch {
    /// The batch's way of packing leads, for threads of their own.
    pub(super) fn packing(&self) -> Packing {
        Packing {
            scorer: self.scorer.clone(),
            packer: self.leads.packer().clone(),
            hasher: self.leads.index.hasher(),
        }
    }

    /// Reads every lead of a JSON Lines stream, parsing on `threads` threads. Leads are
    /// added in line order, so duplicates are found as in a sequential read: by one more
    /// thread, which takes each parsed block as soon as the blocks before it are added
    /// (so that adding them overlaps parsing, instead of following it). Returns the bad
    /// records (in line order), or the error that stopped reading. With `keep_records`,
    /// a lead listed twice comes with its record's text; that keeps the text of each
    /// block until it is added, so it is only done when the records are set aside
    /// (`--rejects`), not when the first bad one stops the run.
    pub fn read_leads_parallel<R: Read>(
        &mut self,
        source: input::Source<R>,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
        keep_records: bool,
    ) -> Result<Vec<RecordError>, RecordError> {
        let packing = self.packing();
        let scorer = &packing.scorer;
        let (name, size) = (source.name.clone(), source.size);
        let parse_block = |block: &[u8], first_line: u64, memo: &mut ByValue, lead: &mut Lead| {
            // A record is rarely longer than its line: with this room the buffer is not
            // grown (and copied into fresh pages) lead by lead; the pages it does not
            // fill are never touched, and given back when it is kept.
            let mut done = LeadBlock::new(first_line, blocks::line_count(block), block.len());
            done.bytes = block.len();
            if keep_records {
                done.text = block.to_vec();
            }
            let plan = scorer.plan();
            for (i, line) in blocks::text_lines(block) {
                let number = first_line + i;
                let read = match line {
                    Ok(text) => {
                        let at = (name.as_str(), number, text);
                        input::parse_lead_line_into(plan, keys, options, at, lead).map(|()| {
                            // The line is a slice of the block.
                            let start = text.as_ptr() as usize - block.as_ptr() as usize;
                            start..start + text.len()
                        })
                    }
                    Err(bytes) => Err(input::not_utf8(&name, number, bytes)),
                };
                match read {
                    Ok(range) => {
                        if keep_records {
                            done.texts.push(range);
                        }
                        done.push(&packing, lead, number, memo);
                    }
                    Err(error) => done.errors.push(error),
                }
            }
            done
        };
        let (parsed, blocks_parsed) = mpsc::channel::<LeadBlock>();
        let (read_result, mut errors) = std::thread::scope(|scope| {
            let adder =
                scope.spawn(|| self.add_blocks_in_order(blocks_parsed, size, &name, &keys.id));
            let (read_result, _) = blocks::in_parallel(
                source,
                threads,
                // Each thread's lead is reused line after line.
                || (parsed.clone(), ByValue::default(), Lead::default()),
                |(parsed, memo, lead), block, first_line| {
                    // The adder stops only when every sender is gone.
                    let _ = parsed.send(parse_block(block, first_line, memo, lead));
                },
            );
            drop(parsed);
            (
                read_result,
                adder.join().expect("adding leads does not panic"),
            )
        });
        errors.sort_by_key(|e| e.line);
        read_result?;
        Ok(errors)
    }

    /// Adds the leads of the blocks coming from `parsed` (in any order) in line order,
    /// each block once those before it are; returns the bad records. With the input's
    /// `size` (bytes), the index is sized for the leads it will hold, estimated from the
    /// first block and, for a file larger than that estimate may say, once more from
    /// what was read by then ([`Sizing`]): growing it as blocks come would write it
    /// about twice.
    pub(super) fn add_blocks_in_order(
        &mut self,
        parsed: mpsc::Receiver<LeadBlock>,
        size: Option<u64>,
        name: &str,
        id_key: &str,
    ) -> Vec<RecordError> {
        self.add_blocks_sized(parsed, Sizing::new(size, MOST_EXPECTED), name, id_key)
    }

    /// [`Batch::add_blocks_in_order`], the index sized by `sizing`.
    fn add_blocks_sized(
        &mut self,
        parsed: mpsc::Receiver<LeadBlock>,
        mut sizing: Sizing,
        name: &str,
        id_key: &str,
    ) -> Vec<RecordError> {
        let mut errors = Vec::new();
        let mut waiting = BTreeMap::new();
        let mut next_line = 1;
        for block in parsed {
            // Blocks of lines (or rows) in a row, each of at least one: no two start at
            // the same place.
            debug_assert!(block.lines > 0, "a block has lines");
            let earlier = waiting.insert(block.first_line, block);
            debug_assert!(earlier.is_none(), "one block from each first line");
            while let Some(block) = waiting.remove(&next_line) {
                if let Some(room) = sizing.room_before(&block, self.leads.len()) {
                    self.reserve_leads(room);
                }
                next_line += block.lines;
                self.add_block(block, name, id_key, &mut errors);
            }
        }
        // Blocks are read in a row from the first line, so none is left waiting, unless
        // reading stopped at an error (a row group that cannot be read, with others read
        // on past it): those after the gap are added in order (the job stops anyway).
        for block in waiting.into_values() {
            self.add_block(block, name, id_key, &mut errors);
        }
        errors
    }

    /// Adds the leads of a parsed block (after those of the blocks before it), pushing
    /// its bad records and its leads listed twice to `errors`.
    fn add_block(
        &mut self,
        block: LeadBlock,
        name: &str,
        id_key: &str,
        errors: &mut Vec<RecordError>,
    ) {
        errors.extend(block.errors);
        self.reserve_leads(block.starts.len());
        // Each insertion is a cache miss in a large index: ask for the entries a few
        // leads ahead.
        let hashes = block.hashes;
        let at = self.leads.keep_buffer(block.packed);
        for (k, &start) in block.starts.iter().enumerate() {
            if let Some(&ahead) = hashes.get(k + AHEAD) {
                self.leads.index.prefetch(ahead);
            }
            if let Err(e) = self.add_packed(at(start as usize), hashes[k]) {
                let line = self.leads.record_at(at(start as usize)).line;
                let error = e.at(name, line, id_key);
                let text = block
                    .texts
                    .get(k)
                    .and_then(|range| block.text.get(range.clone()));
                errors.push(match text {
                    Some(text) => error.with_raw(String::from_utf8_lossy(text)),
                    None => error,
                });
            }
        }
    }

    /// Reads every event of a JSON Lines stream on `threads` worker threads. Returns the
    /// bad records (in line order), or the error that stopped reading.
    pub fn read_events_parallel<R: Read>(
        &mut self,
        source: input::Source<R>,
        keys: &Keys,
        options: ReadOptions,
        threads: usize,
    ) -> Result<Vec<RecordError>, RecordError> {
        let name = source.name.clone();
        let shared = self.share_states(threads);
        let (read_result, workers) = blocks::in_parallel(
            source,
            threads,
            || Worker::new(self, keys, options, &name, shared.as_ref()),
            |worker, block, first_line| worker.block(block, first_line),
        );
        let workers = workers.into_iter().map(Worker::finish).collect();
        let errors = self.take_shards(shared, workers);
        read_result?;
        Ok(errors)
    }

    /// The states of the leads input's leads as one table the workers update at once,
    /// when the plan's states allow and there are several workers: so that no worker
    /// needs a table of its own. (One worker's own table needs no locks.)
    pub(super) fn share_states(&mut self, threads: usize) -> Option<SharedTable> {
        if threads <= 1 || !self.scorer.shares_states() {
            return None;
        }
        let table = std::mem::replace(&mut self.events.known, self.scorer.state_table(0));
        Some(self.scorer.shared_table(table, self.leads.len()))
    }

    /// Takes back the shared table and what each worker read; returns the bad records
    /// in line order.
    pub(super) fn take_shards(
        &mut self,
        shared: Option<SharedTable>,
        workers: Vec<(Shard, Vec<RecordError>)>,
    ) -> Vec<RecordError> {
        if let Some(shared) = shared {
            self.events.known = shared.into_table();
        }
        let mut errors = Vec::new();
        for (shard, worker_errors) in workers {
            self.events.merge(&self.scorer, shard);
            errors.extend(worker_errors);
        }
        errors.sort_by_key(|e| e.line);
        errors
    }
}

/// The declared type named `text` (its index), or `text` if none is; `None` when it is
/// empty (no type). Models declare a handful of types: a scan beats hashing the name.
#[inline]
pub(super) fn kind_of<'a>(events: &[EventDecl], text: &'a str) -> Option<Result<usize, &'a str>> {
    if text.is_empty() {
        return None;
    }
    let declared = events
        .iter()
        .position(|e| crate::bytes::same(e.name.as_bytes(), text.as_bytes()));
    Some(declared.ok_or(text))
}

/// How many leads an input holds: as many as it has records when its format says (a
/// lead listed twice makes the index a little large), at most [`MOST_EXPECTED`]; else,
/// for an input of `size` bytes, judged by its first block: a little
/// under the block's leads per byte (an index sized a little short grows once at the
/// end; one sized over a power of two takes twice the memory), at least the block's,
/// and at most `bound` (a first block of short lines before far longer ones would
/// otherwise ask for an index many times too large).
fn expected_leads(first: &LeadBlock, size: Option<u64>, bound: usize) -> usize {
    let in_block = first.starts.len();
    if let Some(records) = first.input_records {
        // A file's metadata is input like the rest: a corrupt count must not ask for
        // an index of any size.
        let records = usize::try_from(records).unwrap_or(usize::MAX);
        return records.min(bound).max(in_block);
    }
    let Some(size) = size.filter(|_| first.bytes > 0) else {
        return in_block;
    };
    let estimate = leads_in(size, in_block, first.bytes as u64).min(bound as f64);
    in_block.max(estimate as usize)
}

/// The leads expected in `size` bytes from `leads` seen in `bytes` (not 0): a little
/// under their leads per byte.
fn leads_in(size: u64, leads: usize, bytes: u64) -> f64 {
    size as f64 * (leads as f64 / bytes as f64) * 0.9
}

/// The most leads an index is sized for before they arrive: 2M, an index of 128 MiB
/// (beyond, it grows as leads come). A first block of much shorter lines than the rest
/// of the file can overstate the leads many times: this bounds what that costs.
const MOST_EXPECTED: usize = 1 << 21;

/// How the leads' index is sized as a file's blocks are added, in order: for the leads
/// expected from the first block (at most `bound`), then, when a larger file fills that,
/// once more for the leads expected from all the bytes read so far. A file of 10M
/// leads otherwise doubled the index three times, each time writing it anew.
#[derive(Debug)]
struct Sizing {
    /// The input's bytes, when known.
    size: Option<u64>,
    /// The most leads the first block may ask for.
    bound: usize,
    /// The leads the index was first sized for (none before the first block).
    first: Option<usize>,
    /// The input's bytes whose leads have been added.
    bytes: u64,
    /// Whether the second estimate has been made.
    again: bool,
}

impl Sizing {
    fn new(size: Option<u64>, bound: usize) -> Sizing {
        Sizing {
            size,
            bound,
            first: None,
            bytes: 0,
            again: false,
        }
    }

    /// The room for more leads to make before `block` is added after `added` leads, if
    /// any.
    fn room_before(&mut self, block: &LeadBlock, added: usize) -> Option<usize> {
        let room = match self.first {
            None => {
                let first = expected_leads(block, self.size, self.bound);
                self.first = Some(first);
                Some(first)
            }
            Some(first) => {
                (self.later_estimate(first, added, block.starts.len())).map(|leads| leads - added)
            }
        };
        self.bytes += block.bytes as u64;
        room
    }

    /// The leads to size the index for before a block of `more` is added after `added`
    /// leads, when the index, first sized for `first`, would otherwise grow and the
    /// first estimate was bounded: the leads per byte so far over the whole input, at
    /// most eight times the leads so far. `None`: no second estimate (made once).
    fn later_estimate(&mut self, first: usize, added: usize, more: usize) -> Option<usize> {
        if self.again || added + more <= first || first < self.bound {
            return None;
        }
        self.again = true;
        let size = self.size.filter(|_| self.bytes > 0)?;
        let leads = (leads_in(size, added, self.bytes) as usize).min(added.saturating_mul(8));
        (leads > added + more).then_some(leads)
    }
}

/// Lines parsed ahead of applying them (see [`Worker::block`]).
const AHEAD: usize = 16;

/// Where a worker finds a lead's state.
#[derive(Clone, Copy)]
enum Target {
    /// The row of a lead of the leads input in the shared table.
    Shared(usize),
    /// A row of the worker's own shard.
    Shard(Row),
}

/// An event line parsed by the fast path, waiting to be applied.
pub(super) struct Parsed<'l> {
    lead: &'l str,
    /// The lead id's hash in the leads index.
    hash: u64,
    /// The declared type's index (its properties are in the worker's buffers), or the
    /// name of an undeclared type.
    kind: Result<usize, &'l str>,
}

/// Parses blocks of event lines (or columnar rows) into the shared state table, and
/// its own shard (the leads seen only in events, or every lead without a shared table).
pub(super) struct Worker<'b> {
    scorer: &'b Scorer,
    plan: &'b Plan,
    as_of: i64,
    keys: &'b Keys,
    options: ReadOptions,
    file: &'b str,
    leads: &'b Leads,
    /// The states of the leads input's leads, when all workers share them; else they
    /// are in `shard`.
    shared: Option<&'b SharedTable>,
    /// Reusable events, so parsing does not allocate: for each of the lines parsed
    /// ahead, one per declared type.
    buffers: Vec<Vec<Event>>,
    timestamps: Timestamps,
    shard: Shard,
    errors: Vec<RecordError>,
}

impl<'b> Worker<'b> {
    pub(super) fn new(
        batch: &'b Batch,
        keys: &'b Keys,
        options: ReadOptions,
        file: &'b str,
        shared: Option<&'b SharedTable>,
    ) -> Worker<'b> {
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
            scorer: &batch.scorer,
            plan,
            as_of: batch.as_of,
            keys,
            options,
            file,
            leads: &batch.leads,
            shared,
            buffers: vec![events; AHEAD],
            timestamps: Timestamps::default(),
            // With a shared table, the shard only has leads seen in events alone.
            shard: Shard::new(
                &batch.scorer,
                if shared.is_some() {
                    0
                } else {
                    batch.leads.len()
                },
            ),
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
        let lead = input::json_id(get(&self.keys.lead))?;
        let event_type = plain_text(get(&self.keys.event_type))?;
        let ts = self.time(get(&self.keys.ts)?)?;
        let hash = self.leads.index.hash(lead);
        let kind = kind_of(&self.plan.events, event_type)?;
        let Ok(index) = kind else {
            return Some(Parsed { lead, hash, kind });
        };
        // `event.lead` stays empty: the state is found through the lead's index.
        let event = &mut self.buffers[at][index];
        let props = &self.plan.events[index].props;
        input::fill_fields(props, &get, &mut event.props, self.options)?;
        event.ts = ts;
        Some(Parsed {
            lead,
            hash,
            kind: Ok(index),
        })
    }

    /// An event's time from its scanned member: the common form through the remembered
    /// date, any other as every reader takes it.
    fn time(&mut self, value: Raw<'_>) -> Option<i64> {
        let raw = match value {
            Raw::Str {
                text,
                escaped: false,
            } => match self.timestamps.parse(text.as_bytes()) {
                Some(ts) => return Some(ts),
                None => vocab::Raw::Text(text),
            },
            Raw::Num(text) => vocab::Raw::Number(text),
            _ => return None,
        };
        input::event_time(raw, self.options)
    }

    /// The plan the worker reads events of.
    #[cfg(feature = "columnar")]
    pub(super) fn plan(&self) -> &'b Plan {
        self.plan
    }

    /// Queues an event given by its parts (a columnar row's lead, and its type: a
    /// declared type's index or an undeclared type's name) in `ahead`, applying the
    /// queue when it is full: `fill` writes a declared type's time and properties into
    /// the event it is given (the type's index, the event). `None` (from `fill`) when
    /// the record needs the full reader.
    #[cfg(feature = "columnar")]
    pub(super) fn queue<'l>(
        &mut self,
        ahead: &mut Vec<Parsed<'l>>,
        lead: &'l str,
        kind: Result<usize, &'l str>,
        fill: impl FnOnce(usize, &mut Event) -> Option<()>,
    ) -> Option<()> {
        if let Ok(index) = kind {
            fill(index, &mut self.buffers[ahead.len()][index])?;
        }
        let hash = self.leads.index.hash(lead);
        self.leads.index.prefetch(hash);
        ahead.push(Parsed { lead, hash, kind });
        if ahead.len() == AHEAD {
            self.apply(ahead);
        }
        Some(())
    }

    /// Adds a record the full reader read (or its error).
    pub(super) fn add_record(&mut self, record: Result<EventRecord, RecordError>) {
        match record {
            Ok(EventRecord::Declared(event)) => {
                let lead = self.leads.find(&event.lead);
                let target = self.target(lead.id, lead.index);
                self.declared(target, self.leads.attrs(lead.index), &event);
            }
            Ok(EventRecord::Undeclared { lead, event_type }) => {
                let lead = self.leads.find(&lead);
                self.target(lead.id, lead.index);
                self.shard.undeclared(&event_type);
            }
            Err(error) => self.errors.push(error),
        }
    }

    /// Where the state of a lead (its id, its index in the leads input) is.
    fn target(&mut self, id: &str, index: Option<usize>) -> Target {
        match (self.shared, index) {
            (Some(_), Some(i)) => Target::Shared(i),
            _ => Target::Shard(self.shard.row(id, index)),
        }
    }

    /// Adds an event of a declared type to the state at `target`.
    fn declared(&mut self, target: Target, lead: crate::eval::Attrs<'_>, event: &Event) {
        match (target, self.shared) {
            (Target::Shared(i), Some(shared)) => {
                let scorer = self.scorer;
                let as_of = self.as_of;
                let counted =
                    shared.update(i, |state| scorer.observe_into(state, lead, event, as_of));
                self.shard.counted(counted);
            }
            (Target::Shard(row), _) => {
                self.shard
                    .declared(self.scorer, row, lead, event, self.as_of)
            }
            (Target::Shared(_), None) => unreachable!("a shared target comes from a shared table"),
        }
    }

    fn prefetch(&self, target: Target) {
        match (target, self.shared) {
            (Target::Shared(i), Some(shared)) => shared.prefetch(i),
            (Target::Shard(row), _) => self.shard.prefetch(row),
            (Target::Shared(_), None) => {}
        }
    }

    /// The worker's shard and the bad records it found.
    pub(super) fn finish(self) -> (Shard, Vec<RecordError>) {
        (self.shard, self.errors)
    }

    /// Feeds the lines parsed ahead into the states of their leads, and empties `ahead`.
    pub(super) fn apply(&mut self, ahead: &mut Vec<Parsed<'_>>) {
        let mut targets = [(Target::Shared(0), None); AHEAD];
        // Most models' `where`s read only the event: then the lead's record is not read.
        let reads_lead = self.scorer.filters_read_lead();
        for (parsed, target) in ahead.iter().zip(&mut targets) {
            let lead = self.leads.find_hashed(parsed.lead, parsed.hash);
            let row = self.target(lead.id, lead.index);
            self.prefetch(row);
            let index = lead.index.filter(|_| reads_lead);
            if let Some(i) = index {
                self.leads.prefetch(i);
            }
            *target = (row, index);
        }
        for (at, (parsed, &(row, index))) in ahead.iter().zip(&targets).enumerate() {
            match parsed.kind {
                Ok(event_type) => {
                    // The buffers are borrowed apart from the rest of the worker.
                    let event = std::mem::take(&mut self.buffers[at][event_type]);
                    self.declared(row, self.leads.attrs(index), &event);
                    self.buffers[at][event_type] = event;
                }
                Err(event_type) => self.shard.undeclared(event_type),
            }
        }
        ahead.clear();
    }

    /// The full parser: serde_json and the schema checks, with exact error messages.
    fn slow(&mut self, line: Result<&str, &[u8]>, number: u64) {
        let record = match line {
            Ok(text) => {
                input::parse_event_line(self.plan, self.keys, self.options, self.file, number, text)
            }
            Err(bytes) => Err(input::not_utf8(self.file, number, bytes)),
        };
        self.add_record(record);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::one_rule_scorer;
    use super::*;

    /// A parsed block of leads (by id, from line `first_line` on), packed as the
    /// parsing threads pack them.
    fn block(batch: &Batch, first_line: u64, ids: &[&str]) -> LeadBlock {
        let packing = batch.packing();
        let mut done = LeadBlock::new(first_line, ids.len() as u64, 0);
        done.bytes = 100;
        for (line, id) in (first_line..).zip(ids) {
            let lead = batch.scorer.lead(id, []).unwrap();
            done.push(&packing, &lead, line, &mut ByValue::default());
        }
        done
    }

    /// Blocks parsed out of order are added in line order: the lead listed twice is
    /// the later line, and the leads are numbered in line order.
    #[test]
    fn blocks_arriving_out_of_order_are_added_in_line_order() {
        let mut batch = Batch::new(one_rule_scorer(), 0);
        let blocks = [
            block(&batch, 4, &["C", "A"]),
            block(&batch, 6, &["D"]),
            block(&batch, 1, &["A", "B", "E"]),
        ];
        let (send, parsed) = mpsc::channel();
        for block in blocks {
            send.send(block).unwrap();
        }
        drop(send);
        let errors = batch.add_blocks_in_order(parsed, None, "leads.jsonl", "id");
        let errors: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(errors, [(5, "lead `A` appears twice (first on line 1)")],);
        let ids: Vec<&str> = (0..batch.leads.len())
            .map(|i| batch.leads.record(i).id)
            .collect();
        assert_eq!(ids, ["A", "B", "E", "C", "D"]);
    }

    /// With the input's size, the index is sized after the first block for the leads
    /// expected (a little under that block's leads per byte), once; without, it grows
    /// as leads come.
    #[test]
    fn the_input_size_sizes_the_index_once_from_the_first_block() {
        let scorer = one_rule_scorer();
        let capacity = |size: Option<u64>| {
            let mut batch = Batch::new(scorer.clone(), 0);
            let (send, parsed) = mpsc::channel();
            send.send(block(&batch, 1, &["A", "B", "C"])).unwrap();
            drop(send);
            let errors = batch.add_blocks_in_order(parsed, size, "leads.jsonl", "id");
            assert!(errors.is_empty());
            batch.leads.index.capacity()
        };
        // 3 leads in the block's 100 bytes: 2,700 expected in 100,000 bytes, an index of
        // 8,192 entries (at most half full).
        assert_eq!(capacity(Some(100_000)), 8192);
        assert_eq!(capacity(None), 16, "as small as it starts");
        assert_eq!(capacity(Some(10)), 16, "no fewer than the block's");
    }

    #[test]
    fn expected_leads_are_bounded() {
        let batch = Batch::new(one_rule_scorer(), 0);
        let first = block(&batch, 1, &["A", "B"]);
        assert_eq!(
            expected_leads(&first, Some(1 << 50), MOST_EXPECTED),
            MOST_EXPECTED
        );
        assert_eq!(expected_leads(&first, Some(1_000), MOST_EXPECTED), 18);
    }

    /// A file larger than the first estimate allows is sized once more when its leads
    /// fill that, from all the bytes read by then, and only once.
    #[test]
    fn a_large_file_is_sized_again_from_what_was_read() {
        let first = MOST_EXPECTED;
        let sizing = |size: Option<u64>, bytes: u64| Sizing {
            bytes,
            ..Sizing::new(size, MOST_EXPECTED)
        };
        // Not yet full, then full: 2M leads in 320 MiB of a 1.6 GiB file.
        let mut read = sizing(Some(1600 << 20), 320 << 20);
        assert_eq!(read.later_estimate(first, first - 10, 10), None);
        let leads = read.later_estimate(first, first, 10);
        assert_eq!(leads, Some((first as f64 * 5.0 * 0.9) as usize));
        assert_eq!(read.later_estimate(first, first * 3, 10), None);
        // At most eight times the leads so far, and nothing without a size.
        let huge = Some(1 << 40);
        let mut bounded = sizing(huge, 1 << 20);
        assert_eq!(bounded.later_estimate(first, first, 10), Some(first * 8));
        assert_eq!(sizing(None, 1 << 20).later_estimate(first, first, 10), None);
        // A first estimate below the bound was the whole file's: not made again.
        assert_eq!(sizing(huge, 1 << 20).later_estimate(1000, 1000, 10), None);
    }

    /// Through the adder, with a bound of 4 leads: two blocks of four leads each, of a
    /// file said to hold eight such blocks. The second block finds the index full and
    /// sizes it for the whole file (28 leads: 64 entries); grown by doubling it would
    /// have 16.
    #[test]
    fn the_adder_sizes_the_index_again_when_a_large_file_fills_it() {
        let mut batch = Batch::new(one_rule_scorer(), 0);
        let (send, parsed) = mpsc::channel();
        send.send(block(&batch, 1, &["A", "B", "C", "D"])).unwrap();
        send.send(block(&batch, 5, &["E", "F", "G", "H"])).unwrap();
        drop(send);
        let errors = batch.add_blocks_sized(parsed, Sizing::new(Some(800), 4), "l.jsonl", "id");
        assert!(errors.is_empty());
        assert_eq!(batch.leads.len(), 8);
        assert_eq!(batch.leads.index.capacity(), 64);
    }

    /// An input that says how many records it has is sized for them, whatever its
    /// bytes, up to the bound on estimates (a corrupt count asks for no more).
    #[test]
    #[cfg(feature = "columnar")]
    fn an_input_that_counts_its_records_is_sized_for_them() {
        let batch = Batch::new(one_rule_scorer(), 0);
        let first = block(&batch, 1, &["A", "B"]).with_input_records(Some(300_000));
        assert_eq!(expected_leads(&first, Some(1_000), MOST_EXPECTED), 300_000);
        assert_eq!(expected_leads(&first, None, MOST_EXPECTED), 300_000);
        let corrupt = block(&batch, 1, &["A", "B"]).with_input_records(Some(u64::MAX));
        assert_eq!(expected_leads(&corrupt, None, MOST_EXPECTED), MOST_EXPECTED);
        let counted = block(&batch, 1, &["A", "B"]).with_input_records(Some(1));
        assert_eq!(expected_leads(&counted, None, MOST_EXPECTED), 2);
    }
}
