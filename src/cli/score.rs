//! `leadscore score` (every lead) and `leadscore explain` (one lead, as a table).

use super::data::{DataArgs, Timings};
use super::{model, plural, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::Code;
use leadscore::{Scorer, Summary};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// A model and the data to run it on (shared by `score` and `explain`).
#[derive(clap::Args)]
pub struct InputArgs {
    /// The model: a `.score` file or a compiled plan.
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
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

pub fn score(args: ScoreArgs) -> i32 {
    let started = Instant::now();
    let data = &args.input.data;
    let scorer = match scorer(&args.input.model, data, args.explain) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let mut job = data.job(data.as_of());
    job.explain = args.explain;
    job.output_format = match args.format {
        OutputFormat::Jsonl => leadscore::OutputFormat::Jsonl,
        OutputFormat::Csv => leadscore::OutputFormat::Csv,
    };
    let mut timings = Timings::from_env();
    let scored = data.run(&mut timings, |leads, events, rejects, progress| {
        job.score(scorer, leads, events, rejects, progress)
    });
    let scored = match scored {
        Ok(scored) => scored,
        Err(code) => return code,
    };
    // The output is created only now, so a run that stops leaves no file behind.
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| scored.write_to(&mut BufWriter::new(file)))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => scored
            .write_to(&mut BufWriter::new(std::io::stdout().lock()))
            .map_err(|e| format!("cannot write results: {e}")),
    };
    timings.phase("write results");
    if let Err(message) = written {
        eprintln!("error[{}]: {message}", Code::UnwritableOutput);
        return EXIT_TROUBLE;
    }
    eprintln!(
        "{}",
        describe(&scored.summary, started.elapsed().as_secs_f64())
    );
    EXIT_OK
}

pub fn explain(args: ExplainArgs) -> i32 {
    let data = &args.input.data;
    let scorer = match scorer(&args.input.model, data, true) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let job = data.job(data.as_of());
    let outcome = data.run(
        &mut Timings::from_env(),
        |leads, events, rejects, progress| {
            job.explain(scorer.clone(), &args.lead, leads, events, rejects, progress)
        },
    );
    match outcome {
        Ok(Some(outcome)) => {
            print!(
                "{}",
                leadscore::explain_table(scorer.plan(), &outcome, job.as_of)
            );
            EXIT_OK
        }
        Ok(None) => {
            eprintln!(
                "error: no lead `{}` in the leads or events given",
                args.lead
            );
            EXIT_FINDINGS
        }
        Err(code) => code,
    }
}

/// The scorer of a model, once there is data to run it on; on failure, the exit code
/// (the reason already on stderr). With `explain`, it keeps the times of the newest
/// events each rule counted, for the explanations.
pub fn scorer(model: &Path, data: &DataArgs, explain: bool) -> Result<Arc<Scorer>, i32> {
    data.require_data()?;
    let plan = model::load(model, data.color.for_stderr())?;
    let scorer = Scorer::new(plan).map_err(|e| {
        eprintln!("error: `{}`: {e}", model.display());
        EXIT_TROUBLE
    })?;
    Ok(Arc::new(if explain {
        scorer.with_event_times()
    } else {
        scorer
    }))
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
