//! One lead's live state: what its events did for good, the events whose effects still
//! depend on the time, and what its flags and bands were when last looked at.

use crate::eval::{
    Attrs, Intake, Known, KnownValues, LeadState, Packed, Passing, Probe, Results, Scorer, Select,
    Trace,
};
use crate::record::Event;
use serde::{Deserialize, Serialize};

/// The live state of one lead: serializable, so an embedding can store it and
/// [`Engine::restore_lead`](super::Engine::restore_lead) it (with the same plan and
/// leadscore version).
///
/// It holds the lead's record (its id and attributes, packed as batch scoring packs
/// them, with the results of its conditions on attributes alone); one fixed-size state of what its events did that no
/// later time changes (counts and sums of rules without `within`, the newest event
/// times); the events whose effects still can change (inside a window, ahead of the
/// clock, or read by a `where` on `now()` or the lead); and the flags and bands last
/// reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveLead {
    /// Made by the engine's packer (`eval/attrs.rs`).
    record: Box<[u8]>,
    /// The effects that last, of every event the clock has reached.
    settled: LeadState,
    live: Vec<LiveEvent>,
    /// The flags (0 or 1) and then the bands last reported (inline for a few: a look
    /// compares them without following a pointer).
    pub(super) shown: Shown,
    /// When the lead's results can next change with no new event.
    pub(super) next: Option<i64>,
    /// The earliest time the engine's queue holds for this lead (at most `next`): when
    /// `next` moves later, the queue is told only once that time comes.
    #[serde(skip)]
    pub(super) queued: Option<i64>,
    /// The whole state at some time, valid until a window ends or an early event
    /// arrives: so an event that changes nothing else costs one observation.
    #[serde(skip)]
    cache: Option<Cache>,
    /// Its results that read only its attributes, once computed (a plain list, lent to
    /// the scorer as a [`Known`] while it evaluates: so a lead, and an engine of them,
    /// can be read from several threads at once).
    #[serde(skip)]
    known: KnownValues,
}

/// A lead's flags and bands as shown (stored as a list).
pub(super) type Shown = smallvec::SmallVec<[u32; 4]>;

#[derive(Debug, Clone)]
struct Cache {
    state: LeadState,
    /// Valid from this time …
    from: i64,
    /// … to just before this one.
    until: i64,
}

/// An event whose effects can still change.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LiveEvent {
    ts: i64,
    event_type: u32,
    /// Whether its lasting effects are in the settled state (once the clock reaches it).
    settled: bool,
    passing: Passing,
    kept: Kept,
}

/// What re-reading an event needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Kept {
    /// For a settled event, the slots it entered, when they are all a re-reading needs
    /// (see [`Intake::matched`]): its properties are dropped.
    Matched(u32),
    /// The event itself, without its lead id (the lead has it).
    Whole(Box<Event>),
}

impl LiveEvent {
    /// A settled event as taken in.
    fn taken_in(event: Event, intake: Intake) -> LiveEvent {
        LiveEvent::new(event, true, intake.passing, intake.matched)
    }

    /// An event kept with its `passing`, whole unless `matched` is known.
    fn new(mut event: Event, settled: bool, passing: Passing, matched: Option<u32>) -> LiveEvent {
        let (ts, event_type) = (event.ts, event.event_type);
        let kept = match matched {
            Some(mask) => Kept::Matched(mask),
            None => {
                event.lead = String::new();
                Kept::Whole(Box::new(event))
            }
        };
        LiveEvent {
            ts,
            event_type,
            settled,
            passing,
            kept,
        }
    }

    /// Adds to `state` what the event does as of `at` beside its lasting effects (all of
    /// them while it is not settled).
    fn observe(
        &self,
        scorer: &Scorer,
        state: &mut LeadState,
        lead: Attrs<'_>,
        at: i64,
        trace: Option<&Trace>,
    ) {
        let state = state.view_mut();
        match &self.kept {
            Kept::Matched(mask) => {
                scorer.observe_matched(state, self.event_type, self.ts, *mask, at);
            }
            Kept::Whole(event) => {
                let select = if self.settled {
                    Select::Passing
                } else {
                    Select::All
                };
                scorer.observe_selected(state, lead, event, at, select, trace);
            }
        }
    }

    /// Takes out of `state` what the event did to the slots whose window it leaves at
    /// `at`; `false` when that cannot be done (see [`Scorer::unobserve_leaving`]).
    fn unobserve_leaving(
        &self,
        scorer: &Scorer,
        state: &mut LeadState,
        lead: Attrs<'_>,
        at: i64,
    ) -> bool {
        let state = state.view_mut();
        match &self.kept {
            Kept::Matched(mask) => {
                scorer.unobserve_matched(state, self.event_type, self.ts, *mask, at)
            }
            Kept::Whole(event) => scorer.unobserve_leaving(state, lead, event, at),
        }
    }

