//! `leadscore score` (every lead) and `leadscore explain` (one lead, as a table).

use super::data::{DataArgs, Run};
use super::files::Named;
use super::out::{errln, out};
use super::{model, plural, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::Code;
use leadscore::job::{RunCounts, Scored};
use leadscore::{OutputFormat as Format, Scorer, Summary};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A model and the data to run it on (shared by `score` and `explain`).
#[derive(clap::Args)]
pub struct InputArgs {
    /// The model: a `.score` file or a compiled plan (`-`: read from stdin).
    pub(super) model: PathBuf,
    #[command(flatten)]
    pub(super) data: DataArgs,
}

#[derive(clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Add each lead's explanation: every rule that gave points, decay and clamp.
    #[arg(long)]
    pub(super) explain: bool,
    /// Output format (default: from the `--output` file's extension, `.csv` for CSV,
    /// else JSON Lines).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Write results here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum OutputFormat {
    Jsonl,
    Csv,
}

impl ScoreArgs {
    /// The output format: `--format`, else what the output file's name asks for, else
    /// JSON Lines.
    pub(super) fn output_format(&self) -> Format {
        match self.format {
            Some(OutputFormat::Jsonl) => Format::Jsonl,
            Some(OutputFormat::Csv) => Format::Csv,
            None => self
                .output
                .as_deref()
                .and_then(Format::from_path)
                .unwrap_or_default(),
        }
    }
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
    let mut run = args.input.data.start("score");
    let exit = score_in(&args, &mut run);
    run.finish(exit)
}

fn score_in(args: &ScoreArgs, run: &mut Run<'_>) -> i32 {
    let input = &args.input;
    let data = &input.data;
    let model = [("the model", input.model.as_path())];
    if let Err(exit) = data.stdin_once(run, &model) {
        return exit;
    }
    let output: Vec<_> = args
        .output
        .iter()
        .map(|path| ("-o", path.as_path()))
        .collect();
    if let Err(exit) = data.distinct_files(run, &model, &output) {
        return exit;
    }
    let scorer = match scorer(&input.model, data, args.explain, &output, run) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let mut job = data.job(run.as_of);
    job.explain = args.explain;
    job.output_format = args.output_format();
    let scored = data.run(run, |leads, events, rejects, progress| {
        job.score(scorer, leads, events, rejects, progress)
    });
    let scored = match scored {
        Ok(scored) => scored,
        Err(code) => return code,
    };
    let counts = RunCounts::new(
        model_name(&input.model),
        &scored.summary,
        scored.files.clone(),
    );
    run.summary.runs.push(counts);
    write_scored(args, &scored, run)
}

/// Writes the results of a scoring run (`score`, `replay`) and its summary line.
pub(super) fn write_scored(args: &ScoreArgs, scored: &Scored, run: &mut Run<'_>) -> i32 {
    // The output is created only now, so a run that stops leaves no file behind.
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| scored.write_to(&mut BufWriter::new(file)))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => scored
            .write_to(&mut BufWriter::new(std::io::stdout().lock()))
            .map_err(|e| format!("cannot write results: {e}")),
    };
    run.summary.seconds.write += run.lap("write results");
    if let Err(message) = written {
        return run.failed(EXIT_TROUBLE, Some(Code::UnwritableOutput), message);
    }
    if !run.quiet() {
        errln!("{}", describe(&scored.summary, run.elapsed()));
    }
    EXIT_OK
}

pub fn explain(args: ExplainArgs) -> i32 {
    let mut run = args.input.data.start("explain");
    let exit = explain_in(&args, &mut run);
    run.finish(exit)
}

fn explain_in(args: &ExplainArgs, run: &mut Run<'_>) -> i32 {
    let input = &args.input;
    let data = &input.data;
    let model = [("the model", input.model.as_path())];
    if let Err(exit) = data.stdin_once(run, &model) {
        return exit;
    }
    if let Err(exit) = data.distinct_files(run, &model, &[]) {
        return exit;
    }
    let scorer = match scorer(&input.model, data, true, &[], run) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let job = data.job(run.as_of);
    let explained = data.run(run, |leads, events, rejects, progress| {
        job.explained(scorer.clone(), &args.lead, leads, events, rejects, progress)
    });
    let explained = match explained {
        Ok(explained) => explained,
        Err(code) => return code,
    };
    let counts = RunCounts::new(
        model_name(&input.model),
        &explained.summary,
        explained.files,
    );
    run.summary.runs.push(counts);
    match explained.outcome {
        Some(outcome) => {
            out!(
                "{}",
                leadscore::explain_table(scorer.plan(), &outcome, job.as_of)
            );
            run.summary.seconds.write += run.lap("write the explanation");
            EXIT_OK
        }
        None => {
            let message = format!("no lead `{}` in the leads or events given", args.lead);
            run.failed(EXIT_FINDINGS, None, message)
        }
    }
}

/// A model's name in the run summary, as given (`<stdin>` for `-`).
pub fn model_name(path: &Path) -> String {
    leadscore::open::name_of(path)
}

/// The scorer of a model, once there is data to run it on; on failure, the exit code
/// (the reason already on stderr). With `explain`, it keeps the times of the newest
/// events each rule counted, for the explanations.
/// The scorer of a model, for a run writing `outputs` (besides `--rejects` and
/// `--summary-file`), none of which may be a file the model imports.
pub fn scorer(
    model: &Path,
    data: &DataArgs,
    explain: bool,
    outputs: &[Named<'_>],
    run: &mut Run<'_>,
) -> Result<Arc<Scorer>, i32> {
    data.require_data(run)?;
    let name = model_name(model);
    let (plan, files) =
        model::load_with_files(model, data.color.for_stderr()).inspect_err(|_| {
            // The reasons are on stderr already: diagnostics, or why the file cannot be read.
            run.record(None, format!("the model `{name}` cannot be run"));
        })?;
    let imports: Vec<Named<'_>> = files
        .iter()
        .skip(1)
        .map(|file| ("a file the model imports", file.as_path()))
        .collect();
    data.distinct_files(run, &imports, outputs)?;
    let scorer =
        Scorer::new(plan).map_err(|e| run.failed(EXIT_TROUBLE, None, format!("`{name}`: {e}")))?;
    Ok(Arc::new(if explain {
        scorer.with_event_times()
    } else {
        scorer
    }))
}

/// The run summary printed on stderr.
pub(super) fn describe(summary: &Summary, seconds: f64) -> String {
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
