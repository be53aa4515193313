//! The verifier and the plan's new parts of Language 1.1 (sections 11.6–11.8): grade
//! reads, grades in the evaluation order, a decay's `since` field, labels and strict
//! thresholds. A plan may come from another machine, so each is checked on loading.

use leadscore::plan::{NodeRef, Op, RuleKind, ScoreBody};
use leadscore::{Plan, Scorer};
use std::path::Path;

/// The golden model, which uses every new form.
fn plan() -> Plan {
    leadscore::compile_file(Path::new("tests/golden/every_op.score"))
        .unwrap()
        .plan
        .expect("the model compiles")
}

/// Whether the plan is refused, as bytes and as a scorer, with `words` in the reason.
fn refused(plan: Plan, words: &str) {
    let error = plan.verify().expect_err(words);
    assert!(error.to_string().contains(words), "{error}");
    assert!(Plan::from_bytes(&plan.to_bytes()).is_err());
    assert!(Scorer::new(plan).is_err());
}

fn rules<'p>(plan: &'p mut Plan, score: &str) -> &'p mut Vec<leadscore::plan::RulePlan> {
    let score = plan.scores.iter_mut().find(|s| s.name == score).unwrap();
    let ScoreBody::Rules { rules, .. } = &mut score.body else {
        panic!("a score block")
    };
    rules
}

#[test]
fn the_golden_plan_verifies() {
    assert_eq!(plan().verify(), Ok(()));
}

#[test]
fn a_grade_read_names_a_grade_chosen_before_it() {
    let mut p = plan();
    let at = p
        .code
        .iter()
        .position(|op| matches!(op, Op::Grade(_)))
        .unwrap();
    p.code[at] = Op::Grade(99);
    refused(p, "unknown grade");

    // The flag `graded` reads grade(total): put the flag before the grade.
    let mut p = plan();
    let flag = p.order.iter().position(|n| *n == NodeRef::Flag(3)).unwrap();
    let node = p.order.remove(flag);
    p.order.insert(0, node);
    refused(p, "before it is computed");
}

#[test]
fn every_grade_is_in_the_order_after_its_score() {
    let mut p = plan();
    p.order.retain(|n| !matches!(n, NodeRef::Grade(_)));
    refused(p, "leaves out");

    let mut p = plan();
    let grade = p
        .order
        .iter()
        .position(|n| matches!(n, NodeRef::Grade(_)))
        .unwrap();
    let node = p.order.remove(grade);
    p.order.insert(0, node);
    refused(p, "before its score");
}

#[test]
fn a_decay_since_names_a_time_field_of_the_lead() {
    for field in [0, 99] {
        let mut p = plan();
        for rule in rules(&mut p, "activity") {
            if let RuleKind::Decay { since, .. } = &mut rule.kind {
                if since.is_some() {
                    *since = Some(field); // 0 is `name`, a string
                }
            }
        }
        refused(p, "`since`");
    }
}

#[test]
fn labels_are_one_line_and_strict_bands_have_thresholds() {
    for label in ["", "two\nlines"] {
        let mut p = plan();
        rules(&mut p, "fit")
            .iter_mut()
            .find(|r| r.label.is_some())
            .unwrap()
            .label = Some(label.to_string());
        refused(p, "label");
    }
    let mut p = plan();
    let band = p.grades[0]
        .bands
        .iter_mut()
        .find(|b| b.threshold.is_none())
        .unwrap();
    band.strict = true;
    refused(p, "strict");
}
