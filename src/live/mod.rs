//! Live scoring: leads whose scores follow events as they arrive and time as it passes,
//! and the moments their flags and grades change.
//!
//! An [`Engine`] runs one plan over many leads. Its clock ([`Engine::now`]) only moves
//! forward ([`Engine::advance`]); events arrive in any order ([`Engine::apply`]), as long
//! as none is older than the clock by more than the lateness ([`Settings::lateness`]);
//! lead attributes may change at any time ([`Engine::upsert_lead`]). For any time
//! not before the clock, [`Engine::outcome`] is exactly what batch scoring gives as of
//! that time for the same lead and events, explanation included.
//!
//! Each change of a flag or a grade band is a [`Transition`], with the microsecond it
//! happened and its [`Cause`]: an event, the lead's attributes, or time alone (a window,
//! decay or waiting period ending, a condition on `now()` turning). Those caused by time
//! happen at exactly the time they happen, as the clock passes it;
//! [`Engine::take_transitions`] delivers them in time order, then by lead id, kind and
//! name. An event that arrives late is taken as known from the clock's time on: its
//! transitions happen at the clock's time.
//!
//! Per lead the engine keeps a [`LiveLead`]: a fixed-size state of what no later time
//! changes, plus the events whose effects still can (`docs/live.md` says which, rule form
//! by rule form).
//!
//! ```
//! use leadscore::live::{Cause, Engine, Level, Settings};
//! use leadscore::{compile_source, time, MemoryLoader};
//!
//! let source = "event email.click {}\n\
//!               score engagement { on email.click +40 within 30d }\n\
//!               flag mql when engagement >= 80";
//! let plan = compile_source("m.score", source, &MemoryLoader::new()).plan.unwrap();
//! let mut engine = Engine::new(plan, Settings::default()).unwrap();
//!
//! let day = |d: i64| time::parse_timestamp("2026-10-01").unwrap() + d * time::DAY;
//! for d in [0, 2] {
//!     engine.advance(day(d)).unwrap();
//!     let click = engine.scorer().event("L1", "email.click", day(d), []).unwrap().unwrap();
//!     engine.apply(click).unwrap();
//! }
//! engine.advance(day(60)).unwrap();
//!
//! let changes = engine.take_transitions();
//! assert_eq!(changes.len(), 2);
//! assert_eq!((changes[0].at, changes[0].cause), (day(2), Cause::Event));
//! // The first click leaves the 30-day window one microsecond after 30 days.
//! assert_eq!((changes[1].at, changes[1].cause), (day(30) + 1, Cause::Time));
//! assert_eq!(changes[1].to, Level::Flag(false));
//! ```

mod lead;
mod queue;
mod transition;

pub use lead::LiveLead;
pub use transition::{Cause, Kind, Level, Transition};

use crate::diagnostics::Code;
use crate::eval::{ByValue, Outcome, Packed, Packer, Results, Scorer};
use crate::ids::IdIndex;
use crate::plan::{Plan, PlanError};
use crate::record::{Event, Lead};
use crate::time::{format_duration, format_timestamp, DAY};
use crate::vocab::{FieldError, Value};

use lead::Shown;
use queue::TimeQueue;
use std::collections::VecDeque;
pub(crate) use transition::Change;
use transition::Pending;

/// How an engine takes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// How far (microseconds) an event may be older than the clock and still be applied
    /// exactly; an older one is refused ([`LiveError::TooLate`]). Default 7 days.
    pub lateness: i64,
    /// Whether explanations list the times of the events each rule counted, as batch
    /// scoring's do (default). Without them every lead's state is a few cells per `on`
    /// rule smaller and each event costs a little less, and an explanation's reasons
    /// list no events: for an embedding that never explains (`replay` without
    /// `--explain`).
    pub event_times: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lateness: 7 * DAY,
            event_times: true,
        }
    }
}

impl Settings {
    /// These settings with another lateness (microseconds, at least 0).
    pub fn with_lateness(self, lateness: i64) -> Settings {
        Settings {
            lateness: lateness.max(0),
            ..self
        }
    }

    /// These settings without event times in explanations (see
    /// [`Settings::event_times`]).
    pub fn without_event_times(self) -> Settings {
        Settings {
            event_times: false,
            ..self
        }
    }
}

