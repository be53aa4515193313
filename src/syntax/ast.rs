//! The abstract syntax tree of one `.score` file. Every node carries its [`Span`].
//! Nothing here is resolved or type-checked yet: see `crate::check`.

use crate::source::Span;
pub use crate::vocab::{AggFn, CmpOp};
use serde::Serialize;

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Model { name: String, span: Span },
    Import { path: String, span: Span },
    Lead { fields: Vec<Field>, span: Span },
    Event(EventDecl),
    Let(LetDecl),
    Score(ScoreDecl),
    Grade(GradeDecl),
    Flag(FlagDecl),
    Test(TestDecl),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
}

/// A type as written: `string`, `int`, `list<string>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeExpr {
    pub name: Ident,
    pub param: Option<Box<TypeExpr>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDecl {
    pub name: Ident,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreDecl {
    pub name: Ident,
    pub body: ScoreBody,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ScoreBody {
    Rules(Vec<Rule>),
    Derived(Expr),
}

/// A signed amount of points, as written (`+15`, `-7.5`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Points {
    pub value: f64,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Duration {
    pub micros: i64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub kind: RuleKind,
    pub span: Span,
    /// `label "TEXT"` at the end of an `on`, `when` or `decay` rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

/// A rule's `label "TEXT"`: what explanations show beside the rule's source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// The string's value.
    pub text: String,
    /// The whole `label "TEXT"`.
    pub span: Span,
    /// The string literal as written.
    pub string_span: Span,
}

/// The event types a rule or aggregate names: one type, a group or a list of them.
///
/// Serialized without a tag, so a single type serializes as the [`Ident`] it was before
/// groups existed (a group's text ends in `.*`, a list is a sequence).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventRef {
    /// One event type: `email.open`.
    Type(Ident),
    /// `prefix.*`: every declared type whose name starts with `prefix.`. The text is as
    /// written, `.*` included.
    Group(Ident),
    /// `[email.open, page.*]`: the union of its entries (which the parser has checked
    /// are types and groups, at least one).
    List { items: Vec<EventRef>, span: Span },
}

impl EventRef {
    pub fn span(&self) -> Span {
        match self {
            EventRef::Type(name) | EventRef::Group(name) => name.span,
            EventRef::List { span, .. } => *span,
        }
    }
}

/// The canonical text: `email.open`, `social.*`, `[email.open, page.*]`.
impl std::fmt::Display for EventRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventRef::Type(name) | EventRef::Group(name) => f.write_str(&name.text),
            EventRef::List { items, .. } => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleKind {
    On {
        event: EventRef,
        filter: Option<Expr>,
        /// `without F [where Q] [same PROP] for D` (a non-response rule).
        #[serde(skip_serializing_if = "Option::is_none")]
        unanswered: Option<Box<Unanswered>>,
        points: Points,
        within: Vec<Duration>,
        max: Vec<(f64, Span)>,
        /// `max K per D` (each option is a list so a repeat can be reported).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        max_per: Vec<MaxPer>,
        /// `distinct by PROP`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        distinct: Vec<Ident>,
        /// `decay -PCT% per D`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        decay: Vec<PercentDecay>,
    },
    When {
        condition: Expr,
        points: Points,
    },
    Decay {
        points: Points,
        per: Duration,
        reset: DecayReset,
        /// `since lead.FIELD`: the lead's own time also starts the idle clock.
        #[serde(skip_serializing_if = "Option::is_none")]
        since: Option<Ident>,
    },
    Clamp {
        low: (f64, Span),
        high: (f64, Span),
    },
}

/// The `without F [where Q] [same PROP] for D` of a non-response `on` rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unanswered {
    pub event: EventRef,
    pub filter: Option<Expr>,
    pub same: Option<Ident>,
    pub wait: Duration,
    pub span: Span,
}

/// `max K per D` of an `on` rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MaxPer {
    pub count: (f64, Span),
    pub per: Duration,
    pub span: Span,
}

/// `decay -PCT% per D` of an `on` rule: `percent` is the signed amount as written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PercentDecay {
    pub percent: Points,
    pub per: Duration,
    pub span: Span,
}

/// What resets a decay's idle clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DecayReset {
    /// Any event of a declared type (`idle`).
    AnyEvent,
    /// A matching event of the types named (`without E [where P]`).
    Event {
        event: EventRef,
        /// Boxed: most decays have none, and an expression is large.
        filter: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeDecl {
    pub score: Ident,
    pub bands: Vec<Band>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub name: Ident,
    pub threshold: Option<Expr>,
    /// Whether the threshold is `> N` (the score must be above N) rather than `>= N`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagDecl {
    pub name: Ident,
    pub condition: Expr,
    pub span: Span,
}

/// A `test "…" { … }` block: a lead, its events, an as-of time and expectations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDecl {
    pub name: String,
    pub as_of: Option<(i64, Span)>,
    pub lead: Option<Vec<RecordField>>,
    pub events: Vec<TestEvent>,
    pub expects: Vec<Expect>,
    pub span: Span,
    /// Where the `lead { … }` and `events { … }` statements are (for the formatter).
    pub lead_span: Option<Span>,
    pub events_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordField {
    pub name: Ident,
    pub value: Literal,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    Number(f64),
    Str(String),
    Bool(bool),
    Time(i64),
    Duration(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestEvent {
    pub ts: i64,
    pub event: Ident,
    pub fields: Vec<RecordField>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expect {
    pub kind: ExpectKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExpectKind {
    Score { score: Ident, op: CmpOp, value: f64 },
    Grade { score: Ident, band: Ident },
    Flag { flag: Ident, expected: bool },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Number(f64),
    Str(String),
    Bool(bool),
    /// Seconds.
    Duration(i64),
    /// Seconds since the Unix epoch, UTC.
    Time(i64),
    List(Vec<Expr>),
    /// A bare name: a constant, a score, a flag, or (inside `where`) an event property.
    Name(Ident),
    /// `lead.field`
    LeadField(Ident),
    /// `grade(SCORE)`: the band the lead gets from SCORE's grade.
    Grade(Ident),
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    Aggregate {
        function: AggFn,
        /// The events (for `sum` of one type, the type and property in one dotted name:
        /// `page.view.seconds`).
        target: EventRef,
        /// The property written after a group or list (`sum(page.*.seconds)`).
        #[serde(skip_serializing_if = "Option::is_none")]
        property: Option<Ident>,
        filter: Option<Box<Expr>>,
        within: Option<Duration>,
        /// `distinct by PROP` (only `count` takes it; the checker says so).
        #[serde(skip_serializing_if = "Option::is_none")]
        distinct: Option<Ident>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Or,
    And,
    Cmp(CmpOp),
    In,
    NotIn,
    Matches,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    /// Binding strength, loosest first, as in the grammar (`not` binds at 3, between
    /// `and` and the comparisons; unary minus at 7): what printers need to decide where
    /// parentheses go.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Cmp(_) | BinOp::In | BinOp::NotIn | BinOp::Matches => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Cmp(op) => op.symbol(),
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Matches => "matches",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}
