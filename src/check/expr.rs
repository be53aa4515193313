//! Type checking of expressions, and folding of constant ones.

use super::{Checker, Global, Node};
use crate::check::model::*;
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, BinOp};
use crate::vocab::{AggFn, CmpOp, Function};

/// Where an expression stands, which decides what is in scope.
#[derive(Debug, Clone)]
pub(super) struct Cx {
    pub kind: CxKind,
    /// The event a `where` clause looks at: its properties are in scope.
    pub event: Option<EventId>,
    /// The score or flag being defined: the scores and flags it uses are recorded.
    pub owner: Option<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CxKind {
    /// `let` values and band thresholds: literals and other constants only.
    Constant,
    /// `where` clauses: evaluated per event, so no aggregates, scores or flags.
    Filter,
    /// `when`, `flag`, a band's `if`.
    Condition,
    /// `score x = …`
    Derived,
}

impl Cx {
    pub fn constant() -> Cx {
        Cx {
            kind: CxKind::Constant,
            event: None,
            owner: None,
        }
    }
    pub fn filter(event: EventId) -> Cx {
        Cx {
            kind: CxKind::Filter,
            event: Some(event),
            owner: None,
        }
    }
    pub fn condition(owner: Option<Node>) -> Cx {
        Cx {
            kind: CxKind::Condition,
            event: None,
            owner,
        }
    }
    pub fn derived(owner: Node) -> Cx {
        Cx {
            kind: CxKind::Derived,
            event: None,
            owner: Some(owner),
        }
    }

    fn place(&self) -> &'static str {
        match self.kind {
            CxKind::Constant => "in a constant",
            CxKind::Filter => "inside `where`",
            CxKind::Condition | CxKind::Derived => "here",
        }
    }
}

fn typed(kind: TExprKind, ty: Type, span: Span) -> TExpr {
    TExpr { kind, ty, span }
}

fn error_expr(span: Span) -> TExpr {
    typed(TExprKind::Const(Const::Bool(false)), Type::Error, span)
}

pub(super) fn const_type(c: &Const) -> Type {
    match c {
        Const::Number(n) if n.fract() == 0.0 => Type::Int,
        Const::Number(_) => Type::Number,
        Const::Str(_) => Type::String,
        Const::Bool(_) => Type::Bool,
        Const::Time(_) => Type::Time,
        Const::Duration(_) => Type::Duration,
        Const::List(items) => Type::List(Box::new(list_element_type(items))),
    }
}

fn list_element_type(items: &[Const]) -> Type {
    let mut ty: Option<Type> = None;
    for item in items {
        let t = const_type(item);
        ty = Some(match ty {
            None => t,
            Some(prev) if prev.is_numeric() && t.is_numeric() => {
                if prev == Type::Int && t == Type::Int {
                    Type::Int
                } else {
                    Type::Number
                }
            }
            Some(prev) => prev,
        });
    }
    ty.unwrap_or(Type::Error)
}

