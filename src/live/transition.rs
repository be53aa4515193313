//! Transitions: a lead's flag turning on or off, or its grade moving to another band.

use crate::time::format_timestamp;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What made a transition happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// An event arrived, or an event applied ahead of the clock came into existence.
    Event,
    /// Time passed: a window, decay period, fading period or waiting period ended, or a
    /// condition on `now()` turned.
    Time,
    /// The lead's attributes changed.
    Lead,
    /// The model changed (`leadscore serve` with another model on its database): the lead
    /// was scored again by the new one. The engine itself never reports it.
    Model,
}

/// Which output changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A flag (`"from": false, "to": true`).
    Flag,
    /// A graded score's band (`"from": "warm", "to": "hot"`).
    Grade,
}

/// A flag's value or a band's name, before or after a transition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Level {
    /// A flag's value.
    Flag(bool),
    /// A band's name.
    Band(String),
}

/// One change of a lead's flag or grade band, at the microsecond it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The lead's id.
    pub lead: String,
    /// When it happened (microseconds since the epoch): the engine's clock when an event
    /// arrived or the lead changed, the exact time a period ended, an early event's time.
    pub at: i64,
    /// A flag or a grade.
    pub kind: Kind,
    /// The flag's name, or the graded score's name.
    pub name: String,
    /// The value before.
    pub from: Level,
    /// The value after.
    pub to: Level,
    /// What made it happen.
    pub cause: Cause,
}

/// As `leadscore replay --changes` writes it: `at` in RFC 3339, keys in this order.
impl Serialize for Transition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Transition", 7)?;
        s.serialize_field("lead", &self.lead)?;
        s.serialize_field("at", &format_timestamp(self.at))?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("from", &self.from)?;
        s.serialize_field("to", &self.to)?;
        s.serialize_field("cause", &self.cause)?;
        s.end()
    }
}

/// A transition as an engine keeps it until it is delivered: its lead and output by
/// index and its levels as shown (a flag's 0 or 1, a band's index), so that noting one
/// copies no names; the engine names it when it is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub at: i64,
    /// The lead's index in its engine.
    pub lead: u32,
    /// The flag's index, or the number of flags plus the grade's.
    pub output: u32,
    pub from: u32,
    pub to: u32,
    pub cause: Cause,
}

/// Changes not yet delivered, in time order. A change undone at the same microsecond
/// (two events of one lead at one time) cancels out rather than being delivered twice.
#[derive(Debug, Default, Clone)]
pub(crate) struct Pending {
    /// The changes, each (lead, output) at most once per time. One undone at its time
    /// stays, as a change to what it changed from (`from == to`), until it is taken.
    list: Vec<Change>,
    /// Where the changes at the latest time start in `list`.
    group: usize,
    /// For a group of more than [`Pending::SCANNED`] changes, where each (lead, output)
    /// is in it: a time at which thousands of leads change (a lead file's attributes
    /// applied at one clock time) then costs no scan of the group per change.
    places: HashMap<(u32, u32), usize, foldhash::fast::RandomState>,
}

impl Pending {
    /// The size up to which a group is scanned for a lead's earlier change.
    const SCANNED: usize = 16;

    /// Adds a change at or after every pending one.
    pub fn push(&mut self, change: Change) {
        debug_assert!(self.list.last().is_none_or(|last| last.at <= change.at));
        if self.list.last().is_none_or(|last| last.at != change.at) {
            self.group = self.list.len();
            self.places.clear();
        }
        match self.earlier(&change) {
            Some(i) => {
                let kept = &mut self.list[self.group + i];
                // An undone change is taken up again as a new one, with its own cause.
                kept.cause = if kept.from == kept.to {
                    change.cause
                } else {
                    kept.cause.min(change.cause)
                };
                kept.to = change.to;
            }
            None => {
                self.list.push(change);
                let size = self.list.len() - self.group;
                if !self.places.is_empty() {
                    self.places.insert((change.lead, change.output), size - 1);
                } else if size > Self::SCANNED {
                    let group = self.list[self.group..].iter().enumerate();
                    let places = group.map(|(i, c)| ((c.lead, c.output), i));
                    self.places.extend(places);
                }
            }
        }
    }

    /// Where in the latest group the change's lead and output changed already.
    fn earlier(&self, change: &Change) -> Option<usize> {
        if self.places.is_empty() {
            let group = &self.list[self.group..];
            group
                .iter()
                .position(|c| c.lead == change.lead && c.output == change.output)
        } else {
            self.places.get(&(change.lead, change.output)).copied()
        }
    }

