//! The plan on disk: `LEADPLAN`, a little-endian u32 format version, the SHA-256 of the
//! payload, and a postcard payload; or the same plan as pretty JSON.
//!
//! The checksum makes any change to a binary plan's bytes a refusal ("damaged plan",
//! E0703) instead of a plan that decodes to something else and scores differently:
//! postcard has no redundancy of its own, so most single-byte changes still decode.
//! SHA-256 (the `sha2` crate the checker already uses for the source hash) finds every
//! change a copy, a download or a disk can make; it is no signature (anyone can
//! recompute it), which a plan from an untrusted hand would need on top. The JSON form is
//! for reading and editing: it is verified, but carries no checksum.
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
/// The length of the payload's checksum (SHA-256), after the format version.
const CHECKSUM_LEN: usize = 32;

impl Plan {
    /// The compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.format_version.to_le_bytes());
        let payload = postcard::to_stdvec(self).expect("plans always serialize");
        bytes.extend_from_slice(&checksum(&payload));
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
    let (sum, payload) = payload
        .split_at_checked(CHECKSUM_LEN)
        .ok_or(PlanError::Corrupt("it ends within its checksum".into()))?;
    if sum != checksum(payload) {
        return Err(PlanError::Corrupt(
            "its checksum does not match its contents (it was changed or cut short after it was written): compile the model again".into(),
        ));
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

/// The SHA-256 of a plan's payload.
fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    use sha2::{Digest, Sha256};
    Sha256::digest(payload).into()
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
