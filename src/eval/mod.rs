//! Stage 4: evaluation of a plan for one lead as of a time T.
//!
//! Events stream through [`Scorer::observe`], which updates the lead's [`LeadState`]
//! (one accumulator per slot); [`Scorer::outcome`] then computes scores, flags and
//! grades from that state, with an optional explanation: every point (with the dates
//! of the events behind it, from a scorer made [`Scorer::with_event_times`]), why each
//! flag is set or not, and how far each graded score is from its next band.

mod attrs;
mod by_value;
mod edges;
mod history;
mod intake;
mod known;
mod pipeline;
mod state;
mod sum;
mod vm;

pub use state::{LeadState, EVENT_TIMES};

pub(crate) use state::{SharedTable, StateMut, StateRef, StateTable};

use state::Layout;

use crate::plan::{
    GradePlan, Keep, NodeRef, Op, PartKind, PartPlan, PipelinePlan, Plan, PlanError, RuleKind,
    ScoreBody, Slot, SlotEvent, SlotId, SlotKind,
};
use crate::record::{Event, Lead};
use crate::vocab::{coerce, FieldError, Value, ValueType};
use history::{KeptEvent, Key};
use regex::Regex;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use vm::Env;

pub(crate) use attrs::{Attrs, Packed, Packer};
pub(crate) use by_value::ByValue;
pub(crate) use edges::Passing;
pub(crate) use intake::Intake;
pub(crate) use known::{Known, KnownValues};
pub(crate) use vm::Trace;

/// What the live engine adds to an evaluation (see `live/`): a trace of its comparisons,
/// or the lead's remembered results. (A traced run must not use remembered results: they
/// would leave their comparisons out of the trace.)
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Probe<'a> {
    pub trace: Option<&'a Trace>,
    /// The lead's results that read only its attributes, remembered (or to remember)
    /// for a run without explanations.
    pub known: Option<&'a Known>,
}

/// What an event of one type does to one slot (a slot a group or list feeds has one
/// for each of its types). Kept small and flat: the batch path walks these per event.
#[derive(Debug, Clone, Copy)]
struct Feed {
    slot: usize,
    within: Option<i64>,
    /// The slot's `where`, lowered for this type's properties.
    filter: Option<u32>,
    /// Whether that `where` (if any) reads only the event: whether the event meets it
    /// is decided once, when it arrives.
    decided: bool,
    action: Action,
    /// Whether what the event does here, once it is at or before the as-of time, is the
    /// same for every later as-of time and any lead attributes: no `within`, a `where`
    /// that reads neither `now()` nor the lead, and a slot that forgets nothing by time.
    /// The live engine folds such effects into a lead's state once (`live/`).
    lasting: bool,
}

/// Which of an event's effects an observation makes (see [`Feed::lasting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Select {
    /// Every effect (batch scoring).
    All,
    /// Only the lasting ones, and the reset of idle decays (which lasts too).
    Lasting,
    /// Only the others.
    Passing,
}

impl Select {
    fn takes(self, lasting: bool) -> bool {
        match self {
            Select::All => true,
            Select::Lasting => lasting,
            Select::Passing => !lasting,
        }
    }
}

/// What a matching event does to its slot.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// Counts it, or keeps its time as the newest.
    Record,
    /// Adds up this property of the event (events lacking it are skipped).
    Sum(u32),
    /// Keeps the event itself for the rule's pipeline, with its properties of
    /// `same PROP` and of `distinct by PROP`, and with the slot of answers, if any.
    Keep {
        answered_by: Option<SlotId>,
        pair: Option<u32>,
        distinct: Option<u32>,
    },
}

impl Action {
    fn of(kind: SlotKind, member: &crate::plan::SlotEvent) -> Action {
        match (kind, member.prop) {
            (SlotKind::Events { answered_by, .. }, _) => Action::Keep {
                answered_by,
                pair: member.pair,
                distinct: member.distinct,
            },
            (_, Some(prop)) => Action::Sum(prop),
            (_, None) => Action::Record,
        }
    }
}

/// A verified plan, ready to evaluate leads.
#[derive(Debug, Clone)]
pub struct Scorer {
    plan: Plan,
    regexes: Vec<Regex>,
    /// For each event type, what its events feed: flattened from the plan's slots when
    /// the scorer is made, so an event finds its work without a search.
    feeds_by_event: Vec<Vec<Feed>>,
    /// Slots fed by every declared event (`decay … idle`).
    slots_for_any: Vec<usize>,
    /// For each event type, whether the live engine keeps its events by the slots they
    /// entered (`intake::re_read_by_mask`).
    by_mask: Vec<bool>,
    /// The deepest stack each chunk needs.
    depths: Vec<usize>,
    /// The conditions of rules, flags and bands that read only the lead's attributes,
    /// in plan order: a batch works them out once per lead, when it packs the lead
    /// (`attrs.rs`).
    remembered: Vec<u32>,
    /// For each chunk, its place in `remembered` (`u32::MAX` when it is not there).
    remembered_at: Vec<u32>,
    /// For each of `remembered`, the text field it reads when it reads one and nothing
    /// else: its results are remembered by the field's value ([`ByValue`]).
    one_text_field: Vec<Option<usize>>,
    /// Whether some event's `where` reads the lead's attributes.
    filters_read_lead: bool,
    /// For each node of the plan's order, whether it reads only the lead's attributes
    /// (see [`Known`]).
    static_nodes: Vec<bool>,
    /// What changes as time passes (for the live engine).
    clocks: edges::Clocks,
    layout: Layout,
}