/// Evaluates an expression made only of constants: literals, lists, constants and
/// arithmetic on them. `None` when it depends on anything else.
pub(super) fn fold(e: &TExpr) -> Option<Const> {
    match &e.kind {
        TExprKind::Const(c) => Some(c.clone()),
        TExprKind::Neg(inner) => match fold(inner)? {
            Const::Number(n) => Some(Const::Number(-n)),
            Const::Duration(d) => Some(Const::Duration(-d)),
            _ => None,
        },
        TExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (fold(lhs)?, fold(rhs)?);
            match (op, a, b) {
                (BinOp::Add, Const::Number(a), Const::Number(b)) => Some(Const::Number(a + b)),
                (BinOp::Sub, Const::Number(a), Const::Number(b)) => Some(Const::Number(a - b)),
                (BinOp::Mul, Const::Number(a), Const::Number(b)) => Some(Const::Number(a * b)),
                (BinOp::Div, Const::Number(a), Const::Number(b)) if b != 0.0 => {
                    Some(Const::Number(a / b))
                }
                (BinOp::Add, Const::Time(t), Const::Duration(d)) => Some(Const::Time(t + d)),
                (BinOp::Sub, Const::Time(t), Const::Duration(d)) => Some(Const::Time(t - d)),
                (BinOp::Add, Const::Duration(a), Const::Duration(b)) => {
                    Some(Const::Duration(a + b))
                }
                (BinOp::Sub, Const::Duration(a), Const::Duration(b)) => {
                    Some(Const::Duration(a - b))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl Checker<'_> {
    pub(super) fn expr(&mut self, e: &ast::Expr, cx: &Cx) -> TExpr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Number(n) => self.constant(Const::Number(*n), span),
            ast::ExprKind::Str(s) => self.constant(Const::Str(s.clone()), span),
            ast::ExprKind::Bool(b) => self.constant(Const::Bool(*b), span),
            ast::ExprKind::Duration(d) => self.constant(Const::Duration(*d), span),
            ast::ExprKind::Time(t) => self.constant(Const::Time(*t), span),
            ast::ExprKind::List(items) => self.list(items, cx, span),
            ast::ExprKind::Name(name) => self.name(name, cx),
            ast::ExprKind::LeadField(field) => self.lead_field(field, cx, span),
            ast::ExprKind::Call { function, args } => self.call(function, args, cx, span),
            ast::ExprKind::Aggregate {
                function,
                target,
                filter,
                within,
            } => self.aggregate(*function, target, filter.as_deref(), *within, cx, span),
            ast::ExprKind::Neg(inner) => {
                let inner = self.expr(inner, cx);
                if !(inner.ty.is_numeric() || inner.ty == Type::Duration) {
                    self.mismatch(
                        format!("cannot negate {}", inner.ty.an()),
                        &inner,
                        "a number was expected",
                    );
                    return error_expr(span);
                }
                let ty = inner.ty.clone();
                typed(TExprKind::Neg(Box::new(inner)), ty, span)
            }
            ast::ExprKind::Not(inner) => {
                let inner = self.expr(inner, cx);
                if inner.ty != Type::Bool && !inner.ty.is_error() {
                    self.not_a_condition(&inner);
                }
                typed(TExprKind::Not(Box::new(inner)), Type::Bool, span)
            }
            ast::ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, cx, span),
        }
    }

    fn constant(&mut self, c: Const, span: Span) -> TExpr {
        let ty = const_type(&c);
        typed(TExprKind::Const(c), ty, span)
    }

    fn mismatch(&mut self, message: String, at: &TExpr, label: &str) {
        self.report(Diagnostic::new(Code::TypeMismatch, message, at.span, label));
    }

    fn list(&mut self, items: &[ast::Expr], cx: &Cx, span: Span) -> TExpr {
        let mut values = Vec::new();
        let mut element: Option<TExpr> = None;
        for item in items {
            let typed_item = self.expr(item, cx);
            if typed_item.ty.is_error() {
                return error_expr(span);
            }
            let Some(value) = fold(&typed_item) else {
                self.report(
                    Diagnostic::new(
                        Code::NotConstant,
                        "list items must be constants",
                        item.span,
                        "not a constant",
                    )
                    .with_help("lists hold literals, like `[\"PL\", \"DE\"]`"),
                );
                return error_expr(span);
            };
            if let Some(first) = &element {
                if !first.ty.compatible(&typed_item.ty) || matches!(typed_item.ty, Type::List(_)) {
                    self.report(
                        Diagnostic::new(
                            Code::MixedList,
                            format!(
                                "a list of {} cannot also hold {}",
                                first.ty,
                                typed_item.ty.an()
                            ),
                            item.span,
                            format!("this is {}", typed_item.ty.an()),
                        )
                        .with_label(first.span, format!("the first item is {}", first.ty.an()))
                        .with_help("every item of a list has the same type"),
                    );
                    return error_expr(span);
                }
            } else {
                element = Some(typed_item);
            }
            values.push(value);
        }
        self.constant(Const::List(values), span)
    }

    fn name(&mut self, name: &ast::Ident, cx: &Cx) -> TExpr {
        let span = name.span;
        if let Some(event) = cx.event {
            if let Some(&prop) = self.events[event.0 as usize].props.get(&name.text) {
                if matches!(self.globals.get(&name.text), Some((Global::Let(_), _))) {
                    let event_name = self.events[event.0 as usize].def.name.clone();
                    self.report(
                        Diagnostic::new(
                            Code::ShadowedName,
                            format!(
                                "`{}` is both a property of `{event_name}` and a constant",
                                name.text
                            ),
                            span,
                            "this is the event's property",
                        )
                        .with_help("rename the constant to use it here"),
                    );
                }
                let ty = self.events[event.0 as usize].def.props[prop.0 as usize]
                    .ty
                    .clone();
                return typed(TExprKind::Prop(prop), ty, span);
            }
        }
        match self.globals.get(&name.text).map(|(g, _)| *g) {
            Some(Global::Let(index)) => {
                self.lets[index].used = true;
                match self.let_value(index) {
                    Some((c, ty)) => typed(TExprKind::Const(c), ty, span),
                    None => {
                        if matches!(self.lets[index].state, super::LetState::InProgress) {
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

    fn unknown_name(&mut self, name: &ast::Ident, cx: &Cx) {
        // A property used outside `where`?
        if cx.event.is_none() {
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
        if let Some(event) = cx.event {
            let entry = &self.events[event.0 as usize];
            let event_name = entry.def.name.clone();
            let mut candidates: Vec<&str> =
                entry.def.props.iter().map(|p| p.name.as_str()).collect();
            candidates.extend(self.globals.keys().map(String::as_str));
            let help = did_you_mean(&name.text, candidates).unwrap_or_else(|| {
                format!(
                    "declare it: `event {event_name} {{ {}: string }}`",
                    name.text
                )
            });
            self.report(
                Diagnostic::new(
                    Code::UnknownProperty,
                    format!("`{event_name}` has no property `{}`", name.text),
                    name.span,
                    "not a property or constant",
                )
                .with_help(help),
            );
            return;
        }
        let mut candidates: Vec<String> = self.globals.keys().cloned().collect();
        candidates.sort();
        let mut help = did_you_mean(&name.text, candidates.iter().map(String::as_str));
        if help.is_none() && self.lead_index.contains_key(&name.text) {
            help = Some(format!("did you mean `lead.{}`?", name.text));
        }
        if help.is_none() {
            if let Some(f) =
                crate::diagnostics::closest(&name.text, self.lead_index.keys().map(String::as_str))
            {
                help = Some(format!("did you mean `lead.{f}`?"));
            }
        }
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                format!("unknown name `{}`", name.text),
                name.span,
                "not declared",
            )
            .with_help_opt(help),
        );
    }

    fn lead_field(&mut self, field: &ast::Ident, cx: &Cx, span: Span) -> TExpr {
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
                let help = did_you_mean(
                    &field.text,
                    self.lead_fields.iter().map(|f| f.name.as_str()),
                )
                .unwrap_or_else(|| {
                    format!(
                        "declare it in the lead block: `lead {{ {}: string }}`",
                        field.text
                    )
                });
                self.report(
                    Diagnostic::new(
                        Code::UnknownLeadField,
                        format!("the lead has no field `{}`", field.text),
                        field.span,
                        "not a lead field",
                    )
                    .with_help(help),
                );
                error_expr(span)
            }
        }
    }

    fn call(&mut self, function: &ast::Ident, args: &[ast::Expr], cx: &Cx, span: Span) -> TExpr {
        let Some(func) = Function::from_name(&function.text) else {
            let help = did_you_mean(
                &function.text,
                Function::ALL.iter().map(|f| f.name()).chain([
                    "count",
                    "sum",
                    "exists",
                    "days_since",
                ]),
            );
            self.report(
                Diagnostic::new(
                    Code::UnknownFunction,
                    format!("unknown function `{}`", function.text),
                    function.span,
                    "not a function",
                )
                .with_help_opt(help)
                .with_note(format!(
                    "functions: {}; aggregates: count, sum, exists, days_since",
                    Function::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return error_expr(span);
        };
        let (params, result) = func.signature();
        if args.len() != params.len() {
            self.report(
                Diagnostic::new(
                    Code::BadArguments,
                    format!(
                        "`{}` takes {} argument{}, not {}",
                        func.name(),
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
        for (arg, param) in args.iter().zip(params) {
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
        typed(
            TExprKind::Call {
                function: func,
                args: typed_args,
            },
            result,
            span,
        )
    }

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

    fn aggregate(
        &mut self,
        function: AggFn,
        target: &ast::Ident,
        filter: Option<&ast::Expr>,
        within: Option<ast::Duration>,
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
        let (event, prop) = if function == AggFn::Sum {
            match self.sum_target(target) {
                Some(found) => found,
                None => return error_expr(span),
            }
        } else {
            match self.resolve_event(target) {
                Some(id) => (id, None),
                None => return error_expr(span),
            }
        };
        let filter = filter.map(|f| self.condition(f, &Cx::filter(event)));
        if filter.as_ref().is_some_and(|f| f.ty.is_error()) {
            return error_expr(span);
        }
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
        };
        typed(TExprKind::Aggregate(Box::new(aggregate)), ty, span)
    }

    /// `sum(page.view.seconds)`: the last segment is the property.
    fn sum_target(&mut self, target: &ast::Ident) -> Option<(EventId, Option<PropId>)> {
        let Some((event_name, prop_name)) = target.text.rsplit_once('.') else {
            self.sum_needs_property(target);
            return None;
        };
        if self.event_index.contains_key(&target.text) {
            self.sum_needs_property(target);
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
        let event_ident = ast::Ident {
            text: event_name.to_string(),
            span: event_span,
        };
        let event = self.resolve_event(&event_ident)?;
        let entry = &self.events[event.0 as usize];
        let Some(&prop) = entry.props.get(prop_name) else {
            let help = did_you_mean(prop_name, entry.def.props.iter().map(|p| p.name.as_str()));
            self.report(
                Diagnostic::new(
                    Code::UnknownProperty,
                    format!("`{event_name}` has no property `{prop_name}`"),
                    prop_span,
                    "not a property",
                )
                .with_help_opt(help),
            );
            return None;
        };
        let ty = entry.def.props[prop.0 as usize].ty.clone();
        if !ty.is_numeric() {
            self.report(
                Diagnostic::new(
                    Code::SumNotNumeric,
                    format!("cannot sum `{prop_name}`: it is {}", ty.an()),
                    prop_span,
                    format!("{} property", ty.an()),
                )
                .with_help(format!(
                    "`sum` adds up numbers; to count the events use `count({event_name})`"
                )),
            );
            return None;
        }
        Some((event, Some(prop)))
    }

    fn sum_needs_property(&mut self, target: &ast::Ident) {
        self.report(
            Diagnostic::new(
                Code::BadArguments,
                "`sum` needs an event property to add up",
                target.span,
                "no property named",
            )
            .with_help(format!(
                "name the property after the event type, like `sum({}.seconds)`",
                target.text
            )),
        );
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        cx: &Cx,
        span: Span,
    ) -> TExpr {
        let l = self.expr(lhs, cx);
        let r = self.expr(rhs, cx);
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let ty = match op {
            BinOp::And | BinOp::Or => {
                for side in [&l, &r] {
                    if side.ty != Type::Bool {
                        self.not_a_condition(side);
                        return error_expr(span);
                    }
                }
                Type::Bool
            }
            BinOp::Cmp(cmp) => match self.comparison(cmp, &l, &r) {
                Some(ty) => ty,
                None => return error_expr(span),
            },
            BinOp::In | BinOp::NotIn => match self.membership(op, &l, &r) {
                Some(ty) => ty,
                None => return error_expr(span),
            },
            BinOp::Matches => match self.matches(&l, &r) {
                Some(ty) => ty,
                None => return error_expr(span),
            },
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                match self.arithmetic(op, &l, &r) {
                    Some(ty) => ty,
                    None => return error_expr(span),
                }
            }
        };
        typed(
            TExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        )
    }

    fn comparison(&mut self, cmp: CmpOp, l: &TExpr, r: &TExpr) -> Option<Type> {
        let ordered = matches!(cmp, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        let ok = l.ty.compatible(&r.ty)
            && !matches!(l.ty, Type::List(_))
            && !(ordered && l.ty == Type::Bool);
        if ok {
            return Some(Type::Bool);
        }
        let mut diagnostic = Diagnostic::new(
            Code::TypeMismatch,
            format!("cannot compare {} with {}", l.ty.an(), r.ty.an()),
            r.span,
            format!("this is {}", r.ty.an()),
        )
        .with_label(l.span, format!("this is {}", l.ty.an()));
        if let (true, TExprKind::Const(Const::Str(s))) = (l.ty.is_numeric(), &r.kind) {
            if s.trim().parse::<f64>().is_ok() {
                diagnostic = diagnostic.with_help(format!("remove the quotes: `{}`", s.trim()));
            }
        }
        if matches!(l.ty, Type::List(_)) || matches!(r.ty, Type::List(_)) {
            diagnostic = diagnostic
                .with_help("test membership with `in`, like `lead.country in [\"PL\", \"DE\"]`");
        }
        self.report(diagnostic);
        None
    }

    fn membership(&mut self, op: BinOp, l: &TExpr, r: &TExpr) -> Option<Type> {
        let Type::List(element) = &r.ty else {
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "`{}` needs a list on its right, not {}",
                        op.symbol(),
                        r.ty.an()
                    ),
                    r.span,
                    format!("this is {}", r.ty.an()),
                )
                .with_help("write a list like `[\"PL\", \"DE\"]`, or compare with `==`"),
            );
            return None;
        };
        if !element.compatible(&l.ty) {
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("{} is never in a list of {}", l.ty.an(), element),
                    l.span,
                    format!("this is {}", l.ty.an()),
                )
                .with_label(r.span, format!("a list of {element}")),
            );
            return None;
        }
        Some(Type::Bool)
    }

    fn matches(&mut self, l: &TExpr, r: &TExpr) -> Option<Type> {
        if l.ty != Type::String {
            self.mismatch(
                format!("`matches` tests a string, not {}", l.ty.an()),
                l,
                "not a string",
            );
            return None;
        }
        let Some(Const::Str(pattern)) = fold(r) else {
            self.report(
                Diagnostic::new(
                    Code::NotConstant,
                    "the pattern of `matches` must be a fixed string",
                    r.span,
                    "not a fixed string",
                )
                .with_help("write the pattern in quotes, like `matches \"(?i)\\b(ceo|cto)\\b\"`"),
            );
            return None;
        };
        if let Err(error) = regex::Regex::new(&pattern) {
            let detail = error.to_string();
            let last = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&detail)
                .trim();
            self.report(
                Diagnostic::new(
                    Code::BadRegex,
                    "this pattern is not a valid regular expression",
                    r.span,
                    "invalid pattern",
                )
                .with_note(last.trim_start_matches("error: ").to_string())
                .with_help("patterns use Rust regex syntax; escape special characters with `\\`"),
            );
            return None;
        }
        Some(Type::Bool)
    }

    fn arithmetic(&mut self, op: BinOp, l: &TExpr, r: &TExpr) -> Option<Type> {
        let ty = match (op, &l.ty, &r.ty) {
            (BinOp::Div, a, b) if a.is_numeric() && b.is_numeric() => Some(Type::Number),
            (_, Type::Int, Type::Int) => Some(Type::Int),
            (_, a, b) if a.is_numeric() && b.is_numeric() => Some(Type::Number),
            (BinOp::Add | BinOp::Sub, Type::Time, Type::Duration) => Some(Type::Time),
            (BinOp::Add, Type::Duration, Type::Time) => Some(Type::Time),
            (BinOp::Sub, Type::Time, Type::Time) => Some(Type::Duration),
            (BinOp::Add | BinOp::Sub, Type::Duration, Type::Duration) => Some(Type::Duration),
            (BinOp::Mul, Type::Duration, n) | (BinOp::Mul, n, Type::Duration) if n.is_numeric() => {
                Some(Type::Duration)
            }
            _ => None,
        };
        if ty.is_none() {
            let mut diagnostic = Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "cannot use `{}` on {} and {}",
                    op.symbol(),
                    l.ty.an(),
                    r.ty.an()
                ),
                r.span,
                format!("this is {}", r.ty.an()),
            )
            .with_label(l.span, format!("this is {}", l.ty.an()));
            if l.ty == Type::String && r.ty == Type::String && op == BinOp::Add {
                diagnostic = diagnostic
                    .with_help("strings cannot be joined; compare them with `==` or `contains`");
            }
            self.report(diagnostic);
        }
        ty
    }
}

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
    }
}
