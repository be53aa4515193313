//! Constants: each `let` is folded to its value once, on first use or in declaration
//! order, so a constant may use ones declared after it; a cycle is reported where it
//! closes.
//!
//! A constant needs the values of the constants it names, which may name others: a chain
//! as long as the model (`let c4999 = c4998 + 1` … `let c0 = 1`). The chain is followed
//! with an explicit stack, not by recursion, so its length is not bounded by the thread's
//! stack. It is followed in the order a recursive descent would take (each constant after
//! the ones it names, in the order it names them), so a cycle closes at the same use.

use super::expr::{Cx, NoValue};
use super::{Checker, Global, LetState};
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast;

impl Checker<'_> {
    /// Folds every constant (those no one uses are checked too).
    pub(super) fn check_lets(&mut self) {
        for index in 0..self.lets.len() {
            self.let_value(index);
        }
    }

    /// The folded value of constant `index`, checking it on first use.
    pub(super) fn let_value(&mut self, index: usize) -> Option<(Const, Type)> {
        if matches!(self.lets[index].state, LetState::Pending) {
            self.resolve_let(index);
        }
        match &self.lets[index].state {
            LetState::Done(c, t) => Some((c.clone(), t.clone())),
            LetState::Failed | LetState::Pending => None,
            // Still being folded: a cycle, reported by the use that closed it.
            LetState::InProgress => None,
        }
    }

    /// Folds the pending constant `root`, after the pending constants it depends on.
    fn resolve_let(&mut self, root: usize) {
        self.lets[root].state = LetState::InProgress;
        // Each entry: a constant being folded, the constants it names, how many of those
        // have been visited.
        let mut stack = vec![(root, self.named_lets(root), 0)];
        while let Some((index, named, visited)) = stack.last_mut() {
            let Some(&next) = named.get(*visited) else {
                let index = *index;
                stack.pop();
                self.fold_let(index);
                continue;
            };
            *visited += 1;
            if matches!(self.lets[next].state, LetState::Pending) {
                self.lets[next].state = LetState::InProgress;
                stack.push((next, self.named_lets(next), 0));
            }
        }
    }

    /// The constants `let` number `index` names, in the order its value names them.
    ///
    /// An aggregate's filter is left out: it is not checked in a constant (the aggregate
    /// itself is the error). Some names may still go unused by the check (the items after
    /// a wrong one in a list), which only makes this list longer, never wrong: every
    /// constant the check uses is in it.
    fn named_lets(&self, index: usize) -> Vec<usize> {
        fn walk(e: &ast::Expr, lets: &dyn Fn(&str) -> Option<usize>, out: &mut Vec<usize>) {
            match &e.kind {
                ast::ExprKind::Name(name) => out.extend(lets(&name.text)),
                ast::ExprKind::List(items) | ast::ExprKind::Call { args: items, .. } => {
                    items.iter().for_each(|item| walk(item, lets, out));
                }
                ast::ExprKind::Neg(inner) | ast::ExprKind::Not(inner) => walk(inner, lets, out),
                ast::ExprKind::Binary { lhs, rhs, .. } => {
                    walk(lhs, lets, out);
                    walk(rhs, lets, out);
                }
                ast::ExprKind::Number(_)
                | ast::ExprKind::Str(_)
                | ast::ExprKind::Bool(_)
                | ast::ExprKind::Duration(_)
                | ast::ExprKind::Time(_)
                | ast::ExprKind::LeadField(_)
                | ast::ExprKind::Grade(_)
                | ast::ExprKind::Aggregate { .. } => {}
            }
        }
        let lets = |name: &str| match self.globals.get(name) {
            Some((Global::Let(index), _)) => Some(*index),
            _ => None,
        };
        let mut named = Vec::new();
        // An expression is at most `MAX_EXPR_DEPTH` levels deep (E0007), so this
        // recursion is bounded.
        walk(&self.lets[index].decl.value, &lets, &mut named);
        named
    }

    /// Checks and folds the value of constant `index`, whose constants are folded (or
    /// being folded, in a cycle).
    fn fold_let(&mut self, index: usize) {
        let decl = self.lets[index].decl;
        let typed = self.expr(&decl.value, &Cx::constant());
        let folded = if typed.ty.is_error() {
            None
        } else {
            match self.fold_value(&typed) {
                Ok(c) => Some((c, typed.ty.clone())),
                Err(NoValue::OutOfRange) => None,
                Err(NoValue::NotConstant) => {
                    self.report(
                        Diagnostic::new(
                            Code::NotConstant,
                            format!("`{}` must be a constant", decl.name.text),
                            decl.value.span,
                            "not a constant expression",
                        )
                        .with_help("a `let` holds literals, lists or arithmetic on them, like `let limit = 2 * 50`"),
                    );
                    None
                }
            }
        };
        self.lets[index].state = match folded {
            Some((c, t)) => LetState::Done(c, t),
            None => LetState::Failed,
        };
    }
}
