//! The catalog of diagnostic codes.
//!
//! Codes are stable: once published, a code keeps its meaning. Each is documented in
//! `docs/diagnostics.md`, and each code `check` reports has a bad model under
//! `tests/diagnostics/` (a test checks both; runtime codes, see [`Code::is_runtime`], have
//! no model to show them). Errors are `E0xxx`, warnings `W0xxx`.

use super::Severity;
use serde::{Serialize, Serializer};

macro_rules! codes {
    ($( $variant:ident = $code:literal, $title:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)] // each code's title and entry in docs/diagnostics.md say it
        pub enum Code { $( $variant ),* }

        impl Code {
            /// Every code, in catalog order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant ),* ];

            /// The code as written in messages and docs, e.g. `E0301`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code ),* }
            }

            /// A short title (used in GitHub annotations and the docs index).
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title ),* }
            }
        }
    };
}

codes! {
    // Syntax
    Syntax = "E0001", "syntax error";
    UnsignedPoints = "E0002", "points without a sign";
    BadDuration = "E0003", "unknown duration unit";
    ZeroDuration = "E0004", "duration must be positive";
    BadTime = "E0005", "invalid time";
    BadNumber = "E0006", "invalid number";
    TooDeep = "E0007", "expression too deeply nested";
    // Files and imports
    ImportNotFound = "E0101", "imported file not found";
    ImportCycle = "E0102", "import cycle";
    DuplicateModel = "E0103", "more than one model name";
    FileTooLarge = "E0104", "model file too large";
    // Declarations
    DuplicateName = "E0201", "name declared twice";
    ReservedName = "E0202", "keyword used as a name";
    DuplicateLead = "E0203", "more than one lead block";
    UnknownType = "E0204", "unknown type";
    DuplicateGrade = "E0205", "score graded twice";
    // Names
    UnknownEvent = "E0301", "unknown event type";
    UnknownLeadField = "E0302", "unknown lead field";
    UnknownProperty = "E0303", "unknown event property";
    UnknownName = "E0304", "unknown name";
    UnknownFunction = "E0305", "unknown function";
    UnknownScore = "E0306", "grade of an unknown score";
    NotAvailableHere = "E0307", "value not available here";
    UnknownGroup = "E0308", "event group matches no type";
    PropertyNotShared = "E0309", "property not declared by every type";
    BadEventList = "E0310", "misused list of event types";
    // Types
    TypeMismatch = "E0401", "type mismatch";
    NotACondition = "E0402", "condition is not true/false";
    SumNotNumeric = "E0403", "sum of a non-numeric property";
    BadArguments = "E0404", "wrong arguments to a function";
    NotConstant = "E0405", "value must be constant";
    BadRegex = "E0406", "invalid regular expression";
    MixedList = "E0407", "list mixes types";
    NotNumeric = "E0408", "number expected";
    OutOfRange = "E0409", "constant out of range";
    PropertyTypesDiffer = "E0410", "property types differ between event types";
    // Rules and structure
    Cycle = "E0501", "definitions depend on each other";
    BadMax = "E0502", "invalid max";
    BadClamp = "E0503", "invalid clamp range";
    DuplicateClamp = "E0504", "more than one clamp";
    PositiveDecay = "E0505", "decay must be negative";
    GradeNeedsDefault = "E0506", "grade without a default band";
    DuplicateOption = "E0507", "rule option given twice";
    BadDecayPercent = "E0508", "decay percentage out of range";
    DistinctNotCount = "E0509", "`distinct by` outside `count`";
    SameTypeMismatch = "E0510", "`same` property of two types";
    BadLabel = "E0514", "invalid label";
    // Tests
    TestWithoutTime = "E0601", "test without `as of`";
    NotGraded = "E0602", "score has no grade";
    UnknownBand = "E0603", "unknown grade band";
    // Plans: why a compiled plan was refused on loading (`PlanError::code`)
    NotAPlan = "E0701", "not a plan";
    PlanVersion = "E0702", "plan of another format version";
    CorruptPlan = "E0703", "damaged plan";
    InvalidPlan = "E0704", "inconsistent plan";
    // Warnings
    ZeroPoints = "W0001", "rule worth 0 points";
    UnusedLet = "W0002", "unused constant";
    UnusedEvent = "W0003", "unused event type";
    UnreachableBand = "W0004", "grade band can never be chosen";
    EmptyScore = "W0005", "score with no rules";
    ShadowedName = "W0006", "property hides a constant";
    ConstantCondition = "W0007", "condition never changes";
    EmptyTest = "W0008", "test checks nothing";
    // Data (runtime: found in the records a model runs on, not in the model)
    MalformedRecord = "E0801", "malformed record";
    MissingKey = "E0802", "missing key field";
    ValueMismatch = "E0803", "value does not fit its type";
    DuplicateLeadRecord = "E0804", "lead listed twice";
    LeadAfterEvents = "E0805", "lead added after its events";
    UnreadableInput = "E0806", "input cannot be read";
    UnwritableOutput = "E0807", "output cannot be written";
    // Evaluating a model against outcomes (`evaluate`, `suggest`)
    TooFewConversions = "E0830", "too few conversions to evaluate";
    UnknownEvaluationName = "E0831", "no such score or lead field";
    CannotRewritePoints = "E0832", "model cannot take the suggested points";
    // Live scoring (`live::Engine`, `leadscore replay`)
    LateEvent = "E0840", "event too late to apply";
    ClockBackwards = "E0841", "clock moved back";
    AsOfBeforeClock = "E0842", "as-of time before the clock";
    ForeignLiveState = "E0843", "stored lead state of another model";
    // The scoring service (`leadscore serve`): answers to HTTP requests
    UnknownRecordField = "E0850", "field not in the model's schema";
    BadRequest = "E0852", "request cannot be read";
    Unauthorized = "E0853", "missing or wrong token";
    BodyTooLarge = "E0854", "request body too large";
    NotFound = "E0855", "no such lead or endpoint";
    ClockNotManual = "E0856", "clock not set by requests";
    ServiceFailed = "E0857", "service could not complete the request";
    BadQuery = "E0858", "bad query parameter";
    ModelRejected = "E0859", "model has errors";
}

impl Code {
    /// Whether the code is found while running a model (E07xx for plans, E08xx for data)
    /// rather than by checking one: such codes are documented but have no bad model under
    /// `tests/diagnostics/`.
    pub fn is_runtime(self) -> bool {
        let code = self.as_str();
        code.starts_with("E07") || code.starts_with("E08")
    }

    /// Warnings are `W…`; everything else is an error.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} used twice");
            assert_eq!(s.len(), 5);
            assert!(s.starts_with('E') || s.starts_with('W'));
        }
    }
}
