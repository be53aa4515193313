//! From source text to [`ast::File`]: the AST builder over the pest parse tree.
//!
//! The pest grammar (`grammar/score.pest`) recovers statement by statement: a broken
//! statement becomes a `bad_item`/`bad_rule` node, which we re-parse with the strict
//! rule to get the exact position and the list of what was expected there; `errors.rs`
//! puts that into words. Problems in well-formed syntax (an unsigned amount, a bad
//! duration, an expression nested too deeply) are reported here, where the node is built.

use super::ast::*;
use super::errors;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use crate::time;
use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/score.pest"]
struct Grammar;

/// Parses one file. Always returns an AST (possibly missing the broken statements)
/// and the syntax diagnostics found.
pub fn parse(file: FileId, text: &str) -> (File, Diagnostics) {
    let mut builder = Builder {
        file,
        text,
        depth: 0,
        too_deep: false,
        offset: 0,
        diagnostics: Diagnostics::new(),
    };
    let ast = match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => builder.file(pairs.next().expect("file rule")),
        Err(error) => {
            // Recovery makes this rare (an unbalanced quote at the very end, say).
            builder.syntax_error(&error, 0);
            File::default()
        }
    };
    (ast, builder.diagnostics)
}

/// How deep an expression tree may be. Every later stage walks expressions
/// recursively; this keeps them far from the stack's limit (real rules are a handful
/// of levels deep).
const MAX_EXPR_DEPTH: usize = 200;

/// Where a duration is written, for the help on a zero one (E0004).
#[derive(Clone, Copy)]
enum DurationUse {
    /// A `within` window (of a rule or an aggregate) or a decay's period.
    Period,
    /// A value in an expression, like `lead.wait < 2d`.
    Expression,
    /// A field of a test's lead or event.
    Record,
}

impl DurationUse {
    fn zero_help(self) -> &'static str {
        match self {
            DurationUse::Period => {
                "a window or decay period of zero never matches anything; use at least `1d`"
            }
            DurationUse::Expression => {
                "the shortest duration is `1s`; to test for no time at all, compare with `< 1s`"
            }
            DurationUse::Record => "the shortest duration is `1s`",
        }
    }
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    /// Depth of the expression tree being built, for [`MAX_EXPR_DEPTH`].
    depth: usize,
    /// Whether the current statement already reported being too deep.
    too_deep: bool,
    /// Added to pest positions: non-zero while building a re-parsed fragment.
    offset: usize,
    diagnostics: Diagnostics,
}

type P<'i> = Pair<'i, Rule>;

