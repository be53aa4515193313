//! How well a score ranks converted leads above the others: ROC AUC with DeLong's
//! interval, KS, deciles with lift and cumulative gains, the ROC curve, a threshold
//! sweep. Every function takes `(score, converted)` pairs in any order; tied scores are
//! handled the standard way (a tie between a converted lead and another is half a
//! correct ranking), so a score's figures never depend on the order of its leads,
//! except which of several tied leads falls on either side of a decile's edge (leads
//! are ranked by score, then as given).

use serde::Serialize;

/// The normal quantile of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// The area under the ROC curve, with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Auc {
    /// The probability that a random converted lead scores above a random other one
    /// (a tie counts half).
    pub value: f64,
    /// The interval's lower end (DeLong's variance, normal approximation, within 0–1).
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// The scores of the converted leads and of the others, each sorted ascending.
fn split_sorted(leads: &[(f64, bool)]) -> (Vec<f64>, Vec<f64>) {
    let (mut pos, mut neg): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for &(score, converted) in leads {
        if converted {
            pos.push(score);
        } else {
            neg.push(score);
        }
    }
    pos.sort_by(f64::total_cmp);
    neg.sort_by(f64::total_cmp);
    (pos, neg)
}

/// The share of `sorted` below `x`, a value equal to `x` counting half.
fn share_below(sorted: &[f64], x: f64) -> f64 {
    let below = sorted.partition_point(|&v| v < x);
    let at_most = sorted.partition_point(|&v| v <= x);
    (below as f64 + (at_most - below) as f64 / 2.0) / sorted.len() as f64
}

/// The sample variance of `values` (0 for fewer than two).
fn variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

/// ROC AUC with DeLong's 95% interval; `None` unless there are leads of both kinds.
/// Each converted lead's placement is the share of other leads it outscores, each other
/// lead's the share of converted leads that outscore it; the AUC is their mean and
/// DeLong's variance `var(pos placements)/m + var(neg placements)/n`.
pub fn auc(leads: &[(f64, bool)]) -> Option<Auc> {
    let (pos, neg) = split_sorted(leads);
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let v10: Vec<f64> = pos.iter().map(|&s| share_below(&neg, s)).collect();
    let v01: Vec<f64> = neg.iter().map(|&s| 1.0 - share_below(&pos, s)).collect();
    let value = v10.iter().sum::<f64>() / pos.len() as f64;
    let spread =
        Z_95 * (variance(&v10) / pos.len() as f64 + variance(&v01) / neg.len() as f64).sqrt();
    Some(Auc {
        value,
        low: (value - spread).max(0.0),
        high: (value + spread).min(1.0),
    })
}

/// The leads grouped by score, highest first: each group's score, converted leads and
/// others.
fn groups(leads: &[(f64, bool)]) -> Vec<(f64, u64, u64)> {
    let mut sorted: Vec<(f64, bool)> = leads.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<(f64, u64, u64)> = Vec::new();
    for (score, converted) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == score => {}
            _ => out.push((score, 0, 0)),
        }
        let last = out.last_mut().expect("just pushed");
        if converted {
            last.1 += 1;
        } else {
            last.2 += 1;
        }
    }
    out
}

/// The ROC curve: (false positive rate, true positive rate) from (0, 0), one point
/// per distinct score from the highest down, ending at (1, 1).
pub fn roc(leads: &[(f64, bool)]) -> Vec<[f64; 2]> {
    let (pos, neg) = totals(leads);
    let mut points = vec![[0.0, 0.0]];
    let (mut tp, mut fp) = (0u64, 0u64);
    for (_, p, n) in groups(leads) {
        tp += p;
        fp += n;
        points.push([ratio(fp, neg), ratio(tp, pos)]);
    }
    points
}

/// The Kolmogorov–Smirnov statistic and the score where it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ks {
    /// The largest gap between the shares of converted and other leads at or above a
    /// score.
    pub value: f64,
    /// The lowest score of that cut (leads at or above it).
    pub at: f64,
}

/// KS: the largest difference between the true and false positive rates over every cut
/// between distinct scores; `None` without leads of both kinds.
pub fn ks(leads: &[(f64, bool)]) -> Option<Ks> {
    let (pos, neg) = totals(leads);
    if pos == 0 || neg == 0 {
        return None;
    }
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut best = Ks {
        value: 0.0,
        at: f64::NAN,
    };
    for (score, p, n) in groups(leads) {
        tp += p;
        fp += n;
        let gap = (ratio(tp, pos) - ratio(fp, neg)).abs();
        if gap > best.value || best.at.is_nan() {
            best = Ks {
                value: gap,
                at: score,
            };
        }
    }
    Some(best)
}

/// The converted leads and the others.
fn totals(leads: &[(f64, bool)]) -> (u64, u64) {
    let pos = leads.iter().filter(|l| l.1).count() as u64;
    (pos, leads.len() as u64 - pos)
}

