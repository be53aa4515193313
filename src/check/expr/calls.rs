//! Function calls and aggregates: a call's arguments against the function's signature,
//! and `count`/`sum`/`exists`/`days_since` over the lead's events, with where they may
//! appear.

use super::{error_expr, typed, Cx, CxKind};
use crate::check::model::*;
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use crate::vocab::{AggFn, Function};

/// Every aggregate, in the order the unknown-function note lists them.
const AGGREGATES: [AggFn; 4] = [AggFn::Count, AggFn::Sum, AggFn::Exists, AggFn::DaysSince];

impl Checker<'_> {
    /// A function call: a known function, the right number of arguments, each of the
    /// type the function takes.
    pub(super) fn call(
        &mut self,
        function: &ast::Ident,
        args: &[ast::Expr],
        cx: &Cx,
        span: Span,
    ) -> TExpr {
        let Some(func) = Function::from_name(&function.text) else {
            self.unknown_function(function);
            return error_expr(span);
        };
        let (params, mut result) = func.signature();
        let count_fits = if func.is_variadic() {
            args.len() >= params.len()
        } else {
            args.len() == params.len()
        };
        if !count_fits {
            self.report(
                Diagnostic::new(
                    Code::BadArguments,
                    format!(
                        "`{}` takes {}{} argument{}, not {}",
                        func.name(),
                        if func.is_variadic() { "at least " } else { "" },
                        params.len(),
                        if params.len() == 1 { "" } else { "s" },
                        args.len()
                    ),
                    span,
                    "wrong number of arguments",
                )
                .with_help(format!("call it like `{}`", example_call(func))),
            );
            return error_expr(span);
        }
        if func == Function::Has {
            return self.has(&args[0], cx, span);
        }
        let mut typed_args = Vec::new();
        let mut failed = false;
        for (i, arg) in args.iter().enumerate() {
            // A variadic function's last parameter type repeats (the count fits).
            let param = &params[i.min(params.len() - 1)];
            let a = self.expr(arg, cx);
            if !a.ty.compatible(param) {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "`{}` expects {} here, not {}",
                            func.name(),
                            param.an(),
                            a.ty.an()
                        ),
                        a.span,
                        format!("this is {}", a.ty.an()),
                    )
                    .with_help(format!("call it like `{}`", example_call(func))),
                );
                failed = true;
            }
            failed |= a.ty.is_error();
            typed_args.push(a);
        }
        if failed {
            return error_expr(span);
        }
        // `least` and `greatest` of whole numbers are one of them, so whole.
        if func.is_variadic() && typed_args.iter().all(|a| a.ty == Type::Int) {
            result = Type::Int;
        }
        typed(
            TExprKind::Call {
                function: func,
                args: typed_args,
            },
            result,
            span,
        )
    }

    /// Reports a call of no known function, listing the functions and aggregates.
    fn unknown_function(&mut self, function: &ast::Ident) {
        let functions: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        let aggregates: Vec<&str> = AGGREGATES.iter().map(|a| a.name()).collect();
        let note = format!(
            "functions: {}; aggregates: {}",
            functions.join(", "),
            aggregates.join(", ")
        );
        let known = functions.iter().chain(&aggregates).copied();
        self.report(
            Diagnostic::new(
                Code::UnknownFunction,
                format!("unknown function `{}`", function.text),
                function.span,
                "not a function",
            )
            .with_did_you_mean(&function.text, known, None)
            .with_note(note),
        );
    }

    /// `has(x)`: tests a lead field or an event property, nothing else.
    fn has(&mut self, arg: &ast::Expr, cx: &Cx, span: Span) -> TExpr {
        let a = self.expr(arg, cx);
        if a.ty.is_error() {
            return error_expr(span);
        }
        if !matches!(a.kind, TExprKind::LeadField(_) | TExprKind::Prop(_)) {
            self.report(
                Diagnostic::new(
                    Code::BadArguments,
                    "`has` tests a lead field or an event property",
                    arg.span,
                    "not a field or property",
                )
                .with_help("write `has(lead.email)`, or `has(campaign)` inside `where`"),
            );
            return error_expr(span);
        }
        typed(
            TExprKind::Call {
                function: Function::Has,
                args: vec![a],
            },
            Type::Bool,
            span,
        )
    }

    /// `count`, `sum`, `exists` or `days_since` over the lead's events: not where one
    /// event or no lead is known (`where`, constants). `target` is the events and the
    /// property written after a group or list.
    pub(super) fn aggregate(
        &mut self,
        function: AggFn,
        target: (&ast::EventRef, Option<&ast::Ident>),
        (filter, within, distinct): (
            Option<&ast::Expr>,
            Option<ast::Duration>,
            Option<&ast::Ident>,
        ),
        cx: &Cx,
        span: Span,
    ) -> TExpr {
        if matches!(cx.kind, CxKind::Constant | CxKind::Filter) {
            self.report(
                Diagnostic::new(
                    Code::NotAvailableHere,
                    format!("`{}` cannot be used {}", function.name(), cx.place()),
                    span,
                    "aggregate not available here",
                )
                .with_note(if cx.kind == CxKind::Filter {
                    "`where` looks at one event at a time; aggregates look at the whole history"
                } else {
                    "constants are fixed when the model is compiled"
                })
                .with_help("use aggregates in `when` rules, derived scores, grades and flags"),
            );
            return error_expr(span);
        }
        let found = match (function, target) {
            (AggFn::Sum, (events, property)) => self.sum_target(events, property),
            (_, (events, None)) => self.resolve_events(events).map(|set| (set, None)),
            (_, (_, Some(property))) => {
                self.report(
                    Diagnostic::new(
                        Code::BadArguments,
                        format!("`{}` takes no property", function.name()),
                        property.span,
                        "only `sum` names a property",
                    )
                    .with_help(format!(
                        "write `{}({})`, or `sum(…)` to add the property up",
                        function.name(),
                        target.0
                    )),
                );
                None
            }
        };
        let Some((event, prop)) = found else {
            return error_expr(span);
        };
        let filter = filter.map(|f| self.condition(f, &Cx::filter(&event)));
        if filter.as_ref().is_some_and(|f| f.ty.is_error()) {
            return error_expr(span);
        }
        let distinct = match distinct {
            None => None,
            Some(prop) if function == AggFn::Count => match self.set_prop(&event, prop) {
                Some((id, _)) => Some(id),
                None => return error_expr(span),
            },
            Some(prop) => {
                self.report(
                    Diagnostic::new(
                        Code::DistinctNotCount,
                        format!("`{}` takes no `distinct by`", function.name()),
                        prop.span,
                        "only `count` counts distinct values",
                    )
                    .with_help(format!(
                        "to count the distinct values of `{}`, write `count(… distinct by {})`",
                        prop.text, prop.text
                    )),
                );
                return error_expr(span);
            }
        };
        let ty = match function {
            AggFn::Count | AggFn::DaysSince => Type::Int,
            AggFn::Sum => Type::Number,
            AggFn::Exists => Type::Bool,
        };
        let aggregate = Aggregate {
            function,
            event,
            prop,
            filter,
            within: within.map(|d| d.micros),
            distinct,
        };
        typed(TExprKind::Aggregate(Box::new(aggregate)), ty, span)
    }

    /// What `sum` adds up: `sum(page.view.seconds)` (one dotted name, the last segment
    /// the property) or `sum(page.*.seconds)` (a group; every type of it declares the
    /// property as a number). Not a list (E0310).
    fn sum_target(
        &mut self,
        target: &ast::EventRef,
        property: Option<&ast::Ident>,
    ) -> Option<(EventSet, Option<PropId>)> {
        let (events, prop) = match (target, property) {
            (ast::EventRef::List { span, .. }, _) => {
                self.report(
                    Diagnostic::new(
                        Code::BadEventList,
                        "`sum` adds up a property of one type or a group, not of a list",
                        *span,
                        "a list",
                    )
                    .with_help(
                        "use a group like `sum(page.*.seconds)`, or add up one sum per type: `sum(a.x) + sum(b.x)`",
                    ),
                );
                return None;
            }
            (ast::EventRef::Group(_), Some(prop)) => (self.resolve_events(target)?, prop.clone()),
            (ast::EventRef::Type(name), None) => self.split_sum_name(name)?,
            (_, _) => {
                self.sum_needs_property(target);
                return None;
            }
        };
        let (id, ty) = self.set_prop(&events, &prop)?;
        if !ty.is_numeric() {
            self.report(
                Diagnostic::new(
                    Code::SumNotNumeric,
                    format!("cannot sum `{}`: it is {}", prop.text, ty.an()),
                    prop.span,
                    format!("{} property", ty.an()),
                )
                .with_help(format!(
                    "`sum` adds up numbers; to count the events use `count({})`",
                    events.text
                )),
            );
            return None;
        }
        Some((events, Some(id)))
    }

    /// `page.view.seconds`: the event type `page.view` and the property `seconds`.
    fn split_sum_name(&mut self, target: &ast::Ident) -> Option<(EventSet, ast::Ident)> {
        let Some((event_name, prop_name)) = target.text.rsplit_once('.') else {
            self.sum_needs_property(&ast::EventRef::Type(target.clone()));
            return None;
        };
        if self.event_index.contains_key(&target.text) {
            self.sum_needs_property(&ast::EventRef::Type(target.clone()));
            return None;
        }
        let event_span = Span {
            end: target.span.start + event_name.len() as u32,
            ..target.span
        };
        let prop_span = Span {
            start: event_span.end + 1,
            ..target.span
        };
        let event = ast::EventRef::Type(ast::Ident {
            text: event_name.to_string(),
            span: event_span,
        });
        let events = self.resolve_events(&event)?;
        let prop = ast::Ident {
            text: prop_name.to_string(),
            span: prop_span,
        };
        Some((events, prop))
    }

    /// Reports a `sum` over events with no property named.
    fn sum_needs_property(&mut self, target: &ast::EventRef) {
        self.report(
            Diagnostic::new(
                Code::BadArguments,
                "`sum` needs an event property to add up",
                target.span(),
                "no property named",
            )
            .with_help(format!(
                "name the property after the event type, like `sum({target}.seconds)`"
            )),
        );
    }
}

/// A call of `func` that checks, for help lines.
fn example_call(func: Function) -> &'static str {
    match func {
        Function::StartsWith => "starts_with(path, \"/pricing\")",
        Function::EndsWith => "ends_with(lead.email, \".edu\")",
        Function::Contains => "contains(lead.title, \"Head\")",
        Function::Lower => "lower(lead.title)",
        Function::Upper => "upper(lead.country)",
        Function::Trim => "trim(lead.title)",
        Function::Length => "length(lead.title)",
        Function::Domain => "domain(lead.email)",
        Function::Has => "has(lead.email)",
        Function::Abs => "abs(lead.revenue)",
        Function::Round => "round(lead.revenue / 1000)",
        Function::Floor => "floor(lead.revenue)",
        Function::Ceil => "ceil(lead.revenue)",
        Function::Now => "now()",
        Function::Least => "least(lead.discount, 20)",
        Function::Greatest => "greatest(0, fit + engagement)",
    }
}
