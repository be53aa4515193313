//! The live engine against batch scoring: generated models (every rule form, language
//! 1.1 included) and generated event streams, fed in time order and in a shuffled
//! arrival order within the lateness, with the clock advanced at random points. The
//! live outcome must equal the batch one at many times; in time order, every transition
//! must be real (batch results just before and at its time differ exactly that way) and
//! none missing (batch results at any time are the first ones plus the transitions up
//! to then). `LEADSCORE_LIVE_CASES` sets the number of cases (default 200).

mod common;

use leadscore::live::{Cause, Engine, Kind, Level, LiveError, LiveLead, Settings, Transition};
use leadscore::time::{DAY, HOUR};
use leadscore::{Event, Lead, Plan, Scorer, Value};

/// A small deterministic random source (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn word<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len() as u64) as usize]
    }
}

const SCHEMA: &str = r#"
lead { size: int, joined: time, tier: string }
event a.x { v: number, c: string }
event a.y { c: string }
event b.z {}
"#;

/// Every rule form: plain, windowed, capped, groups and lists, `distinct by`, `max K per
/// D`, fading, non-response (with `same`), `where` on the lead and on `now()`,
/// conditions on aggregates, `days_since`, `now()`, every decay.
const RULES: &[&str] = &[
    "on a.x +5",
    "on a.x where v > 3 +7 within 3d",
    "on a.y +2 within 2d max 3",
    "on a.* +1 within 5d",
    "on [a.x, b.z] +3",
    "on a.x +4 distinct by c",
    "on a.x +6 max 2 per 1d",
    "on a.x +10 decay -50% per 2d",
    "on a.x without a.y for 1d -8",
    "on a.x without a.y same c for 1d +8 within 10d",
    "on b.z where lead.size > 10 +5",
    "when count(a.x within 2d) >= 2 +9",
    "when exists(b.z) +3",
    "when sum(a.x.v) > 10 +4",
    "when sum(a.x.v within 2d) > 6 +4",
    "when days_since(a.x) < 2 +6",
    "when lead.joined <= now() - 3d +5",
    "when lead.size >= 5 +2",
    "decay -3 per 1d idle",
    "decay -2 per 12h without a.y",
    "decay -1 per 1d without b.z since lead.joined",
    "when count(a.x distinct by c) >= 2 +5",
    "on a.x +3 within 4d max 2",
    "on a.y where c == \"p\" +4 within 1d decay -25% per 12h",
    "on a.x where lead.tier == \"gold\" +2 within 2d",
    "on b.z where lead.joined < now() - 2d +3",
    "on a.y +1 max 2 per 12h",
    "when lead.joined > now() - 5d and lead.joined <= now() - 1d +7",
    "on a.x +2 within 3d distinct by c max 1 per 1d decay -50% per 1d",
];

const FLAGS: &[&str] = &[
    "flag f1 when s1 >= 10",
    "flag f2 when s2 > 5 and exists(a.y within 1d)",
    "flag f3 when grade(s1) == \"hot\"",
    "flag f4 when t < 0",
];

fn model(rng: &mut Rng) -> String {
    let mut text = SCHEMA.to_string();
    for score in ["s1", "s2"] {
        text.push_str(&format!("score {score} {{\n"));
        for _ in 0..1 + rng.below(5) {
            text.push_str(&format!("  {}\n", rng.pick(RULES)));
        }
        if rng.chance(30) {
            text.push_str("  clamp -10 40\n");
        }
        text.push_str("}\n");
    }
    text.push_str("score t = s1 + s2\n");
    if rng.chance(40) {
        // Results on the lead's attributes alone, which the engine remembers per lead,
        // beside and mixed with the others.
        text.push_str("score fit { when lead.size >= 5 +10\n when lead.tier == \"gold\" +15 }\n");
        text.push_str("grade fit { A >= 20; B >= 10; C }\n");
        text.push_str("flag fit_only when fit >= 15\n");
        text.push_str("flag fit_and_s1 when fit >= 10 and s1 > 0\n");
        text.push_str("score both = fit + t\n");
    }
    text.push_str("grade s1 { hot >= 20; warm >= 8; cold }\n");
    if rng.chance(50) {
        text.push_str("grade s2 { A > 10; B >= 0; C }\n");
    }
    for flag in FLAGS {
        if rng.chance(60) {
            text.push_str(flag);
            text.push('\n');
        }
    }
    text
}

/// When the generated histories start.
fn t0() -> i64 {
    common::at("2026-10-01")
}

/// Where the generated streams' clocks end: 30 days after [`t0`], past every window.
fn end() -> i64 {
    t0() + 30 * DAY
}