/// `a / b`, 0 when `b` is 0.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// One tenth of the leads, ranked by score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decile {
    /// 1 for the top tenth.
    pub decile: usize,
    /// The leads in it.
    pub leads: u64,
    /// Those that converted.
    pub conversions: u64,
    /// conversions / leads.
    pub rate: f64,
    /// rate / the base rate.
    pub lift: f64,
    /// The share of all conversions in this and the deciles above it (cumulative gains).
    pub gains: f64,
    /// The lowest and highest score in it.
    pub min_score: f64,
    /// The highest score in it.
    pub max_score: f64,
}

/// The leads in ten groups by rank (highest scores first; tied leads in the order
/// given): the top tenth first. Decile `d` holds ranks `⌊(d−1)n/10⌋ ..< ⌊dn/10⌋`.
pub fn deciles(leads: &[(f64, bool)]) -> Vec<Decile> {
    let n = leads.len();
    let (pos, _) = totals(leads);
    let base = ratio(pos, n as u64);
    let mut ranked: Vec<(f64, bool)> = leads.to_vec();
    // A stable sort: tied leads stay in the order given.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut cumulative = 0;
    (0..10)
        .filter_map(|d| {
            let part = &ranked[d * n / 10..(d + 1) * n / 10];
            let first = part.first()?;
            let conversions = part.iter().filter(|l| l.1).count() as u64;
            cumulative += conversions;
            let rate = ratio(conversions, part.len() as u64);
            Some(Decile {
                decile: d + 1,
                leads: part.len() as u64,
                conversions,
                rate,
                lift: if base > 0.0 { rate / base } else { 0.0 },
                gains: ratio(cumulative, pos),
                min_score: part.last().map_or(first.0, |l| l.0),
                max_score: first.0,
            })
        })
        .collect()
}

/// What a threshold would pick: the leads scoring at or above it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cut {
    /// The threshold (`score >= threshold`).
    pub threshold: f64,
    /// The share of leads at or above it.
    pub share: f64,
    /// Those leads.
    pub leads: u64,
    /// Their conversion rate.
    pub rate: f64,
    /// The share of all conversions they hold.
    pub recall: f64,
}

/// Every cut at a distinct score, highest first.
pub fn cuts(leads: &[(f64, bool)]) -> Vec<Cut> {
    let (pos, _) = totals(leads);
    let n = leads.len() as u64;
    let (mut tp, mut all) = (0u64, 0u64);
    groups(leads)
        .into_iter()
        .map(|(score, p, q)| {
            tp += p;
            all += p + q;
            Cut {
                threshold: score,
                share: ratio(all, n),
                leads: all,
                rate: ratio(tp, all),
                recall: ratio(tp, pos),
            }
        })
        .collect()
}

/// At most `max` of `cuts`, spread evenly over the shares of leads (the highest cut and
/// the last, which takes every lead, always kept): a sweep a person can read.
pub fn sweep(cuts: &[Cut], max: usize) -> Vec<Cut> {
    if cuts.len() <= max {
        return cuts.to_vec();
    }
    let mut out: Vec<Cut> = Vec::new();
    let mut next = 0.0;
    let step = 1.0 / (max - 1) as f64;
    for (i, cut) in cuts.iter().enumerate() {
        if i == 0 || i + 1 == cuts.len() || cut.share >= next {
            out.push(cut.clone());
            while next <= cut.share {
                next += step;
            }
        }
    }
    out
}

/// The cut for a share of leads sales can take: the lowest threshold picking at most
/// `capacity` of the leads, else (every distinct score picks more) the highest.
pub fn cut_for_capacity(cuts: &[Cut], capacity: f64) -> Option<&Cut> {
    cuts.iter()
        .take_while(|c| c.share <= capacity)
        .last()
        .or(cuts.first())
}

/// How many converted and other leads fall in each of `bins` equal ranges of score
/// between the lowest and highest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// The bins' edges: `bins + 1` scores, ascending.
    pub edges: Vec<f64>,
    /// Converted leads per bin.
    pub converted: Vec<u64>,
    /// Other leads per bin.
    pub others: Vec<u64>,
}

/// The distribution of scores of converted leads and of the others.
pub fn histogram(leads: &[(f64, bool)], bins: usize) -> Histogram {
    let low = leads.iter().map(|l| l.0).fold(f64::INFINITY, f64::min);
    let high = leads.iter().map(|l| l.0).fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if low.is_finite() {
        (low, high)
    } else {
        (0.0, 0.0)
    };
    let width = (high - low) / bins as f64;
    let mut histogram = Histogram {
        edges: (0..=bins).map(|i| low + width * i as f64).collect(),
        converted: vec![0; bins],
        others: vec![0; bins],
    };
    for &(score, converted) in leads {
        let bin = if width > 0.0 {
            (((score - low) / width) as usize).min(bins - 1)
        } else {
            0
        };
        if converted {
            histogram.converted[bin] += 1;
        } else {
            histogram.others[bin] += 1;
        }
    }
    histogram
}

/// The median of `values` (the mean of the middle two for an even number); `None`
/// when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}
