//! The `leadscore` command line. See the commands in `README.md`, or `leadscore man`.

mod cli;

// Scoring allocates many small values (lead records, outcomes) from several threads;
// mimalloc handles that pattern markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
