//! `leadscore evaluate` (how a model's scores did against real conversions) and
//! `leadscore suggest` (points fitted to them, written into a new model).

use super::data::{DataArgs, Run};
use super::files::Named;
use super::out::{errln, out};
use super::score::{model_name, scorer};
use super::{io_message, model, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::Code;
use leadscore::evaluate::{
    self, read_conversions, Collect, Conversions, EvaluateError, LeadsAsOf, Settings,
    SuggestOptions, Window,
};
use leadscore::job::RunCounts;
use leadscore::{open, Input, Scorer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What both commands read: a model, the data as of C, the outcomes and the horizon.
#[derive(clap::Args)]
pub struct OutcomeArgs {
    /// The model: a `.score` file or a compiled plan (`-`: read from stdin).
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Outcome records: JSON Lines, or CSV with a header row (the lead, the time and the
    /// outcome of each, such as `{"lead":"L1","ts":"2026-10-15T10:00:00Z","outcome":"sql"}`).
    #[arg(long, value_name = "FILE")]
    outcomes: PathBuf,
    /// How long after --as-of a conversion counts (`90d`, `12w`).
    #[arg(long, value_name = "DURATION", value_parser = parse_horizon)]
    horizon: i64,
    /// The outcome that is a conversion.
    #[arg(long, default_value = "sql", value_name = "LABEL")]
    outcome: String,
    /// The key of an outcome record's label.
    #[arg(long, default_value = "outcome", value_name = "KEY")]
    outcome_key: String,
}

#[derive(clap::Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    input: OutcomeArgs,
    /// Also report per value of this lead field (`lead.segment`), with each segment's
    /// own thresholds.
    #[arg(long, value_name = "lead.FIELD")]
    by: Option<String>,
    /// The share of leads sales can take (`10%`), for the suggested thresholds.
    #[arg(long, default_value = "10%", value_name = "SHARE", value_parser = parse_share)]
    capacity: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Also write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ReportFormat {
    Text,
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    input: OutcomeArgs,
    /// Write the model with the suggested points here (comments and layout kept).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The points that double a lead's odds of converting (scorecard scaling).
    #[arg(long, default_value_t = 20.0, value_name = "POINTS", value_parser = parse_positive)]
    points_to_double: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SuggestFormat::Text)]
    format: SuggestFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SuggestFormat {
    Text,
    Json,
}

/// `--horizon`: a positive whole number and a unit (`s m h d w`).
fn parse_horizon(text: &str) -> Result<i64, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = leadscore::time::unit_micros(&text[digits.len()..]);
    match (digits.parse::<i64>(), unit) {
        (Ok(n), Some(unit)) if n > 0 => n
            .checked_mul(unit)
            .ok_or_else(|| "too long a horizon".to_string()),
        _ => Err("give a duration like `90d` (units s, m, h, d, w)".into()),
    }
}

/// `--capacity`: a share of leads, `10%` or `0.1`, above 0 and at most 1.
fn parse_share(text: &str) -> Result<f64, String> {
    let share = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    match share {
        Ok(s) if s > 0.0 && s <= 1.0 => Ok(s),
        _ => Err("give a share of leads above 0 and at most 100%, like `10%`".into()),
    }
}

fn parse_positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err("give a positive number".into()),
    }
}

/// The leads as of C and the conversions after it, with the scorer; on failure the exit
/// code (the reason on stderr and in the run summary).
struct Read {
    scorer: Arc<Scorer>,
    leads: LeadsAsOf,
    conversions: Conversions,
    window: Window,
}

