//! Scoring jobs: what `leadscore score`, `explain` and `diff` run, as a library.
//!
//! A [`ScoreJob`] reads leads, then events (JSON Lines on every core),
//! sets bad records aside or stops at the first, scores every lead and writes the
//! results as JSON Lines or CSV. Problems come back as a [`JobError`] naming the file,
//! line and field; the library prints nothing. What each input held comes back as
//! [`FileCounts`], and a command's whole run can be summed up as a [`RunSummary`]
//! (`summary.rs`). For comparing models over many leads, [`ScoreJob::results`] keeps
//! every lead's results compactly ([`LeadResults`], `results.rs`).
//!
//! ```
//! use leadscore::job::ScoreJob;
//! use leadscore::{compile_source, MemoryLoader, Scorer, Source};
//! use std::sync::Arc;
//!
//! let source = "event demo.request {}\nscore engagement { on demo.request +50 }";
//! let plan = compile_source("m.score", source, &MemoryLoader::new()).plan.unwrap();
//! let scorer = Arc::new(Scorer::new(plan).unwrap());
//! let events = r#"{"lead":"L1","type":"demo.request","ts":"2026-10-01T10:00:00Z"}"#;
//!
//! let mut out = Vec::new();
//! let job = ScoreJob::new(leadscore::time::parse_timestamp("2026-11-01").unwrap());
//! let events = Source::new("events.jsonl", events.as_bytes());
//! let summary = job.run(scorer, None, Some(events), &mut out, None).unwrap();
//! assert_eq!(summary.leads, 1);
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "{\"lead\":\"L1\",\"scores\":{\"engagement\":50},\"grades\":{},\"flags\":{}}\n"
//! );
//! ```

#[cfg(feature = "columnar")]
mod arrow;
mod replay;
mod results;
mod summary;

#[cfg(feature = "columnar")]
pub use arrow::{outcomes_to_record_batches, results_schema};
pub use results::LeadResults;
pub use summary::{
    EventCounts, FileCounts, InputKind, Problem, RunCounts, RunSummary, Seconds, Status,
};

use crate::batch::{Batch, LeadShare, Summary};
use crate::diagnostics::Code;
use crate::eval::{Outcome, Scorer};
#[cfg(feature = "columnar")]
use crate::input::columnar::Columns;
#[cfg(feature = "columnar")]
pub use crate::input::RecordBatches;
use crate::input::{self, Format, Input, Keys, ReadOptions, RecordError};
use crate::output;
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// How to run a job: the as-of time, how to read the inputs (keys, values, formats), the
/// output format.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreJob {
    /// Score as of this time (microseconds since the epoch): later events do not count.
    pub as_of: i64,
    /// The names of the key fields in input records.
    pub keys: Keys,
    /// How values are read: the unit of numeric times, numbers sent as text.
    pub read_options: ReadOptions,
    /// The format of both inputs; `None`: from each source's name (`.csv` is CSV,
    /// anything else JSON Lines).
    pub input_format: Option<Format>,
    /// The format of the results.
    pub output_format: output::Format,
    /// Add each lead's explanation to the results: every rule that gave points.
    pub explain: bool,
    /// Worker threads (at least one and at most [`MAX_THREADS`](crate::MAX_THREADS) are
    /// used). The results do not depend on it.
    pub threads: usize,
}

/// Records a job reads: a stream in a format ([`ScoreJob::input_format`], or the one its
/// name suggests), or record batches already in memory (the `columnar` feature; a data
/// frame's, read without copying, as an Arrow file is).
pub enum Records<'a> {
    /// A file, standard input, bytes in memory.
    Stream(Input<'a>),
    /// Record batches, read as the rows of an Arrow file.
    #[cfg(feature = "columnar")]
    Batches(&'a RecordBatches),
}

/// What of the inputs a job keeps, beyond what its plan reads.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope<'a> {
    /// Only this lead's records (`explain LEAD`).
    pub only: Option<&'a str>,
    /// A lead field to keep though the plan does not read it (`evaluate --by`).
    pub keep_field: Option<usize>,
    /// Whether no lead is explained: lead records then keep only the fields read
    /// elsewhere than in the conditions worked out once per lead (false, the default,
    /// keeps every field the plan reads, for the values explanations show).
    pub explains_none: bool,
}

