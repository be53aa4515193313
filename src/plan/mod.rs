//! Stage 3: the scoring plan, a self-contained program for the interpreter.
//!
//! A plan is data: interned lead fields, event types and properties; a table of
//! per-lead accumulators ("slots") that events update as they stream past; bytecode for
//! every condition and expression, with a constant pool; and score, flag and grade
//! sections that read the slots. Nothing of the source or the AST is needed to run it.
//!
//! On disk a plan is `LEADPLAN` + a little-endian u32 format version + a postcard
//! payload (`format.rs`), made of the plan's own types only: the instruction set is in
//! `op.rs`. Loading checks the magic and version and then verifies every index, jump and
//! number (a plan may come from another machine).

mod disasm;
mod format;
mod lower;
mod op;
mod text;
mod verify;

pub use disasm::disassemble;
pub use format::FORMAT_VERSION;
pub use lower::lower;
pub use op::{Cmp, Func, Op, SlotRead};

use crate::diagnostics::Code;
use serde::{Deserialize, Serialize};

pub use crate::vocab::ValueType;

/// The deepest evaluation stack a chunk may need; deeper plans are rejected on load.
/// (The checker's expression depth limit keeps every model well below it.)
pub const MAX_STACK: usize = 256;

crate::internal_fields! {
    /// A compiled model: a self-contained, verified program for the interpreter, portable
    /// as bytes ([`Plan::to_bytes`], [`Plan::from_bytes`]) or JSON. Its insides are not an
    /// API: read it through its accessors.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Plan {
        format_version: u32,
        model: String,
        /// SHA-256 of the model's source files (hex).
        source_hash: String,
        lead_fields: Vec<FieldDecl>,
        events: Vec<EventDecl>,
        constants: Vec<Constant>,
        /// `matches` patterns, compiled when the plan is loaded.
        regexes: Vec<String>,
        /// Bytecode of every expression, back to back; see [`Chunk`].
        code: Vec<Op>,
        chunks: Vec<Chunk>,
        /// Per-lead accumulators.
        slots: Vec<Slot>,
        scores: Vec<ScorePlan>,
        flags: Vec<FlagPlan>,
        grades: Vec<GradePlan>,
        /// Scores, flags and grades in evaluation order (each after what it uses).
        order: Vec<NodeRef>,
        /// Source positions: rules, chunks and declarations point here.
        origins: Vec<Origin>,
    }
}

impl Plan {
    /// Compiles a checked model (see [`check_source`](crate::check_source)).
    pub fn from_model(model: &crate::check::Model) -> Plan {
        lower(model)
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.model
    }

    /// The plan format version it was written in (always [`FORMAT_VERSION`] once loaded).
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// SHA-256 (hex) of the model's source files: the same source gives the same hash.
    pub fn source_hash(&self) -> &str {
        &self.source_hash
    }

    /// The lead fields the model declares, in declaration order.
    pub fn lead_fields(&self) -> &[FieldDecl] {
        &self.lead_fields
    }

    /// The event types the model declares, with their properties.
    pub fn event_types(&self) -> &[EventDecl] {
        &self.events
    }

    /// The scores, in output order.
    pub fn score_names(&self) -> impl Iterator<Item = &str> {
        self.scores.iter().map(|s| s.name.as_str())
    }

    /// The scores that have a grade, each with its band names from the highest band down.
    pub fn grades(&self) -> impl Iterator<Item = (&str, Vec<&str>)> {
        self.grades.iter().map(|g| {
            let bands = g.bands.iter().map(|b| b.name.as_str()).collect();
            (self.scores[g.score as usize].name.as_str(), bands)
        })
    }

    /// The flags, in output order.
    pub fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|f| f.name.as_str())
    }

    /// A readable listing of the plan, each block tied to its source line
    /// (`leadscore plan show`).
    pub fn disassemble(&self) -> String {
        disassemble(self)
    }
}

/// A lead field or event property the model declares: its name and type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldDecl {
    /// The name as declared.
    pub name: String,
    /// The declared type.
    /// Written in the plan's own encoding (`format::FieldType`), not the vocabulary's.
    #[serde(with = "format::field_type")]
    pub ty: ValueType,
}

/// An event type the model declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventDecl {
    /// The type's name, like `email.click`.
    pub name: String,
    /// Its properties, in declaration order.
    pub props: Vec<FieldDecl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Constant {
    Number(f64),
    Str(String),
    Bool(bool),
    Time(i64),
    Duration(i64),
    List(Vec<Constant>),
}

/// Where a piece of the plan came from in the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub file: String,
    pub line: u32,
    pub text: String,
}