impl<'t> Builder<'t> {
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start() + self.offset, s.end() + self.offset)
    }

    /// The span of `pair` up to the end of its last token. A rule that ends in an optional
    /// part (`label?`, a `where` of a `without`) also holds the blanks and a comment pest
    /// skipped looking for it; the rule's source text, shown in explanations, must not.
    fn span_of_tokens(&self, pair: &P) -> Span {
        let mut last = pair.clone();
        while let Some(child) = last.clone().into_inner().last() {
            last = child;
        }
        let end = last.as_span().end().max(pair.as_span().start());
        Span::new(
            self.file,
            pair.as_span().start() + self.offset,
            end + self.offset,
        )
    }

    /// Reports a pest error, in the words of [`errors::syntax_error`].
    fn syntax_error(&mut self, error: &pest::error::Error<Rule>, base: usize) {
        let diagnostic = errors::syntax_error(self.file, self.text, error, base);
        self.diagnostics.push(diagnostic);
    }

    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, message, span, label));
        self.diagnostics.last_mut().expect("just pushed")
    }

    // ------------------------------------------------------------ items

    fn file(&mut self, pair: P) -> File {
        let mut items = Vec::new();
        for p in pair.children() {
            match p.as_rule() {
                Rule::bad_item => self.reparse(&p, Rule::item_only, "statement"),
                Rule::EOI => {}
                _ => items.push(self.item(p)),
            }
        }
        File { items }
    }

    /// Re-parses a span the recovery rule swallowed, with the strict `rule`, and reports
    /// the error found there.
    fn reparse(&mut self, pair: &P, strict: Rule, what: &str) {
        let start = pair.as_span().start() + self.offset;
        match Grammar::parse(strict, pair.as_str()) {
            Err(error) => self.syntax_error(&error, start),
            Ok(_) => {
                let span = self.span(pair);
                self.error(
                    Code::Syntax,
                    format!("this {what} is not understood"),
                    span,
                    "here",
                );
            }
        }
    }

    fn item(&mut self, pair: P) -> Item {
        let span = self.span(&pair);
        self.too_deep = false;
        match pair.as_rule() {
            Rule::model_decl => Item::Model {
                name: self.string(pair.children().next().expect("name")),
                span,
            },
            Rule::import_decl => Item::Import {
                path: self.string(pair.children().next().expect("path")),
                span,
            },
            Rule::lead_decl => Item::Lead {
                fields: self.fields(pair.children().next().expect("fields")),
                span,
            },
            Rule::event_decl => {
                let mut inner = pair.children();
                let name = self.ident(inner.next().expect("event name"));
                let fields = inner.next().map(|f| self.fields(f)).unwrap_or_default();
                Item::Event(EventDecl { name, fields, span })
            }
            Rule::let_decl => {
                let mut inner = pair.children();
                let name = self.ident(inner.next().expect("name"));
                let value = self.expr(inner.next().expect("value"));
                Item::Let(LetDecl { name, value, span })
            }
            Rule::score_derived => {
                let mut inner = pair.children();
                let name = self.ident(inner.next().expect("name"));
                let expr = self.expr(inner.next().expect("expr"));
                Item::Score(ScoreDecl {
                    name,
                    body: ScoreBody::Derived(expr),
                    span,
                })
            }
            Rule::score_block => {
                let mut inner = pair.children();
                let name = self.ident(inner.next().expect("name"));
                let mut rules = Vec::new();
                for p in inner {
                    if p.as_rule() == Rule::bad_rule {
                        self.reparse(&p, Rule::rule_only, "rule");
                    } else {
                        rules.push(self.rule(p));
                    }
                }
                Item::Score(ScoreDecl {
                    name,
                    body: ScoreBody::Rules(rules),
                    span,
                })
            }
            Rule::grade_decl => Item::Grade(self.grade(pair, span)),
            Rule::flag_decl => {
                let mut inner = pair.children();
                let name = self.ident(inner.next().expect("name"));
                let condition = self.expr(inner.next().expect("condition"));
                Item::Flag(FlagDecl {
                    name,
                    condition,
                    span,
                })
            }
            Rule::test_decl => Item::Test(self.test(pair, span)),
            other => unreachable!("item rule {other:?}"),
        }
    }

    fn fields(&mut self, pair: P) -> Vec<Field> {
        pair.children()
            .map(|field| {
                let mut inner = field.children();
                let name = self.ident(inner.next().expect("field name"));
                let ty = self.type_expr(inner.next().expect("field type"));
                Field { name, ty }
            })
            .collect()
    }

    fn type_expr(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.children();
        let name = self.ident(inner.next().expect("type name"));
        let param = inner.next().map(|p| Box::new(self.type_expr(p)));
        TypeExpr { name, param, span }
    }

    fn grade(&mut self, pair: P, span: Span) -> GradeDecl {
        let mut inner = pair.children();
        let score = self.ident(inner.next().expect("score"));
        let mut bands = Vec::new();
        for p in inner {
            if p.as_rule() == Rule::bad_rule {
                self.reparse(&p, Rule::band_only, "grade band");
                continue;
            }
            let band_span = self.span(&p);
            let mut band = Band {
                name: Ident {
                    text: String::new(),
                    span: band_span,
                },
                threshold: None,
                strict: false,
                condition: None,
                span: band_span,
            };
            for part in p.children() {
                match part.as_rule() {
                    Rule::band_name => band.name = self.band_name(part),
                    Rule::threshold => {
                        band.strict = !part.as_str().starts_with(">=");
                        band.threshold = Some(self.expr(only_child(part)));
                    }
                    Rule::band_if => band.condition = Some(self.expr(only_child(part))),
                    other => unreachable!("band part {other:?}"),
                }
            }
            bands.push(band);
        }
        GradeDecl { score, bands, span }
    }

    fn band_name(&mut self, pair: P) -> Ident {
        let inner = only_child(pair);
        if inner.as_rule() == Rule::string {
            let span = self.span(&inner);
            Ident {
                text: self.string(inner),
                span,
            }
        } else {
            self.ident(inner)
        }
    }

    // ------------------------------------------------------------ rules

    fn rule(&mut self, pair: P) -> Rule_ {
        let span = self.span_of_tokens(&pair);
        let which = pair.as_rule();
        let label = pair
            .clone()
            .children()
            .find(|p| p.as_rule() == Rule::label)
            .map(|p| self.label(p));
        let mut inner = pair.children().filter(|p| p.as_rule() != Rule::label);
        let kind = match which {
            Rule::on_rule => {
                let event = self.event_ref(inner.next().expect("event"));
                let mut filter = None;
                let mut unanswered = None;
                let mut points = None;
                let mut within = Vec::new();
                let mut max = Vec::new();
                let mut max_per = Vec::new();
                let mut distinct = Vec::new();
                let mut decay = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::where_clause => filter = Some(self.expr(only_child(p))),
                        Rule::unanswered => unanswered = Some(Box::new(self.unanswered(p))),
                        Rule::points => points = Some(self.points(p)),
                        Rule::within_opt => {
                            within.push(self.duration(only_child(p), DurationUse::Period))
                        }
                        Rule::max_opt => max.push(self.count(only_child(p))),
                        Rule::max_per_opt => {
                            let span = self.span(&p);
                            let mut parts = p.children();
                            let count = self.count(parts.next().expect("count"));
                            let per =
                                self.duration(parts.next().expect("per"), DurationUse::Period);
                            max_per.push(MaxPer { count, per, span });
                        }
                        Rule::distinct_opt => distinct.push(self.ident(only_child(p))),
                        Rule::percent_decay_opt => {
                            let span = self.span(&p);
                            let mut parts = p.children();
                            let percent = self.points(parts.next().expect("percent"));
                            let per =
                                self.duration(parts.next().expect("per"), DurationUse::Period);
                            decay.push(PercentDecay { percent, per, span });
                        }
                        other => unreachable!("on rule part {other:?}"),
                    }
                }
                RuleKind::On {
                    event,
                    filter,
                    unanswered,
                    points: points.expect("points"),
                    within,
                    max,
                    max_per,
                    distinct,
                    decay,
                }
            }
            Rule::when_rule => {
                let condition = self.expr(inner.next().expect("condition"));
                let points = self.points(inner.next().expect("points"));
                RuleKind::When { condition, points }
            }
            Rule::decay_rule => {
                let points = self.points(inner.next().expect("points"));
                let per = self.duration(inner.next().expect("per"), DurationUse::Period);
                let reset = inner.next().expect("reset");
                let reset = if reset.as_rule() == Rule::idle {
                    DecayReset::AnyEvent
                } else {
                    let mut inner = reset.children();
                    let event = self.event_ref(inner.next().expect("event"));
                    let filter = inner.next().map(|w| Box::new(self.expr(only_child(w))));
                    DecayReset::Event { event, filter }
                };
                let since = inner.next().map(|s| self.ident(only_child(only_child(s))));
                RuleKind::Decay {
                    points,
                    per,
                    reset,
                    since,
                }
            }
            Rule::clamp_rule => {
                let low = inner.next().expect("low");
                let high = inner.next().expect("high");
                let (low_span, high_span) = (self.span(&low), self.span(&high));
                RuleKind::Clamp {
                    low: (self.number_text(low.as_str(), low_span), low_span),
                    high: (self.number_text(high.as_str(), high_span), high_span),
                }
            }
            other => unreachable!("rule {other:?}"),
        };
        Rule_ { kind, span, label }
    }

    /// `label "TEXT"`.
    fn label(&mut self, pair: P) -> Label {
        let span = self.span(&pair);
        let string = only_child(pair);
        let string_span = self.span(&string);
        Label {
            text: self.string(string),
            span,
            string_span,
        }
    }

    /// The `without F [where Q] [same PROP] for D` of an `on` rule.
    fn unanswered(&mut self, pair: P) -> Unanswered {
        let span = self.span(&pair);
        let mut inner = pair.children();
        let event = self.event_ref(inner.next().expect("event"));
        let mut filter = None;
        let mut same = None;
        let mut wait = None;
        for p in inner {
            match p.as_rule() {
                Rule::where_clause => filter = Some(self.expr(only_child(p))),
                Rule::same_clause => same = Some(self.ident(only_child(p))),
                _ => wait = Some(self.duration(p, DurationUse::Period)),
            }
        }
        Unanswered {
            event,
            filter,
            same,
            wait: wait.expect("for D"),
            span,
        }
    }

    /// The `K` of `max K` or `max K per D`, with its place.
    fn count(&mut self, pair: P) -> (f64, Span) {
        let span = self.span(&pair);
        (self.number_text(pair.as_str(), span), span)
    }

    fn points(&mut self, pair: P) -> Points {
        let span = self.span(&pair);
        let text = pair.as_str();
        if !text.starts_with(['+', '-']) {
            self.error(
                Code::UnsignedPoints,
                "points need a sign",
                span,
                "this amount has no sign",
            )
            .help = Some(format!(
                "write `+{text}` to add points or `-{text}` to take them away"
            ));
        }
        Points {
            value: self.number_text(text, span),
            span,
        }
    }

    fn number_text(&mut self, text: &str, span: Span) -> f64 {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                let shown = if text.len() > 24 {
                    format!("{}…", &text[..24])
                } else {
                    text.to_string()
                };
                self.error(
                    Code::BadNumber,
                    format!("`{shown}` is too large to be a number"),
                    span,
                    "invalid number",
                )
                .help = Some("numbers in a model must fit a 64-bit float".into());
                0.0
            }
        }
    }

    fn duration(&mut self, pair: P, usage: DurationUse) -> Duration {
        let span = self.span(&pair);
        let text = pair.as_str();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(digits_end);
        let Some(size) = time::unit_micros(unit) else {
            let help = if matches!(
                unit,
                "mo" | "mon" | "month" | "months" | "y" | "yr" | "year" | "years"
            ) {
                "months and years have no fixed length: write days or weeks, like `30d` or `52w`"
            } else {
                "use s (seconds), m (minutes), h (hours), d (days) or w (weeks), like `30d`"
            };
            self.error(
                Code::BadDuration,
                format!("`{unit}` is not a duration unit"),
                span,
                "unknown unit",
            )
            .help = Some(help.to_string());
            return Duration {
                micros: time::SECOND,
                span,
            };
        };
        let count: i64 = digits.parse().unwrap_or(i64::MAX);
        let micros = count.saturating_mul(size);
        if count == 0 {
            self.error(
                Code::ZeroDuration,
                "a duration must be longer than zero",
                span,
                "zero length",
            )
            .help = Some(usage.zero_help().into());
        }
        Duration { micros, span }
    }

    fn time(&mut self, pair: &P) -> i64 {
        let span = self.span(pair);
        let text = &pair.as_str()[1..];
        match time::parse_timestamp(text) {
            Some(t) => t,
            None => {
                self.error(
                    Code::BadTime,
                    format!("`@{text}` is not a valid time"),
                    span,
                    "invalid time",
                )
                .help = Some(time::timestamp_hint(text).to_string());
                0
            }
        }
    }

    // ------------------------------------------------------------ tests

    fn test(&mut self, pair: P, span: Span) -> TestDecl {
        let mut inner = pair.children();
        let name = self.string(inner.next().expect("name"));
        let mut test = TestDecl {
            name,
            as_of: None,
            lead: None,
            events: Vec::new(),
            expects: Vec::new(),
            span,
            lead_span: None,
            events_span: None,
        };
        for p in inner {
            let stmt_span = self.span(&p);
            match p.as_rule() {
                Rule::bad_rule => self.reparse(&p, Rule::test_only, "test statement"),
                Rule::test_as_of => {
                    let t = only_child(p);
                    test.as_of = Some((self.time(&t), stmt_span));
                }
                Rule::test_lead => {
                    test.lead_span = Some(stmt_span);
                    test.lead = Some(self.record(only_child(p)));
                }
                Rule::test_events => {
                    test.events_span = Some(stmt_span);
                    for e in p.children() {
                        let event_span = self.span(&e);
                        let mut parts = e.children();
                        let ts = self.time(&parts.next().expect("ts"));
                        let event = self.ident(parts.next().expect("event"));
                        let fields = parts.next().map(|r| self.record(r)).unwrap_or_default();
                        test.events.push(TestEvent {
                            ts,
                            event,
                            fields,
                            span: event_span,
                        });
                    }
                }
                Rule::test_expect => {
                    let kind = self.expect(only_child(p));
                    test.expects.push(Expect {
                        kind,
                        span: stmt_span,
                    });
                }
                other => unreachable!("test part {other:?}"),
            }
        }
        test
    }

    fn expect(&mut self, pair: P) -> ExpectKind {
        let which = pair.as_rule();
        let text = pair.as_str().to_string();
        let mut inner = pair.children();
        match which {
            Rule::expect_score => {
                let score = self.ident(inner.next().expect("score"));
                let op = cmp_op(inner.next().expect("op").as_str());
                let n = inner.next().expect("value");
                let span = self.span(&n);
                let value = self.number_text(n.as_str(), span);
                ExpectKind::Score { score, op, value }
            }
            Rule::expect_grade => {
                let score = self.ident(inner.next().expect("score"));
                let band = self.band_name(inner.next().expect("band"));
                ExpectKind::Grade { score, band }
            }
            Rule::expect_flag => {
                let flag = self.ident(inner.next().expect("flag"));
                ExpectKind::Flag {
                    flag,
                    expected: !text.trim_start().starts_with("not"),
                }
            }
            other => unreachable!("expect {other:?}"),
        }
    }

    fn record(&mut self, pair: P) -> Vec<RecordField> {
        pair.children()
            .map(|field| {
                let span = self.span(&field);
                let mut inner = field.children();
                let name = self.ident(inner.next().expect("name"));
                let value = only_child(inner.next().expect("value"));
                let value = match value.as_rule() {
                    Rule::time_lit => Literal::Time(self.time(&value)),
                    Rule::duration => {
                        Literal::Duration(self.duration(value, DurationUse::Record).micros)
                    }
                    Rule::string => Literal::Str(self.string(value)),
                    Rule::bool_lit => Literal::Bool(value.as_str() == "true"),
                    _ => {
                        let span = self.span(&value);
                        Literal::Number(self.number_text(value.as_str(), span))
                    }
                };
                RecordField { name, value, span }
            })
            .collect()
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        if self.depth > MAX_EXPR_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.error(Code::TooDeep, "this expression nests too deeply", span, "too deep")
                    .help = Some(format!(
                    "split it into smaller parts (`let` constants, derived scores); at most {MAX_EXPR_DEPTH} levels are allowed"
                ));
            }
            return Expr {
                kind: ExprKind::Bool(false),
                span,
            };
        }
        // Count the levels that make a tree node (the grammar's precedence levels that
        // just pass an operand through do not).
        let level = match pair.as_rule() {
            Rule::paren | Rule::call | Rule::list | Rule::aggregate => 1,
            Rule::not_expr | Rule::unary => {
                let first = pair.clone().children().next().map(|p| p.as_rule());
                usize::from(matches!(first, Some(Rule::not_op | Rule::neg_op)))
            }
            _ => 0,
        };
        self.depth += level;
        let expr = self.expr_inner(pair, span);
        self.depth -= level;
        expr
    }

    fn expr_inner(&mut self, pair: P, span: Span) -> Expr {
        match pair.as_rule() {
            Rule::expr | Rule::paren => self.expr(only_child(pair)),
            Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr | Rule::cmp_expr => {
                self.binary_chain(pair)
            }
            Rule::not_expr => {
                let mut inner = pair.children();
                let first = inner.next().expect("operand");
                if first.as_rule() == Rule::not_op {
                    let operand = self.expr(inner.next().expect("operand"));
                    Expr {
                        kind: ExprKind::Not(Box::new(operand)),
                        span,
                    }
                } else {
                    self.expr(first)
                }
            }
            Rule::unary => {
                let mut inner = pair.children();
                let first = inner.next().expect("operand");
                if first.as_rule() == Rule::neg_op {
                    let operand = self.expr(inner.next().expect("operand"));
                    Expr {
                        kind: ExprKind::Neg(Box::new(operand)),
                        span,
                    }
                } else {
                    self.expr(first)
                }
            }
            _ => self.primary(pair, span),
        }
    }

    /// `a op b op c …`, folded to the left.
    fn binary_chain(&mut self, pair: P) -> Expr {
        // A chain `a + b + … + z` becomes a left-leaning tree as deep as it is long.
        let operators = pair.clone().children().count() / 2;
        self.depth += operators;
        let mut inner = pair.children();
        let mut lhs = self.expr(inner.next().expect("operand"));
        while let Some(op) = inner.next() {
            let op = binop(&op);
            let rhs = self.expr(inner.next().expect("operand"));
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        self.depth -= operators;
        lhs
    }

    fn primary(&mut self, pair: P, span: Span) -> Expr {
        let kind = match pair.as_rule() {
            Rule::number => ExprKind::Number(self.number_text(pair.as_str(), span)),
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::bool_lit => ExprKind::Bool(pair.as_str() == "true"),
            Rule::duration => {
                ExprKind::Duration(self.duration(pair, DurationUse::Expression).micros)
            }
            Rule::time_lit => ExprKind::Time(self.time(&pair)),
            Rule::list => ExprKind::List(pair.children().map(|p| self.expr(p)).collect()),
            Rule::ident => ExprKind::Name(self.ident(pair)),
            Rule::lead_ref => ExprKind::LeadField(self.ident(only_child(pair))),
            Rule::grade_ref => ExprKind::Grade(self.ident(only_child(pair))),
            Rule::call => {
                let mut inner = pair.children();
                let function = self.ident(inner.next().expect("function"));
                let args = inner.map(|p| self.expr(p)).collect();
                ExprKind::Call { function, args }
            }
            Rule::aggregate => {
                let mut inner = pair.children();
                let function = match inner.next().expect("function").as_str() {
                    "count" => AggFn::Count,
                    "sum" => AggFn::Sum,
                    "exists" => AggFn::Exists,
                    _ => AggFn::DaysSince,
                };
                let (target, mut property) = self.agg_target(inner.next().expect("event"));
                let mut filter = None;
                let mut within = None;
                let mut distinct = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::agg_prop => property = Some(self.ident(only_child(p))),
                        Rule::where_clause => filter = Some(Box::new(self.expr(only_child(p)))),
                        Rule::distinct_opt => distinct = Some(self.ident(only_child(p))),
                        _ => within = Some(self.duration(only_child(p), DurationUse::Period)),
                    }
                }
                ExprKind::Aggregate {
                    function,
                    target,
                    property,
                    filter,
                    within,
                    distinct,
                }
            }
            other => unreachable!("primary {other:?}"),
        };
        Expr { kind, span }
    }

    /// An event reference: a type, a group or a list. A list must name at least one
    /// type or group, and cannot hold another list (E0310).
    fn event_ref(&mut self, pair: P) -> EventRef {
        match pair.as_rule() {
            Rule::event_name => EventRef::Type(self.ident(pair)),
            Rule::event_group => EventRef::Group(self.ident(pair)),
            _ => {
                let span = self.span(&pair);
                let mut items = Vec::new();
                let mut nested = false;
                let entries = pair
                    .children()
                    .filter(|p| !matches!(p.as_rule(), Rule::list_comma | Rule::list_close));
                for p in entries {
                    if p.as_rule() == Rule::event_list {
                        nested = true;
                        let inner = self.span(&p);
                        self.error(
                            Code::BadEventList,
                            "a list of event types cannot hold another list",
                            inner,
                            "list inside a list",
                        )
                        .help = Some("write its types and groups in the outer list".into());
                    } else {
                        items.push(self.event_ref(p));
                    }
                }
                if items.is_empty() && !nested {
                    self.error(
                        Code::BadEventList,
                        "a list of event types must name at least one type",
                        span,
                        "empty list",
                    )
                    .help = Some("name types or groups, like `[email.open, page.*]`".into());
                }
                EventRef::List { items, span }
            }
        }
    }

    /// What an aggregate looks at, and the property written after a group
    /// (`page.*.seconds`); a property after a list comes as a separate `agg_prop`.
    fn agg_target(&mut self, pair: P) -> (EventRef, Option<Ident>) {
        if pair.as_rule() != Rule::group_target {
            return (self.event_ref(pair), None);
        }
        let mut inner = pair.children();
        let group = self.event_ref(inner.next().expect("group"));
        let property = inner.next().map(|p| self.ident(only_child(p)));
        (group, property)
    }

    fn ident(&mut self, pair: P) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// The value of a string literal: `\"`, `\\`, `\n` and `\t` are escapes; any other
    /// backslash is kept as written so regexes read naturally.
    fn string(&mut self, pair: P) -> String {
        let raw = pair.as_str();
        let body = &raw[1..raw.len() - 1];
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        out
    }
}