impl<'a> Scope<'a> {
    fn only(id: &'a str) -> Scope<'a> {
        Scope {
            only: Some(id),
            keep_field: None,
            explains_none: false,
        }
    }

    /// The scope of a run that explains leads if `explained`.
    fn explaining(explained: bool) -> Scope<'a> {
        Scope {
            explains_none: !explained,
            ..Scope::default()
        }
    }
}

/// A phase of a job, reported as it ends (for progress displays and timings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Every lead record read.
    LeadsRead,
    /// Every event read (and the rejects written).
    EventsRead,
    /// Every lead scored ([`ScoreJob::score`]: ready to be formatted as it is written).
    Scored,
}

/// Why a job stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A bad record, with no rejects writer to set it aside in (or an input that cannot
    /// be read further).
    #[error(transparent)]
    Record(RecordError),
    /// Writing a bad record to the rejects writer failed.
    #[error("cannot write the rejects: {0}")]
    Rejects(io::Error),
    /// Writing the results failed.
    #[error("cannot write the results: {0}")]
    Output(io::Error),
    /// Writing a replay's changes failed.
    #[error("cannot write the changes: {0}")]
    Changes(io::Error),
}

impl JobError {
    /// The stable code of this error (E08xx).
    pub fn code(&self) -> Code {
        match self {
            JobError::Record(error) => error.code(),
            JobError::Rejects(_) | JobError::Output(_) | JobError::Changes(_) => {
                Code::UnwritableOutput
            }
        }
    }
}

/// Every lead scored, not yet written: [`Scored::write_to`] formats the results (on the
/// job's threads) as it writes them, so the whole output is never held in memory.
pub struct Scored {
    header: Vec<u8>,
    body: Body,
    /// What was read and scored.
    pub summary: Summary,
    /// What each input held.
    pub files: Vec<FileCounts>,
}

/// The results of a [`Scored`].
enum Body {
    /// The leads and their states (`batch` is `None` only once dropped), formatted on
    /// `threads` threads as they are written.
    Batch {
        batch: Option<Box<Batch>>,
        format: output::Format,
        explain: bool,
        threads: usize,
    },
    /// Results already formatted, in lead id order (a replay's).
    Formatted(Vec<Vec<u8>>),
}

/// One lead's outcome, from [`ScoreJob::explained`], and what the job read to find it.
pub struct Explained {
    /// The lead's outcome with its reasons; `None` when neither input has the lead.
    pub outcome: Option<Outcome>,
    /// The counts of the leads and events kept (only the lead's).
    pub summary: Summary,
    /// What each input held (every record read, not only the lead's).
    pub files: Vec<FileCounts>,
}

impl Scored {
    /// Results formatted in `chunks` (in lead id order), with the header `format` has.
    fn formatted(
        plan: &crate::plan::Plan,
        format: output::Format,
        explain: bool,
        chunks: Vec<Vec<u8>>,
        summary: Summary,
        files: Vec<FileCounts>,
    ) -> Scored {
        let mut header = Vec::new();
        output::write_header(plan, format, explain, &mut header)
            .expect("writing to memory does not fail");
        Scored {
            header,
            body: Body::Formatted(chunks),
            summary,
            files,
        }
    }