pub type OriginId = u32;
pub type ChunkId = u32;
pub type SlotId = u32;

/// One expression's bytecode: `code[start .. start + len]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub start: u32,
    pub len: u32,
    /// Whether the expression reads event properties (so it runs per event).
    pub per_event: bool,
    pub origin: OriginId,
}

/// A per-lead accumulator: what each matching event does to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// The event types that feed it, in ascending order, each once (a group or list
    /// feeds one slot from several types, and each event counts once); `None` for every
    /// declared type (`decay … idle`).
    pub events: Option<Vec<SlotEvent>>,
    /// Only events at most this many microseconds before the as-of time count.
    pub within: Option<i64>,
    pub kind: SlotKind,
    /// The events as the model names them (`email.open`, `social.*`,
    /// `[email.open, page.*]`), for listings; empty for `idle`.
    pub source: String,
}

impl Slot {
    /// Whether the slot keeps each event's `same PROP` value (an events slot of a
    /// non-response rule with `same`, or of its answers).
    pub fn pairs(&self) -> bool {
        self.events.iter().flatten().any(|m| m.pair.is_some())
    }

    /// Whether the slot keeps each event's `distinct by PROP` value.
    pub fn distinct_by(&self) -> bool {
        self.events.iter().flatten().any(|m| m.distinct.is_some())
    }
}

/// One event type feeding a slot, with its own filter and property: property indices
/// differ from type to type, so a `where` over a group is lowered once per type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotEvent {
    pub event: u32,
    /// A per-event condition (`where`), reading this type's properties.
    pub filter: Option<ChunkId>,
    /// The property a `sum` slot adds up, by this type's index (`None` for other kinds).
    pub prop: Option<u32>,
    /// In a [`SlotKind::Events`] slot, the property whose value pairs events with
    /// answers (`same PROP`), by this type's index: every member has one or none does.
    pub pair: Option<u32>,
    /// In a [`SlotKind::Events`] slot, the property of `distinct by PROP`, by this type's
    /// index: every member has one or none does.
    pub distinct: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotKind {
    /// Number of matching events.
    Count,
    /// Sum of a numeric property ([`SlotEvent::prop`]) over matching events (events
    /// lacking it are skipped).
    Sum,
    /// Time of the newest matching event.
    Latest,
    /// The matching events themselves, for `on` rules with the options of section 11.3
    /// and `count(… distinct by)`: each one's time, the values of its type's properties
    /// [`SlotEvent::pair`] (of `same PROP`) and [`SlotEvent::distinct`] (of `distinct by
    /// PROP`), and, when the slot `answered_by` holds the answers of a non-response rule,
    /// whether the event is one of them itself. `keep` says which events can be
    /// forgotten as others arrive.
    Events {
        answered_by: Option<SlotId>,
        keep: Keep,
    },
}

