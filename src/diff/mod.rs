//! The impact of a model change on real leads (`leadscore diff`): how scores move, how
//! leads cross grades, which flags they gain or lose, and which rules moved the leads
//! that moved most.
//!
//! `report.rs` computes a [`DiffReport`] (JSON through serde) from each model's
//! [`crate::job::LeadResults`], `limits.rs` checks it against `--max-…` limits, and each
//! other format has its own renderer. Every figure names the leads it is over: those
//! whose score changed, or all leads compared.

mod limits;
mod markdown;
mod report;
mod text;

pub use limits::{parse_limit, BrokenLimit, LimitKind, Limits};
pub use markdown::markdown;
pub use report::{
    diff, AllLeads, ChangedLeads, DiffReport, FlagChange, GradeChange, Mover, Presence, RuleChange,
    ScoreChange,
};
pub use text::text;

/// A mean change, to one decimal.
fn mean(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:+.1}")
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}
