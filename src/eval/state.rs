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
//!
//! Slots of events (`on` rules with the options of section 11.3) keep a variable number
//! of events per lead. They live in a side store beside the cells: a plan that has such
//! slots gives each row one more cell, the index of the lead's [`History`] in the store
//! (or [`NO_HISTORY`]), and a history is made only for a lead that has such an event.
//! Plans without them have no such cell and never touch the store.

use super::history::{self, History, KeptEvent};
use super::sum::ExactSum;
use crate::plan::{Keep, Plan, RuleKind, ScoreBody, SlotKind};
use std::sync::atomic::{AtomicI64, Ordering};

/// A cell of a `Latest` slot with no matching event yet (and an unused event time).
const NO_TIME: i64 = i64::MIN;

/// The history cell of a lead with no kept events yet.
const NO_HISTORY: i64 = -1;

/// How many event times (the newest) a layout that keeps them keeps per `on` rule slot.
pub const EVENT_TIMES: usize = 3;

/// How the slots of a plan map onto cells and sums.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    kinds: Vec<Cell>,
    /// A fresh state's cells.
    init: Vec<i64>,
    sums: usize,
    /// The cell holding the row's index in the side store of histories, when the plan
    /// has slots of events.
    history: Option<usize>,
    /// How many slots of events the plan has (the lists of a [`History`]).
    event_lists: usize,
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
    /// The cell is unused; the slot's events are this list of the lead's [`History`],
    /// kept as `keep` allows.
    Events(usize, Keep),
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
        let mut event_lists = 0;
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
                SlotKind::Events { keep, .. } => {
                    event_lists += 1;
                    Cell::Events(event_lists - 1, keep)
                }
            })
            .collect();
        let mut init: Vec<i64> = kinds
            .iter()
            .map(|k| if *k == Cell::Latest { NO_TIME } else { 0 })
            .collect();
        init.resize(times, NO_TIME);
        let history = (event_lists > 0).then(|| {
            init.push(NO_HISTORY);
            init.len() - 1
        });
        Layout {
            kinds,
            init,
            sums,
            history,
            event_lists,
        }
    }

    pub fn new_state(&self) -> LeadState {
        LeadState {
            cells: StateCells::from_slice(&self.init),
            sums: vec![ExactSum::default(); self.sums],
            histories: Vec::new(),
        }
    }

    /// Keeps one matching event in the slot of events `slot`, as of `as_of`.
    pub fn record_event(&self, state: StateMut<'_>, slot: usize, event: KeptEvent, as_of: i64) {
        let Cell::Events(list, keep) = self.kinds[slot] else {
            return;
        };
        let history = self.history_mut(state);
        history::keep_event(&mut history.lists[list], event, keep, as_of);
    }

    /// The lead's history, made on first use.
    fn history_mut<'s>(&self, state: StateMut<'s>) -> &'s mut History {
        let cell = self
            .history
            .expect("a plan with slots of events has a history cell");
        if state.cells[cell] == NO_HISTORY {
            state.cells[cell] = state.histories.len() as i64;
            state.histories.push(History::new(self.event_lists));
        }
        &mut state.histories[state.cells[cell] as usize]
    }

    /// Whether `state` has this layout's shape (one that comes from outside, a stored
    /// live lead): its cells, sums and history lists.
    pub fn fits(&self, state: &LeadState) -> bool {
        let history = match self.history {
            Some(cell) => state.cells.get(cell).is_some_and(|&index| {
                index == NO_HISTORY && state.histories.is_empty()
                    || usize::try_from(index).is_ok_and(|i| i < state.histories.len())
            }),
            None => state.histories.is_empty(),
        };
        state.cells.len() == self.init.len()
            && state.sums.len() == self.sums
            && history
            && (state.histories.iter()).all(|h| h.lists.len() == self.event_lists)
    }

    /// The lead's history, if it has kept an event.
    fn history<'s>(&self, state: StateRef<'s>) -> Option<&'s History> {
        let cell = self.history?;
        let index = usize::try_from(state.cells[cell]).ok()?;
        state.histories.get(index)
    }

    /// The events kept in the slot of events `slot` (in no particular order).
    pub fn events<'s>(&self, state: StateRef<'s>, slot: usize) -> &'s [KeptEvent] {
        match (self.kinds[slot], self.history(state)) {
            (Cell::Events(list, _), Some(history)) => history.lists.get(list).map_or(&[], |l| l),
            _ => &[],
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
            Cell::Events(..) => {}
        }
    }

    /// Takes one event at `ts` out of the count of slot `slot`, as if it had not been
    /// recorded; `false` when that cannot be known from the state alone (a slot of
    /// another kind, or one of the newest times kept whose successor is not kept), the
    /// state then left as it was.
    pub fn unrecord(&self, state: StateMut<'_>, slot: usize, ts: i64) -> bool {
        match self.kinds[slot] {
            Cell::Count if state.cells[slot] > 0 => {
                state.cells[slot] -= 1;
                true
            }
            Cell::CountWithTimes(at) if state.cells[slot] > 0 => {
                let count = state.cells[slot] as usize;
                let times = &mut state.cells[at..at + EVENT_TIMES];
                match times.iter().position(|&t| t == ts) {
                    // Every counted event's time is kept: the rest move up.
                    Some(k) if count <= EVENT_TIMES => {
                        times[k..].rotate_left(1);
                        times[EVENT_TIMES - 1] = NO_TIME;
                    }
                    // The next newest time is not kept.
                    Some(_) => return false,
                    // Older than every kept time: they stay.
                    None if count > EVENT_TIMES => {}
                    None => return false,
                }
                state.cells[slot] -= 1;
                true
            }
            _ => false,
        }
    }

    /// Combines the state of another share of the same lead's events (from another
    /// thread). Counts add, the latest time is the later one, sums add exactly, so the
    /// result does not depend on how the events were split.
    pub fn merge(&self, mut mine: StateMut<'_>, theirs: StateRef<'_>) {
        if let Some(their_history) = self.history(theirs) {
            // Kept events add up: both shares' events are the lead's (each share has
            // forgotten only what no result needs).
            let history = self.history_mut(mine.reborrow());
            for (list, theirs) in history.lists.iter_mut().zip(&their_history.lists) {
                list.extend_from_slice(theirs);
            }
        }
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
                Cell::Events(..) => {}
            }
        }
    }

    /// The number of events counted in `slot`; for a slot of events, the number of
    /// distinct values of its `distinct` property (`count(… distinct by)`).
    pub fn count(&self, state: StateRef<'_>, slot: usize) -> u64 {
        match self.kinds[slot] {
            Cell::Count | Cell::CountWithTimes(_) => state.cells[slot] as u64,
            Cell::Events(..) => history::distinct_values(self.events(state, slot)) as u64,
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

/// A lead's cells: held in the state itself for up to a dozen (the B2B example's live
/// states without event times have 11), so that the live engine, which keeps two
/// states in each of a million leads, does not wait at each look for memory elsewhere.
/// More cells are kept apart, as a plain list would keep them.
type StateCells = smallvec::SmallVec<[i64; 12]>;

/// The accumulated state of one lead's events (serializable, so an embedding can store
/// it, but its layout belongs to the plan and the version that made it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeadState {
    cells: StateCells,
    sums: Vec<ExactSum>,
    /// The lead's side store: its [`History`], once it has one.
    histories: Vec<History>,
}

impl LeadState {
    /// Whether the cells are held in the state itself (see [`StateCells`]).
    #[cfg(feature = "internals")]
    pub(crate) fn cells_inline(&self) -> bool {
        !self.cells.spilled()
    }

    /// Makes this state a copy of `other`, reusing its buffers.
    pub(crate) fn copy_from(&mut self, other: &LeadState) {
        self.cells.clone_from(&other.cells);
        self.sums.clone_from(&other.sums);
        self.histories.clone_from(&other.histories);
    }

    pub(crate) fn view(&self) -> StateRef<'_> {
        StateRef {
            cells: &self.cells,
            sums: &self.sums,
            histories: &self.histories,
        }
    }

    pub(crate) fn view_mut(&mut self) -> StateMut<'_> {
        StateMut {
            cells: &mut self.cells,
            sums: &mut self.sums,
            histories: &mut self.histories,
        }
    }

    /// Starts loading the state's cells (their first cache line) into the cache.
    pub(crate) fn prefetch(&self) {
        crate::prefetch::prefetch_first(&self.cells);
    }
}

