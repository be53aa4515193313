//! Stage 3: the scoring plan, a self-contained program for the interpreter.
//!
//! A plan is data: interned lead fields, event types and properties; a table of
//! per-lead accumulators ("slots") that events update as they stream past; bytecode for
//! every condition and expression, with a constant pool; and score, flag and grade
//! sections that read the slots. Nothing of the source or the AST is needed to run it.
//!
//! On disk a plan is `LEADPLAN` + a little-endian u32 format version + a postcard
//! payload. Loading checks the magic and version and then verifies every index and
//! jump (a plan may come from another machine).

mod disasm;
mod lower;
mod verify;

pub use disasm::disassemble;
pub use lower::lower;

use crate::vocab::{AggFn, CmpOp, Function};
use serde::{Deserialize, Serialize};

pub use crate::vocab::ValueType;

/// The plan format this build writes and reads. Bump it whenever `Plan` changes shape.
pub const FORMAT_VERSION: u32 = 2;
/// The deepest evaluation stack a chunk may need; deeper plans are rejected on load.
/// (The checker's expression depth limit keeps every model well below it.)
pub const MAX_STACK: usize = 256;
const MAGIC: &[u8; 8] = b"LEADPLAN";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub model: String,
    /// SHA-256 of the model's source files (hex).
    pub source_hash: String,
    pub lead_fields: Vec<FieldDecl>,
    pub events: Vec<EventDecl>,
    pub constants: Vec<Constant>,
    /// `matches` patterns, compiled when the plan is loaded.
    pub regexes: Vec<String>,
    /// Bytecode of every expression, back to back; see [`Chunk`].
    pub code: Vec<Op>,
    pub chunks: Vec<Chunk>,
    /// Per-lead accumulators.
    pub slots: Vec<Slot>,
    pub scores: Vec<ScorePlan>,
    pub flags: Vec<FlagPlan>,
    pub grades: Vec<GradePlan>,
    /// Scores and flags in evaluation order (each after what it uses).
    pub order: Vec<NodeRef>,
    /// Source positions: rules, chunks and declarations point here.
    pub origins: Vec<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDecl {
    pub name: String,
    pub ty: ValueType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDecl {
    pub name: String,
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

/// A stack-machine instruction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Push a constant (not a list: lists are only operands of `In`).
    Const(u32),
    /// Push a lead field (absent if the lead lacks it).
    LeadField(u32),
    /// Push a property of the current event.
    Prop(u32),
    /// Push an aggregate read from a slot.
    Slot(SlotId, SlotRead),
    Score(u32),
    Flag(u32),
    /// Push the as-of time.
    Now,
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    Cmp(CmpOp),
    /// Pop a value; push whether it is in constant list `n` (`NotIn`: is not in it).
    In(u32),
    NotIn(u32),
    /// Pop a string; push whether regex `n` matches it.
    Matches(u32),
    Call(Function),
    /// `and`: if the top is false (or absent), jump to the target keeping `false`;
    /// otherwise pop it and go on with the right-hand side.
    AndJump(u32),
    /// `or`: the mirror of `AndJump`.
    OrJump(u32),
    /// Replace an absent top with 0 (derived scores count absent values as 0).
    OrZero,
}

impl Op {
    /// How many values the instruction pops and pushes (for `AndJump`/`OrJump`: when
    /// it falls through).
    pub fn stack_effect(&self) -> (i64, i64) {
        match self {
            Op::Const(_)
            | Op::LeadField(_)
            | Op::Prop(_)
            | Op::Slot(..)
            | Op::Score(_)
            | Op::Flag(_)
            | Op::Now => (0, 1),
            Op::Neg | Op::Not | Op::OrZero | Op::In(_) | Op::NotIn(_) | Op::Matches(_) => (1, 1),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Cmp(_) => (2, 1),
            Op::Call(f) => (f.arity() as i64, 1),
            Op::AndJump(_) | Op::OrJump(_) => (1, 0),
        }
    }
}

/// How an aggregate reads a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotRead {
    Count,
    Sum,
    Exists,
    DaysSince,
}

