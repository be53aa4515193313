//! Constants: each `let` is folded to its value once, on first use or in declaration
//! order, so a constant may use ones declared after it; a cycle is reported where it
//! closes.

use super::expr::{self, Cx};
use super::{Checker, LetState};
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};

impl Checker<'_> {
    /// Folds every constant (those no one uses are checked too).
    pub(super) fn check_lets(&mut self) {
        for index in 0..self.lets.len() {
            self.let_value(index);
        }
    }

    /// The folded value of constant `index`, checking it on first use.
    pub(super) fn let_value(&mut self, index: usize) -> Option<(Const, Type)> {
        match &self.lets[index].state {
            LetState::Done(c, t) => return Some((c.clone(), t.clone())),
            LetState::Failed => return None,
            LetState::InProgress => return None, // reported by the reference that closed the cycle
            LetState::Pending => {}
        }
        self.lets[index].state = LetState::InProgress;
        let decl = self.lets[index].decl;
        let cx = Cx::constant();
        let typed = self.expr(&decl.value, &cx);
        let folded = if typed.ty.is_error() {
            None
        } else {
            match expr::fold(&typed) {
                Some(c) => Some((c, typed.ty.clone())),
                None => {
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
        self.lets[index].state = match &folded {
            Some((c, t)) => LetState::Done(c.clone(), t.clone()),
            None => LetState::Failed,
        };
        folded
    }
}
