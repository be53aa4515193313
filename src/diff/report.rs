//! The report and how it is computed from two models' outcomes for the same leads.

use crate::eval::{round_points, Outcome};
use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a model change moves the same leads. Serializes to the JSON `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub old_model: String,
    pub new_model: String,
    pub leads: usize,
    pub as_of: String,
    pub scores: Vec<ScoreChange>,
    pub grades: Vec<GradeChange>,
    pub flags: Vec<FlagChange>,
    pub movers: Vec<Mover>,
}

/// Whether a score, grade or flag exists in the old model, the new one, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Both,
    Added,
    Removed,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreChange {
    pub score: String,
    pub presence: Presence,
    /// Leads whose score changed.
    pub changed: usize,
    pub up: usize,
    pub down: usize,
    /// Change over all leads (new − old): mean, and quantiles of the changed leads.
    pub mean: f64,
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeChange {
    pub score: String,
    /// Band names, old bands first, then bands only the new grade has.
    pub bands: Vec<String>,
    /// `matrix[from][to]`: leads whose grade went from band `from` to band `to`.
    pub matrix: Vec<Vec<usize>>,
    /// Leads whose grade changed.
    pub moved: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagChange {
    pub flag: String,
    pub presence: Presence,
    pub before: usize,
    pub after: usize,
    pub gained: usize,
    pub lost: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mover {
    pub lead: String,
    /// (score, old, new) for every score that changed.
    pub changes: Vec<(String, f64, f64)>,
    pub rules: Vec<RuleChange>,
}

/// A rule whose points for a lead differ between the two models.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    pub score: String,
    pub rule: String,
    pub old_points: f64,
    pub new_points: f64,
}

/// The two sides of a comparison: a model's plan and its outcomes for the same leads
/// (sorted by lead id, with explanations).
pub struct Side<'a> {
    pub plan: &'a Plan,
    pub outcomes: &'a [Outcome],
}

/// Compares two runs over the same leads; `top` is how many movers to list.
pub fn diff(old: Side<'_>, new: Side<'_>, as_of: i64, top: usize) -> DiffReport {
    let (old_plan, new_plan) = (old.plan, new.plan);
    let (old, new) = (old.outcomes, new.outcomes);
    let pairs = pair_by_lead(old, new);
    let mut report = DiffReport {
        old_model: old_plan.model.clone(),
        new_model: new_plan.model.clone(),
        leads: pairs.len(),
        as_of: crate::time::format_timestamp(as_of),
        scores: Vec::new(),
        grades: Vec::new(),
        flags: Vec::new(),
        movers: Vec::new(),
    };
    let (Some(first_old), Some(first_new)) = (old.first(), new.first()) else {
        return report;
    };
    for name in union(names(&first_old.scores), names(&first_new.scores)) {
        report.scores.push(score_change(
            &pairs,
            &name,
            presence(&first_old.scores, &first_new.scores, &name),
        ));
    }
    for name in union(names(&first_old.grades), names(&first_new.grades)) {
        if presence(&first_old.grades, &first_new.grades, &name) == Presence::Both {
            report.grades.push(grade_change(
                &pairs,
                &name,
                band_order(old_plan, new_plan, &name),
            ));
        }
    }
    for name in union(names(&first_old.flags), names(&first_new.flags)) {
        report.flags.push(flag_change(
            &pairs,
            &name,
            presence(&first_old.flags, &first_new.flags, &name),
        ));
    }
    report.movers = movers(&pairs, top);
    report
}

fn pair_by_lead<'a>(old: &'a [Outcome], new: &'a [Outcome]) -> Vec<(&'a Outcome, &'a Outcome)> {
    let new_by_id: BTreeMap<&str, &Outcome> = new.iter().map(|o| (o.lead.as_str(), o)).collect();
    old.iter()
        .filter_map(|o| Some((o, *new_by_id.get(o.lead.as_str())?)))
        .collect()
}

fn names<T>(entries: &[(String, T)]) -> Vec<String> {
    entries.iter().map(|(n, _)| n.clone()).collect()
}

/// Old names in order, then names only the new side has.
fn union(old: Vec<String>, new: Vec<String>) -> Vec<String> {
    let mut all = old;
    for n in new {
        if !all.contains(&n) {
            all.push(n);
        }
    }
    all
}

fn presence<T>(old: &[(String, T)], new: &[(String, T)], name: &str) -> Presence {
    match (
        old.iter().any(|(n, _)| n == name),
        new.iter().any(|(n, _)| n == name),
    ) {
        (true, true) => Presence::Both,
        (false, _) => Presence::Added,
        (true, false) => Presence::Removed,
    }
}

fn score_change(pairs: &[(&Outcome, &Outcome)], name: &str, presence: Presence) -> ScoreChange {
    let mut deltas: Vec<f64> = pairs
        .iter()
        .map(|(o, n)| round_points(n.score(name).unwrap_or(0.0) - o.score(name).unwrap_or(0.0)))
        .collect();
    let mean = if deltas.is_empty() {
        0.0
    } else {
        deltas.iter().sum::<f64>() / deltas.len() as f64
    };
    let up = deltas.iter().filter(|d| **d > 0.0).count();
    let down = deltas.iter().filter(|d| **d < 0.0).count();
    deltas.retain(|d| *d != 0.0);
    deltas.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        if deltas.is_empty() {
            0.0
        } else {
            deltas[((deltas.len() - 1) as f64 * q).round() as usize]
        }
    };
    ScoreChange {
        score: name.to_string(),
        presence,
        changed: up + down,
        up,
        down,
        mean: round_points(mean),
        min: quantile(0.0),
        median: quantile(0.5),
        max: quantile(1.0),
    }
}

fn grade_change(
    pairs: &[(&Outcome, &Outcome)],
    score: &str,
    mut bands: Vec<String>,
) -> GradeChange {
    let mut index = |band: &str| match bands.iter().position(|b| b == band) {
        Some(i) => i,
        None => {
            bands.push(band.to_string());
            bands.len() - 1
        }
    };
    let cells: Vec<(usize, usize)> = pairs
        .iter()
        .map(|(o, n)| {
            (
                index(o.grade(score).unwrap_or("?")),
                index(n.grade(score).unwrap_or("?")),
            )
        })
        .collect();
    let mut matrix = vec![vec![0; bands.len()]; bands.len()];
    for (from, to) in &cells {
        matrix[*from][*to] += 1;
    }
    GradeChange {
        score: score.to_string(),
        moved: cells.iter().filter(|(f, t)| f != t).count(),
        bands,
        matrix,
    }
}

/// The band names of a score's grade in both plans: old order, then new-only bands.
fn band_order(old: &Plan, new: &Plan, score: &str) -> Vec<String> {
    let bands = |plan: &Plan| -> Vec<String> {
        plan.grades
            .iter()
            .filter(|g| plan.scores[g.score as usize].name == score)
            .flat_map(|g| g.bands.iter().map(|b| b.name.clone()))
            .collect()
    };
    let mut order: Vec<String> = Vec::new();
    for band in bands(old).into_iter().chain(bands(new)) {
        if !order.contains(&band) {
            order.push(band);
        }
    }
    order
}

fn flag_change(pairs: &[(&Outcome, &Outcome)], name: &str, presence: Presence) -> FlagChange {
    let (mut before, mut after, mut gained, mut lost) = (0, 0, 0, 0);
    for (o, n) in pairs {
        let (was, is) = (o.flag(name).unwrap_or(false), n.flag(name).unwrap_or(false));
        before += was as usize;
        after += is as usize;
        gained += (!was && is) as usize;
        lost += (was && !is) as usize;
    }
    FlagChange {
        flag: name.to_string(),
        presence,
        before,
        after,
        gained,
        lost,
    }
}

/// The leads whose scores moved most, with the rules that moved them.
fn movers(pairs: &[(&Outcome, &Outcome)], top: usize) -> Vec<Mover> {
    let mut moved: Vec<(f64, Mover)> = pairs
        .iter()
        .filter_map(|(o, n)| {
            let changes: Vec<(String, f64, f64)> = union(names(&o.scores), names(&n.scores))
                .into_iter()
                .map(|s| {
                    let (a, b) = (o.score(&s).unwrap_or(0.0), n.score(&s).unwrap_or(0.0));
                    (s, a, b)
                })
                .filter(|(_, a, b)| round_points(*a) != round_points(*b))
                .collect();
            let size = changes
                .iter()
                .map(|(_, a, b)| (b - a).abs())
                .fold(0.0, f64::max);
            (!changes.is_empty()).then(|| {
                (
                    size,
                    Mover {
                        lead: o.lead.clone(),
                        changes,
                        rules: rule_changes(o, n),
                    },
                )
            })
        })
        .collect();
    // Biggest moves first; ties in lead order, so the report is deterministic.
    moved.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.lead.cmp(&b.1.lead)));
    moved.into_iter().take(top).map(|(_, m)| m).collect()
}

fn rule_changes(old: &Outcome, new: &Outcome) -> Vec<RuleChange> {
    let points = |o: &Outcome| -> BTreeMap<(String, String), f64> {
        let mut map = BTreeMap::new();
        for r in o.why.iter().flatten() {
            if r.kind != crate::eval::ReasonKind::Derived {
                *map.entry((r.score.clone(), r.rule.clone())).or_insert(0.0) += r.points;
            }
        }
        map
    };
    let (a, b) = (points(old), points(new));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (x, y) = (
                a.get(key).copied().unwrap_or(0.0),
                b.get(key).copied().unwrap_or(0.0),
            );
            (round_points(x) != round_points(y)).then(|| RuleChange {
                score: key.0.clone(),
                rule: key.1.clone(),
                old_points: x,
                new_points: y,
            })
        })
        .collect()
}
