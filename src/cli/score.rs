//! `leadscore score` (every lead) and `leadscore explain` (one lead, as a table).

use super::{io_message, model, plural, Color, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use indicatif::{ProgressBar, ProgressStyle};
use leadscore::batch::{Batch, Summary};
use leadscore::input::{self, EventRecord, Format, Keys, RecordError, Source};
use leadscore::{output, Scorer};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A model and the data to run it on (shared by `score` and `explain`).
#[derive(clap::Args)]
pub struct InputArgs {
    /// The model: a `.score` file or a compiled plan.
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

/// Where the data comes from and how to read it (shared by `score`, `explain`, `diff`).
#[derive(clap::Args)]
pub struct DataArgs {
    /// Lead records (JSON Lines, or CSV with a header row).
    #[arg(long, value_name = "FILE")]
    leads: Option<PathBuf>,
    /// Event records (JSON Lines, or CSV with a header row), in any order.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// Score as of this time (RFC 3339 or a date; default: now). Later events are ignored.
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    as_of: Option<i64>,
    /// Input format (default: from the file extension; `.csv` is CSV, else JSON Lines).
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
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

impl DataArgs {
    fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum InputFormat {
    Jsonl,
    Csv,
}

#[derive(clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Add each lead's explanation: every rule that gave points, decay and clamp.
    #[arg(long)]
    explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Jsonl)]
    format: OutputFormat,
    /// Write results here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum OutputFormat {
    Jsonl,
    Csv,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The lead to explain.
    #[arg(long, value_name = "ID")]
    lead: String,
}

fn parse_as_of(text: &str) -> Result<i64, String> {
    leadscore::time::parse_timestamp(text).ok_or_else(|| {
        format!(
            "`{text}` is not a time: {}",
            leadscore::time::timestamp_hint(text)
        )
    })
}

pub fn score(args: ScoreArgs) -> i32 {
    let started = Instant::now();
    let run = match Run::prepare(&args.input.model, &args.input.data) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let batch = match run.read(&args.input.data, None) {
        Ok(batch) => batch,
        Err(code) => return code,
    };
    // Each thread formats its share of the leads; the shares are written in id order.
    let mut timings = Timings::from_env();
    let (format, explain) = (args.format, args.explain);
    let plan = run.scorer.plan();
    let (chunks, summary) = batch.finish_with(args.input.data.threads(), |share| {
        let mut bytes = Vec::new();
        let written = match (format, explain) {
            (OutputFormat::Jsonl, true) => output::write_jsonl(&share.outcomes(true), &mut bytes),
            (OutputFormat::Csv, true) => {
                output::write_csv_rows(&share.outcomes(true), true, &mut bytes)
            }
            (OutputFormat::Jsonl, false) => share.try_for_each(|id, results| {
                output::write_jsonl_result(plan, id, results, &mut bytes)
            }),
            (OutputFormat::Csv, false) => {
                let mut rows = output::CsvResults::new(plan, &mut bytes);
                share
                    .try_for_each(|id, results| rows.write(id, results))
                    .and_then(|()| rows.finish())
            }
        };
        written.expect("writing to memory does not fail");
        bytes
    });
    // The leads' records and states are freed when the process exits, all at once;
    // freeing them one by one would take a noticeable part of the run.
    std::mem::forget(batch);
    timings.phase("score and format leads");
    let write = |mut out: Box<dyn Write + '_>| -> std::io::Result<()> {
        if matches!(format, OutputFormat::Csv) {
            output::write_csv_header(run.scorer.plan(), explain, &mut out)?;
        }
        for chunk in &chunks {
            out.write_all(chunk)?;
        }
        out.flush()
    };
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| write(Box::new(BufWriter::new(file))))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => write(Box::new(BufWriter::new(std::io::stdout().lock())))
            .map_err(|e| format!("cannot write results: {e}")),
    };
    timings.phase("write results");
    if let Err(message) = written {
        eprintln!("error: {message}");
        return EXIT_TROUBLE;
    }
    eprintln!("{}", describe(&summary, started.elapsed().as_secs_f64()));
    EXIT_OK
}

