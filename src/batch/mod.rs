//! Scoring many leads from streams of records.
//!
//! Leads are added first (their fields are needed while events stream, for `where`
//! clauses that read `lead.x`), then events in any order. Each event updates its
//! lead's state and is dropped, so memory grows with the number of leads, not events.
//!
//! [`Batch::read_events_parallel`] reads JSON Lines on several threads: a reader cuts the
//! input into blocks of whole lines (`blocks.rs`) and workers parse them (`worker.rs`).
//! When the plan's states are cells alone, the workers update one table of the leads
//! input's states, a row locked at a time (`eval::SharedTable`); otherwise each keeps its
//! own per-lead states (`store.rs`), merged at the end. Either way every update is
//! order-free (counts add, latest times take the maximum, sums are exact), so the output
//! is the same for any number of threads. Leads are then scored and formatted in
//! shares, in parallel too (`finish.rs`).
//!
//! A batch owns its [`Scorer`] through an [`Arc`], so it can be kept (by a server, a
//! binding) without borrowing anything.

pub(crate) mod blocks;
#[cfg(feature = "columnar")]
mod columnar;
mod finish;
mod store;
mod worker;

use crate::diagnostics::Code;
use crate::eval::Scorer;
use crate::input::{EventRecord, RecordError};
use crate::record::Lead;
pub use finish::LeadShare;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{At, Leads, Shard};

/// The most worker threads a job uses, whatever it is asked for: far more than any
/// machine's cores, and few enough that their buffers (a few MiB each) always fit.
pub const MAX_THREADS: usize = 256;

/// Counts for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Leads scored.
    pub leads: usize,
    /// Event records read (whatever became of them).
    pub events_read: u64,
    /// Events after the as-of time: they do not exist yet.
    pub events_future: u64,
    /// Events of types the model does not declare, by type.
    pub ignored_by_type: BTreeMap<String, u64>,
    /// Bad records set aside.
    pub rejected: u64,
}

impl Summary {
    /// Events of types the model does not declare, in all.
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
    /// The same id on a second lead record.
    #[error("lead `{id}` appears twice (first on line {first})")]
    Duplicate {
        /// The lead's id.
        id: String,
        /// The line it was first on.
        first: u64,
    },
    /// A lead record after events for it were already scored.
    #[error("lead `{id}` is added after events for it were scored; add leads first")]
    AfterEvents {
        /// The lead's id.
        id: String,
    },
}

impl LeadError {
    /// The stable code of this error (E0804, E0805).
    pub fn code(&self) -> Code {
        match self {
            LeadError::Duplicate { .. } => Code::DuplicateLeadRecord,
            LeadError::AfterEvents { .. } => Code::LeadAfterEvents,
        }
    }

    /// The error for the lead record on `line` of `file` (its id under `id_key`).
    pub fn at(&self, file: &str, line: u64, id_key: &str) -> RecordError {
        RecordError::new(self.code(), file, line, self.to_string()).with_field(id_key)
    }
}

/// Leads and the states their events built, as of one time.
pub struct Batch {
    scorer: Arc<Scorer>,
    as_of: i64,
    /// Lead records, with the line that defined each.
    leads: Leads,
    /// States of every lead seen in events.
    events: Shard,
    /// Whether lead records keep what explanations show ([`Batch::explain_no_lead`]).
    explainable: bool,
}

impl Batch {
    pub fn new(scorer: Arc<Scorer>, as_of: i64) -> Batch {
        Batch {
            leads: Leads::new(&scorer),
            events: Shard::new(&scorer, 0),
            explainable: true,
            scorer,
            as_of,
        }
    }

    /// The scorer the batch scores with.
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    pub fn add_lead(&mut self, lead: Lead, line: u64) -> Result<(), LeadError> {
        if self.events.other_index.get(&lead.id).is_some() {
            return Err(LeadError::AfterEvents { id: lead.id });
        }
        let hash = self.leads.index.hash(&lead.id);
        if let Some(first) = self.leads.index.get_hashed(&lead.id, hash) {
            let first = self.leads.record(first as usize).line;
            return Err(LeadError::Duplicate { id: lead.id, first });
        }
        let at = self.leads.pack(&self.scorer, &lead, line);
        self.leads.add(at, hash).expect("the id was not taken");
        Ok(())
    }

