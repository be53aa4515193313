//! Names in expressions: an event's property (inside `where`), a constant, a score or
//! flag (where the lead's results are known), or `lead.FIELD`; unknown names get
//! "did you mean" help from the names in scope.

use super::{error_expr, typed, Cx, CxKind};
use crate::check::declare::{Global, LetState};
use crate::check::event_sets::PropLookup;
use crate::check::grades::not_graded;
use crate::check::model::*;
use crate::check::Checker;
use crate::diagnostics::{closest, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// A bare name: a property inside `where`, else a constant, score or flag.
    pub(super) fn name(&mut self, name: &ast::Ident, cx: &Cx) -> TExpr {
        let span = name.span;
        if let Some(events) = &cx.events {
            match self.lookup_prop(events, &name.text) {
                PropLookup::Shared(prop, ty) => {
                    if matches!(self.globals.get(&name.text), Some((Global::Let(_), _))) {
                        self.report(
                            Diagnostic::new(
                                Code::ShadowedName,
                                format!(
                                    "`{}` is both a property of `{}` and a constant",
                                    name.text, events.text
                                ),
                                span,
                                "this is the event's property",
                            )
                            .with_help("rename the constant to use it here"),
                        );
                    }
                    return typed(TExprKind::Prop(prop), ty, span);
                }
                PropLookup::Absent => {}
                problem => {
                    self.prop_not_shared(events, name, &problem);
                    return error_expr(span);
                }
            }
        }
        match self.globals.get(&name.text).map(|(g, _)| *g) {
            Some(Global::Let(index)) => {
                self.lets[index].used = true;
                match self.let_value(index) {
                    Some((c, ty)) => typed(TExprKind::Const(c), ty, span),
                    None => {
                        if matches!(self.lets[index].state, LetState::InProgress) {
                            self.report(
                                Diagnostic::new(
                                    Code::Cycle,
                                    format!("constant `{}` depends on itself", name.text),
                                    span,
                                    "used in its own definition",
                                )
                                .with_help(
                                    "a constant can only use constants that do not use it back",
                                ),
                            );
                        }
                        error_expr(span)
                    }
                }
            }
            Some(Global::Score(id)) => self.output_ref(
                name,
                cx,
                Node::Score(id),
                TExprKind::Score(id),
                Type::Number,
            ),
            Some(Global::Flag(id)) => {
                self.output_ref(name, cx, Node::Flag(id), TExprKind::Flag(id), Type::Bool)
            }
            None => {
                self.unknown_name(name, cx);
                error_expr(span)
            }
        }
    }

    /// A use of a score or flag: allowed where the lead's results are known.
    fn output_ref(
        &mut self,
        name: &ast::Ident,
        cx: &Cx,
        node: Node,
        kind: TExprKind,
        ty: Type,
    ) -> TExpr {
        if matches!(cx.kind, CxKind::Constant | CxKind::Filter) {
            let what = if ty == Type::Bool { "flag" } else { "score" };
            self.report(
                Diagnostic::new(
                    Code::NotAvailableHere,
                    format!("the {what} `{}` cannot be used {}", name.text, cx.place()),
                    name.span,
                    format!("{what} not available {}", cx.place()),
                )
                .with_note(if cx.kind == CxKind::Filter {
                    "`where` looks at one event at a time, before any score is known"
                } else {
                    "constants are fixed when the model is compiled"
                })
                .with_help(format!(
                    "use the {what} in a `when` rule, a derived score, a grade or a flag"
                )),
            );
            return error_expr(name.span);
        }
        self.uses(cx.owner, node, name.span);
        typed(kind, ty, name.span)
    }

    /// `grade(SCORE)`: the band of a graded score, where grades are known.
    pub(super) fn grade_read(&mut self, score: &ast::Ident, cx: &Cx, span: Span) -> TExpr {
        if !cx.grades_known() {
            let place = match cx.kind {
                CxKind::Constant => "in a constant",
                CxKind::Filter => "inside `where`",
                CxKind::Derived => "in a derived score",
                CxKind::Condition => "in a `when` rule",
            };
            self.report(
                Diagnostic::new(
                    Code::NotAvailableHere,
                    format!("`grade({})` cannot be used {place}", score.text),
                    span,
                    "grade not available here",
                )
                .with_note("a grade is chosen from its score, after the score is computed")
                .with_help(format!(
                    "use `grade({})` in a flag or in a grade's `if`, or test the score itself, like `{} >= 70`",
                    score.text, score.text
                )),
            );
            return error_expr(span);
        }
        let Some(id) = self.grade_target(score) else {
            return error_expr(span);
        };
        if !self.graded.contains_key(&id) {
            self.report(not_graded(
                score,
                format!(
                    "grade it, like `grade {} {{ hot >= 70; cold }}`, or test its value, like `{} >= 70`",
                    score.text, score.text
                ),
            ));
            return error_expr(span);
        }
        self.uses(cx.owner, Node::Grade(id), span);
        typed(TExprKind::Grade(id), Type::String, span)
    }

    /// Reports an unknown bare name, with the likeliest meaning as help.
    fn unknown_name(&mut self, name: &ast::Ident, cx: &Cx) {
        // A property used outside `where`?
        if cx.events.is_none() {
            if let Some(event) = self
                .events
                .iter()
                .find(|e| e.props.contains_key(&name.text))
            {
                let event_name = event.def.name.clone();
                self.report(
                    Diagnostic::new(
                        Code::NotAvailableHere,
                        format!("`{}` is an event property, only known inside `where`", name.text),
                        name.span,
                        "not available here",
                    )
                    .with_help(format!(
                        "test it per event, like `on {event_name} where {} … +5` or `count({event_name} where {} …)`",
                        name.text, name.text
                    )),
                );
                return;
            }
        }
        if let Some(events) = &cx.events {
            let declare = if events.is_single_type() {
                format!(
                    "declare it: `event {} {{ {}: string }}`",
                    events.text, name.text
                )
            } else {
                format!("declare it on every type of `{}`", events.text)
            };
            let props = self.shared_prop_names(events);
            let in_scope = props.iter().map(String::as_str).chain(self.global_names());
            self.report(
                Diagnostic::new(
                    Code::UnknownProperty,
                    format!("`{}` has no property `{}`", events.text, name.text),
                    name.span,
                    "not a property or constant",
                )
                .with_did_you_mean(&name.text, in_scope, Some(declare)),
            );
            return;
        }
        let lead_field = self.lead_field_hint(&name.text);
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                format!("unknown name `{}`", name.text),
                name.span,
                "not declared",
            )
            .with_did_you_mean(&name.text, self.global_names(), lead_field),
        );
    }

    /// The names of constants, scores and flags, for suggestions.
    fn global_names(&self) -> impl Iterator<Item = &str> {
        self.globals.keys().map(String::as_str)
    }

    /// "did you mean `lead.x`?" for a bare name that is, or is close to, a lead field.
    fn lead_field_hint(&self, name: &str) -> Option<String> {
        let field = match self.lead_index.get_key_value(name) {
            Some((field, _)) => Some(field.as_str()),
            None => closest(name, self.lead_index.keys().map(String::as_str)),
        };
        field.map(|f| format!("did you mean `lead.{f}`?"))
    }

    /// `lead.FIELD`: not in constants.
    pub(in crate::check) fn lead_field(
        &mut self,
        field: &ast::Ident,
        cx: &Cx,
        span: Span,
    ) -> TExpr {
        if cx.kind == CxKind::Constant {
            self.report(
                Diagnostic::new(
                    Code::NotConstant,
                    format!(
                        "`lead.{}` differs from lead to lead, so it cannot be used in a constant",
                        field.text
                    ),
                    span,
                    "not a constant",
                )
                .with_help("use lead fields in rules, derived scores, grades and flags"),
            );
            return error_expr(span);
        }
        match self.lead_index.get(&field.text) {
            Some(&id) => {
                let ty = self.lead_fields[id.0 as usize].ty.clone();
                typed(TExprKind::LeadField(id), ty, span)
            }
            None => {
                let declare = format!(
                    "declare it in the lead block: `lead {{ {}: string }}`",
                    field.text
                );
                self.report(
                    Diagnostic::new(
                        Code::UnknownLeadField,
                        format!("the lead has no field `{}`", field.text),
                        field.span,
                        "not a lead field",
                    )
                    .with_did_you_mean(
                        &field.text,
                        self.lead_field_names(),
                        Some(declare),
                    ),
                );
                error_expr(span)
            }
        }
    }
}
