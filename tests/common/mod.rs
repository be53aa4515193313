//! What the semantics tests share: a model compiled from text, events written as
//! `(type, time, properties)`, and one lead scored as of [`T`].
// Each test file uses some of these.
#![allow(dead_code)]

use leadscore::batch::Batch;
use leadscore::input::EventRecord;
use leadscore::job::ScoreJob;
use leadscore::live::{Engine, Settings};
use leadscore::time::{format_duration, format_timestamp};
use leadscore::{Event, Lead, MemoryLoader, Outcome, Plan, Scorer, Source, Value};
use std::sync::Arc;

/// The as-of time of every test.
pub const T: &str = "2026-11-01T00:00:00Z";

/// A time written as in data (`2026-10-01`, `2026-10-01T08:00:00.5Z`).
pub fn at(text: &str) -> i64 {
    leadscore::time::parse_timestamp(text).unwrap()
}

/// The plan of a model that must compile without errors.
pub fn plan(source: &str) -> Plan {
    let compiled = leadscore::compile_source("m.score", source, &MemoryLoader::new());
    assert!(
        !compiled.diagnostics.has_errors(),
        "model does not compile: {:#?}",
        compiled.diagnostics
    );
    compiled.plan.unwrap()
}

/// The scorer of a model that must compile without errors.
pub fn scorer(source: &str) -> Scorer {
    Scorer::new(plan(source)).unwrap()
}

/// Events as (type, time, properties).
pub type Ev<'a> = (&'a str, &'a str, Vec<(&'a str, Value)>);

/// Lead `L1` with `fields` and `events`, scored (and explained) as of [`T`]. Every
/// such fixture is also replayed through the live engine, which must give the same
/// outcome (see [`assert_live_agrees`]).
pub fn outcome(scorer: &Scorer, fields: Vec<(&str, Value)>, events: Vec<Ev<'_>>) -> Outcome {
    let lead = scorer.lead("L1", fields).unwrap();
    let events: Vec<_> = events
        .into_iter()
        .filter_map(|(t, ts, props)| scorer.event("L1", t, at(ts), props).unwrap())
        .collect();
    assert_live_agrees(scorer.plan(), &lead, &events, at(T));
    assert_batch_agrees(scorer.plan(), &lead, &events, at(T));
    scorer.evaluate(&lead, &events, at(T), true)
}

/// Checks that a batch, which keeps its lead records packed and streams the events
/// through their states, gives the outcome of scoring the lead from its events at once.
pub fn assert_batch_agrees(plan: &Plan, lead: &Lead, events: &[Event], as_of: i64) {
    let scorer = Arc::new(Scorer::new(plan.clone()).unwrap().with_event_times());
    let expected = scorer.evaluate(lead, events, as_of, true);
    let mut batch = Batch::new(scorer.clone(), as_of);
    batch.add_lead(lead.clone(), 1).unwrap();
    for event in events {
        batch.add_event(EventRecord::Declared(event.clone()));
    }
    let (outcomes, _) = batch.finish(true);
    assert_eq!(
        outcomes,
        std::slice::from_ref(&expected),
        "a batch and the lead scored at once differ"
    );
    // The same records as JSON Lines, through the readers' fast paths.
    let mut job = ScoreJob::new(as_of);
    job.explain = true;
    let leads = json_line(lead_json(plan, lead));
    let events: String = events
        .iter()
        .map(|e| json_line(event_json(plan, e)))
        .collect();
    let scored = job
        .score(
            scorer,
            Some(Source::new("leads.jsonl", leads.as_bytes())),
            Some(Source::new("events.jsonl", events.as_bytes())),
            None,
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}\n{leads}{events}"));
    let mut written = Vec::new();
    scored.write_to(&mut written).unwrap();
    let read: serde_json::Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(
        read,
        serde_json::to_value(&expected).unwrap(),
        "read as JSON Lines"
    );
}

fn json_line(value: serde_json::Value) -> String {
    format!("{value}\n")
}

/// A lead as a JSON Lines record.
fn lead_json(plan: &Plan, lead: &Lead) -> serde_json::Value {
    let mut record = serde_json::Map::new();
    record.insert("id".into(), lead.id.clone().into());
    for (decl, value) in plan.lead_fields().iter().zip(&lead.fields) {
        if let Some(value) = value {
            record.insert(decl.name.clone(), json_value(value));
        }
    }
    record.into()
}

/// An event as a JSON Lines record.
fn event_json(plan: &Plan, event: &Event) -> serde_json::Value {
    let decl = &plan.event_types()[event.event_type as usize];
    let mut record = serde_json::Map::new();
    record.insert("lead".into(), event.lead.clone().into());
    record.insert("type".into(), decl.name.clone().into());
    record.insert("ts".into(), format_timestamp(event.ts).into());
    for (prop, value) in decl.props.iter().zip(&event.props) {
        if let Some(value) = value {
            record.insert(prop.name.clone(), json_value(value));
        }
    }
    record.into()
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Str(s) => s.clone().into(),
        Value::Number(n) => (*n).into(),
        Value::Bool(b) => (*b).into(),
        Value::Time(t) => format_timestamp(*t).into(),
        Value::Duration(d) => format_duration(*d).into(),
        _ => unreachable!("a new kind of value"),
    }
}

/// Checks that the live engine gives batch scoring's outcome as of `as_of`, explanation
/// included, for `lead` and `events` fed two ways: in time order with the clock
/// following them, and all at once ahead of the clock.
pub fn assert_live_agrees(plan: &Plan, lead: &Lead, events: &[Event], as_of: i64) {
    let batch = Scorer::new(plan.clone()).unwrap().with_event_times();
    let expected = batch.evaluate(lead, events, as_of, true);
    let mut in_order = events.to_vec();
    in_order.sort_by_key(|e| e.ts);
    let start = in_order.first().map_or(as_of, |e| e.ts.min(as_of));
    for ahead in [false, true] {
        let mut engine = Engine::new(plan.clone(), Settings::default()).unwrap();
        engine.advance(start).unwrap();
        engine.upsert(lead.clone());
        for event in &in_order {
            if !ahead {
                engine.advance(event.ts.clamp(engine.now(), as_of)).unwrap();
            }
            engine.apply(event.clone()).unwrap();
        }
        engine.advance(as_of).unwrap();
        let live = engine.outcome(&lead.id, as_of, true).unwrap().unwrap();
        assert_eq!(
            live, expected,
            "live (events ahead: {ahead}) and batch differ"
        );
    }
}

pub fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}