impl Scorer {
    /// Prepares a plan for evaluation (verifying it and compiling its patterns).
    pub fn new(plan: Plan) -> Result<Scorer, PlanError> {
        plan.verify()?;
        let regexes = plan
            .regexes
            .iter()
            .map(|r| Regex::new(r).map_err(|e| PlanError::Invalid(e.to_string())))
            .collect::<Result<_, _>>()?;
        let mut feeds_by_event = vec![Vec::new(); plan.events.len()];
        let mut slots_for_any = Vec::new();
        for (i, slot) in plan.slots.iter().enumerate() {
            match &slot.events {
                Some(members) => {
                    for member in members {
                        feeds_by_event[member.event as usize].push(Feed {
                            slot: i,
                            within: slot.within,
                            filter: member.filter,
                            decided: member
                                .filter
                                .is_none_or(|chunk| reads_only(&plan, chunk, Input::Event)),
                            action: Action::of(slot.kind, member),
                            lasting: lasting(&plan, slot, member),
                        });
                    }
                }
                None => slots_for_any.push(i),
            }
        }
        let depths = (0..plan.chunks.len() as u32)
            .map(|c| plan.stack_depth(c))
            .collect();
        let lead_only: Vec<bool> = (0..plan.chunks.len() as u32)
            .map(|c| reads_only(&plan, c, Input::Lead))
            .collect();
        let remembered = lead_only_conditions(&plan, &lead_only);
        let one_text_field = remembered
            .iter()
            .map(|&chunk| one_text_field(&plan, chunk))
            .collect();
        let mut remembered_at = vec![u32::MAX; plan.chunks.len()];
        for (bit, &chunk) in remembered.iter().enumerate() {
            remembered_at[chunk as usize] = bit as u32;
        }
        let filters_read_lead = feeds_by_event
            .iter()
            .flatten()
            .filter_map(|feed| feed.filter)
            .any(|chunk| {
                let code = plan.chunk_code(chunk);
                code.iter().any(|op| matches!(op, Op::LeadField(_)))
            });
        let clocks = edges::Clocks::of(&plan);
        Ok(Scorer {
            filters_read_lead,
            static_nodes: known::static_nodes(&plan),
            by_mask: feeds_by_event
                .iter()
                .map(|feeds| intake::re_read_by_mask(feeds))
                .collect(),
            layout: Layout::new(&plan, false),
            plan,
            regexes,
            feeds_by_event,
            slots_for_any,
            depths,
            remembered,
            remembered_at,
            one_text_field,
            clocks,
        })
    }

    /// This scorer, keeping in every lead's state the times of the newest
    /// [`EVENT_TIMES`] events each `on` rule counts, so explanations can list them
    /// ([`Reason::events`]). It costs a little per matching event and a few cells per
    /// lead: use it for runs that explain, not for plain scoring. States made by one
    /// scorer cannot be used with the other.
    pub fn with_event_times(mut self) -> Scorer {
        self.layout = Layout::new(&self.plan, true);
        self
    }

