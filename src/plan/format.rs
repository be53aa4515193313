//! The plan on disk: `LEADPLAN`, a little-endian u32 format version, and a postcard
//! payload; or the same plan as pretty JSON.
//!
//! The payload is the serde form of [`Plan`] and of the plan-side types it is made of
//! (the instruction set in `op.rs`, and [`FieldType`] here), never of the shared
//! vocabulary's types, so a change to the language cannot silently change plan bytes.
//! `tests/plan_format.rs` pins the bytes with golden files.

use super::{Plan, PlanError};
use crate::vocab::ValueType;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The plan format this build writes and reads. Bump it whenever the serialized form of
/// `Plan` changes (then regenerate the golden files: see `tests/plan_format.rs`).
pub const FORMAT_VERSION: u32 = 4;
const MAGIC: &[u8; 8] = b"LEADPLAN";

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
            from_json(bytes)?
        } else {
            from_binary(bytes)?
        };
        plan.verify()?;
        Ok(plan)
    }
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

/// The serialized form of a field's type. In memory a [`FieldDecl`](super::FieldDecl)
/// holds the vocabulary's [`ValueType`]; this is what it is written as.
#[derive(Serialize, Deserialize)]
enum FieldType {
    String,
    Int,
    Number,
    Bool,
    Time,
    Duration,
}

impl From<ValueType> for FieldType {
    fn from(ty: ValueType) -> Self {
        match ty {
            ValueType::String => FieldType::String,
            ValueType::Int => FieldType::Int,
            ValueType::Number => FieldType::Number,
            ValueType::Bool => FieldType::Bool,
            ValueType::Time => FieldType::Time,
            ValueType::Duration => FieldType::Duration,
        }
    }
}

impl From<FieldType> for ValueType {
    fn from(ty: FieldType) -> Self {
        match ty {
            FieldType::String => ValueType::String,
            FieldType::Int => ValueType::Int,
            FieldType::Number => ValueType::Number,
            FieldType::Bool => ValueType::Bool,
            FieldType::Time => ValueType::Time,
            FieldType::Duration => ValueType::Duration,
        }
    }
}

/// `#[serde(with = "format::field_type")]`: a [`ValueType`] written as a [`FieldType`].
pub(super) mod field_type {
    use super::*;

    pub fn serialize<S: Serializer>(ty: &ValueType, serializer: S) -> Result<S::Ok, S::Error> {
        FieldType::from(*ty).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ValueType, D::Error> {
        FieldType::deserialize(deserializer).map(ValueType::from)
    }
}
