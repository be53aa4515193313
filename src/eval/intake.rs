//! An event's arrival in the live engine (`live/`), worked out in one pass over what its
//! type feeds: its lasting effects on the lead's settled state, all its effects on the
//! lead's current state, what of it must be re-read later ([`Passing`]), and — when the
//! event alone decides which slots it enters — those slots, so the engine can forget the
//! event's properties.

use super::{Action, Attrs, Feed, Passing, Scorer, StateMut};
use crate::record::Event;

/// What the live engine keeps of an event it has taken in.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Intake {
    /// When its effects can change.
    pub passing: Passing,
    /// Bit `k` set when the event enters the `k`-th slot its type feeds, of those whose
    /// effects do not last. `Some` only when that is all a later re-reading needs: every
    /// such slot of its type counts events (no `sum`, no kept events) and has no `where`
    /// or one on the event's own properties.
    pub matched: Option<u32>,
}

/// Whether events of a type feeding `feeds` can be re-read from the slots they entered
/// alone (see [`Intake::matched`]); worked out once per type, when the scorer is made.
pub(super) fn re_read_by_mask(feeds: &[Feed]) -> bool {
    feeds.len() <= 32
        && feeds
            .iter()
            .filter(|feed| !feed.lasting)
            .all(|feed| feed.decided && matches!(feed.action, Action::Record))
}

impl Scorer {
    /// Takes in `event`, at or before the clock `now`: its lasting effects into
    /// `settled`, every effect into `current` (the lead's state as of `now`, when it is
    /// kept). What it does is what [`Scorer::observe_selected`] does to each (with
    /// `Select::Lasting` and `Select::All`), and the [`Passing`] is
    /// [`Scorer::passing`]'s, with each `where` evaluated once.
    pub(crate) fn intake(
        &self,
        mut settled: StateMut<'_>,
        mut current: Option<StateMut<'_>>,
        lead: Attrs<'_>,
        event: &Event,
        now: i64,
    ) -> Intake {
        debug_assert!(event.ts <= now, "taken in once the clock has reached it");
        for &slot in &self.slots_for_any {
            self.layout.record(settled.reborrow(), slot, event.ts, None);
            if let Some(current) = current.as_mut() {
                self.layout.record(current.reborrow(), slot, event.ts, None);
            }
        }
        let Some(feeds) = self.feeds_by_event.get(event.event_type as usize) else {
            return Intake::default();
        };
        let mut passing = Passing::default();
        let by_mask = self.by_mask[event.event_type as usize];
        let mut matched = 0u32;
        let mut env = self.env(lead, now);
        env.event = Some(event);
        for (k, feed) in feeds.iter().enumerate() {
            // Saturating is exact here: no event is before the earliest time.
            let in_window = feed
                .within
                .is_none_or(|w| event.ts >= now.saturating_sub(w));
            let mut met = None;
            let mut meets = || {
                *met.get_or_insert_with(|| {
                    feed.filter
                        .is_none_or(|chunk| super::vm::condition(&env, self.code(chunk)))
                })
            };
            if !feed.lasting {
                // Kept to re-read unless its `where` is decided, and fails.
                if !feed.decided || meets() {
                    passing.keep(event.ts, feed.within);
                    if by_mask {
                        matched |= 1 << k;
                    }
                }
            }
            let into_settled = feed.lasting;
            let into_current = current.is_some() && in_window;
            if !(into_settled || into_current) || !meets() {
                continue;
            }
            if into_settled {
                self.feed_into(settled.reborrow(), &env, feed, event, now);
            }
            if let Some(current) = current.as_mut().filter(|_| into_current) {
                self.feed_into(current.reborrow(), &env, feed, event, now);
            }
        }
        Intake {
            passing: passing.sorted(),
            matched: by_mask.then_some(matched),
        }
    }

    /// What [`Scorer::observe_selected`] with `Select::Passing` does for an event taken
    /// in with [`Intake::matched`] `matched`: records it, as of `as_of`, in the slots
    /// it entered whose window it is still in.
    pub(crate) fn observe_matched(
        &self,
        mut state: StateMut<'_>,
        event_type: u32,
        ts: i64,
        matched: u32,
        as_of: i64,
    ) {
        if ts > as_of {
            return;
        }
        for (k, feed) in self.feeds_by_event[event_type as usize].iter().enumerate() {
            let entered = matched & (1 << k) != 0 && !feed.lasting;
            if entered && feed.within.is_none_or(|w| ts >= as_of.saturating_sub(w)) {
                self.layout.record(state.reborrow(), feed.slot, ts, None);
            }
        }
    }

    /// What [`Scorer::unobserve_leaving`] does for an event taken in with
    /// [`Intake::matched`] `matched`.
    pub(crate) fn unobserve_matched(
        &self,
        mut state: StateMut<'_>,
        event_type: u32,
        ts: i64,
        matched: u32,
        at: i64,
    ) -> bool {
        let feeds = self.feeds_by_event[event_type as usize].iter().enumerate();
        for (k, feed) in feeds {
            let leaving = !feed.lasting
                && matched & (1 << k) != 0
                && feed
                    .within
                    .is_some_and(|w| ts.checked_add(w) == at.checked_sub(1));
            if leaving && !self.layout.unrecord(state.reborrow(), feed.slot, ts) {
                return false;
            }
        }
        true
    }
}
