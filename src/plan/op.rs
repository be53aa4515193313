//! The plan's instruction set: opcodes and their operand types.
//!
//! These are the plan's own types, not the language vocabulary's (`vocab::CmpOp`,
//! `vocab::Function`, `vocab::AggFn`): their serialized form is the plan format (postcard
//! writes a variant as its index, JSON as its name), so it must not follow changes made
//! to the language. `lower` converts from the vocabulary explicitly and the VM runs these.
//! Never reorder or rename variants; add new ones at the end and bump
//! [`FORMAT_VERSION`](super::FORMAT_VERSION) (`tests/plan_format.rs` pins the encoding).

use serde::{Deserialize, Serialize};

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
    Slot(super::SlotId, SlotRead),
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
    Cmp(Cmp),
    /// Pop a value; push whether it is in constant list `n` (`NotIn`: is not in it).
    In(u32),
    NotIn(u32),
    /// Pop a string; push whether regex `n` matches it.
    Matches(u32),
    Call(Func),
    /// `and`: if the top is false (or absent), jump to the target keeping `false`;
    /// otherwise pop it and go on with the right-hand side.
    AndJump(u32),
    /// `or`: the mirror of `AndJump`.
    OrJump(u32),
    /// Replace an absent top with 0 (derived scores count absent values as 0).
    OrZero,
    /// Push the name of the lead's band in grade `n` (an index into the plan's grades).
    Grade(u32),
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
            | Op::Grade(_)
            | Op::Now => (0, 1),
            Op::Neg | Op::Not | Op::OrZero | Op::In(_) | Op::NotIn(_) | Op::Matches(_) => (1, 1),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Cmp(_) => (2, 1),
            Op::Call(f) => (f.arity() as i64, 1),
            Op::AndJump(_) | Op::OrJump(_) => (1, 0),
        }
    }
}

/// The comparison of `Op::Cmp`: pops `b`, then `a`, and pushes whether `a <op> b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// The operator as the listing shows it.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// The built-in function of `Op::Call`. (`now()` is not one: it is `Op::Now`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
    Lower,
    Upper,
    Trim,
    Length,
    Domain,
    Has,
    Abs,
    Round,
    Floor,
    Ceil,
    /// Of two numbers, the smaller; an absent one is skipped (`least(a, b, c)` is
    /// two calls).
    Least,
    /// Of two numbers, the larger; an absent one is skipped.
    Greatest,
}

impl Func {
    /// The function's name as the listing shows it.
    pub fn name(self) -> &'static str {
        match self {
            Func::StartsWith => "starts_with",
            Func::EndsWith => "ends_with",
            Func::Contains => "contains",
            Func::Lower => "lower",
            Func::Upper => "upper",
            Func::Trim => "trim",
            Func::Length => "length",
            Func::Domain => "domain",
            Func::Has => "has",
            Func::Abs => "abs",
            Func::Round => "round",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Least => "least",
            Func::Greatest => "greatest",
        }
    }

    /// How many arguments the call pops.
    pub fn arity(self) -> usize {
        match self {
            Func::StartsWith | Func::EndsWith | Func::Contains | Func::Least | Func::Greatest => 2,
            _ => 1,
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