    /// Every pending change, in time order.
    pub fn take(&mut self) -> Vec<Change> {
        self.group = 0;
        self.places.clear();
        let mut changes = std::mem::take(&mut self.list);
        changes.retain(|c| c.from != c.to);
        changes
    }

    /// The pending changes before `time`, in time order; later ones stay (they may
    /// still cancel out).
    pub fn take_before(&mut self, time: i64) -> Vec<Change> {
        let split = self.list.partition_point(|c| c.at < time);
        if split > self.group {
            // The latest group is taken too: nothing is left.
            return self.take();
        }
        let rest = self.list.split_off(split);
        self.group -= split;
        let mut changes = std::mem::replace(&mut self.list, rest);
        changes.retain(|c| c.from != c.to);
        changes
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.list.iter().filter(|c| c.from != c.to).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mql(lead: u32, at: i64, from: u32, to: u32) -> Change {
        Change {
            at,
            lead,
            output: 0,
            from,
            to,
            cause: Cause::Event,
        }
    }

    #[test]
    fn a_change_undone_at_the_same_time_cancels_out() {
        let mut pending = Pending::default();
        pending.push(mql(1, 5, 0, 1));
        pending.push(mql(2, 5, 0, 1));
        pending.push(mql(1, 5, 1, 0));
        assert_eq!(pending.take(), vec![mql(2, 5, 0, 1)]);
    }

    #[test]
    fn changes_at_one_time_merge_and_take_the_first_cause() {
        let mut pending = Pending::default();
        let first = Change {
            output: 3,
            ..mql(1, 5, 0, 1)
        };
        pending.push(first);
        pending.push(Change {
            cause: Cause::Time,
            ..mql(1, 5, 0, 1)
        });
        pending.push(Change {
            cause: Cause::Lead,
            ..mql(1, 5, 1, 2)
        });
        // The earlier cause of the two (time before a change of the lead).
        let merged = Change {
            cause: Cause::Time,
            ..mql(1, 5, 0, 2)
        };
        assert_eq!(pending.take(), vec![first, merged]);
    }

    #[test]
    fn changes_at_other_times_are_kept() {
        let mut pending = Pending::default();
        pending.push(mql(2, 5, 0, 1));
        pending.push(mql(1, 5, 0, 1));
        pending.push(mql(1, 6, 1, 0));
        assert_eq!(
            pending.take_before(6),
            vec![mql(2, 5, 0, 1), mql(1, 5, 0, 1)]
        );
        assert_eq!(pending.len(), 1);
    }

    /// Many leads changing at one time (more than are scanned): each change still
    /// finds its lead's earlier one, also after the earlier changes were taken.
    #[test]
    fn changes_of_many_leads_at_one_time_merge_and_cancel_out() {
        let mut pending = Pending::default();
        pending.push(mql(99, 4, 0, 1));
        for lead in 0..40 {
            pending.push(mql(lead, 5, 0, 1));
        }
        assert!(pending.places.len() == 40, "the group is indexed");
        pending.push(mql(3, 5, 1, 0)); // undone
        pending.push(mql(30, 5, 1, 0)); // undone, then done again by a change of the lead
        pending.push(Change {
            cause: Cause::Lead,
            ..mql(30, 5, 0, 2)
        });
        pending.push(mql(20, 5, 1, 2)); // moved on
        assert_eq!(pending.take_before(5), vec![mql(99, 4, 0, 1)]);
        pending.push(mql(7, 5, 1, 0)); // undone after the split
        pending.push(mql(40, 5, 0, 1)); // new
        let mut expected: Vec<Change> = (0..41)
            .filter(|&lead| lead != 3 && lead != 7)
            .map(|lead| mql(lead, 5, 0, 1))
            .collect();
        expected[20 - 2] = mql(20, 5, 0, 2);
        expected[30 - 2] = Change {
            cause: Cause::Lead,
            ..mql(30, 5, 0, 2)
        };
        assert_eq!(pending.len(), expected.len());
        assert_eq!(pending.take(), expected);
        pending.push(mql(3, 5, 1, 0)); // the group was delivered: a change of its own
        assert_eq!(pending.take(), vec![mql(3, 5, 1, 0)]);
    }

    #[test]
    fn a_transition_is_written_as_the_changes_file_has_it() {
        let transition = Transition {
            lead: "L1".into(),
            at: 1_759_482_000_000_000,
            kind: Kind::Flag,
            name: "mql".into(),
            from: Level::Flag(false),
            to: Level::Flag(true),
            cause: Cause::Event,
        };
        let json = serde_json::to_string(&transition).unwrap();
        assert_eq!(
            json,
            r#"{"lead":"L1","at":"2025-10-03T09:00:00Z","kind":"flag","name":"mql","from":false,"to":true,"cause":"event"}"#
        );
    }
}
