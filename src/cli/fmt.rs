//! `leadscore fmt [--check] PATH...`

use super::out::{err, errln, out, outln};
use super::{model, Color, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use leadscore::open;
use leadscore::Sources;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model files to format in place, or directories: every `.score` file below them
    /// (`-`: format stdin to stdout).
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub fn run(args: Args) -> i32 {
    let mut unformatted = 0;
    let mut broken = 0;
    let mut trouble = false;
    for source in model::sources(&args.files) {
        let (path, text) = match source {
            Ok(source) => source,
            Err(message) => {
                errln!("error: {message}");
                trouble = true;
                continue;
            }
        };
        let name = open::name_of(&path);
        let formatted = match leadscore::format::format_source(&text) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                let mut sources = Sources::new();
                sources.add(name.clone(), text);
                err!(
                    "{}",
                    render::human(&diagnostics.into_vec(), &sources, args.color.for_stderr())
                );
                errln!("error: `{name}` has syntax errors; not formatted");
                broken += 1;
                continue;
            }
        };
        if open::is_stdin(&path) && !args.check {
            // Standard input is formatted to stdout, changed or not.
            out!("{formatted}");
            continue;
        }
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            outln!("{name}");
        } else if let Err(e) = std::fs::write(&path, formatted) {
            errln!("error: cannot write `{}`: {e}", path.display());
            trouble = true;
        } else {
            errln!("formatted {}", path.display());
        }
    }
    if trouble {
        EXIT_TROUBLE
    } else if broken > 0 || (args.check && unformatted > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