pub fn explain(args: ExplainArgs) -> i32 {
    let run = match Run::prepare(&args.input.model, &args.input.data) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let (outcomes, _) = match run.execute(&args.input.data, Some(&args.lead), true) {
        Ok(result) => result,
        Err(code) => return code,
    };
    match outcomes.first() {
        Some(outcome) => {
            print!(
                "{}",
                output::explain_table(run.scorer.plan(), outcome, run.as_of)
            );
            EXIT_OK
        }
        None => {
            eprintln!(
                "error: no lead `{}` in the leads or events given",
                args.lead
            );
            EXIT_FINDINGS
        }
    }
}

/// The run summary printed on stderr.
fn describe(summary: &Summary, seconds: f64) -> String {
    let mut text = format!(
        "scored {} lead{} from {} event{}",
        summary.leads,
        plural(summary.leads),
        summary.events_read,
        plural(summary.events_read as usize)
    );
    let mut notes = Vec::new();
    if summary.events_future > 0 {
        notes.push(format!("{} after the as-of time", summary.events_future));
    }
    if summary.events_ignored() > 0 {
        let types: Vec<String> = summary
            .ignored_by_type
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        notes.push(format!(
            "{} of undeclared types ignored: {}",
            summary.events_ignored(),
            types.join(", ")
        ));
    }
    if summary.rejected > 0 {
        notes.push(format!(
            "{} bad record{} set aside",
            summary.rejected,
            plural(summary.rejected as usize)
        ));
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text.push_str(&format!(" in {seconds:.2}s"));
    text
}

/// A model ready to run over the data.
pub struct Run {
    pub scorer: Scorer,
    pub as_of: i64,
}

impl Run {
    pub fn prepare(model: &Path, args: &DataArgs) -> Result<Run, i32> {
        if args.leads.is_none() && args.events.is_none() {
            eprintln!("error: give the data to score: --leads FILE, --events FILE, or both");
            return Err(EXIT_TROUBLE);
        }
        let plan = model::load(model, args.color.for_stderr())?;
        let scorer = Scorer::new(plan).map_err(|e| {
            eprintln!("error: `{}`: {e}", model.display());
            EXIT_TROUBLE
        })?;
        Ok(Run {
            scorer,
            as_of: args.as_of.unwrap_or_else(leadscore::time::now),
        })
    }

    /// Scores every lead (or only `only`), in id order.
    pub fn execute(
        &self,
        args: &DataArgs,
        only: Option<&str>,
        explain: bool,
    ) -> Result<(Vec<leadscore::Outcome>, Summary), i32> {
        Ok(self
            .read(args, only)?
            .finish_parallel(explain, args.threads()))
    }

    /// Reads leads, then events, into a batch; `only` keeps a single lead.
    pub fn read(&self, args: &DataArgs, only: Option<&str>) -> Result<Batch<'_>, i32> {
        let keys = Keys {
            id: args.id_key.clone(),
            lead: args.lead_key.clone(),
            event_type: args.type_key.clone(),
            ts: args.ts_key.clone(),
        };
        let mut rejects = match &args.rejects {
            Some(path) => Some(Rejects::create(path)?),
            None => None,
        };
        let mut batch = Batch::new(&self.scorer, self.as_of);
        let mut timings = Timings::from_env();
        let keep = |id: &str| only.is_none_or(|o| o == id);
        if let Some(path) = &args.leads {
            let source = open(path)?;
            let format = format_of(args, path);
            let result = if only.is_none() && format == Format::Jsonl {
                let bad = batch.read_leads_parallel(source, &keys, args.threads());
                set_aside_all(bad, &mut rejects, &mut batch)
            } else {
                input::read_leads(source, format, self.scorer.plan(), &keys, |line, record| {
                    let record = record.and_then(|lead| {
                        if !keep(&lead.id) {
                            return Ok(());
                        }
                        batch.add_lead(lead, line).map_err(|e| RecordError {
                            file: path.display().to_string(),
                            line,
                            column: None,
                            field: Some(keys.id.clone()),
                            message: e.to_string(),
                            raw: String::new(),
                        })
                    });
                    set_aside(record, &mut rejects, &mut batch)
                })
            };
            result.map_err(stop)?;
        }
        timings.phase("read leads");
        if let Some(path) = &args.events {
            let (source, progress) = open_with_progress(path)?;
            let format = format_of(args, path);
            let result = if only.is_none() && format == Format::Jsonl {
                // The fast path: JSON Lines on every core.
                let bad = batch.read_events_parallel(source, &keys, args.threads());
                set_aside_all(bad, &mut rejects, &mut batch)
            } else {
                input::read_events(source, format, self.scorer.plan(), &keys, |_, record| {
                    let record = record.map(|event| {
                        let lead = match &event {
                            EventRecord::Declared(e) => e.lead.as_str(),
                            EventRecord::Undeclared { lead, .. } => lead.as_str(),
                        };
                        if keep(lead) {
                            batch.add_event(event);
                        }
                    });
                    set_aside(record, &mut rejects, &mut batch)
                })
            };
            progress.finish_and_clear();
            result.map_err(stop)?;
        }
        if let Some(rejects) = rejects {
            rejects.finish()?;
        }
        timings.phase("read events");
        Ok(batch)
    }
}