impl OutcomeArgs {
    fn read(
        &self,
        run: &mut Run<'_>,
        outputs: &[Named<'_>],
        collect: impl FnOnce(&Scorer, &mut Run<'_>) -> Result<Collect, i32>,
    ) -> Result<Read, i32> {
        let data = &self.data;
        let inputs = [
            ("the model", self.model.as_path()),
            ("--outcomes", self.outcomes.as_path()),
        ];
        data.stdin_once(run, &inputs)?;
        data.distinct_files(run, &inputs, outputs)?;
        if !data.as_of_given() {
            let message = "give the cut-off time with --as-of: leads are scored as of it, and conversions counted in the --horizon after it".to_string();
            return Err(run.failed(EXIT_TROUBLE, None, message));
        }
        let scorer = scorer(&self.model, data, false, outputs, run)?;
        let collect = collect(&scorer, run)?;
        let outcomes = open_outcomes(&self.outcomes, run)?;
        let window = Window {
            as_of: run.as_of,
            horizon: self.horizon,
            label: self.outcome.clone(),
        };
        let job = data.job(run.as_of);
        let read = data.run(run, |leads, events, mut rejects, progress| {
            let scored = LeadsAsOf::read(
                &job,
                scorer.clone(),
                leads,
                events,
                rejects
                    .as_mut()
                    .map(|w| &mut **w as &mut dyn std::io::Write),
                progress,
                &collect,
            )?;
            let (conversions, file) =
                read_conversions(&job, outcomes, &self.outcome_key, &window, rejects)?;
            Ok((scored, conversions, file))
        });
        let (mut leads, conversions, file) = read?;
        // The bad outcome records set aside count with the leads' and events'.
        let rejected = file.rejected;
        leads.files.push(file);
        let mut counts =
            RunCounts::new(model_name(&self.model), &leads.summary, leads.files.clone());
        counts.rejected += rejected;
        run.summary.runs.push(counts);
        Ok(Read {
            scorer,
            leads,
            conversions,
            window,
        })
    }
}

fn open_outcomes(path: &Path, run: &mut Run<'_>) -> Result<Input<'static>, i32> {
    Input::open(path).map_err(|e| {
        let name = open::name_of(path);
        let message = io_message(Path::new(&name), &e);
        run.failed(EXIT_TROUBLE, Some(Code::UnreadableInput), message)
    })
}

/// Shows why no report can be made; returns the exit code (1: the data says too little,
/// 2: a name or file the command cannot use).
fn refused(run: &mut Run<'_>, error: &EvaluateError) -> i32 {
    let exit = match error {
        EvaluateError::TooFewConversions { .. } => EXIT_FINDINGS,
        _ => EXIT_TROUBLE,
    };
    run.failed(exit, Some(error.code()), error.to_string())
}

pub fn evaluate(args: EvaluateArgs) -> i32 {
    let mut run = args.input.data.start("evaluate");
    let exit = evaluate_in(&args, &mut run);
    run.finish(exit)
}

fn evaluate_in(args: &EvaluateArgs, run: &mut Run<'_>) -> i32 {
    let outputs: Vec<Named<'_>> = args.html.iter().map(|p| ("--html", p.as_path())).collect();
    let by = args
        .by
        .as_deref()
        .map(|by| by.strip_prefix("lead.").unwrap_or(by));
    let read = args.input.read(run, &outputs, |scorer, run| {
        let segment = match by {
            Some(field) => {
                Some(evaluate::lead_field(scorer.plan(), field).map_err(|e| refused(run, &e))?)
            }
            None => None,
        };
        Ok(Collect {
            rule_values: false,
            segment,
        })
    });
    let read = match read {
        Ok(read) => read,
        Err(exit) => return exit,
    };
    let settings = Settings {
        model: model_name(&args.input.model),
        window: read.window,
        capacity: args.capacity,
        segment_field: by.map(str::to_string),
    };
    let report = evaluate::evaluate(
        read.scorer.plan(),
        &read.leads.rows,
        &read.conversions,
        &settings,
    );
    let report = match report {
        Ok(report) => report,
        Err(error) => return refused(run, &error),
    };
    if let Some(path) = &args.html {
        if let Err(e) = std::fs::write(path, report.html()) {
            let message = format!("cannot write `{}`: {e}", path.display());
            return run.failed(EXIT_TROUBLE, Some(Code::UnwritableOutput), message);
        }
    }
    match args.format {
        ReportFormat::Text => out!("{}", report.text()),
        ReportFormat::Markdown => out!("{}", report.markdown()),
        ReportFormat::Json => out!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("a report serializes")
        ),
    }
    EXIT_OK
}

pub fn suggest(args: SuggestArgs) -> i32 {
    let mut run = args.input.data.start("suggest");
    let exit = suggest_in(&args, &mut run);
    run.finish(exit)
}

fn suggest_in(args: &SuggestArgs, run: &mut Run<'_>) -> i32 {
    let model = args.input.model.as_path();
    let outputs: Vec<Named<'_>> = args.output.iter().map(|p| ("-o", p.as_path())).collect();
    if args.output.is_some() && open::is_stdin(model) {
        let message =
            "-o writes the model with new points: give the model as a file, not `-`".to_string();
        return run.failed(EXIT_TROUBLE, None, message);
    }
    let read = args.input.read(run, &outputs, |_, _| {
        Ok(Collect {
            rule_values: true,
            segment: None,
        })
    });
    let read = match read {
        Ok(read) => read,
        Err(exit) => return exit,
    };
    let text = match &args.output {
        Some(_) => match model::sources(&[model.to_path_buf()]).next() {
            Some(Ok((_, text))) => Some(text),
            Some(Err(message)) => return run.failed(EXIT_TROUBLE, None, message),
            None => None,
        },
        None => None,
    };
    let name = model_name(model);
    let options = SuggestOptions {
        points_to_double: args.points_to_double,
        label: args.input.outcome.clone(),
        ..SuggestOptions::default()
    };
    let main = text.as_deref().map(|text| (name.as_str(), text));
    let suggestion = evaluate::suggest(
        read.scorer.plan(),
        &read.leads.rows,
        &read.conversions,
        &options,
        main,
    );
    let suggestion = match suggestion {
        Ok(suggestion) => suggestion,
        Err(error) => return refused(run, &error),
    };
    if let (Some(path), Some(source)) = (&args.output, &suggestion.source) {
        if let Err(e) = std::fs::write(path, source) {
            let message = format!("cannot write `{}`: {e}", path.display());
            return run.failed(EXIT_TROUBLE, Some(Code::UnwritableOutput), message);
        }
    }
    match args.format {
        SuggestFormat::Text => out!("{}", suggestion.text()),
        SuggestFormat::Json => out!(
            "{}\n",
            serde_json::to_string_pretty(&suggestion).expect("a suggestion serializes")
        ),
    }
    if let Some(path) = &args.output {
        if !run.quiet() {
            errln!(
                "wrote `{}`: review it with `leadscore diff {} {}` and `leadscore test`",
                path.display(),
                model.display(),
                path.display()
            );
        }
    }
    EXIT_OK
}
