//! The checked model: every name resolved to an id, every expression typed,
//! constants folded. This is what lowering (`crate::plan`) consumes.

use crate::source::Span;
use crate::syntax::ast::BinOp;
use crate::vocab::{AggFn, Function, Value, ValueType};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Type {
    String,
    Int,
    Number,
    Bool,
    Time,
    Duration,
    List(Box<Type>),
    /// The type of an expression that already has an error: it matches anything, so
    /// one mistake is reported once.
    Error,
}

impl Type {
    /// The type of a field's values in records (fields are never lists).
    pub fn value_type(&self) -> ValueType {
        match self {
            Type::Int => ValueType::Int,
            Type::Number => ValueType::Number,
            Type::Bool => ValueType::Bool,
            Type::Time => ValueType::Time,
            Type::Duration => ValueType::Duration,
            Type::String | Type::List(_) | Type::Error => ValueType::String,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Number | Type::Error)
    }

    /// The type with its article, for messages: "an int", "a string".
    pub fn an(&self) -> String {
        let name = self.to_string();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }

    /// Whether values of the two types can be compared with `==`.
    pub fn compatible(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Error, _) | (_, Type::Error) => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Type::List(a), Type::List(b)) => a.compatible(b),
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int => f.write_str("int"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Time => f.write_str("time"),
            Type::Duration => f.write_str("duration"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Error => f.write_str("?"),
        }
    }
}

/// A constant value (literals and folded `let`s).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Const {
    Number(f64),
    Str(String),
    Bool(bool),
    Time(i64),
    Duration(i64),
    List(Vec<Const>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EventId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FieldId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PropId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ScoreId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FlagId(pub u32);

/// The event types a rule or aggregate names, resolved: one type (`email.open`), a group
/// (`social.*`) or a list (`[email.open, page.*]`). Made by the checker's
/// `resolve_events`; properties over it are found with its `set_prop`.
///
/// A `where` over the set and the property of `sum` number properties as its
/// [`first`](EventSet::first) type does: `TExprKind::Prop(id)` is that type's property
/// `id`, which every type of the set declares by the same name (the checker makes sure);
/// `Model::member_prop` finds its index in another type of the set.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSet {
    /// The declared types covered: never empty, ascending, each once (so an event listed
    /// twice, directly or through a group, still counts once).
    pub types: Vec<EventId>,
    /// The reference as the model writes it, in canonical form (for listings).
    pub text: String,
}

impl EventSet {
    /// The type whose property indices the set's `where` and `sum` use.
    pub fn first(&self) -> EventId {
        self.types[0]
    }

    /// Whether the set was written as one type's name (not a group or list).
    pub fn is_single_type(&self) -> bool {
        !self.text.contains(['*', '['])
    }
}

/// A set written as one type serializes as that type's id, as checked models did before
/// groups existed; groups and lists as their types and text.
impl Serialize for EventSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if self.is_single_type() {
            return self.first().serialize(serializer);
        }
        let mut set = serializer.serialize_struct("EventSet", 2)?;
        set.serialize_field("types", &self.types)?;
        set.serialize_field("text", &self.text)?;
        set.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDef {
    pub name: String,
    pub props: Vec<FieldDef>,
    #[serde(skip)]
    pub span: Span,
}

/// A checked model: every name resolved, every expression typed, constants folded.
/// Compile it into a [`Plan`](crate::Plan) to score leads, or run its tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub(crate) name: String,
    /// SHA-256 of every source file read, in order (hex).
    pub(crate) source_hash: String,
    pub(crate) lead_fields: Vec<FieldDef>,
    pub(crate) events: Vec<EventDef>,
    /// In declaration order (the order of output columns).
    pub(crate) scores: Vec<ScoreDef>,
    pub(crate) flags: Vec<FlagDef>,
    pub(crate) grades: Vec<GradeDef>,
    /// Scores and flags in an order where everything comes after what it uses.
    pub(crate) order: Vec<Node>,
    /// The test blocks of the main file.
    pub(crate) tests: Vec<TestDef>,
}

impl Model {
    /// The model's name (its `model` declaration, or the main file's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many `test` blocks the main file has.
    pub fn test_count(&self) -> usize {
        self.tests.len()
    }

    /// The index in `event`'s properties of the property `prop` of `set` (numbered as
    /// the set's first type numbers them; see [`EventSet`]). `event` is one of the set's
    /// types, which the checker has made sure declares the property.
    pub(crate) fn member_prop(&self, set: &EventSet, prop: PropId, event: EventId) -> PropId {
        if event == set.first() {
            return prop;
        }
        let name = &self.events[set.first().0 as usize].props[prop.0 as usize].name;
        let index = self.events[event.0 as usize]
            .props
            .iter()
            .position(|p| &p.name == name)
            .expect("every type of a set declares its properties");
        PropId(index as u32)
    }
}

