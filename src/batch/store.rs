//! Where a batch keeps leads and their states: lead records by id, and per-lead state
//! tables for one share of the events (the batch's own, or a worker's).

use super::ids::IdIndex;
use super::Summary;
use crate::eval::{Scorer, StateMut, StateTable};
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
    pub(super) fn declared(
        &mut self,
        scorer: &Scorer,
        row: Row,
        lead: &Lead,
        event: &Event,
        as_of: i64,
    ) {
        self.summary.events_read += 1;
        if !scorer.observe_into(self.state(row), lead, event, as_of) {
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

/// A lead as an event refers to it: its id, its record, and its index in the leads
/// input (`None` for a lead seen only in events).
#[derive(Clone, Copy)]
pub(super) struct LeadRef<'a> {
    pub(super) id: &'a str,
    pub(super) record: &'a Lead,
    pub(super) index: Option<usize>,
}

/// Lead records by id (one lookup gives the record and the row of its state).
pub(super) struct Leads {
    pub(super) index: IdIndex,
    pub(super) records: Vec<(Lead, u64)>,
    /// A lead with every field absent, for leads seen only in events.
    pub(super) unknown: Lead,
}

impl Leads {
    pub(super) fn new(scorer: &Scorer) -> Leads {
        Leads {
            index: IdIndex::default(),
            records: Vec::new(),
            unknown: Lead::unknown("", scorer.plan()),
        }
    }

    pub(super) fn find<'a>(&'a self, id: &'a str) -> LeadRef<'a> {
        self.find_hashed(id, self.index.hash(id))
    }

    /// [`Leads::find`] for an id whose hash in the index is known.
    pub(super) fn find_hashed<'a>(&'a self, id: &'a str, hash: u64) -> LeadRef<'a> {
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
