//! Order-independent floating-point sums.
//!
//! `sum(E.prop)` must not depend on the order events arrive in (the sketch promises
//! byte-identical output for any event order), but float addition is not associative.
//! [`ExactSum`] keeps the running sum exactly and rounds once at the end: the result is
//! the correctly rounded exact sum, whatever the order of additions.
//!
//! Usually the sum is a short list of non-overlapping partials (Shewchuk's algorithm, as
//! in Python's `math.fsum`). That list overflows when a partial sum leaves the range of
//! a float (`1e308 + 1e308`), and can grow long for values spread over the whole range;
//! then the sum moves, exactly, to a fixed-point integer wide enough for any sum of
//! floats ([`Wide`]). Either way an addition touches a bounded number of words
//! ([`ExactSum::terms`]), so a sum takes time linear in its values.
//!
//! Overflow is defined once, on the exact sum: only its final rounding can leave the
//! range of a float, and then the sum has no value ([`ExactSum::value`] is `None`, an
//! absent value in the language).

/// Partials kept before the sum moves to [`Wide`] (one to three in practice).
const MAX_PARTIALS: usize = 16;

/// An exact sum of floats.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExactSum {
    /// Non-overlapping partials, in increasing magnitude (while `wide` is `None`).
    partials: Vec<f64>,
    /// The sum as a wide fixed-point integer, once partials no longer do.
    wide: Option<Box<Wide>>,
}

