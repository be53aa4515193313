//! The `leadscore` command line. See `docs/cli.md`.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
