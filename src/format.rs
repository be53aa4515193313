//! `leadscore fmt`: one canonical layout for `.score` files.
//!
//! The layout comes from the AST; every atom (number, string, duration, time, name) is
//! printed exactly as written, so formatting never changes a value's spelling. Points in
//! a score block are aligned in a column. Comments are kept, each exactly once: a comment
//! on its own line stays before the statement that follows it, a comment at the end of a
//! line stays at the end of the statement that ends right before it (so after a block
//! written on one line, it follows the block's `}`). A statement with a comment *inside*
//! it (a list spread over lines, say) is kept as written.

use crate::diagnostics::Diagnostics;
use crate::source::{FileId, Span};
use crate::syntax::ast::*;
use std::fmt::Write as _;

const INDENT: &str = "  ";
/// Lines longer than this break long lists over several lines.
const WIDTH: usize = 100;
/// Rule heads longer than this do not push the points column further right.
const MAX_ALIGN: usize = 60;

/// Formats a model. Fails (with the syntax diagnostics) when the text does not parse.
pub fn format_source(text: &str) -> Result<String, Diagnostics> {
    let (file, diagnostics) = crate::syntax::parse(FileId(0), text);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let formatter = Formatter {
        text,
        comments: comments(text),
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    Ok(formatter.file(&file))
}

/// A `#` comment: its byte range and whether code precedes it on its line.
#[derive(Debug, Clone, Copy)]
struct Comment {
    start: usize,
    end: usize,
    trailing: bool,
}

/// Finds every comment, skipping `#` inside strings.
fn comments(text: &str) -> Vec<Comment> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    let mut line_has_code = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                // The grammar's line ends: `\n`, `\r\n` and a lone `\r`.
                b'\n' | b'\r' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => {
                    in_string = true;
                    line_has_code = true;
                }
                b'#' => {
                    let end = text[i..].find(['\n', '\r']).map_or(text.len(), |n| i + n);
                    found.push(Comment {
                        start: i,
                        end: end.min(text.len()),
                        trailing: line_has_code,
                    });
                    i = end;
                    continue;
                }
                b'\n' | b'\r' => line_has_code = false,
                b' ' | b'\t' => {}
                _ => line_has_code = true,
            }
        }
        i += 1;
    }
    found
}

struct Formatter<'t> {
    text: &'t str,
    comments: Vec<Comment>,
    /// Byte offset of each line's start.
    line_starts: Vec<usize>,
}

/// A statement inside a block, formatted, with its place in the source.
struct Line {
    span: Span,
    text: String,
}

