//! The evaluation report: what [`super::evaluate`] measures, as values (JSON through
//! serde), text and markdown. Every rate and statistic is rounded to 4 decimals when it
//! is measured, so every rendering shows the same numbers.

use super::metrics::{self, ratio, Auc, Cut, Decile, Histogram, Ks};
use super::{enough, Conversions, EvaluateError, LeadRow, Settings};
use crate::eval::round_points;
use crate::plan::{GradePlan, Plan};
use serde::Serialize;
use std::fmt::Write as _;

/// The threshold sweep shows at most this many cuts.
const SWEEP_CUTS: usize = 21;
/// Bins of the score distributions.
const BINS: usize = 20;

/// `x` rounded to 4 decimals.
pub(super) fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// How a model's scores, grades and flags did against the conversions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The model, as named on the command line.
    pub model: String,
    /// C, the time leads were scored as of (RFC 3339).
    pub as_of: String,
    /// How long after C a conversion counts (`90d`).
    pub horizon: String,
    /// The outcome that is a conversion.
    pub outcome: String,
    /// The share of leads sales can take, for the suggested thresholds.
    pub capacity: f64,
    /// Leads scored.
    pub leads: u64,
    /// Of which converted.
    pub conversions: u64,
    /// conversions / leads.
    pub base_rate: f64,
    /// What the outcomes file held.
    pub outcome_records: OutcomeCounts,
    /// Each score.
    pub scores: Vec<ScoreReport>,
    /// Each flag.
    pub flags: Vec<FlagReport>,
    /// With `--by`: the same per segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<SegmentsReport>,
}

/// The outcome records, by where they fell.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutcomeCounts {
    /// Every outcome record read.
    pub records: u64,
    /// Of the chosen outcome, in (C, C + horizon].
    pub in_window: u64,
    /// Of the chosen outcome, at or before C (not counted: the model saw that lead
    /// before it; it may convert again).
    pub before: u64,
    /// Of the chosen outcome, after C + horizon (not counted).
    pub after: u64,
    /// Conversions in the window of leads neither the leads nor the events have.
    pub unknown_leads: u64,
}

/// How one score ranks converted leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// The score's name.
    pub score: String,
    /// ROC AUC with its 95% interval.
    pub auc: Auc,
    /// 2 × AUC − 1.
    pub gini: f64,
    /// Kolmogorov–Smirnov.
    pub ks: Ks,
    /// Conversion rate, lift and cumulative gains by decile, the top tenth first.
    pub deciles: Vec<Decile>,
    /// The ROC curve: (false positive rate, true positive rate) points.
    pub roc: Vec<[f64; 2]>,
    /// The scores of converted leads and of the others.
    pub distribution: Histogram,
    /// For a graded score: its bands, a threshold sweep and a suggested threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<GradeReport>,
}

/// A graded score's bands and thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeReport {
    /// Each band (by name, in the grade's order).
    pub bands: Vec<BandRow>,
    /// What each candidate threshold would pick.
    pub sweep: Vec<Cut>,
    /// The threshold for the capacity.
    pub suggested: Suggested,
}

/// One band of a grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandRow {
    /// The band's name.
    pub band: String,
    /// Leads in it.
    pub leads: u64,
    /// Of which converted.
    pub conversions: u64,
    /// conversions / leads.
    pub rate: f64,
    /// rate / the base rate.
    pub lift: f64,
}

/// The threshold picking at most the capacity's share of leads, as a `grade` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggested {
    /// What the threshold picks.
    pub cut: Cut,
    /// A ready `grade` block with that threshold for the grade's top band.
    pub block: String,
}

/// How one flag (a hand-off to sales) did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagReport {
    /// The flag's name.
    pub flag: String,
    /// Leads with the flag set at C.
    pub leads: u64,
    /// Of which converted.
    pub conversions: u64,
    /// conversions / flagged leads: the flag-to-outcome rate (MQL→SQL for an `mql` flag
    /// and the outcome `sql`).
    pub precision: f64,
    /// The share of all conversions that were flagged.
    pub recall: f64,
    /// Days from C to the conversion, the median over flagged converted leads.
    pub median_days: Option<f64>,
}

