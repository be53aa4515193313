//! Score blocks and derived scores: each rule (`on`, `when`, `decay`), its options
//! (`within`, `max`, a decay's `since`, and section 11.3's `without … for`, `distinct by`,
//! `max K per D`, `decay -PCT%`), its `label`, the one `clamp`, and the numeric checks on
//! points and amounts.

use super::expr::Cx;
use super::Checker;
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// Checks every score, block or derived, in declaration order.
    pub(super) fn check_scores(&mut self) {
        for index in 0..self.scores.len() {
            let decl = self.scores[index].decl;
            let node = Node::Score(ScoreId(index as u32));
            let body = match &decl.body {
                ast::ScoreBody::Derived(e) => {
                    let typed = self.expr(e, &Cx::derived(node));
                    if !typed.ty.is_numeric() {
                        self.report(
                            Diagnostic::new(
                                Code::NotNumeric,
                                format!("score `{}` must be a number", decl.name.text),
                                e.span,
                                format!("this is {}", typed.ty.an()),
                            )
                            .with_help("a derived score is arithmetic over scores, lead fields and constants"),
                        );
                    }
                    ScoreBody::Derived(typed)
                }
                ast::ScoreBody::Rules(rules) => self.score_rules(decl, rules, node),
            };
            self.scores[index].def = Some(ScoreDef {
                name: decl.name.text.clone(),
                body,
                origin: match &decl.body {
                    // A derived score is explained by its whole definition.
                    ast::ScoreBody::Derived(_) => self.origin(decl.span),
                    ast::ScoreBody::Rules(_) => Origin {
                        text: format!("score {}", decl.name.text),
                        ..self.origin(decl.name.span)
                    },
                },
            });
        }
    }

    /// The rules of a score block, with its one `clamp` set apart.
    fn score_rules(&mut self, decl: &ast::ScoreDecl, rules: &[ast::Rule], node: Node) -> ScoreBody {
        let mut checked = Vec::new();
        let mut clamp: Option<Clamp> = None;
        if rules.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::EmptyScore,
                    format!("score `{}` has no rules", decl.name.text),
                    decl.name.span,
                    "always 0",
                )
                .with_help("add rules like `when lead.industry == \"software\" +20`"),
            );
        }
        for rule in rules {
            if let ast::RuleKind::Clamp { low, high } = &rule.kind {
                if let Some(first) = &clamp {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateClamp,
                            "a score has at most one `clamp`",
                            rule.span,
                            "second clamp",
                        )
                        .with_label(first.origin.span, "first clamp")
                        .with_help("keep one `clamp LOW HIGH`"),
                    );
                    continue;
                }
                if low.0 > high.0 {
                    self.report(
                        Diagnostic::new(
                            Code::BadClamp,
                            format!("the clamp range is empty: {} is above {}", low.0, high.0),
                            low.1.to(high.1),
                            "low bound above high bound",
                        )
                        .with_help(format!(
                            "write the low bound first: `clamp {} {}`",
                            high.0, low.0
                        )),
                    );
                }
                clamp = Some(Clamp {
                    low: low.0,
                    high: high.0,
                    origin: self.origin(rule.span),
                });
                continue;
            }
            let label = rule.label.as_ref().and_then(|l| self.label(l));
            if let Some(kind) = self.rule(rule, node) {
                // The source shown beside the label is the rule without it.
                let source = match &rule.label {
                    Some(l) => Span {
                        end: l.span.start,
                        ..rule.span
                    },
                    None => rule.span,
                };
                checked.push(RuleDef {
                    kind,
                    origin: self.origin(source),
                    label,
                });
            }
        }
        ScoreBody::Rules {
            rules: checked,
            clamp,
        }
    }

    /// One `on`, `when` or `decay` rule (`clamp` is handled by [`Self::score_rules`]).
    fn rule(&mut self, rule: &ast::Rule, node: Node) -> Option<RuleKind> {
        match &rule.kind {
            ast::RuleKind::On {
                event,
                filter,
                unanswered,
                points,
                within,
                max,
                max_per,
                distinct,
                decay,
            } => {
                self.zero_points(points);
                let within =
                    self.single_option("within", within.iter().map(|d| (d.micros, d.span)));
                let max = self
                    .single_option("max", max.iter().copied())
                    .and_then(|(k, span)| self.max_count(k, span));
                let max_per = self
                    .single_option("max K per D", max_per.iter().map(|m| (*m, m.span)))
                    .and_then(|(m, _)| Some((self.max_count(m.count.0, m.count.1)?, m.per.micros)));
                let distinct =
                    self.single_option("distinct by", distinct.iter().map(|d| (d, d.span)));
                let decay = self
                    .single_option("decay", decay.iter().map(|d| (*d, d.span)))
                    .and_then(|(d, _)| self.percent_decay(&d));
                let events = self.resolve_events(event)?;
                let filter = filter
                    .as_ref()
                    .map(|f| self.condition(f, &Cx::filter(&events)));
                let distinct = distinct
                    .and_then(|(name, _)| self.set_prop(&events, name))
                    .map(|(prop, _)| prop);
                let unanswered = match unanswered {
                    Some(u) => Some(self.unanswered(&events, u)?),
                    None => None,
                };
                let pipeline = Pipeline {
                    unanswered,
                    distinct,
                    max_per,
                    decay,
                };
                let v1 = pipeline.unanswered.is_none()
                    && pipeline.distinct.is_none()
                    && pipeline.max_per.is_none()
                    && pipeline.decay.is_none();
                Some(RuleKind::On {
                    event: events,
                    filter,
                    points: points.value,
                    within: within.map(|(d, _)| d),
                    max,
                    pipeline: (!v1).then(|| Box::new(pipeline)),
                })
            }
            ast::RuleKind::When { condition, points } => {
                self.zero_points(points);
                let condition = self.condition(condition, &Cx::condition(Some(node)));
                Some(RuleKind::When {
                    condition,
                    points: points.value,
                })
            }
            ast::RuleKind::Decay {
                points,
                per,
                reset,
                since,
            } => {
                if points.value > 0.0 {
                    self.report(
                        Diagnostic::new(
                            Code::PositiveDecay,
                            "decay must take points away",
                            points.span,
                            "positive amount",
                        )
                        .with_help(format!("write `-{}`", points.value)),
                    );
                }
                self.zero_points(points);
                let reset = match reset {
                    ast::DecayReset::AnyEvent => None,
                    ast::DecayReset::Event { event, filter } => {
                        let events = self.resolve_events(event)?;
                        let filter = filter
                            .as_ref()
                            .map(|f| self.condition(f, &Cx::filter(&events)));
                        Some(EventMatch {
                            event: events,
                            filter,
                        })
                    }
                };
                let since = match since {
                    Some(field) => Some(self.since_field(field, node)?),
                    None => None,
                };
                Some(RuleKind::Decay {
                    points: points.value,
                    per: per.micros,
                    reset,
                    since,
                })
            }
            ast::RuleKind::Clamp { .. } => None,
        }
    }

    /// The field of a decay's `since lead.FIELD`: a lead field of type `time`.
    fn since_field(&mut self, field: &ast::Ident, node: Node) -> Option<FieldId> {
        let typed = self.lead_field(field, &Cx::condition(Some(node)), field.span);
        let TExprKind::LeadField(id) = typed.kind else {
            return None; // unknown: reported
        };
        if typed.ty == Type::Time {
            return Some(id);
        }
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "`since` takes a time, but `lead.{}` is {}",
                    field.text,
                    typed.ty.an()
                ),
                field.span,
                format!("this is {}", typed.ty.an()),
            )
            .with_help(format!(
                "declare it as a time (`{}: time`), or name a lead field that is one",
                field.text
            )),
        );
        None
    }

    /// The text of a rule's `label "TEXT"`: one line, not empty.
    fn label(&mut self, label: &ast::Label) -> Option<String> {
        let problem = if label.text.trim().is_empty() {
            "a label cannot be empty"
        } else if label.text.contains(['\n', '\r']) {
            "a label is one line of text"
        } else {
            return Some(label.text.clone());
        };
        self.report(
            Diagnostic::new(Code::BadLabel, problem, label.string_span, "invalid label").with_help(
                "write what the rule means to a reader, like `label \"Asked for a demo\"`",
            ),
        );
        None
    }

    /// Warns about a rule worth nothing.
    fn zero_points(&mut self, points: &ast::Points) {
        if points.value == 0.0 {
            self.report(
                Diagnostic::new(
                    Code::ZeroPoints,
                    "this rule is worth 0 points",
                    points.span,
                    "0 points",
                )
                .with_help("give it points, or remove the rule"),
            );
        }
    }

    /// Takes the first of a repeatable option, reporting repeats.
    fn single_option<T: Copy>(
        &mut self,
        name: &str,
        mut values: impl Iterator<Item = (T, Span)>,
    ) -> Option<(T, Span)> {
        let first = values.next()?;
        for (_, span) in values {
            self.report(
                Diagnostic::new(
                    Code::DuplicateOption,
                    format!("`{name}` is given twice"),
                    span,
                    "repeated",
                )
                .with_label(first.1, "first given here")
                .with_help(format!("keep one `{name}`")),
            );
        }
        Some(first)
    }

    /// The `without F [where Q] [same PROP] for D` of an `on` rule on `events`.
    fn unanswered(&mut self, events: &EventSet, clause: &ast::Unanswered) -> Option<Unanswered> {
        let answer = self.resolve_events(&clause.event)?;
        let filter = clause
            .filter
            .as_ref()
            .map(|f| self.condition(f, &Cx::filter(&answer)));
        let same = match &clause.same {
            Some(name) => Some(self.same_prop(events, &answer, name)?),
            None => None,
        };
        Some(Unanswered {
            answer: EventMatch {
                event: answer,
                filter,
            },
            same,
            wait: clause.wait.micros,
        })
    }

    /// The property of `same PROP`: declared on every type of E and of F (each set
    /// reports a type lacking it, E0309, or declaring it otherwise, E0410), with one type
    /// on both sides (`int` and `number` count as one; E0510 otherwise). Its index as
    /// each set numbers properties.
    fn same_prop(
        &mut self,
        events: &EventSet,
        answer: &EventSet,
        name: &ast::Ident,
    ) -> Option<(PropId, PropId)> {
        let (on_event, event_ty) = self.set_prop(events, name)?;
        let (on_answer, answer_ty) = self.set_prop(answer, name)?;
        let one_type = event_ty == answer_ty || (event_ty.is_numeric() && answer_ty.is_numeric());
        if !one_type {
            self.report(
                Diagnostic::new(
                    Code::SameTypeMismatch,
                    format!(
                        "`{}` is {} on `{}` but {} on `{}`",
                        name.text,
                        event_ty.an(),
                        events.text,
                        answer_ty.an(),
                        answer.text
                    ),
                    name.span,
                    "values of different types are never the same",
                )
                .with_help(format!(
                    "declare `{}` with one type on both event types",
                    name.text
                )),
            );
            return None;
        }
        Some((on_event, on_answer))
    }

    /// The percentage of `decay -PCT% per D`: more than 0, at most 100.
    fn percent_decay(&mut self, decay: &ast::PercentDecay) -> Option<(f64, i64)> {
        let value = decay.percent.value;
        if value > 0.0 {
            self.report(
                Diagnostic::new(
                    Code::PositiveDecay,
                    "decay must take points away",
                    decay.percent.span,
                    "positive percentage",
                )
                .with_help(format!("write `-{value}%`")),
            );
            return None;
        }
        let percent = -value;
        let written = self.sources.slice(decay.percent.span);
        if !percent_in_range(written) {
            self.report(
                Diagnostic::new(
                    Code::BadDecayPercent,
                    format!(
                        "a decay of {}% a period is out of range",
                        written.trim_start_matches('-')
                    ),
                    decay.percent.span,
                    "not more than 0% and at most 100%",
                )
                .with_help(
                    "points fade by more than 0% and at most 100% a period, like `decay -50% per 30d`",
                ),
            );
            return None;
        }
        Some((percent, decay.per.micros))
    }

    /// The `K` of `max K`: a whole number of events, at least 1.
    fn max_count(&mut self, k: f64, span: Span) -> Option<u32> {
        if k >= 1.0 && k.fract() == 0.0 && k <= u32::MAX as f64 {
            return Some(k as u32);
        }
        self.report(
            Diagnostic::new(
                Code::BadMax,
                format!("`max {k}` is not a whole number of events of at least 1"),
                span,
                "invalid count",
            )
            .with_help("`max K` counts matching events at most K times: write `max 3`"),
        );
        None
    }
}

/// Whether a written percentage (`-50`, `-12.5`, `-100.000`) is more than 0 and at most
/// 100, decided on its decimal digits: a float would round `100.000…01` down to 100 and
/// a long `0.000…01` down to 0.
fn percent_in_range(written: &str) -> bool {
    let digits = written.trim_start_matches(['-', '+']);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = whole.trim_start_matches('0');
    let fraction_is_zero = fraction.bytes().all(|b| b == b'0');
    match whole.len() {
        0 => !fraction_is_zero,
        1 | 2 => true,
        3 => whole == "100" && fraction_is_zero,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::percent_in_range;

    #[test]
    fn a_percentage_is_in_range_by_its_digits() {
        for inside in [
            "-50", "-100", "-100.000", "-12.5", "-0.5", "-007", "-99.999",
        ] {
            assert!(percent_in_range(inside), "{inside}");
        }
        let tiny = format!("-0.{}1", "0".repeat(400));
        assert!(percent_in_range(&tiny));
        for outside in [
            "-0",
            "-0.000",
            "-100.0000000000000000001",
            "-101",
            "-1000",
            "-000",
        ] {
            assert!(!percent_in_range(outside), "{outside}");
        }
    }
}
