//! The data options `score`, `explain` and `diff` share, and how a command runs a job
//! over them: files opened (compressed or not, `-` for stdin), a progress bar, timings,
//! job errors rendered, the run summary (`--summary`, `--quiet`).

use super::files::{self, Named};
use super::out::errln;
use super::{io_message, Color, EXIT_FINDINGS, EXIT_TROUBLE};
use indicatif::{ProgressBar, ProgressStyle};
use leadscore::diagnostics::Code;
use leadscore::job::{JobError, Phase, Problem, RunSummary, ScoreJob};
use leadscore::time::TsUnit;
use leadscore::{open, Input, InputFormat as Format, Keys, Mapped, ReadOptions, MAX_THREADS};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Where the data comes from and how to read it (shared by `score`, `explain`, `diff`).
#[derive(clap::Args)]
pub struct DataArgs {
    /// Lead records (JSON Lines, or CSV with a header row; gzip or zstd compressed or
    /// not; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    leads: Option<PathBuf>,
    /// Event records (JSON Lines, or CSV with a header row; gzip or zstd compressed or
    /// not; `-` for stdin), in any order.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// Score as of this time (default: now), in any form `ts` takes: RFC 3339, a date, or
    /// a number in `--ts-unit`s since 1970. Later events are ignored.
    #[arg(long, value_name = "TIME", value_parser = check_as_of)]
    as_of: Option<String>,
    /// Input format (default: from the file extension; `.csv` or `.csv.gz` is CSV,
    /// `.parquet` Parquet, `.arrow` or `.feather` Arrow IPC, else JSON Lines). Parquet and
    /// Arrow are read from a file (not stdin), only the columns the model reads.
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// Set bad records aside in this file (JSON Lines) instead of stopping at the first.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// The key of a lead record's id.
    #[arg(long, default_value = "id", value_name = "KEY")]
    id_key: String,
    /// The key of the lead an event belongs to.
    #[arg(long, default_value = "lead", value_name = "KEY")]
    lead_key: String,
    /// The key of an event's type.
    #[arg(long, default_value = "type", value_name = "KEY")]
    type_key: String,
    /// The key of an event's time.
    #[arg(long, default_value = "ts", value_name = "KEY")]
    ts_key: String,
    /// The unit of times written as numbers (`ts`, `time` fields, `--as-of`): seconds,
    /// milliseconds or microseconds since 1970.
    #[arg(long, value_enum, default_value_t = Unit::S, value_name = "UNIT")]
    ts_unit: Unit,
    /// Read numbers and booleans sent as JSON text (`"12"`, `"true"`, as CRM APIs send
    /// them) instead of refusing them. (CSV cells are always read by the field's type.)
    #[arg(long)]
    coerce_numbers: bool,
    /// Worker threads, 1 to 256 (default: one per core). The output does not depend on it.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum InputFormat {
    Jsonl,
    Csv,
    Parquet,
    Arrow,
}

/// `--ts-unit`'s values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Unit {
    S,
    Ms,
    Us,
}

/// `--threads`: a whole number from 1 to [`MAX_THREADS`].
fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("give a whole number from 1 to {MAX_THREADS}")),
    }
}

/// `--as-of` as a time with `options`: read as every reader reads a time cell.
fn read_as_of(text: &str, options: ReadOptions) -> Result<i64, String> {
    leadscore::read_time_text(text, options).map_err(|e| e.problem)
}

/// Whether `--as-of` is a time in some unit (which unit is known once every option is
/// read: see [`DataArgs::require_data`]); in microseconds, every number that is a time
/// in any unit is one.
fn check_as_of(text: &str) -> Result<String, String> {
    let finest = ReadOptions {
        ts_unit: TsUnit::Micros,
        ..ReadOptions::default()
    };
    read_as_of(text, finest).map(|_| text.to_string())
}

/// The inputs of one job, opened.
pub struct Inputs {
    pub leads: Option<Input<'static>>,
    pub events: Option<Input<'static>>,
    /// The rejects file, with its path (for messages).
    rejects: Option<(PathBuf, BufWriter<std::fs::File>)>,
    /// Shows how far the events are read, on a terminal.
    progress: ProgressBar,
}

impl DataArgs {
    /// Fails (the exit code, with the reason on stderr) when there is nothing to score,
    /// or `--as-of` is not a time in `--ts-unit`.
    pub fn require_data(&self, run: &mut Run<'_>) -> Result<(), i32> {
        if self.leads.is_none() && self.events.is_none() {
            return Err(run.failed(
                EXIT_TROUBLE,
                None,
                "give the data to score: --leads FILE, --events FILE, or both".into(),
            ));
        }
        if let Err(problem) = self.read_as_of() {
            return Err(run.failed(EXIT_TROUBLE, None, format!("--as-of: {problem}")));
        }
        Ok(())
    }

