//! Per-lead state: one accumulator per plan slot, advanced event by event.
//!
//! This is all the engine keeps about a lead's history: its size depends on the model,
//! not on how many events the lead has. A state is one 8-byte cell per slot (a count,
//! or the newest time) plus an exact sum per `sum` slot. Batch scoring keeps the states
//! of a million leads in one flat table ([`StateTable`]), so feeding an event touches one
//! row of adjacent cells instead of a separate allocation per lead.
//!
//! For explanations, a layout may also keep the times of the newest [`EVENT_TIMES`]
//! events of each slot an `on` rule counts, in cells after the slots' own: still a
//! fixed size per lead, and merged exactly like the rest.

use super::sum::ExactSum;
use crate::plan::{Plan, RuleKind, ScoreBody, SlotKind};

/// A cell of a `Latest` slot with no matching event yet (and an unused event time).
const NO_TIME: i64 = i64::MIN;

/// How many event times (the newest) a layout that keeps them keeps per `on` rule slot.
pub const EVENT_TIMES: usize = 3;

/// How the slots of a plan map onto cells and sums.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    kinds: Vec<Cell>,
    /// A fresh state's cells.
    init: Vec<i64>,
    sums: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Count,
    /// A count that also keeps the times of its newest events: [`EVENT_TIMES`] cells
    /// from this index, newest first, [`NO_TIME`] where there are fewer events.
    CountWithTimes(usize),
    Latest,
    /// The cell is unused; the value is the slot's exact sum at this index.
    Sum(usize),
}

impl Layout {
    /// The layout of a plan's states; with `event_times`, the slots of `on` rules keep
    /// the times of their newest events too.
    pub fn new(plan: &Plan, event_times: bool) -> Layout {
        let timed = if event_times {
            on_rule_slots(plan)
        } else {
            vec![false; plan.slots.len()]
        };
        let mut sums = 0;
        let mut times = plan.slots.len();
        let kinds: Vec<Cell> = plan
            .slots
            .iter()
            .zip(&timed)
            .map(|(slot, &timed)| match slot.kind {
                SlotKind::Count if timed => {
                    times += EVENT_TIMES;
                    Cell::CountWithTimes(times - EVENT_TIMES)
                }
                SlotKind::Count => Cell::Count,
                SlotKind::Latest => Cell::Latest,
                SlotKind::Sum => {
                    sums += 1;
                    Cell::Sum(sums - 1)
                }
            })
            .collect();
        let mut init: Vec<i64> = kinds
            .iter()
            .map(|k| if *k == Cell::Latest { NO_TIME } else { 0 })
            .collect();
        init.resize(times, NO_TIME);
        Layout { kinds, init, sums }
    }

    pub fn new_state(&self) -> LeadState {
        LeadState {
            cells: self.init.clone(),
            sums: vec![ExactSum::default(); self.sums],
        }
    }

    /// Records one matching event in slot `slot` (`value`: the summed property).
    pub fn record(&self, state: StateMut<'_>, slot: usize, ts: i64, value: Option<f64>) {
        match self.kinds[slot] {
            Cell::Count => state.cells[slot] += 1,
            Cell::CountWithTimes(at) => {
                state.cells[slot] += 1;
                keep_newest(&mut state.cells[at..at + EVENT_TIMES], ts);
            }
            Cell::Latest => state.cells[slot] = state.cells[slot].max(ts),
            Cell::Sum(i) => {
                if let Some(v) = value {
                    state.sums[i].add(v);
                }
            }
        }
    }

    /// Combines the state of another share of the same lead's events (from another
    /// thread). Counts add, the latest time is the later one, sums add exactly, so the
    /// result does not depend on how the events were split.
    pub fn merge(&self, mine: StateMut<'_>, theirs: StateRef<'_>) {
        for (slot, kind) in self.kinds.iter().enumerate() {
            match *kind {
                Cell::Count => mine.cells[slot] += theirs.cells[slot],
                Cell::CountWithTimes(at) => {
                    mine.cells[slot] += theirs.cells[slot];
                    for &ts in &theirs.cells[at..at + EVENT_TIMES] {
                        if ts != NO_TIME {
                            keep_newest(&mut mine.cells[at..at + EVENT_TIMES], ts);
                        }
                    }
                }
                Cell::Latest => mine.cells[slot] = mine.cells[slot].max(theirs.cells[slot]),
                Cell::Sum(i) => mine.sums[i].merge(&theirs.sums[i]),
            }
        }
    }

    pub fn count(&self, state: StateRef<'_>, slot: usize) -> u64 {
        match self.kinds[slot] {
            Cell::Count | Cell::CountWithTimes(_) => state.cells[slot] as u64,
            _ => 0,
        }
    }

