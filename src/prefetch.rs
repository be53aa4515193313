//! A hint to the CPU to start loading memory that will be needed soon.
//!
//! Batch scoring looks up a million leads in random order; each lookup is a cache miss
//! that would stall the thread for the time of a memory access. Asking for the memory a
//! few lines ahead lets those loads overlap with parsing (see `batch::worker::Worker::block`).
//! The live engine does the same a few events ahead (`live::Engine::prefetch_entry`).

/// Starts loading the cache line holding `item`. Only a hint: it never faults, reads
/// nothing into the program, and does nothing on CPUs without the instruction.
#[inline(always)]
pub fn prefetch<T>(item: &T) {
    hint((item as *const T).cast());
}

/// [`prefetch`] for the first item of `items` (a buffer behind a pointer), if any.
#[inline(always)]
pub fn prefetch_first<T>(items: &[T]) {
    if let Some(first) = items.first() {
        prefetch(first);
    }
}

/// The size of a cache line on the CPUs this runs on.
const LINE: usize = 64;

/// [`prefetch`] for every cache line `item` spans (a record larger than one line).
#[inline(always)]
pub fn prefetch_all<T>(item: &T) {
    let start = (item as *const T).cast::<i8>();
    // From the start of the line the record starts in, to the line of its last byte.
    let first = start.wrapping_sub(start as usize % LINE);
    let end = start.wrapping_add(size_of::<T>());
    let lines = (end as usize - first as usize).div_ceil(LINE);
    for line in 0..lines {
        hint(first.wrapping_add(line * LINE));
    }
}

#[inline(always)]
fn hint(address: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no effect the program can observe (it cannot fault, even
    // for invalid addresses, and it reads nothing into the program); SSE is part of the
    // x86_64 baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(address);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
