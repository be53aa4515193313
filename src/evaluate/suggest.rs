//! `leadscore suggest`: points fitted to the conversions, written back into the model.
//!
//! Each `on` and `when` rule is a feature (its value as of C: the times it counted, or
//! its events' fading factors); a regularised logistic regression of conversion on them
//! is fitted on the training leads (a hash of the id holds out the rest), and each
//! coefficient becomes whole points by scorecard scaling. Decay rules are left as they
//! are (and out of the comparison): their points depend on how long a lead is idle, not
//! on what it did. Held-out, the rules' points summed (before clamps and decay) rank
//! leads with the current points and with the suggested ones: both AUCs are reported.

use super::fit::{self, held_out};
use super::metrics::{self, Auc};
use super::report::r4;
use super::{enough, Conversions, EvaluateError, LeadRow};
use crate::eval::round_points;
use crate::plan::{Plan, RuleKind, ScoreBody};
use crate::source::FileId;
use crate::syntax::ast;
use serde::Serialize;
use std::fmt::Write as _;

/// How to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestOptions {
    /// The points that double a lead's odds of converting (scorecard scaling).
    pub points_to_double: f64,
    /// The L2 penalty on the standardised coefficients.
    pub lambda: f64,
    /// The share of leads held out for testing, in percent.
    pub test_percent: u64,
    /// The outcome counted, for messages.
    pub label: String,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            points_to_double: 20.0,
            lambda: 1.0,
            test_percent: 30,
            label: "sql".into(),
        }
    }
}

/// The fitted points and how they compare.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The points that double the odds.
    pub points_to_double: f64,
    /// The leads the points are fitted on.
    pub train: Sample,
    /// The held-out leads the AUCs are measured on.
    pub test: Sample,
    /// Held-out AUC of the rules' current points.
    pub auc_current: Auc,
    /// Held-out AUC of the suggested points.
    pub auc_suggested: Auc,
    /// Each fitted rule.
    pub rules: Vec<RuleSuggestion>,
    /// The main model file with the suggested points, formatted (`None` when none was
    /// given).
    #[serde(skip)]
    pub source: Option<String>,
    /// The name of that file (in the plan's origins): rules of other files (imports)
    /// keep their points.
    #[serde(skip)]
    pub rewritten: Option<String>,
}

/// Some of the leads: how many, and how many of them converted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Leads.
    pub leads: u64,
    /// Of which converted.
    pub conversions: u64,
}

/// One rule's points, current and fitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSuggestion {
    /// The score the rule is in.
    pub score: String,
    /// The rule as written.
    pub rule: String,
    /// Its file and line.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// Its points now.
    pub current: f64,
    /// The suggested points.
    pub suggested: f64,
    /// The fitted change in log-odds per unit of the rule's value.
    pub coefficient: f64,
    /// Its standard error.
    pub error: f64,
    /// Whether the effect is within two standard errors of zero.
    pub indistinguishable: bool,
}

/// A rule of the plan that is fitted: its score and rule indices, and its index in
/// [`LeadRow::rule_values`].
struct Fitted {
    score: usize,
    rule: usize,
    value: usize,
}

fn fitted_rules(plan: &Plan) -> Vec<Fitted> {
    let mut out = Vec::new();
    let mut value = 0;
    for (score, s) in plan.scores.iter().enumerate() {
        let ScoreBody::Rules { rules, .. } = &s.body else {
            continue;
        };
        for (rule, r) in rules.iter().enumerate() {
            if !matches!(r.kind, RuleKind::Decay { .. }) {
                out.push(Fitted { score, rule, value });
            }
            value += 1;
        }
    }
    out
}

/// Fits points to the conversions of `rows` (which must carry their rule values) and,
/// given the main model file (`(name as in the plan's origins, text)`), writes it with
/// the suggested points.
pub fn suggest(
    plan: &Plan,
    rows: &[LeadRow],
    conversions: &Conversions,
    options: &SuggestOptions,
    main: Option<(&str, &str)>,
) -> Result<Suggestion, EvaluateError> {
    let fitted = fitted_rules(plan);
    if fitted.is_empty() {
        return Err(EvaluateError::Unknown(
            "the model has no `on` or `when` rules to fit points to".into(),
        ));
    }
    let converted: Vec<bool> = rows
        .iter()
        .map(|r| conversions.first.contains_key(&r.id))
        .collect();
    let test: Vec<bool> = rows
        .iter()
        .map(|r| held_out(&r.id, options.test_percent))
        .collect();
    let part =
        |held: bool| -> Vec<usize> { (0..rows.len()).filter(|&i| test[i] == held).collect() };
    let (train_rows, test_rows) = (part(false), part(true));
    for members in [&train_rows, &test_rows] {
        let flags: Vec<bool> = members.iter().map(|&i| converted[i]).collect();
        enough(&flags, &options.label)?;
    }
    let features = |i: usize| -> Vec<f64> {
        fitted
            .iter()
            .map(|f| rows[i].rule_values[f.value])
            .collect()
    };
    let x: Vec<Vec<f64>> = train_rows.iter().map(|&i| features(i)).collect();
    let y: Vec<bool> = train_rows.iter().map(|&i| converted[i]).collect();
    let model = fit::logistic(&x, &y, options.lambda);
    let rules: Vec<RuleSuggestion> = fitted
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let ScoreBody::Rules { rules, .. } = &plan.scores[f.score].body else {
                unreachable!("fitted rules are in scores of rules")
            };
            let rule = &rules[f.rule];
            let origin = &plan.origins[rule.origin as usize];
            RuleSuggestion {
                score: plan.scores[f.score].name.clone(),
                rule: origin.text.clone(),
                file: origin.file.clone(),
                line: origin.line,
                current: rule.points,
                suggested: fit::points(model.coefficients[k], options.points_to_double),
                coefficient: r4(model.coefficients[k]),
                error: r4(model.errors[k]),
                indistinguishable: model.indistinguishable(k),
            }
        })
        .collect();
    let held_out_auc = |points: &dyn Fn(usize) -> f64| {
        let leads: Vec<(f64, bool)> = test_rows
            .iter()
            .map(|&i| {
                let sum = features(i)
                    .iter()
                    .enumerate()
                    .map(|(k, v)| v * points(k))
                    .sum();
                (sum, converted[i])
            })
            .collect();
        let auc = metrics::auc(&leads).expect("checked: both kinds held out");
        Auc {
            value: r4(auc.value),
            low: r4(auc.low),
            high: r4(auc.high),
        }
    };
    let count = |members: &[usize]| Sample {
        leads: members.len() as u64,
        conversions: members.iter().filter(|&&i| converted[i]).count() as u64,
    };
    let source = main
        .map(|(name, text)| rewrite(plan, &fitted, &rules, name, text))
        .transpose()?;
    Ok(Suggestion {
        points_to_double: options.points_to_double,
        train: count(&train_rows),
        test: count(&test_rows),
        auc_current: held_out_auc(&|k| rules[k].current),
        auc_suggested: held_out_auc(&|k| rules[k].suggested),
        rules,
        source,
        rewritten: main.map(|(name, _)| name.to_string()),
    })
}

