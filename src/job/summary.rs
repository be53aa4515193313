//! Run summaries for tools: what a command read, what it set aside, how long each phase
//! took and how it ended, as one JSON object (`leadscore score --summary json`; the
//! fields are documented in `docs/language.md`, "Run summaries").

use super::Phase;
use crate::batch::Summary;
use crate::diagnostics::Code;
use crate::input::Format;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Which input of a job a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// The lead records.
    Leads,
    /// The event records.
    Events,
    /// The outcome records (`evaluate`, `suggest`).
    Outcomes,
}

/// What a job read from one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    /// Which input the file is.
    pub input: InputKind,
    /// The name messages give the file (`<stdin>` for standard input).
    pub file: String,
    /// The format it was read in (`jsonl` or `csv` in JSON).
    #[serde(serialize_with = "format_name")]
    pub format: Format,
    /// Good records read (of a lead `explain` does not show too).
    pub records: u64,
    /// Bad records set aside in the rejects.
    pub rejected: u64,
}

fn format_name<S: Serializer>(format: &Format, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(format.name())
}

/// How a command ended, from its exit code (0, 1, 2; see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Exit 0.
    Ok,
    /// Exit 1: what the command looks for was found (a bad record without `--rejects`,
    /// a lead that is not there, a limit exceeded).
    Findings,
    /// Exit 2 (or any other code): bad usage, a file that cannot be read or written.
    Error,
}

impl Status {
    /// The status of a command that exits with `code`.
    pub fn of_exit_code(code: i32) -> Status {
        match code {
            0 => Status::Ok,
            1 => Status::Findings,
            _ => Status::Error,
        }
    }
}

/// The event counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventCounts {
    /// Event records read, of any type.
    pub read: u64,
    /// Events after the as-of time (they do not count).
    pub after_as_of: u64,
    /// Events of types the model does not declare (ignored).
    pub ignored: u64,
    /// The same, by type.
    pub ignored_by_type: BTreeMap<String, u64>,
}

/// What one model's run over the data read and scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// The model, as the command was given it.
    pub model: String,
    /// Leads scored: lead records, and leads seen only in events.
    pub leads: usize,
    /// The events of those leads.
    pub events: EventCounts,
    /// Bad records set aside, in all files.
    pub rejected: u64,
    /// What each input held.
    pub files: Vec<FileCounts>,
}

impl RunCounts {
    /// The counts of a run of `model` that ended with `summary`, having read `files`.
    pub fn new(model: impl Into<String>, summary: &Summary, files: Vec<FileCounts>) -> Self {
        RunCounts {
            model: model.into(),
            leads: summary.leads,
            events: EventCounts {
                read: summary.events_read,
                after_as_of: summary.events_future,
                ignored: summary.events_ignored(),
                ignored_by_type: summary.ignored_by_type.clone(),
            },
            rejected: summary.rejected,
            files,
        }
    }
}

/// Wall time per phase, in seconds; a command that scores two models (`diff`) adds
/// both runs' times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Seconds {
    /// Reading the leads.
    pub read_leads: f64,
    /// Reading the events.
    pub read_events: f64,
    /// Scoring (and formatting, or comparing) the leads.
    pub score: f64,
    /// Writing the results or the report.
    pub write: f64,
    /// The whole command, model loading included.
    pub total: f64,
}

impl Seconds {
    /// Adds the time a job phase took.
    pub fn add(&mut self, phase: Phase, seconds: f64) {
        *match phase {
            Phase::LeadsRead => &mut self.read_leads,
            Phase::EventsRead => &mut self.read_events,
            Phase::Scored => &mut self.score,
        } += seconds;
    }
}

/// Why a command did not end with exit 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The stable code, for problems in the data (`E08xx`).
    pub code: Option<Code>,
    /// What went wrong.
    pub message: String,
}

/// A command's run summary: one JSON object through serde.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// `score`, `explain` or `diff`.
    pub command: String,
    /// How it ended.
    pub status: Status,
    /// The process's exit code.
    pub exit_code: i32,
    /// The as-of time the leads were scored at (RFC 3339).
    pub as_of: String,
    /// One per model scored, in order (two for `diff`); a run that stopped is not here.
    pub runs: Vec<RunCounts>,
    /// How long it took.
    pub seconds: Seconds,
    /// Why the command failed, when it did: the message on stderr (for a model that
    /// does not load, that it does not; its diagnostics are on stderr).
    pub error: Option<Problem>,
}

impl RunSummary {
    /// The summary of `command` scoring as of `as_of`, before it has run anything.
    pub fn new(command: impl Into<String>, as_of: i64) -> Self {
        RunSummary {
            command: command.into(),
            status: Status::Ok,
            exit_code: 0,
            as_of: crate::time::format_timestamp(as_of),
            runs: Vec::new(),
            seconds: Seconds::default(),
            error: None,
        }
    }

    /// Records how the command ended.
    pub fn ended(&mut self, exit_code: i32, seconds: f64) {
        self.exit_code = exit_code;
        self.status = Status::of_exit_code(exit_code);
        self.seconds.total = seconds;
    }

    /// The summary as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("summaries serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_one_json_object_with_every_count() {
        let mut summary = RunSummary::new("score", 0);
        let counts = Summary {
            leads: 2,
            events_read: 5,
            events_future: 1,
            ignored_by_type: BTreeMap::from([("x".to_string(), 2)]),
            rejected: 1,
        };
        let file = FileCounts {
            input: InputKind::Events,
            file: "e.jsonl".into(),
            format: Format::Jsonl,
            records: 5,
            rejected: 1,
        };
        summary
            .runs
            .push(RunCounts::new("m.score", &counts, vec![file]));
        summary.seconds.add(Phase::Scored, 0.5);
        summary.ended(1, 2.0);
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "command": "score", "status": "findings", "exit_code": 1,
                "as_of": "1970-01-01T00:00:00Z",
                "runs": [{
                    "model": "m.score", "leads": 2,
                    "events": {"read": 5, "after_as_of": 1, "ignored": 2, "ignored_by_type": {"x": 2}},
                    "rejected": 1,
                    "files": [{"input": "events", "file": "e.jsonl", "format": "jsonl", "records": 5, "rejected": 1}]
                }],
                "seconds": {"read_leads": 0.0, "read_events": 0.0, "score": 0.5, "write": 0.0, "total": 2.0},
                "error": null
            })
        );
        assert!(!summary.to_json().contains('\n'));
    }
}
