//! The steps of an `on` rule with the options of section 11.3, run when the lead is
//! scored (T is known): from the events its slot kept (already matched, at or before T
//! and inside `within`), the events that go unanswered, then `distinct by`, `max K per
//! D` and `max K`, in that order. What each kept event is worth is `eval/mod.rs`'s.

use super::history::{newest_first, newest_per_period, newest_per_value, KeptEvent};
use crate::plan::PipelinePlan;

/// The events a rule keeps, and for a non-response rule the ones left unanswered.
pub(crate) struct Steps {
    /// Times of the kept events, newest first.
    pub kept: Vec<i64>,
    /// Times of the events no answer came for (step 3, before the later steps), newest
    /// first; empty for a rule without `without`.
    pub unanswered: Vec<i64>,
}

/// The events of a rule's slot and of the slot of its `without` (empty without one).
pub(crate) struct Inputs<'a> {
    pub events: &'a [KeptEvent],
    pub answers: &'a [KeptEvent],
    /// Whether the rule pairs events with answers by a property (`same PROP`).
    pub pairs: bool,
}

/// Runs steps 3 to 6 of section 11.3 on a rule's events as of `as_of`.
pub(crate) fn run(pipeline: &PipelinePlan, inputs: Inputs<'_>, as_of: i64) -> Steps {
    let Inputs {
        events,
        answers,
        pairs,
    } = inputs;
    let mut kept = events.to_vec();
    let mut unanswered = Vec::new();
    if let Some(u) = pipeline.unanswered {
        let index = AnswerIndex::new(answers, pairs);
        kept.retain(|e| is_unanswered(e, &index, u.wait, as_of));
        newest_first(&mut kept);
        unanswered = kept.iter().map(|e| e.ts).collect();
    }
    if pipeline.distinct {
        newest_per_value(&mut kept);
    }
    if let Some((k, period)) = pipeline.max_per {
        newest_per_period(&mut kept, k, period, as_of);
    }
    newest_first(&mut kept);
    if let Some(k) = pipeline.max {
        kept.truncate(k as usize);
    }
    Steps {
        kept: kept.iter().map(|e| e.ts).collect(),
        unanswered,
    }
}

/// Whether `e`'s waiting period is over by `as_of` with no answer in it: no other event
/// of the answers at `e.ts ..= e.ts + wait` (with the same `pair` value, when the rule
/// pairs; an event that cannot be paired is not kept).
fn is_unanswered(e: &KeptEvent, answers: &AnswerIndex, wait: i64, as_of: i64) -> bool {
    let Some(end) = e.ts.checked_add(wait).filter(|&end| end <= as_of) else {
        return false;
    };
    if answers.pairs && e.pair.is_none() {
        return false;
    }
    let answering = answers
        .count(e, end)
        .saturating_sub(usize::from(e.answers_itself));
    answering == 0
}

/// The answers of a non-response rule sorted by (pair value, time), to count those in a
/// window with one binary search each side.
struct AnswerIndex<'a> {
    sorted: Vec<&'a KeptEvent>,
    /// Whether the rule pairs events by a property (`same PROP`).
    pairs: bool,
}

impl<'a> AnswerIndex<'a> {
    fn new(answers: &'a [KeptEvent], pairs: bool) -> AnswerIndex<'a> {
        let mut sorted: Vec<&KeptEvent> = answers.iter().collect();
        sorted.sort_unstable_by(|a, b| (&a.pair, a.ts).cmp(&(&b.pair, b.ts)));
        AnswerIndex { sorted, pairs }
    }

    /// How many answers have `e`'s pair value and a time in `e.ts ..= end`.
    fn count(&self, e: &KeptEvent, end: i64) -> usize {
        let from = self
            .sorted
            .partition_point(|a| (&a.pair, a.ts) < (&e.pair, e.ts));
        let to = self
            .sorted
            .partition_point(|a| (&a.pair, a.ts) <= (&e.pair, end));
        to.saturating_sub(from)
    }
}