impl ExactSum {
    /// Adds `value` exactly.
    pub fn add(&mut self, value: f64) {
        if let Some(wide) = &mut self.wide {
            wide.add(value);
            return;
        }
        if !value.is_finite() || self.partials.len() >= MAX_PARTIALS {
            self.widen().add(value);
            return;
        }
        let mut x = value;
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            if !hi.is_finite() {
                // The exact sum so far is partials[..kept] + x + y + partials[j + 1..].
                let mut wide = Wide::default();
                let rest = &self.partials[j + 1..];
                for &p in self.partials[..kept]
                    .iter()
                    .chain([x, y].iter())
                    .chain(rest)
                {
                    wide.add(p);
                }
                self.partials = Vec::new();
                self.wide = Some(Box::new(wide));
                return;
            }
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

    /// Moves the sum to its wide form (once) and returns it.
    fn widen(&mut self) -> &mut Wide {
        let partials = std::mem::take(&mut self.partials);
        self.wide.get_or_insert_with(|| {
            let mut wide = Wide::default();
            for p in partials {
                wide.add(p);
            }
            Box::new(wide)
        })
    }

    /// Adds another sum into this one, exactly (partial sums from several threads
    /// combine to the same result in any order).
    pub fn merge(&mut self, other: &ExactSum) {
        match &other.wide {
            Some(theirs) => self.widen().merge(theirs),
            None => {
                for p in &other.partials {
                    self.add(*p);
                }
            }
        }
    }

    /// The exact sum, rounded once to the nearest float; `None` when that rounding
    /// leaves the range of floats (or a value added was not finite).
    pub fn value(&self) -> Option<f64> {
        if let Some(wide) = &self.wide {
            return wide.value();
        }
        let rounded = round_partials(&self.partials);
        // Near the top of the range the rounding itself may overflow: the wide form
        // decides exactly.
        if rounded.is_finite() && rounded.abs() < TWO_TO_1023 {
            return Some(rounded);
        }
        let mut wide = Wide::default();
        for &p in &self.partials {
            wide.add(p);
        }
        wide.value()
    }

    /// How many words an addition may touch: the cost of the next `add`, bounded
    /// whatever the values (at most [`MAX_PARTIALS`] partials, or the wide form's
    /// words). For the tests that pin this bound.
    #[cfg(test)]
    fn terms(&self) -> usize {
        match &self.wide {
            Some(_) => LIMBS,
            None => self.partials.len(),
        }
    }
}

/// 2^1023, the largest power of two a float holds.
const TWO_TO_1023: f64 = 8.98846567431158e307;

/// The sum of non-overlapping partials (in increasing magnitude), correctly rounded.
fn round_partials(p: &[f64]) -> f64 {
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

/// Words of [`Wide`]: bit 0 is 2^-1074 (every finite float is a whole multiple of it),
/// the largest float's top bit is bit 2097, and 64 bits more hold the sum of 2^64 such
/// floats with its sign: 2163 bits, in 34 words.
const LIMBS: usize = 34;

/// A sum of floats as a two's complement fixed-point integer in units of 2^-1074:
/// every sum of up to 2^64 floats, exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "WideWords", try_from = "WideWords")]
struct Wide {
    /// Little-endian words.
    limbs: [u64; LIMBS],
    /// Whether a value added was infinite or NaN (the sum then has no value).
    non_finite: bool,
}

/// A [`Wide`] as serde writes it (serde has no arrays of 34).
#[derive(serde::Serialize, serde::Deserialize)]
struct WideWords {
    limbs: Vec<u64>,
    non_finite: bool,
}

impl From<Wide> for WideWords {
    fn from(wide: Wide) -> WideWords {
        WideWords {
            limbs: wide.limbs.to_vec(),
            non_finite: wide.non_finite,
        }
    }
}

impl TryFrom<WideWords> for Wide {
    type Error = String;

    fn try_from(words: WideWords) -> Result<Wide, String> {
        let limbs = words.limbs.try_into().map_err(|limbs: Vec<u64>| {
            format!("a wide sum has {LIMBS} words, not {}", limbs.len())
        })?;
        Ok(Wide {
            limbs,
            non_finite: words.non_finite,
        })
    }
}

impl Default for Wide {
    fn default() -> Self {
        Wide {
            limbs: [0; LIMBS],
            non_finite: false,
        }
    }
}

impl Wide {
    fn add(&mut self, x: f64) {
        if !x.is_finite() {
            self.non_finite = true;
            return;
        }
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as usize;
        let fraction = bits & ((1 << 52) - 1);
        // x = mantissa × 2^(shift - 1074).
        let (mantissa, shift) = match exponent {
            0 => (fraction, 0),
            _ => (fraction | (1 << 52), exponent - 1),
        };
        if mantissa == 0 {
            return;
        }
        let placed = u128::from(mantissa) << (shift % 64);
        let word = shift / 64;
        let parts = [placed as u64, (placed >> 64) as u64];
        if x > 0.0 {
            self.add_at(word, parts);
        } else {
            self.sub_at(word, parts);
        }
    }

    /// Adds a two-word number at word `at`, carrying up.
    fn add_at(&mut self, at: usize, parts: [u64; 2]) {
        let mut carry = false;
        for (i, limb) in self.limbs[at..].iter_mut().enumerate() {
            let part = parts.get(i).copied().unwrap_or(0);
            if i >= 2 && !carry {
                break;
            }
            let (sum, c1) = limb.overflowing_add(part);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
    }

    /// Subtracts a two-word number at word `at`, borrowing from above.
    fn sub_at(&mut self, at: usize, parts: [u64; 2]) {
        let mut borrow = false;
        for (i, limb) in self.limbs[at..].iter_mut().enumerate() {
            let part = parts.get(i).copied().unwrap_or(0);
            if i >= 2 && !borrow {
                break;
            }
            let (diff, b1) = limb.overflowing_sub(part);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *limb = diff;
            borrow = b1 || b2;
        }
    }

    fn merge(&mut self, other: &Wide) {
        self.non_finite |= other.non_finite;
        let mut carry = false;
        for (limb, &theirs) in self.limbs.iter_mut().zip(&other.limbs) {
            let (sum, c1) = limb.overflowing_add(theirs);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
    }

    /// The sum rounded to the nearest float (ties to even); `None` out of range.
    fn value(&self) -> Option<f64> {
        if self.non_finite {
            return None;
        }
        let negative = self.limbs[LIMBS - 1] >> 63 == 1;
        let magnitude = if negative {
            negated(&self.limbs)
        } else {
            self.limbs
        };
        let Some(top_word) = magnitude.iter().rposition(|&w| w != 0) else {
            return Some(0.0);
        };
        let top = top_word * 64 + 63 - magnitude[top_word].leading_zeros() as usize;
        let value = if top < 53 {
            // Fewer than 54 bits: exact as a float (a subnormal or a small normal).
            magnitude[0] as f64 * f64::from_bits(1)
        } else if top > 2097 {
            return None;
        } else {
            let (window, sticky) = window(&magnitude, top);
            // The top 53 of the 64 bits, rounded by the other 11 and anything below.
            let (kept, rest) = (window >> 11, window & 0x7ff);
            let up = rest > 0x400 || (rest == 0x400 && (sticky || kept & 1 == 1));
            (kept + u64::from(up)) as f64 * pow2(top as i32 - 52 - 1074)
        };
        value
            .is_finite()
            .then_some(if negative { -value } else { value })
    }
}

/// The two's complement negation of `limbs`.
fn negated(limbs: &[u64; LIMBS]) -> [u64; LIMBS] {
    let mut out = [0; LIMBS];
    let mut carry = true;
    for (o, &l) in out.iter_mut().zip(limbs) {
        let (sum, c) = (!l).overflowing_add(u64::from(carry));
        *o = sum;
        carry = c;
    }
    out
}

/// The 64 bits of `magnitude` from bit `top` down (`top` ≥ 53; bits below bit 0 are
/// zeros), and whether any bit below them is set.
fn window(magnitude: &[u64; LIMBS], top: usize) -> (u64, bool) {
    if top < 63 {
        return (magnitude[0] << (63 - top), false);
    }
    let low = top - 63;
    let (word, offset) = (low / 64, low % 64);
    let mut window = magnitude[word] >> offset;
    if offset > 0 {
        window |= magnitude[word + 1] << (64 - offset);
    }
    let sticky = magnitude[..word].iter().any(|&w| w != 0)
        || (offset > 0 && magnitude[word] & ((1 << offset) - 1) != 0);
    (window, sticky)
}

/// 2^n as a float, for n from -1074 to 1023.
fn pow2(n: i32) -> f64 {
    if n >= -1022 {
        f64::from_bits(((n + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (n + 1074))
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
        s.value().expect("in range")
    }

    fn wide(values: &[f64]) -> Option<f64> {
        let mut w = Wide::default();
        for v in values {
            w.add(*v);
        }
        w.value()
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
        assert_eq!(left.value(), Some(sum(&values)));
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
            shuffle(&mut values, seed);
            prop_assert_eq!(forward.to_bits(), sum(&values).to_bits());
        }
    }

    #[test]
    fn overflowing_partial_sums_stay_exact() {
        let big = f64::MAX;
        assert_eq!(sum(&[1e308, 1e308, -1e308]), 1e308);
        assert_eq!(sum(&[1e308, -1e308, 1e308]), 1e308);
        assert_eq!(sum(&[big, big, -big, 1.0]), big);
        assert_eq!(sum(&[big, 5e-324, -big]), 5e-324);
        let mut s = ExactSum::default();
        s.add(big);
        s.add(big);
        assert_eq!(s.value(), None, "out of range once rounded");
    }

    #[test]
    fn the_wide_form_rounds_at_the_edges() {
        let big = f64::MAX;
        let half_ulp = 2f64.powi(970);
        // Exactly half an ulp above the largest float rounds to even: out of range.
        assert_eq!(wide(&[big, half_ulp]), None);
        // Just below half an ulp rounds down.
        assert_eq!(wide(&[big, half_ulp, -5e-324]), Some(big));
        assert_eq!(wide(&[-big, -half_ulp, 5e-324]), Some(-big));
        assert_eq!(wide(&[5e-324, 5e-324]), Some(1e-323));
        assert_eq!(wide(&[0.1, 0.2, -0.3]), Some(sum(&[0.1, 0.2, -0.3])));
        assert_eq!(wide(&[]), Some(0.0));
        assert_eq!(wide(&[1.0, f64::INFINITY]), None);
    }

    #[test]
    fn an_addition_touches_a_bounded_number_of_words() {
        // Two values whose sum overflows, then many small ones (quadratic before).
        let mut s = ExactSum::default();
        let mut most = 0;
        for v in [1e308, 1e308]
            .into_iter()
            .chain(std::iter::repeat_n(1.0, 80_000))
        {
            most = most.max(s.terms());
            s.add(v);
        }
        assert!(most <= LIMBS.max(MAX_PARTIALS), "{most} words");
        // Values spread over the whole range of floats.
        let mut s = ExactSum::default();
        for i in 0..4_000 {
            most = most.max(s.terms());
            s.add(pow2((i * 7) % 2000 - 1000) * if i % 3 == 0 { -1.0 } else { 1.0 });
        }
        assert!(most <= LIMBS.max(MAX_PARTIALS), "{most} words");
    }

    proptest! {
        #[test]
        fn the_wide_form_equals_the_partials(values in proptest::collection::vec(proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO, 0..30)) {
            // Scaled down so the partials never overflow.
            let values: Vec<f64> = values.iter().map(|v| v / 64.0).collect();
            prop_assert_eq!(wide(&values).map(f64::to_bits), Some(sum(&values).to_bits()));
        }

        #[test]
        fn huge_values_sum_alike_in_any_order(values in proptest::collection::vec(prop_oneof![Just(1e308), Just(-1e308), Just(f64::MAX), Just(-f64::MAX), -1e6f64..1e6], 0..40), seed in any::<u64>()) {
            let total = |values: &[f64]| {
                let mut s = ExactSum::default();
                for v in values {
                    s.add(*v);
                }
                s.value().map(f64::to_bits)
            };
            let forward = total(&values);
            let mut values = values;
            shuffle(&mut values, seed);
            prop_assert_eq!(forward, total(&values));
        }
    }

    /// A deterministic shuffle from `seed`.
    fn shuffle(values: &mut [f64], seed: u64) {
        let mut state = seed | 1;
        for i in (1..values.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.swap(i, (state % (i as u64 + 1)) as usize);
        }
    }
}
