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

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitKind {
    Grade,
    Score,
    Flag,
}

/// A limit a change goes over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenLimit {
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
    /// report's order.
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
            .map(|s| (LimitKind::Score, &s.score, s.changed));
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
                (share(moved) > limit).then(|| BrokenLimit {
                    kind,
                    name: name.clone(),
                    share: share(moved),
                    limit,
                })
            })
            .collect()
    }
}