/// The report per value of a lead field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentsReport {
    /// The lead field (`lead.segment`).
    pub field: String,
    /// Each value, in byte order (leads without one last, as `(absent)`).
    pub segments: Vec<Segment>,
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// The field's value.
    pub value: String,
    /// Leads in it.
    pub leads: u64,
    /// Of which converted.
    pub conversions: u64,
    /// conversions / leads.
    pub base_rate: f64,
    /// Why it has no figures (too few conversions), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Each score, in the segment.
    pub scores: Vec<ScoreReport>,
}

/// Builds the report (see [`super::evaluate`]).
pub(super) fn build(
    plan: &Plan,
    rows: &[LeadRow],
    conversions: &Conversions,
    settings: &Settings,
) -> Result<Report, EvaluateError> {
    let window = &settings.window;
    let converted: Vec<Option<i64>> = rows
        .iter()
        .map(|r| conversions.first.get(&r.id).copied())
        .collect();
    let flags: Vec<bool> = converted.iter().map(Option::is_some).collect();
    enough(&flags, &window.label)?;
    let known = converted.iter().flatten().count() as u64;
    let mut outcome_records = conversions.counts.clone();
    outcome_records.unknown_leads = conversions.first.len() as u64 - known;
    let all: Vec<usize> = (0..rows.len()).collect();
    let segments = settings
        .segment_field
        .as_ref()
        .map(|field| segments(plan, rows, &flags, field, settings.capacity));
    let n = rows.len() as u64;
    Ok(Report {
        model: settings.model.clone(),
        as_of: crate::time::format_timestamp(window.as_of),
        horizon: crate::time::format_duration(window.horizon),
        outcome: window.label.clone(),
        capacity: settings.capacity,
        leads: n,
        conversions: known,
        base_rate: r4(ratio(known, n)),
        outcome_records,
        scores: score_reports(plan, rows, &flags, &all, settings.capacity),
        flags: flag_reports(plan, rows, &converted, window.as_of),
        segments,
    })
}

/// The report of every score over the leads `members` (indices into `rows`).
fn score_reports(
    plan: &Plan,
    rows: &[LeadRow],
    converted: &[bool],
    members: &[usize],
    capacity: f64,
) -> Vec<ScoreReport> {
    plan.scores
        .iter()
        .enumerate()
        .map(|(i, score)| {
            let leads: Vec<(f64, bool)> = members
                .iter()
                .map(|&m| (rows[m].scores[i], converted[m]))
                .collect();
            let grade = plan
                .grades
                .iter()
                .enumerate()
                .find(|(_, g)| g.score as usize == i)
                .map(|(g, grade)| {
                    let bands: Vec<(usize, bool)> = members
                        .iter()
                        .map(|&m| (rows[m].bands[g], converted[m]))
                        .collect();
                    grade_report(&score.name, grade, &leads, &bands, capacity)
                });
            score_report(&score.name, &leads, grade)
        })
        .collect()
}

fn score_report(name: &str, leads: &[(f64, bool)], grade: Option<GradeReport>) -> ScoreReport {
    let auc = metrics::auc(leads).expect("checked: leads of both kinds");
    let ks = metrics::ks(leads).expect("checked: leads of both kinds");
    let deciles = metrics::deciles(leads)
        .into_iter()
        .map(|d| Decile {
            rate: r4(d.rate),
            lift: r4(d.lift),
            gains: r4(d.gains),
            ..d
        })
        .collect();
    ScoreReport {
        score: name.to_string(),
        auc: Auc {
            value: r4(auc.value),
            low: r4(auc.low),
            high: r4(auc.high),
        },
        gini: r4(2.0 * auc.value - 1.0),
        ks: Ks {
            value: r4(ks.value),
            at: ks.at,
        },
        deciles,
        roc: metrics::roc(leads)
            .into_iter()
            .map(|[x, y]| [r4(x), r4(y)])
            .collect(),
        distribution: metrics::histogram(leads, BINS),
        grade,
    }
}

