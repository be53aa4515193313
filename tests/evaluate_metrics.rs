//! The figures of `leadscore evaluate` and the fit of `leadscore suggest`, against
//! hand-computed small cases and independent (brute-force) computations.

use leadscore::evaluate::fit::{self, held_out, logistic};
use leadscore::evaluate::metrics::{self, auc, cut_for_capacity, cuts, deciles, ks, median, roc};
use proptest::prelude::*;

/// The AUC by comparing every converted lead with every other one (a tie is half).
fn pairwise_auc(leads: &[(f64, bool)]) -> f64 {
    let (mut credit, mut pairs) = (0.0, 0.0);
    for &(p, _) in leads.iter().filter(|l| l.1) {
        for &(n, _) in leads.iter().filter(|l| !l.1) {
            pairs += 1.0;
            credit += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    credit / pairs
}

#[test]
fn auc_of_a_perfect_a_reversed_and_a_constant_score() {
    let perfect = [(3.0, true), (2.0, true), (1.0, false), (0.0, false)];
    assert_eq!(auc(&perfect).unwrap().value, 1.0);
    let reversed = [(0.0, true), (1.0, true), (2.0, false), (3.0, false)];
    assert_eq!(auc(&reversed).unwrap().value, 0.0);
    // Every pair tied: half credit each.
    let constant = [(5.0, true), (5.0, false), (5.0, false)];
    assert_eq!(auc(&constant).unwrap().value, 0.5);
}

#[test]
fn auc_by_hand_with_a_tie() {
    // Converted 9, 7, 3; others 3, 1: pairs (9,3) (9,1) (7,3) (7,1) (3,1) right, (3,3) tied.
    let leads = [
        (9.0, true),
        (7.0, true),
        (3.0, true),
        (3.0, false),
        (1.0, false),
    ];
    assert_eq!(auc(&leads).unwrap().value, 5.5 / 6.0);
}

#[test]
fn auc_needs_leads_of_both_kinds() {
    assert!(auc(&[(1.0, true), (2.0, true)]).is_none());
    assert!(auc(&[(1.0, false)]).is_none());
    assert!(auc(&[]).is_none());
}

#[test]
fn delong_interval_by_hand() {
    // Converted 0.9, 0.4; others 0.5, 0.1. Placements: converted 0.9 beats both (1),
    // 0.4 beats one of two (0.5); others: 0.5 is beaten by one of two (0.5), 0.1 by both
    // (1). AUC 0.75; var = var(1, .5)/2 + var(.5, 1)/2 = 0.125/2 + 0.125/2 = 0.125.
    let leads = [(0.9, true), (0.4, true), (0.5, false), (0.1, false)];
    let a = auc(&leads).unwrap();
    assert_eq!(a.value, 0.75);
    let spread = 1.959_963_984_540_054 * 0.125f64.sqrt();
    assert!((a.low - (0.75 - spread).max(0.0)).abs() < 1e-12);
    assert!((a.high - (0.75 + spread).min(1.0)).abs() < 1e-12);
}

#[test]
fn ks_by_hand() {
    // Cuts from the top: >=4 holds 1/2 converted, 0/2 others (gap .5); >=3 holds 1/2 and
    // 1/2 (0); >=2 holds 2/2 and 1/2 (.5, not larger); >=1 holds all.
    let leads = [(4.0, true), (3.0, false), (2.0, true), (1.0, false)];
    let k = ks(&leads).unwrap();
    assert_eq!(k.value, 0.5);
    assert_eq!(k.at, 4.0);
}

#[test]
fn roc_steps_through_tied_scores_at_once() {
    let leads = [(2.0, true), (1.0, true), (1.0, false), (0.0, false)];
    assert_eq!(
        roc(&leads),
        vec![[0.0, 0.0], [0.0, 0.5], [0.5, 1.0], [1.0, 1.0]]
    );
}

#[test]
fn deciles_lift_and_gains_by_hand() {
    // 20 leads scored 20 down to 1; the top 4 and the 11th converted: base rate 5/20.
    let leads: Vec<(f64, bool)> = (0..20)
        .map(|i| (20.0 - i as f64, i < 4 || i == 10))
        .collect();
    let d = deciles(&leads);
    assert_eq!(d.len(), 10);
    assert_eq!((d[0].leads, d[0].conversions, d[0].rate), (2, 2, 1.0));
    assert_eq!(d[0].lift, 4.0);
    assert_eq!((d[0].max_score, d[0].min_score), (20.0, 19.0));
    assert_eq!(d[0].gains, 0.4);
    assert_eq!(d[1].gains, 0.8);
    assert_eq!((d[5].conversions, d[5].rate, d[5].lift), (1, 0.5, 2.0));
    assert_eq!(d[9].gains, 1.0);
    assert!(d.iter().all(|d| d.leads == 2));
}

#[test]
fn fewer_leads_than_deciles_leave_empty_deciles_out() {
    let d = deciles(&[(1.0, true), (0.0, false), (0.5, false)]);
    assert_eq!(d.iter().map(|d| d.leads).sum::<u64>(), 3);
    assert!(d.iter().all(|d| d.leads > 0));
}

#[test]
fn the_capacity_cut_is_the_lowest_threshold_within_it() {
    // Scores 10 (2 leads), 8 (3), 5 (5): shares 20%, 50%, 100%.
    let leads: Vec<(f64, bool)> = [10.0, 10.0, 8.0, 8.0, 8.0, 5.0, 5.0, 5.0, 5.0, 5.0]
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, i % 2 == 0))
        .collect();
    let all = cuts(&leads);
    assert_eq!(all.len(), 3);
    assert_eq!(cut_for_capacity(&all, 0.5).unwrap().threshold, 8.0);
    assert_eq!(cut_for_capacity(&all, 0.49).unwrap().threshold, 10.0);
    // Even the top score picks more than 10%: the top score is the answer.
    assert_eq!(cut_for_capacity(&all, 0.1).unwrap().threshold, 10.0);
    let top = &all[0];
    assert_eq!((top.leads, top.share, top.rate), (2, 0.2, 0.5));
    assert_eq!(top.recall, 1.0 / 5.0);
}