/// A bad record either stops the run or goes to the rejects file.
/// [`set_aside`] for the bad records a parallel reader returns (or the error that
/// stopped it).
fn set_aside_all(
    bad: Result<Vec<RecordError>, RecordError>,
    rejects: &mut Option<Rejects>,
    batch: &mut Batch<'_>,
) -> Result<(), RecordError> {
    bad?.into_iter()
        .try_for_each(|error| set_aside(Err(error), rejects, batch))
}

fn set_aside(
    record: Result<(), RecordError>,
    rejects: &mut Option<Rejects>,
    batch: &mut Batch<'_>,
) -> Result<(), RecordError> {
    match (record, rejects) {
        (Ok(()), _) => Ok(()),
        (Err(error), Some(rejects)) => {
            rejects.write(&error).map_err(|e| RecordError {
                message: format!("cannot write the rejects file: {e}"),
                ..error
            })?;
            batch.count_rejected();
            Ok(())
        }
        (Err(error), None) => Err(error),
    }
}

fn stop(error: RecordError) -> i32 {
    eprintln!("error: {error}");
    if !error.message.starts_with("cannot") {
        eprintln!("  (use --rejects FILE to set bad records aside and score the rest)");
    }
    EXIT_FINDINGS
}

fn format_of(args: &DataArgs, path: &Path) -> Format {
    match args.input_format {
        Some(InputFormat::Jsonl) => Format::Jsonl,
        Some(InputFormat::Csv) => Format::Csv,
        None => Format::from_path(path),
    }
}

fn open(path: &Path) -> Result<Source<Box<dyn Read>>, i32> {
    Source::open(path).map_err(|e| {
        eprintln!("error: {}", io_message(path, &e));
        EXIT_TROUBLE
    })
}

/// Opens an events file, with a progress bar on stderr when it is a terminal.
fn open_with_progress(path: &Path) -> Result<(Source<Box<dyn Read>>, ProgressBar), i32> {
    let source = open(path)?;
    if !std::io::stderr().is_terminal() {
        return Ok((source, ProgressBar::hidden()));
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{spinner} events {bytes}/{total_bytes} {wide_bar} {eta}")
            .expect("valid template"),
    );
    let reader: Box<dyn Read> = Box::new(bar.wrap_read(source.reader));
    Ok((
        Source {
            name: source.name,
            reader,
        },
        bar,
    ))
}

/// The rejects file: one JSON object per bad record.
struct Rejects {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl Rejects {
    fn create(path: &Path) -> Result<Rejects, i32> {
        std::fs::File::create(path)
            .map(|file| Rejects {
                path: path.to_path_buf(),
                out: BufWriter::new(file),
            })
            .map_err(|e| {
                eprintln!("error: cannot create `{}`: {e}", path.display());
                EXIT_TROUBLE
            })
    }

    fn write(&mut self, error: &RecordError) -> std::io::Result<()> {
        let record = serde_json::json!({
            "file": error.file,
            "line": error.line,
            "column": error.column,
            "field": error.field,
            "error": error.message,
            "record": error.raw,
        });
        writeln!(self.out, "{record}")
    }

    fn finish(mut self) -> Result<(), i32> {
        self.out.flush().map_err(|e| {
            eprintln!("error: cannot write `{}`: {e}", self.path.display());
            EXIT_TROUBLE
        })
    }
}

/// Wall time per phase on stderr, when `LEADSCORE_TIMINGS` is set (for profiling).
struct Timings(Option<Instant>);

impl Timings {
    fn from_env() -> Timings {
        Timings(std::env::var_os("LEADSCORE_TIMINGS").map(|_| Instant::now()))
    }

    fn phase(&mut self, name: &str) {
        if let Some(start) = self.0 {
            eprintln!("  {name}: {:.3}s", start.elapsed().as_secs_f64());
            self.0 = Some(Instant::now());
        }
    }
}