    /// The plan this scorer runs.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn code(&self, chunk: u32) -> vm::Code<'_> {
        vm::Code {
            ops: self.plan.chunk_code(chunk),
            start: self.plan.chunks[chunk as usize].start as usize,
            depth: self.depths[chunk as usize],
        }
    }

    /// Builds a lead from named field values, checked against the plan's schema.
    /// Names the model does not declare are ignored, as in input files.
    pub fn lead<'a>(
        &self,
        id: &str,
        fields: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<Lead, FieldError> {
        Ok(Lead {
            id: id.to_string(),
            fields: typed_fields(&self.plan.lead_fields, fields)?,
        })
    }

    /// Builds an event from its type name, time (microseconds since the epoch) and named
    /// properties. `None` when the model does not declare the type (such events are
    /// ignored).
    pub fn event<'a>(
        &self,
        lead: &str,
        event_type: &str,
        ts: i64,
        props: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<Option<Event>, FieldError> {
        let Some(index) = self.plan.event_index(event_type) else {
            return Ok(None);
        };
        Ok(Some(Event {
            lead: lead.to_string(),
            event_type: index as u32,
            ts,
            props: typed_fields(&self.plan.events[index].props, props)?,
        }))
    }

    /// A fresh state for a lead with no events yet.
    pub fn new_state(&self) -> LeadState {
        self.layout.new_state()
    }

    /// Whether `state` has the shape of this scorer's states (see `Layout::fits`).
    pub(crate) fn fits_state(&self, state: &LeadState) -> bool {
        self.layout.fits(state)
    }

    /// Whether `bytes` is a whole lead record as this scorer's packers write them.
    pub(crate) fn fits_record(&self, bytes: &[u8]) -> bool {
        attrs::is_record(bytes, self.remembered.len(), self.plan.lead_fields.len())
    }

    /// How many slots events of `event_type` feed (`None` for a type the plan lacks).
    pub(crate) fn feeds_of(&self, event_type: u32) -> Option<usize> {
        self.feeds_by_event.get(event_type as usize).map(Vec::len)
    }

    /// Whether taking in an event reads its lead's attributes (some `where` does): when
    /// not, [`Scorer::observe_into`] may be given none.
    pub(crate) fn filters_read_lead(&self) -> bool {
        self.filters_read_lead
    }

    /// How a batch packs lead records: with the results of the conditions that read
    /// only the lead's attributes, and only the fields the plan reads. With `explained`
    /// that is every field the plan reads (explanations show the values conditions
    /// tested); without, only those read elsewhere than in the remembered conditions and
    /// the parts of flags' conditions (which only explanations evaluate).
    pub(crate) fn packer(&self, explained: bool) -> Packer {
        let mut skipped = Vec::new();
        if !explained {
            skipped.extend_from_slice(&self.remembered);
            for flag in &self.plan.flags {
                for part in &flag.parts {
                    if let PartKind::Test { condition, values } = &part.kind {
                        skipped.push(*condition);
                        skipped.extend_from_slice(values);
                    }
                }
            }
        }
        Packer::new(fields_read(&self.plan, &skipped), self.remembered.clone())
    }

    /// Appends the record of `lead`, defined on `line`, to `out`, as `packer` packs it
    /// (one of this scorer's, or of a scorer of the same plan), with the results of
    /// conditions on one text field taken from (and kept in) `memo`.
    pub(crate) fn pack(
        &self,
        packer: &Packer,
        lead: &Lead,
        line: u64,
        memo: &mut ByValue,
        out: &mut Vec<u8>,
    ) {
        let env = self.env(Attrs::of(lead), 0);
        let holds = |bit: usize, chunk| {
            let run = || vm::condition(&env, self.code(chunk));
            let field = self.one_text_field.get(bit).copied().flatten();
            match field.and_then(|f| lead.fields.get(f)) {
                Some(Some(Value::Str(text))) => memo.get(bit, text, run),
                _ => run(),
            }
        };
        packer.pack(lead, line, holds, out);
    }

    /// A table of `rows` fresh states.
    pub(crate) fn state_table(&self, rows: usize) -> StateTable {
        StateTable::new(&self.layout, rows)
    }

    /// Whether this plan's states can be kept in a [`SharedTable`] (cells alone).
    pub(crate) fn shares_states(&self) -> bool {
        SharedTable::takes(&self.layout)
    }

    /// `table`, with fresh states up to `rows` rows, made one that threads update at
    /// once; only when [`Scorer::shares_states`] (a shared table keeps no sums or kept
    /// events).
    pub(crate) fn shared_table(&self, table: StateTable, rows: usize) -> SharedTable {
        assert!(self.shares_states(), "a plan whose states are cells alone");
        SharedTable::new(table, rows)
    }

    /// Adds the events of `theirs` to `mine` (states of the same lead from two shares of
    /// its events).
    pub(crate) fn merge_states(&self, mine: StateMut<'_>, theirs: StateRef<'_>) {
        self.layout.merge(mine, theirs);
    }

    fn env<'a>(&'a self, lead: Attrs<'a>, as_of: i64) -> Env<'a> {
        self.env_probed(lead, as_of, Probe::default())
    }

    fn env_probed<'a>(&'a self, lead: Attrs<'a>, as_of: i64, probe: Probe<'a>) -> Env<'a> {
        Env {
            plan: &self.plan,
            regexes: &self.regexes,
            layout: &self.layout,
            lead,
            event: None,
            state: None,
            scores: &[],
            flags: &[],
            bands: &[],
            as_of,
            trace: probe.trace,
        }
    }

    /// Whether the condition `chunk` holds: read from a packed lead's record when it is
    /// one the record remembers.
    fn holds(&self, env: &Env<'_>, chunk: u32) -> bool {
        // A packed lead's record has the result (the same bool, worked out when packed).
        let bit = self.remembered_at[chunk as usize];
        if bit != u32::MAX {
            if let Some(holds) = env.lead.remembered(bit) {
                return holds;
            }
        }
        vm::condition(env, self.code(chunk))
    }

    /// Feeds one event of `lead` into its state. Events after `as_of` do not exist yet
    /// and are ignored; the return value says whether the event was taken into account.
    pub fn observe(&self, state: &mut LeadState, lead: &Lead, event: &Event, as_of: i64) -> bool {
        self.observe_into(state.view_mut(), Attrs::of(lead), event, as_of)
    }

    pub(crate) fn observe_into(
        &self,
        state: StateMut<'_>,
        lead: Attrs<'_>,
        event: &Event,
        as_of: i64,
    ) -> bool {
        self.observe_selected(state, lead, event, as_of, Select::All, None)
    }

    /// [`Scorer::observe_into`] making only the `select`ed effects, recording comparisons
    /// in `trace`.
    pub(crate) fn observe_selected(
        &self,
        mut state: StateMut<'_>,
        lead: Attrs<'_>,
        event: &Event,
        as_of: i64,
        select: Select,
        trace: Option<&Trace>,
    ) -> bool {
        if event.ts > as_of {
            return false;
        }
        if select != Select::Passing {
            for &slot in &self.slots_for_any {
                self.layout.record(state.reborrow(), slot, event.ts, None);
            }
        }
        let Some(feeds) = self.feeds_by_event.get(event.event_type as usize) else {
            return true;
        };
        let probe = Probe {
            trace,
            ..Probe::default()
        };
        let mut env = self.env_probed(lead, as_of, probe);
        env.event = Some(event);
        for feed in feeds.iter().filter(|feed| select.takes(feed.lasting)) {
            // Saturating is exact here: no event is before the earliest time.
            if feed
                .within
                .is_some_and(|w| event.ts < as_of.saturating_sub(w))
            {
                continue;
            }
            if let Some(filter) = feed.filter {
                if !vm::condition(&env, self.code(filter)) {
                    continue;
                }
            }
            self.feed_into(state.reborrow(), &env, feed, event, as_of);
        }
        true
    }

    /// Does to `feed`'s slot what `event` (which meets the feed's `where`) does to it as
    /// of `as_of`; `env` is the event's.
    fn feed_into(
        &self,
        state: StateMut<'_>,
        env: &Env<'_>,
        feed: &Feed,
        event: &Event,
        as_of: i64,
    ) {
        let value = match feed.action {
            Action::Record => None,
            Action::Sum(prop) => match event.props.get(prop as usize) {
                Some(Some(Value::Number(n))) => Some(*n),
                _ => None,
            },
            Action::Keep {
                answered_by,
                pair,
                distinct,
            } => {
                let kept = KeptEvent {
                    ts: event.ts,
                    pair: pair.and_then(|p| property_key(event, p)),
                    distinct: distinct.and_then(|p| property_key(event, p)),
                    answers_itself: answered_by.is_some_and(|a| self.admits(env, a)),
                };
                self.layout.record_event(state, feed.slot, kept, as_of);
                return;
            }
        };
        self.layout.record(state, feed.slot, event.ts, value);
    }

    /// Takes out of `state` what `event` did to the slots whose window it leaves at
    /// `at`: those its time plus the window is `at - 1` for. `state` must hold the
    /// event's effects as of an earlier time, from a plan whose `where`s do not read
    /// `now()`. `false` when an effect cannot be taken out (a slot that is not a count):
    /// `state` is then partly changed, to be rebuilt.
    pub(crate) fn unobserve_leaving(
        &self,
        mut state: StateMut<'_>,
        lead: Attrs<'_>,
        event: &Event,
        at: i64,
    ) -> bool {
        let Some(feeds) = self.feeds_by_event.get(event.event_type as usize) else {
            return true;
        };
        let mut env = self.env(lead, at);
        env.event = Some(event);
        let leaving = feeds.iter().filter(|feed| {
            !feed.lasting
                && feed
                    .within
                    .is_some_and(|w| event.ts.checked_add(w) == at.checked_sub(1))
        });
        for feed in leaving {
            if feed
                .filter
                .is_some_and(|filter| !vm::condition(&env, self.code(filter)))
            {
                continue;
            }
            let counted = matches!(feed.action, Action::Record)
                && self.layout.unrecord(state.reborrow(), feed.slot, event.ts);
            if !counted {
                return false;
            }
        }
        true
    }

    /// Whether slot `slot` takes the event `env` looks at (its type, window and the
    /// type's `where`): for an event that may answer itself in a non-response rule.
    fn admits(&self, env: &Env<'_>, slot: SlotId) -> bool {
        let Some(event) = env.event else { return false };
        self.feeds_by_event[event.event_type as usize]
            .iter()
            .find(|feed| feed.slot == slot as usize)
            .is_some_and(|feed| {
                feed.within
                    .is_none_or(|w| event.ts >= env.as_of.saturating_sub(w))
                    && feed
                        .filter
                        .is_none_or(|filter| vm::condition(env, self.code(filter)))
            })
    }

    /// Evaluates one lead from all its events at once.
    pub fn evaluate(&self, lead: &Lead, events: &[Event], as_of: i64, explain: bool) -> Outcome {
        let mut state = self.new_state();
        for event in events {
            self.observe(&mut state, lead, event, as_of);
        }
        self.outcome(lead, &state, as_of, explain)
    }

    /// Scores, grades and flags of a lead from its accumulated state.
    pub fn outcome(&self, lead: &Lead, state: &LeadState, as_of: i64, explain: bool) -> Outcome {
        self.outcome_of(&lead.id, Attrs::of(lead), state.view(), as_of, explain)
    }

    /// The outcome of the lead `id` (a lead seen only in events has a record with no
    /// fields and no id).
    pub(crate) fn outcome_of(
        &self,
        id: &str,
        lead: Attrs<'_>,
        state: StateRef<'_>,
        as_of: i64,
        explain: bool,
    ) -> Outcome {
        let mut results = Results::default();
        let mut why = explain.then(Vec::new);
        self.results_into(lead, state, as_of, &mut results, why.as_mut());
        let mut outcome = self.named(id.to_string(), &results, why);
        if explain {
            let env = self.env(lead, as_of).with_results(state, &results);
            outcome.flags_why = Some(self.flags_why(&env));
            outcome.next_bands = Some(self.next_bands(&env, &results));
        }
        outcome
    }

    /// Computes a lead's scores, flags and grades into `out` (whose buffers are reused),
    /// and with `why`, the reasons for every point.
    pub(crate) fn results_into(
        &self,
        lead: Attrs<'_>,
        state: StateRef<'_>,
        as_of: i64,
        out: &mut Results,
        why: Option<&mut Vec<Reason>>,
    ) {
        self.results_probed(lead, state, as_of, out, why, Probe::default());
    }

    /// [`Scorer::results_into`] with the live engine's `probe`.
    pub(crate) fn results_probed(
        &self,
        lead: Attrs<'_>,
        state: StateRef<'_>,
        as_of: i64,
        out: &mut Results,
        mut why: Option<&mut Vec<Reason>>,
        probe: Probe<'_>,
    ) {
        let plan = &self.plan;
        out.scores.clear();
        out.scores.resize(plan.scores.len(), 0.0);
        out.flags.clear();
        out.flags.resize(plan.flags.len(), false);
        out.bands.clear();
        out.bands.resize(plan.grades.len(), 0);
        // Explanations need every rule's reasons: nothing is taken as known then.
        let known = probe.known.filter(|_| why.is_none());
        let recalled = known.map(|k| k.borrow()).filter(|k| !k.is_empty());
        let mut learned = match (known, &recalled) {
            (Some(known), None) => Some(known.borrow_mut()),
            _ => None,
        };
        let mut statics = 0;
        for (node, &fixed) in plan.order.iter().zip(&self.static_nodes) {
            if let Some(values) = recalled.as_ref().filter(|_| fixed) {
                set_node(out, *node, values[statics]);
                statics += 1;
                continue;
            }
            // Each score, flag or grade sees the results computed before it.
            let env = self.env_probed(lead, as_of, probe).with_results(state, out);
            let value = match *node {
                NodeRef::Score(i) => self.score(i as usize, &env, state, why.as_deref_mut()),
                NodeRef::Flag(i) => {
                    f64::from(u8::from(self.holds(&env, plan.flags[i as usize].condition)))
                }
                NodeRef::Grade(i) => self.band(&plan.grades[i as usize], &env) as f64,
            };
            set_node(out, *node, value);
            if let Some(values) = learned.as_mut().filter(|_| fixed) {
                values.push(value);
            }
        }
    }

    /// The first band of `grade` whose threshold and condition hold for the lead.
    fn band(&self, grade: &GradePlan, env: &Env<'_>) -> usize {
        let score = env.scores[grade.score as usize];
        grade
            .bands
            .iter()
            .position(|band| {
                band.threshold.is_none_or(|t| passes(score, t, band.strict))
                    && band.condition.is_none_or(|c| self.holds(env, c))
            })
            .expect("the last band is the default")
    }

    /// The outcome of a lead, with the plan's names.
    fn named(&self, lead: String, results: &Results, why: Option<Vec<Reason>>) -> Outcome {
        let plan = &self.plan;
        Outcome {
            lead,
            scores: plan
                .scores
                .iter()
                .map(|s| s.name.clone())
                .zip(results.scores.iter().copied())
                .collect(),
            grades: plan
                .grades
                .iter()
                .zip(&results.bands)
                .map(|(grade, &band)| {
                    let score = plan.scores[grade.score as usize].name.clone();
                    (score, grade.bands[band].name.clone())
                })
                .collect(),
            flags: plan
                .flags
                .iter()
                .map(|f| f.name.clone())
                .zip(results.flags.iter().copied())
                .collect(),
            why,
            flags_why: None,
            next_bands: None,
        }
    }

    /// Why each flag is set or not: its condition's parts, each with whether it holds
    /// and the values it tested.
    fn flags_why(&self, env: &Env<'_>) -> Vec<(String, PartWhy)> {
        self.plan
            .flags
            .iter()
            .filter(|flag| !flag.parts.is_empty())
            .map(|flag| (flag.name.clone(), self.part_why(env, &flag.parts, 0)))
            .collect()
    }

    /// The part `index` of a flag's `parts`, with its operands (verified plans nest
    /// parts at most `MAX_STACK` deep).
    fn part_why(&self, env: &Env<'_>, parts: &[PartPlan], index: usize) -> PartWhy {
        let operands = || {
            (index + 1..parts.len())
                .filter(|&i| parts[i].parent == Some(index as u32))
                .map(|i| self.part_why(env, parts, i))
                .collect::<Vec<_>>()
        };
        let text = |chunk: u32| {
            let origin = self.plan.chunks[chunk as usize].origin;
            self.plan.origins[origin as usize].text.clone()
        };
        let (holds, kind) = match &parts[index].kind {
            PartKind::All => {
                let all = operands();
                (all.iter().all(|p| p.holds), PartWhyKind::All(all))
            }
            PartKind::Any => {
                let any = operands();
                (any.iter().any(|p| p.holds), PartWhyKind::Any(any))
            }
            PartKind::Not => {
                let inner = operands().pop().expect("verified: `not` has an operand");
                (!inner.holds, PartWhyKind::Not(Box::new(inner)))
            }
            PartKind::Test { condition, values } => (
                vm::condition(env, self.code(*condition)),
                PartWhyKind::Test {
                    text: text(*condition),
                    values: values
                        .iter()
                        .map(|&v| (text(v), vm::shown(env, self.code(v))))
                        .collect(),
                },
            ),
        };
        PartWhy { holds, kind }
    }

    /// For each graded score below its top band, the nearest better band and the points
    /// it takes to reach it (all else staying as it is). A band with an `if` that does
    /// not hold now cannot be reached by points alone, so it is not the next one.
    fn next_bands(&self, env: &Env<'_>, results: &Results) -> Vec<(String, NextBand)> {
        let plan = &self.plan;
        plan.grades
            .iter()
            .zip(&results.bands)
            .filter_map(|(grade, &current)| {
                let score = results.scores[grade.score as usize];
                let name = &grade.bands[current].name;
                let reachable = grade.bands[..current].iter().filter_map(|band| {
                    let threshold = band.threshold?;
                    let holds = band
                        .condition
                        .is_none_or(|c| vm::condition(env, self.code(c)));
                    (holds && &band.name != name).then_some((band, threshold))
                });
                // The lowest threshold is reached first (`>= N` before `> N`); of bands
                // with equal ones, the first is chosen.
                let (band, threshold) = reachable.reduce(|best, next| {
                    if (next.1, next.0.strict) < (best.1, best.0.strict) {
                        next
                    } else {
                        best
                    }
                })?;
                Some((
                    plan.scores[grade.score as usize].name.clone(),
                    NextBand {
                        band: band.name.clone(),
                        needs: threshold - score,
                        beyond: band.strict,
                    },
                ))
            })
            .collect()
    }

    fn score(
        &self,
        index: usize,
        env: &Env<'_>,
        state: StateRef<'_>,
        mut why: Option<&mut Vec<Reason>>,
    ) -> f64 {
        let plan = &self.plan;
        let score = &plan.scores[index];
        let (rules, clamp) = match &score.body {
            ScoreBody::Derived { expr } => {
                let value = vm::number(env, self.code(*expr)).unwrap_or(0.0);
                if let Some(why) = why {
                    why.push(self.reason(
                        index,
                        score.origin,
                        ReasonKind::Derived,
                        None,
                        value,
                        None,
                    ));
                }
                return value;
            }
            ScoreBody::Rules { rules, clamp } => (rules, clamp),
        };
        let mut total = 0.0;
        for rule in rules {
            if let RuleKind::Kept { slot, pipeline } = rule.kind {
                total += self.kept_rule(index, rule, slot, &pipeline, env.as_of, state, &mut why);
                continue;
            }
            let Fired {
                times: fired,
                idle_days,
                idle_start,
            } = self.fired(&rule.kind, env, state);
            let points = rule.points * fired as f64;
            total += points;
            if let Some(why) = why.as_deref_mut() {
                if fired > 0 && points != 0.0 {
                    let kind = if matches!(rule.kind, RuleKind::Decay { .. }) {
                        ReasonKind::Decay
                    } else {
                        ReasonKind::Rule
                    };
                    let mut reason =
                        self.reason(index, rule.origin, kind, Some(fired), points, idle_days);
                    (reason.events, reason.more_events) =
                        self.rule_events(state, &rule.kind, idle_start);
                    reason.label = rule.label.clone();
                    why.push(reason);
                }
            }
        }
        let Some(clamp) = clamp else { return total };
        let clamped = total.clamp(clamp.low, clamp.high);
        if let Some(why) = why {
            if clamped != total {
                why.push(self.reason(
                    index,
                    clamp.origin,
                    ReasonKind::Clamp,
                    None,
                    clamped - total,
                    None,
                ));
            }
        }
        clamped
    }

    /// How many times a rule other than [`RuleKind::Kept`] counts for a lead: its events
    /// (after `max`), 1 or 0 for `when`, the whole periods a decay has run.
    fn fired(&self, kind: &RuleKind, env: &Env<'_>, state: StateRef<'_>) -> Fired {
        let once = |times| Fired {
            times,
            idle_days: None,
            idle_start: None,
        };
        match *kind {
            RuleKind::On { slot, max } => {
                let count = self.layout.count(state, slot as usize);
                once(max.map_or(count, |k| count.min(k as u64)))
            }
            RuleKind::When { condition } => once(self.holds(env, condition) as u64),
            RuleKind::Decay { slot, per, since } => {
                let idle_start = self.idle_since(env, state, slot, since);
                let Some(last) = idle_start else {
                    return once(0);
                };
                Fired {
                    times: vm::elapsed_in(env.as_of, last, per) as u64,
                    idle_days: Some(vm::elapsed_in(env.as_of, last, crate::time::DAY) as i64),
                    idle_start,
                }
            }
            RuleKind::Kept { .. } => unreachable!("kept rules are summed by `kept_rule`"),
        }
    }

    /// Each rule's value for a lead as of `as_of`, for every score made of rules, in
    /// plan order (score by score, rule by rule): what its points are multiplied by, so
    /// that a score before its clamp is the sum of points × value. That is the times a
    /// rule counted ([`Scorer::fired`]), and for a rule with `decay -PCT%` the sum of
    /// its kept events' fading factors. For fitting points to outcomes (`suggest`).
    pub(crate) fn rule_values(&self, lead: Attrs<'_>, state: StateRef<'_>, as_of: i64) -> Vec<f64> {
        let mut results = Results::default();
        self.results_into(lead, state, as_of, &mut results, None);
        let env = self.env(lead, as_of).with_results(state, &results);
        let mut values = Vec::new();
        for score in &self.plan.scores {
            let ScoreBody::Rules { rules, .. } = &score.body else {
                continue;
            };
            values.extend(rules.iter().map(|rule| {
                match rule.kind {
                    RuleKind::Kept { slot, pipeline } => self
                        .kept_points(1.0, slot, &pipeline, as_of, state)
                        .0
                        .iter()
                        .map(|k| k.points)
                        .sum(),
                    ref kind => self.fired(kind, &env, state).times as f64,
                }
            }));
        }
        values
    }

    /// When a decay's idle clock started: the later of the newest event in `slot` and
    /// the lead's `since` field, whichever are present; `None` (no decay) when neither
    /// is, or when that time is after the as-of time.
    fn idle_since(
        &self,
        env: &Env<'_>,
        state: StateRef<'_>,
        slot: u32,
        since: Option<u32>,
    ) -> Option<i64> {
        let event = self.layout.latest(state, slot as usize);
        let field = since.and_then(|f| env.lead.time(f as usize));
        event.max(field).filter(|&last| last <= env.as_of)
    }

    /// The times of the events a rule counted that an explanation lists, and how many
    /// more there were: for `on`, the newest (when the state keeps them); for decay,
    /// the event that last reset it (`idle_since`: when its idle clock started).
    fn rule_events(
        &self,
        state: StateRef<'_>,
        kind: &RuleKind,
        idle_since: Option<i64>,
    ) -> (Vec<i64>, u64) {
        match *kind {
            RuleKind::On { slot, .. } => match self.layout.event_times(state, slot as usize) {
                Some(times) => {
                    let count = self.layout.count(state, slot as usize);
                    (times.to_vec(), count.saturating_sub(times.len() as u64))
                }
                None => (Vec::new(), 0),
            },
            // When the lead's `since` field is later, no event reset it: none is listed.
            RuleKind::Decay { slot, since, .. } => {
                let latest = self.layout.latest(state, slot as usize);
                let from_field = since.is_some() && idle_since.is_some_and(|t| Some(t) != latest);
                let listed = if from_field { None } else { latest };
                (listed.into_iter().collect(), 0)
            }
            RuleKind::When { .. } | RuleKind::Kept { .. } => (Vec::new(), 0),
        }
    }

    /// The points of an `on` rule with the options of section 11.3: the sum over the
    /// events its steps keep, each faded by the rule's `decay`; with `why`, the reason,
    /// listing the kept events (and the unanswered ones of a non-response rule).
    #[allow(clippy::too_many_arguments)]
    fn kept_rule(
        &self,
        score: usize,
        rule: &crate::plan::RulePlan,
        slot: SlotId,
        pipeline: &PipelinePlan,
        as_of: i64,
        state: StateRef<'_>,
        why: &mut Option<&mut Vec<Reason>>,
    ) -> f64 {
        let (kept, steps) = self.kept_points(rule.points, slot, pipeline, as_of, state);
        let points: f64 = kept.iter().map(|k| k.points).sum();
        if let Some(why) = why.as_deref_mut() {
            if !kept.is_empty() && points != 0.0 {
                let fired = kept.len() as u64;
                let mut reason = self.reason(
                    score,
                    rule.origin,
                    ReasonKind::Rule,
                    Some(fired),
                    points,
                    None,
                );
                reason.label = rule.label.clone();
                reason.more_events = fired.saturating_sub(SHOWN_EVENTS as u64);
                reason.kept = kept.into_iter().take(SHOWN_EVENTS).collect();
                reason.more_unanswered =
                    (steps.unanswered.len() as u64).saturating_sub(SHOWN_EVENTS as u64);
                reason.unanswered = steps.unanswered.into_iter().take(SHOWN_EVENTS).collect();
                why.push(reason);
            }
        }
        points
    }

    /// The events an `on` rule with the options of section 11.3 keeps, each with what it
    /// gives at `points` apiece (newest first), and the pipeline's steps.
    fn kept_points(
        &self,
        points: f64,
        slot: SlotId,
        pipeline: &PipelinePlan,
        as_of: i64,
        state: StateRef<'_>,
    ) -> (Vec<KeptPoints>, pipeline::Steps) {
        let pairs = self.plan.slots[slot as usize].pairs();
        let answers = pipeline
            .unanswered
            .map(|u| self.layout.events(state, u.slot as usize))
            .unwrap_or_default();
        let inputs = pipeline::Inputs {
            events: self.layout.events(state, slot as usize),
            answers,
            pairs,
        };
        let steps = pipeline::run(pipeline, inputs, as_of);
        // Newest first, so equal times (equal points) are added in one order.
        let kept = steps
            .kept
            .iter()
            .map(|&ts| KeptPoints::new(ts, points, pipeline.decay, as_of))
            .collect();
        (kept, steps)
    }

    fn reason(
        &self,
        score: usize,
        origin: u32,
        kind: ReasonKind,
        fired: Option<u64>,
        points: f64,
        idle_days: Option<i64>,
    ) -> Reason {
        let origin = &self.plan.origins[origin as usize];
        Reason {
            score: self.plan.scores[score].name.clone(),
            kind,
            rule: origin.text.clone(),
            label: None,
            file: origin.file.clone(),
            line: origin.line,
            fired,
            points,
            idle_days,
            events: Vec::new(),
            more_events: 0,
            kept: Vec::new(),
            unanswered: Vec::new(),
            more_unanswered: 0,
        }
    }
}