/// One lead's state, borrowed from a [`LeadState`] or a row of a [`StateTable`].
#[derive(Clone, Copy)]
pub(crate) struct StateRef<'a> {
    cells: &'a [i64],
    sums: &'a [ExactSum],
    /// The side store the row's history cell points into.
    histories: &'a [History],
}

pub(crate) struct StateMut<'a> {
    cells: &'a mut [i64],
    sums: &'a mut [ExactSum],
    histories: &'a mut Vec<History>,
}

impl StateMut<'_> {
    pub fn reborrow(&mut self) -> StateMut<'_> {
        StateMut {
            cells: self.cells,
            sums: self.sums,
            histories: self.histories,
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
    /// The side store of the rows' histories (see the module's documentation).
    histories: Vec<History>,
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
            histories: Vec::new(),
        };
        table.grow_to(rows);
        table
    }

    /// Adds fresh rows until there are `rows`.
    pub fn grow_to(&mut self, rows: usize) {
        let more = rows.saturating_sub(self.rows);
        self.cells.reserve(more * self.init.len());
        self.sums.reserve(more * self.fresh_sums.len());
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
                histories: &[],
            };
        }
        let (w, s) = (self.init.len(), self.fresh_sums.len());
        StateRef {
            cells: &self.cells[row * w..(row + 1) * w],
            sums: &self.sums[row * s..(row + 1) * s],
            histories: &self.histories,
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
            histories: &mut self.histories,
        }
    }
}