/// What an engine was asked to do and could not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    /// An event older than the clock by more than the lateness: applying it would change
    /// results already past. It is refused whole (and counted).
    #[error("event at {} is too late: the clock is at {} and events may be at most {} older (the lateness)", format_timestamp(*ts), format_timestamp(*now), format_duration(*lateness))]
    TooLate {
        /// The event's time.
        ts: i64,
        /// The clock.
        now: i64,
        /// The engine's lateness.
        lateness: i64,
    },
    /// The clock only moves forward.
    #[error("the clock cannot move back from {} to {}", format_timestamp(*now), format_timestamp(*to))]
    ClockBackwards {
        /// The clock.
        now: i64,
        /// The time asked for.
        to: i64,
    },
    /// A stored lead state that does not have the shape this engine's states have: made
    /// by an engine of another plan or with other [`Settings::event_times`], or damaged.
    #[error("the stored lead state was not made by an engine of this model and settings")]
    ForeignState,
    /// Outcomes are known only from the clock on.
    #[error("results as of {} are not kept: the clock is already at {}", format_timestamp(*as_of), format_timestamp(*now))]
    AsOfBeforeClock {
        /// The time asked for.
        as_of: i64,
        /// The clock.
        now: i64,
    },
}

impl LiveError {
    /// The error's stable code (E084x, documented in `docs/diagnostics.md`).
    pub fn code(&self) -> Code {
        match self {
            LiveError::TooLate { .. } => Code::LateEvent,
            LiveError::ClockBackwards { .. } => Code::ClockBackwards,
            LiveError::AsOfBeforeClock { .. } => Code::AsOfBeforeClock,
            LiveError::ForeignState => Code::ForeignLiveState,
        }
    }
}

/// What an engine has taken in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Events applied (including those ahead of the clock).
    pub applied: u64,
    /// Events applied while ahead of the clock: they count from their time on.
    pub ahead: u64,
    /// Events refused as too late.
    pub refused: u64,
    /// How many times a lead's results were computed to find its changes: once per event
    /// and lead change, once per time a result could change by itself.
    pub looks: u64,
}

/// Scores leads as events arrive and time passes (see the [module](self)).
#[derive(Debug, Clone)]
pub struct Engine {
    scorer: Scorer,
    settings: Settings,
    now: i64,
    /// Lead ids to their index in `leads` (ids stored in the index's entries).
    index: IdIndex,
    leads: Vec<LiveLead>,
    /// When each lead is next to be looked at, earliest first (entries whose time is no
    /// longer the lead's `queued` are stale and skipped).
    queue: TimeQueue,
    pending: Pending,
    counts: Counts,
    /// Whether some expression reads `now()` (then changes are found by tracing).
    reads_now: bool,
    /// Whether a lead's state stays valid between its window ends (see
    /// `Scorer::states_hold_over_time`).
    cacheable: bool,
    results: Results,
    /// For each grade, each band's index shown: the first band of its name (see
    /// [`Engine::shown_at`]). Found once, so a look compares no names.
    shown_bands: Vec<Vec<u32>>,
    /// For each flag and then each grade, its place in the order of (kind, name) that
    /// transitions at one time are delivered in.
    output_ranks: Vec<u32>,
    /// The flags and bands a look finds, before they replace the lead's (its buffer is
    /// reused: a look allocates nothing).
    shown: Shown,
    records: RecordPacker,
    /// The leads the queue named as next out, whose memory `advance` asks for (kept to
    /// reuse its buffer).
    ahead: VecDeque<u32>,
}

/// Packs leads into the records an engine keeps (as batch scoring does, `eval/attrs.rs`):
/// every field the plan reads, since any lead may be explained, and the results of its
/// conditions on attributes alone.
#[derive(Debug, Clone)]
pub(crate) struct RecordPacker {
    packer: Packer,
    /// The results of conditions on one text field, by its value.
    by_value: ByValue,
}

impl RecordPacker {
    /// A packer for `scorer`'s plan (records of one plan's packers are the same).
    pub(crate) fn new(scorer: &Scorer) -> RecordPacker {
        RecordPacker {
            packer: scorer.packer(true),
            by_value: ByValue::default(),
        }
    }

    /// The record of `lead`, for an engine of `scorer`'s plan.
    pub(crate) fn pack(&mut self, scorer: &Scorer, lead: &Lead) -> Box<[u8]> {
        let mut record = Vec::new();
        scorer.pack(&self.packer, lead, 0, &mut self.by_value, &mut record);
        record.into_boxed_slice()
    }
}