/// The value of property `prop` of `event` as a key to pair or group by.
fn property_key(event: &Event, prop: u32) -> Option<Key> {
    event.props.get(prop as usize)?.as_ref().map(Key::of)
}

/// How many times a rule counts for a lead (see [`Scorer::fired`]), and for a decay, its
/// idle days and when its idle clock started.
struct Fired {
    times: u64,
    idle_days: Option<i64>,
    idle_start: Option<i64>,
}

/// How many kept (and unanswered) events an explanation lists, the newest.
pub const SHOWN_EVENTS: usize = 10;

/// Whether an event's effect on `slot` through `member` lasts (see [`Feed::lasting`]).
fn lasting(plan: &Plan, slot: &Slot, member: &SlotEvent) -> bool {
    let plain = |slot: &Slot, filter: Option<u32>| {
        slot.within.is_none() && filter.is_none_or(|chunk| reads_only(plan, chunk, Input::Event))
    };
    if !plain(slot, member.filter) {
        return false;
    }
    match slot.kind {
        // The newest K of each period counted back from the as-of time: which those
        // are changes as time passes.
        SlotKind::Events {
            keep: Keep::Newest { per: Some(_), .. },
            ..
        } => false,
        // Whether the event answers itself is decided by the answers' slot.
        SlotKind::Events {
            answered_by: Some(answers),
            ..
        } => {
            let answers = &plan.slots[answers as usize];
            answers
                .events
                .iter()
                .flatten()
                .filter(|m| m.event == member.event)
                .all(|m| plain(answers, m.filter))
        }
        _ => true,
    }
}

