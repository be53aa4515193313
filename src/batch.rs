//! Scoring many leads from streams of records.
//!
//! Leads are added first (their fields are needed while events stream, for `where`
//! clauses that read `lead.x`), then events in any order. Each event updates its
//! lead's state and is dropped, so memory grows with the number of leads, not events.

use crate::eval::{LeadState, Outcome, Scorer};
use crate::input::EventRecord;
use crate::record::Lead;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

struct Entry {
    lead: Lead,
    state: LeadState,
    /// The line of the leads input that defined it (`None`: seen only in events).
    line: Option<u64>,
    has_events: bool,
}

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
}

/// Why a lead record cannot be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeadError {
    #[error("lead `{id}` appears twice (first on line {first})")]
    Duplicate { id: String, first: u64 },
    #[error("lead `{id}` is added after events for it were scored; add leads first")]
    AfterEvents { id: String },
}

pub struct Batch<'s> {
    scorer: &'s Scorer,
    as_of: i64,
    entries: HashMap<String, Entry>,
    summary: Summary,
}

impl<'s> Batch<'s> {
    pub fn new(scorer: &'s Scorer, as_of: i64) -> Batch<'s> {
        Batch {
            scorer,
            as_of,
            entries: HashMap::new(),
            summary: Summary::default(),
        }
    }

    pub fn add_lead(&mut self, lead: Lead, line: u64) -> Result<(), LeadError> {
        match self.entries.get_mut(&lead.id) {
            Some(Entry {
                line: Some(first), ..
            }) => Err(LeadError::Duplicate {
                id: lead.id,
                first: *first,
            }),
            Some(entry) if entry.has_events => Err(LeadError::AfterEvents { id: lead.id }),
            Some(entry) => {
                entry.lead = lead;
                entry.line = Some(line);
                Ok(())
            }
            None => {
                let state = self.scorer.new_state();
                self.entries.insert(
                    lead.id.clone(),
                    Entry {
                        lead,
                        state,
                        line: Some(line),
                        has_events: false,
                    },
                );
                Ok(())
            }
        }
    }

    fn entry(&mut self, id: &str) -> &mut Entry {
        if !self.entries.contains_key(id) {
            let lead = Lead::unknown(id, self.scorer.plan());
            let state = self.scorer.new_state();
            self.entries.insert(
                id.to_string(),
                Entry {
                    lead,
                    state,
                    line: None,
                    has_events: false,
                },
            );
        }
        self.entries.get_mut(id).expect("just inserted")
    }

    pub fn add_event(&mut self, record: EventRecord) {
        self.summary.events_read += 1;
        match record {
            EventRecord::Declared(event) => {
                let (scorer, as_of) = (self.scorer, self.as_of);
                let entry = self.entry(&event.lead);
                entry.has_events = true;
                if !scorer.observe(&mut entry.state, &entry.lead, &event, as_of) {
                    self.summary.events_future += 1;
                }
            }
            EventRecord::Undeclared { lead, event_type } => {
                self.entry(&lead).has_events = true;
                *self.summary.ignored_by_type.entry(event_type).or_default() += 1;
            }
        }
    }

    pub fn count_rejected(&mut self) {
        self.summary.rejected += 1;
    }

    /// Every lead's outcome, in byte-wise ascending order of id.
    pub fn finish(self, explain: bool) -> (Vec<Outcome>, Summary) {
        let mut entries: Vec<(String, Entry)> = self.entries.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut summary = self.summary;
        summary.leads = entries.len();
        let outcomes = entries
            .iter()
            .map(|(_, e)| self.scorer.outcome(&e.lead, &e.state, self.as_of, explain))
            .collect();
        (outcomes, summary)
    }
}
