//! What the semantics tests share: a model compiled from text, events written as
//! `(type, time, properties)`, and one lead scored as of [`T`].
// Each test file uses some of these.
#![allow(dead_code)]

use leadscore::{MemoryLoader, Outcome, Plan, Scorer, Value};

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

/// Lead `L1` with `fields` and `events`, scored (and explained) as of [`T`].
pub fn outcome(scorer: &Scorer, fields: Vec<(&str, Value)>, events: Vec<Ev<'_>>) -> Outcome {
    let lead = scorer.lead("L1", fields).unwrap();
    let events: Vec<_> = events
        .into_iter()
        .filter_map(|(t, ts, props)| scorer.event("L1", t, at(ts), props).unwrap())
        .collect();
    scorer.evaluate(&lead, &events, at(T), true)
}

pub fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}
