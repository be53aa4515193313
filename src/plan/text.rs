//! Source text for typed expressions, for the origins of the parts of a flag's condition
//! (lowering keeps no source, only positions and the text of whole declarations).
//!
//! The text is the expression as the language writes it, with constants folded (a `let`
//! shows as its value) and only the parentheses that precedence needs.

use crate::check::{Const, Model, TExpr, TExprKind};
use crate::time::{format_duration, format_timestamp};

/// The text of `e`; `event` is the event type whose properties a `where` sees.
pub(super) fn expr_text(model: &Model, e: &TExpr, event: Option<u32>) -> String {
    let mut text = String::new();
    Printer { model }.expr(&mut text, e, event, 0);
    text
}

struct Printer<'m> {
    model: &'m Model,
}

/// How tightly an expression binds (docs/language.md, operators): a child binding more
/// loosely than its context needs parentheses.
fn precedence(e: &TExpr) -> u8 {
    match &e.kind {
        TExprKind::Binary { op, .. } => op.precedence(),
        TExprKind::Not(_) => 3,
        TExprKind::Neg(_) => 7,
        _ => 8,
    }
}

impl Printer<'_> {
    /// Writes `e`, in parentheses if it binds more loosely than `context`.
    fn expr(&self, out: &mut String, e: &TExpr, event: Option<u32>, context: u8) {
        let own = precedence(e);
        if own < context {
            out.push('(');
        }
        match &e.kind {
            TExprKind::Const(c) => constant(out, c),
            TExprKind::LeadField(id) => {
                out.push_str("lead.");
                out.push_str(&self.model.lead_fields[id.0 as usize].name);
            }
            TExprKind::Prop(id) => {
                let name = event
                    .and_then(|ev| self.model.events.get(ev as usize))
                    .and_then(|ev| ev.props.get(id.0 as usize))
                    .map_or("?", |p| p.name.as_str());
                out.push_str(name);
            }
            TExprKind::Score(id) => out.push_str(&self.model.scores[id.0 as usize].name),
            TExprKind::Flag(id) => out.push_str(&self.model.flags[id.0 as usize].name),
            TExprKind::Grade(id) => {
                out.push_str("grade(");
                out.push_str(&self.model.scores[id.0 as usize].name);
                out.push(')');
            }
            TExprKind::Neg(inner) => {
                out.push('-');
                self.expr(out, inner, event, own);
            }
            TExprKind::Not(inner) => {
                out.push_str("not ");
                self.expr(out, inner, event, own);
            }
            TExprKind::Binary { op, lhs, rhs } => {
                // Left-associative: a right operand at the same level needs parentheses,
                // and comparisons do not chain at all.
                let left = if own == 4 { own + 1 } else { own };
                self.expr(out, lhs, event, left);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.expr(out, rhs, event, own + 1);
            }
            TExprKind::Call { function, args } => {
                out.push_str(function.name());
                out.push('(');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.expr(out, arg, event, 0);
                }
                out.push(')');
            }
            TExprKind::Aggregate(agg) => {
                // Properties are numbered as the set's first type numbers them.
                let first = agg.event.first().0;
                let decl = &self.model.events[first as usize];
                out.push_str(agg.function.name());
                out.push('(');
                out.push_str(&agg.event.text);
                if let Some(prop) = agg.prop {
                    out.push('.');
                    out.push_str(&decl.props[prop.0 as usize].name);
                }
                if let Some(filter) = &agg.filter {
                    out.push_str(" where ");
                    self.expr(out, filter, Some(first), 0);
                }
                if let Some(within) = agg.within {
                    out.push_str(" within ");
                    out.push_str(&format_duration(within));
                }
                if let Some(prop) = agg.distinct {
                    out.push_str(" distinct by ");
                    out.push_str(&decl.props[prop.0 as usize].name);
                }
                out.push(')');
            }
        }
        if own < context {
            out.push(')');
        }
    }
}

fn constant(out: &mut String, c: &Const) {
    match c {
        Const::Number(n) => out.push_str(&n.to_string()),
        Const::Str(s) => quote(out, s),
        Const::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Const::Time(t) => {
            out.push('@');
            out.push_str(&format_timestamp(*t));
        }
        Const::Duration(d) => out.push_str(&format_duration(*d)),
        Const::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                constant(out, item);
            }
            out.push(']');
        }
    }
}

/// A string literal that reads back as `s`. The language keeps a backslash that starts
/// no escape as written (`"\bceo"` is a regex as you read it), so only a backslash that
/// would start one is doubled.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' if matches!(chars.peek(), None | Some('"' | '\\' | 'n' | 't')) => {
                out.push_str("\\\\")
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
