//! What rules and aggregates count: event references (`email.open`, a group `social.*`,
//! a list `[email.open, page.*]`) resolved to [`EventSet`]s, and the properties in scope
//! over a set (every type of it declares them, with one type).
//!
//! Every place that names events (`on`, `decay … without`, aggregates, and whatever
//! else counts events) goes through [`Checker::resolve_events`], and every property
//! named over a set (the property of `sum`, and of options like `same PROP` or
//! `distinct by PROP`) through [`Checker::set_prop`], which reports what is wrong; a
//! `where` over a set gets its properties from [`Checker::lookup_prop`]. Both number a
//! property as the set's first type does; lowering finds its index in each type of the
//! set with `Model::member_prop`.

use super::Checker;
use crate::check::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast;

/// A property name looked up over an [`EventSet`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PropLookup {
    /// Every type of the set declares it: its index as the set numbers properties (see
    /// [`EventSet`]) and its type (`number` when some types say `int` and others
    /// `number`).
    Shared(PropId, Type),
    /// No type of the set declares it.
    Absent,
    /// Some types declare it, but not this one (the first in declaration order).
    Lacking(EventId),
    /// Two types declare it with types that differ (beyond `int` and `number`).
    Differs(EventId, EventId),
}

impl Checker<'_> {
    /// Resolves an event reference to the declared types it covers, reporting unknown
    /// types (E0301) and groups that match no type (E0308). Every type covered counts
    /// as used.
    pub(super) fn resolve_events(&mut self, reference: &ast::EventRef) -> Option<EventSet> {
        let mut types = Vec::new();
        if !self.collect_events(reference, &mut types) || types.is_empty() {
            return None;
        }
        types.sort_unstable();
        types.dedup();
        for id in &types {
            self.events[id.0 as usize].used = true;
        }
        Some(EventSet {
            types,
            text: reference.to_string(),
        })
    }

    /// Adds the types `reference` covers to `out`; false if part of it does not resolve
    /// (each part is still looked at, so every unknown name is reported).
    fn collect_events(&mut self, reference: &ast::EventRef, out: &mut Vec<EventId>) -> bool {
        match reference {
            ast::EventRef::Type(name) => match self.resolve_event(name) {
                Some(id) => {
                    out.push(id);
                    true
                }
                None => false,
            },
            ast::EventRef::Group(name) => self.resolve_group(name, out),
            ast::EventRef::List { items, .. } => {
                let mut ok = true;
                for item in items {
                    ok &= self.collect_events(item, out);
                }
                ok
            }
        }
    }

    /// `prefix.*`: every declared type whose name starts with `prefix.`, at any depth.
    fn resolve_group(&mut self, group: &ast::Ident, out: &mut Vec<EventId>) -> bool {
        let prefix = group.text.strip_suffix('*').unwrap_or(&group.text);
        let before = out.len();
        out.extend(
            self.events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.def.name.starts_with(prefix))
                .map(|(i, _)| EventId(i as u32)),
        );
        if out.len() > before {
            return true;
        }
        let bare = &prefix[..prefix.len() - 1];
        let fallback = if self.event_index.contains_key(bare) {
            format!(
                "`{}` covers types named `{prefix}…`, not `{bare}` itself: write `{bare}`",
                group.text
            )
        } else {
            format!("declare a type in it first, like `event {prefix}name {{}}`")
        };
        let groups = self.declared_groups();
        self.report(
            Diagnostic::new(
                Code::UnknownGroup,
                format!("no event type matches `{}`", group.text),
                group.span,
                "matches no declared type",
            )
            .with_did_you_mean(
                &group.text,
                groups.iter().map(String::as_str),
                Some(fallback),
            ),
        );
        false
    }

    /// Every group that matches a declared type (`social.*`, `social.post.*`), for
    /// suggestions.
    fn declared_groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .events
            .iter()
            .flat_map(|e| {
                let name = &e.def.name;
                name.match_indices('.')
                    .map(move |(i, _)| format!("{}*", &name[..=i]))
            })
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// Looks a property up over `set`, reporting nothing (see [`PropLookup`]).
    pub(super) fn lookup_prop(&self, set: &EventSet, name: &str) -> PropLookup {
        let declared = |event: EventId| {
            let entry = &self.events[event.0 as usize];
            entry
                .props
                .get(name)
                .map(|&prop| (prop, &entry.def.props[prop.0 as usize].ty))
        };
        let Some(lacking) = set.types.iter().find(|&&e| declared(e).is_none()) else {
            let (prop, first_ty) = declared(set.first()).expect("every type declares it");
            let mut ty = first_ty.clone();
            for &event in &set.types[1..] {
                let (_, other) = declared(event).expect("every type declares it");
                ty = match common_type(&ty, other) {
                    Some(common) => common,
                    None => return PropLookup::Differs(set.first(), event),
                };
            }
            return PropLookup::Shared(prop, ty);
        };
        if set.types.iter().any(|&e| declared(e).is_some()) {
            PropLookup::Lacking(*lacking)
        } else {
            PropLookup::Absent
        }
    }

    /// A property named over `set` (the `sum` of a group, say): its index as the set
    /// numbers properties and its type, or `None` with the problem reported — no type
    /// declares it (E0303), one lacks it (E0309), or two give it different types (E0410).
    pub(super) fn set_prop(&mut self, set: &EventSet, name: &ast::Ident) -> Option<(PropId, Type)> {
        match self.lookup_prop(set, &name.text) {
            PropLookup::Shared(prop, ty) => Some((prop, ty)),
            PropLookup::Absent => {
                let names = self.shared_prop_names(set);
                self.report(
                    Diagnostic::new(
                        Code::UnknownProperty,
                        format!("`{}` has no property `{}`", set.text, name.text),
                        name.span,
                        "not a property",
                    )
                    .with_did_you_mean(
                        &name.text,
                        names.iter().map(String::as_str),
                        None,
                    ),
                );
                None
            }
            problem => {
                self.prop_not_shared(set, name, &problem);
                None
            }
        }
    }

    /// Reports a property that not every type of `set` declares alike (`Lacking` or
    /// `Differs`), with a label at the declaration that breaks the rule.
    pub(super) fn prop_not_shared(
        &mut self,
        set: &EventSet,
        name: &ast::Ident,
        problem: &PropLookup,
    ) {
        let prop = &name.text;
        let def = |event: EventId| &self.events[event.0 as usize].def;
        let diagnostic = match *problem {
            PropLookup::Lacking(event) => {
                let lacking = def(event);
                Diagnostic::new(
                    Code::PropertyNotShared,
                    format!(
                        "`{prop}` is not a property of every type in `{}`: `{}` lacks it",
                        set.text, lacking.name
                    ),
                    name.span,
                    format!("not declared by `{}`", lacking.name),
                )
                .with_label(
                    lacking.span,
                    format!("`{}` declared here without `{prop}`", lacking.name),
                )
                .with_note(
                    "over a group or list, only the properties every type declares are known",
                )
                .with_help(format!(
                    "declare `{prop}` on `{}` too, or name only the types that have it",
                    lacking.name
                ))
            }
            PropLookup::Differs(one, other) => {
                let type_of = |event: EventId| {
                    let entry = &self.events[event.0 as usize];
                    entry.def.props[entry.props[prop].0 as usize].ty.clone()
                };
                let (one_ty, other_ty) = (type_of(one), type_of(other));
                Diagnostic::new(
                    Code::PropertyTypesDiffer,
                    format!(
                        "`{prop}` has different types in `{}`: {} on `{}`, {} on `{}`",
                        set.text,
                        one_ty.an(),
                        def(one).name,
                        other_ty.an(),
                        def(other).name
                    ),
                    name.span,
                    "types differ",
                )
                .with_label(def(other).span, format!("`{}` declares it as {}", def(other).name, other_ty.an()))
                .with_note("over a group or list, a property must have one type (`int` and `number` count as one)")
                .with_help("declare it with one type everywhere, or name only the types that agree")
            }
            PropLookup::Shared(..) | PropLookup::Absent => return,
        };
        self.report(diagnostic);
    }

    /// The properties every type of `set` declares alike, for suggestions.
    pub(super) fn shared_prop_names(&self, set: &EventSet) -> Vec<String> {
        self.events[set.first().0 as usize]
            .prop_names()
            .filter(|p| matches!(self.lookup_prop(set, p), PropLookup::Shared(..)))
            .map(str::to_string)
            .collect()
    }
}

/// The type of a property two types of a set declare as `a` and `b`: the same type, or
/// `number` for `int` and `number`; `None` when they differ otherwise.
fn common_type(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Error, _) | (_, Type::Error) => Some(Type::Error),
        (Type::Int, Type::Int) => Some(Type::Int),
        (a, b) if a.is_numeric() && b.is_numeric() => Some(Type::Number),
        (a, b) if a == b => Some(a.clone()),
        _ => None,
    }
}