/// Sets a node's result in `out` from its value as [`Known`] keeps it.
fn set_node(out: &mut Results, node: NodeRef, value: f64) {
    match node {
        NodeRef::Score(i) => out.scores[i as usize] = value,
        NodeRef::Flag(i) => out.flags[i as usize] = value != 0.0,
        NodeRef::Grade(i) => out.bands[i as usize] = value as usize,
    }
}

/// The one input besides constants a chunk may read to be decided once (see
/// [`reads_only`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// The lead's attributes: decided once per lead.
    Lead,
    /// The event's properties: decided once per event.
    Event,
}

/// Whether a chunk reads nothing but constants and `input`: not `now()`, aggregates or
/// a lead's results, which change as time passes and events arrive.
fn reads_only(plan: &Plan, chunk: u32, input: Input) -> bool {
    plan.chunk_code(chunk)
        .iter()
        .all(|op| reads_only_op(op, input))
}

/// Whether an operation reads nothing but constants and `input` (see [`reads_only`]).
fn reads_only_op(op: &Op, input: Input) -> bool {
    match op {
        Op::LeadField(_) => input == Input::Lead,
        Op::Prop(_) => input == Input::Event,
        Op::Now | Op::Slot(..) | Op::Score(_) | Op::Flag(_) | Op::Grade(_) => false,
        _ => true,
    }
}