    /// Whether `--as-of` is given (`evaluate` and `suggest` need a cut-off).
    pub fn as_of_given(&self) -> bool {
        self.as_of.is_some()
    }

    /// The `--as-of` time, if given, read in `--ts-unit`.
    fn read_as_of(&self) -> Result<Option<i64>, String> {
        let options = self.read_options();
        self.as_of
            .as_deref()
            .map(|text| read_as_of(text, options))
            .transpose()
    }

    /// How values are read: `--ts-unit` and `--coerce-numbers`.
    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            ts_unit: match self.ts_unit {
                Unit::S => TsUnit::Seconds,
                Unit::Ms => TsUnit::Millis,
                Unit::Us => TsUnit::Micros,
            },
            coerce_numbers: self.coerce_numbers,
        }
    }

    /// Fails (exit 2, the reason on stderr and in the summary) when more than one of
    /// the command's inputs is `-`: standard input can be read only once. `models` are
    /// the command's models, each with what names it (`the model`, `OLD`).
    pub fn stdin_once(&self, run: &mut Run<'_>, models: &[(&str, &Path)]) -> Result<(), i32> {
        let leads = self.leads.as_deref().map(|path| ("--leads", path));
        let events = self.events.as_deref().map(|path| ("--events", path));
        let stdin: Vec<&str> = models
            .iter()
            .copied()
            .chain(leads)
            .chain(events)
            .filter(|(_, path)| open::is_stdin(path))
            .map(|(what, _)| what)
            .collect();
        match stdin.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                let message = format!(
                    "`-` (standard input) is given for {} and {last}, but standard input can be read only once: give all but one as files",
                    rest.join(", ")
                );
                Err(run.failed(EXIT_TROUBLE, None, message))
            }
            _ => Ok(()),
        }
    }

    /// Fails (exit 2, the reason on stderr and in the summary) when an output (`outputs`,
    /// `--rejects`, `--summary-file`) is the same file as an input (`models`, `--leads`,
    /// `--events`) or as another output, before anything is read or written (a summary
    /// file in the clash is then not written either).
    pub fn distinct_files(
        &self,
        run: &mut Run<'_>,
        models: &[Named<'_>],
        outputs: &[Named<'_>],
    ) -> Result<(), i32> {
        let leads = self.leads.as_deref().map(|path| ("--leads", path));
        let events = self.events.as_deref().map(|path| ("--events", path));
        let inputs: Vec<Named<'_>> = models.iter().copied().chain(leads).chain(events).collect();
        let rejects = self.rejects.as_deref().map(|path| ("--rejects", path));
        let summary = self.report.summary_file.as_deref();
        let summary = summary.map(|path| (SUMMARY_FILE, path));
        let outputs: Vec<Named<'_>> = outputs
            .iter()
            .copied()
            .chain(rejects)
            .chain(summary)
            .collect();
        files::distinct(&inputs, &outputs).map_err(|clash| {
            if clash.output == SUMMARY_FILE || clash.other == SUMMARY_FILE {
                run.summary_file_refused = true;
            }
            run.failed(EXIT_TROUBLE, None, clash.to_string())
        })
    }

    /// The job these options describe, as of `as_of` (results as JSON Lines, without
    /// explanations, until the command says otherwise).
    pub fn job(&self, as_of: i64) -> ScoreJob {
        let defaults = ScoreJob::new(as_of);
        ScoreJob {
            keys: Keys {
                id: self.id_key.clone(),
                lead: self.lead_key.clone(),
                event_type: self.type_key.clone(),
                ts: self.ts_key.clone(),
            },
            read_options: self.read_options(),
            input_format: self.input_format.map(|format| match format {
                InputFormat::Jsonl => Format::Jsonl,
                InputFormat::Csv => Format::Csv,
                InputFormat::Parquet => Format::Parquet,
                InputFormat::Arrow => Format::Arrow,
            }),
            threads: self.threads.unwrap_or(defaults.threads).max(1),
            ..defaults
        }
    }

    /// Opens the rejects file and the inputs (the events with a progress bar when stderr
    /// is a terminal and the run is not quiet).
    fn open(&self, run: &mut Run<'_>) -> Result<Inputs, i32> {
        let rejects = match &self.rejects {
            Some(path) => match std::fs::File::create(path) {
                Ok(file) => Some((path.clone(), BufWriter::new(file))),
                Err(e) => {
                    let message = format!("cannot create `{}`: {e}", path.display());
                    return Err(run.failed(EXIT_TROUBLE, None, message));
                }
            },
            None => None,
        };
        let leads = match self.leads.as_deref() {
            Some(path) => Some(run.open(path, false)?.0),
            None => None,
        };
        let (events, progress) = match self.events.as_deref() {
            Some(path) => {
                let (events, progress) = run.open(path, true)?;
                (Some(events), progress)
            }
            None => (None, ProgressBar::hidden()),
        };
        Ok(Inputs {
            leads,
            events,
            rejects,
            progress,
        })
    }

    /// Opens the data and runs `job` (a [`ScoreJob`] method) over it, timing each phase
    /// for the run summary (and on stderr when `LEADSCORE_TIMINGS` is set). A job error
    /// is shown on stderr and becomes the exit code.
    pub fn run<T>(
        &self,
        run: &mut Run<'_>,
        job: impl FnOnce(
            Option<Input<'static>>,
            Option<Input<'static>>,
            Option<&mut dyn Write>,
            &mut dyn FnMut(Phase),
        ) -> Result<T, JobError>,
    ) -> Result<T, i32> {
        let Inputs {
            leads,
            events,
            mut rejects,
            progress,
        } = self.open(run)?;
        let rejects_out = rejects.as_mut().map(|(_, out)| out as &mut dyn Write);
        let result = job(leads, events, rejects_out, &mut |phase| {
            if phase == Phase::EventsRead {
                progress.finish_and_clear();
            }
            run.job_phase(phase);
        });
        progress.finish_and_clear();
        result.map_err(|error| {
            let rejects = rejects.as_ref().map(|(path, _)| path.as_path());
            stopped(run, &error, rejects)
        })
    }
}

/// Shows why a job stopped; returns the exit code.
fn stopped(run: &mut Run<'_>, error: &JobError, rejects: Option<&Path>) -> i32 {
    let code = Some(error.code());
    match error {
        JobError::Record(record) => {
            if !record.can_be_set_aside() {
                return run.failed(EXIT_TROUBLE, code, record.to_string());
            }
            let exit = run.failed(EXIT_FINDINGS, code, record.to_string());
            if rejects.is_none() {
                errln!("  (use --rejects FILE to set bad records aside and score the rest)");
            }
            exit
        }
        JobError::Rejects(e) => {
            let path = rejects.map_or_else(String::new, |p| p.display().to_string());
            run.failed(EXIT_TROUBLE, code, format!("cannot write `{path}`: {e}"))
        }
        JobError::Output(e) => run.failed(EXIT_TROUBLE, code, format!("cannot write results: {e}")),
        JobError::Changes(e) => {
            run.failed(EXIT_TROUBLE, code, format!("cannot write the changes: {e}"))
        }
    }
}

// ---- What a command tells as it runs and when it ends: `--summary`, `--quiet` ----

/// How `score`, `explain` and `diff` report on a run.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// When the command ends, print a run summary for tools on stderr instead of the prose
    /// one: one JSON object on one line (counts, timings, exit status; see docs/language.md).
    #[arg(long, value_enum, value_name = "FORMAT")]
    summary: Option<SummaryFormat>,
    /// When the command ends, write the run summary (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    summary_file: Option<PathBuf>,
    /// No progress bar and no prose summary; errors are still shown.
    #[arg(short, long)]
    quiet: bool,
}