impl Engine {
    /// An engine for `plan` (verified first), its clock at the earliest time.
    pub fn new(plan: Plan, settings: Settings) -> Result<Engine, PlanError> {
        let scorer = Scorer::new(plan)?;
        let scorer = if settings.event_times {
            scorer.with_event_times()
        } else {
            scorer
        };
        Ok(Engine {
            shown_bands: shown_bands(scorer.plan()),
            output_ranks: output_ranks(scorer.plan()),
            shown: Shown::new(),
            records: RecordPacker::new(&scorer),
            ahead: VecDeque::new(),
            reads_now: scorer.reads_now(),
            cacheable: scorer.states_hold_over_time(),
            scorer,
            settings,
            now: i64::MIN,
            index: IdIndex::default(),
            leads: Vec::new(),
            queue: TimeQueue::new(i64::MIN),
            pending: Pending::default(),
            counts: Counts::default(),
            results: Results::default(),
        })
    }

    /// The scorer the engine runs (to build leads and events with [`Scorer::lead`] and
    /// [`Scorer::event`]).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The engine's settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The clock (microseconds since the epoch; `i64::MIN` before the first
    /// [`Engine::advance`]).
    pub fn now(&self) -> i64 {
        self.now
    }

    /// What the engine has taken in so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Every lead's id, in byte-wise ascending order (the order of batch output).
    pub fn lead_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.leads.iter().map(LiveLead::id).collect();
        ids.sort_unstable();
        ids
    }

    /// Sets a lead's attributes (named as the model declares them; other names are
    /// ignored), adding the lead if it is new. Changes it causes happen now, with cause
    /// [`Cause::Lead`].
    pub fn upsert_lead<'a>(
        &mut self,
        id: &str,
        attributes: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<(), FieldError> {
        let lead = self.scorer.lead(id, attributes)?;
        self.upsert(lead);
        Ok(())
    }

    /// [`Engine::upsert_lead`] for a lead already built (by [`Scorer::lead`] or read from
    /// a file).
    pub fn upsert(&mut self, lead: Lead) {
        let record = self.records.pack(&self.scorer, &lead);
        self.upsert_record(record);
    }

    /// [`Engine::upsert`] for a lead packed already (by a [`RecordPacker`]).
    pub(crate) fn upsert_record(&mut self, record: Box<[u8]>) {
        match self.index.get(Packed::read(&record).id) {
            Some(i) => {
                self.leads[i as usize].set_record(record);
                self.look(i, self.now, Cause::Lead);
            }
            None => {
                self.add(record);
            }
        }
    }

    /// Makes sure the lead `id` exists (with no attributes if it is new): a lead seen
    /// only in events of undeclared types is scored too.
    pub fn see_lead(&mut self, id: &str) {
        self.lead_index(id);
    }

    /// Applies an event of a declared type. An event ahead of the clock counts from its
    /// time on; one older than the clock by more than the lateness is refused whole.
    pub fn apply(&mut self, event: Event) -> Result<(), LiveError> {
        let now = self.now;
        if event.ts < now.saturating_sub(self.settings.lateness) {
            self.counts.refused += 1;
            return Err(LiveError::TooLate {
                ts: event.ts,
                now,
                lateness: self.settings.lateness,
            });
        }
        let i = self.lead_index(&event.lead);
        let lead = &mut self.leads[i as usize];
        self.counts.applied += 1;
        if event.ts <= now {
            lead.observe(&self.scorer, event, now, self.cacheable);
        } else {
            self.counts.ahead += 1;
            lead.add_ahead(&self.scorer, event);
        }
        self.look(i, now, Cause::Event);
        Ok(())
    }

    /// Moves the clock to `to`, finding every change time alone makes until then, each at
    /// the time it happens.
    pub fn advance(&mut self, to: i64) -> Result<(), LiveError> {
        if to < self.now {
            return Err(LiveError::ClockBackwards { now: self.now, to });
        }
        // The leads next out of the queue are asked for from memory a few looks early:
        // their records when the queue names them, then at each later look what one of
        // them points to (by then its record has arrived).
        let mut ahead = std::mem::take(&mut self.ahead);
        loop {
            let mut named = false;
            let name = |spread: &[(i64, u32)]| {
                named = true;
                ahead.clear();
                for &(_, i) in spread {
                    crate::prefetch::prefetch_all(&self.leads[i as usize]);
                    ahead.push_back(i);
                }
            };
            let Some((at, i)) = self.queue.pop_until(to, name) else {
                break;
            };
            if !named {
                if let Some(next) = ahead.pop_front() {
                    self.leads[next as usize].prefetch();
                }
            }
            let lead = &mut self.leads[i as usize];
            if lead.queued != Some(at) {
                continue; // an entry an earlier one replaced
            }
            lead.queued = None;
            match lead.next {
                // Before `at` only for a lead restored with a time already past.
                Some(next) if next <= at => self.look(i, at, Cause::Time),
                Some(later) => self.enqueue(i, later),
                None => {}
            }
        }
        ahead.clear();
        self.ahead = ahead;
        self.now = to;
        Ok(())
    }

    /// The lead's scores, grades and flags as of `as_of` (not before the clock), with
    /// the reasons when `explain`: what batch scoring gives. `None` for a lead never seen.
    pub fn outcome(
        &self,
        id: &str,
        as_of: i64,
        explain: bool,
    ) -> Result<Option<Outcome>, LiveError> {
        if as_of < self.now {
            return Err(LiveError::AsOfBeforeClock {
                as_of,
                now: self.now,
            });
        }
        let Some(i) = self.index.get(id) else {
            return Ok(None);
        };
        let lead = &self.leads[i as usize];
        let state = lead.state_for(&self.scorer, as_of);
        Ok(Some(self.scorer.outcome_of(
            id,
            lead.attrs(),
            state.view(),
            as_of,
            explain,
        )))
    }

    /// The lead's results as of `as_of` (not before the clock) into `out`, without
    /// names: what batch output writes. `false` for a lead never seen.
    pub(crate) fn results_of(&self, id: &str, as_of: i64, out: &mut Results) -> bool {
        let Some(i) = self.index.get(id) else {
            return false;
        };
        debug_assert!(as_of >= self.now, "results are known from the clock on");
        let lead = &self.leads[i as usize];
        let state = lead.state_for(&self.scorer, as_of);
        self.scorer
            .results_into(lead.attrs(), state.view(), as_of, out, None);
        true
    }

    /// The earliest time after the clock at which the lead's results can change with no
    /// new event (for a lead restored with one already past, that time until the lead
    /// is looked at); `None` if there is none (or the lead was never seen).
    pub fn next_change(&self, id: &str) -> Option<i64> {
        let i = self.index.get(id)?;
        self.leads[i as usize].next
    }

    /// The transitions since the last call, in time order, then by lead id, kind and
    /// name.
    pub fn take_transitions(&mut self) -> Vec<Transition> {
        let changes = self.take_changes();
        self.named(&changes)
    }

    /// The transitions before `time`, leaving the later ones (which an event at the
    /// same time may still undo).
    pub fn take_transitions_before(&mut self, time: i64) -> Vec<Transition> {
        let changes = self.pending.take_before(time);
        let changes = self.in_delivery_order(changes);
        self.named(&changes)
    }

    /// `changes`, named.
    fn named(&self, changes: &[Change]) -> Vec<Transition> {
        changes.iter().map(|c| self.transition(c)).collect()
    }

    /// The live state of a lead, to store.
    pub fn lead_state(&self, id: &str) -> Option<&LiveLead> {
        let i = self.index.get(id)?;
        Some(&self.leads[i as usize])
    }

    /// Puts back a lead's stored state (made by an engine of the same plan and
    /// [`Settings::event_times`]), replacing the lead's current one. If its next change
    /// time is before the clock, the lead is looked at by the next [`Engine::advance`]
    /// (or event or change of the lead), and what changed meanwhile is reported at the
    /// clock's time at the restore. A state of another shape (another plan or setting,
    /// or damaged in storage) is refused ([`LiveError::ForeignState`]), the engine left
    /// as it was.
    pub fn restore_lead(&mut self, mut lead: LiveLead) -> Result<(), LiveError> {
        if !lead.fits(&self.scorer, &self.shown_bands) {
            return Err(LiveError::ForeignState);
        }
        // What another engine's queue held for it (a clone's) means nothing here.
        lead.queued = None;
        let next = lead.next;
        let i = match self.index.get(lead.id()) {
            Some(i) => {
                self.leads[i as usize] = lead;
                i
            }
            None => {
                let i = self.leads.len() as u32;
                self.index.get_or_insert(lead.id(), i);
                self.leads.push(lead);
                i
            }
        };
        if let Some(at) = next {
            self.enqueue(i, at);
        }
        Ok(())
    }

    /// Makes room for `more` leads, so the engine's tables do not grow (and copy
    /// themselves) while they arrive.
    pub fn reserve(&mut self, more: usize) {
        self.leads.reserve(more);
        self.index.reserve(more);
    }

    /// The hash of a lead id, for the prefetch steps below.
    pub(crate) fn id_hash(&self, id: &str) -> u64 {
        self.index.hash(id)
    }

    /// Starts loading where the lead with id hash `hash` is found: the first of three
    /// steps, each a few events ahead of the next, so that the memory an event needs is
    /// in the cache when it is applied.
    pub(crate) fn prefetch_entry(&self, hash: u64) {
        self.index.prefetch(hash);
    }

    /// The second step: finds the lead (its entry loaded by the first) and starts
    /// loading its record. `None` for a lead not seen yet. A lead's index never
    /// changes, so it stays right for the third step.
    pub(crate) fn prefetch_lead(&self, id: &str, hash: u64) -> Option<u32> {
        let i = self.index.get_hashed(id, hash)?;
        // The record spans a few cache lines; a look reads most of them.
        crate::prefetch::prefetch_all(&self.leads[i as usize]);
        Some(i)
    }

    /// The third step: starts loading what lead `i`'s record points to.
    pub(crate) fn prefetch_state(&self, i: u32) {
        self.leads[i as usize].prefetch();
    }

    /// The index of the lead `id`, added with no attributes if it is new.
    fn lead_index(&mut self, id: &str) -> u32 {
        match self.index.get(id) {
            Some(i) => i,
            None => {
                let lead = Lead::unknown(id, self.scorer.plan());
                let record = self.records.pack(&self.scorer, &lead);
                self.add(record)
            }
        }
    }

    /// Adds a new lead from its record: what it shows now is where its transitions start
    /// from.
    fn add(&mut self, record: Box<[u8]>) -> u32 {
        let i = u32::try_from(self.leads.len()).expect("fewer than 4 billion leads");
        self.index.get_or_insert(Packed::read(&record).id, i);
        self.leads.push(LiveLead::new(&self.scorer, record));
        self.shown_at(i, self.now);
        self.leads[i as usize].shown = self.shown.clone();
        self.schedule(i, self.now);
        i
    }

    /// The lead's flags and bands as of `at` into `self.shown` (and its results into
    /// `self.results`).
    fn shown_at(&mut self, i: u32, at: i64) {
        let lead = &mut self.leads[i as usize];
        lead.results(&self.scorer, at, self.cacheable, &mut self.results);
        let flags = self.results.flags.iter().map(|&f| u32::from(f));
        let bands = (self.results.bands.iter().zip(&self.shown_bands)).map(|(&b, shown)| shown[b]);
        self.shown.clear();
        self.shown.extend(flags.chain(bands));
    }

    /// Looks at a lead as of `at`: reports what changed since it was last looked at, and
    /// when to look next.
    fn look(&mut self, i: u32, at: i64, cause: Cause) {
        self.counts.looks += 1;
        let arrived = self.leads[i as usize].settle(&self.scorer, at, self.cacheable);
        let cause = if arrived && cause == Cause::Time {
            Cause::Event
        } else {
            cause
        };
        self.shown_at(i, at);
        let lead = &mut self.leads[i as usize];
        if lead.shown != self.shown {
            std::mem::swap(&mut lead.shown, &mut self.shown);
            self.report(i, at, cause);
        }
        self.schedule(i, at);
    }

    /// Notes each flag and band of lead `i` that differs from what it showed before
    /// (in `self.shown`).
    fn report(&mut self, i: u32, at: i64, cause: Cause) {
        let lead = &self.leads[i as usize];
        for (k, (&from, &to)) in self.shown.iter().zip(&lead.shown).enumerate() {
            if from != to {
                let output = k as u32;
                let change = Change {
                    at,
                    lead: i,
                    output,
                    from,
                    to,
                    cause,
                };
                self.pending.push(change);
            }
        }
    }

    /// The transition `change` notes, named.
    pub(crate) fn transition(&self, change: &Change) -> Transition {
        let plan = self.scorer.plan();
        let k = change.output as usize;
        let (kind, name, from, to) = match k.checked_sub(plan.flags.len()) {
            None => {
                let name = plan.flags[k].name.clone();
                let level = |v: u32| Level::Flag(v == 1);
                (Kind::Flag, name, level(change.from), level(change.to))
            }
            Some(g) => {
                let grade = &plan.grades[g];
                let level = |b: u32| Level::Band(grade.bands[b as usize].name.clone());
                let name = plan.scores[grade.score as usize].name.clone();
                (Kind::Grade, name, level(change.from), level(change.to))
            }
        };
        Transition {
            lead: self.leads[change.lead as usize].id().to_string(),
            at: change.at,
            kind,
            name,
            from,
            to,
            cause: change.cause,
        }
    }

    /// The order changes are delivered in: by time, then lead id, then kind and name
    /// (each output's rank among them).
    pub(crate) fn delivery_key(&self, change: &Change) -> (i64, &str, u32) {
        let id = self.leads[change.lead as usize].id();
        (change.at, id, self.output_ranks[change.output as usize])
    }

    /// `changes` (in time order) in delivery order.
    fn in_delivery_order(&self, mut changes: Vec<Change>) -> Vec<Change> {
        // Only changes at one time need sorting, and those are few: the ids are read
        // for them alone.
        for same_time in changes.chunk_by_mut(|a, b| a.at == b.at) {
            if same_time.len() > 1 {
                same_time.sort_unstable_by(|a, b| self.delivery_key(a).cmp(&self.delivery_key(b)));
            }
        }
        changes
    }

    /// The changes since the last call (as [`Engine::take_transitions`]), unnamed.
    pub(crate) fn take_changes(&mut self) -> Vec<Change> {
        let changes = self.pending.take();
        self.in_delivery_order(changes)
    }

    /// Finds when lead `i` (whose state is cached as of `at`, and whose results as of
    /// then are in `self.results`) can next change, and queues it then.
    fn schedule(&mut self, i: u32, at: i64) {
        let lead = &self.leads[i as usize];
        let scores = &self.results.scores;
        let next = lead.next_change(&self.scorer, at, self.reads_now, self.cacheable, scores);
        debug_assert!(
            next.is_none_or(|next| next > at),
            "a change is after the look"
        );
        self.leads[i as usize].next = next;
        if let Some(next) = next {
            self.enqueue(i, next);
        }
    }

    /// Queues lead `i` at `at` (or at the clock or the queue's floor, whichever is
    /// later, if `at` is before them: only a restored lead's can be), unless it is
    /// queued at an earlier time already (then that entry will queue it again).
    fn enqueue(&mut self, i: u32, at: i64) {
        // During `advance` the queue's floor is ahead of the clock, and `at` after it.
        let at = at.max(self.now).max(self.queue.floor());
        let lead = &mut self.leads[i as usize];
        if lead.queued.is_some_and(|queued| queued <= at) {
            return;
        }
        lead.queued = Some(at);
        self.queue.push(at, i);
        if self.queue.len() > 2 * self.leads.len() + 1024 {
            self.requeue();
        }
    }

    /// Rebuilds the queue without the entries others replaced.
    fn requeue(&mut self) {
        let floor = self.queue.floor().max(self.now);
        self.queue = TimeQueue::new(floor);
        for (i, lead) in self.leads.iter_mut().enumerate() {
            lead.queued = lead.next.map(|at| at.max(floor));
            if let Some(at) = lead.queued {
                self.queue.push(at, i as u32);
            }
        }
    }
}