    /// Adds the lead whose packed record is at `at` (its id's hash is `hash`).
    fn add_packed(&mut self, at: At, hash: u64) -> Result<(), LeadError> {
        let record = self.leads.record_at(at);
        if self.events.other_index.get(record.id).is_some() {
            let id = record.id.to_string();
            return Err(LeadError::AfterEvents { id });
        }
        self.leads
            .add(at, hash)
            .map_err(|first| LeadError::Duplicate {
                id: self.leads.record_at(at).id.to_string(),
                first,
            })
    }

    /// How many lead records were added.
    pub fn lead_records(&self) -> usize {
        self.leads.len()
    }

    /// Makes lead records keep only the fields read elsewhere than in the conditions
    /// that read nothing but a lead's attributes, whose results each record keeps: for a
    /// run that explains no lead (explanations show the values conditions tested).
    /// Before any lead is added or field kept.
    pub(crate) fn explain_no_lead(&mut self) {
        self.leads.keep_unremembered_fields(&self.scorer);
        self.explainable = false;
    }

    /// Keeps lead field `i` in the lead records added from now on, though the plan does
    /// not read it (`evaluate` segments leads by one).
    pub(crate) fn keep_lead_field(&mut self, i: usize) {
        self.leads.keep_field(i);
    }

    /// How many event records were read (of any type, after the as-of time or not).
    pub fn events_read(&self) -> u64 {
        self.events.summary.events_read
    }

    pub fn add_event(&mut self, record: EventRecord) {
        self.events
            .add(&self.scorer, &self.leads, &record, self.as_of);
    }

    /// Makes room for `more` leads (a block's, as it is added: the tables then double
    /// as they fill, instead of regrowing on every few insertions).
    fn reserve_leads(&mut self, more: usize) {
        self.leads.reserve(more);
    }

