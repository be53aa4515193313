//! `leadscore check PATH...`

use super::out::{err, errln, out};
use super::{model, plural, Color, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use leadscore::open;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model files to check, or directories: every `.score` file below them.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    deny_warnings: bool,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    /// Source excerpts with labels, on stderr.
    Human,
    /// One JSON object per diagnostic per line, on stdout.
    Json,
    /// GitHub Actions annotations, on stdout.
    Github,
}

pub fn run(args: Args) -> i32 {
    let mut errors = 0;
    let mut warnings = 0;
    let mut unreadable = 0;
    let mut checked_files = 0;
    let color = args.color.for_stderr();
    for source in model::sources(&args.files) {
        let (path, text) = match source {
            Ok(source) => source,
            Err(message) => {
                errln!("error: {message}");
                unreadable += 1;
                continue;
            }
        };
        let checked = leadscore::check_source(&open::name_of(&path), &text, &leadscore::FsLoader);
        checked_files += 1;
        errors += checked.diagnostics.error_count();
        warnings += checked.diagnostics.warning_count();
        let list: Vec<_> = checked.diagnostics.into_vec();
        match args.format {
            Format::Human => err!("{}", render::human(&list, &checked.sources, color)),
            Format::Json => out!("{}", render::json(&list, &checked.sources)),
            Format::Github => out!("{}", render::github(&list, &checked.sources)),
        }
    }
    if matches!(args.format, Format::Human) {
        errln!(
            "checked {} file{}: {} error{}, {} warning{}{}",
            checked_files,
            plural(checked_files),
            errors,
            plural(errors),
            warnings,
            plural(warnings),
            if unreadable > 0 {
                format!("; {unreadable} could not be read")
            } else {
                String::new()
            }
        );
    }
    if unreadable > 0 {
        EXIT_TROUBLE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