/// The option naming the summary file, in messages.
const SUMMARY_FILE: &str = "--summary-file";

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SummaryFormat {
    Json,
}

/// One run of a command over the data: its run summary as it grows, phase timings (on
/// stderr too when `LEADSCORE_TIMINGS` is set, for profiling), and, for a command that
/// reads the data once per model, standard input kept to be read again.
pub struct Run<'a> {
    report: &'a ReportArgs,
    started: Instant,
    lap: Instant,
    show_timings: bool,
    /// The time the leads are scored as of (one for every model a command runs).
    pub as_of: i64,
    pub summary: RunSummary,
    /// Whether standard input is kept for another read (see [`Run::keep_stdin`]).
    keep_stdin: bool,
    /// Standard input as read (still compressed, if it was), once it has been kept.
    stdin: Option<Arc<[u8]>>,
    /// Whether the summary file is the same file as an input or another output (and so
    /// is not written).
    summary_file_refused: bool,
}

impl DataArgs {
    /// Starts a run of `command`, as of the `--as-of` time or now.
    pub fn start(&self, command: &str) -> Run<'_> {
        let now = Instant::now();
        // A bad --as-of is reported by require_data, through this run's summary; until
        // then the run is as of now.
        let as_of = self
            .read_as_of()
            .ok()
            .flatten()
            .unwrap_or_else(leadscore::time::now);
        Run {
            report: &self.report,
            started: now,
            lap: now,
            show_timings: std::env::var_os("LEADSCORE_TIMINGS").is_some(),
            as_of,
            summary: RunSummary::new(command, as_of),
            keep_stdin: false,
            stdin: None,
            summary_file_refused: false,
        }
    }
}