fn leads(rng: &mut Rng, scorer: &Scorer) -> Vec<Lead> {
    (1..=3)
        .map(|i| {
            let mut fields = Vec::new();
            if rng.chance(80) {
                fields.push(("size", Value::Number(rng.below(20) as f64)));
            }
            if rng.chance(80) {
                let joined = t0() - 10 * DAY + rng.below(20 * DAY as u64) as i64;
                fields.push(("joined", Value::Time(joined)));
            }
            if rng.chance(60) {
                fields.push(("tier", common::s(rng.word(&["gold", "silver"]))));
            }
            scorer.lead(&format!("L{i}"), fields).unwrap()
        })
        .collect()
}

fn events(rng: &mut Rng, scorer: &Scorer) -> Vec<Event> {
    (0..5 + rng.below(25))
        .map(|_| {
            let lead = format!("L{}", 1 + rng.below(3));
            let event_type = *rng.pick(&["a.x", "a.x", "a.y", "b.z"]);
            // Whole hours (so events share times and windows end together) or any µs.
            let ts = if rng.chance(70) {
                t0() + rng.below(15 * 24) as i64 * HOUR
            } else {
                t0() + rng.below(15 * DAY as u64) as i64
            };
            let mut props = Vec::new();
            if rng.chance(80) {
                props.push(("v", Value::Number(rng.below(8) as f64)));
            }
            if rng.chance(80) {
                props.push(("c", common::s(rng.word(&["p", "q"]))));
            }
            scorer.event(&lead, event_type, ts, props).unwrap().unwrap()
        })
        .collect()
}

/// One generated case: a plan, its leads and events.
struct Case {
    seed: u64,
    source: String,
    plan: Plan,
    /// Whether explanations list event times (one case in three without, which keeps
    /// smaller states with other ways of taking events out of them).
    event_times: bool,
    batch: Scorer,
    leads: Vec<Lead>,
    events: Vec<Event>,
}

impl Case {
    fn new(seed: u64) -> Case {
        let mut rng = Rng(seed);
        let source = model(&mut rng);
        let plan = common::plan(&source);
        let event_times = seed % 3 != 2;
        let batch = Scorer::new(plan.clone()).unwrap();
        let batch = if event_times {
            batch.with_event_times()
        } else {
            batch
        };
        let leads = leads(&mut rng, &batch);
        let events = events(&mut rng, &batch);
        Case {
            seed,
            source,
            plan,
            event_times,
            batch,
            leads,
            events,
        }
    }

    /// Batch scoring of `lead` as of `as_of` over `events` (later ones do not count).
    fn batch(&self, lead: &Lead, events: &[Event], as_of: i64) -> leadscore::Outcome {
        let own: Vec<Event> = events
            .iter()
            .filter(|e| e.lead == lead.id)
            .cloned()
            .collect();
        self.batch.evaluate(lead, &own, as_of, true)
    }

    /// The flags and bands of batch scoring over `events`, by (kind, name).
    fn shown(&self, lead: &Lead, events: &[Event], as_of: i64) -> Vec<(Kind, String, Level)> {
        let outcome = self.batch(lead, events, as_of);
        let flags = outcome
            .flags
            .iter()
            .map(|(name, on)| (Kind::Flag, name.clone(), Level::Flag(*on)));
        let grades = outcome
            .grades
            .iter()
            .map(|(name, band)| (Kind::Grade, name.clone(), Level::Band(band.clone())));
        flags.chain(grades).collect()
    }

    /// The engine's settings for the case.
    fn settings(&self) -> Settings {
        if self.event_times {
            Settings::default()
        } else {
            Settings::default().without_event_times()
        }
    }

    fn engine(&self) -> Engine {
        self.engine_with(self.settings())
    }

    /// [`Case::engine`] taking events up to `lateness` late.
    fn late_engine(&self, lateness: i64) -> Engine {
        self.engine_with(self.settings().with_lateness(lateness))
    }

    fn engine_with(&self, settings: Settings) -> Engine {
        let mut engine = Engine::new(self.plan.clone(), settings).unwrap();
        engine.advance(t0()).unwrap();
        for lead in &self.leads {
            engine.upsert(lead.clone());
        }
        engine
    }

    /// Moves the clock to [`end`], checks the outcomes there and takes the transitions.
    fn finish(&self, engine: &mut Engine, applied: &[Event]) -> Vec<Transition> {
        engine.advance(end()).unwrap();
        self.check_outcomes(engine, applied, end());
        engine.take_transitions()
    }

