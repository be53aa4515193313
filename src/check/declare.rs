//! Collecting declarations: the lead's fields, event types and their properties,
//! constants, scores and flags, into the checker's tables, with the checks that need
//! nothing else (duplicates, keywords used as names, field types). Grades are checked
//! later, against the scores declared here.

use super::Checker;
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use crate::syntax::keywords::KEYWORDS;
use std::collections::HashMap;

/// A name in the shared namespace of constants, scores and flags.
#[derive(Debug, Clone, Copy)]
pub(super) enum Global {
    Let(usize),
    Score(ScoreId),
    Flag(FlagId),
}

/// How far a constant's value is known (see `lets.rs`).
pub(super) enum LetState {
    Pending,
    InProgress,
    Done(Const, Type),
    Failed,
}

/// A `let`: its declaration, its value once folded, and whether anything uses it.
pub(super) struct LetEntry<'a> {
    pub(super) decl: &'a ast::LetDecl,
    pub(super) state: LetState,
    pub(super) used: bool,
}

/// An event type: its definition, its properties by name, and whether anything uses it.
pub(super) struct EventEntry {
    pub(super) def: EventDef,
    pub(super) props: HashMap<String, PropId>,
    pub(super) used: bool,
}

impl EventEntry {
    /// The names of the event's properties, for suggestions.
    pub(super) fn prop_names(&self) -> impl Iterator<Item = &str> {
        self.def.props.iter().map(|p| p.name.as_str())
    }
}

/// A score: its declaration, and its definition once checked (`scores.rs`).
pub(super) struct ScoreEntry<'a> {
    pub(super) decl: &'a ast::ScoreDecl,
    pub(super) def: Option<ScoreDef>,
}

/// A flag: its declaration, and its definition once checked (`flags.rs`).
pub(super) struct FlagEntry<'a> {
    pub(super) decl: &'a ast::FlagDecl,
    pub(super) def: Option<FlagDef>,
}