/// The text field chunk `chunk` reads, when it reads one and no other.
fn one_text_field(plan: &Plan, chunk: u32) -> Option<usize> {
    let mut fields = plan.chunk_code(chunk).iter().filter_map(|op| match *op {
        Op::LeadField(i) => Some(i as usize),
        _ => None,
    });
    let first = fields.next()?;
    let text = plan.lead_fields.get(first)?.ty == ValueType::String;
    (text && fields.all(|i| i == first)).then_some(first)
}

/// The conditions of `plan`'s `when` rules, flags and grade bands that read only the
/// lead's attributes (`lead_only`, by chunk), in plan order (a verified plan uses each
/// chunk in one place).
fn lead_only_conditions(plan: &Plan, lead_only: &[bool]) -> Vec<u32> {
    let rules = plan.scores.iter().flat_map(|score| match &score.body {
        ScoreBody::Rules { rules, .. } => rules.as_slice(),
        _ => &[],
    });
    let when = rules.filter_map(|rule| match rule.kind {
        RuleKind::When { condition } => Some(condition),
        _ => None,
    });
    let flags = plan.flags.iter().map(|flag| flag.condition);
    let bands = plan.grades.iter().flat_map(|grade| &grade.bands);
    let conditions = when
        .chain(flags)
        .chain(bands.filter_map(|band| band.condition));
    conditions
        .filter(|&chunk| lead_only[chunk as usize])
        .collect()
}