    /// Checks the live outcome of every lead as of `as_of` against batch scoring of
    /// the events applied so far.
    fn check_outcomes(&self, engine: &Engine, applied: &[Event], as_of: i64) {
        for lead in &self.leads {
            let live = engine.outcome(&lead.id, as_of, true).unwrap().unwrap();
            let batch = self.batch(lead, applied, as_of);
            assert_eq!(
                live, batch,
                "{} as of {as_of}, model:\n{}",
                lead.id, self.source
            );
        }
    }
}

fn cases() -> u64 {
    std::env::var("LEADSCORE_LIVE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

#[test]
fn in_time_order_outcomes_equal_batch_and_transitions_are_exactly_the_changes() {
    for seed in 0..cases() {
        let case = Case::new(seed);
        let mut rng = Rng(seed ^ 0xabcd);
        let mut in_order = case.events.clone();
        in_order.sort_by_key(|e| e.ts);
        let mut engine = case.engine();
        let mut applied = Vec::new();
        let mut next_changes = Vec::new();
        for event in &in_order {
            if rng.chance(30) {
                // Somewhere between the clock and the event.
                let to = engine.now() + rng.below((event.ts - engine.now()) as u64 + 1) as i64;
                engine.advance(to).unwrap();
                case.check_outcomes(&engine, &applied, to + rng.below(3 * DAY as u64) as i64);
            }
            engine.advance(event.ts).unwrap();
            engine.apply(event.clone()).unwrap();
            applied.push(event.clone());
            for lead in &case.leads {
                next_changes.extend(engine.next_change(&lead.id));
            }
        }
        let transitions = case.finish(&mut engine, &applied);
        check_transitions(&case, &transitions, &next_changes, &mut rng, end());
    }
}

/// Every transition is real, none is missing: at every time looked at, batch results
/// are those at the start with every transition up to then applied.
fn check_transitions(
    case: &Case,
    transitions: &[Transition],
    next_changes: &[i64],
    rng: &mut Rng,
    end: i64,
) {
    let mut sorted = transitions.to_vec();
    sorted.sort_by(|a, b| (a.at, &a.lead, a.kind, &a.name).cmp(&(b.at, &b.lead, b.kind, &b.name)));
    assert_eq!(sorted, transitions, "delivered in order");
    let mut times: Vec<i64> = transitions.iter().flat_map(|t| [t.at - 1, t.at]).collect();
    times.extend(next_changes.iter().flat_map(|&t| [t - 1, t]));
    times.extend(case.events.iter().map(|e| e.ts));
    times.extend((0..40).map(|_| t0() + rng.below((end - t0()) as u64) as i64));
    times.retain(|&t| t >= t0() && t <= end);
    for lead in &case.leads {
        // Where transitions start: the lead when it was added, before any event.
        let start = case.shown(lead, &[], t0());
        for &t in &times {
            let mut expected = start.clone();
            for tr in transitions
                .iter()
                .filter(|tr| tr.lead == lead.id && tr.at <= t)
            {
                let slot = expected
                    .iter_mut()
                    .find(|(kind, name, _)| *kind == tr.kind && *name == tr.name)
                    .expect("a transition of a flag or grade the model has");
                assert_eq!(slot.2, tr.from, "seed {}: {tr:?} starts where the last ended, transitions {transitions:#?}, model:\n{}", case.seed, case.source);
                slot.2 = tr.to.clone();
            }
            assert_eq!(
                case.shown(lead, &case.events, t),
                expected,
                "seed {}: {} at {t} ({}), transitions {transitions:#?}, model:\n{}",
                case.seed,
                lead.id,
                leadscore::time::format_timestamp(t),
                case.source
            );
        }
    }
}

/// A lead whose attributes change between events is scored as batch scoring scores it
/// with its new attributes over every event so far (the rules whose `where` reads the
/// lead keep their events and read them again), and the changes come in time order.
#[test]
fn leads_changed_between_events_score_as_batch_with_their_new_attributes() {
    for seed in 0..cases() {
        let mut case = Case::new(seed);
        let mut rng = Rng(seed ^ 0x5eed);
        let mut in_order = case.events.clone();
        in_order.sort_by_key(|e| e.ts);
        let mut engine = case.engine();
        let mut applied = Vec::new();
        for event in &in_order {
            engine.advance(event.ts).unwrap();
            engine.apply(event.clone()).unwrap();
            applied.push(event.clone());
            if rng.chance(25) {
                // One lead's attributes drawn anew (some absent, some the same).
                let new = leads(&mut rng, &case.batch);
                let i = rng.below(new.len() as u64) as usize;
                engine.upsert(new[i].clone());
                case.leads[i] = new[i].clone();
                let as_of = engine.now() + rng.below(3 * DAY as u64) as i64;
                case.check_outcomes(&engine, &applied, as_of);
            }
        }
        let transitions = case.finish(&mut engine, &applied);
        assert!(
            transitions.windows(2).all(|w| {
                let key = |t: &Transition| (t.at, t.lead.clone(), t.kind, t.name.clone());
                key(&w[0]) <= key(&w[1])
            }),
            "in order, model:\n{}",
            case.source
        );
    }
}

/// The case's events in order of arrival, each arriving up to `lateness` after its time.
fn arrivals(case: &Case, rng: &mut Rng, lateness: i64) -> Vec<(i64, Event)> {
    let mut arrivals: Vec<(i64, Event)> = case
        .events
        .iter()
        .map(|e| (e.ts + rng.below(lateness as u64) as i64, e.clone()))
        .collect();
    arrivals.sort_by_key(|(arrival, _)| *arrival);
    arrivals
}

/// A new engine at `engine`'s clock with every lead's state from `engine`, stored as
/// JSON and restored.
fn restored(case: &Case, engine: &Engine, lateness: i64) -> Engine {
    let settings = case.settings().with_lateness(lateness);
    let mut restored = Engine::new(case.plan.clone(), settings).unwrap();
    restored.advance(engine.now()).unwrap();
    for lead in &case.leads {
        let stored = serde_json::to_string(engine.lead_state(&lead.id).unwrap()).unwrap();
        let state = serde_json::from_str::<LiveLead>(&stored).unwrap();
        restored.restore_lead(state).unwrap();
    }
    restored
}

/// In any arrival order within the lateness, outcomes are batch scoring's; so they
/// are when, at random points, every lead's state is stored and restored into a new
/// engine (some states then hold events ahead of the clock, and events kept whole).
#[test]
fn in_any_arrival_order_within_the_lateness_outcomes_equal_batch() {
    let lateness = 2 * DAY;
    for seed in 0..cases() {
        let case = Case::new(seed);
        let mut rng = Rng(seed ^ 0x1234);
        let arrivals = arrivals(&case, &mut rng, lateness);
        let mut engine = case.late_engine(lateness);
        let mut applied = Vec::new();
        for (arrival, event) in arrivals {
            if rng.chance(50) {
                engine.advance(arrival.max(engine.now())).unwrap();
            }
            engine.apply(event.clone()).unwrap();
            applied.push(event);
            if rng.chance(20) {
                if rng.chance(50) {
                    engine = restored(&case, &engine, lateness);
                }
                let as_of = engine.now().max(t0()) + rng.below(4 * DAY as u64) as i64;
                case.check_outcomes(&engine, &applied, as_of);
            }
        }
        let transitions = case.finish(&mut engine, &applied);
        assert!(
            transitions.windows(2).all(|w| w[0].at <= w[1].at),
            "in time order"
        );
    }
}

/// A model whose MQL flag holds while two clicks are inside 30 days.
fn clicks() -> (Plan, Engine) {
    let plan = common::plan(
        "event email.click {}\nscore e { on email.click +40 within 30d }\nflag mql when e >= 80",
    );
    let engine = Engine::new(plan.clone(), Settings::default()).unwrap();
    (plan, engine)
}

fn click(engine: &Engine, lead: &str, ts: i64) -> Event {
    engine
        .scorer()
        .event(lead, "email.click", ts, [])
        .unwrap()
        .unwrap()
}

#[test]
fn an_event_as_late_as_the_lateness_is_applied_and_one_microsecond_more_is_refused() {
    let (_, mut engine) = clicks();
    let now = t0() + 10 * DAY;
    engine.advance(now).unwrap();
    let edge = now - 7 * DAY;
    engine.apply(click(&engine, "L1", edge)).unwrap();
    let refused = engine.apply(click(&engine, "L1", edge - 1));
    assert_eq!(
        refused,
        Err(LiveError::TooLate {
            ts: edge - 1,
            now,
            lateness: 7 * DAY
        })
    );
    assert_eq!(refused.unwrap_err().code().as_str(), "E0840");
    let counts = engine.counts();
    assert_eq!((counts.applied, counts.refused), (1, 1));
    // The refused event changed nothing.
    let outcome = engine.outcome("L1", now, false).unwrap().unwrap();
    assert_eq!(outcome.score("e"), Some(40.0));
}

#[test]
fn a_lateness_of_zero_takes_only_events_at_or_after_the_clock() {
    let (plan, _) = clicks();
    let mut engine = Engine::new(plan, Settings::default().with_lateness(0)).unwrap();
    engine.advance(t0()).unwrap();
    engine.apply(click(&engine, "L1", t0())).unwrap();
    engine.apply(click(&engine, "L1", t0() + 1)).unwrap();
    assert!(engine.apply(click(&engine, "L1", t0() - 1)).is_err());
}

#[test]
fn a_late_event_counts_from_the_clock_and_one_ahead_from_its_time() {
    let (_, mut engine) = clicks();
    engine.advance(t0() + DAY).unwrap();
    engine.apply(click(&engine, "L1", t0())).unwrap(); // a day late
    engine.apply(click(&engine, "L1", t0() + 3 * DAY)).unwrap(); // two days ahead
    assert_eq!(engine.next_change("L1"), Some(t0() + 3 * DAY));
    engine.advance(t0() + 40 * DAY).unwrap();
    let changes = engine.take_transitions();
    let summary: Vec<(i64, Cause, Level)> = changes
        .iter()
        .map(|t| (t.at, t.cause, t.to.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            // The early event comes into existence: an event's change, at its time.
            (t0() + 3 * DAY, Cause::Event, Level::Flag(true)),
            // The first click leaves the window one microsecond after 30 days.
            (t0() + 30 * DAY + 1, Cause::Time, Level::Flag(false)),
        ]
    );
}

#[test]
fn the_clock_never_moves_back_and_outcomes_are_not_kept_for_the_past() {
    let (_, mut engine) = clicks();
    engine.advance(t0()).unwrap();
    let back = engine.advance(t0() - 1).unwrap_err();
    assert_eq!(back.code().as_str(), "E0841");
    engine.apply(click(&engine, "L1", t0())).unwrap();
    let past = engine.outcome("L1", t0() - 1, false).unwrap_err();
    assert_eq!(past.code().as_str(), "E0842");
    assert!(engine.outcome("nobody", t0(), false).unwrap().is_none());
}

#[test]
fn changes_caused_by_time_alone_happen_at_the_exact_microsecond() {
    let plan = common::plan(
        r#"
        lead { joined: time }
        event email.send { id: string }
        event email.open { id: string }
        event page.view {}
        score e {
          on page.view +30
          decay -10 per 7d idle
          on email.send without email.open same id for 2d -25
        }
        score loyal { when lead.joined <= now() - 365d +1 }
        grade e { warm >= 20; cold }
        flag old when loyal > 0
        "#,
    );
    let mut engine = Engine::new(plan.clone(), Settings::default()).unwrap();
    engine.advance(t0()).unwrap();
    let joined = t0() - 360 * DAY + 17;
    engine
        .upsert_lead("L1", [("joined", Value::Time(joined))])
        .unwrap();
    let view = engine
        .scorer()
        .event("L1", "page.view", t0(), [])
        .unwrap()
        .unwrap();
    engine.apply(view).unwrap();
    let send = engine
        .scorer()
        .event("L1", "email.send", t0() + HOUR, [("id", common::s("m1"))])
        .unwrap()
        .unwrap();
    engine.apply(send).unwrap();
    engine.advance(t0() + 30 * DAY).unwrap();
    let changes: Vec<(i64, Kind, Level, Cause)> = engine
        .take_transitions()
        .into_iter()
        .map(|t| (t.at, t.kind, t.to, t.cause))
        .collect();
    assert_eq!(
        changes,
        vec![
            (t0(), Kind::Grade, Level::Band("warm".into()), Cause::Event),
            // The send goes unanswered for two days: -25.
            (
                t0() + HOUR + 2 * DAY,
                Kind::Grade,
                Level::Band("cold".into()),
                Cause::Time
            ),
            // A year after joining, to the microsecond.
            (
                joined + 365 * DAY,
                Kind::Flag,
                Level::Flag(true),
                Cause::Time
            ),
        ]
    );
}

#[test]
fn changing_a_lead_reports_its_changes_with_cause_lead() {
    let plan = common::plan(
        "lead { size: int }\nscore fit { when lead.size > 100 +10 }\nflag big when fit > 0",
    );
    let mut engine = Engine::new(plan, Settings::default()).unwrap();
    engine.advance(t0()).unwrap();
    engine
        .upsert_lead("L1", [("size", Value::Number(5.0))])
        .unwrap();
    assert!(
        engine.take_transitions().is_empty(),
        "a new lead starts where it is"
    );
    engine
        .upsert_lead("L1", [("size", Value::Number(500.0))])
        .unwrap();
    let changes = engine.take_transitions();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].cause, changes[0].at, &changes[0].to),
        (Cause::Lead, t0(), &Level::Flag(true))
    );
}

