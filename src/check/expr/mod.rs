//! Checking expressions: each is resolved and typed into a [`TExpr`] in a context
//! ([`Cx`]) that says what is in scope. The work is split by kind:
//!
//! - `names.rs`: bare names (properties, constants, scores, flags) and lead fields,
//!   with "did you mean" help for the unknown ones;
//! - `types.rs`: operators, lists and conditions;
//! - `calls.rs`: function calls and aggregates over the event history;
//! - `fold.rs`: the values and types of constant expressions.

mod calls;
mod fold;
mod names;
mod types;

use super::Checker;
use crate::check::model::*;
use crate::source::Span;
use crate::syntax::ast;

pub(super) use fold::{fold, NoValue};

/// Where an expression stands, which decides what is in scope.
#[derive(Debug, Clone)]
pub(super) struct Cx {
    pub kind: CxKind,
    /// The events a `where` clause looks at: the properties they all declare are in
    /// scope.
    pub events: Option<EventSet>,
    /// The score or flag being defined: the scores and flags it uses are recorded.
    pub owner: Option<Node>,
}

/// The kinds of place an expression can stand in.
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
    /// A `let` value or a band threshold.
    pub fn constant() -> Cx {
        Cx {
            kind: CxKind::Constant,
            events: None,
            owner: None,
        }
    }
    /// The `where` clause of a rule or aggregate over `events`.
    pub fn filter(events: &EventSet) -> Cx {
        Cx {
            kind: CxKind::Filter,
            events: Some(events.clone()),
            owner: None,
        }
    }
    /// A condition of `owner` (a `when` rule's score, a flag, or a grade for its bands).
    pub fn condition(owner: Option<Node>) -> Cx {
        Cx {
            kind: CxKind::Condition,
            events: None,
            owner,
        }
    }
    /// The expression of the derived score `owner`.
    pub fn derived(owner: Node) -> Cx {
        Cx {
            kind: CxKind::Derived,
            events: None,
            owner: Some(owner),
        }
    }

    /// Whether the lead's grades are known here: in a flag's condition and a grade
    /// band's `if` (not in `when` rules, `where`, derived scores or constants).
    fn grades_known(&self) -> bool {
        self.kind == CxKind::Condition && matches!(self.owner, Some(Node::Flag(_) | Node::Grade(_)))
    }

    /// Where this is, in words, for "cannot be used …" messages.
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

/// Stands in for an expression with an error: its `Type::Error` tells its users the
/// problem is already reported.
fn error_expr(span: Span) -> TExpr {
    typed(TExprKind::Const(Const::Bool(false)), Type::Error, span)
}

impl Checker<'_> {
    /// Resolves and types `e`, reporting what is wrong with it; an expression with an
    /// error has type `Type::Error` (and is not reported again by its users).
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
            ast::ExprKind::Grade(score) => self.grade_read(score, cx, span),
            ast::ExprKind::Call { function, args } => self.call(function, args, cx, span),
            ast::ExprKind::Aggregate {
                function,
                target,
                property,
                filter,
                within,
                distinct,
            } => self.aggregate(
                *function,
                (target, property.as_ref()),
                (filter.as_deref(), *within, distinct.as_ref()),
                cx,
                span,
            ),
            ast::ExprKind::Neg(inner) => self.negation(inner, cx, span),
            ast::ExprKind::Not(inner) => self.logical_not(inner, cx, span),
            ast::ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, cx, span),
        }
    }

    fn constant(&mut self, c: Const, span: Span) -> TExpr {
        let ty = fold::const_type(&c);
        typed(TExprKind::Const(c), ty, span)
    }
}
