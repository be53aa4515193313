//! Proving a model against real conversions (`leadscore evaluate`) and letting the data
//! propose its points (`leadscore suggest`).
//!
//! Every lead is scored as of a cut-off time C with the batch machinery of
//! [`ScoreJob`] (nothing after C is seen); a lead *converted* when it has the chosen
//! outcome in (C, C + horizon], read from an outcomes file ([`read_conversions`]).
//! [`evaluate`] then measures each score ([`metrics`]: ROC AUC with DeLong's interval,
//! Gini, KS, deciles, gains, a threshold sweep) into a [`Report`], rendered as text,
//! markdown, JSON (serde) or one self-contained HTML page ([`Report::html`]).
//! [`suggest()`] fits a regularised logistic regression of conversion on the model's
//! own rules ([`fit`]) and writes the model back with the fitted points.
//!
//! ```
//! use leadscore::evaluate::metrics::auc;
//! // Three converted leads, two others: 5 of 6 pairs ranked right, one tie.
//! let leads = [(9.0, true), (7.0, true), (3.0, true), (3.0, false), (1.0, false)];
//! assert_eq!(auc(&leads).unwrap().value, 5.5 / 6.0);
//! ```

pub mod fit;
mod html;
pub mod metrics;
mod report;
mod suggest;

pub use report::{
    BandRow, FlagReport, GradeReport, OutcomeCounts, Report, ScoreReport, Segment, SegmentsReport,
    Suggested,
};
pub use suggest::{suggest, RuleSuggestion, SuggestOptions, Suggestion};

use crate::batch::Summary;
use crate::diagnostics::Code;
use crate::eval::Scorer;
use crate::input::{self, Input};
use crate::job::{FileCounts, InputKind, JobError, Phase, Records, Scope, ScoreJob};
use crate::vocab::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Fewer conversions than this and [`evaluate`] refuses: no figure would mean anything.
pub const MIN_CONVERSIONS: u64 = 10;

/// One lead as of C: its results by position in the plan, and what `evaluate` and
/// `suggest` need besides.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadRow {
    /// The lead's id.
    pub id: String,
    /// Each score, in plan order.
    pub scores: Vec<f64>,
    /// Each grade's band (an index into the grade's bands), in plan order.
    pub bands: Vec<usize>,
    /// Each flag, in plan order.
    pub flags: Vec<bool>,
    /// Each rule's value (see [`LeadsAsOf::read`]); empty unless asked for.
    pub rule_values: Vec<f64>,
    /// The lead's value of the `--by` field, as text (`None`: absent, or not asked for).
    pub segment: Option<String>,
}

/// What to collect of each lead besides its results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collect {
    /// Each rule's value, for fitting points.
    pub rule_values: bool,
    /// The lead field to segment by (its index in the plan's lead fields).
    pub segment: Option<usize>,
}

/// Every lead scored as of C, in lead id order.
pub struct LeadsAsOf {
    /// The leads.
    pub rows: Vec<LeadRow>,
    /// What was read and scored.
    pub summary: Summary,
    /// What each input held.
    pub files: Vec<FileCounts>,
}

impl LeadsAsOf {
    /// Scores every lead of `leads` and `events` as `job` says (as of `job.as_of`),
    /// keeping what `collect` asks for. Bad records go to `rejects` as in
    /// [`ScoreJob::score`]. A rule's value is what its points are multiplied by: the
    /// times it counted (events after `max`, 1 or 0 for `when`, decay periods), for a
    /// rule with `decay -PCT%` the sum of its events' fading factors.
    pub fn read(
        job: &ScoreJob,
        scorer: Arc<Scorer>,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
        collect: &Collect,
    ) -> Result<LeadsAsOf, JobError> {
        let scope = Scope {
            keep_field: collect.segment,
            explains_none: true,
            ..Scope::default()
        };
        let (leads, events) = (leads.map(Records::Stream), events.map(Records::Stream));
        let (batch, files) = job.read(scorer, scope, leads, events, rejects, progress)?;
        let (shares, summary) = batch.finish_with(job.threads, |share| {
            let (scorer, as_of) = share.scorer();
            let mut results = crate::eval::Results::default();
            share
                .leads()
                .map(|(id, lead, state)| {
                    scorer.results_into(lead, state, as_of, &mut results, None);
                    let rule_values = if collect.rule_values {
                        scorer.rule_values(lead, state, as_of)
                    } else {
                        Vec::new()
                    };
                    let segment = collect
                        .segment
                        .and_then(|field| lead.value(field).as_ref().map(value_text));
                    LeadRow {
                        id: id.to_string(),
                        scores: results.scores.clone(),
                        bands: results.bands.clone(),
                        flags: results.flags.clone(),
                        rule_values,
                        segment,
                    }
                })
                .collect::<Vec<_>>()
        });
        progress(Phase::Scored);
        Ok(LeadsAsOf {
            rows: shares.into_iter().flatten().collect(),
            summary,
            files,
        })
    }
}

/// A field's value as a segment's name.
fn value_text(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Number(n) => crate::eval::round_points(*n).to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => crate::time::format_timestamp(*t),
        Value::Duration(d) => crate::time::format_duration(*d),
    }
}

/// The index of the lead field `name` (`lead.` before it or not) in `plan`, to segment
/// by (`--by`); an unknown field is an error with a "did you mean".
pub fn lead_field(plan: &crate::Plan, name: &str) -> Result<usize, EvaluateError> {
    let name = name.strip_prefix("lead.").unwrap_or(name);
    let fields = plan.lead_fields();
    fields.iter().position(|f| f.name == name).ok_or_else(|| {
        let names = fields.iter().map(|f| f.name.as_str());
        let hint = crate::diagnostics::closest(name, names)
            .map(|field| format!("; did you mean `lead.{field}`?"))
            .unwrap_or_default();
        EvaluateError::Unknown(format!(
            "--by: the model declares no lead field `{name}`{hint}"
        ))
    })
}

