//! Typing operators, lists and conditions: negation, `not`, `and`/`or`, comparisons,
//! `in`/`not in`, `matches` (its pattern checked now), arithmetic on numbers, times and
//! durations, and list literals (constant items of one type).

use super::{error_expr, fold, typed, Cx, NoValue};
use crate::check::model::*;
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, BinOp};
use crate::vocab::CmpOp;

impl Checker<'_> {
    /// Checks an expression that must be a condition (true/false).
    pub(in crate::check) fn condition(&mut self, e: &ast::Expr, cx: &Cx) -> TExpr {
        let typed = self.expr(e, cx);
        if typed.ty != Type::Bool && !typed.ty.is_error() {
            self.not_a_condition(&typed);
        }
        typed
    }

    /// Reports an expression used as a condition that is not one, with a hint for its type.
    pub(super) fn not_a_condition(&mut self, typed: &TExpr) {
        let help = match typed.ty {
            Type::Int | Type::Number => "compare it, like `… >= 10`",
            Type::String => "compare it, like `… == \"software\"`, or test it with `has(…)`",
            _ => "use a comparison or `has(…)`",
        };
        self.report(
            Diagnostic::new(
                Code::NotACondition,
                "expected a condition (true or false)",
                typed.span,
                format!("this is {}", typed.ty.an()),
            )
            .with_help(help),
        );
    }

    /// `-x`: a number or a duration.
    pub(super) fn negation(&mut self, inner: &ast::Expr, cx: &Cx, span: Span) -> TExpr {
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

    /// `not c`: a condition.
    pub(super) fn logical_not(&mut self, inner: &ast::Expr, cx: &Cx, span: Span) -> TExpr {
        let inner = self.expr(inner, cx);
        if inner.ty != Type::Bool && !inner.ty.is_error() {
            self.not_a_condition(&inner);
        }
        typed(TExprKind::Not(Box::new(inner)), Type::Bool, span)
    }

    fn mismatch(&mut self, message: String, at: &TExpr, label: &str) {
        self.report(Diagnostic::new(Code::TypeMismatch, message, at.span, label));
    }

    /// A list literal: constant items of one type.
    pub(super) fn list(&mut self, items: &[ast::Expr], cx: &Cx, span: Span) -> TExpr {
        let mut values = Vec::new();
        let mut element: Option<TExpr> = None;
        for item in items {
            let typed_item = self.expr(item, cx);
            if typed_item.ty.is_error() {
                return error_expr(span);
            }
            let value = match self.fold_value(&typed_item) {
                Ok(value) => value,
                Err(NoValue::OutOfRange) => return error_expr(span),
                Err(NoValue::NotConstant) => {
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
                }
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

    /// A binary operator: both sides typed, then the operator's own rule.
    pub(super) fn binary(
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