/// For each grade of `plan`, each band's index as shown. A grade may name a band twice
/// (`hot >= 90`, `hot >= 70 if …`): moving between two of the same name changes nothing
/// anyone sees, so each is shown as the first of its name.
fn shown_bands(plan: &Plan) -> Vec<Vec<u32>> {
    let first = |bands: &[crate::plan::BandPlan], name: &str| {
        bands.iter().position(|b| b.name == name).unwrap_or(0) as u32
    };
    plan.grades
        .iter()
        .map(|grade| {
            grade
                .bands
                .iter()
                .map(|b| first(&grade.bands, &b.name))
                .collect()
        })
        .collect()
}

/// For each flag and then each grade of `plan`, its rank by kind (flags first) and name:
/// the order of the transitions of one lead at one time. Flag names are unique, and so
/// are graded scores (a score is graded once).
fn output_ranks(plan: &Plan) -> Vec<u32> {
    let flags = plan.flags.iter().map(|f| (Kind::Flag, f.name.as_str()));
    let grades =
        (plan.grades.iter()).map(|g| (Kind::Grade, plan.scores[g.score as usize].name.as_str()));
    let outputs: Vec<(Kind, &str)> = flags.chain(grades).collect();
    let mut order: Vec<usize> = (0..outputs.len()).collect();
    order.sort_by_key(|&k| outputs[k]);
    let mut ranks = vec![0; outputs.len()];
    for (rank, k) in order.into_iter().enumerate() {
        ranks[k] = rank as u32;
    }
    ranks
}
