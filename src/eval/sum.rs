//! Order-independent floating-point sums.
//!
//! `sum(E.prop)` must not depend on the order events arrive in (the sketch promises
//! byte-identical output for any event order), but float addition is not associative.
//! [`ExactSum`] keeps the running sum exactly, as a short list of non-overlapping
//! partials (Shewchuk's algorithm, as in Python's `math.fsum`), and rounds once at the
//! end: the result is the correctly rounded exact sum, whatever the order of additions.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    pub fn add(&mut self, value: f64) {
        let mut x = value;
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Adds another sum into this one, exactly (partial sums from several threads
    /// combine to the same result in any order).
    pub fn merge(&mut self, other: &ExactSum) {
        for p in &other.partials {
            self.add(*p);
        }
    }

    /// The exact sum, rounded once to the nearest float.
    pub fn value(&self) -> f64 {
        let p = &self.partials;
        let Some(&last) = p.last() else { return 0.0 };
        let mut n = p.len() - 1;
        let mut hi = last;
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            lo = y - (hi - x);
            if lo != 0.0 {
                break;
            }
        }
        // Round half to even across the remaining partials (the sign of the next one
        // decides a tie).
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sum(values: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        for v in values {
            s.add(*v);
        }
        s.value()
    }

    #[test]
    fn merging_partial_sums_equals_one_sum() {
        let values = [0.1, 1e16, 0.2, -1e16, 0.3, 7.25];
        let mut left = ExactSum::default();
        let mut right = ExactSum::default();
        for (i, v) in values.iter().enumerate() {
            if i % 2 == 0 {
                left.add(*v)
            } else {
                right.add(*v)
            }
        }
        left.merge(&right);
        assert_eq!(left.value(), sum(&values));
    }

    #[test]
    fn exact_where_naive_sums_are_not() {
        assert_eq!(sum(&[0.1, 0.2, 0.3]), 0.6);
        assert_eq!(sum(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(sum(&[]), 0.0);
    }

    proptest! {
        #[test]
        fn order_never_changes_the_sum(mut values in proptest::collection::vec(-1e6f64..1e6, 0..40), seed in any::<u64>()) {
            let forward = sum(&values);
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..values.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                values.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(forward.to_bits(), sum(&values).to_bits());
        }
    }
}
