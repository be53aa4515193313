//! `leadscore diff OLD NEW --leads … --events …`: the impact of a model change.

use super::data::{DataArgs, Run};
use super::out::{errln, out, outln};
use super::score::{model_name, scorer};
use super::{EXIT_FINDINGS, EXIT_OK};
use leadscore::diff::{self, Limits};
use leadscore::job::RunCounts;
use leadscore::Scorer;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The model as it is (a `.score` file or a plan; `-`: read from stdin).
    old: PathBuf,
    /// The model as proposed (`-`: read from stdin).
    new: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Report format: plain text, Markdown for a pull-request comment, or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How many of the leads that moved most to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Fail (exit 1) when more than PCT percent of leads change band in any grade.
    #[arg(long, value_name = "PCT", value_parser = diff::parse_limit)]
    max_grade_changes: Option<f64>,
    /// Fail (exit 1) when more than PCT percent of leads change in any score.
    #[arg(long, value_name = "PCT", value_parser = diff::parse_limit)]
    max_score_changes: Option<f64>,
    /// Fail (exit 1) when more than PCT percent of leads gain or lose any flag.
    #[arg(long, value_name = "PCT", value_parser = diff::parse_limit)]
    max_flag_changes: Option<f64>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(args: Args) -> i32 {
    // One as-of time for both models, so only the model differs.
    let mut run = args.data.start("diff");
    let exit = run_in(&args, &mut run);
    run.finish(exit)
}

fn run_in(args: &Args, run: &mut Run<'_>) -> i32 {
    let models = [("OLD", args.old.as_path()), ("NEW", args.new.as_path())];
    if let Err(exit) = args.data.stdin_once(run, &models) {
        return exit;
    }
    if let Err(exit) = args.data.distinct_files(run, &models, &[]) {
        return exit;
    }
    // The data is read once per model: standard input must be kept to be read again.
    run.keep_stdin();
    let old = match scorer(&args.old, &args.data, false, &[], run) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let new = match scorer(&args.new, &args.data, false, &[], run) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let job = args.data.job(run.as_of);
    let results = |model: &PathBuf, scorer: &Arc<Scorer>, run: &mut Run<'_>| {
        let results = args.data.run(run, |leads, events, rejects, progress| {
            job.results(scorer.clone(), leads, events, rejects, progress)
        })?;
        let counts = RunCounts::new(model_name(model), &results.summary, results.files.clone());
        run.summary.runs.push(counts);
        Ok::<_, i32>(results)
    };
    let old_results = match results(&args.old, &old, run) {
        Ok(results) => results,
        Err(code) => return code,
    };
    let new_results = match results(&args.new, &new, run) {
        Ok(results) => results,
        Err(code) => return code,
    };
    let mut report = diff::diff(&old_results, &new_results, job.as_of, args.top);
    run.summary.seconds.score += run.lap("compare");
    // Both versions usually share a model name; the files tell them apart.
    report.old_model = args.old.display().to_string();
    report.new_model = args.new.display().to_string();
    match args.format {
        Format::Text => out!("{}", diff::text(&report)),
        Format::Markdown => out!("{}", diff::markdown(&report)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialize")
        ),
    }
    run.summary.seconds.write += run.lap("write the report");
    let limits = Limits {
        grade_changes: args.max_grade_changes,
        score_changes: args.max_score_changes,
        flag_changes: args.max_flag_changes,
    };
    let broken = report.broken_limits(&limits);
    for limit in &broken {
        errln!("limit exceeded: {limit}");
    }
    if broken.is_empty() {
        return EXIT_OK;
    }
    let words: Vec<String> = broken
        .iter()
        .map(|l| format!("limit exceeded: {l}"))
        .collect();
    run.record(None, words.join("; "));
    EXIT_FINDINGS
}