fn rounded(cut: &Cut) -> Cut {
    Cut {
        share: r4(cut.share),
        rate: r4(cut.rate),
        recall: r4(cut.recall),
        ..cut.clone()
    }
}

fn grade_report(
    score: &str,
    grade: &GradePlan,
    leads: &[(f64, bool)],
    bands: &[(usize, bool)],
    capacity: f64,
) -> GradeReport {
    let base = ratio(
        leads.iter().filter(|l| l.1).count() as u64,
        leads.len() as u64,
    );
    // Bands by name, in the grade's order (a name may have several thresholds).
    let mut names: Vec<&str> = Vec::new();
    for band in &grade.bands {
        if !names.contains(&band.name.as_str()) {
            names.push(&band.name);
        }
    }
    let rows = names
        .iter()
        .map(|name| {
            let members = bands.iter().filter(|(b, _)| grade.bands[*b].name == *name);
            let (leads, conversions) =
                members.fold((0, 0), |(l, c), (_, conv)| (l + 1, c + u64::from(*conv)));
            let rate = ratio(conversions, leads);
            BandRow {
                band: name.to_string(),
                leads,
                conversions,
                rate: r4(rate),
                lift: r4(if base > 0.0 { rate / base } else { 0.0 }),
            }
        })
        .collect();
    let cuts = metrics::cuts(leads);
    let cut = metrics::cut_for_capacity(&cuts, capacity).expect("there are leads");
    let top = &grade.bands[0].name;
    let rest = &grade.bands[grade.bands.len() - 1].name;
    let block = format!(
        "# the top {:.1}% of leads: {:.1}% convert, {:.1}% of all conversions\ngrade {score} {{\n  {top} >= {}\n  {rest}\n}}\n",
        cut.share * 100.0,
        cut.rate * 100.0,
        cut.recall * 100.0,
        round_points(cut.threshold),
    );
    GradeReport {
        bands: rows,
        sweep: metrics::sweep(&cuts, SWEEP_CUTS)
            .iter()
            .map(rounded)
            .collect(),
        suggested: Suggested {
            cut: rounded(cut),
            block,
        },
    }
}

fn flag_reports(
    plan: &Plan,
    rows: &[LeadRow],
    converted: &[Option<i64>],
    as_of: i64,
) -> Vec<FlagReport> {
    let total = converted.iter().flatten().count() as u64;
    plan.flags
        .iter()
        .enumerate()
        .map(|(i, flag)| {
            let flagged: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].flags[i]).collect();
            let mut days: Vec<f64> = flagged
                .iter()
                .filter_map(|&r| converted[r])
                .map(|ts| (ts - as_of) as f64 / crate::time::DAY as f64)
                .collect();
            let conversions = days.len() as u64;
            FlagReport {
                flag: flag.name.clone(),
                leads: flagged.len() as u64,
                conversions,
                precision: r4(ratio(conversions, flagged.len() as u64)),
                recall: r4(ratio(conversions, total)),
                median_days: metrics::median(&mut days).map(|d| (d * 10.0).round() / 10.0),
            }
        })
        .collect()
}

/// What segments without a value are called.
const ABSENT: &str = "(absent)";

