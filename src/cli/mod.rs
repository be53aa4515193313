//! Command-line front end: argument parsing, file I/O and rendering. Exit codes are a
//! contract: 0 success, 1 findings (errors in a model, failed tests), 2 usage or I/O.

mod check;
mod compile;
mod data;
mod diff;
mod fmt;
mod gen;
mod model;
mod score;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_TROUBLE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "leadscore",
    version,
    about = "Lead scoring models as code: check, compile and score"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check models; report every problem found.
    Check(check::Args),
    /// Compile a model into a scoring plan.
    Compile(compile::CompileArgs),
    /// Score leads: one result per lead, sorted by lead id.
    Score(score::ScoreArgs),
    /// Show why one lead has its scores, rule by rule.
    Explain(score::ExplainArgs),
    /// Show how a model change moves real leads: scores, grades, flags, top movers.
    Diff(diff::Args),
    /// Format models in one canonical layout (`--check`: only list what would change).
    Fmt(fmt::Args),
    /// Run the test blocks of models.
    Test(test::Args),
    /// Generate synthetic leads and events for the B2B example (benchmarks, demos).
    Gen(gen::Args),
    /// Inspect compiled plans.
    #[command(subcommand)]
    Plan(PlanCommand),
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Print a plan's disassembly, each block tied to its source line.
    Show(compile::ShowArgs),
}

/// When to colour human-readable output.
#[derive(Clone, Copy, Debug, ValueEnum, Default)]
pub enum Color {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl Color {
    pub fn for_stderr(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_TROUBLE
            } else {
                EXIT_OK
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Compile(args) => compile::compile(args),
        Command::Score(args) => score::score(args),
        Command::Explain(args) => score::explain(args),
        Command::Test(args) => test::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Plan(PlanCommand::Show(args)) => compile::show(args),
    }
}

/// `path: reason` for an I/O error, in plain words.
pub fn io_message(path: &std::path::Path, error: &std::io::Error) -> String {
    let reason = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "not valid UTF-8 text".to_string(),
        _ => error.to_string(),
    };
    format!("cannot read `{}`: {reason}", path.display())
}

/// "s" unless there is exactly one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
