//! Per-lead state: one accumulator per plan slot, advanced event by event.
//!
//! This is all the engine keeps about a lead's history: its size depends on the model,
//! not on how many events the lead has.

use super::sum::ExactSum;
use crate::plan::{Plan, SlotKind};

#[derive(Debug, Clone, PartialEq)]
enum Acc {
    Count(u64),
    Sum(ExactSum),
    /// Seconds of the newest matching event; `i64::MIN` when there is none.
    Latest(i64),
}

/// The accumulated state of one lead's events.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadState {
    accs: Vec<Acc>,
}

impl LeadState {
    pub fn new(plan: &Plan) -> LeadState {
        LeadState {
            accs: plan
                .slots
                .iter()
                .map(|slot| match slot.kind {
                    SlotKind::Count => Acc::Count(0),
                    SlotKind::Sum { .. } => Acc::Sum(ExactSum::default()),
                    SlotKind::Latest => Acc::Latest(i64::MIN),
                })
                .collect(),
        }
    }

    /// Records one matching event in slot `slot` (`value`: the summed property).
    pub(super) fn record(&mut self, slot: usize, ts: i64, value: Option<f64>) {
        match &mut self.accs[slot] {
            Acc::Count(n) => *n += 1,
            Acc::Sum(sum) => {
                if let Some(v) = value {
                    sum.add(v);
                }
            }
            Acc::Latest(t) => *t = (*t).max(ts),
        }
    }

    /// Combines the state of another share of the same lead's events (from another
    /// thread). Counts add, the latest time is the later one, sums add exactly, so the
    /// result does not depend on how the events were split.
    pub fn merge(&mut self, other: &LeadState) {
        for (mine, theirs) in self.accs.iter_mut().zip(&other.accs) {
            match (mine, theirs) {
                (Acc::Count(a), Acc::Count(b)) => *a += b,
                (Acc::Sum(a), Acc::Sum(b)) => a.merge(b),
                (Acc::Latest(a), Acc::Latest(b)) => *a = (*a).max(*b),
                _ => unreachable!("states of one plan have the same shape"),
            }
        }
    }

    pub fn count(&self, slot: usize) -> u64 {
        match &self.accs[slot] {
            Acc::Count(n) => *n,
            _ => 0,
        }
    }

    pub fn sum(&self, slot: usize) -> f64 {
        match &self.accs[slot] {
            Acc::Sum(s) => s.value(),
            _ => 0.0,
        }
    }

    pub fn latest(&self, slot: usize) -> Option<i64> {
        match &self.accs[slot] {
            Acc::Latest(t) if *t != i64::MIN => Some(*t),
            _ => None,
        }
    }
}
