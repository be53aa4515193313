//! Why a plan is refused: each `PlanError` has its stable `E07xx` code, documented in
//! `docs/diagnostics.md`, and the verifier refuses every number that is not finite.

use leadscore::diagnostics::Code;
use leadscore::plan::{Constant, Op, ScoreBody, FORMAT_VERSION};
use leadscore::{Plan, PlanError, Scorer};
use std::path::Path;

/// A plan with every kind of number in it: constants (alone and in lists), points,
/// clamp bounds and band thresholds.
fn plan() -> Plan {
    leadscore::compile_file(Path::new("tests/golden/every_op.score"))
        .unwrap()
        .plan
        .expect("the model compiles")
}

fn code(result: Result<Plan, PlanError>) -> &'static str {
    result.expect_err("the plan is refused").code().as_str()
}

#[test]
fn each_plan_error_has_its_code() {
    let plan = plan();
    assert_eq!(code(Plan::from_bytes(b"hello")), "E0701");

    let mut other_version = plan.to_bytes();
    other_version[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(code(Plan::from_bytes(&other_version)), "E0702");
    let json = plan.to_json().replacen(
        &format!("\"format_version\": {FORMAT_VERSION}"),
        "\"format_version\": 1",
        1,
    );
    assert_eq!(code(Plan::from_bytes(json.as_bytes())), "E0702");

    let bytes = plan.to_bytes();
    assert_eq!(code(Plan::from_bytes(&bytes[..10])), "E0703");
    assert_eq!(code(Plan::from_bytes(&bytes[..bytes.len() - 1])), "E0703");
    assert_eq!(code(Plan::from_bytes(b"{ \"format_version\": ")), "E0703");
    // One bit changed in the payload: its checksum no longer matches.
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let error = Plan::from_bytes(&flipped).expect_err("refused");
    assert_eq!(error.code().as_str(), "E0703");
    assert!(error.to_string().contains("checksum"), "{error}");

    let mut inconsistent = plan.clone();
    inconsistent.code[0] = Op::LeadField(999);
    assert_eq!(code(Plan::from_bytes(&inconsistent.to_bytes())), "E0704");
}

#[test]
fn plan_codes_are_documented() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"))
            .unwrap();
    let plan_codes: Vec<&Code> = Code::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("E07"))
        .collect();
    assert_eq!(plan_codes.len(), 4);
    for code in plan_codes {
        assert!(
            docs.contains(&format!("## {code}")),
            "{code} is not documented"
        );
    }
}

/// Every place a plan holds a float, set to `x`.
fn with_number(x: f64) -> Vec<(&'static str, Plan)> {
    let base = plan();
    let mut sites = Vec::new();
    let mut p = base.clone();
    let i = p
        .constants
        .iter()
        .position(|c| matches!(c, Constant::Number(_)))
        .unwrap();
    p.constants[i] = Constant::Number(x);
    sites.push(("a constant", p));
    let mut p = base.clone();
    let i = p
        .constants
        .iter()
        .position(|c| matches!(c, Constant::List(_)))
        .unwrap();
    p.constants[i] = Constant::List(vec![Constant::Number(1.0), Constant::Number(x)]);
    sites.push(("a list item", p));
    let mut p = base.clone();
    let ScoreBody::Rules { rules, .. } = &mut p.scores[0].body else {
        panic!("fit has rules")
    };
    rules[0].points = x;
    sites.push(("points", p));
    for bound in ["low", "high"] {
        let mut p = base.clone();
        let ScoreBody::Rules {
            clamp: Some(clamp), ..
        } = &mut p.scores[0].body
        else {
            panic!("fit is clamped")
        };
        if bound == "low" {
            clamp.low = x;
        } else {
            clamp.high = x;
        }
        sites.push(("a clamp bound", p));
    }
    let mut p = base;
    p.grades[0].bands[0].threshold = Some(x);
    sites.push(("a threshold", p));
    sites
}

#[test]
fn every_number_in_a_plan_must_be_finite() {
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (site, plan) in with_number(x) {
            let refused = plan.verify().expect_err(site);
            assert_eq!(refused.code(), Code::InvalidPlan, "{site} = {x}");
            assert!(
                refused.to_string().contains("not a finite number"),
                "{site} = {x}: {refused}"
            );
            assert!(Plan::from_bytes(&plan.to_bytes()).is_err(), "{site} = {x}");
            // A NaN clamp bound used to reach `f64::clamp`, which panics on it.
            assert!(Scorer::new(plan).is_err(), "{site} = {x}");
        }
    }
    for (site, plan) in with_number(-0.5) {
        assert_eq!(plan.verify(), Ok(()), "{site} = -0.5");
    }
}

/// A loaded plan whose event `where` is the very chunk of a `when` rule is refused:
/// a batch works a lead-only `when` out once per lead and keeps only the fields other
/// chunks read, so a shared chunk would have its `where` read fields dropped.
#[test]
fn a_chunk_used_in_two_places_is_refused() {
    let source = "lead { size: int }\nevent a {}\n\
        score s { when lead.size > 5 +1\n on a where lead.size > 1 +1 }";
    let mut plan = leadscore::compile_source("m.score", source, &leadscore::MemoryLoader::new())
        .plan
        .expect("the model compiles");
    let ScoreBody::Rules { rules, .. } = &plan.scores[0].body else {
        panic!("a score of rules")
    };
    let leadscore::plan::RuleKind::When { condition } = rules[0].kind else {
        panic!("a when rule first")
    };
    let member = plan
        .slots
        .iter_mut()
        .find_map(|slot| slot.events.as_mut()?.first_mut());
    let member = member.expect("the on rule's slot");
    assert!(member.filter.is_some());
    member.filter = Some(condition);
    let error = Plan::from_bytes(&plan.to_bytes()).expect_err("refused");
    assert_eq!(error.code().as_str(), "E0704");
    assert!(error.to_string().contains("used in two places"), "{error}");
}
