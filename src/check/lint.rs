//! Warnings: things that check but are probably not what the author meant.

use super::{BandDef, Checker, Const, ScoreBody, TExpr, TExprKind};
use crate::diagnostics::{Code, Diagnostic};

impl Checker<'_> {
    pub(super) fn lint(&mut self) {
        // A file without scores is a library of declarations (a shared schema):
        // its constants and event types are there for the files that import it.
        // With errors about, "unused" is usually a cascade (the use had the error).
        if !self.scores.is_empty() && !self.diagnostics.has_errors() {
            self.unused_lets();
            self.unused_events();
        }
        self.unreachable_bands();
        self.constant_conditions();
    }

    fn unused_lets(&mut self) {
        let unused: Vec<_> = self
            .lets
            .iter()
            .filter(|l| !l.used)
            .map(|l| l.decl.name.clone())
            .collect();
        for name in unused {
            self.report(
                Diagnostic::new(
                    Code::UnusedLet,
                    format!("constant `{}` is never used", name.text),
                    name.span,
                    "unused",
                )
                .with_help("use it in a rule, or remove it"),
            );
        }
    }

    fn unused_events(&mut self) {
        let unused: Vec<_> = self
            .events
            .iter()
            .filter(|e| !e.used)
            .map(|e| (e.def.name.clone(), e.def.span))
            .collect();
        for (name, span) in unused {
            self.report(
                Diagnostic::new(
                    Code::UnusedEvent,
                    format!("no rule uses event type `{name}`"),
                    span,
                    "declared but unused",
                )
                .with_note("events of this type still reset `decay … idle`")
                .with_help(format!(
                    "score it, like `on {name} +5`, or remove the declaration"
                )),
            );
        }
    }

    /// A band can never be chosen when an earlier band without an `if` already takes
    /// every score it would, or when its threshold is above the score's clamp.
    fn unreachable_bands(&mut self) {
        let mut found = Vec::new();
        for grade in &self.grades {
            let score = &self.scores[grade.score.0 as usize];
            let ceiling = match score.def.as_ref().map(|d| &d.body) {
                Some(ScoreBody::Rules { clamp: Some(c), .. }) => Some(c.high),
                _ => None,
            };
            for (i, band) in grade.bands.iter().enumerate() {
                let shadow = grade.bands[..i].iter().find(|earlier| {
                    earlier.condition.is_none() && takes_every_score(earlier, band)
                });
                if let Some(earlier) = shadow {
                    found.push(
                        Diagnostic::new(
                            Code::UnreachableBand,
                            format!("band `{}` can never be chosen", band.name),
                            band.origin.span,
                            "never reached",
                        )
                        .with_label(earlier.origin.span, "this band takes every score it would")
                        .with_help("order bands from the highest threshold to the lowest"),
                    );
                } else if let (Some(t), Some(high)) = (band.threshold, ceiling) {
                    if t > high || (band.strict && t == high) {
                        found.push(
                            Diagnostic::new(
                                Code::UnreachableBand,
                                format!("band `{}` can never be chosen", band.name),
                                band.origin.span,
                                format!("the score is clamped to at most {high}"),
                            )
                            .with_help(format!("lower the threshold to {high} or less")),
                        );
                    }
                }
            }
        }
        for d in found {
            self.report(d);
        }
    }

    fn constant_conditions(&mut self) {
        let mut conditions: Vec<&TExpr> = Vec::new();
        for score in self.scores.iter().filter_map(|s| s.def.as_ref()) {
            if let ScoreBody::Rules { rules, .. } = &score.body {
                for rule in rules {
                    if let super::RuleKind::When { condition, .. } = &rule.kind {
                        conditions.push(condition);
                    }
                }
            }
        }
        conditions.extend(
            self.flags
                .iter()
                .filter_map(|f| f.def.as_ref())
                .map(|f| &f.condition),
        );
        let constant: Vec<_> = conditions
            .into_iter()
            .filter(|c| !c.ty.is_error() && !depends_on_lead(c))
            .map(|c| {
                (
                    c.span,
                    matches!(c.kind, TExprKind::Const(Const::Bool(true))),
                )
            })
            .collect();
        for (span, _) in constant {
            self.report(
                Diagnostic::new(
                    Code::ConstantCondition,
                    "this condition is the same for every lead",
                    span,
                    "uses no lead field, event, score or flag",
                )
                .with_help("test something about the lead, like `lead.country == \"PL\"`"),
            );
        }
    }
}

/// Whether every score that passes `later`'s threshold passes `earlier`'s too.
fn takes_every_score(earlier: &BandDef, later: &BandDef) -> bool {
    match (earlier.threshold, later.threshold) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(e), Some(l)) => e < l || (e == l && (!earlier.strict || later.strict)),
    }
}

/// Whether an expression reads anything that varies between leads.
fn depends_on_lead(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Const(_) => false,
        TExprKind::LeadField(_)
        | TExprKind::Prop(_)
        | TExprKind::Score(_)
        | TExprKind::Flag(_)
        | TExprKind::Grade(_)
        | TExprKind::Aggregate(_) => true,
        TExprKind::Neg(inner) | TExprKind::Not(inner) => depends_on_lead(inner),
        TExprKind::Binary { lhs, rhs, .. } => depends_on_lead(lhs) || depends_on_lead(rhs),
        TExprKind::Call { args, .. } => args.iter().any(depends_on_lead),
    }
}