    /// Counts a record set aside (it appears in the summary).
    pub fn count_rejected(&mut self) {
        self.events.summary.rejected += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Attrs;
    use crate::vocab::Value;
    use crate::{compile_source, MemoryLoader};

    /// The scorer of a model with one event type, one point per event.
    pub(super) fn one_rule_scorer() -> Arc<Scorer> {
        let source = "event a {}\nscore s { on a +1 }";
        let plan = compile_source("m.score", source, &MemoryLoader::new())
            .plan
            .unwrap();
        Arc::new(Scorer::new(plan).unwrap())
    }

    /// A batch can be moved to and kept by another thread: it borrows nothing.
    #[test]
    fn a_batch_is_owned() {
        fn owned<T: Send + 'static>(_: &T) {}
        let scorer = one_rule_scorer();
        let mut batch = Batch::new(scorer.clone(), 1_000);
        let event = scorer.event("L1", "a", 500, []).unwrap().unwrap();
        batch.add_event(EventRecord::Declared(event));
        owned(&batch);
        let (outcomes, _) = std::thread::spawn(move || batch.finish(false))
            .join()
            .unwrap();
        assert_eq!(outcomes[0].score("s"), Some(1.0));
    }

    /// Leads come out in byte-wise order of id, whether their ids differ in the first
    /// bytes (which the sort keeps beside each lead) or only after them, are prefixes
    /// of one another, hold a NUL or bytes past ASCII, and whether the leads input or
    /// only events name them.
    #[test]
    fn leads_are_sorted_byte_wise_by_id() {
        let scorer = one_rule_scorer();
        let mut batch = Batch::new(scorer.clone(), 1_000);
        let same_start = "lead-with-a-long-common-start-";
        let known = [
            format!("{same_start}2"),
            "b".to_string(),
            format!("{same_start}10"),
            "a\u{0}".to_string(),
            "é".to_string(),
            "z".to_string(),
            format!("{same_start}1"),
        ];
        for (line, id) in (1..).zip(&known) {
            batch.add_lead(scorer.lead(id, []).unwrap(), line).unwrap();
        }
        let others = ["a", same_start, "ab", "zz"].map(String::from);
        for id in &others {
            let event = scorer.event(id, "a", 500, []).unwrap().unwrap();
            batch.add_event(EventRecord::Declared(event));
        }
        let (outcomes, _) = batch.finish(false);
        let ids: Vec<&str> = outcomes.iter().map(|o| o.lead.as_str()).collect();
        let mut expected: Vec<&str> = known.iter().map(String::as_str).collect();
        expected.extend(others.iter().map(String::as_str));
        expected.sort_unstable();
        assert_eq!(ids, expected);
    }

    /// With enough leads to sort each half on a thread of its own, the halves merged
    /// (by each share of leads, for its part) give the order one thread gives: every
    /// id, byte-wise ascending, whether the shares are scored or written.
    #[test]
    fn leads_sorted_on_several_threads_are_in_the_order_of_one() {
        let scorer = one_rule_scorer();
        let mut batch = Batch::new(scorer.clone(), 1_000);
        // Ids in a scrambled order, some sharing their first 16 bytes, some only in events.
        let (mut expected, mut seen) = (Vec::new(), std::collections::HashSet::new());
        for k in 0..100_000u64 {
            let n = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let id = match k % 3 {
                0 => format!("L{n}"),
                1 => format!("lead-with-a-long-common-start-{n}"),
                _ => format!("{n:x}"),
            };
            if !seen.insert(id.clone()) {
                continue;
            }
            if k % 5 == 0 {
                let event = scorer.event(&id, "a", 500, []).unwrap().unwrap();
                batch.add_event(EventRecord::Declared(event));
            } else {
                batch
                    .add_lead(scorer.lead(&id, []).unwrap(), k + 1)
                    .unwrap();
            }
            expected.push(id);
        }
        expected.sort_unstable();
        for threads in [2, 3] {
            let (shares, _) = batch.finish_with(threads, |share| {
                share
                    .leads()
                    .map(|(id, _, _)| id.to_string())
                    .collect::<Vec<_>>()
            });
            assert_eq!(shares.concat(), expected, "{threads} threads");
            // Written as results are: each share of output merges its part of the runs.
            let mut written = Vec::new();
            let format = |share: LeadShare<'_>, out: &mut Vec<u8>| {
                for (id, _, _) in share.leads() {
                    out.extend_from_slice(id.as_bytes());
                    out.push(b'\n');
                }
            };
            batch.write_in_order(threads, format, &mut written).unwrap();
            let lines: Vec<&str> = std::str::from_utf8(&written).unwrap().lines().collect();
            assert_eq!(lines, expected, "written on {threads} threads");
        }
    }

