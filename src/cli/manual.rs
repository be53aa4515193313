//! `leadscore completions SHELL` and `leadscore man [COMMAND...]`: shell completion
//! scripts and man pages, generated from the command-line definition itself, so they
//! always match the commands and options this build has.

use super::out::{self, errln};
use super::{command, EXIT_OK, EXIT_TROUBLE};
use clap_complete::Shell;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// The command whose page to print (`check`, `plan show`, …); none: leadscore's own.
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
    /// Instead of printing one page, write every page (`leadscore.1`,
    /// `leadscore-check.1`, …) into this directory.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    out_dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> i32 {
    let mut command = command();
    // Generated in memory: `generate` panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "leadscore", &mut script);
    out::stdout_bytes(&script);
    EXIT_OK
}

pub fn man(args: ManArgs) -> i32 {
    let leadscore = built_command();
    if let Some(dir) = &args.out_dir {
        return write_pages(&leadscore, dir);
    }
    let mut page = &leadscore;
    for name in &args.command {
        let Some(sub) = page.find_subcommand(name) else {
            errln!("error: there is no command `{}`", args.command.join(" "));
            return EXIT_TROUBLE;
        };
        page = sub;
    }
    out::stdout_bytes(&render(page));
    EXIT_OK
}

/// The command line, built so that every command carries its full name
/// (`leadscore-plan-show`), without the `help` command (it has no page).
fn built_command() -> clap::Command {
    let mut leadscore = command().disable_help_subcommand(true);
    leadscore.build();
    leadscore
}

/// The man page of one command, in roff.
fn render(page: &clap::Command) -> Vec<u8> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(page.clone())
        // Commands have no version of their own: name leadscore's on every page.
        .source(format!("leadscore {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .expect("rendering into memory cannot fail");
    roff
}

/// Writes the page of `page` and of every command below it into `dir`.
fn write_pages(page: &clap::Command, dir: &Path) -> i32 {
    let file = dir.join(format!(
        "{}.1",
        page.get_display_name().unwrap_or(page.get_name())
    ));
    if let Err(e) = std::fs::write(&file, render(page)) {
        errln!("error: cannot write `{}`: {e}", file.display());
        return EXIT_TROUBLE;
    }
    for sub in page.get_subcommands() {
        let code = write_pages(sub, dir);
        if code != EXIT_OK {
            return code;
        }
    }
    EXIT_OK
}