// The AST's rule type is named `Rule`, as is pest's; this alias keeps them apart here.
type Rule_ = super::ast::Rule;

fn only_child(pair: P) -> P {
    pair.children().next().expect("one child")
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_model
            | Rule::kw_import
            | Rule::kw_lead
            | Rule::kw_event
            | Rule::kw_let
            | Rule::kw_score
            | Rule::kw_on
            | Rule::kw_when
            | Rule::kw_where
            | Rule::kw_within
            | Rule::kw_max
            | Rule::kw_decay
            | Rule::kw_per
            | Rule::kw_idle
            | Rule::kw_without
            | Rule::kw_clamp
            | Rule::kw_grade
            | Rule::kw_if
            | Rule::kw_flag
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_matches
            | Rule::kw_test
            | Rule::kw_for
            | Rule::kw_same
            | Rule::kw_distinct
            | Rule::kw_by
            | Rule::kw_since
            | Rule::kw_label
    )
}

/// Keyword tokens are atomic rules (so `event` is not the start of `events`), which
/// makes pest report them as pairs; the AST builder never needs them.
trait Children<'i> {
    fn children(self) -> std::iter::Filter<pest::iterators::Pairs<'i, Rule>, fn(&P<'i>) -> bool>;
}

impl<'i> Children<'i> for P<'i> {
    fn children(self) -> std::iter::Filter<pest::iterators::Pairs<'i, Rule>, fn(&P<'i>) -> bool> {
        fn not_keyword(pair: &P) -> bool {
            !is_keyword(pair.as_rule())
        }
        self.into_inner().filter(not_keyword as fn(&P<'i>) -> bool)
    }
}

fn cmp_op(text: &str) -> CmpOp {
    match text {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

fn binop(pair: &P) -> BinOp {
    match pair.as_rule() {
        Rule::or_op => BinOp::Or,
        Rule::and_op => BinOp::And,
        Rule::in_op => BinOp::In,
        Rule::not_in_op => BinOp::NotIn,
        Rule::matches_op => BinOp::Matches,
        Rule::cmp_op => BinOp::Cmp(cmp_op(pair.as_str())),
        Rule::add_op if pair.as_str() == "+" => BinOp::Add,
        Rule::add_op => BinOp::Sub,
        Rule::mul_op if pair.as_str() == "*" => BinOp::Mul,
        _ => BinOp::Div,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_tokens_are_exactly_the_kw_rules() {
        for &rule in Rule::all_rules() {
            let is_kw_rule = format!("{rule:?}").starts_with("kw_");
            assert_eq!(is_keyword(rule), is_kw_rule, "{rule:?}");
        }
    }
}
