//! `leadscore check FILE...`

use super::{io_message, plural, Color, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    deny_warnings: bool,
    /// When to use colours in human output.
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
    let color = args.color.for_stderr();
    for path in &args.files {
        let checked = match leadscore::check_file(path) {
            Ok(checked) => checked,
            Err(error) => {
                eprintln!("error: {}", io_message(path, &error));
                unreadable += 1;
                continue;
            }
        };
        errors += checked.diagnostics.error_count();
        warnings += checked.diagnostics.warning_count();
        let list: Vec<_> = checked.diagnostics.into_vec();
        match args.format {
            Format::Human => eprint!("{}", render::human(&list, &checked.sources, color)),
            Format::Json => print_stdout(&render::json(&list, &checked.sources)),
            Format::Github => print_stdout(&render::github(&list, &checked.sources)),
        }
    }
    if matches!(args.format, Format::Human) {
        let checked = args.files.len() - unreadable;
        eprintln!(
            "checked {} file{}: {} error{}, {} warning{}{}",
            checked,
            plural(checked),
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

fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}