    /// Writes the results (a CSV header first) in lead id order and flushes `out`.
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.header)?;
        match &self.body {
            Body::Batch {
                batch,
                format,
                explain,
                threads,
            } => {
                let (format, explain) = (*format, *explain);
                let batch = batch.as_ref().expect("kept until dropped");
                // Each thread formats its share of the leads; the shares are written in
                // id order.
                let format_share = |share: LeadShare<'_>, bytes: &mut Vec<u8>| {
                    share
                        .write(format, explain, bytes)
                        .expect("writing to memory does not fail");
                };
                batch.write_in_order(*threads, format_share, out)?;
            }
            Body::Formatted(chunks) => {
                for chunk in chunks {
                    out.write_all(chunk)?;
                }
            }
        }
        out.flush()
    }
}

impl Drop for Scored {
    fn drop(&mut self) {
        if let Body::Batch { batch, .. } = &mut self.body {
            if let Some(batch) = batch.take() {
                release(*batch);
            }
        }
    }
}

impl ScoreJob {
    /// A job as of `as_of` with the default keys and read options, input formats from the
    /// sources' names, JSON Lines results without explanations, and one thread per core.
    pub fn new(as_of: i64) -> ScoreJob {
        ScoreJob {
            as_of,
            keys: Keys::default(),
            read_options: ReadOptions::default(),
            input_format: None,
            output_format: output::Format::default(),
            explain: false,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Scores every lead of `leads` and `events` and writes the results to `out`, in lead
    /// id order. With `rejects`, bad records are written there (one JSON object each) and
    /// counted in the summary; without, the first one stops the job.
    pub fn run(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        out: &mut dyn Write,
        rejects: Option<&mut dyn Write>,
    ) -> Result<Summary, JobError> {
        let mut scored = self.score(scorer, leads, events, rejects, &mut |_| {})?;
        scored.write_to(out).map_err(JobError::Output)?;
        Ok(std::mem::take(&mut scored.summary))
    }

    /// [`ScoreJob::run`] without writing yet (so a caller creates its output only when
    /// there are results), telling `progress` as each phase ends.
    pub fn score(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<Scored, JobError> {
        let (leads, events) = (leads.map(Records::Stream), events.map(Records::Stream));
        let (batch, files) = self.read(
            scorer,
            Scope::explaining(self.explain),
            leads,
            events,
            rejects,
            progress,
        )?;
        let (format, explain) = (self.output_format, self.explain);
        let mut header = Vec::new();
        output::write_header(batch.scorer().plan(), format, explain, &mut header)
            .expect("writing to memory does not fail");
        progress(Phase::Scored);
        Ok(Scored {
            header,
            summary: batch.summary(),
            body: Body::Batch {
                batch: Some(Box::new(batch)),
                format,
                explain,
                threads: self.threads,
            },
            files,
        })
    }

    /// Every lead's outcome, in lead id order (with reasons if the job explains).
    pub fn outcomes(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<(Vec<Outcome>, Summary), JobError> {
        let (leads, events) = (leads.map(Records::Stream), events.map(Records::Stream));
        self.outcomes_of(scorer, leads, events, rejects, progress)
    }

    /// [`ScoreJob::outcomes`] of records of any kind: streams or record batches in
    /// memory.
    pub fn outcomes_of(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Records<'_>>,
        events: Option<Records<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<(Vec<Outcome>, Summary), JobError> {
        let scope = Scope::explaining(self.explain);
        let (batch, _) = self.read(scorer, scope, leads, events, rejects, progress)?;
        let scored = batch.finish_parallel(self.explain, self.threads);
        progress(Phase::Scored);
        Ok(scored)
    }

    /// Every lead's results in a compact table, in lead id order, with the batch kept
    /// to explain any lead later: far less memory than [`ScoreJob::outcomes`] with
    /// explanations, for comparing models over many leads.
    pub fn results(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<LeadResults, JobError> {
        let (leads, events) = (leads.map(Records::Stream), events.map(Records::Stream));
        self.results_of(scorer, leads, events, rejects, progress)
    }

    /// [`ScoreJob::results`] of records of any kind: streams or record batches in
    /// memory.
    pub fn results_of(
        &self,
        scorer: Arc<Scorer>,
        leads: Option<Records<'_>>,
        events: Option<Records<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<LeadResults, JobError> {
        let (batch, files) = self.read(
            scorer,
            Scope::explaining(true),
            leads,
            events,
            rejects,
            progress,
        )?;
        let results = LeadResults::of(batch, self.threads, files);
        progress(Phase::Scored);
        Ok(results)
    }

    /// The outcome of the lead `id`, with its reasons; `None` when neither input has it.
    /// Only that lead's records are kept.
    pub fn explain(
        &self,
        scorer: Arc<Scorer>,
        id: &str,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<Option<Outcome>, JobError> {
        self.explained(scorer, id, leads, events, rejects, progress)
            .map(|explained| explained.outcome)
    }

    /// [`ScoreJob::explain`], with the counts of what was read.
    pub fn explained(
        &self,
        scorer: Arc<Scorer>,
        id: &str,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<Explained, JobError> {
        let (leads, events) = (leads.map(Records::Stream), events.map(Records::Stream));
        let (batch, files) =
            self.read(scorer, Scope::only(id), leads, events, rejects, progress)?;
        let (outcomes, summary) = batch.finish(true);
        progress(Phase::Scored);
        Ok(Explained {
            outcome: outcomes.into_iter().next(),
            summary,
            files,
        })
    }

    /// Reads leads, then events, into a batch; `only` keeps a single lead. Returns the
    /// batch and what each input held.
    pub(crate) fn read(
        &self,
        scorer: Arc<Scorer>,
        scope: Scope<'_>,
        leads: Option<Records<'_>>,
        events: Option<Records<'_>>,
        rejects: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<(Batch, Vec<FileCounts>), JobError> {
        let mut batch = Batch::new(scorer.clone(), self.as_of);
        if scope.explains_none {
            batch.explain_no_lead();
        }
        if let Some(field) = scope.keep_field {
            batch.keep_lead_field(field);
        }
        let only = scope.only;
        let mut rejects = Rejects {
            out: rejects,
            failed: None,
            taken: 0,
        };
        let mut files = Vec::new();
        if let Some(source) = leads {
            let counts = self.counts_of(InputKind::Leads, &source);
            let good = self.read_leads(&scorer, &mut batch, source, only, &mut rejects)?;
            files.push(counts.tallied(good, &mut rejects));
        }
        progress(Phase::LeadsRead);
        if let Some(source) = events {
            let counts = self.counts_of(InputKind::Events, &source);
            let good = self.read_events(&scorer, &mut batch, source, only, &mut rejects)?;
            files.push(counts.tallied(good, &mut rejects));
        }
        rejects.flush()?;
        progress(Phase::EventsRead);
        Ok((batch, files))
    }

    /// Reads the lead records; returns how many good ones there were.
    // Without the `columnar` feature, records are only ever a stream.
    #[cfg_attr(
        not(feature = "columnar"),
        allow(clippy::infallible_destructuring_match)
    )]
    fn read_leads(
        &self,
        scorer: &Scorer,
        batch: &mut Batch,
        source: Records<'_>,
        only: Option<&str>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        let source = match source {
            Records::Stream(source) => source,
            #[cfg(feature = "columnar")]
            Records::Batches(batches) => {
                return self.read_leads_columnar(batch, Columns::Memory(batches), only, rejects)
            }
        };
        let format = self.format_of(&source);
        #[cfg(feature = "columnar")]
        if only.is_none() && format.is_columnar() {
            return self.read_leads_columnar(batch, Columns::file(&source, format), only, rejects);
        }
        if only.is_none() && format == Format::Jsonl {
            let keep_records = rejects.out.is_some();
            let bad = batch.read_leads_parallel(
                source,
                &self.keys,
                self.read_options,
                self.threads,
                keep_records,
            );
            rejects.take_all(bad, batch)?;
            return Ok(batch.lead_records() as u64);
        }
        let file = source.name.clone();
        let (plan, keys) = (scorer.plan(), &self.keys);
        let mut good = 0;
        let read = input::read_leads(
            source,
            format,
            plan,
            keys,
            self.read_options,
            |line, lead, record| {
                let added = lead.and_then(|lead| {
                    if only.is_some_and(|id| id != lead.id) {
                        return Ok(());
                    }
                    batch
                        .add_lead(lead, line)
                        .map_err(|e| e.at(&file, line, &self.keys.id).with_raw(record()))
                });
                good += u64::from(added.is_ok());
                rejects.take(added, batch)
            },
        );
        read.map_err(|error| rejects.stopped(error))?;
        Ok(good)
    }

    /// Reads the event records; returns how many good ones there were.
    // Without the `columnar` feature, records are only ever a stream.
    #[cfg_attr(
        not(feature = "columnar"),
        allow(clippy::infallible_destructuring_match)
    )]
    fn read_events(
        &self,
        scorer: &Scorer,
        batch: &mut Batch,
        source: Records<'_>,
        only: Option<&str>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        let source = match source {
            Records::Stream(source) => source,
            #[cfg(feature = "columnar")]
            Records::Batches(batches) => {
                return self.read_events_columnar(batch, Columns::Memory(batches), only, rejects)
            }
        };
        let format = self.format_of(&source);
        #[cfg(feature = "columnar")]
        if only.is_none() && format.is_columnar() {
            return self.read_events_columnar(batch, Columns::file(&source, format), only, rejects);
        }
        if only.is_none() && format == Format::Jsonl {
            // The fast path: JSON Lines on every core.
            let bad =
                batch.read_events_parallel(source, &self.keys, self.read_options, self.threads);
            rejects.take_all(bad, batch)?;
            return Ok(batch.events_read());
        }
        let plan = scorer.plan();
        let options = self.read_options;
        let mut good = 0;
        let read = input::read_events(source, format, plan, &self.keys, options, |_, event| {
            let added = event.map(|event| {
                if only.is_none_or(|id| id == event.lead()) {
                    batch.add_event(event);
                }
            });
            good += u64::from(added.is_ok());
            rejects.take(added, batch)
        });
        read.map_err(|error| rejects.stopped(error))?;
        Ok(good)
    }

    /// Reads the lead records of a columnar file or record batches (all of them: `only`
    /// must be `None`, which the batches' callers give and the files' check); returns
    /// how many good ones there were.
    #[cfg(feature = "columnar")]
    fn read_leads_columnar(
        &self,
        batch: &mut Batch,
        origin: Columns<'_>,
        only: Option<&str>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        debug_assert!(only.is_none(), "columnar readers keep every lead");
        let bad = batch.read_leads_columnar(origin, &self.keys, self.read_options, self.threads);
        rejects.take_all(bad, batch)?;
        Ok(batch.lead_records() as u64)
    }

    /// [`ScoreJob::read_leads_columnar`] for the event records.
    #[cfg(feature = "columnar")]
    fn read_events_columnar(
        &self,
        batch: &mut Batch,
        origin: Columns<'_>,
        only: Option<&str>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        debug_assert!(only.is_none(), "columnar readers keep every event");
        let bad = batch.read_events_columnar(origin, &self.keys, self.read_options, self.threads);
        rejects.take_all(bad, batch)?;
        Ok(batch.events_read())
    }

    /// The counts of an input, before it is read.
    fn counts(&self, input: InputKind, source: &Input<'_>) -> FileCounts {
        FileCounts {
            input,
            file: source.name.clone(),
            format: self.format_of(source),
            records: 0,
            rejected: 0,
        }
    }

    /// [`ScoreJob::counts`] of records of any kind.
    fn counts_of(&self, input: InputKind, records: &Records<'_>) -> FileCounts {
        match records {
            Records::Stream(source) => self.counts(input, source),
            #[cfg(feature = "columnar")]
            Records::Batches(batches) => FileCounts {
                input,
                file: batches.name().to_string(),
                format: Format::Arrow,
                records: 0,
                rejected: 0,
            },
        }
    }

    fn format_of(&self, source: &Input<'_>) -> Format {
        self.input_format
            .unwrap_or_else(|| Format::from_path(Path::new(&source.name)))
    }
}

impl FileCounts {
    /// These counts once the input is read: `good` records, and the bad ones set aside
    /// since the last input.
    fn tallied(mut self, good: u64, rejects: &mut Rejects<'_>) -> FileCounts {
        self.records = good;
        self.rejected = rejects.take_count();
        self
    }
}

/// Frees a batch on another thread: a million leads' records take a noticeable part of
/// a run to free one by one, and a process that exits next need not wait for it.
fn release(batch: Batch) {
    // If no thread can be started, the batch is dropped here.
    let _ = std::thread::Builder::new().spawn(move || drop(batch));
}

/// Where bad records go: to the rejects writer, or nowhere (the first stops the job).
struct Rejects<'w> {
    out: Option<&'w mut dyn Write>,
    /// Why writing a reject failed (which stopped reading).
    failed: Option<io::Error>,
    /// Bad records set aside since [`Rejects::take_count`] was last called.
    taken: u64,
}

impl Rejects<'_> {
    /// Sets a bad record aside (counted in the batch's summary), or returns the error
    /// that stops reading: there is no rejects writer, the input cannot be read on, or
    /// the writer fails (see [`Rejects::stopped`]).
    fn take(
        &mut self,
        record: Result<(), RecordError>,
        batch: &mut Batch,
    ) -> Result<(), RecordError> {
        if self.set_aside(record)? {
            batch.count_rejected();
        }
        Ok(())
    }

    /// [`Rejects::take`] for a job that counts its own rejects: whether the record was
    /// bad (and set aside).
    fn set_aside(&mut self, record: Result<(), RecordError>) -> Result<bool, RecordError> {
        let error = match record {
            Ok(()) => return Ok(false),
            Err(error) => error,
        };
        let Some(out) = self.out.as_mut().filter(|_| error.can_be_set_aside()) else {
            return Err(error);
        };
        if let Err(e) = write_reject(&mut **out, &error) {
            self.failed = Some(e);
            return Err(error);
        }
        self.taken += 1;
        Ok(true)
    }

    /// How many bad records were set aside since the last call.
    fn take_count(&mut self) -> u64 {
        std::mem::take(&mut self.taken)
    }

    /// [`Rejects::take`] for the bad records a parallel reader returns (in line order),
    /// or the error that stopped it.
    fn take_all(
        &mut self,
        bad: Result<Vec<RecordError>, RecordError>,
        batch: &mut Batch,
    ) -> Result<(), JobError> {
        let bad = bad.map_err(JobError::Record)?;
        bad.into_iter()
            .try_for_each(|error| self.take(Err(error), batch))
            .map_err(|error| self.stopped(error))
    }

    /// The job error for reading stopped at `error`.
    fn stopped(&mut self, error: RecordError) -> JobError {
        match self.failed.take() {
            Some(e) => JobError::Rejects(e),
            None => JobError::Record(error),
        }
    }

    fn flush(&mut self) -> Result<(), JobError> {
        match &mut self.out {
            Some(out) => out.flush().map_err(JobError::Rejects),
            None => Ok(()),
        }
    }
}

/// One line of a rejects file. The keys are in alphabetical order, then `code` (added
/// later, so earlier readers of the file see the same prefix).
#[derive(Serialize)]
struct Reject<'a> {
    column: Option<u32>,
    error: &'a str,
    field: Option<&'a str>,
    file: &'a str,
    line: u64,
    record: &'a str,
    code: Code,
}

pub(crate) fn write_reject(out: &mut dyn Write, error: &RecordError) -> io::Result<()> {
    let reject = Reject {
        column: error.column,
        error: &error.message,
        field: error.field.as_deref(),
        file: &error.file,
        line: error.line,
        record: &error.raw,
        code: error.code(),
    };
    serde_json::to_writer(&mut *out, &reject).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