fn segments(
    plan: &Plan,
    rows: &[LeadRow],
    converted: &[bool],
    field: &str,
    capacity: f64,
) -> SegmentsReport {
    let mut values: Vec<Option<&str>> = rows.iter().map(|r| r.segment.as_deref()).collect();
    // `None` sorts first; absent values are shown last.
    values.sort_unstable_by(|a, b| a.is_none().cmp(&b.is_none()).then(a.cmp(b)));
    values.dedup();
    let segments = values
        .into_iter()
        .map(|value| {
            let members: Vec<usize> = (0..rows.len())
                .filter(|&r| rows[r].segment.as_deref() == value)
                .collect();
            let flags: Vec<bool> = members.iter().map(|&m| converted[m]).collect();
            let conversions = flags.iter().filter(|c| **c).count() as u64;
            let refused = enough(&flags, "").err().map(|_| {
                format!(
                    "too few conversions (at least {} needed)",
                    super::MIN_CONVERSIONS
                )
            });
            Segment {
                value: value.unwrap_or(ABSENT).to_string(),
                leads: members.len() as u64,
                conversions,
                base_rate: r4(ratio(conversions, members.len() as u64)),
                scores: if refused.is_some() {
                    Vec::new()
                } else {
                    score_reports(plan, rows, converted, &members, capacity)
                },
                refused,
            }
        })
        .collect();
    SegmentsReport {
        field: format!("lead.{field}"),
        segments,
    }
}

/// A share as a percentage, one decimal.
fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

impl Report {
    /// The report for people, as plain text.
    pub fn text(&self) -> String {
        self.render(false)
    }

    /// The report as GitHub-flavoured markdown (for a pull request or a wiki).
    pub fn markdown(&self) -> String {
        self.render(true)
    }

    fn render(&self, markdown: bool) -> String {
        let mut out = String::new();
        let heading = |out: &mut String, text: &str| {
            if markdown {
                let _ = writeln!(out, "\n## {text}\n");
            } else {
                let _ = writeln!(out, "\n{text}");
            }
        };
        if markdown {
            let _ = writeln!(out, "# Evaluation of `{}`\n", self.model);
        } else {
            let _ = writeln!(out, "evaluation of {}", self.model);
        }
        let _ = writeln!(
            out,
            "{} leads scored as of {}; {} converted ({} within {} after): base rate {}.",
            self.leads,
            self.as_of,
            self.conversions,
            self.outcome,
            self.horizon,
            pct(self.base_rate)
        );
        let c = &self.outcome_records;
        let _ = writeln!(
            out,
            "{} outcome records: {} {} in the window, {} at or before the cut-off, {} after the horizon, {} conversions of leads not in the data (not counted).",
            c.records, c.in_window, self.outcome, c.before, c.after, c.unknown_leads
        );
        for score in &self.scores {
            heading(&mut out, &format!("score {}", score.score));
            score.render(&mut out, markdown, self.capacity);
        }
        if !self.flags.is_empty() {
            heading(&mut out, "flags (hand-offs)");
            self.flags_table(&mut out, markdown);
        }
        if let Some(segments) = &self.segments {
            heading(&mut out, &format!("by {}", segments.field));
            segments.table(&mut out, markdown);
        }
        out
    }
}

impl Report {
    fn flags_table(&self, out: &mut String, markdown: bool) {
        let head = [
            "flag",
            "leads",
            "converted",
            "precision",
            "recall",
            "median days to convert",
        ];
        let rows: Vec<Vec<String>> = self
            .flags
            .iter()
            .map(|f| {
                vec![
                    f.flag.clone(),
                    f.leads.to_string(),
                    f.conversions.to_string(),
                    pct(f.precision),
                    pct(f.recall),
                    f.median_days.map_or("-".into(), |d| d.to_string()),
                ]
            })
            .collect();
        table(out, &head, &rows, markdown);
    }
}

