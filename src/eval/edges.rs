//! When a lead's results can change with no new event, for the live engine (`live/`):
//! the ends of the windows its events are in, and the ends of the periods its decays,
//! fadings, `max K per D` and `days_since` count. Each is exact: a result can change at
//! such a time and at no other, except through `now()` (which the live engine follows by
//! tracing comparisons, see [`Trace`](super::Trace)).

use super::{Attrs, Scorer, StateRef};
use crate::plan::{Keep, Op, PipelinePlan, Plan, RuleKind, ScoreBody, SlotKind, SlotRead};
use crate::record::Event;
use crate::time::DAY;

/// How long an event the clock has reached must be kept to re-read its effects that do
/// not last (see `Feed::lasting`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Passing {
    /// An effect depends on the time or on the lead's attributes for as long as the
    /// event exists: keep it for good.
    pub forever: bool,
    /// The last times at which the event is inside each window it counts in (it is
    /// out from one microsecond later), ascending, each once. Most events count in one
    /// or two windows: those are kept inline (stored as a list either way).
    pub window_ends: smallvec::SmallVec<[i64; 2]>,
}

impl Passing {
    /// Whether nothing is left to re-read at `now`: every window the event counts in has
    /// ended.
    pub fn is_over(&self, now: i64) -> bool {
        !self.forever && self.window_ends.last().is_none_or(|&end| end < now)
    }

    /// Keeps an event at `ts` to re-read for an effect in a window of `within` (for
    /// good without one).
    pub(super) fn keep(&mut self, ts: i64, within: Option<i64>) {
        match within {
            Some(w) => self.window_ends.push(ts.saturating_add(w)),
            None => self.forever = true,
        }
    }

    /// The window ends ascending, each once (once every effect is kept).
    pub(super) fn sorted(mut self) -> Passing {
        self.window_ends.sort_unstable();
        self.window_ends.dedup();
        self
    }
}

impl Scorer {
    /// What of `event` must be re-read at later times: the effects that do not last and
    /// whose `where` can hold (a `where` that reads only the event is decided now).
    pub(crate) fn passing(&self, lead: Attrs<'_>, event: &Event) -> Passing {
        let mut passing = Passing::default();
        let Some(feeds) = self.feeds_by_event.get(event.event_type as usize) else {
            return passing;
        };
        let mut env = self.env(lead, event.ts);
        env.event = Some(event);
        for feed in feeds.iter().filter(|feed| !feed.lasting) {
            let decided = feed.filter.filter(|_| feed.decided);
            if decided.is_some_and(|chunk| !super::vm::condition(&env, self.code(chunk))) {
                continue;
            }
            passing.keep(event.ts, feed.within);
        }
        passing.sorted()
    }

    /// Whether a lead's state built as of one time stays valid at later times until one
    /// of its events leaves a window or comes into existence. It does not when a `where`
    /// reads `now()` (an effect can change at any time), nor when a slot keeps the K
    /// newest events of each period counted back from the as-of time (which it forgets
    /// depends on that time).
    pub(crate) fn states_hold_over_time(&self) -> bool {
        let filter_reads_now = self.feeds_by_event.iter().flatten().any(|feed| {
            feed.filter.is_some_and(|chunk| {
                self.plan
                    .chunk_code(chunk)
                    .iter()
                    .any(|op| matches!(op, Op::Now))
            })
        });
        let forgets_by_period = self.plan.slots.iter().any(|slot| {
            matches!(
                slot.kind,
                SlotKind::Events {
                    keep: Keep::Newest { per: Some(_), .. },
                    ..
                }
            )
        });
        !filter_reads_now && !forgets_by_period
    }

    /// Whether some expression of the plan reads `now()`.
    pub(crate) fn reads_now(&self) -> bool {
        self.plan.code.iter().any(|op| matches!(op, Op::Now))
    }

    /// The earliest time after `now` at which a result computed from `state` can change
    /// with no new event and no window ending: a decay or fading period ending, a
    /// non-response wait ending, a `max K per D` period or a `days_since` day turning.
    /// `scores` are the lead's scores as of `now`: a decay only ever lowers its score,
    /// so one whose score is at its `clamp` floor changes nothing until something else
    /// does (and then the lead is looked at again).
    pub(crate) fn period_edge(
        &self,
        lead: Attrs<'_>,
        state: StateRef<'_>,
        now: i64,
        scores: &[f64],
    ) -> Option<i64> {
        let mut edge: Option<i64> = None;
        let mut consider = |t: Option<i64>| {
            if let Some(t) = t.filter(|&t| t > now) {
                edge = Some(edge.map_or(t, |e| e.min(t)));
            }
        };
        let clocks = &self.clocks;
        for decay in &clocks.decays {
            let Decay {
                score,
                slot,
                per,
                since,
                floor,
            } = *decay;
            if floor.is_some_and(|low| scores.get(score as usize).is_some_and(|&s| s <= low)) {
                continue;
            }
            let field = since.and_then(|f| lead.time(f as usize));
            let anchor = self.layout.latest(state, slot as usize).max(field);
            consider(anchor.and_then(|a| next_period_end(a, per, now)));
        }
        for (slot, pipeline) in &clocks.pipelines {
            for event in self.layout.events(state, *slot as usize) {
                if let Some(u) = pipeline.unanswered {
                    consider(event.ts.checked_add(u.wait));
                }
                let periods = [pipeline.max_per.map(|m| m.1), pipeline.decay.map(|d| d.1)];
                for per in periods.into_iter().flatten() {
                    consider(next_period_end(event.ts, per, now));
                }
            }
        }
        for &slot in &clocks.days_since {
            let last = self.layout.latest(state, slot as usize);
            consider(last.and_then(|l| next_period_end(l, DAY, now)));
        }
        edge
    }
}