    /// The first time after `from` at which the state this event is part of changes.
    fn edge_after(&self, from: i64) -> Option<i64> {
        edge_after(self.ts, &self.passing, from)
    }
}

/// The first time after `from` at which the state an event at `ts` with `passing` is
/// part of changes: its time, or the end of a window it is in.
fn edge_after(ts: i64, passing: &Passing, from: i64) -> Option<i64> {
    if ts > from {
        return Some(ts);
    }
    let end = passing.window_ends.iter().find(|&&end| end >= from)?;
    end.checked_add(1)
}

impl LiveLead {
    /// A lead with no events yet, from its record.
    pub(super) fn new(scorer: &Scorer, record: Box<[u8]>) -> LiveLead {
        LiveLead {
            record,
            settled: scorer.new_state(),
            live: Vec::new(),
            shown: Shown::new(),
            next: None,
            queued: None,
            cache: None,
            known: KnownValues::new(),
        }
    }

    /// Starts loading what a look at the lead reads first, behind its pointers: the
    /// settled and cached states, the events it keeps and its record.
    pub(super) fn prefetch(&self) {
        self.settled.prefetch();
        if let Some(cache) = &self.cache {
            cache.state.prefetch();
        }
        crate::prefetch::prefetch_first(&self.live);
        crate::prefetch::prefetch_first(&self.record);
    }

    /// Whether this state, from outside (stored, then deserialized), has the shape an
    /// engine of `scorer` makes: a whole record, states of its layout (which depends on
    /// the plan and on [`Settings::event_times`](super::Settings::event_times)), events
    /// of its types, and flags and bands it has: what the engine indexes by without
    /// checking again.
    pub(super) fn fits(&self, scorer: &Scorer, shown_bands: &[Vec<u32>]) -> bool {
        let plan = scorer.plan();
        let event_fits = |live: &LiveEvent| match (&live.kept, scorer.feeds_of(live.event_type)) {
            (_, None) => false,
            (Kept::Matched(mask), Some(feeds)) => {
                live.settled && u64::from(*mask) >> feeds.min(32) == 0
            }
            (Kept::Whole(event), Some(_)) => {
                event.event_type == live.event_type && event.ts == live.ts
            }
        };
        let flags = plan.flags.len();
        let shown_fits = self.shown.len() == flags + shown_bands.len()
            && self
                .shown
                .iter()
                .enumerate()
                .all(|(k, &v)| match k.checked_sub(flags) {
                    None => v <= 1,
                    Some(g) => (v as usize) < shown_bands[g].len(),
                });
        scorer.fits_record(&self.record)
            && scorer.fits_state(&self.settled)
            && self.live.iter().all(event_fits)
            && shown_fits
    }

    /// The lead's id.
    pub fn id(&self) -> &str {
        Packed::read(&self.record).id
    }