    /// States already in a table survive sharing it and taking it back, and rows
    /// updated by several threads at once hold every update, as if one thread had made
    /// them all.
    #[test]
    fn a_shared_table_keeps_states_and_takes_updates_from_many_threads() {
        let source = "event a {}\nevent b {}\nscore s { on a +1\n on b +1000 }";
        let plan = compile_source("m.score", source, &MemoryLoader::new())
            .plan
            .unwrap();
        let scorer = Scorer::new(plan).unwrap();
        let a = scorer.event("L", "a", 500, []).unwrap().unwrap();
        let b = scorer.event("L", "b", 500, []).unwrap().unwrap();
        let mut table = scorer.state_table(3);
        scorer.observe_into(table.row_mut(1), Attrs::NONE, &b, 1_000);
        assert!(scorer.shares_states(), "counts alone");
        // Three rows taken, 97 fresh ones added.
        let shared = scorer.shared_table(table, 100);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let (shared, scorer, a) = (&shared, &scorer, &a);
                scope.spawn(move || {
                    for k in 0..1000 {
                        shared.update(k % 100, |state| {
                            scorer.observe_into(state, Attrs::NONE, a, 1_000)
                        });
                    }
                });
            }
        });
        let table = shared.into_table();
        assert_eq!(table.rows(), 100);
        let mut results = crate::eval::Results::default();
        for row in 0..100 {
            scorer.results_into(Attrs::NONE, table.row(row), 1_000, &mut results, None);
            let b_points = if row == 1 { 1000.0 } else { 0.0 };
            assert_eq!(results.scores, [40.0 + b_points], "row {row}");
        }
    }

    /// Conditions that read only a lead's attributes are worked out once, when the lead
    /// is packed: a batch that explains no lead then keeps only the fields read
    /// elsewhere (here `size`, in an event's `where`), and scores as one that keeps them
    /// all; one that explains keeps every field the plan reads, for the values shown.
    #[test]
    fn remembered_conditions_score_as_the_fields_they_read() {
        let source = "lead { title: string, size: int, country: string }\n\
            event a {}\n\
            score s { when lead.title matches \"(?i)ceo\" +10\n on a where lead.size > 5 +1 }\n\
            grade s { hot >= 11 if lead.country == \"PL\"\n cold }\n\
            flag f when lead.country in [\"PL\", \"DE\"]";
        let plan = compile_source("m.score", source, &MemoryLoader::new())
            .plan
            .unwrap();
        let scorer = Arc::new(Scorer::new(plan).unwrap());
        let lead = |id: &str, title: &str, size: f64, country: &str| {
            let fields = [
                ("title", Value::Str(title.into())),
                ("size", Value::Number(size)),
                ("country", Value::Str(country.into())),
            ];
            scorer.lead(id, fields).unwrap()
        };
        let run = |explained: bool| {
            let mut batch = Batch::new(scorer.clone(), 1_000);
            if !explained {
                batch.explain_no_lead();
            }
            batch.add_lead(lead("L1", "The CEO", 9.0, "PL"), 1).unwrap();
            batch.add_lead(lead("L2", "Clerk", 2.0, "PL"), 2).unwrap();
            batch.add_lead(lead("L3", "ceo", 1.0, "US"), 3).unwrap();
            // A title seen before: its result remembered by value.
            batch.add_lead(lead("L4", "The CEO", 1.0, "DE"), 4).unwrap();
            for id in ["L1", "L2", "L3", "L4"] {
                let event = scorer.event(id, "a", 500, []).unwrap().unwrap();
                batch.add_event(EventRecord::Declared(event));
            }
            let attrs = batch.leads.attrs(Some(0));
            let kept: Vec<bool> = (0..3).map(|i| attrs.value(i).is_some()).collect();
            (batch.finish(false).0, kept)
        };
        let (outcomes, kept) = run(false);
        assert_eq!(kept, [false, true, false], "only `size`");
        assert_eq!(run(true).1, [true, true, true]);
        assert_eq!(outcomes, run(true).0);
        let summary: Vec<_> = outcomes
            .iter()
            .map(|o| (o.score("s"), o.grades[0].1.as_str(), o.flags[0].1))
            .collect();
        assert_eq!(
            summary,
            [
                (Some(11.0), "hot", true),
                (Some(0.0), "cold", true),
                (Some(10.0), "cold", false),
                (Some(10.0), "cold", true)
            ]
        );
    }

    /// Plans with sums or kept events do not share states (theirs are more than
    /// cells); plans of counts and times do.
    #[test]
    fn only_states_of_cells_alone_are_shared() {
        let shares = |source: &str| {
            let plan = compile_source("m.score", source, &MemoryLoader::new())
                .plan
                .unwrap();
            Scorer::new(plan).unwrap().shares_states()
        };
        assert!(shares(
            "event a {}\nscore s { on a +1\n decay -1 per 30d idle }"
        ));
        assert!(!shares(
            "event a { n: number }\nscore s { when sum(a.n) >= 3 +1 }"
        ));
        assert!(!shares(
            "event a { p: string }\nscore s { on a +1 distinct by p }"
        ));
    }
}
