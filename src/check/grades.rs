//! Grades: each names a declared score (at most one grade per score); its bands have
//! constant numeric thresholds (`>= N` or `> N`) and optional conditions, and the last
//! band is the default.

use super::expr::{Cx, NoValue};
use super::{Checker, Global};
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast;

impl Checker<'_> {
    /// Checks every grade, in load order: first which scores are graded (so `grade(S)`
    /// knows them everywhere), then each grade's bands. Each grade is a node of the
    /// evaluation order, after its score and what its bands' conditions use.
    pub(super) fn check_grades(&mut self, items: &[(FileId, &ast::Item)]) {
        let mut grades = Vec::new();
        for (_, item) in items {
            let ast::Item::Grade(grade) = item else {
                continue;
            };
            let Some(score) = self.grade_target(&grade.score) else {
                continue;
            };
            if let Some(first) = self.graded.get(&score) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateGrade,
                        format!("score `{}` already has a grade", grade.score.text),
                        grade.score.span,
                        "second grade",
                    )
                    .with_label(*first, "first grade")
                    .with_help("merge the bands into one grade"),
                );
                continue;
            }
            self.graded.insert(score, grade.score.span);
            grades.push((grade, score));
        }
        for (grade, score) in grades {
            let node = Node::Grade(score);
            self.node_order.push(node);
            self.uses(Some(node), Node::Score(score), grade.score.span);
            let bands = self.bands(grade, node);
            self.grades.push(GradeDef {
                score,
                bands,
                origin: self.origin(grade.span),
            });
        }
    }

    /// The score a grade (or `grade(SCORE)`) names.
    pub(super) fn grade_target(&mut self, name: &ast::Ident) -> Option<ScoreId> {
        if let Some((Global::Score(id), _)) = self.globals.get(&name.text) {
            return Some(*id);
        }
        let help = "a grade names a score of this model".to_string();
        self.report(
            Diagnostic::new(
                Code::UnknownScore,
                format!("there is no score `{}` to grade", name.text),
                name.span,
                "not a score",
            )
            .with_did_you_mean(&name.text, self.score_names(), Some(help)),
        );
        None
    }

    /// A grade's bands, in order; the last must be the default.
    fn bands(&mut self, grade: &ast::GradeDecl, node: Node) -> Vec<BandDef> {
        let mut bands = Vec::new();
        for band in &grade.bands {
            let threshold = band.threshold.as_ref().and_then(|t| self.threshold(t));
            let condition = band
                .condition
                .as_ref()
                .map(|c| self.condition(c, &Cx::condition(Some(node))));
            bands.push(BandDef {
                name: band.name.text.clone(),
                threshold,
                strict: band.strict,
                condition,
                origin: self.origin(band.span),
            });
        }
        match grade.bands.last() {
            None => self.report(
                Diagnostic::new(Code::GradeNeedsDefault, "a grade needs at least one band", grade.score.span, "no bands")
                    .with_help("add bands like `hot >= 70; warm >= 30; cold`"),
            ),
            Some(last) if last.threshold.is_some() || last.condition.is_some() => self.report(
                Diagnostic::new(
                    Code::GradeNeedsDefault,
                    "the last band of a grade must be the default",
                    last.span,
                    "this band has a threshold or condition",
                )
                .with_note("the last band is chosen when no band above it holds, so it takes no `>=` and no `if`")
                .with_help("add a default band at the end, like `cold`"),
            ),
            Some(_) => {}
        }
        bands
    }

    /// A band's `>= N` or `> N`: a constant number.
    fn threshold(&mut self, e: &ast::Expr) -> Option<f64> {
        let typed = self.expr(e, &Cx::constant());
        if typed.ty.is_error() {
            return None;
        }
        match self.fold_value(&typed) {
            Ok(Const::Number(n)) => Some(n),
            Err(NoValue::OutOfRange) => None,
            Ok(_) => {
                self.report(Diagnostic::new(
                    Code::NotNumeric,
                    "a band's threshold must be a number",
                    e.span,
                    format!("this is {}", typed.ty.an()),
                ));
                None
            }
            Err(NoValue::NotConstant) => {
                self.report(
                    Diagnostic::new(
                        Code::NotConstant,
                        "a band's threshold must be a constant",
                        e.span,
                        "not constant",
                    )
                    .with_help("write a number, like `hot >= 70`, and put conditions in `if`"),
                );
                None
            }
        }
    }
}

/// E0602: `score` is read as graded (`grade(score)`, `expect grade score == …`) but has
/// no grade; `help` says what to write instead there.
pub(super) fn not_graded(score: &ast::Ident, help: String) -> Diagnostic {
    Diagnostic::new(
        Code::NotGraded,
        format!("score `{}` has no grade", score.text),
        score.span,
        "not graded",
    )
    .with_help(help)
}