    /// The times of the newest events counted in `slot`, newest first; `None` when the
    /// layout keeps no times for it.
    pub fn event_times<'s>(&self, state: StateRef<'s>, slot: usize) -> Option<&'s [i64]> {
        let Cell::CountWithTimes(at) = self.kinds[slot] else {
            return None;
        };
        let times = &state.cells[at..at + EVENT_TIMES];
        let kept = times.iter().take_while(|&&t| t != NO_TIME).count();
        Some(&times[..kept])
    }

    /// The sum in `slot`; `None` when the exact sum is out of a float's range.
    pub fn sum(&self, state: StateRef<'_>, slot: usize) -> Option<f64> {
        match self.kinds[slot] {
            Cell::Sum(i) => state.sums[i].value(),
            _ => Some(0.0),
        }
    }

    pub fn latest(&self, state: StateRef<'_>, slot: usize) -> Option<i64> {
        match self.kinds[slot] {
            Cell::Latest if state.cells[slot] != NO_TIME => Some(state.cells[slot]),
            _ => None,
        }
    }
}

/// Which slots `on` rules count.
fn on_rule_slots(plan: &Plan) -> Vec<bool> {
    let mut counted = vec![false; plan.slots.len()];
    for score in &plan.scores {
        if let ScoreBody::Rules { rules, .. } = &score.body {
            for rule in rules {
                if let RuleKind::On { slot, .. } = rule.kind {
                    counted[slot as usize] = true;
                }
            }
        }
    }
    counted
}

/// Puts `ts` among the newest times `times` (newest first) if it is one of them. Equal
/// times are all kept, so the result does not depend on the order they come in.
fn keep_newest(times: &mut [i64], ts: i64) {
    if let Some(k) = times.iter().position(|&t| ts > t) {
        times[k..].rotate_right(1);
        times[k] = ts;
    }
}

/// The accumulated state of one lead's events.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadState {
    cells: Vec<i64>,
    sums: Vec<ExactSum>,
}

impl LeadState {
    pub(crate) fn view(&self) -> StateRef<'_> {
        StateRef {
            cells: &self.cells,
            sums: &self.sums,
        }
    }

    pub(crate) fn view_mut(&mut self) -> StateMut<'_> {
        StateMut {
            cells: &mut self.cells,
            sums: &mut self.sums,
        }
    }
}

/// One lead's state, borrowed from a [`LeadState`] or a row of a [`StateTable`].
#[derive(Clone, Copy)]
pub(crate) struct StateRef<'a> {
    cells: &'a [i64],
    sums: &'a [ExactSum],
}

pub(crate) struct StateMut<'a> {
    cells: &'a mut [i64],
    sums: &'a mut [ExactSum],
}

impl StateMut<'_> {
    pub fn reborrow(&mut self) -> StateMut<'_> {
        StateMut {
            cells: self.cells,
            sums: self.sums,
        }
    }
}

/// The states of many leads, one row each, in two flat arrays. Rows past the end read
/// as fresh states.
#[derive(Debug, Clone)]
pub(crate) struct StateTable {
    init: Vec<i64>,
    /// A fresh row's sums (one per `sum` slot).
    fresh_sums: Vec<ExactSum>,
    rows: usize,
    cells: Vec<i64>,
    sums: Vec<ExactSum>,
}

impl StateTable {
    /// A table of `rows` fresh states.
    pub fn new(layout: &Layout, rows: usize) -> StateTable {
        let mut table = StateTable {
            init: layout.init.clone(),
            fresh_sums: vec![ExactSum::default(); layout.sums],
            rows: 0,
            cells: Vec::with_capacity(rows * layout.init.len()),
            sums: Vec::new(),
        };
        table.grow_to(rows);
        table
    }

    /// Adds fresh rows until there are `rows`.
    pub fn grow_to(&mut self, rows: usize) {
        while self.rows < rows {
            self.push();
        }
    }

    /// Adds a fresh state.
    pub fn push(&mut self) {
        self.cells.extend_from_slice(&self.init);
        self.sums.extend_from_slice(&self.fresh_sums);
        self.rows += 1;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn row(&self, row: usize) -> StateRef<'_> {
        if row >= self.rows {
            return StateRef {
                cells: &self.init,
                sums: &self.fresh_sums,
            };
        }
        let (w, s) = (self.init.len(), self.fresh_sums.len());
        StateRef {
            cells: &self.cells[row * w..(row + 1) * w],
            sums: &self.sums[row * s..(row + 1) * s],
        }
    }

    /// Starts loading a row that will be updated soon.
    pub fn prefetch(&self, row: usize) {
        let w = self.init.len();
        if w > 0 && row < self.rows {
            // A row may straddle cache lines: ask for its first and last cell.
            crate::prefetch::prefetch(&self.cells[row * w]);
            crate::prefetch::prefetch(&self.cells[row * w + w - 1]);
        }
    }

    pub fn row_mut(&mut self, row: usize) -> StateMut<'_> {
        let (w, s) = (self.init.len(), self.fresh_sums.len());
        StateMut {
            cells: &mut self.cells[row * w..(row + 1) * w],
            sums: &mut self.sums[row * s..(row + 1) * s],
        }
    }
}
