//! `leadscore diff OLD NEW --leads … --events …`: the impact of a model change.

use super::data::{DataArgs, Timings};
use super::score::scorer;
use super::{EXIT_FINDINGS, EXIT_OK};
use leadscore::diff::{self, Limits, Side};
use leadscore::Scorer;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The model as it is (a `.score` file or a plan).
    old: PathBuf,
    /// The model as proposed.
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
    #[arg(long, value_name = "PCT")]
    max_grade_changes: Option<f64>,
    /// Fail (exit 1) when more than PCT percent of leads change in any score.
    #[arg(long, value_name = "PCT")]
    max_score_changes: Option<f64>,
    /// Fail (exit 1) when more than PCT percent of leads gain or lose any flag.
    #[arg(long, value_name = "PCT")]
    max_flag_changes: Option<f64>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(args: Args) -> i32 {
    let old = match scorer(&args.old, &args.data, false) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    let new = match scorer(&args.new, &args.data, false) {
        Ok(scorer) => scorer,
        Err(code) => return code,
    };
    // One as-of time for both models, so only the model differs.
    let mut job = args.data.job(args.data.as_of());
    job.explain = true;
    let mut timings = Timings::from_env();
    let mut outcomes = |scorer: &Arc<Scorer>| {
        args.data
            .run(&mut timings, |leads, events, rejects, progress| {
                job.outcomes(scorer.clone(), leads, events, rejects, progress)
            })
    };
    let (old_outcomes, _) = match outcomes(&old) {
        Ok(outcomes) => outcomes,
        Err(code) => return code,
    };
    let (new_outcomes, _) = match outcomes(&new) {
        Ok(outcomes) => outcomes,
        Err(code) => return code,
    };
    let mut report = diff::diff(
        Side {
            plan: old.plan(),
            outcomes: &old_outcomes,
        },
        Side {
            plan: new.plan(),
            outcomes: &new_outcomes,
        },
        job.as_of,
        args.top,
    );
    // Both versions usually share a model name; the files tell them apart.
    report.old_model = args.old.display().to_string();
    report.new_model = args.new.display().to_string();
    match args.format {
        Format::Text => print!("{}", diff::text(&report)),
        Format::Markdown => print!("{}", diff::markdown(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialize")
        ),
    }
    let limits = Limits {
        grade_changes: args.max_grade_changes,
        score_changes: args.max_score_changes,
        flag_changes: args.max_flag_changes,
    };
    let broken = report.broken_limits(&limits);
    for limit in &broken {
        eprintln!("limit exceeded: {limit}");
    }
    if broken.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}