/// Which lead fields `plan` reads: `lead.x` anywhere in its code but the chunks
/// `skipped`, and the fields decays count from (`decay … since lead.x`).
fn fields_read(plan: &Plan, skipped: &[u32]) -> Vec<bool> {
    let mut read = vec![false; plan.lead_fields.len()];
    let mut mark = |i: u32| {
        if let Some(r) = read.get_mut(i as usize) {
            *r = true;
        }
    };
    let mut read_by = vec![true; plan.chunks.len()];
    for &chunk in skipped {
        read_by[chunk as usize] = false;
    }
    for chunk in (0..plan.chunks.len() as u32).filter(|&c| read_by[c as usize]) {
        for op in plan.chunk_code(chunk) {
            if let Op::LeadField(i) = *op {
                mark(i);
            }
        }
    }
    for score in &plan.scores {
        if let ScoreBody::Rules { rules, .. } = &score.body {
            for rule in rules {
                if let RuleKind::Decay { since: Some(f), .. } = rule.kind {
                    mark(f);
                }
            }
        }
    }
    read
}

fn typed_fields<'a>(
    decls: &[crate::plan::FieldDecl],
    values: impl IntoIterator<Item = (&'a str, Value)>,
) -> Result<Vec<Option<Value>>, FieldError> {
    let mut fields = vec![None; decls.len()];
    for (name, value) in values {
        if let Some(i) = decls.iter().position(|d| d.name == name) {
            fields[i] = Some(coerce(name, decls[i].ty, value)?);
        }
    }
    Ok(fields)
}

/// A lead's results in the plan's order, without names (the plan has them): what batch
/// scoring formats without building an [`Outcome`] per lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Each score's value, in the plan's score order.
    pub scores: Vec<f64>,
    /// For each of the plan's grades, the index of the lead's band.
    pub bands: Vec<usize>,
    /// Each flag, in the plan's flag order.
    pub flags: Vec<bool>,
}

/// A lead's results: scores, grades and flags in declaration order, and optionally why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The lead's id.
    pub lead: String,
    /// Each score and its value, in declaration order.
    #[serde(serialize_with = "ordered_scores")]
    pub scores: Vec<(String, f64)>,
    /// Each graded score and the name of the lead's band.
    #[serde(serialize_with = "ordered")]
    pub grades: Vec<(String, String)>,
    /// Each flag and whether it is set.
    #[serde(serialize_with = "ordered")]
    pub flags: Vec<(String, bool)>,
    /// With an explanation: every rule, decay and clamp that moved a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Vec<Reason>>,
    /// With an explanation: for each flag, why it is set or not.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ordered_options"
    )]
    pub flags_why: Option<Vec<(String, PartWhy)>>,
    /// With an explanation: for each graded score below its top band, the next band up.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ordered_options"
    )]
    pub next_bands: Option<Vec<(String, NextBand)>>,
}

impl Outcome {
    /// A score's value, by name.
    pub fn score(&self, name: &str) -> Option<f64> {
        self.scores.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The band of a graded score, by the score's name.
    pub fn grade(&self, score: &str) -> Option<&str> {
        self.grades
            .iter()
            .find(|(n, _)| n == score)
            .map(|(_, v)| v.as_str())
    }

    /// A flag, by name.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.flags.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// One line of an explanation: a rule (or decay, clamp, derived score) and the points
/// it gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Reason {
    /// The score the points went to.
    pub score: String,
    /// What kind of line it is.
    pub kind: ReasonKind,
    /// The rule's source text (without its label).
    pub rule: String,
    /// The rule's `label`, for the people who read scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The model file the rule is in.
    pub file: String,
    /// The rule's line in that file.
    pub line: u32,
    /// How many times the rule counted (events after `max`, decay periods, 1 for `when`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fired: Option<u64>,
    /// The points it gave (negative for decay and penalties).
    #[serde(serialize_with = "points")]
    pub points: f64,
    /// For decay: whole days since the event that last reset it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_days: Option<i64>,
    /// The times of the events the rule counted, newest first: for an `on` rule the
    /// newest [`EVENT_TIMES`] (when the scorer keeps them, see
    /// [`Scorer::with_event_times`]), for decay the event that last reset it.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "timestamps")]
    pub events: Vec<i64>,
    /// How many more events the rule counted than `events` (or `kept`) lists.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_events: u64,
    /// For an `on` rule with the options of section 11.3: the events it kept, newest
    /// first (at most [`SHOWN_EVENTS`]), each with the points it gave.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<KeptPoints>,
    /// For a non-response rule: the times of the events no answer came for, newest
    /// first (at most [`SHOWN_EVENTS`]), before `distinct by` and `max`.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "timestamps")]
    pub unanswered: Vec<i64>,
    /// How many more events went unanswered than `unanswered` lists.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_unanswered: u64,
}

/// One event an `on` rule kept, and what it gave (see [`Reason::kept`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct KeptPoints {
    /// The event's time.
    #[serde(serialize_with = "timestamp")]
    pub ts: i64,
    /// The rule's points, before fading.
    #[serde(serialize_with = "points")]
    pub full: f64,
    /// What the event gave.
    #[serde(serialize_with = "points")]
    pub points: f64,
    /// With `decay -PCT% per D`: the whole periods since the event …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<u64>,
    /// … and PCT.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "percent")]
    pub percent: Option<f64>,
}

