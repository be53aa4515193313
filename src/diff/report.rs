//! The report and how it is computed from two models' results for the same leads.
//!
//! Every figure over leads is computed from each lead's results alone (a few numbers
//! per lead, see [`LeadResults`]); explanations are built only for the top movers, to
//! show the rules that moved them.

use crate::eval::{round_points, Outcome};
use crate::job::LeadResults;
use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a model change moves the same leads. Serializes to the JSON `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// The old model (its name in the plan; the CLI puts the file given instead).
    pub old_model: String,
    /// The new model, likewise.
    pub new_model: String,
    /// The leads compared: those both runs scored. Every count is out of these.
    pub leads: usize,
    /// The time both models scored the leads as of (RFC 3339).
    pub as_of: String,
    /// Every score of either model: old order, then scores only the new one has.
    pub scores: Vec<ScoreChange>,
    /// Every grade both models have.
    pub grades: Vec<GradeChange>,
    /// Every flag of either model.
    pub flags: Vec<FlagChange>,
    /// The leads whose scores moved most, biggest move first (ties in lead id order).
    pub movers: Vec<Mover>,
}

/// Whether a score, grade or flag exists in the old model, the new one, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// In both models.
    Both,
    /// Only in the new model (its old value counts as 0, or unset).
    Added,
    /// Only in the old model (its new value counts as 0, or unset).
    Removed,
}

/// How one score changes (new − old). Each figure is over the population it is in:
/// the leads whose score changed, or all leads compared.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreChange {
    /// The score's name.
    pub score: String,
    /// Which models have the score.
    pub presence: Presence,
    /// The leads whose score changed, and by how much.
    pub changed: ChangedLeads,
    /// The change over all leads compared.
    pub all_leads: AllLeads,
}

/// The leads whose score changed, and how it changed for them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedLeads {
    /// How many leads' score changed (to or from absent too: those are in no figure).
    pub leads: usize,
    /// How many of them gained points.
    pub up: usize,
    /// How many of them lost points.
    pub down: usize,
    /// The mean change of these leads; `None` (JSON `null`) when no lead changed, as
    /// for the other figures.
    pub mean: Option<f64>,
    /// The smallest change (the most negative).
    pub min: Option<f64>,
    /// The median change.
    pub median: Option<f64>,
    /// The largest change.
    pub max: Option<f64>,
}

/// How a score changed over all leads compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllLeads {
    /// How many leads were compared.
    pub leads: usize,
    /// The mean change (0 when no lead changed).
    pub mean: f64,
}

/// How leads move between the bands of a grade both models have.
#[derive(Debug, Clone, Serialize)]
pub struct GradeChange {
    /// The graded score's name.
    pub score: String,
    /// Band names, old bands first, then bands only the new grade has.
    pub bands: Vec<String>,
    /// `matrix[from][to]`: leads whose grade went from band `from` to band `to`.
    pub matrix: Vec<Vec<usize>>,
    /// Leads whose grade changed.
    pub moved: usize,
}

/// How many leads have a flag before and after, out of all leads compared.
#[derive(Debug, Clone, Serialize)]
pub struct FlagChange {
    /// The flag's name.
    pub flag: String,
    /// Which models have the flag.
    pub presence: Presence,
    /// Leads with the flag set by the old model.
    pub before: usize,
    /// Leads with the flag set by the new model.
    pub after: usize,
    /// Leads that gain it.
    pub gained: usize,
    /// Leads that lose it.
    pub lost: usize,
}

/// A lead whose scores moved, with the rules that moved them.
#[derive(Debug, Clone, Serialize)]
pub struct Mover {
    /// The lead's id.
    pub lead: String,
    /// (score, old, new) for every score that changed.
    pub changes: Vec<(String, f64, f64)>,
    /// The rules whose points differ, by score and rule text.
    pub rules: Vec<RuleChange>,
}

/// A rule whose points for a lead differ between the two models.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    /// The score the rule is in.
    pub score: String,
    /// The rule's text (a rule whose text changed is two rules: the old one's points
    /// go to 0, the new one's come in).
    pub rule: String,
    /// The points the old model gave the lead for the rule.
    pub old_points: f64,
    /// The points the new model gives.
    pub new_points: f64,
}

/// One side of a comparison: a model's results for the leads, and where in its plan
/// each score, grade and flag is.
struct Side<'a> {
    results: &'a LeadResults,
    plan: &'a Plan,
}

impl<'a> Side<'a> {
    fn new(results: &'a LeadResults) -> Self {
        Side {
            plan: results.plan(),
            results,
        }
    }

    fn score_names(&self) -> Vec<String> {
        self.plan.scores.iter().map(|s| s.name.clone()).collect()
    }

    fn graded_names(&self) -> Vec<String> {
        let plan = self.plan;
        let name = |g: &crate::plan::GradePlan| plan.scores[g.score as usize].name.clone();
        plan.grades.iter().map(name).collect()
    }

    fn flag_names(&self) -> Vec<String> {
        self.plan.flags.iter().map(|f| f.name.clone()).collect()
    }

    fn score_index(&self, name: &str) -> Option<usize> {
        self.plan.scores.iter().position(|s| s.name == name)
    }

    fn grade_index(&self, score: &str) -> Option<usize> {
        let plan = self.plan;
        plan.grades
            .iter()
            .position(|g| plan.scores[g.score as usize].name == score)
    }

    fn flag_index(&self, name: &str) -> Option<usize> {
        self.plan.flags.iter().position(|f| f.name == name)
    }

    /// Lead `lead`'s value of score `index` (0 for a score the model does not have).
    fn score(&self, lead: usize, index: Option<usize>) -> f64 {
        index.map_or(0.0, |i| self.results.scores(lead)[i])
    }

    /// The name of lead `lead`'s band in grade `grade`.
    fn band(&self, lead: usize, grade: usize) -> &str {
        let band = self.results.bands(lead)[grade];
        &self.plan.grades[grade].bands[band].name
    }

    fn flag(&self, lead: usize, index: Option<usize>) -> bool {
        index.is_some_and(|i| self.results.flags(lead)[i])
    }
}

/// A lead's row on each side.
type Pair = (usize, usize);

/// Compares two models' results over the same leads; `top` is how many movers to list.
pub fn diff(old: &LeadResults, new: &LeadResults, as_of: i64, top: usize) -> DiffReport {
    let (old, new) = (Side::new(old), Side::new(new));
    let pairs = pair_by_lead(old.results, new.results);
    let mut report = DiffReport {
        old_model: old.plan.model.clone(),
        new_model: new.plan.model.clone(),
        leads: pairs.len(),
        as_of: crate::time::format_timestamp(as_of),
        scores: Vec::new(),
        grades: Vec::new(),
        flags: Vec::new(),
        movers: Vec::new(),
    };
    if old.results.is_empty() || new.results.is_empty() {
        return report;
    }
    let (old_scores, new_scores) = (old.score_names(), new.score_names());
    let scores = union(old_scores.clone(), new_scores.clone());
    for name in &scores {
        let presence = presence(&old_scores, &new_scores, name);
        report
            .scores
            .push(score_change(&old, &new, &pairs, name, presence));
    }
    let (old_grades, new_grades) = (old.graded_names(), new.graded_names());
    for name in union(old_grades.clone(), new_grades.clone()) {
        if presence(&old_grades, &new_grades, &name) == Presence::Both {
            let bands = band_order(old.plan, new.plan, &name);
            report
                .grades
                .push(grade_change(&old, &new, &pairs, &name, bands));
        }
    }
    let (old_flags, new_flags) = (old.flag_names(), new.flag_names());
    for name in union(old_flags.clone(), new_flags.clone()) {
        let presence = presence(&old_flags, &new_flags, &name);
        report
            .flags
            .push(flag_change(&old, &new, &pairs, &name, presence));
    }
    report.movers = movers(&old, &new, &pairs, &scores, top);
    report
}

/// The rows of each lead both sides have, in lead id order (both are sorted by id).
fn pair_by_lead(old: &LeadResults, new: &LeadResults) -> Vec<Pair> {
    let mut pairs = Vec::with_capacity(old.len().min(new.len()));
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < new.len() {
        match old.id(i).cmp(new.id(j)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                pairs.push((i, j));
                i += 1;
                j += 1;
            }
        }
    }
    pairs
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

fn presence(old: &[String], new: &[String], name: &str) -> Presence {
    match (old.iter().any(|n| n == name), new.iter().any(|n| n == name)) {
        (true, true) => Presence::Both,
        (false, _) => Presence::Added,
        (true, false) => Presence::Removed,
    }
}

fn score_change(
    old: &Side<'_>,
    new: &Side<'_>,
    pairs: &[Pair],
    name: &str,
    presence: Presence,
) -> ScoreChange {
    let (a, b) = (old.score_index(name), new.score_index(name));
    // A score that is not finite is absent: from absent to absent is no change, to or
    // from absent (or by more than a float holds) a change without a figure.
    let mut without_figure = 0;
    let mut deltas = Vec::new();
    for &(i, j) in pairs {
        let (x, y) = (old.score(i, a), new.score(j, b));
        if shown_equal(x, y) {
            continue;
        }
        let delta = round_points(y - x);
        if !delta.is_finite() {
            without_figure += 1;
        } else if delta != 0.0 {
            deltas.push(delta);
        }
    }
    let up = deltas.iter().filter(|d| **d > 0.0).count();
    let down = deltas.len() - up;
    let total: f64 = deltas.iter().sum();
    deltas.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let last = deltas.len().checked_sub(1)?;
        Some(deltas[(last as f64 * q).round() as usize])
    };
    let mean_over = |n: usize| {
        if n == 0 {
            0.0
        } else {
            round_points(total / n as f64)
        }
    };
    ScoreChange {
        score: name.to_string(),
        presence,
        changed: ChangedLeads {
            leads: deltas.len() + without_figure,
            up,
            down,
            mean: (!deltas.is_empty()).then(|| mean_over(deltas.len())),
            min: quantile(0.0),
            median: quantile(0.5),
            max: quantile(1.0),
        },
        all_leads: AllLeads {
            leads: pairs.len(),
            mean: mean_over(pairs.len()),
        },
    }
}

fn grade_change(
    old: &Side<'_>,
    new: &Side<'_>,
    pairs: &[Pair],
    score: &str,
    mut bands: Vec<String>,
) -> GradeChange {
    let (a, b) = (
        old.grade_index(score).expect("a grade both sides have"),
        new.grade_index(score).expect("a grade both sides have"),
    );
    let mut index = |band: &str| match bands.iter().position(|x| x == band) {
        Some(i) => i,
        None => {
            bands.push(band.to_string());
            bands.len() - 1
        }
    };
    let cells: Vec<(usize, usize)> = pairs
        .iter()
        .map(|&(i, j)| (index(old.band(i, a)), index(new.band(j, b))))
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

fn flag_change(
    old: &Side<'_>,
    new: &Side<'_>,
    pairs: &[Pair],
    name: &str,
    presence: Presence,
) -> FlagChange {
    let (a, b) = (old.flag_index(name), new.flag_index(name));
    let (mut before, mut after, mut gained, mut lost) = (0, 0, 0, 0);
    for &(i, j) in pairs {
        let (was, is) = (old.flag(i, a), new.flag(j, b));
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

/// The leads whose scores (`scores`: every name on either side) moved most, with the
/// rules that moved them. Only these leads are explained.
fn movers(
    old: &Side<'_>,
    new: &Side<'_>,
    pairs: &[Pair],
    scores: &[String],
    top: usize,
) -> Vec<Mover> {
    let indices: Vec<(Option<usize>, Option<usize>)> = scores
        .iter()
        .map(|s| (old.score_index(s), new.score_index(s)))
        .collect();
    let changes = |&(i, j): &Pair| -> Vec<(String, f64, f64)> {
        scores
            .iter()
            .zip(&indices)
            .map(|(s, &(a, b))| (s.clone(), old.score(i, a), new.score(j, b)))
            .filter(|(_, a, b)| !shown_equal(*a, *b))
            .collect()
    };
    let mut moved: Vec<(f64, Pair)> = pairs
        .iter()
        .filter_map(|pair| {
            let changes = changes(pair);
            let size = changes
                .iter()
                .map(|(_, a, b)| (b - a).abs())
                .fold(0.0, f64::max);
            (!changes.is_empty()).then_some((size, *pair))
        })
        .collect();
    // Biggest moves first; ties in lead order (pairs are in lead order), so the report
    // is deterministic.
    moved.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    moved
        .into_iter()
        .take(top)
        .map(|(_, pair)| {
            let lead = old.results.id(pair.0);
            let explained = |side: &Side<'_>| side.results.explain(lead).expect("a lead it has");
            Mover {
                lead: lead.to_string(),
                changes: changes(&pair),
                rules: rule_changes(&explained(old), &explained(new)),
            }
        })
        .collect()
}

/// Whether two numbers are shown alike: equal once rounded, or both absent (not
/// finite).
fn shown_equal(x: f64, y: f64) -> bool {
    round_points(x) == round_points(y) || (!x.is_finite() && !y.is_finite())
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
            (!shown_equal(x, y)).then(|| RuleChange {
                score: key.0.clone(),
                rule: key.1.clone(),
                old_points: x,
                new_points: y,
            })
        })
        .collect()
}
