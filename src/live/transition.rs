//! Transitions: a lead's flag turning on or off, or its grade moving to another band.

use crate::time::format_timestamp;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

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

impl Transition {
    /// The order transitions are delivered in: by time, then lead id, kind and name.
    pub(crate) fn key(&self) -> (i64, &str, Kind, &str) {
        (self.at, &self.lead, self.kind, &self.name)
    }
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

/// Transitions not yet delivered, in time order. A change undone at the same
/// microsecond (two events of one lead at one time) cancels out rather than being
/// delivered twice.
#[derive(Debug, Default, Clone)]
pub(crate) struct Pending {
    list: Vec<Transition>,
}

impl Pending {
    /// Adds a transition at or after every pending one.
    pub fn push(&mut self, transition: Transition) {
        let same_time = self
            .list
            .iter()
            .rposition(|t| t.at != transition.at)
            .map_or(0, |i| i + 1);
        let earlier = self.list[same_time..].iter().position(|t| {
            t.lead == transition.lead && t.kind == transition.kind && t.name == transition.name
        });
        match earlier {
            Some(i) if self.list[same_time + i].from == transition.to => {
                self.list.remove(same_time + i);
            }
            Some(i) => {
                let kept = &mut self.list[same_time + i];
                kept.to = transition.to;
                kept.cause = kept.cause.min(transition.cause);
            }
            None => self.list.push(transition),
        }
    }

    /// Every pending transition, in delivery order.
    pub fn take(&mut self) -> Vec<Transition> {
        let mut list = std::mem::take(&mut self.list);
        list.sort_by(|a, b| a.key().cmp(&b.key()));
        list
    }

    /// The pending transitions before `time`, in delivery order; later ones stay (they
    /// may still cancel out).
    pub fn take_before(&mut self, time: i64) -> Vec<Transition> {
        let split = self.list.partition_point(|t| t.at < time);
        let rest = self.list.split_off(split);
        let mut list = std::mem::replace(&mut self.list, rest);
        list.sort_by(|a, b| a.key().cmp(&b.key()));
        list
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(lead: &str, at: i64, from: bool, to: bool) -> Transition {
        Transition {
            lead: lead.into(),
            at,
            kind: Kind::Flag,
            name: "mql".into(),
            from: Level::Flag(from),
            to: Level::Flag(to),
            cause: Cause::Event,
        }
    }

    #[test]
    fn a_change_undone_at_the_same_time_cancels_out() {
        let mut pending = Pending::default();
        pending.push(flag("L1", 5, false, true));
        pending.push(flag("L2", 5, false, true));
        pending.push(flag("L1", 5, true, false));
        let left = pending.take();
        assert_eq!(left, vec![flag("L2", 5, false, true)]);
    }

    #[test]
    fn changes_at_other_times_are_kept_and_delivered_in_order() {
        let mut pending = Pending::default();
        pending.push(flag("L2", 5, false, true));
        pending.push(flag("L1", 5, false, true));
        pending.push(flag("L1", 6, true, false));
        assert_eq!(
            pending.take_before(6),
            vec![flag("L1", 5, false, true), flag("L2", 5, false, true)]
        );
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn a_transition_is_written_as_the_changes_file_has_it() {
        let json = serde_json::to_string(&flag("L1", 1_759_482_000_000_000, false, true)).unwrap();
        assert_eq!(
            json,
            r#"{"lead":"L1","at":"2025-10-03T09:00:00Z","kind":"flag","name":"mql","from":false,"to":true,"cause":"event"}"#
        );
    }
}
