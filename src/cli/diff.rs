//! `leadscore diff OLD NEW --leads … --events …`: the impact of a model change.

use super::score::{DataArgs, Run};
use super::{EXIT_FINDINGS, EXIT_OK};
use leadscore::diff::{self, DiffReport, Side};
use std::path::PathBuf;

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
    let old = match Run::prepare(&args.old, &args.data) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let new = match Run::prepare(&args.new, &args.data) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let (old_outcomes, _) = match old.execute(&args.data, None, true) {
        Ok(result) => result,
        Err(code) => return code,
    };
    let (new_outcomes, _) = match new.execute(&args.data, None, true) {
        Ok(result) => result,
        Err(code) => return code,
    };
    let mut report = diff::diff(
        Side {
            plan: old.scorer.plan(),
            outcomes: &old_outcomes,
        },
        Side {
            plan: new.scorer.plan(),
            outcomes: &new_outcomes,
        },
        old.as_of,
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
    let breaches = limits_broken(&args, &report);
    for breach in &breaches {
        eprintln!("limit exceeded: {breach}");
    }
    if breaches.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

/// The `--max-…` limits the change goes over, in words.
fn limits_broken(args: &Args, report: &DiffReport) -> Vec<String> {
    let share = |n: usize| {
        if report.leads == 0 {
            0.0
        } else {
            n as f64 * 100.0 / report.leads as f64
        }
    };
    let mut broken = Vec::new();
    if let Some(limit) = args.max_grade_changes {
        for g in report.grades.iter().filter(|g| share(g.moved) > limit) {
            broken.push(format!(
                "{:.1}% of leads change band in grade `{}` (limit {limit}%)",
                share(g.moved),
                g.score
            ));
        }
    }
    if let Some(limit) = args.max_score_changes {
        for s in report.scores.iter().filter(|s| share(s.changed) > limit) {
            broken.push(format!(
                "{:.1}% of leads change score `{}` (limit {limit}%)",
                share(s.changed),
                s.score
            ));
        }
    }
    if let Some(limit) = args.max_flag_changes {
        for f in report
            .flags
            .iter()
            .filter(|f| share(f.gained + f.lost) > limit)
        {
            broken.push(format!(
                "{:.1}% of leads gain or lose flag `{}` (limit {limit}%)",
                share(f.gained + f.lost),
                f.flag
            ));
        }
    }
    broken
}
