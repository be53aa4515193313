//! Running a model's `test` blocks.

use crate::check::{Expectation, Model, TestDef};
use crate::eval::{round_points, Outcome, Scorer};
use crate::output::format_points;
use crate::record::{Event, Lead};
use serde::Serialize;

/// The result of one test.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The file it is in.
    pub file: String,
    /// The line of its `test` keyword.
    pub line: usize,
    /// The expectations that did not hold (none: the test passed).
    pub failures: Vec<Failure>,
    /// The test lead's results (with explanation), for showing why a test failed.
    pub outcome: Outcome,
    /// The test's `as of` time (microseconds since the epoch).
    pub as_of: i64,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// An expectation that did not hold.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// The `expect` line as written.
    pub expectation: String,
    /// Its line.
    pub line: usize,
    /// What it expected, as written.
    pub expected: String,
    /// What the model gave.
    pub actual: String,
}

/// Runs every test of `model` (compiled into `scorer`).
pub fn run_tests(model: &Model, scorer: &Scorer) -> Vec<TestResult> {
    model
        .tests
        .iter()
        .map(|test| run_test(model, scorer, test))
        .collect()
}

fn run_test(model: &Model, scorer: &Scorer, test: &TestDef) -> TestResult {
    let plan = scorer.plan();
    let mut lead = Lead::unknown("test lead", plan);
    for (field, value) in &test.lead {
        lead.fields[field.0 as usize] = Some(value.clone());
    }
    let events: Vec<Event> = test
        .events
        .iter()
        .map(|e| {
            let mut props = vec![None; plan.events[e.event.0 as usize].props.len()];
            for (prop, value) in &e.props {
                props[prop.0 as usize] = Some(value.clone());
            }
            Event {
                lead: lead.id.clone(),
                event_type: e.event.0,
                ts: e.ts,
                props,
            }
        })
        .collect();
    let outcome = scorer.evaluate(&lead, &events, test.as_of, true);
    let failures = test
        .expects
        .iter()
        .filter_map(|expect| {
            let (holds, expected, actual) = check(model, &outcome, &expect.kind);
            (!holds).then(|| Failure {
                expectation: expect.origin.text.clone(),
                line: expect.origin.line,
                expected,
                actual,
            })
        })
        .collect();
    TestResult {
        name: test.name.clone(),
        file: test.origin.file.clone(),
        line: test.origin.line,
        failures,
        outcome,
        as_of: test.as_of,
    }
}

/// Whether an expectation holds, with the expected and actual values in words.
fn check(model: &Model, outcome: &Outcome, expectation: &Expectation) -> (bool, String, String) {
    match expectation {
        Expectation::Score { score, op, value } => {
            let name = &model.scores[score.0 as usize].name;
            let actual = round_points(outcome.score(name).unwrap_or(0.0));
            let expected = round_points(*value);
            let holds = match op {
                crate::vocab::CmpOp::Eq => actual == expected,
                crate::vocab::CmpOp::Ne => actual != expected,
                crate::vocab::CmpOp::Lt => actual < expected,
                crate::vocab::CmpOp::Le => actual <= expected,
                crate::vocab::CmpOp::Gt => actual > expected,
                crate::vocab::CmpOp::Ge => actual >= expected,
            };
            (
                holds,
                format!("{name} {} {}", op.symbol(), format_points(expected)),
                format!("{name} = {}", format_points(actual)),
            )
        }
        Expectation::Grade { score, band } => {
            let name = &model.scores[score.0 as usize].name;
            let actual = outcome.grade(name).unwrap_or("?");
            (
                actual == band,
                format!("grade {name} == {band}"),
                format!("grade {name} is {actual}"),
            )
        }
        Expectation::Flag { flag, expected } => {
            let name = &model.flags[flag.0 as usize].name;
            let actual = outcome.flag(name).unwrap_or(false);
            let words = |on: bool| {
                if on {
                    format!("flag {name} set")
                } else {
                    format!("flag {name} not set")
                }
            };
            (actual == *expected, words(*expected), words(actual))
        }
    }
}