impl Run<'_> {
    /// Whether the prose summary and the progress bar are left out: `--quiet`, or a JSON
    /// summary on stderr (which replaces the prose summary).
    pub fn quiet(&self) -> bool {
        self.report.quiet || self.report.summary.is_some()
    }

    /// Keeps standard input in memory when it is read, so that each model's run can
    /// read the data (`diff`).
    pub fn keep_stdin(&mut self) {
        self.keep_stdin = true;
    }

    /// Shows a problem on stderr (`error[code]: message`) and records it in the summary;
    /// returns `exit`.
    pub fn failed(&mut self, exit: i32, code: Option<Code>, message: String) -> i32 {
        match code {
            Some(code) => errln!("error[{code}]: {message}"),
            None => errln!("error: {message}"),
        }
        self.record(code, message);
        exit
    }

    /// Records a problem in the summary (already shown on stderr in other words).
    pub fn record(&mut self, code: Option<Code>, message: String) {
        self.summary.error = Some(Problem { code, message });
    }

    /// The seconds since the run started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The seconds since the last lap (shown as `name` with `LEADSCORE_TIMINGS`).
    pub fn lap(&mut self, name: &str) -> f64 {
        let seconds = self.lap.elapsed().as_secs_f64();
        if self.show_timings {
            errln!("  {name}: {seconds:.3}s");
        }
        self.lap = Instant::now();
        seconds
    }

    fn job_phase(&mut self, phase: Phase) {
        let seconds = self.lap(match phase {
            Phase::LeadsRead => "read leads",
            Phase::EventsRead => "read events",
            Phase::Scored => "score and format leads",
        });
        self.summary.seconds.add(phase, seconds);
    }

    /// Ends the run with `exit`: the summary on stderr and in the summary file, as asked.
    /// Returns the exit code (2 when the summary file cannot be written).
    pub fn finish(mut self, exit: i32) -> i32 {
        let seconds = self.elapsed();
        self.summary.ended(exit, seconds);
        let json = self.summary.to_json();
        if self.report.summary.is_some() {
            errln!("{json}");
        }
        let summary_file = self.report.summary_file.as_ref();
        if let Some(path) = summary_file.filter(|_| !self.summary_file_refused) {
            if let Err(e) = std::fs::write(path, json + "\n") {
                errln!("error: cannot write `{}`: {e}", path.display());
                return EXIT_TROUBLE;
            }
        }
        exit
    }

    /// Opens an input, decompressed; with `progress`, counting its bytes as they are
    /// read on a progress bar on stderr, when it is a terminal and the run is not quiet.
    fn open(&mut self, path: &Path, progress: bool) -> Result<(Input<'static>, ProgressBar), i32> {
        let name = open::name_of(path);
        // Like an input that fails while being read: E0806, exit 2.
        let unreadable = Some(Code::UnreadableInput);
        let (raw, size) = self
            .open_raw(path)
            .map_err(|e| self.failed(EXIT_TROUBLE, unreadable, io_message(Path::new(&name), &e)))?;
        let bar = if progress && !self.quiet() && std::io::stderr().is_terminal() {
            progress_bar(size)
        } else {
            ProgressBar::hidden()
        };
        let raw: Box<dyn Read> = Box::new(bar.wrap_read(raw));
        let mut input = open::decompressed(name.as_str(), raw)
            .map_err(|e| self.failed(EXIT_TROUBLE, unreadable, io_message(Path::new(&name), &e)))?;
        input.size = size;
        // A progress bar counts the bytes read through the reader: a mapped file's
        // would go uncounted, so one with a bar on show is read as a stream.
        if bar.is_hidden() {
            input.mapped = Mapped::plain_file(path);
        }
        Ok((input, bar))
    }

    /// The bytes of an input as stored, and their number when it is known beforehand.
    fn open_raw(&mut self, path: &Path) -> std::io::Result<(Box<dyn Read>, Option<u64>)> {
        if !open::is_stdin(path) {
            let size = std::fs::metadata(path).ok().map(|m| m.len());
            return Ok((open::open_raw(path)?, size));
        }
        if !self.keep_stdin {
            return Ok((open::open_raw(path)?, None));
        }
        let kept = match &self.stdin {
            Some(kept) => kept.clone(),
            None => {
                let mut bytes = Vec::new();
                std::io::stdin().lock().read_to_end(&mut bytes)?;
                self.stdin.insert(bytes.into()).clone()
            }
        };
        let size = kept.len() as u64;
        Ok((Box::new(std::io::Cursor::new(kept)), Some(size)))
    }
}

/// A progress bar over `size` bytes (a spinner and a count when the size is unknown).
fn progress_bar(size: Option<u64>) -> ProgressBar {
    let (bar, template) = match size {
        Some(size) => (
            ProgressBar::new(size),
            "{spinner} events {bytes}/{total_bytes} {wide_bar} {eta}",
        ),
        None => (ProgressBar::no_length(), "{spinner} events {bytes}"),
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}