#[test]
fn two_events_of_one_lead_at_one_time_that_undo_each_other_report_nothing() {
    let plan = common::plan(
        "event a.up {}\nevent a.down {}\nscore e { on a.up +10\non a.down -10 }\nflag positive when e > 0",
    );
    let mut engine = Engine::new(plan, Settings::default()).unwrap();
    engine.advance(t0()).unwrap();
    for kind in ["a.up", "a.down"] {
        let event = engine
            .scorer()
            .event("L1", kind, t0(), [])
            .unwrap()
            .unwrap();
        engine.apply(event).unwrap();
    }
    assert!(engine.take_transitions().is_empty());
}

#[test]
fn a_stored_lead_state_restored_gives_the_same_outcomes_and_changes() {
    let (plan, mut engine) = clicks();
    engine.advance(t0()).unwrap();
    for d in [0, 1] {
        engine.apply(click(&engine, "L1", t0() + d * DAY)).unwrap();
    }
    let stored = serde_json::to_string(engine.lead_state("L1").unwrap()).unwrap();
    let mut restored = Engine::new(plan, Settings::default()).unwrap();
    restored.advance(t0() + DAY).unwrap();
    restored
        .restore_lead(serde_json::from_str::<LiveLead>(&stored).unwrap())
        .unwrap();
    engine.take_transitions();
    for e in [&mut engine, &mut restored] {
        e.advance(t0() + 40 * DAY).unwrap();
    }
    let as_of = t0() + 40 * DAY;
    assert_eq!(
        engine.outcome("L1", as_of, true).unwrap(),
        restored.outcome("L1", as_of, true).unwrap()
    );
    assert_eq!(engine.take_transitions(), restored.take_transitions());
}

