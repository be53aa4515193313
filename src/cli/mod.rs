//! Command-line front end: argument parsing, file I/O and rendering. Exit codes are a
//! contract: 0 success, 1 findings (errors in a model, failed tests), 2 usage or I/O.

mod check;
mod compile;
mod data;
mod diff;
mod evaluate;
mod files;
mod fmt;
mod gen;
mod manual;
mod model;
mod out;
mod replay;
mod score;
#[cfg(feature = "serve")]
mod serve;
mod test;

use clap::{ArgGroup, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
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
    /// Replay events in file order through the live engine: the results `score` gives,
    /// and every flag and grade change at the moment it happened (`--changes`).
    Replay(replay::Args),
    /// Serve scores over HTTP: events and leads posted, scores read back, every change
    /// recorded and pushed to a webhook (`docs/serving.md`).
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// Show how a model change moves real leads: scores, grades, flags, top movers.
    Diff(diff::Args),
    /// Measure a model against real conversions: AUC, deciles, grades, flags, thresholds.
    Evaluate(evaluate::EvaluateArgs),
    /// Fit points to real conversions and write them into a new model for review.
    Suggest(evaluate::SuggestArgs),
    /// Format models in one canonical layout (`--check`: only list what would change).
    Fmt(fmt::Args),
    /// Run the test blocks of models.
    Test(test::Args),
    /// Generate synthetic leads and events for the B2B example or any model (`--model`).
    Gen(gen::Args),
    /// Inspect compiled plans.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions(manual::CompletionsArgs),
    /// Print the man page of leadscore or of one command, in roff (`leadscore man | man -l -`).
    Man(manual::ManArgs),
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
    /// Colour, even into a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

/// The help of every command's `--color` (see [`command`]).
const COLOR_HELP: &str = "When to colour messages and results meant for people";

impl Color {
    /// Whether to colour what goes to stderr.
    pub fn for_stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }

    /// Whether to colour what goes to stdout.
    pub fn for_stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    fn enabled(self, terminal: bool) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// The command line, as parsed, completed and documented: the derived definition, with
/// `--color` described once for every command that takes it (some take it through
/// shared, flattened arguments), and the data options of `score`, `explain` and `diff`
/// grouped, so their usage lines show that data is required.
pub fn command() -> clap::Command {
    polish(Cli::command())
}

fn polish(command: clap::Command) -> clap::Command {
    let mut command = command.mut_subcommands(polish);
    let has = |command: &clap::Command, id: &str| command.get_arguments().any(|a| a.get_id() == id);
    if has(&command, "color") {
        command = command.mut_arg("color", |arg| arg.help(COLOR_HELP));
    }
    // The data files (`gen`'s `--leads` and `--events` are counts, with defaults).
    let is_file = |command: &clap::Command, id: &str| {
        command
            .get_arguments()
            .any(|a| a.get_id() == id && a.get_value_names().is_some_and(|names| names == ["FILE"]))
    };
    if is_file(&command, "leads") && is_file(&command, "events") {
        command = command.group(
            ArgGroup::new("data")
                .args(["leads", "events"])
                .required(true)
                .multiple(true),
        );
    }
    command
}

pub fn run() -> i32 {
    let parsed = command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            if let Err(e) = error.print() {
                let stream = if error.use_stderr() {
                    out::Stream::Stderr
                } else {
                    out::Stream::Stdout // `--help`, `--version`
                };
                out::failed(stream, e);
            }
            return out::finish(if error.use_stderr() {
                EXIT_TROUBLE
            } else {
                EXIT_OK
            });
        }
    };
    // Every command prints through `out`, which turns a failed write into exit 2.
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Compile(args) => compile::compile(args),
        Command::Score(args) => score::score(args),
        Command::Explain(args) => score::explain(args),
        Command::Replay(args) => replay::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
        Command::Test(args) => test::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Evaluate(args) => evaluate::evaluate(args),
        Command::Suggest(args) => evaluate::suggest(args),
        Command::Plan(PlanCommand::Show(args)) => compile::show(args),
        Command::Completions(args) => manual::completions(args),
        Command::Man(args) => manual::man(args),
    };
    out::finish(code)
}

/// `path: reason` for an I/O error, in plain words.
pub fn io_message(path: &std::path::Path, error: &std::io::Error) -> String {
    let reason = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
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