impl KeptPoints {
    /// An event at `ts` of a rule worth `full` points, faded by `decay` (PCT, D) as of
    /// `as_of`: `full × (1 − PCT/100)^⌊(as_of − ts) / D⌋`.
    fn new(ts: i64, full: f64, decay: Option<(f64, i64)>, as_of: i64) -> KeptPoints {
        let Some((percent, per)) = decay else {
            return KeptPoints {
                ts,
                full,
                points: full,
                periods: None,
                percent: None,
            };
        };
        let periods = history::periods(as_of, ts, per);
        let exponent = i32::try_from(periods).unwrap_or(i32::MAX);
        // powi(0) is 1, so even -100% keeps the current period's points.
        let factor = (1.0 - percent / 100.0).powi(exponent);
        KeptPoints {
            ts,
            full,
            points: full * factor,
            periods: Some(periods),
            percent: Some(percent),
        }
    }
}

impl Reason {
    /// What a reader is shown for this reason: the rule's source text, and its label
    /// in quotes beside it when it has one (`on demo.request +50 "Asked for a demo"`).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match &self.label {
            None => self.rule.as_str().into(),
            Some(label) => format!("{} \"{label}\"", self.rule).into(),
        }
    }
}

/// Whether a part of a flag's condition holds, and why (see [`Outcome::flags_why`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PartWhy {
    /// Whether this part holds.
    pub holds: bool,
    /// Its shape: a combination of parts, or one test.
    pub kind: PartWhyKind,
}

/// The shape of a part of a flag's condition.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PartWhyKind {
    /// `and`: every operand must hold.
    All(Vec<PartWhy>),
    /// `or`: one operand must hold.
    Any(Vec<PartWhy>),
    /// `not` of an `and` or `or`.
    Not(Box<PartWhy>),
    /// Any other condition: its text, and each value it tested that is not a constant,
    /// with that value's text (`None`: absent).
    Test {
        /// The condition as written (constants shown as their values).
        text: String,
        /// Each value it tested: its text and the lead's value (`None`: absent).
        values: Vec<(String, Option<Value>)>,
    },
}

/// Serialized as `{"holds": …, "all": […]}`, `"any"`, `"not": {…}`, or
/// `"test": "text", "values": {"text": value, …}` (values omitted when there are none).
impl Serialize for PartWhy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("holds", &self.holds)?;
        match &self.kind {
            PartWhyKind::All(parts) => map.serialize_entry("all", parts)?,
            PartWhyKind::Any(parts) => map.serialize_entry("any", parts)?,
            PartWhyKind::Not(part) => map.serialize_entry("not", part)?,
            PartWhyKind::Test { text, values } => {
                map.serialize_entry("test", text)?;
                if !values.is_empty() {
                    map.serialize_entry("values", &Shown(values))?;
                }
            }
        }
        map.end()
    }
}

/// Tested values as a JSON object: numbers as outputs show them, times and durations
/// as text, absent as `null`.
struct Shown<'a>(&'a [(String, Option<Value>)]);

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (text, value) in self.0 {
            match value {
                None => map.serialize_entry(text, &())?,
                Some(Value::Number(n)) => map.serialize_entry(text, &Points(*n))?,
                Some(Value::Str(v)) => map.serialize_entry(text, v)?,
                Some(Value::Bool(b)) => map.serialize_entry(text, b)?,
                Some(Value::Time(t)) => {
                    map.serialize_entry(text, &crate::time::format_timestamp(*t))?
                }
                Some(Value::Duration(d)) => {
                    map.serialize_entry(text, &crate::time::format_duration(*d))?
                }
            }
        }
        map.end()
    }
}

/// The next band up of a graded score (see [`Outcome::next_bands`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NextBand {
    /// The band's name.
    pub band: String,
    /// The points the score needs to reach it.
    #[serde(serialize_with = "points")]
    pub needs: f64,
    /// Whether the band is `> N`: the score needs more than `needs` points.
    #[serde(skip_serializing_if = "is_false")]
    pub beyond: bool,
}

/// What kind of explanation line a [`Reason`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ReasonKind {
    /// A rule (`on`, `when`) that gave points.
    Rule,
    /// Points lost to decay.
    Decay,
    /// Points cut by the score's `clamp`.
    Clamp,
    /// A score computed from other scores.
    Derived,
}

/// Scores are shown rounded to 6 decimals (hiding float noise such as
/// 0.30000000000000004), and whole numbers without a fraction: `35`, not `35.0`.
/// From 2^52 up every float is whole, so such a number is shown as it is (scaling it
/// by 10^6 could overflow); a number that is not finite stays so, and every output shows
/// it as absent (`null`, a blank CSV cell, `absent`).
pub fn round_points(x: f64) -> f64 {
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0; // 2^52
    if x.abs() >= WHOLE_FROM || x.is_nan() {
        return x;
    }
    let rounded = (x * 1e6).round() / 1e6;
    if rounded == 0.0 {
        0.0 // no negative zero
    } else {
        rounded
    }
}

fn serialize_points<S: Serializer>(x: f64, s: S) -> Result<S::Ok, S::Error> {
    let x = round_points(x);
    if !x.is_finite() {
        s.serialize_none() // absent
    } else if x.fract() == 0.0 && x.abs() < 9e15 {
        s.serialize_i64(x as i64)
    } else {
        s.serialize_f64(x)
    }
}

fn points<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    serialize_points(*x, s)
}

/// A number serialized as outputs show it (see [`round_points`]).
pub(crate) struct Points(pub f64);

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_points(self.0, s)
    }
}

fn ordered_scores<S: Serializer>(entries: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, &Points(*v))?;
    }
    map.end()
}

fn ordered_options<S: Serializer, T: Serialize>(
    entries: &Option<Vec<(String, T)>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    ordered(entries.as_deref().unwrap_or_default(), s)
}

fn timestamps<S: Serializer>(times: &[i64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(times.iter().map(|&t| crate::time::format_timestamp(t)))
}

fn timestamp<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::format_timestamp(*t))
}

fn percent<S: Serializer>(p: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    serialize_points(p.unwrap_or_default(), s)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !b
}

/// Whether a score passes a band's threshold: `>= threshold`, or `> threshold` when
/// `strict`.
fn passes(score: f64, threshold: f64, strict: bool) -> bool {
    if strict {
        score > threshold
    } else {
        score >= threshold
    }
}

fn ordered<S: Serializer, T: Serialize>(entries: &[(String, T)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}