impl<'a> Checker<'a> {
    /// Declares every item of every file, in load order; `main` names the model.
    pub(super) fn declare(&mut self, items: &[(FileId, &'a ast::Item)], main: FileId) {
        let mut model_lines: HashMap<FileId, Span> = HashMap::new();
        for (file, item) in items {
            match item {
                ast::Item::Model { name, span } => {
                    if let Some(first) = model_lines.get(file) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateModel,
                                "this file names its model twice",
                                *span,
                                "second model name",
                            )
                            .with_label(*first, "first named here")
                            .with_help("keep one `model` line"),
                        );
                    } else {
                        model_lines.insert(*file, *span);
                        if *file == main {
                            self.model_name = Some(name.clone());
                        }
                    }
                }
                ast::Item::Import { .. } | ast::Item::Test(_) => {}
                ast::Item::Lead { fields, span } => self.declare_lead(fields, *span),
                ast::Item::Event(event) => self.declare_event(event),
                ast::Item::Let(decl) => {
                    if self.declare_global(&decl.name, Global::Let(self.lets.len())) {
                        self.lets.push(LetEntry {
                            decl,
                            state: LetState::Pending,
                            used: false,
                        });
                    }
                }
                ast::Item::Score(decl) => {
                    let id = ScoreId(self.scores.len() as u32);
                    if self.declare_global(&decl.name, Global::Score(id)) {
                        self.scores.push(ScoreEntry { decl, def: None });
                        self.node_order.push(Node::Score(id));
                    }
                }
                ast::Item::Flag(decl) => {
                    let id = FlagId(self.flags.len() as u32);
                    if self.declare_global(&decl.name, Global::Flag(id)) {
                        self.flags.push(FlagEntry { decl, def: None });
                        self.node_order.push(Node::Flag(id));
                    }
                }
                ast::Item::Grade(_) => {}
            }
        }
    }

    /// Reports a keyword used as a name. Returns whether the name is usable.
    fn check_not_keyword(&mut self, name: &ast::Ident) -> bool {
        if KEYWORDS.contains(&name.text.as_str()) {
            self.report(
                Diagnostic::new(
                    Code::ReservedName,
                    format!("`{}` is a keyword and cannot be used as a name", name.text),
                    name.span,
                    "keyword",
                )
                .with_help(format!("choose another name, like `{}_`", name.text)),
            );
            return false;
        }
        true
    }

    /// Reports `name` declared a second time, pointing at the `first` declaration.
    fn duplicate(&mut self, what: &str, name: &ast::Ident, first: Span) {
        self.report(
            Diagnostic::new(
                Code::DuplicateName,
                format!("{what} `{}` is declared twice", name.text),
                name.span,
                "declared again here",
            )
            .with_label(first, "first declared here")
            .with_help("rename one of them, or remove the copy"),
        );
    }

    /// Enters a constant, score or flag in the shared namespace. Returns whether the
    /// name was free (and not a keyword).
    fn declare_global(&mut self, name: &ast::Ident, global: Global) -> bool {
        if !self.check_not_keyword(name) {
            return false;
        }
        if let Some((_, first)) = self.globals.get(&name.text) {
            let first = *first;
            self.duplicate("the name", name, first);
            return false;
        }
        self.globals.insert(name.text.clone(), (global, name.span));
        true
    }

    /// The fields of a `lead` block or an event type, with their index by name;
    /// `what` names them in duplicate errors.
    fn declare_fields(
        &mut self,
        fields: &[ast::Field],
        what: &str,
    ) -> (Vec<FieldDef>, HashMap<String, u32>) {
        let mut defs: Vec<FieldDef> = Vec::new();
        let mut index = HashMap::new();
        for field in fields {
            if !self.check_not_keyword(&field.name) {
                continue;
            }
            if let Some(&i) = index.get(&field.name.text) {
                let first = defs[i as usize].span;
                self.duplicate(what, &field.name, first);
                continue;
            }
            let ty = self.field_type(&field.ty);
            index.insert(field.name.text.clone(), defs.len() as u32);
            defs.push(FieldDef {
                name: field.name.text.clone(),
                ty,
                span: field.name.span,
            });
        }
        (defs, index)
    }

    /// The type a field is declared with (`Type::Error` when it is not one).
    fn field_type(&mut self, ty: &ast::TypeExpr) -> Type {
        const NAMES: &[&str] = &["string", "int", "number", "bool", "time", "duration"];
        let found = match ty.name.text.as_str() {
            "string" => Type::String,
            "int" => Type::Int,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "time" => Type::Time,
            "duration" => Type::Duration,
            "list" => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        "a field cannot be a list",
                        ty.span,
                        "list type",
                    )
                    .with_note("lists exist only as literals in a model, like `[\"PL\", \"DE\"]`")
                    .with_help(
                        "store one value per field, or a delimited string matched with `contains`",
                    ),
                );
                return Type::Error;
            }
            other => {
                let all = format!("use one of {}", NAMES.join(", "));
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        format!("unknown type `{other}`"),
                        ty.name.span,
                        "not a type",
                    )
                    .with_did_you_mean(other, NAMES.iter().copied(), Some(all)),
                );
                return Type::Error;
            }
        };
        if let Some(param) = &ty.param {
            self.report(Diagnostic::new(
                Code::UnknownType,
                format!("`{}` takes no type parameter", ty.name.text),
                param.span,
                "unexpected parameter",
            ));
        }
        found
    }

    /// Declares the one `lead` block.
    fn declare_lead(&mut self, fields: &[ast::Field], span: Span) {
        if let Some(first) = self.lead_span {
            self.report(
                Diagnostic::new(
                    Code::DuplicateLead,
                    "a model has one `lead` block",
                    span,
                    "second lead block",
                )
                .with_label(first, "first lead block")
                .with_help("merge the fields into one `lead { … }` block"),
            );
            return;
        }
        self.lead_span = Some(span);
        let (defs, index) = self.declare_fields(fields, "the lead field");
        self.lead_fields = defs;
        self.lead_index = index.into_iter().map(|(k, v)| (k, FieldId(v))).collect();
    }

    /// Declares an event type and its properties.
    fn declare_event(&mut self, event: &ast::EventDecl) {
        if let Some(&id) = self.event_index.get(&event.name.text) {
            let first = self.events[id.0 as usize].def.span;
            self.duplicate("the event type", &event.name, first);
            return;
        }
        // `event score {}` would make `on score` read like a keyword; dotted names cannot.
        if !event.name.text.contains('.') {
            self.check_not_keyword(&event.name);
        }
        let (props, index) = self.declare_fields(&event.fields, "the property");
        let id = EventId(self.events.len() as u32);
        self.event_index.insert(event.name.text.clone(), id);
        self.events.push(EventEntry {
            def: EventDef {
                name: event.name.text.clone(),
                props,
                span: event.name.span,
            },
            props: index.into_iter().map(|(k, v)| (k, PropId(v))).collect(),
            used: false,
        });
    }

    /// Resolves an event type name, reporting unknown ones with a suggestion.
    pub(super) fn resolve_event(&mut self, name: &ast::Ident) -> Option<EventId> {
        if let Some(&id) = self.event_index.get(&name.text) {
            self.events[id.0 as usize].used = true;
            return Some(id);
        }
        let declare = format!("declare it first: `event {} {{}}`", name.text);
        self.report(
            Diagnostic::new(
                Code::UnknownEvent,
                format!("unknown event type `{}`", name.text),
                name.span,
                "not declared",
            )
            .with_did_you_mean(&name.text, self.event_names(), Some(declare)),
        );
        None
    }

    /// The declared event types' names, for suggestions.
    fn event_names(&self) -> impl Iterator<Item = &str> {
        self.events.iter().map(|e| e.def.name.as_str())
    }

    /// The lead fields' names, for suggestions.
    pub(super) fn lead_field_names(&self) -> impl Iterator<Item = &str> {
        self.lead_fields.iter().map(|f| f.name.as_str())
    }

    /// The declared scores' names, for suggestions.
    pub(super) fn score_names(&self) -> impl Iterator<Item = &str> {
        self.scores.iter().map(|s| s.decl.name.text.as_str())
    }

    /// The declared flags' names, for suggestions.
    pub(super) fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|f| f.decl.name.text.as_str())
    }
}