#[test]
fn median_of_odd_and_even_counts() {
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    assert_eq!(median(&mut []), None);
}

#[test]
fn a_sweep_keeps_its_ends_and_at_most_its_size() {
    let leads: Vec<(f64, bool)> = (0..500).map(|i| (i as f64, i % 7 == 0)).collect();
    let all = cuts(&leads);
    let sweep = metrics::sweep(&all, 21);
    assert!(sweep.len() <= 22, "{}", sweep.len());
    assert_eq!(sweep.first(), all.first());
    assert_eq!(sweep.last(), all.last());
}

/// A deterministic stream of numbers in [0, 1) (a linear congruential generator).
fn uniform(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn the_fit_recovers_known_coefficients() {
    // log-odds = -1 + 2·a - 1·b + 0·c, with a, b 0/1 and c a count.
    let mut seed = 7;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..20_000 {
        let a = f64::from(u8::from(uniform(&mut seed) < 0.5));
        let b = f64::from(u8::from(uniform(&mut seed) < 0.3));
        let c = (uniform(&mut seed) * 4.0).floor();
        let z = -1.0 + 2.0 * a - b;
        y.push(uniform(&mut seed) < 1.0 / (1.0 + (-z).exp()));
        x.push(vec![a, b, c]);
    }
    let fit = logistic(&x, &y, 1.0);
    assert!((fit.intercept + 1.0).abs() < 0.1, "{fit:?}");
    assert!((fit.coefficients[0] - 2.0).abs() < 0.1, "{fit:?}");
    assert!((fit.coefficients[1] + 1.0).abs() < 0.1, "{fit:?}");
    assert!(fit.coefficients[2].abs() < 0.05, "{fit:?}");
    assert!(!fit.indistinguishable(0) && !fit.indistinguishable(1));
    assert!(fit.indistinguishable(2), "{fit:?}");
    // The same input gives the same fit, to the bit.
    assert_eq!(fit, logistic(&x, &y, 1.0));
}

#[test]
fn a_feature_that_never_varies_gets_no_points() {
    let x: Vec<Vec<f64>> = (0..100).map(|i| vec![f64::from(i % 2), 1.0]).collect();
    let y: Vec<bool> = (0..100).map(|i| i % 2 == 0 || i % 5 == 0).collect();
    let fit = logistic(&x, &y, 1.0);
    assert_eq!(fit.coefficients[1], 0.0);
    assert!(fit.indistinguishable(1));
}

#[test]
fn scorecard_points_double_the_odds() {
    assert_eq!(fit::points(std::f64::consts::LN_2, 20.0), 20.0);
    assert_eq!(fit::points(-2.0 * std::f64::consts::LN_2, 20.0), -40.0);
    assert_eq!(fit::points(0.01, 20.0), 0.0);
}

#[test]
fn the_held_out_split_is_stable_and_about_its_size() {
    let ids: Vec<String> = (0..10_000).map(|i| format!("L{i:07}")).collect();
    let held = ids.iter().filter(|id| held_out(id, 30)).count();
    assert!((2_700..3_300).contains(&held), "{held}");
    assert_eq!(held_out("L0000001", 30), held_out("L0000001", 30));
    assert!(!held_out("anything", 0));
}

proptest! {
    #[test]
    fn auc_equals_the_pairwise_count(leads in prop::collection::vec((0u8..6, any::<bool>()), 2..60)) {
        let leads: Vec<(f64, bool)> = leads.iter().map(|&(s, c)| (f64::from(s), c)).collect();
        if let Some(a) = auc(&leads) {
            prop_assert!((a.value - pairwise_auc(&leads)).abs() < 1e-12);
            prop_assert!(a.low <= a.value && a.value <= a.high);
            prop_assert!(a.low >= 0.0 && a.high <= 1.0);
            // The order of leads does not matter.
            let mut reversed = leads.clone();
            reversed.reverse();
            prop_assert_eq!(auc(&reversed), Some(a));
            // KS is a share.
            let k = ks(&leads).unwrap();
            prop_assert!((0.0..=1.0).contains(&k.value));
        }
    }

    #[test]
    fn deciles_account_for_every_lead(leads in prop::collection::vec((0u8..20, any::<bool>()), 1..200)) {
        let leads: Vec<(f64, bool)> = leads.iter().map(|&(s, c)| (f64::from(s), c)).collect();
        let d = deciles(&leads);
        prop_assert_eq!(d.iter().map(|d| d.leads).sum::<u64>(), leads.len() as u64);
        let converted = leads.iter().filter(|l| l.1).count() as u64;
        prop_assert_eq!(d.iter().map(|d| d.conversions).sum::<u64>(), converted);
        // Ranked: each decile's scores are at or below the one above's.
        for pair in d.windows(2) {
            prop_assert!(pair[1].max_score <= pair[0].min_score);
        }
    }
}
