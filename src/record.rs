//! The input of evaluation: leads and events, with values typed by the plan's schema.

use crate::diagnostics::Code;
use crate::plan::Plan;
pub use crate::vocab::{FieldError, Value};

impl FieldError {
    /// The stable code of this error (E0803). (Here, not in `vocab`, which depends on
    /// nothing but `time`.)
    pub fn code(&self) -> Code {
        Code::ValueMismatch
    }
}

/// A lead: its id and its fields, in the plan's field order (`None` = absent).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Lead {
    /// The lead's id.
    pub id: String,
    /// One value per lead field the plan declares, in declaration order.
    pub fields: Vec<Option<Value>>,
}

/// An event of a declared type: the plan's event index, a time, and its properties in
/// the declaration's order (`None` = absent).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// The id of the lead it belongs to.
    pub lead: String,
    /// The index of its type among the plan's event types.
    pub event_type: u32,
    /// When it happened, in microseconds since the epoch.
    pub ts: i64,
    /// One value per property of its type, in declaration order.
    pub props: Vec<Option<Value>>,
}

impl Lead {
    /// A lead with every field absent (one that appears only in events).
    pub fn unknown(id: impl Into<String>, plan: &Plan) -> Lead {
        Lead {
            id: id.into(),
            fields: vec![None; plan.lead_fields.len()],
        }
    }
}