#[test]
fn a_lead_restored_with_a_change_already_past_is_looked_at_when_the_clock_moves() {
    let (plan, mut engine) = clicks();
    for d in [0, 1] {
        engine.advance(t0() + d * DAY).unwrap();
        engine.apply(click(&engine, "L1", t0() + d * DAY)).unwrap();
    }
    assert_eq!(
        engine
            .outcome("L1", t0() + DAY, false)
            .unwrap()
            .unwrap()
            .flag("mql"),
        Some(true)
    );
    let stored = serde_json::to_string(engine.lead_state("L1").unwrap()).unwrap();
    // Another engine whose queue has moved past L1's next change (its clicks leave the
    // window from 30 days on): L2's click left it 35 days on.
    let mut later = Engine::new(plan, Settings::default()).unwrap();
    later.advance(t0() + 5 * DAY).unwrap();
    later.apply(click(&later, "L2", t0() + 5 * DAY)).unwrap();
    later.advance(t0() + 36 * DAY).unwrap();
    later
        .restore_lead(serde_json::from_str::<LiveLead>(&stored).unwrap())
        .unwrap();
    later.take_transitions();
    later.advance(t0() + 40 * DAY).unwrap();
    let as_of = t0() + 40 * DAY;
    engine.advance(as_of).unwrap();
    assert_eq!(
        later.outcome("L1", as_of, true).unwrap(),
        engine.outcome("L1", as_of, true).unwrap()
    );
    // The drop out of `mql` it missed is found at the clock's time when it was restored.
    let changes = later.take_transitions();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (changes[0].at, changes[0].cause),
        (t0() + 36 * DAY, Cause::Time)
    );
    assert_eq!(later.next_change("L1"), None);
}