    /// The lead's attributes.
    pub(super) fn attrs(&self) -> Attrs<'_> {
        Attrs::Packed(&self.record)
    }

    /// How many events the lead keeps because their effects can still change.
    pub fn live_events(&self) -> usize {
        self.live.len()
    }

    /// How many events the lead has room for (for the crate's tests of that room).
    #[cfg(feature = "internals")]
    pub fn live_room(&self) -> usize {
        self.live.capacity()
    }

    /// Whether the lead holds its remembered results, and its states' cells, in itself
    /// with no allocation of their own (for the crate's tests: what a look reads first
    /// then comes with the lead).
    #[cfg(feature = "internals")]
    pub fn holds_inline(&self) -> (bool, bool) {
        let known = !self.known.is_empty() && !self.known.spilled();
        let cells = self.settled.cells_inline()
            && (self.cache.as_ref()).is_none_or(|c| c.state.cells_inline());
        (known, cells)
    }

    /// Replaces the lead's record (the same id, new attributes).
    pub(super) fn set_record(&mut self, record: Box<[u8]>) {
        debug_assert_eq!(Packed::read(&record).id, self.id(), "the same lead");
        self.record = record;
        self.invalidate();
        self.known.clear();
    }

    /// Takes in an event at or before the clock `now`.
    pub(super) fn observe(&mut self, scorer: &Scorer, event: Event, now: i64, cacheable: bool) {
        let lead = Attrs::Packed(&self.record);
        let mut cache = self
            .cache
            .as_mut()
            .filter(|c| cacheable && c.from <= now && now < c.until);
        let current = cache.as_mut().map(|c| c.state.view_mut());
        let intake = scorer.intake(self.settled.view_mut(), current, lead, &event, now);
        match cache {
            Some(cache) => {
                cache.from = now;
                if let Some(edge) = edge_after(event.ts, &intake.passing, now) {
                    cache.until = cache.until.min(edge);
                }
            }
            None => self.invalidate(),
        }
        if !intake.passing.is_over(now) {
            self.keep(LiveEvent::taken_in(event, intake));
        }
    }

    /// Adds an event to those kept live. Most leads keep one or two at a time, a million
    /// leads at once: the list grows one by one up to four (a vector's first growth
    /// would make room for four), then doubles.
    fn keep(&mut self, live: LiveEvent) {
        let len = self.live.len();
        if len == self.live.capacity() {
            let more = if len < 4 { 1 } else { len };
            self.live.reserve_exact(more);
        }
        self.live.push(live);
    }

    /// Gives back the room of events no longer kept: all of it when none is left, the
    /// half of it that is empty when more than half is.
    fn fit_live(&mut self) {
        let (len, capacity) = (self.live.len(), self.live.capacity());
        if len == 0 && capacity > 0 {
            self.live = Vec::new();
        } else if capacity > 4 && 2 * len < capacity {
            self.live.shrink_to(capacity / 2);
        }
    }

    /// Marks the cached state out of date (keeping its buffers for the next one).
    fn invalidate(&mut self) {
        if let Some(cache) = &mut self.cache {
            cache.until = i64::MIN;
        }
    }

    /// Takes in an event after the clock: it counts from its time on.
    pub(super) fn add_ahead(&mut self, scorer: &Scorer, event: Event) {
        let passing = scorer.passing(Attrs::Packed(&self.record), &event);
        if let Some(cache) = &mut self.cache {
            cache.until = cache.until.min(event.ts);
        }
        self.keep(LiveEvent::new(event, false, passing, None));
    }

    /// Settles the events the clock has reached by `at` and forgets those whose effects
    /// can no longer change; says whether an event came into existence.
    ///
    /// When `cacheable` and the cached state was valid until just before `at`, it is
    /// carried on to `at` by taking out the effects of the events leaving a window
    /// then, rather than rebuilt from the settled state and every live event; it is
    /// rebuilt when an event comes into existence at `at` or an effect cannot be taken
    /// out (a slot that is not a count). One pass over the live events does it all.
    pub(super) fn settle(&mut self, scorer: &Scorer, at: i64, cacheable: bool) -> bool {
        if self
            .cache
            .as_ref()
            .is_some_and(|c| c.from <= at && at < c.until)
        {
            return false; // nothing comes into existence or ends before the cache does
        }
        let mut carry = cacheable
            && self
                .cache
                .as_ref()
                .is_some_and(|c| c.until == at && c.from < at);
        let ending = at.checked_sub(1);
        let mut until = i64::MAX;
        let mut arrived = false;
        let lead = Attrs::Packed(&self.record);
        let (settled, cache) = (&mut self.settled, &mut self.cache);
        self.live.retain_mut(|live| {
            if !live.settled && live.ts <= at {
                let Kept::Whole(event) = &live.kept else {
                    unreachable!("an event ahead of the clock is kept whole")
                };
                let state = settled.view_mut();
                scorer.observe_selected(state, lead, event, at, Select::Lasting, None);
                live.settled = true;
                arrived = true;
                carry = false;
            } else if carry && ending.is_some_and(|end| live.passing.window_ends.contains(&end)) {
                let state = &mut cache.as_mut().expect("carried").state;
                carry = live.unobserve_leaving(scorer, state, lead, at);
            }
            if let Some(edge) = live.edge_after(at).filter(|_| carry) {
                until = until.min(edge);
            }
            !(live.settled && live.passing.is_over(at))
        });
        self.fit_live();
        match &mut self.cache {
            Some(cache) if carry => (cache.from, cache.until) = (at, until),
            Some(cache) => cache.until = i64::MIN,
            None => {}
        }
        arrived
    }

    /// The lead's whole state as of `at` (not before the clock), recording comparisons
    /// in `trace`: the settled state with every live event's other effects.
    pub(super) fn state_at(&self, scorer: &Scorer, at: i64, trace: Option<&Trace>) -> LeadState {
        let mut state = self.settled.clone();
        self.observe_live(scorer, &mut state, at, trace);
        state
    }

    /// Adds to `state` what the live events do as of `at`.
    fn observe_live(&self, scorer: &Scorer, state: &mut LeadState, at: i64, trace: Option<&Trace>) {
        for live in &self.live {
            live.observe(scorer, state, Attrs::Packed(&self.record), at, trace);
        }
    }

    /// The first time after `from` at which the state changes with no new event: a
    /// window ends or an early event comes into existence.
    fn state_edge(&self, from: i64) -> Option<i64> {
        self.live.iter().filter_map(|l| l.edge_after(from)).min()
    }

    /// The state as of `at`, kept for later times while it stays valid (when
    /// `cacheable`: no `where` reads `now()`).
    pub(super) fn cached_state(&mut self, scorer: &Scorer, at: i64, cacheable: bool) -> &LeadState {
        let valid = self
            .cache
            .as_ref()
            .is_some_and(|c| c.from <= at && at < c.until);
        if !valid {
            let until = if cacheable {
                self.state_edge(at).unwrap_or(i64::MAX)
            } else {
                at.saturating_add(1)
            };
            // The old cache's buffers are reused: this runs at every change time.
            let mut state = match self.cache.take() {
                Some(cache) => cache.state,
                None => scorer.new_state(),
            };
            state.copy_from(&self.settled);
            self.observe_live(scorer, &mut state, at, None);
            self.cache = Some(Cache {
                state,
                from: at,
                until,
            });
        }
        &self.cache.as_ref().expect("made above").state
    }

    /// The state as of `as_of` without keeping it (for outcomes asked of a shared engine).
    pub(super) fn state_for(&self, scorer: &Scorer, as_of: i64) -> std::borrow::Cow<'_, LeadState> {
        match &self.cache {
            Some(c) if c.from <= as_of && as_of < c.until => std::borrow::Cow::Borrowed(&c.state),
            _ => std::borrow::Cow::Owned(self.state_at(scorer, as_of, None)),
        }
    }

    /// Computes the lead's results as of `at` into `out`.
    pub(super) fn results(&mut self, scorer: &Scorer, at: i64, cacheable: bool, out: &mut Results) {
        self.cached_state(scorer, at, cacheable);
        let state = &self.cache.as_ref().expect("made by cached_state").state;
        let known = Known::new(std::mem::take(&mut self.known));
        let probe = Probe {
            trace: None,
            known: Some(&known),
        };
        scorer.results_probed(
            Attrs::Packed(&self.record),
            state.view(),
            at,
            out,
            None,
            probe,
        );
        self.known = known.into_inner();
    }

    /// The earliest time after `at` at which the results can change with no new event
    /// (the state must be cached as of `at`, and `scores` be its scores then). With
    /// `reads_now`, conditions on `now()`
    /// are followed by comparing traces: between two such times every comparison a run
    /// makes keeps its outcome, and each comparison of a time with `now()` turns at most
    /// once, so the first turn is found by halving the interval.
    pub(super) fn next_change(
        &self,
        scorer: &Scorer,
        at: i64,
        reads_now: bool,
        cacheable: bool,
        scores: &[f64],
    ) -> Option<i64> {
        let cache = self.cache.as_ref().expect("the state is cached as of `at`");
        let state_edge = if cacheable {
            Some(cache.until).filter(|&u| u != i64::MAX)
        } else {
            self.state_edge(at)
        };
        let edge = [
            state_edge,
            scorer.period_edge(Attrs::Packed(&self.record), cache.state.view(), at, scores),
        ]
        .into_iter()
        .flatten()
        .min();
        if !reads_now {
            return edge;
        }
        let horizon = edge.unwrap_or(crate::time::YEAR_10000);
        self.now_edge(scorer, at, horizon, cacheable).or(edge)
    }

    /// The first time in `at + 1 .. horizon` at which a comparison turns.
    fn now_edge(&self, scorer: &Scorer, at: i64, horizon: i64, cacheable: bool) -> Option<i64> {
        let trace = |x: i64| -> Vec<bool> {
            let trace = Trace::default();
            let owned;
            let state = match &self.cache {
                Some(c) if cacheable && c.from <= x && x < c.until => &c.state,
                _ => {
                    owned = self.state_at(scorer, x, Some(&trace));
                    &owned
                }
            };
            let mut results = Results::default();
            let probe = Probe {
                trace: Some(&trace),
                ..Probe::default()
            };
            scorer.results_probed(
                Attrs::Packed(&self.record),
                state.view(),
                x,
                &mut results,
                None,
                probe,
            );
            trace.into_inner()
        };
        let (mut same, mut turned) = (at, horizon.checked_sub(1)?);
        if turned <= same {
            return None;
        }
        let start = trace(at);
        if trace(turned) == start {
            return None;
        }
        // In i128: the interval can span more than an i64 (from the earliest time).
        while i128::from(turned) - i128::from(same) > 1 {
            let mid = (i128::from(same) + (i128::from(turned) - i128::from(same)) / 2) as i64;
            if trace(mid) == start {
                same = mid;
            } else {
                turned = mid;
            }
        }
        Some(turned)
    }
}
