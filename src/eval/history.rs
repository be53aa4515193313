//! The events a slot of events ([`SlotKind::Events`](crate::plan::SlotKind::Events))
//! keeps for a lead, and how it forgets the ones no result needs.
//!
//! Only `on` rules with the options of section 11.3 (and `count(… distinct by)`) have
//! such slots, and only leads with matching events get a [`History`]: the flat state row
//! keeps an index into a side store of histories (see `state.rs`). What is kept is
//! exact whatever the order events arrive in: forgetting keeps the same events (or
//! events equal to them) for any order, and results sort what is kept first.

use crate::plan::Keep;
use crate::vocab::Value;
use serde::{Deserialize, Serialize};

/// A property value as a key to pair or group events by: equal values, equal keys
/// (`int` and `number` values are both numbers; `-0` is `0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Key {
    Bool(bool),
    Number(u64),
    Str(Box<str>),
    Time(i64),
    Duration(i64),
}

impl Key {
    pub(crate) fn of(value: &Value) -> Key {
        match value {
            Value::Bool(b) => Key::Bool(*b),
            // Adding 0.0 turns -0.0 into 0.0, so the two are one key as they are one value.
            Value::Number(n) => Key::Number((n + 0.0).to_bits()),
            Value::Str(s) => Key::Str(s.as_str().into()),
            Value::Time(t) => Key::Time(*t),
            Value::Duration(d) => Key::Duration(*d),
        }
    }
}

/// One event a slot keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptEvent {
    pub ts: i64,
    /// The value of the slot's `pair` property (`same PROP`), if it has one and the
    /// event has it.
    pub pair: Option<Key>,
    /// The value of the slot's `distinct` property (`distinct by PROP`).
    pub distinct: Option<Key>,
    /// Whether the event is also one of the answers its rule waits for (E and F of a
    /// non-response rule the same type), so it must not count as answering itself.
    pub answers_itself: bool,
}

/// A lead's kept events: one list per slot of events, in the layout's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct History {
    pub lists: Vec<Vec<KeptEvent>>,
}

impl History {
    pub(crate) fn new(lists: usize) -> History {
        History {
            lists: vec![Vec::new(); lists],
        }
    }
}

/// Keeps `event` in `list`, first forgetting what `keep` allows whenever the list is
/// full (so forgetting costs a constant amortized time per event).
pub(crate) fn keep_event(list: &mut Vec<KeptEvent>, event: KeptEvent, keep: Keep, as_of: i64) {
    if keep == Keep::NewestPerValue && event.distinct.is_none() {
        return; // `distinct by` drops events lacking the property
    }
    if list.len() == list.capacity() && list.len() >= 16 {
        forget(list, keep, as_of);
    }
    list.push(event);
}

/// Drops the events of `list` that `keep` says no result needs.
pub(crate) fn forget(list: &mut Vec<KeptEvent>, keep: Keep, as_of: i64) {
    match keep {
        Keep::All => {}
        Keep::NewestPerValue => newest_per_value(list),
        Keep::Newest { per, max } => {
            if let Some((k, period)) = per {
                newest_per_period(list, k, period, as_of);
            } else {
                newest_first(list);
            }
            if let Some(k) = max {
                list.truncate(k as usize);
            }
        }
    }
}

/// Sorts events newest first.
pub(crate) fn newest_first(list: &mut [KeptEvent]) {
    list.sort_unstable_by_key(|e| std::cmp::Reverse(e.ts));
}

/// Keeps the newest event of each `distinct` value (events lacking one are dropped),
/// newest first.
pub(crate) fn newest_per_value(list: &mut Vec<KeptEvent>) {
    list.retain(|e| e.distinct.is_some());
    list.sort_unstable_by(|a, b| a.distinct.cmp(&b.distinct).then(b.ts.cmp(&a.ts)));
    list.dedup_by(|later, kept| later.distinct == kept.distinct);
    newest_first(list);
}

/// Keeps the `k` newest events of each period of `period` counted back from `as_of`
/// (an event's period is ⌊(as_of − ts) / period⌋), newest first.
pub(crate) fn newest_per_period(list: &mut Vec<KeptEvent>, k: u32, period: i64, as_of: i64) {
    newest_first(list);
    let mut current = None;
    let mut taken = 0u32;
    list.retain(|e| {
        let p = periods(as_of, e.ts, period);
        if current != Some(p) {
            current = Some(p);
            taken = 0;
        }
        taken += 1;
        taken <= k
    });
}

/// Whole periods of `period` from `ts` to `as_of` (0 for a time at or after `as_of`).
pub(crate) fn periods(as_of: i64, ts: i64, period: i64) -> u64 {
    let elapsed = (i128::from(as_of) - i128::from(ts)).max(0);
    u64::try_from(elapsed / i128::from(period)).unwrap_or(u64::MAX)
}

/// How many distinct `distinct` values the events of `list` have.
pub(crate) fn distinct_values(list: &[KeptEvent]) -> usize {
    let mut values: Vec<&Key> = list.iter().filter_map(|e| e.distinct.as_ref()).collect();
    values.sort_unstable();
    values.dedup();
    values.len()
}
