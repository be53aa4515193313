//! Results that depend on the lead's attributes alone — a fit score made of `when`
//! rules on who the lead is, its grade, a flag on them — for the live engine (`live/`),
//! which evaluates the same lead at every event and every time a result can change by
//! itself: such results are worked out once per lead and remembered until its
//! attributes change, so a look evaluates only what events and time can move.

use super::Input;
use crate::plan::{NodeRef, Op, Plan, RuleKind, ScoreBody};
use std::cell::RefCell;

/// A lead's remembered results that read only its attributes: one value per node of
/// [`static_nodes`], in plan order (a score's value, a flag as 0 or 1, a grade's band
/// index); empty until the first evaluation fills it.
pub(crate) type Known = RefCell<KnownValues>;

/// The values a [`Known`] holds: inline for a few (a fit score and its grade, say), so
/// that a lead keeps them beside its other fields and a look does not wait for memory
/// elsewhere to read them.
pub(crate) type KnownValues = smallvec::SmallVec<[f64; 4]>;

/// For each node of `plan.order`, whether its result reads only the lead's attributes
/// and constants: a score whose rules are all `when` on the lead, a derived score,
/// flag or grade whose expressions read nothing else but such results.
pub(super) fn static_nodes(plan: &Plan) -> Vec<bool> {
    let mut scores = vec![false; plan.scores.len()];
    let mut flags = vec![false; plan.flags.len()];
    let mut grades = vec![false; plan.grades.len()];
    let mut nodes = Vec::with_capacity(plan.order.len());
    for node in &plan.order {
        // What each node reads is computed before it: earlier verdicts are final.
        let reads_static = |chunk: u32| {
            plan.chunk_code(chunk).iter().all(|op| match *op {
                Op::Score(i) => scores[i as usize],
                Op::Flag(i) => flags[i as usize],
                Op::Grade(i) => grades[i as usize],
                _ => super::reads_only_op(op, Input::Lead),
            })
        };
        let fixed = match *node {
            NodeRef::Score(i) => match &plan.scores[i as usize].body {
                ScoreBody::Rules { rules, .. } => rules.iter().all(|rule| match rule.kind {
                    RuleKind::When { condition } => reads_static(condition),
                    _ => false,
                }),
                ScoreBody::Derived { expr } => reads_static(*expr),
            },
            NodeRef::Flag(i) => reads_static(plan.flags[i as usize].condition),
            NodeRef::Grade(i) => {
                let grade = &plan.grades[i as usize];
                scores[grade.score as usize]
                    && grade
                        .bands
                        .iter()
                        .filter_map(|b| b.condition)
                        .all(reads_static)
            }
        };
        match *node {
            NodeRef::Score(i) => scores[i as usize] = fixed,
            NodeRef::Flag(i) => flags[i as usize] = fixed,
            NodeRef::Grade(i) => grades[i as usize] = fixed,
        }
        nodes.push(fixed);
    }
    nodes
}