/// The points as a model writes them: a sign, then the number.
fn points_text(points: f64) -> String {
    let points = round_points(points);
    if points < 0.0 {
        format!("{points}")
    } else {
        format!("+{points}")
    }
}

/// The points' span of an AST rule (`None` for `clamp`).
fn points_span(rule: &ast::Rule) -> Option<crate::source::Span> {
    match &rule.kind {
        ast::RuleKind::On { points, .. }
        | ast::RuleKind::When { points, .. }
        | ast::RuleKind::Decay { points, .. } => Some(points.span),
        ast::RuleKind::Clamp { .. } => None,
    }
}

/// `text` (the main model file, `name` in the plan's origins) with the suggested
/// points of the rules it holds, formatted. Rules of imported files are left as they
/// are (the report lists them with their files).
fn rewrite(
    plan: &Plan,
    fitted: &[Fitted],
    rules: &[RuleSuggestion],
    name: &str,
    text: &str,
) -> Result<String, EvaluateError> {
    let (file, diagnostics) = crate::syntax::parse(FileId(0), text);
    if diagnostics.has_errors() {
        return Err(EvaluateError::Rewrite(format!("`{name}` does not parse")));
    }
    let line_of = |offset: u32| text[..offset as usize].matches('\n').count() as u32 + 1;
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (f, suggestion) in fitted.iter().zip(rules) {
        if suggestion.file != name {
            continue;
        }
        let score = &plan.scores[f.score].name;
        let declared = file.items.iter().find_map(|item| match item {
            ast::Item::Score(decl) if &decl.name.text == score => match &decl.body {
                ast::ScoreBody::Rules(rules) => Some(rules),
                ast::ScoreBody::Derived(_) => None,
            },
            _ => None,
        });
        let span = declared
            .and_then(|rules| rules.iter().filter_map(points_span).nth(f.rule))
            .filter(|span| line_of(span.start) == suggestion.line)
            .ok_or_else(|| {
                EvaluateError::Rewrite(format!(
                    "cannot find the points of `{}` (line {}) in `{name}`",
                    suggestion.rule, suggestion.line
                ))
            })?;
        edits.push((
            span.start as usize..span.end as usize,
            points_text(suggestion.suggested),
        ));
    }
    let mut out = text.to_string();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, points) in edits {
        out.replace_range(range, &points);
    }
    crate::format::format_source(&out)
        .map_err(|_| EvaluateError::Rewrite(format!("`{name}` with the new points does not parse")))
}

impl Suggestion {
    /// The suggestion for people, as plain text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "fitted on {} leads ({} converted), tested on {} held-out leads ({} converted)",
            self.train.leads, self.train.conversions, self.test.leads, self.test.conversions
        );
        let _ = writeln!(
            out,
            "points: {} points double the odds of converting (log-odds × {} / ln 2, rounded)\n",
            round_points(self.points_to_double),
            round_points(self.points_to_double)
        );
        let width = self
            .rules
            .iter()
            .map(|r| r.rule.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(
            out,
            "  {:<12} {:<width$}  {:>7}  {:>9}  {:>16}",
            "score", "rule", "current", "suggested", "log-odds ± se"
        );
        for r in &self.rules {
            let mut note = String::new();
            if r.indistinguishable {
                note.push_str("  indistinguishable from zero");
            }
            if self.rewritten.as_ref().is_some_and(|main| *main != r.file) {
                note.push_str(&format!("  (in {}: change it by hand)", r.file));
            }
            let _ = writeln!(
                out,
                "  {:<12} {:<width$}  {:>7}  {:>9}  {:>16}{note}",
                r.score,
                r.rule,
                points_text(r.current),
                points_text(r.suggested),
                format!("{:.3} ± {:.3}", r.coefficient, r.error),
            );
        }
        let auc = |a: &Auc| format!("{:.3} (95% CI {:.3}–{:.3})", a.value, a.low, a.high);
        let _ = writeln!(
            out,
            "\nheld-out AUC of the rules' points (before clamps and decay): current {}, suggested {}",
            auc(&self.auc_current),
            auc(&self.auc_suggested)
        );
        out
    }
}
