//! A hint to the CPU to start loading memory that will be needed soon.
//!
//! Batch scoring looks up a million leads in random order; each lookup is a cache miss
//! that would stall the thread for the time of a memory access. Asking for the memory a
//! few lines ahead lets those loads overlap with parsing (see `batch::worker::Worker::block`).

/// Starts loading the cache line holding `item`. Only a hint: it never faults, reads
/// nothing into the program, and does nothing on CPUs without the instruction.
#[inline(always)]
pub fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no effect the program can observe (it cannot fault, even
    // for invalid addresses, and this one is a valid reference); SSE is part of the
    // x86_64 baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