impl SegmentsReport {
    /// One row per segment and score: its AUC and suggested threshold.
    fn table(&self, out: &mut String, markdown: bool) {
        let head = [
            "segment",
            "leads",
            "converted",
            "base rate",
            "score",
            "AUC",
            "threshold",
            "picks",
            "converts",
        ];
        let mut rows = Vec::new();
        for s in &self.segments {
            let start = vec![
                s.value.clone(),
                s.leads.to_string(),
                s.conversions.to_string(),
                pct(s.base_rate),
            ];
            if let Some(why) = &s.refused {
                let mut row = [start.clone(), vec![why.clone()]].concat();
                row.resize(head.len(), String::new());
                rows.push(row);
            }
            for score in &s.scores {
                let suggested = score.grade.as_ref().map(|g| &g.suggested.cut);
                let shown = |f: &dyn Fn(&Cut) -> String| suggested.map_or("-".into(), f);
                let end = vec![
                    score.score.clone(),
                    format!("{:.3}", score.auc.value),
                    shown(&|c| round_points(c.threshold).to_string()),
                    shown(&|c| pct(c.share)),
                    shown(&|c| pct(c.rate)),
                ];
                rows.push([start.clone(), end].concat());
            }
        }
        table(out, &head, &rows, markdown);
    }
}

impl ScoreReport {
    fn render(&self, out: &mut String, markdown: bool, capacity: f64) {
        let _ = writeln!(
            out,
            "AUC {:.3} (95% CI {:.3}–{:.3}), Gini {:.3}, KS {:.3} (at score >= {})",
            self.auc.value,
            self.auc.low,
            self.auc.high,
            self.gini,
            self.ks.value,
            round_points(self.ks.at)
        );
        if markdown {
            out.push('\n');
        }
        let head = [
            "decile",
            "scores",
            "leads",
            "converted",
            "rate",
            "lift",
            "gains",
        ];
        let rows: Vec<Vec<String>> = self
            .deciles
            .iter()
            .map(|d| {
                vec![
                    d.decile.to_string(),
                    format!(
                        "{}–{}",
                        round_points(d.min_score),
                        round_points(d.max_score)
                    ),
                    d.leads.to_string(),
                    d.conversions.to_string(),
                    pct(d.rate),
                    format!("{:.2}", d.lift),
                    pct(d.gains),
                ]
            })
            .collect();
        table(out, &head, &rows, markdown);
        let Some(grade) = &self.grade else { return };
        subheading(out, "grade bands", markdown);
        let head = ["band", "leads", "converted", "rate", "lift"];
        let rows: Vec<Vec<String>> = grade
            .bands
            .iter()
            .map(|b| {
                vec![
                    b.band.clone(),
                    b.leads.to_string(),
                    b.conversions.to_string(),
                    pct(b.rate),
                    format!("{:.2}", b.lift),
                ]
            })
            .collect();
        table(out, &head, &rows, markdown);
        subheading(out, "threshold sweep", markdown);
        let head = ["score >=", "leads", "share", "rate", "recall"];
        let rows: Vec<Vec<String>> = grade
            .sweep
            .iter()
            .map(|c| {
                vec![
                    round_points(c.threshold).to_string(),
                    c.leads.to_string(),
                    pct(c.share),
                    pct(c.rate),
                    pct(c.recall),
                ]
            })
            .collect();
        table(out, &head, &rows, markdown);
        let fence = if markdown { "```\n" } else { "" };
        let _ = write!(
            out,
            "\nfor a capacity of {} of leads:\n{fence}{}{fence}",
            pct(capacity),
            grade.suggested.block
        );
    }
}

/// The title of a table within a score's section.
fn subheading(out: &mut String, text: &str, markdown: bool) {
    let _ = if markdown {
        writeln!(out, "\n**{text}**\n")
    } else {
        writeln!(out, "\n{text}")
    };
}

/// A table: aligned columns (numbers right) for text, a pipe table for markdown.
fn table(out: &mut String, head: &[&str], rows: &[Vec<String>], markdown: bool) {
    if markdown {
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(
            out,
            "|{}",
            head.iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
                .collect::<String>()
        );
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        return;
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i == 0 {
                text.push_str(&format!(" {cell}{}", " ".repeat(pad)));
            } else {
                text.push_str(&format!("  {}{cell}", " ".repeat(pad)));
            }
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(head.to_vec()));
    for row in rows {
        let _ = writeln!(out, "{}", line(row.iter().map(String::as_str).collect()));
    }
}