#[test]
fn a_queue_rebuilt_for_its_stale_entries_loses_no_change() {
    // Events ahead of the clock, each earlier than the one before: every one queues
    // the lead again earlier, leaving the later entries stale, until the engine
    // rebuilds its queue (past 1,028 entries for two leads). The same events in time order queue
    // nothing stale; both engines must find the same changes.
    let (_, mut rebuilt) = clicks();
    let (_, mut in_order) = clicks();
    let minute = 60_000_000;
    let times: Vec<i64> = (0..1200).map(|k| t0() + DAY + k * minute).collect();
    for engine in [&mut rebuilt, &mut in_order] {
        engine.advance(t0()).unwrap();
    }
    for &ts in times.iter().rev() {
        rebuilt.apply(click(&rebuilt, "L1", ts)).unwrap();
        rebuilt.apply(click(&rebuilt, "L2", ts + 7)).unwrap();
    }
    for &ts in &times {
        in_order.apply(click(&in_order, "L1", ts)).unwrap();
        in_order.apply(click(&in_order, "L2", ts + 7)).unwrap();
    }
    rebuilt.take_transitions();
    in_order.take_transitions();
    for step in 1..=50 {
        let at = t0() + step * DAY;
        for engine in [&mut rebuilt, &mut in_order] {
            engine.advance(at).unwrap();
        }
        for lead in ["L1", "L2"] {
            assert_eq!(rebuilt.next_change(lead), in_order.next_change(lead));
            assert_eq!(
                rebuilt.outcome(lead, at, true).unwrap(),
                in_order.outcome(lead, at, true).unwrap()
            );
        }
        assert_eq!(rebuilt.take_transitions(), in_order.take_transitions());
    }
    assert_eq!(rebuilt.counts().ahead, 2400);
}

