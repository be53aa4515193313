//! Where a batch keeps leads and their states: lead records by id, and per-lead state
//! tables for one share of the events (the batch's own, or a worker's).

use super::Summary;
use crate::eval::{Attrs, ByValue, Packed, Packer, Scorer, StateMut, StateTable};
use crate::ids::IdIndex;
use crate::input::EventRecord;
use crate::record::{Event, Lead};

/// Per-lead states and counts for one share of the events.
pub(super) struct Shard {
    /// States of the leads from the leads input, by their index.
    pub(super) known: StateTable,
    /// States of leads seen only in events, in the order of `other_ids`.
    pub(super) others: StateTable,
    /// Leads seen only in events: id → index in `other_ids` and `others`.
    pub(super) other_index: IdIndex,
    pub(super) other_ids: Vec<String>,
    pub(super) summary: Summary,
}

/// Where a lead's state is.
#[derive(Clone, Copy)]
pub(super) enum Row {
    Known(usize),
    Other(usize),
}

impl Shard {
    pub(super) fn new(scorer: &Scorer, known_leads: usize) -> Shard {
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
    pub(super) fn row(&mut self, id: &str, index: Option<usize>) -> Row {
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

    pub(super) fn prefetch(&self, row: Row) {
        match row {
            Row::Known(i) => self.known.prefetch(i),
            Row::Other(j) => self.others.prefetch(j),
        }
    }

    /// Adds an event record of any type.
    pub(super) fn add(&mut self, scorer: &Scorer, leads: &Leads, record: &EventRecord, as_of: i64) {
        match record {
            EventRecord::Declared(event) => {
                let lead = leads.find(&event.lead);
                let row = self.row(lead.id, lead.index);
                self.declared(scorer, row, leads.attrs(lead.index), event, as_of);
            }
            EventRecord::Undeclared { lead, event_type } => {
                let lead = leads.find(lead);
                self.row(lead.id, lead.index);
                self.undeclared(event_type);
            }
        }
    }

    /// Adds an event of a declared type to the state in `row`.
    pub(super) fn declared(
        &mut self,
        scorer: &Scorer,
        row: Row,
        lead: Attrs<'_>,
        event: &Event,
        as_of: i64,
    ) {
        let counted = scorer.observe_into(self.state(row), lead, event, as_of);
        self.counted(counted);
    }

    /// Counts an event of a declared type read, and whether it is after the as-of time
    /// (not `counted`).
    pub(super) fn counted(&mut self, counted: bool) {
        self.summary.events_read += 1;
        if !counted {
            self.summary.events_future += 1;
        }
    }

    /// Counts an event of an undeclared type (its lead still gets a row, and an outcome).
    pub(super) fn undeclared(&mut self, event_type: &str) {
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

    pub(super) fn merge(&mut self, scorer: &Scorer, mut other: Shard) {
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

/// A lead as an event refers to it: its id and its index in the leads input (`None`
/// for a lead seen only in events).
#[derive(Clone, Copy)]
pub(super) struct LeadRef<'a> {
    pub(super) id: &'a str,
    pub(super) index: Option<usize>,
}

/// Where a packed record is: its buffer and its offset there.
#[derive(Clone, Copy)]
pub(super) struct At {
    buffer: u32,
    offset: u32,
}

/// Lead records by id (one lookup gives the record and the row of its state), packed
/// (`eval::Packer`: a few bytes a lead, the results of its lead-only conditions and only
/// the fields the plan reads, or reads elsewhere than in those) into buffers
/// that each hold many: a block of the leads file, packed by the thread that parsed it
/// and kept as it is, or leads added one by one.
pub(super) struct Leads {
    pub(super) index: IdIndex,
    packer: Packer,
    /// Conditions' results by value, for leads added one by one.
    memo: ByValue,
    buffers: Vec<Vec<u8>>,
    /// Whether the last buffer takes leads added one by one.
    last_open: bool,
    /// Each lead's record, by its index.
    records: Vec<At>,
}

/// The most bytes a buffer of leads added one by one grows to before another starts
/// (so that offsets fit in 32 bits and growing one copies little).
const BUFFER: usize = 1 << 20;

impl Leads {
    pub(super) fn new(scorer: &Scorer) -> Leads {
        Leads {
            index: IdIndex::default(),
            packer: scorer.packer(true),
            memo: ByValue::default(),
            buffers: Vec::new(),
            last_open: false,
            records: Vec::new(),
        }
    }

    /// How to pack this batch's leads (for the threads that parse them).
    pub(super) fn packer(&self) -> &Packer {
        &self.packer
    }

    /// Keeps lead field `i` in the records added from now on, though the plan does not
    /// read it.
    pub(super) fn keep_field(&mut self, i: usize) {
        self.packer.keep(i);
    }

    /// Keeps in the records only the fields read elsewhere than in the conditions each
    /// record remembers (see [`Scorer::packer`]): before any lead is added or field
    /// kept.
    pub(super) fn keep_unremembered_fields(&mut self, scorer: &Scorer) {
        assert!(self.records.is_empty(), "no lead packed yet");
        self.packer = scorer.packer(false);
    }

    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    pub(super) fn reserve(&mut self, more: usize) {
        self.index.reserve(more);
        self.records.reserve(more);
    }

    /// The record of the lead with index `i`.
    pub(super) fn record(&self, i: usize) -> Packed<'_> {
        self.record_at(self.records[i])
    }

    /// The record at `at`.
    pub(super) fn record_at(&self, at: At) -> Packed<'_> {
        Packed::read(self.bytes(at))
    }

    /// The attributes of the lead with index `index` (none for a lead only in events).
    pub(super) fn attrs(&self, index: Option<usize>) -> Attrs<'_> {
        match index {
            Some(i) => Attrs::Packed(self.bytes(self.records[i])),
            None => Attrs::NONE,
        }
    }

    /// Starts loading where the record of lead `i` is.
    pub(super) fn prefetch(&self, i: usize) {
        crate::prefetch::prefetch(&self.records[i]);
    }

    /// Starts loading the record of lead `i` (its first two cache lines: most records
    /// are shorter), once [`Leads::prefetch`] has brought where it is.
    pub(super) fn prefetch_record(&self, i: usize) {
        let bytes = self.bytes(self.records[i]);
        crate::prefetch::prefetch(&bytes[0]);
        if let Some(later) = bytes.get(64) {
            crate::prefetch::prefetch(later);
        }
    }

    fn bytes(&self, at: At) -> &[u8] {
        bytes_at(&self.buffers, at)
    }

    /// Packs `lead` (defined on `line`) into the buffer for leads added one by one.
    pub(super) fn pack(&mut self, scorer: &Scorer, lead: &Lead, line: u64) -> At {
        let full = self.buffers.last().is_none_or(|b| b.len() >= BUFFER);
        if !self.last_open || full {
            self.seal_last();
            self.buffers.push(Vec::new());
            self.last_open = true;
        }
        let buffer = self.buffers.len() - 1;
        let bytes = &mut self.buffers[buffer];
        let offset = bytes.len();
        scorer.pack(&self.packer, lead, line, &mut self.memo, bytes);
        At {
            buffer: buffer as u32,
            offset: offset as u32,
        }
    }

    /// Keeps a buffer of records packed elsewhere; `at(offset)` says where each is.
    pub(super) fn keep_buffer(&mut self, mut bytes: Vec<u8>) -> impl Fn(usize) -> At {
        assert!(
            u32::try_from(bytes.len()).is_ok(),
            "a block packs into less than 4 GiB"
        );
        // Kept for the whole run: without the room it grew into.
        bytes.shrink_to_fit();
        self.seal_last();
        let buffer = self.buffers.len() as u32;
        self.buffers.push(bytes);
        move |offset| At {
            buffer,
            offset: offset as u32,
        }
    }

    /// Takes no more leads into the last buffer, and gives back the room it did not use.
    fn seal_last(&mut self) {
        if let Some(last) = self.buffers.last_mut().filter(|_| self.last_open) {
            last.shrink_to_fit();
        }
        self.last_open = false;
    }

    /// Adds the lead whose record is at `at` (its id's hash is `hash`) as the next
    /// lead, unless its id is taken: then the line of the record that has it.
    pub(super) fn add(&mut self, at: At, hash: u64) -> Result<(), u64> {
        let next = u32::try_from(self.records.len()).expect("fewer than 4 billion leads");
        // (Not `record_at`: the index is borrowed mutably while the id is.)
        let id = Packed::read(bytes_at(&self.buffers, at)).id;
        let (i, added) = self.index.get_or_insert_hashed(id, hash, next);
        if !added {
            return Err(self.record(i as usize).line);
        }
        self.records.push(at);
        Ok(())
    }

    pub(super) fn find<'a>(&self, id: &'a str) -> LeadRef<'a> {
        self.find_hashed(id, self.index.hash(id))
    }

    /// [`Leads::find`] for an id whose hash in the index is known.
    pub(super) fn find_hashed<'a>(&self, id: &'a str, hash: u64) -> LeadRef<'a> {
        let index = self.index.get_hashed(id, hash).map(|i| i as usize);
        LeadRef { id, index }
    }
}

/// The record at `at` in `buffers`, and what follows it.
fn bytes_at(buffers: &[Vec<u8>], at: At) -> &[u8] {
    &buffers[at.buffer as usize][at.offset as usize..]
}