/// Which of a slot's events can be forgotten without changing a result (see
/// [`SlotKind::Events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Keep {
    /// Every event is needed.
    All,
    /// Only the newest event of each present value of the `distinct` property (events
    /// lacking it are never needed).
    NewestPerValue,
    /// With `per: Some((K, D))`, only the K newest of each period of D counted back from
    /// the as-of time; with `max: Some(K)`, only the K newest (of those).
    Newest {
        per: Option<(u32, i64)>,
        max: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorePlan {
    pub name: String,
    pub body: ScoreBody,
    pub origin: OriginId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScoreBody {
    Rules {
        rules: Vec<RulePlan>,
        clamp: Option<ClampPlan>,
    },
    Derived {
        expr: ChunkId,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClampPlan {
    pub low: f64,
    pub high: f64,
    pub origin: OriginId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulePlan {
    pub points: f64,
    pub kind: RuleKind,
    pub origin: OriginId,
    /// The rule's `label`, shown beside its source in explanations.
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleKind {
    /// `on E …`: points × min(count, max).
    On { slot: SlotId, max: Option<u32> },
    /// `when C`: points if the condition holds.
    When { condition: ChunkId },
    /// `decay`: points × whole periods since the newest event in `slot`, or the lead's
    /// `since` field (a `time`) when that is later; nothing when the later is after T.
    Decay {
        slot: SlotId,
        per: i64,
        since: Option<u32>,
    },
    /// `on E …` with the options of section 11.3: points for each event of `slot`
    /// (a [`SlotKind::Events`] slot) the pipeline keeps, faded by its `decay`.
    Kept {
        slot: SlotId,
        pipeline: PipelinePlan,
    },
}

/// The steps of an `on` rule after matching and `within`, applied in this order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PipelinePlan {
    /// `without F … for D`: the slot of F's events and D.
    pub unanswered: Option<UnansweredPlan>,
    /// `distinct by`: keep the newest event of each value of the slot's `distinct`.
    pub distinct: bool,
    /// `max K per D`: (K, D).
    pub max_per: Option<(u32, i64)>,
    /// `max K`.
    pub max: Option<u32>,
    /// `decay -PCT% per D`: (PCT, D).
    pub decay: Option<(f64, i64)>,
}

impl PipelinePlan {
    /// Which events the rule's slot may forget as others arrive: none while answers may
    /// still come; otherwise those the first step after `within` would drop anyway.
    pub fn keep(&self) -> Keep {
        if self.unanswered.is_some() {
            Keep::All
        } else if self.distinct {
            Keep::NewestPerValue
        } else if self.max_per.is_some() || self.max.is_some() {
            Keep::Newest {
                per: self.max_per,
                max: self.max,
            }
        } else {
            Keep::All
        }
    }
}

/// The answers of a non-response rule: the slot of F's events and the wait D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnansweredPlan {
    pub slot: SlotId,
    pub wait: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagPlan {
    pub name: String,
    pub condition: ChunkId,
    pub origin: OriginId,
    /// The condition taken apart, for explanations: in pre-order (a part before its
    /// operands, each part's operands in source order), the whole condition first.
    /// Running them is never needed for the flag's value, only to say why it is set.
    pub parts: Vec<PartPlan>,
}

/// One part of a flag's condition (see [`FlagPlan::parts`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartPlan {
    /// The part this one is an operand of: an earlier part, or `None` for the whole
    /// condition. (Parts refer to their parent rather than nest, so a plan's bytes cannot
    /// make loading recurse deeply.)
    pub parent: Option<u32>,
    pub kind: PartKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PartKind {
    /// `a and b and …`: holds when every operand holds.
    All,
    /// `a or b or …`: holds when an operand holds.
    Any,
    /// `not (…)` of an `and` or `or`: holds when its one operand does not.
    Not,
    /// Any other condition (a comparison, a call, a flag…): its chunk, whose origin's
    /// text is the condition's, and a chunk for each value it tests that is not a
    /// constant (whose origins' texts are the values'), in source order.
    Test {
        condition: ChunkId,
        values: Vec<ChunkId>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradePlan {
    pub score: u32,
    pub bands: Vec<BandPlan>,
    pub origin: OriginId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandPlan {
    pub name: String,
    pub threshold: Option<f64>,
    /// `> threshold` rather than `>= threshold`.
    pub strict: bool,
    pub condition: Option<ChunkId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeRef {
    Score(u32),
    Flag(u32),
    /// A grade, by its index in the plan's grades.
    Grade(u32),
}

/// Why a plan could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("this is not a leadscore plan (it does not start with `LEADPLAN`)")]
    /// The bytes are not a plan at all.
    NotAPlan,
    /// The plan was written in another format version.
    #[error("this plan has format version {found}, but this leadscore reads version {FORMAT_VERSION}: compile the model again with this version")]
    Version {
        /// The version the plan was written in.
        found: u32,
    },
    #[error("the plan is damaged: {0}")]
    /// The plan cannot be decoded (cut short, changed, or not what it claims to be).
    Corrupt(String),
    #[error("the plan is inconsistent: {0}")]
    /// The plan decodes but does not hold together (an index out of range, say).
    Invalid(String),
}

impl PlanError {
    /// The error's stable code (`E07xx`, documented in `docs/diagnostics.md`).
    pub fn code(&self) -> Code {
        match self {
            PlanError::NotAPlan => Code::NotAPlan,
            PlanError::Version { .. } => Code::PlanVersion,
            PlanError::Corrupt(_) => Code::CorruptPlan,
            PlanError::Invalid(_) => Code::InvalidPlan,
        }
    }
}

impl Plan {
    /// Checks that the plan is consistent (done by [`Plan::from_bytes`]; call it on a
    /// plan built or changed by hand).
    pub fn verify(&self) -> Result<(), PlanError> {
        verify::verify(self)
    }

    /// The most values a (verified) chunk has on the stack at once.
    pub fn stack_depth(&self, chunk: ChunkId) -> usize {
        let mut depth = 0i64;
        let mut deepest = 0i64;
        for op in self.chunk_code(chunk) {
            let (pops, pushes) = op.stack_effect();
            depth += pushes - pops;
            deepest = deepest.max(depth + pops.min(1));
        }
        deepest.max(1) as usize
    }

    pub(crate) fn chunk_code(&self, chunk: ChunkId) -> &[Op] {
        let c = &self.chunks[chunk as usize];
        &self.code[c.start as usize..(c.start + c.len) as usize]
    }

    pub(crate) fn event_index(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }
}