/// A `test` block: a lead, its events, a time, and what the results must be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDef {
    pub name: String,
    pub as_of: i64,
    pub lead: Vec<(FieldId, Value)>,
    pub events: Vec<TestEventDef>,
    pub expects: Vec<ExpectDef>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestEventDef {
    pub event: EventId,
    pub ts: i64,
    pub props: Vec<(PropId, Value)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectDef {
    pub kind: Expectation,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expectation {
    Score {
        score: ScoreId,
        op: crate::vocab::CmpOp,
        value: f64,
    },
    Grade {
        score: ScoreId,
        band: String,
    },
    Flag {
        flag: FlagId,
        expected: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Node {
    Score(ScoreId),
    Flag(FlagId),
    /// The grade of a score: chosen after the score and what its bands' `if` use.
    Grade(ScoreId),
}

/// Where a rule or declaration came from, for explanations and disassembly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Origin {
    #[serde(skip)]
    pub span: Span,
    pub file: String,
    pub line: usize,
    /// The source text, with runs of blanks folded to one space.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreDef {
    pub name: String,
    pub body: ScoreBody,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ScoreBody {
    Rules {
        rules: Vec<RuleDef>,
        clamp: Option<Clamp>,
    },
    Derived(TExpr),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clamp {
    pub low: f64,
    pub high: f64,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDef {
    pub kind: RuleKind,
    /// The rule's source (without its label).
    pub origin: Origin,
    /// `label "TEXT"`: shown beside the source in explanations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleKind {
    On {
        event: EventSet,
        filter: Option<TExpr>,
        points: f64,
        within: Option<i64>,
        max: Option<u32>,
        /// The options of Language 1.1 (section 11.3); `None` for a v1 rule, which is
        /// only a count.
        #[serde(skip_serializing_if = "Option::is_none")]
        pipeline: Option<Box<Pipeline>>,
    },
    When {
        condition: TExpr,
        points: f64,
    },
    Decay {
        points: f64,
        per: i64,
        /// `None` for `idle` (any declared event resets it).
        reset: Option<EventMatch>,
        /// `since lead.FIELD` (a `time` field): the lead's own time resets it too.
        #[serde(skip_serializing_if = "Option::is_none")]
        since: Option<FieldId>,
    },
}

/// What an `on` rule does beyond counting (section 11.3), in the order it is applied
/// after matching and `within`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    /// `without F [where Q] [same PROP] for D`.
    pub unanswered: Option<Unanswered>,
    /// `distinct by PROP` (a property of E).
    pub distinct: Option<PropId>,
    /// `max K per D`: (K, D).
    pub max_per: Option<(u32, i64)>,
    /// `decay -PCT% per D`: (PCT, D), PCT in (0, 100].
    pub decay: Option<(f64, i64)>,
}

/// A non-response clause: events of F that answer an event of E within `wait`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unanswered {
    pub answer: EventMatch,
    /// `same PROP`: the property on E and on F.
    pub same: Option<(PropId, PropId)>,
    pub wait: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventMatch {
    pub event: EventSet,
    pub filter: Option<TExpr>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagDef {
    pub name: String,
    pub condition: TExpr,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeDef {
    pub score: ScoreId,
    pub bands: Vec<BandDef>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandDef {
    pub name: String,
    pub threshold: Option<f64>,
    /// `> N` rather than `>= N`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    pub condition: Option<TExpr>,
    pub origin: Origin,
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Type,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TExprKind {
    Const(Const),
    LeadField(FieldId),
    /// A property of the event a `where` clause is looking at.
    Prop(PropId),
    Score(ScoreId),
    Flag(FlagId),
    /// `grade(SCORE)`: the name of the band the lead gets from the score's grade.
    Grade(ScoreId),
    Neg(Box<TExpr>),
    Not(Box<TExpr>),
    Binary {
        op: BinOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    Call {
        function: Function,
        args: Vec<TExpr>,
    },
    Aggregate(Box<Aggregate>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub function: AggFn,
    pub event: EventSet,
    /// The summed property (for `sum`), numbered as the set's first type numbers it.
    pub prop: Option<PropId>,
    pub filter: Option<TExpr>,
    pub within: Option<i64>,
    /// `count(… distinct by PROP)`: count distinct present values instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct: Option<PropId>,
}

/// The checker's view of a built-in function: its parameter and result types.
pub(crate) trait Signature {
    /// Parameter types and result type. `has`, `least` and `greatest` are special-cased
    /// by the checker.
    fn signature(self) -> (&'static [Type], Type);
}

impl Signature for Function {
    fn signature(self) -> (&'static [Type], Type) {
        const S: Type = Type::String;
        const N: Type = Type::Number;
        match self {
            Function::StartsWith | Function::EndsWith | Function::Contains => (&[S, S], Type::Bool),
            Function::Lower | Function::Upper | Function::Trim | Function::Domain => (&[S], S),
            Function::Length => (&[S], Type::Int),
            Function::Has => (&[Type::Error], Type::Bool),
            Function::Abs | Function::Round | Function::Floor | Function::Ceil => (&[N], N),
            Function::Now => (&[], Type::Time),
            // Two or more numbers: the checker takes any number of arguments past these.
            Function::Least | Function::Greatest => (&[N, N], N),
        }
    }
}
