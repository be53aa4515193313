//! Limits on how many leads a change may move (`leadscore diff --max-…-changes`), so a
//! pipeline can refuse a change that moves too many.

use super::DiffReport;
use serde::Serialize;
use std::fmt;

/// How many leads a change may move, each a percentage of the leads compared; `None`
/// sets no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// Leads that change band, in any one grade.
    pub grade_changes: Option<f64>,
    /// Leads whose score changes, in any one score.
    pub score_changes: Option<f64>,
    /// Leads that gain or lose any one flag.
    pub flag_changes: Option<f64>,
}

/// Reads a limit as given on a command line: a percentage, a finite number from 0 up
/// (`NaN`, `inf` or a negative number would set no limit at all, or an impossible one).
pub fn parse_limit(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(pct) if pct.is_finite() && pct >= 0.0 => Ok(pct),
        _ => Err(format!(
            "`{text}` is not a percentage: give a number from 0 up, such as 5 or 12.5"
        )),
    }
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitKind {
    /// Leads that change band in a grade (`--max-grade-changes`).
    Grade,
    /// Leads whose score changes (`--max-score-changes`).
    Score,
    /// Leads that gain or lose a flag (`--max-flag-changes`).
    Flag,
}

/// A limit a change goes over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenLimit {
    /// What the limit counts.
    pub kind: LimitKind,
    /// The grade's score, the score or the flag.
    pub name: String,
    /// The percentage of leads that changed.
    pub share: f64,
    /// The limit, in percent.
    pub limit: f64,
}

impl fmt::Display for BrokenLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (share, name, limit) = (self.share, &self.name, self.limit);
        match self.kind {
            LimitKind::Grade => write!(
                f,
                "{share:.1}% of leads change band in grade `{name}` (limit {limit}%)"
            ),
            LimitKind::Score => {
                write!(
                    f,
                    "{share:.1}% of leads change score `{name}` (limit {limit}%)"
                )
            }
            LimitKind::Flag => write!(
                f,
                "{share:.1}% of leads gain or lose flag `{name}` (limit {limit}%)"
            ),
        }
    }
}

impl DiffReport {
    /// The limits the change goes over: grades, then scores, then flags, each in the
    /// report's order. A limit that is not a number (NaN) is gone over by every change
    /// and by none: the gate stays shut rather than open ([`parse_limit`] refuses one).
    pub fn broken_limits(&self, limits: &Limits) -> Vec<BrokenLimit> {
        let share = |n: usize| {
            if self.leads == 0 {
                0.0
            } else {
                n as f64 * 100.0 / self.leads as f64
            }
        };
        let grades = self
            .grades
            .iter()
            .map(|g| (LimitKind::Grade, &g.score, g.moved));
        let scores = self
            .scores
            .iter()
            .map(|s| (LimitKind::Score, &s.score, s.changed.leads));
        let flags = self
            .flags
            .iter()
            .map(|f| (LimitKind::Flag, &f.flag, f.gained + f.lost));
        grades
            .chain(scores)
            .chain(flags)
            .filter_map(|(kind, name, moved)| {
                let limit = match kind {
                    LimitKind::Grade => limits.grade_changes,
                    LimitKind::Score => limits.score_changes,
                    LimitKind::Flag => limits.flag_changes,
                }?;
                (share(moved) > limit || limit.is_nan()).then(|| BrokenLimit {
                    kind,
                    name: name.clone(),
                    share: share(moved),
                    limit,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{AllLeads, ChangedLeads, FlagChange, Presence, ScoreChange};

    #[test]
    fn only_the_limits_set_and_gone_over_are_broken() {
        let report = DiffReport {
            old_model: "a".into(),
            new_model: "b".into(),
            leads: 8,
            as_of: "2026-11-01T00:00:00Z".into(),
            scores: vec![ScoreChange {
                score: "fit".into(),
                presence: Presence::Both,
                changed: ChangedLeads {
                    leads: 2,
                    up: 2,
                    down: 0,
                    mean: Some(4.0),
                    min: Some(4.0),
                    median: Some(4.0),
                    max: Some(4.0),
                },
                all_leads: AllLeads {
                    leads: 8,
                    mean: 1.0,
                },
            }],
            grades: Vec::new(),
            flags: vec![FlagChange {
                flag: "mql".into(),
                presence: Presence::Both,
                before: 1,
                after: 2,
                gained: 1,
                lost: 0,
            }],
            movers: Vec::new(),
        };
        let limits = Limits {
            score_changes: Some(20.0),
            flag_changes: Some(12.5),
            ..Limits::default()
        };
        let broken = report.broken_limits(&limits);
        let words: Vec<String> = broken.iter().map(ToString::to_string).collect();
        assert_eq!(words, ["25.0% of leads change score `fit` (limit 20%)"]);
        assert!(report.broken_limits(&Limits::default()).is_empty());
        let nan = Limits {
            score_changes: Some(f64::NAN),
            ..Limits::default()
        };
        assert_eq!(
            report.broken_limits(&nan).len(),
            1,
            "a NaN limit shuts the gate"
        );
    }

    #[test]
    fn limits_are_finite_percentages_from_zero() {
        assert_eq!(parse_limit("12.5"), Ok(12.5));
        assert_eq!(parse_limit("0"), Ok(0.0));
        for bad in [
            "NaN", "nan", "inf", "-inf", "-1", "-0.5", "", "five", "1e999",
        ] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }
}
