//! Checking `test` blocks: their lead fields, events and expectations against the model.

use super::grades::not_graded;
use super::{Checker, Global};
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use crate::vocab::{coerce, Value};
use std::collections::HashMap;

impl Checker<'_> {
    /// Checks the test blocks of the main file (an imported file's tests are its own).
    pub(super) fn check_tests(
        &mut self,
        items: &[(FileId, &ast::Item)],
        main: FileId,
    ) -> Vec<TestDef> {
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut tests = Vec::new();
        for (file, item) in items {
            let ast::Item::Test(test) = item else {
                continue;
            };
            if *file != main {
                continue;
            }
            if let Some(first) = seen.get(&test.name) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("the test {:?} is declared twice", test.name),
                        test.span,
                        "declared again here",
                    )
                    .with_label(*first, "first declared here")
                    .with_help("give each test its own name"),
                );
                continue;
            }
            seen.insert(test.name.clone(), test.span);
            if let Some(checked) = self.test(test) {
                tests.push(checked);
            }
        }
        tests
    }

    fn test(&mut self, test: &ast::TestDecl) -> Option<TestDef> {
        let header = Span {
            end: test.span.start + 4,
            ..test.span
        };
        if test.expects.is_empty() {
            self.report(
                Diagnostic::new(Code::EmptyTest, format!("the test {:?} expects nothing", test.name), header, "no `expect`")
                    .with_help("add what the results must be, like `expect engagement == 65` or `expect flag mql`"),
            );
        }
        let lead = self.test_lead(test.lead.as_deref().unwrap_or_default());
        let events: Vec<_> = test
            .events
            .iter()
            .filter_map(|e| self.test_event(e))
            .collect();
        let expects: Vec<_> = test
            .expects
            .iter()
            .filter_map(|e| self.expectation(e))
            .collect();
        let Some((as_of, _)) = test.as_of else {
            self.report(
                Diagnostic::new(
                    Code::TestWithoutTime,
                    format!("the test {:?} has no `as of` time", test.name),
                    header,
                    "no `as of`",
                )
                .with_note(
                    "a test scores as of a fixed time, so it gives the same result every day",
                )
                .with_help("add a line like `as of @2026-03-01`"),
            );
            return None;
        };
        Some(TestDef {
            name: test.name.clone(),
            as_of,
            lead,
            events,
            expects,
            origin: Origin {
                text: format!("test {:?}", test.name),
                ..self.origin(test.span)
            },
        })
    }

    fn test_lead(&mut self, fields: &[ast::RecordField]) -> Vec<(FieldId, Value)> {
        let mut values = Vec::new();
        for field in fields {
            let Some(&id) = self.lead_index.get(&field.name.text) else {
                self.report(
                    Diagnostic::new(
                        Code::UnknownLeadField,
                        format!("the lead has no field `{}`", field.name.text),
                        field.name.span,
                        "not a lead field",
                    )
                    .with_did_you_mean(
                        &field.name.text,
                        self.lead_field_names(),
                        None,
                    ),
                );
                continue;
            };
            let ty = self.lead_fields[id.0 as usize].ty.clone();
            if let Some(value) = self.record_value(field, &ty) {
                values.push((id, value));
            }
        }
        values
    }

    fn test_event(&mut self, event: &ast::TestEvent) -> Option<TestEventDef> {
        let id = self.resolve_event(&event.event)?;
        let mut props = Vec::new();
        for field in &event.fields {
            let entry = &self.events[id.0 as usize];
            let Some(&prop) = entry.props.get(&field.name.text) else {
                let event_name = &entry.def.name;
                self.report(
                    Diagnostic::new(
                        Code::UnknownProperty,
                        format!("`{event_name}` has no property `{}`", field.name.text),
                        field.name.span,
                        "not a property",
                    )
                    .with_did_you_mean(
                        &field.name.text,
                        entry.prop_names(),
                        None,
                    ),
                );
                continue;
            };
            let ty = entry.def.props[prop.0 as usize].ty.clone();
            if let Some(value) = self.record_value(field, &ty) {
                props.push((prop, value));
            }
        }
        Some(TestEventDef {
            event: id,
            ts: event.ts,
            props,
        })
    }

    /// A test record's value, checked against the field's declared type.
    fn record_value(&mut self, field: &ast::RecordField, ty: &Type) -> Option<Value> {
        let value = match &field.value {
            ast::Literal::Number(n) => Value::Number(*n),
            ast::Literal::Str(s) => Value::Str(s.clone()),
            ast::Literal::Bool(b) => Value::Bool(*b),
            ast::Literal::Time(t) => Value::Time(*t),
            ast::Literal::Duration(d) => Value::Duration(*d),
        };
        match coerce(&field.name.text, ty.value_type(), value) {
            Ok(value) => Some(value),
            Err(error) => {
                self.report(Diagnostic::new(
                    Code::TypeMismatch,
                    format!("wrong value for `{}`: {}", field.name.text, error.problem),
                    field.span,
                    format!("not {}", ty.an()),
                ));
                None
            }
        }
    }

    fn expectation(&mut self, expect: &ast::Expect) -> Option<ExpectDef> {
        let kind = match &expect.kind {
            ast::ExpectKind::Score { score, op, value } => Expectation::Score {
                score: self.expected_score(score)?,
                op: *op,
                value: *value,
            },
            ast::ExpectKind::Grade { score, band } => {
                let id = self.expected_score(score)?;
                let Some(grade) = self.grades.iter().find(|g| g.score == id) else {
                    let help =
                        format!("test its value instead, like `expect {} >= 50`", score.text);
                    self.report(not_graded(score, help));
                    return None;
                };
                if !grade.bands.iter().any(|b| b.name == band.text) {
                    let names: Vec<&str> = grade.bands.iter().map(|b| b.name.as_str()).collect();
                    let all = format!("the bands of `{}` are {}", score.text, names.join(", "));
                    self.report(
                        Diagnostic::new(
                            Code::UnknownBand,
                            format!("grade `{}` has no band `{}`", score.text, band.text),
                            band.span,
                            "not a band",
                        )
                        .with_did_you_mean(&band.text, names, Some(all)),
                    );
                    return None;
                }
                Expectation::Grade {
                    score: id,
                    band: band.text.clone(),
                }
            }
            ast::ExpectKind::Flag { flag, expected } => match self.globals.get(&flag.text) {
                Some((Global::Flag(id), _)) => Expectation::Flag {
                    flag: *id,
                    expected: *expected,
                },
                _ => {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownName,
                            format!("there is no flag `{}`", flag.text),
                            flag.span,
                            "not a flag",
                        )
                        .with_did_you_mean(
                            &flag.text,
                            self.flag_names(),
                            None,
                        ),
                    );
                    return None;
                }
            },
        };
        Some(ExpectDef {
            kind,
            origin: self.origin(expect.span),
        })
    }

    fn expected_score(&mut self, name: &ast::Ident) -> Option<ScoreId> {
        match self.globals.get(&name.text) {
            Some((Global::Score(id), _)) => Some(*id),
            Some((Global::Flag(_), _)) => {
                self.report(
                    Diagnostic::new(
                        Code::NotNumeric,
                        format!("`{}` is a flag, not a score", name.text),
                        name.span,
                        "a flag",
                    )
                    .with_help(format!(
                        "write `expect flag {}` (or `expect not flag {}`)",
                        name.text, name.text
                    )),
                );
                None
            }
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownName,
                        format!("there is no score `{}`", name.text),
                        name.span,
                        "not a score",
                    )
                    .with_did_you_mean(&name.text, self.score_names(), None),
                );
                None
            }
        }
    }
}