impl Formatter<'_> {
    fn src(&self, span: Span) -> &str {
        self.text[self.tight(span).range()].trim()
    }

    /// The span without trailing blanks and comments (pest spans of rules that end in
    /// an optional part can reach over them).
    fn tight(&self, span: Span) -> Span {
        let start = span.start as usize;
        let mut end = span.end as usize;
        loop {
            let trimmed = self.text[start..end].trim_end().len() + start;
            let inside = self
                .comments
                .iter()
                .find(|c| c.start < trimmed && trimmed <= c.end && c.start >= start);
            match inside {
                Some(c) => end = c.start,
                None => {
                    end = trimmed;
                    break;
                }
            }
        }
        Span {
            end: end as u32,
            ..span
        }
    }

    fn comment_text(&self, c: &Comment) -> &str {
        self.text[c.start..c.end].trim_end()
    }

    /// The 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Whether a blank line separates `from` and `to` in the source. The pieces after
    /// each newline in between are the lines that follow; the last is the start of the
    /// line `to` is on (only blanks), so a blank line makes a second blank piece.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        from < to
            && self.text[from..to]
                .split('\n')
                .skip(1)
                .filter(|l| l.trim().is_empty())
                .count()
                > 1
    }

    fn comments_in(&self, from: usize, to: usize) -> impl Iterator<Item = &Comment> {
        self.comments
            .iter()
            .filter(move |c| c.start >= from && c.start < to)
    }

    /// The comment that ends the source line right after `span`, if any.
    fn trailing_comment(&self, span: Span) -> Option<&Comment> {
        self.comment_right_after(span.end as usize)
    }

    /// The comment after `offset` on its line when only separators (blanks, `,`, `;`)
    /// stand between them. Such a comment belongs to what ends at `offset`, and to
    /// nothing else: a statement followed by more code on its line (the first fields of
    /// `lead { a: int, b: int }  # c`) does not own the line's comment.
    fn comment_right_after(&self, offset: usize) -> Option<&Comment> {
        let c = self.comments.iter().find(|c| c.start >= offset)?;
        let between = &self.text[offset..c.start];
        (c.trailing
            && between
                .bytes()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b',' | b';')))
        .then_some(c)
    }

    /// Whether a comment sits inside `span` on a line other than its last (so the
    /// statement cannot be reflowed without moving it).
    fn has_inner_comment(&self, span: Span) -> bool {
        let last_line = self.line_of(span.end as usize);
        self.comments_in(span.start as usize, span.end as usize)
            .any(|c| self.line_of(c.start) != last_line)
    }

    // ------------------------------------------------------------ file

    fn file(&self, file: &File) -> String {
        let mut out = String::new();
        let mut cursor = 0;
        for item in &file.items {
            let span = self.tight(item_span(item));
            self.leading(&mut out, cursor, span.start as usize, "", true);
            let body = if self.has_block(item) || !self.has_inner_comment(span) {
                self.item(item)
            } else {
                self.src(span).to_string()
            };
            out.push_str(&body);
            cursor = span.end as usize;
            if let Some(c) = self.trailing_comment(span) {
                let _ = write!(out, "  {}", self.comment_text(c));
                cursor = c.end;
            }
            out.push('\n');
        }
        self.leading(&mut out, cursor, self.text.len(), "", cursor > 0);
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// Emits own-line comments between `from` and `to`, keeping one blank line where the
    /// source had any.
    fn leading(&self, out: &mut String, from: usize, to: usize, indent: &str, keep_blank: bool) {
        let mut cursor = from;
        for c in self.comments_in(from, to).filter(|c| !c.trailing) {
            if keep_blank
                && self.blank_between(cursor, c.start)
                && !out.ends_with("\n\n")
                && !out.is_empty()
            {
                out.push('\n');
            }
            let _ = writeln!(out, "{indent}{}", self.comment_text(c));
            cursor = c.end;
        }
        if keep_blank
            && self.blank_between(cursor, to)
            && !out.ends_with("\n\n")
            && !out.is_empty()
            && to < self.text.len()
        {
            out.push('\n');
        }
    }

    fn has_block(&self, item: &Item) -> bool {
        matches!(
            item,
            Item::Lead { .. }
                | Item::Score(ScoreDecl {
                    body: ScoreBody::Rules(_),
                    ..
                })
                | Item::Grade(_)
                | Item::Test(_)
        ) || matches!(item, Item::Event(e) if !e.fields.is_empty())
    }

    fn item(&self, item: &Item) -> String {
        match item {
            Item::Model { span, .. } | Item::Import { span, .. } => {
                let keyword = if matches!(item, Item::Model { .. }) {
                    "model"
                } else {
                    "import"
                };
                let literal = self.src(*span)[keyword.len()..].trim();
                format!("{keyword} {literal}")
            }
            Item::Lead { fields, span } => self.block("lead", *span, self.fields(fields)),
            Item::Event(e) => self.event(e),
            Item::Let(l) => {
                let one_line = format!("let {} = {}", l.name.text, self.expr(&l.value));
                match &l.value.kind {
                    ExprKind::List(items) if one_line.len() > WIDTH && items.len() > 1 => {
                        let mut out = format!("let {} = [\n", l.name.text);
                        for item in items {
                            let _ = writeln!(out, "{INDENT}{},", self.expr(item));
                        }
                        out.push(']');
                        out
                    }
                    _ => one_line,
                }
            }
            Item::Score(s) => match &s.body {
                ScoreBody::Derived(e) => format!("score {} = {}", s.name.text, self.expr(e)),
                ScoreBody::Rules(rules) => {
                    self.block(&format!("score {}", s.name.text), s.span, self.rules(rules))
                }
            },
            Item::Grade(g) => self.grade(g),
            Item::Flag(f) => format!("flag {} when {}", f.name.text, self.expr(&f.condition)),
            Item::Test(t) => self.test(t),
        }
    }

    /// `header {`, the lines with their comments, `}`.
    fn block(&self, header: &str, span: Span, lines: Vec<Line>) -> String {
        self.block_at(header, span, lines, INDENT)
    }

    fn block_at(&self, header: &str, span: Span, lines: Vec<Line>, indent: &str) -> String {
        let span = self.tight(span);
        let outer = &indent[INDENT.len()..];
        let open = brace_outside_strings(&self.text[span.range()])
            .map_or(span.start as usize, |i| span.start as usize + i + 1);
        let mut out = format!("{header} {{");
        // A comment right after `{` stays on the header line.
        let mut cursor = open;
        if let Some(c) = self.comment_right_after(open) {
            let _ = write!(out, "  {}", self.comment_text(c));
            cursor = c.end;
        }
        let has_comments = self.comments_in(open, span.end as usize).next().is_some();
        if lines.is_empty() && !has_comments {
            return format!("{header} {{}}");
        }
        out.push('\n');
        // Lay out each line first, so trailing comments can be aligned in a column.
        let laid_out: Vec<(Span, String, Option<&Comment>)> = lines
            .into_iter()
            .map(|line| {
                let span = self.tight(line.span);
                let text = if self.has_inner_comment(span) {
                    self.src(span).to_string()
                } else {
                    line.text
                };
                (span, text, self.trailing_comment(span))
            })
            .collect();
        let comment_column = laid_out
            .iter()
            .filter(|(_, text, c)| c.is_some() && !text.contains('\n'))
            .map(|(_, text, _)| text.chars().count())
            .filter(|w| *w <= WIDTH - INDENT.len())
            .max()
            .unwrap_or(0);
        let mut first = true;
        for (line_span, text, comment) in laid_out {
            self.leading(&mut out, cursor, line_span.start as usize, indent, !first);
            first = false;
            let _ = write!(out, "{indent}{text}");
            cursor = line_span.end as usize;
            if let Some(c) = comment {
                let pad = comment_column.saturating_sub(text.chars().count());
                let _ = write!(out, "{}  {}", " ".repeat(pad), self.comment_text(c));
                cursor = c.end;
            }
            out.push('\n');
        }
        let close = span.end as usize - 1;
        self.leading(&mut out, cursor, close, indent, false);
        let _ = write!(out, "{outer}}}");
        out
    }

    fn fields(&self, fields: &[Field]) -> Vec<Line> {
        fields
            .iter()
            .map(|f| Line {
                span: f.name.span.to(f.ty.span),
                text: format!("{}: {}", f.name.text, self.src(f.ty.span)),
            })
            .collect()
    }

    fn event(&self, e: &EventDecl) -> String {
        let header = format!("event {}", e.name.text);
        if e.fields.is_empty() {
            return format!("{header} {{}}");
        }
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name.text, self.src(f.ty.span)))
            .collect();
        let one_line = format!("{header} {{ {} }}", fields.join(", "));
        let span = self.tight(e.span);
        if one_line.len() <= WIDTH
            && self
                .comments_in(span.start as usize, span.end as usize)
                .next()
                .is_none()
        {
            one_line
        } else {
            self.block(&header, e.span, self.fields(&e.fields))
        }
    }

    // ------------------------------------------------------------ rules

    fn rules(&self, rules: &[Rule]) -> Vec<Line> {
        // Heads ("on E where P", "when C") and points of the aligned rules.
        let parts: Vec<Option<(String, String, String)>> =
            rules.iter().map(|r| self.rule_parts(r)).collect();
        let head_width = parts
            .iter()
            .flatten()
            .map(|(head, _, _)| head.chars().count())
            .filter(|w| *w <= MAX_ALIGN)
            .max()
            .unwrap_or(0);
        let points_width = parts
            .iter()
            .flatten()
            .filter(|(_, _, options)| !options.is_empty())
            .map(|(_, points, _)| points.len())
            .max()
            .unwrap_or(0);
        rules
            .iter()
            .zip(parts)
            .map(|(rule, parts)| {
                let text = match parts {
                    Some((head, points, options)) => {
                        let pad = head_width.saturating_sub(head.chars().count());
                        let mut text = format!("{head}{}  {points}", " ".repeat(pad));
                        if !options.is_empty() {
                            let _ = write!(
                                text,
                                "{} {options}",
                                " ".repeat(points_width.saturating_sub(points.len()))
                            );
                        }
                        text
                    }
                    None => self.unaligned_rule(rule),
                };
                Line {
                    span: rule.span,
                    text,
                }
            })
            .collect()
    }

    /// Head, points and options of an `on` or `when` rule (the ones whose points align).
    fn rule_parts(&self, rule: &Rule) -> Option<(String, String, String)> {
        match &rule.kind {
            RuleKind::On {
                event,
                filter,
                unanswered,
                points,
                within,
                max,
                max_per,
                distinct,
                decay,
            } => {
                let mut head = format!("on {event}");
                if let Some(f) = filter {
                    let _ = write!(head, " where {}", self.expr(f));
                }
                if let Some(u) = unanswered {
                    let _ = write!(head, " without {}", u.event);
                    if let Some(f) = &u.filter {
                        let _ = write!(head, " where {}", self.expr(f));
                    }
                    if let Some(prop) = &u.same {
                        let _ = write!(head, " same {}", prop.text);
                    }
                    let _ = write!(head, " for {}", self.src(u.wait.span));
                }
                // Options in the order they are applied (section 11.3).
                let mut options = Vec::new();
                options.extend(
                    within
                        .iter()
                        .map(|d| format!("within {}", self.src(d.span))),
                );
                options.extend(distinct.iter().map(|p| format!("distinct by {}", p.text)));
                options.extend(
                    max_per.iter().map(|m| {
                        format!("max {} per {}", self.src(m.count.1), self.src(m.per.span))
                    }),
                );
                options.extend(
                    max.iter()
                        .map(|(_, span)| format!("max {}", self.src(*span))),
                );
                options.extend(decay.iter().map(|d| {
                    format!(
                        "decay {}% per {}",
                        self.src(d.percent.span),
                        self.src(d.per.span)
                    )
                }));
                options.extend(self.label(rule));
                Some((head, self.src(points.span).to_string(), options.join(" ")))
            }
            RuleKind::When { condition, points } => Some((
                format!("when {}", self.expr(condition)),
                self.src(points.span).to_string(),
                self.label(rule).unwrap_or_default(),
            )),
            _ => None,
        }
    }

    /// A rule's `label "TEXT"`, its string as written.
    fn label(&self, rule: &Rule) -> Option<String> {
        let label = rule.label.as_ref()?;
        Some(format!("label {}", self.src(label.string_span)))
    }

    fn unaligned_rule(&self, rule: &Rule) -> String {
        match &rule.kind {
            RuleKind::Decay {
                points,
                per,
                reset,
                since,
            } => {
                let reset = match reset {
                    DecayReset::AnyEvent => "idle".to_string(),
                    DecayReset::Event { event, filter } => match filter {
                        Some(f) => format!("without {event} where {}", self.expr(f)),
                        None => format!("without {event}"),
                    },
                };
                let mut text = format!(
                    "decay {} per {} {reset}",
                    self.src(points.span),
                    self.src(per.span)
                );
                if let Some(field) = since {
                    let _ = write!(text, " since lead.{}", field.text);
                }
                if let Some(label) = self.label(rule) {
                    let _ = write!(text, " {label}");
                }
                text
            }
            RuleKind::Clamp { low, high } => {
                format!("clamp {} {}", self.src(low.1), self.src(high.1))
            }
            _ => self.src(rule.span).to_string(),
        }
    }

    // ------------------------------------------------------------ grades and tests

    fn band_name(&self, band: &Band) -> String {
        self.src(band.name.span).to_string()
    }

    fn grade(&self, g: &GradeDecl) -> String {
        let header = format!("grade {}", g.score.text);
        let simple = g.bands.iter().all(|b| b.condition.is_none());
        let no_comments = self
            .comments_in(g.span.start as usize, g.span.end as usize)
            .next()
            .is_none();
        if simple && no_comments {
            let bands: Vec<String> = g.bands.iter().map(|b| self.band(b, 0)).collect();
            let one_line = format!("{header} {{ {} }}", bands.join("; "));
            if one_line.len() <= WIDTH {
                return one_line;
            }
        }
        let width = g
            .bands
            .iter()
            .map(|b| self.band_name(b).chars().count())
            .max()
            .unwrap_or(0);
        let lines = g
            .bands
            .iter()
            .map(|b| Line {
                span: b.span,
                text: self.band(b, width),
            })
            .collect();
        self.block(&header, g.span, lines)
    }

    fn band(&self, band: &Band, width: usize) -> String {
        let name = self.band_name(band);
        let mut text = name.clone();
        if let Some(t) = &band.threshold {
            let pad = width.saturating_sub(name.chars().count());
            let at_least = if band.strict { ">" } else { ">=" };
            let _ = write!(text, "{} {at_least} {}", " ".repeat(pad), self.expr(t));
        }
        if let Some(c) = &band.condition {
            let _ = write!(text, " if {}", self.expr(c));
        }
        text
    }

    fn record(&self, fields: &[RecordField]) -> String {
        if fields.is_empty() {
            return "{}".into();
        }
        let fields: Vec<String> = fields
            .iter()
            .map(|f| {
                let value_start = self.src(f.span).find(':').map_or(0, |i| i + 1);
                format!(
                    "{}: {}",
                    f.name.text,
                    self.src(f.span)[value_start..].trim()
                )
            })
            .collect();
        format!("{{ {} }}", fields.join(", "))
    }

    fn test(&self, t: &TestDecl) -> String {
        let mut lines = Vec::new();
        if let Some((_, span)) = t.as_of {
            let time = self
                .src(span)
                .trim_start_matches("as")
                .trim_start()
                .trim_start_matches("of")
                .trim();
            lines.push(Line {
                span,
                text: format!("as of {time}"),
            });
        }
        if let (Some(fields), Some(span)) = (&t.lead, t.lead_span) {
            lines.push(Line {
                span,
                text: format!("lead {}", self.record(fields)),
            });
        }
        if let Some(span) = t.events_span {
            let events = t
                .events
                .iter()
                .map(|e| {
                    let time = self
                        .src(e.span)
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let mut text = format!("{time} {}", e.event.text);
                    if !e.fields.is_empty() {
                        let _ = write!(text, " {}", self.record(&e.fields));
                    }
                    Line { span: e.span, text }
                })
                .collect();
            lines.push(Line {
                span,
                text: self.block_at("events", span, events, &INDENT.repeat(2)),
            });
        }
        lines.extend(t.expects.iter().map(|e| Line {
            span: e.span,
            text: self.expect(e),
        }));
        // Statements in source order (the AST groups them by kind).
        lines.sort_by_key(|l| l.span.start);
        let after_keyword = &self.src(t.span)["test".len()..];
        let name_end = brace_outside_strings(after_keyword).unwrap_or(after_keyword.len());
        let name = &after_keyword[..name_end];
        let header = format!("test {}", name.trim());
        self.block(&header, t.span, lines)
    }

    fn expect(&self, e: &Expect) -> String {
        match &e.kind {
            ExpectKind::Score { score, op, .. } => {
                let value = self
                    .src(e.span)
                    .rsplit(op.symbol())
                    .next()
                    .unwrap_or_default()
                    .trim();
                format!("expect {} {} {value}", score.text, op.symbol())
            }
            ExpectKind::Grade { score, band } => {
                format!("expect grade {} == {}", score.text, self.src(band.span))
            }
            ExpectKind::Flag { flag, expected } => {
                format!(
                    "expect {}flag {}",
                    if *expected { "" } else { "not " },
                    flag.text
                )
            }
        }
    }

    // ------------------------------------------------------------ expressions

    fn expr(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Duration(_)
            | ExprKind::Time(_)
            | ExprKind::Name(_)
            | ExprKind::LeadField(_) => self.src(e.span).to_string(),
            ExprKind::Grade(score) => format!("grade({})", score.text),
            ExprKind::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Call { function, args } => format!(
                "{}({})",
                function.text,
                args.iter()
                    .map(|a| self.expr(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Aggregate {
                function,
                target,
                property,
                filter,
                within,
                distinct,
            } => {
                let mut text = format!("{}({target}", function.name());
                if let Some(p) = property {
                    let _ = write!(text, ".{}", p.text);
                }
                if let Some(f) = filter {
                    let _ = write!(text, " where {}", self.expr(f));
                }
                if let Some(d) = within {
                    let _ = write!(text, " within {}", self.src(d.span));
                }
                if let Some(p) = distinct {
                    let _ = write!(text, " distinct by {}", p.text);
                }
                text.push(')');
                text
            }
            ExprKind::Neg(inner) => {
                let operand = self.expr(inner);
                if matches!(
                    inner.kind,
                    ExprKind::Binary { .. } | ExprKind::Not(_) | ExprKind::Neg(_)
                ) {
                    format!("-({operand})")
                } else {
                    format!("-{operand}")
                }
            }
            ExprKind::Not(inner) => {
                let operand = self.expr(inner);
                if matches!(inner.kind, ExprKind::Binary { .. }) {
                    format!("not ({operand})")
                } else {
                    format!("not {operand}")
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let level = op.precedence();
                let left = self.operand(lhs, |l| {
                    l < level || (*op == BinOp::Or && l == 2) || (level >= 4 && l == 3)
                });
                let right = self.operand(rhs, |l| {
                    l <= level || (*op == BinOp::Or && l == 2) || (level >= 4 && l == 3)
                });
                format!("{left} {} {right}", op.symbol())
            }
        }
    }

    /// An operand, in parentheses when `needs(level of the operand)` says so.
    fn operand(&self, e: &Expr, needs: impl Fn(u8) -> bool) -> String {
        let text = self.expr(e);
        let level = match &e.kind {
            ExprKind::Binary { op, .. } => op.precedence(),
            ExprKind::Not(_) => 3,
            _ => u8::MAX,
        };
        if level != u8::MAX && needs(level) {
            format!("({text})")
        } else {
            text
        }
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Model { span, .. } | Item::Import { span, .. } | Item::Lead { span, .. } => *span,
        Item::Event(e) => e.span,
        Item::Let(l) => l.span,
        Item::Score(s) => s.span,
        Item::Grade(g) => g.span,
        Item::Flag(f) => f.span,
        Item::Test(t) => t.span,
    }
}

/// Where the first `{` of `text` is that is not inside a string (a test's name may hold
/// braces: `test "a {b}" {`).
fn brace_outside_strings(text: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}
