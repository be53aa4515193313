//! Flags: a flag is a condition over the lead, its history, scores and other flags.

use super::expr::Cx;
use super::Checker;
use crate::check::model::*;

impl Checker<'_> {
    /// Checks every flag's condition.
    pub(super) fn check_flags(&mut self) {
        for index in 0..self.flags.len() {
            let decl = self.flags[index].decl;
            let node = Node::Flag(FlagId(index as u32));
            let condition = self.condition(&decl.condition, &Cx::condition(Some(node)));
            self.flags[index].def = Some(FlagDef {
                name: decl.name.text.clone(),
                condition,
                origin: self.origin(decl.span),
            });
        }
    }
}
