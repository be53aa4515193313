//! Byte-string equality for the short strings of the hot loops (JSON keys, lead ids,
//! event types, dates).
//!
//! `==` on slices calls the C library's `memcmp`, and for strings of a few bytes the
//! call costs more than the comparison: in the event reader, five such calls per line
//! were 16% of a worker's time. Up to 16 bytes this compares one or two machine words
//! instead, in place.

/// Whether `a` and `b` hold the same bytes.
#[inline(always)]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two loads that together cover the string (they overlap when it is shorter than
    // twice their width).
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

fn word4(s: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"))
}

fn word8(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_slice_equality(
            a in proptest::collection::vec(0u8..3, 0..24),
            flip in any::<proptest::sample::Index>(),
        ) {
            prop_assert!(same(&a, &a.clone()));
            if !a.is_empty() {
                // Every position matters, first and last included.
                let mut b = a.clone();
                let i = flip.index(b.len());
                b[i] ^= 1;
                prop_assert!(!same(&a, &b));
            }
            let shorter = &a[..a.len().saturating_sub(1)];
            prop_assert_eq!(same(&a, shorter), a.len() == shorter.len());
        }
    }
}