/// The parts of a plan whose results change as time passes, by the periods they count
/// (found once, for [`Scorer::period_edge`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Clocks {
    decays: Vec<Decay>,
    /// Every `on` rule with a pipeline that counts periods or waits: its slot and steps.
    pipelines: Vec<(u32, PipelinePlan)>,
    /// The slots `days_since` reads, each once.
    days_since: Vec<u32>,
}

/// A decay rule, with what its periods are counted from.
#[derive(Debug, Clone, Copy)]
struct Decay {
    /// The index of its score.
    score: u32,
    slot: u32,
    per: i64,
    since: Option<u32>,
    /// Its score's `clamp` floor.
    floor: Option<f64>,
}

impl Clocks {
    pub(crate) fn of(plan: &Plan) -> Clocks {
        let mut clocks = Clocks::default();
        let rules = plan
            .scores
            .iter()
            .enumerate()
            .filter_map(|(i, score)| match &score.body {
                ScoreBody::Rules { rules, clamp } => Some((i as u32, rules, clamp)),
                ScoreBody::Derived { .. } => None,
            });
        let rules = rules.flat_map(|(score, rules, clamp)| {
            let floor = clamp.as_ref().map(|c| c.low);
            rules.iter().map(move |rule| (score, floor, rule))
        });
        for (score, floor, rule) in rules {
            match rule.kind {
                RuleKind::Decay { slot, per, since } => clocks.decays.push(Decay {
                    score,
                    slot,
                    per,
                    since,
                    floor,
                }),
                RuleKind::Kept { slot, pipeline } => {
                    let timed = pipeline.unanswered.is_some()
                        || pipeline.max_per.is_some()
                        || pipeline.decay.is_some();
                    if timed {
                        clocks.pipelines.push((slot, pipeline));
                    }
                }
                RuleKind::On { .. } | RuleKind::When { .. } => {}
            }
        }
        for op in &plan.code {
            if let Op::Slot(slot, SlotRead::DaysSince) = *op {
                clocks.days_since.push(slot);
            }
        }
        clocks.days_since.sort_unstable();
        clocks.days_since.dedup();
        clocks
    }
}

/// The first time after `now` at which a whole number of periods of `per` since
/// `anchor` ends (at least one period after it), if it is a time.
fn next_period_end(anchor: i64, per: i64, now: i64) -> Option<i64> {
    let per = per.max(1);
    // In 64 bits when nothing overflows (nearly always: this runs at every look), else
    // exactly in 128.
    if let Some(since) = now.checked_sub(anchor).filter(|&since| since >= 0) {
        let periods = (since / per).checked_add(1);
        let end = periods.and_then(|n| n.checked_mul(per)?.checked_add(anchor));
        if let Some(end) = end {
            return Some(end);
        }
    }
    let (anchor, per, now) = (i128::from(anchor), i128::from(per), i128::from(now));
    let periods = if anchor > now {
        1
    } else {
        (now - anchor) / per + 1
    };
    i64::try_from(anchor + periods * per).ok()
}

#[cfg(test)]
mod tests {
    use super::next_period_end;

    #[test]
    fn a_period_ends_a_whole_number_of_periods_after_its_anchor() {
        assert_eq!(next_period_end(100, 10, 100), Some(110));
        assert_eq!(next_period_end(100, 10, 109), Some(110));
        assert_eq!(next_period_end(100, 10, 110), Some(120));
        assert_eq!(next_period_end(100, 10, 50), Some(110));
        assert_eq!(next_period_end(i64::MAX - 5, 10, i64::MAX - 5), None);
    }

    #[test]
    fn the_64_bit_shortcut_agrees_with_exact_arithmetic_at_the_extremes() {
        let exact = |anchor: i64, per: i64, now: i64| {
            let (a, p, n) = (i128::from(anchor), i128::from(per), i128::from(now));
            let periods = if a > n { 1 } else { (n - a) / p + 1 };
            i64::try_from(a + periods * p).ok()
        };
        let times = [
            i64::MIN,
            i64::MIN + 7,
            -1_000_003,
            -1,
            0,
            1,
            999_983,
            i64::MAX - 7,
            i64::MAX,
        ];
        for anchor in times {
            for now in times {
                for per in [1, 7, 86_400_000_000, i64::MAX / 3, i64::MAX] {
                    let got = next_period_end(anchor, per, now);
                    assert_eq!(got, exact(anchor, per, now), "{anchor} {per} {now}");
                }
            }
        }
    }
}