/// The widest row a [`SharedTable`] takes (it copies a row onto the stack to update it).
const MAX_SHARED_WIDTH: usize = 32;

/// The states of many leads in one table that several threads update at once, for
/// layouts whose states are cells alone (no sums, no kept events): so that reading
/// events on every core needs one table, not one per thread.
///
/// Each row starts with its own lock cell, so the lock is in the cache line the row's
/// update loads anyway (a separate array of locks made the two cores fight over its
/// cache lines, and cost more than the table saved), and rows are only locked for the
/// time of one event. The cells are atomics only so that the table can be shared
/// without `unsafe`: under the lock, relaxed loads and stores are plain moves. An
/// update copies the row out, applies the event and copies it back.
#[derive(Debug)]
pub(crate) struct SharedTable {
    init: Vec<i64>,
    rows: usize,
    /// Row after row: the lock (0 free, 1 held), then the row's cells.
    cells: Vec<AtomicI64>,
}

impl SharedTable {
    /// Whether the states of `layout` can be shared: cells alone, not too many.
    pub fn takes(layout: &Layout) -> bool {
        layout.sums == 0 && layout.history.is_none() && layout.init.len() <= MAX_SHARED_WIDTH
    }

    /// `table` shared, with fresh states up to `rows` rows; its layout must be one the
    /// table [`takes`](SharedTable::takes). Built in one pass (a table grown to `rows`
    /// first would write every fresh row twice, and hold two copies at once).
    pub fn new(table: StateTable, rows: usize) -> SharedTable {
        let w = table.init.len();
        assert!(
            w <= MAX_SHARED_WIDTH && table.fresh_sums.is_empty(),
            "a layout a shared table takes"
        );
        let rows = rows.max(table.rows);
        let mut cells = Vec::with_capacity(rows * (w + 1));
        for row in 0..rows {
            let state = match row < table.rows {
                true => &table.cells[row * w..(row + 1) * w],
                false => &table.init[..],
            };
            cells.push(AtomicI64::new(0));
            cells.extend(state.iter().map(|&cell| AtomicI64::new(cell)));
        }
        SharedTable {
            rows,
            cells,
            init: table.init,
        }
    }

    /// The table, no longer shared: the lock cells dropped in place, so that it takes
    /// no second allocation.
    pub fn into_table(self) -> StateTable {
        let w = self.init.len();
        // In place: an `AtomicI64` is laid out as an `i64`.
        let mut cells: Vec<i64> = self.cells.into_iter().map(AtomicI64::into_inner).collect();
        for row in 0..self.rows {
            let from = row * (w + 1) + 1;
            cells.copy_within(from..from + w, row * w);
        }
        // Not shrunk: that could copy it into a second allocation (the peak of a run).
        cells.truncate(self.rows * w);
        StateTable {
            fresh_sums: Vec::new(),
            rows: self.rows,
            cells,
            sums: Vec::new(),
            histories: Vec::new(),
            init: self.init,
        }
    }

    /// Runs `update` on the state in `row` (which must exist), holding its lock.
    /// `update` must not update this table itself: it would wait for its own lock.
    pub fn update<R>(&self, row: usize, update: impl FnOnce(StateMut<'_>) -> R) -> R {
        let w = self.init.len();
        let (lock, cells) = self.cells[row * (w + 1)..(row + 1) * (w + 1)]
            .split_first()
            .expect("a row has its lock");
        let mut copy = [0i64; MAX_SHARED_WIDTH];
        let copy = &mut copy[..w];
        let mut spins = 0u32;
        while lock
            .compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Held for the time of one event by another thread, which may have been
            // descheduled meanwhile. Waiting with reads (not more tries, which each
            // claim the cache line) leaves the line to the holder.
            while lock.load(Ordering::Relaxed) != 0 {
                spins += 1;
                if spins.is_multiple_of(64) {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
        let _held = Held(lock);
        for (mine, cell) in copy.iter_mut().zip(cells) {
            *mine = cell.load(Ordering::Relaxed);
        }
        let done = update(StateMut {
            cells: copy,
            sums: &mut [],
            histories: &mut Vec::new(),
        });
        for (&mine, cell) in copy.iter().zip(cells) {
            cell.store(mine, Ordering::Relaxed);
        }
        done
    }

    /// Starts loading a row that will be updated soon.
    pub fn prefetch(&self, row: usize) {
        let stride = self.init.len() + 1;
        if row < self.rows {
            // A row may straddle cache lines: ask for its lock and its last cell.
            crate::prefetch::prefetch(&self.cells[row * stride]);
            crate::prefetch::prefetch(&self.cells[row * stride + stride - 1]);
        }
    }
}

/// A row's lock while it is held: released when dropped, even by a panic, so that no
/// other thread waits for it forever.
struct Held<'a>(&'a AtomicI64);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::Release);
    }
}