/// When a lead counts as converted: it has the outcome `label` in (as_of, as_of + horizon].
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// C: the time leads are scored as of.
    pub as_of: i64,
    /// How long after C a conversion counts (microseconds).
    pub horizon: i64,
    /// The outcome that is a conversion (`sql`).
    pub label: String,
}

impl Window {
    /// Whether `ts` is in (C, C + horizon].
    pub fn holds(&self, ts: i64) -> bool {
        ts > self.as_of && ts <= self.as_of.saturating_add(self.horizon)
    }
}

/// Which leads converted, and what the outcomes file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversions {
    /// Each converted lead's first conversion in the window.
    pub first: HashMap<String, i64>,
    /// The outcome records, by where they fell.
    pub counts: OutcomeCounts,
}

/// Reads the outcomes (`keys.lead`, `keys.ts` and `label_key` of each record; several
/// per lead allowed) and keeps the first conversion of each lead in `window`. Bad
/// records are set aside in `rejects` (one JSON object each, as for leads and events),
/// or stop the reading when there is no rejects writer.
pub fn read_conversions(
    job: &ScoreJob,
    source: Input<'_>,
    label_key: &str,
    window: &Window,
    mut rejects: Option<&mut dyn Write>,
) -> Result<(Conversions, FileCounts), JobError> {
    let format = job
        .input_format
        .unwrap_or_else(|| input::Format::from_path(Path::new(&source.name)));
    let mut files = FileCounts {
        input: InputKind::Outcomes,
        file: source.name.clone(),
        format,
        records: 0,
        rejected: 0,
    };
    let mut conversions = Conversions::default();
    let mut failed = None;
    let read = input::read_outcomes(
        source,
        format,
        &job.keys,
        label_key,
        job.read_options,
        |_, record| {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    let Some(out) = rejects.as_mut().filter(|_| error.can_be_set_aside()) else {
                        return Err(error);
                    };
                    if let Err(e) = crate::job::write_reject(&mut **out, &error) {
                        failed = Some(e);
                        return Err(error);
                    }
                    files.rejected += 1;
                    return Ok(());
                }
            };
            files.records += 1;
            conversions.see(record, window);
            Ok(())
        },
    );
    if let Some(e) = failed {
        return Err(JobError::Rejects(e));
    }
    read.map_err(JobError::Record)?;
    if let Some(out) = rejects {
        out.flush().map_err(JobError::Rejects)?;
    }
    Ok((conversions, files))
}

impl Conversions {
    /// Counts one outcome record, and keeps it when it is a conversion in the window.
    fn see(&mut self, record: input::OutcomeRecord, window: &Window) {
        let counts = &mut self.counts;
        counts.records += 1;
        if record.label != window.label {
            return;
        }
        if window.holds(record.ts) {
            counts.in_window += 1;
            let first = self.first.entry(record.lead).or_insert(record.ts);
            *first = (*first).min(record.ts);
        } else if record.ts <= window.as_of {
            counts.before += 1;
        } else {
            counts.after += 1;
        }
    }
}

/// Why [`evaluate`] or [`suggest()`] gives no report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluateError {
    /// Too few conversions (or no lead that did not convert) to measure anything.
    #[error("only {conversions} of {leads} leads converted ({label} within the horizon): at least {MIN_CONVERSIONS} conversions and one lead that did not convert are needed to say anything; pick an earlier cut-off (--as-of), a longer --horizon or another --outcome")]
    TooFewConversions {
        /// Leads that converted.
        conversions: u64,
        /// Leads scored.
        leads: u64,
        /// The outcome counted.
        label: String,
    },
    /// A name given on the command line that the model does not have.
    #[error("{0}")]
    Unknown(String),
    /// The model's source cannot be given the suggested points.
    #[error("{0}")]
    Rewrite(String),
}

impl EvaluateError {
    /// The stable code of this error (E083x).
    pub fn code(&self) -> Code {
        match self {
            EvaluateError::TooFewConversions { .. } => Code::TooFewConversions,
            EvaluateError::Unknown(_) => Code::UnknownEvaluationName,
            EvaluateError::Rewrite(_) => Code::CannotRewritePoints,
        }
    }
}

/// Checks there are enough conversions among `converted` to measure anything.
fn enough(converted: &[bool], label: &str) -> Result<(), EvaluateError> {
    let conversions = converted.iter().filter(|c| **c).count() as u64;
    let leads = converted.len() as u64;
    if conversions < MIN_CONVERSIONS || conversions == leads {
        return Err(EvaluateError::TooFewConversions {
            conversions,
            leads,
            label: label.to_string(),
        });
    }
    Ok(())
}

/// How [`evaluate`] reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The model's name, for the report.
    pub model: String,
    /// What counts as a conversion.
    pub window: Window,
    /// The share of leads sales can take (0–1), for the suggested thresholds.
    pub capacity: f64,
    /// The lead field the leads were segmented by (`--by`), if any.
    pub segment_field: Option<String>,
}

/// Measures every score, grade and flag of `plan` against the conversions.
pub fn evaluate(
    plan: &crate::Plan,
    rows: &[LeadRow],
    conversions: &Conversions,
    settings: &Settings,
) -> Result<Report, EvaluateError> {
    report::build(plan, rows, conversions, settings)
}
