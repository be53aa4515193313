//! The `leadscore` command line. See the commands in `README.md`, or `leadscore man`.

mod cli;

// Scoring allocates many small values (lead records, outcomes) from several threads;
// mimalloc handles that pattern markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option `mi_option_purge_delay` (its number in `mimalloc.h`, which the
/// bindings do not name): how many milliseconds freed memory is kept before it is given
/// back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Memory freed while reading a million leads (the blocks' buffers) was held for a
    // second by default, and counted in the run's peak; 10 ms (mimalloc's own default
    // before version 3) gives it back as the run goes, at no cost measured in time.
    // A replay is the other way round: the reader allocates every event and the
    // engines free most of them soon after, all run long, so memory given back was
    // soon asked for again, and the kernel zeroing it anew took a tenth of the time;
    // it keeps mimalloc's default. MIMALLOC_PURGE_DELAY still overrides either.
    let replay = std::env::args_os()
        .nth(1)
        .is_some_and(|command| command == "replay");
    let delay = if replay { 1000 } else { 10 };
    // SAFETY: called first, before any other thread exists (the call is not thread-safe).
    unsafe { libmimalloc_sys::mi_option_set_default(PURGE_DELAY, delay) };
    std::process::exit(cli::run());
}