impl From<AggFn> for SlotRead {
    fn from(f: AggFn) -> Self {
        match f {
            AggFn::Count => SlotRead::Count,
            AggFn::Sum => SlotRead::Sum,
            AggFn::Exists => SlotRead::Exists,
            AggFn::DaysSince => SlotRead::DaysSince,
        }
    }
}

/// A per-lead accumulator: what each matching event does to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// The event type that feeds it; `None` for every declared type (`decay … idle`).
    pub event: Option<u32>,
    /// A per-event condition (`where`).
    pub filter: Option<ChunkId>,
    /// Only events at most this many microseconds before the as-of time count.
    pub within: Option<i64>,
    pub kind: SlotKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotKind {
    /// Number of matching events.
    Count,
    /// Sum of a numeric property over matching events (events lacking it are skipped).
    Sum { prop: u32 },
    /// Time of the newest matching event.
    Latest,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleKind {
    /// `on E …`: points × min(count, max).
    On { slot: SlotId, max: Option<u32> },
    /// `when C`: points if the condition holds.
    When { condition: ChunkId },
    /// `decay`: points × whole periods since the newest event in `slot`.
    Decay { slot: SlotId, per: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagPlan {
    pub name: String,
    pub condition: ChunkId,
    pub origin: OriginId,
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
    pub condition: Option<ChunkId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeRef {
    Score(u32),
    Flag(u32),
}

/// Why a plan could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("this is not a leadscore plan (it does not start with `LEADPLAN`)")]
    NotAPlan,
    #[error("this plan has format version {found}, but this leadscore reads version {FORMAT_VERSION}: compile the model again with this version")]
    Version { found: u32 },
    #[error("the plan is damaged: {0}")]
    Corrupt(String),
    #[error("the plan is inconsistent: {0}")]
    Invalid(String),
}

impl Plan {
    /// The compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.format_version.to_le_bytes());
        let payload = postcard::to_stdvec(self).expect("plans always serialize");
        bytes.extend_from_slice(&payload);
        bytes
    }

    /// A readable JSON form (`leadscore compile --emit json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans always serialize")
    }

    /// Loads a plan from its binary or JSON form and verifies it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Plan, PlanError> {
        let plan = if bytes.trim_ascii_start().starts_with(b"{") {
            Self::from_json(bytes)?
        } else {
            Self::from_binary(bytes)?
        };
        verify::verify(&plan)?;
        Ok(plan)
    }

    fn from_binary(bytes: &[u8]) -> Result<Plan, PlanError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(PlanError::NotAPlan)?;
        let (version, payload) = rest
            .split_at_checked(4)
            .ok_or(PlanError::Corrupt("it ends after its header".into()))?;
        let found = u32::from_le_bytes(version.try_into().expect("4 bytes"));
        if found != FORMAT_VERSION {
            return Err(PlanError::Version { found });
        }
        let plan: Plan =
            postcard::from_bytes(payload).map_err(|e| PlanError::Corrupt(e.to_string()))?;
        if plan.format_version != found {
            return Err(PlanError::Corrupt(
                "its header and body disagree on the format version".into(),
            ));
        }
        Ok(plan)
    }

    fn from_json(bytes: &[u8]) -> Result<Plan, PlanError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            format_version: u32,
        }
        let version: VersionOnly =
            serde_json::from_slice(bytes).map_err(|e| PlanError::Corrupt(e.to_string()))?;
        if version.format_version != FORMAT_VERSION {
            return Err(PlanError::Version {
                found: version.format_version,
            });
        }
        serde_json::from_slice(bytes).map_err(|e| PlanError::Corrupt(e.to_string()))
    }

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

    pub fn chunk_code(&self, chunk: ChunkId) -> &[Op] {
        let c = &self.chunks[chunk as usize];
        &self.code[c.start as usize..(c.start + c.len) as usize]
    }

    pub fn score_index(&self, name: &str) -> Option<usize> {
        self.scores.iter().position(|s| s.name == name)
    }

    pub fn flag_index(&self, name: &str) -> Option<usize> {
        self.flags.iter().position(|f| f.name == name)
    }

    pub fn event_index(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }
}
