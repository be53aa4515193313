//! The data options `score`, `explain` and `diff` share, and how a command runs a job
//! over them: files opened, a progress bar, timings, job errors rendered.

use super::{io_message, Color, EXIT_FINDINGS, EXIT_TROUBLE};
use indicatif::{ProgressBar, ProgressStyle};
use leadscore::job::{JobError, Phase, ScoreJob};
use leadscore::time::TsUnit;
use leadscore::{Input, InputFormat as Format, Keys, ReadOptions, Source};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the data comes from and how to read it (shared by `score`, `explain`, `diff`).
#[derive(clap::Args)]
pub struct DataArgs {
    /// Lead records (JSON Lines, or CSV with a header row).
    #[arg(long, value_name = "FILE")]
    leads: Option<PathBuf>,
    /// Event records (JSON Lines, or CSV with a header row), in any order.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// Score as of this time (default: now), in any form `ts` takes: RFC 3339, a date, or
    /// a number in `--ts-unit`s since 1970. Later events are ignored.
    #[arg(long, value_name = "TIME", value_parser = check_as_of)]
    as_of: Option<String>,
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
    /// The unit of times written as numbers (`ts`, `time` fields, `--as-of`): seconds,
    /// milliseconds or microseconds since 1970.
    #[arg(long, value_enum, default_value_t = Unit::S, value_name = "UNIT")]
    ts_unit: Unit,
    /// Read numbers and booleans sent as JSON text (`"12"`, `"true"`, as CRM APIs send
    /// them) instead of refusing them. (CSV cells are always read by the field's type.)
    #[arg(long)]
    coerce_numbers: bool,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum InputFormat {
    Jsonl,
    Csv,
}

/// `--ts-unit`'s values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Unit {
    S,
    Ms,
    Us,
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
    pub fn require_data(&self) -> Result<(), i32> {
        if self.leads.is_none() && self.events.is_none() {
            eprintln!("error: give the data to score: --leads FILE, --events FILE, or both");
            return Err(EXIT_TROUBLE);
        }
        if let Err(problem) = self.read_as_of() {
            eprintln!("error: --as-of: {problem}");
            return Err(EXIT_TROUBLE);
        }
        Ok(())
    }

    /// The `--as-of` time, or now. (Call [`DataArgs::require_data`] first.)
    pub fn as_of(&self) -> i64 {
        self.read_as_of()
            .expect("require_data checks --as-of")
            .unwrap_or_else(leadscore::time::now)
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
            }),
            threads: self.threads.unwrap_or(defaults.threads).max(1),
            ..defaults
        }
    }

    /// Opens the rejects file and the inputs (the events with a progress bar when stderr
    /// is a terminal).
    fn open(&self) -> Result<Inputs, i32> {
        let rejects = match &self.rejects {
            Some(path) => match std::fs::File::create(path) {
                Ok(file) => Some((path.clone(), BufWriter::new(file))),
                Err(e) => {
                    eprintln!("error: cannot create `{}`: {e}", path.display());
                    return Err(EXIT_TROUBLE);
                }
            },
            None => None,
        };
        let leads = self.leads.as_deref().map(open).transpose()?;
        let (events, progress) = match self.events.as_deref() {
            Some(path) => {
                let (events, progress) = open_with_progress(path)?;
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

    /// Opens the data and runs `job` (a [`ScoreJob`] method) over it, with phase timings
    /// when `LEADSCORE_TIMINGS` is set. A job error is shown on stderr and becomes the
    /// exit code.
    pub fn run<T>(
        &self,
        timings: &mut Timings,
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
        } = self.open()?;
        let rejects_out = rejects.as_mut().map(|(_, out)| out as &mut dyn Write);
        let result = job(leads, events, rejects_out, &mut |phase| {
            if phase == Phase::EventsRead {
                progress.finish_and_clear();
            }
            timings.phase(match phase {
                Phase::LeadsRead => "read leads",
                Phase::EventsRead => "read events",
                Phase::Scored => "score and format leads",
            });
        });
        progress.finish_and_clear();
        result.map_err(|error| {
            let rejects = rejects.as_ref().map(|(path, _)| path.as_path());
            stopped(&error, rejects)
        })
    }
}

/// Shows why a job stopped; returns the exit code.
fn stopped(error: &JobError, rejects: Option<&Path>) -> i32 {
    let code = error.code();
    match error {
        JobError::Record(record) => {
            eprintln!("error[{code}]: {record}");
            if !record.can_be_set_aside() {
                return EXIT_TROUBLE;
            }
            eprintln!("  (use --rejects FILE to set bad records aside and score the rest)");
            EXIT_FINDINGS
        }
        JobError::Rejects(e) => {
            let path = rejects.map_or_else(String::new, |p| p.display().to_string());
            eprintln!("error[{code}]: cannot write `{path}`: {e}");
            EXIT_TROUBLE
        }
        JobError::Output(e) => {
            eprintln!("error[{code}]: cannot write results: {e}");
            EXIT_TROUBLE
        }
    }
}

fn open(path: &Path) -> Result<Input<'static>, i32> {
    Source::open(path).map_err(|e| {
        eprintln!("error: {}", io_message(path, &e));
        EXIT_TROUBLE
    })
}

/// Opens an events file, with a progress bar on stderr when it is a terminal.
fn open_with_progress(path: &Path) -> Result<(Input<'static>, ProgressBar), i32> {
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

/// Wall time per phase on stderr, when `LEADSCORE_TIMINGS` is set (for profiling).
pub struct Timings(Option<Instant>);

impl Timings {
    pub fn from_env() -> Timings {
        Timings(std::env::var_os("LEADSCORE_TIMINGS").map(|_| Instant::now()))
    }

    pub fn phase(&mut self, name: &str) {
        if let Some(start) = self.0 {
            eprintln!("  {name}: {:.3}s", start.elapsed().as_secs_f64());
            self.0 = Some(Instant::now());
        }
    }
}