#[test]
fn state_holds_only_the_events_that_can_still_change_a_result() {
    let plan = common::plan(
        "event a.x { c: string }\nscore e {\n on a.x +1\n on a.x where c == \"p\" +5 within 2d\n}",
    );
    let mut engine = Engine::new(plan, Settings::default().with_lateness(0)).unwrap();
    for d in 0..100 {
        let ts = t0() + d * DAY;
        engine.advance(ts).unwrap();
        let c = if d % 2 == 0 { "p" } else { "q" };
        let event = engine
            .scorer()
            .event("L1", "a.x", ts, [("c", common::s(c))])
            .unwrap()
            .unwrap();
        engine.apply(event).unwrap();
    }
    engine.advance(t0() + 100 * DAY).unwrap();
    // The count is a counter; only the "p" events of the last two days are kept (one).
    assert!(engine.lead_state("L1").unwrap().live_events() <= 2);
    let outcome = engine
        .outcome("L1", t0() + 100 * DAY, false)
        .unwrap()
        .unwrap();
    assert_eq!(outcome.score("e"), Some(100.0 + 5.0));
}

#[test]
fn a_lead_seen_before_the_clock_starts_follows_now_from_the_earliest_time() {
    let plan =
        common::plan("event a.x {}\nscore s { when now() >= @2026-10-15 +5 }\nflag f when s > 0");
    let mut engine = Engine::new(plan, Settings::default()).unwrap();
    engine.see_lead("L1"); // the clock is at the earliest time
    let turn = common::at("2026-10-15");
    assert_eq!(engine.next_change("L1"), Some(turn));
    engine.advance(t0() + 30 * DAY).unwrap();
    let changes = engine.take_transitions();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].at, changes[0].cause), (turn, Cause::Time));
}

#[test]
fn moving_between_two_bands_of_one_name_is_no_change() {
    let plan = common::plan(
        "lead { segment: string }\nevent email.click {}\nscore e { on email.click +10 }\n\
         grade e { hot >= 30; hot >= 10 if lead.segment == \"smb\"; cold }",
    );
    let mut engine = Engine::new(plan, Settings::default()).unwrap();
    engine.advance(t0()).unwrap();
    engine
        .upsert_lead("L1", [("segment", Value::Str("smb".into()))])
        .unwrap();
    for k in 1..=3 {
        let ts = t0() + k * HOUR;
        engine.advance(ts).unwrap();
        engine.apply(click(&engine, "L1", ts)).unwrap();
    }
    // cold → hot at the first click (by the `if` band); the third only moves it to the
    // other band named hot.
    let changes = engine.take_transitions();
    let levels: Vec<_> = changes.iter().map(|c| (&c.from, &c.to)).collect();
    let (cold, hot) = (Level::Band("cold".into()), Level::Band("hot".into()));
    assert_eq!(levels, [(&cold, &hot)]);
}

#[test]
fn a_stored_lead_state_of_another_shape_is_refused_and_changes_nothing() {
    let (plan, mut engine) = clicks();
    engine.advance(t0()).unwrap();
    engine.apply(click(&engine, "L1", t0())).unwrap();
    let stored = serde_json::to_value(engine.lead_state("L1").unwrap()).unwrap();
    let state =
        |value: &serde_json::Value| serde_json::from_value::<LiveLead>(value.clone()).unwrap();
    // Without event times the states have fewer cells.
    let without = Settings::default().without_event_times();
    let mut other = Engine::new(plan.clone(), without).unwrap();
    assert_eq!(
        other.restore_lead(state(&stored)),
        Err(LiveError::ForeignState)
    );
    assert!(other.lead_state("L1").is_none());
    // Another model's engine.
    let model = "lead { size: int }\nevent email.click {}\nscore e { on email.click +1 }";
    let mut another = Engine::new(common::plan(model), Settings::default()).unwrap();
    assert_eq!(
        another.restore_lead(state(&stored)),
        Err(LiveError::ForeignState)
    );
    // A record cut short, and an event of a type the model lacks.
    let mut cut = stored.clone();
    cut["record"].as_array_mut().unwrap().pop();
    let mut unknown_type = stored.clone();
    unknown_type["live"][0]["event_type"] = 7.into();
    let mut same = Engine::new(plan, Settings::default()).unwrap();
    for damaged in [cut, unknown_type] {
        assert_eq!(
            same.restore_lead(state(&damaged)),
            Err(LiveError::ForeignState)
        );
    }
    assert_eq!(same.restore_lead(state(&stored)), Ok(()));
    assert_eq!(same.lead_state("L1").unwrap().live_events(), 1);
    assert_eq!(LiveError::ForeignState.code().as_str(), "E0843");
}

