//! Plans of `on` rules with the options of section 11.3: `plan show` lists their slots of
//! events and their steps, and the verifier refuses every number out of range and every
//! slot that does not keep what its rule needs (a plan may come from another machine).

mod common;

use leadscore::plan::{Keep, PipelinePlan, PlanError, RuleKind, ScoreBody, SlotEvent, SlotKind};
use leadscore::Plan;

const MODEL: &str = r#"
event email.send { message_id: string }
event email.open { message_id: string }
event page.view { path: string }
score e {
  on email.send without email.open same message_id for 60d -5 within 180d
  on page.view +20 distinct by path max 1 per 7d max 3 decay -50% per 30d
  on page.view +1 max 2 per 1d
  when count(page.view distinct by path) >= 2 +1
}
"#;

fn plan() -> Plan {
    common::plan(MODEL)
}

#[test]
fn plan_show_lists_slots_of_events_and_the_steps_of_their_rules() {
    let text = plan().disassemble();
    for line in [
        "s0   events pairing message_id of email.open",
        "s1   events pairing message_id answered by s0 of email.send within 180d",
        "s2   events by path (newest per value) of page.view",
        "s3   events (newest 2 per 1d) of page.view",
        "kept s1 unanswered by s0 for 60d",
        "kept s2, distinct, max 1 per 1w, max 3, decay -50% per 30d",
        "kept s3, max 2 per 1d",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
}

/// The steps of rule `index` of the plan's one score.
fn pipeline(plan: &mut Plan, index: usize) -> &mut PipelinePlan {
    let ScoreBody::Rules { rules, .. } = &mut plan.scores[0].body else {
        panic!("a block")
    };
    match &mut rules[index].kind {
        RuleKind::Kept { pipeline, .. } => pipeline,
        other => panic!("rule {index} is {other:?}"),
    }
}

/// Member `index` (an event type feeding it) of slot `slot`.
fn member(plan: &mut Plan, slot: usize, index: usize) -> &mut SlotEvent {
    &mut plan.slots[slot].events.as_mut().expect("typed")[index]
}

fn refused(plan: &Plan, why: &str) {
    assert!(
        matches!(plan.verify(), Err(PlanError::Invalid(_))),
        "{why}: {:?}",
        plan.verify()
    );
}

#[test]
fn the_verifier_refuses_numbers_out_of_range() {
    let base = plan();
    assert_eq!(base.verify(), Ok(()));
    for percent in [0.0, -5.0, 100.5, f64::NAN, f64::INFINITY] {
        let mut p = base.clone();
        pipeline(&mut p, 1).decay = Some((percent, 30));
        refused(&p, "a decay percentage");
    }
    let mut p = base.clone();
    pipeline(&mut p, 1).decay = Some((50.0, 0));
    refused(&p, "a decay period");
    let mut p = base.clone();
    pipeline(&mut p, 1).max = Some(0);
    refused(&p, "max 0");
    let mut p = base.clone();
    pipeline(&mut p, 1).max_per = Some((0, 7));
    refused(&p, "max 0 per");
    let mut p = base.clone();
    pipeline(&mut p, 1).max_per = Some((1, -7));
    refused(&p, "max per a negative period");
    let mut p = base.clone();
    pipeline(&mut p, 0).unanswered.as_mut().unwrap().wait = 0;
    refused(&p, "a waiting period of 0");
}

#[test]
fn the_verifier_refuses_slots_that_do_not_keep_what_their_rule_needs() {
    let base = plan();
    // A slot that forgets events its rule still reads.
    let mut p = base.clone();
    if let SlotKind::Events { keep, .. } = &mut p.slots[2].kind {
        *keep = Keep::Newest {
            per: None,
            max: Some(1),
        };
    }
    refused(&p, "a slot that forgets too much");
    // Answers that are not the slot's, or come after it, or pair on no property.
    let mut p = base.clone();
    pipeline(&mut p, 0).unanswered.as_mut().unwrap().slot = 2;
    refused(&p, "answers of another slot");
    let mut p = base.clone();
    if let SlotKind::Events { answered_by, .. } = &mut p.slots[1].kind {
        *answered_by = Some(1);
    }
    refused(&p, "a slot answered by itself");
    let mut p = base.clone();
    member(&mut p, 1, 0).pair = Some(7);
    refused(&p, "an unknown property");
    // A rule whose slot counts instead of keeping events.
    let mut p = base.clone();
    p.slots[3].kind = SlotKind::Count;
    refused(&p, "a count slot");
    let mut p = base;
    pipeline(&mut p, 1).distinct = false;
    refused(&p, "distinct without its property");
}

/// A non-response rule and a `distinct by` over groups and lists whose types declare
/// the properties at different places.
const GROUPS: &str = r#"
event ticket.open { priority: int, ref: int }
event ticket.reply { ref: number }
event ticket.note { text: string, ref: int }
event page.view { path: string }
event page.scroll { depth: int, path: string }
score e {
  on ticket.open without [ticket.reply, ticket.note] same ref for 2d -3
  on page.* +1 distinct by path
  when count(page.*) > 1 +1
}
"#;

fn group_plan() -> Plan {
    common::plan(GROUPS)
}

#[test]
fn each_member_of_a_group_keeps_its_own_property_indices() {
    let p = group_plan();
    let indices = |slot: usize| -> Vec<(Option<u32>, Option<u32>)> {
        p.slots[slot]
            .events
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| (m.pair, m.distinct))
            .collect()
    };
    // s0: the answers (ticket.reply, ticket.note); s1: the opens; s2: the pages.
    assert_eq!(indices(0), [(Some(0), None), (Some(1), None)]);
    assert_eq!(indices(1), [(Some(1), None)]);
    assert_eq!(indices(2), [(None, Some(0)), (None, Some(1))]);
    let text = p.disassemble();
    for line in [
        "s0   events pairing ref of [ticket.reply, ticket.note]",
        "s1   events pairing ref answered by s0 of ticket.open",
        "s2   events by path (newest per value) of page.*",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
}

#[test]
fn the_verifier_refuses_member_data_that_does_not_fit() {
    let base = group_plan();
    assert_eq!(base.verify(), Ok(()));
    // A `same` index past the member's own properties (ticket.reply has one).
    let mut p = base.clone();
    member(&mut p, 0, 0).pair = Some(1);
    refused(&p, "a pair index of another type");
    // One member pairing and another not.
    let mut p = base.clone();
    member(&mut p, 0, 1).pair = None;
    refused(&p, "a member without its pair");
    // Members pairing on properties of two types (ticket.note's `text` is a string).
    let mut p = base.clone();
    member(&mut p, 0, 1).pair = Some(0);
    refused(&p, "pairs of two types");
    // One member keeping a `distinct by` value and another not.
    let mut p = base.clone();
    member(&mut p, 2, 1).distinct = None;
    refused(&p, "a member without its distinct value");
    let mut p = base.clone();
    member(&mut p, 2, 0).distinct = Some(3);
    refused(&p, "an unknown distinct index");
    // Properties kept by a slot that does not keep events (s3 counts `page.*`).
    let mut p = base;
    assert_eq!(p.slots[3].kind, SlotKind::Count);
    member(&mut p, 3, 0).distinct = Some(0);
    refused(&p, "a count slot with distinct values");
}