/// An engine for `plan` after lead L1's events of `types`, all at one time.
fn engine_after(plan: Plan, settings: Settings, types: &[&str]) -> Engine {
    let mut engine = Engine::new(plan, settings).unwrap();
    let at = leadscore::time::parse_timestamp("2026-10-01").unwrap();
    engine.advance(at).unwrap();
    for event_type in types {
        let event = engine.scorer().event("L1", event_type, at, []).unwrap();
        engine.apply(event.unwrap()).unwrap();
    }
    engine
}

#[test]
fn a_lead_holds_its_remembered_results_and_a_dozen_cells_in_itself() {
    let b2b = leadscore::compile_file(std::path::Path::new("examples/b2b.score")).unwrap();
    let b2b = b2b.plan.unwrap();
    let events = ["email.open", "demo.request"];
    // The B2B example remembers its fit score and grade; without event times (as
    // `replay` runs it) its states have 11 cells, with them 32.
    let without_times = Settings::default().without_event_times();
    let engine = engine_after(b2b.clone(), without_times, &events);
    assert_eq!(
        engine.lead_state("L1").unwrap().holds_inline(),
        (true, true)
    );
    let engine = engine_after(b2b, Settings::default(), &events);
    assert_eq!(
        engine.lead_state("L1").unwrap().holds_inline(),
        (true, false)
    );
    // Five results on attributes alone are more than a lead holds in itself; the lead
    // scores the same with them held elsewhere.
    let many = "lead { size: int }\nevent a {}\n\
                score f1 { when lead.size > 1 +1 }\nscore f2 { when lead.size > 2 +1 }\n\
                score f3 { when lead.size > 3 +1 }\nscore f4 { when lead.size > 4 +1 }\n\
                score f5 { when lead.size > 5 +1 }\nscore s { on a +1 }";
    let compiled = leadscore::compile_source("m.score", many, &leadscore::MemoryLoader::new());
    let engine = engine_after(compiled.plan.unwrap(), without_times, &["a"]);
    assert_eq!(
        engine.lead_state("L1").unwrap().holds_inline(),
        (false, true)
    );
    let outcome = engine.outcome("L1", engine.now(), false).unwrap().unwrap();
    assert_eq!(outcome.scores.last(), Some(&("s".to_string(), 1.0)));
}

/// The room a lead's list of live events takes, in events.
fn room(engine: &Engine, id: &str) -> usize {
    engine.lead_state(id).expect("a lead").live_room()
}

#[test]
fn the_live_events_take_the_room_they_need_and_none_once_they_are_over() {
    let source = "event email.click {}\n\
                  score engagement { on email.click +10 within 30d }";
    let compiled = leadscore::compile_source("m.score", source, &leadscore::MemoryLoader::new());
    let mut engine = Engine::new(compiled.plan.unwrap(), Settings::default()).unwrap();
    let start = leadscore::time::parse_timestamp("2026-10-01").unwrap();
    let click = |engine: &mut Engine, at: i64| {
        engine.advance(at).unwrap();
        let event = engine.scorer().event("L1", "email.click", at, []).unwrap();
        engine.apply(event.unwrap()).unwrap();
    };
    for k in 0..4 {
        click(&mut engine, start + k * HOUR);
        let kept = engine.lead_state("L1").unwrap().live_events();
        assert_eq!(
            (kept, room(&engine, "L1")),
            (k as usize + 1, k as usize + 1)
        );
    }
    for k in 4..12 {
        click(&mut engine, start + k * HOUR);
    }
    assert_eq!(room(&engine, "L1"), 16, "doubling past four");
    // Twelve clicks have left the window, two are left in it: half the room goes.
    click(&mut engine, start + 29 * DAY);
    click(&mut engine, start + 29 * DAY + 1);
    engine.advance(start + 30 * DAY + 12 * HOUR).unwrap();
    assert_eq!(engine.lead_state("L1").unwrap().live_events(), 2);
    assert!(room(&engine, "L1") <= 8);
    engine.advance(start + 90 * DAY).unwrap();
    assert_eq!(room(&engine, "L1"), 0);
}
