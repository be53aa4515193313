//! L2-regularised logistic regression, fitted by Newton's method (iteratively
//! reweighted least squares) on standardised features, and scorecard scaling of its
//! coefficients into integer points. Written here rather than taken from a crate: it is
//! forty lines, deterministic to the bit for the same input, and needs no linear algebra
//! beyond a Cholesky factorisation of a matrix as wide as a model has rules.

/// How many Newton steps at most; the fit usually converges in fewer than ten.
const MAX_STEPS: usize = 100;

/// A fitted logistic regression, on the features' own scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The log-odds of a lead whose features are all zero.
    pub intercept: f64,
    /// The change in log-odds per unit of each feature.
    pub coefficients: Vec<f64>,
    /// Each coefficient's standard error (from the penalised Hessian; infinite for a
    /// feature that never varies).
    pub errors: Vec<f64>,
}

impl Fit {
    /// Whether coefficient `i` is within two standard errors of zero (|z| < 1.96).
    pub fn indistinguishable(&self, i: usize) -> bool {
        // An infinite or NaN error is indistinguishable too.
        self.coefficients[i].abs() < 1.96 * self.errors[i] || self.errors[i].is_nan()
    }
}

/// Fits `y ~ x` with the L2 penalty `lambda/2 · Σβ²` on the standardised coefficients
/// (not the intercept). `x` is one row of features per lead. A feature that never
/// varies gets coefficient 0.
pub fn logistic(x: &[Vec<f64>], y: &[bool], lambda: f64) -> Fit {
    let k = x.first().map_or(0, Vec::len);
    let n = x.len().max(1) as f64;
    let mean: Vec<f64> = (0..k)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let scale: Vec<f64> = (0..k)
        .map(|j| (x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt())
        .collect();
    // Standardised rows with a leading 1 for the intercept; constant features are 0.
    let rows: Vec<Vec<f64>> = x
        .iter()
        .map(|r| {
            let features = (0..k).map(|j| {
                if scale[j] > 0.0 {
                    (r[j] - mean[j]) / scale[j]
                } else {
                    0.0
                }
            });
            std::iter::once(1.0).chain(features).collect()
        })
        .collect();
    let mut beta = vec![0.0; k + 1];
    let mut hessian = vec![vec![0.0; k + 1]; k + 1];
    for _ in 0..MAX_STEPS {
        let mut gradient = vec![0.0; k + 1];
        hessian = vec![vec![0.0; k + 1]; k + 1];
        for (row, &yi) in rows.iter().zip(y) {
            let z: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let w = p * (1.0 - p);
            let residual = f64::from(u8::from(yi)) - p;
            for a in 0..=k {
                gradient[a] += row[a] * residual;
                for b in 0..=a {
                    hessian[a][b] += w * row[a] * row[b];
                }
            }
        }
        for a in 1..=k {
            gradient[a] -= lambda * beta[a];
            hessian[a][a] += lambda;
        }
        // A tiny ridge on the intercept keeps the factorisation defined for data of one
        // class.
        hessian[0][0] += 1e-9;
        let Some(factor) = cholesky(&hessian) else {
            break;
        };
        let step = solve(&factor, &gradient);
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if step.iter().all(|s| s.abs() < 1e-10) {
            break;
        }
    }
    let inverse_diagonal = cholesky(&hessian).map(|factor| {
        (0..=k)
            .map(|i| {
                let mut unit = vec![0.0; k + 1];
                unit[i] = 1.0;
                solve(&factor, &unit)[i]
            })
            .collect::<Vec<f64>>()
    });
    let mut fit = Fit {
        intercept: beta[0],
        coefficients: Vec::with_capacity(k),
        errors: Vec::with_capacity(k),
    };
    for j in 0..k {
        if scale[j] > 0.0 {
            let coefficient = beta[j + 1] / scale[j];
            fit.intercept -= coefficient * mean[j];
            fit.coefficients.push(coefficient);
            let variance = inverse_diagonal
                .as_ref()
                .map_or(f64::INFINITY, |d| d[j + 1]);
            fit.errors.push(variance.sqrt() / scale[j]);
        } else {
            fit.coefficients.push(0.0);
            fit.errors.push(f64::INFINITY);
        }
    }
    fit
}

/// The lower-triangular `L` with `L·Lᵀ = m` (only `m`'s lower triangle is read), or
/// `None` when `m` is not positive definite.
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves `L·Lᵀ·x = b`.
fn solve(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// Scorecard scaling: a coefficient (log-odds per unit) as whole points, where
/// `points_to_double` points double the odds of converting.
pub fn points(coefficient: f64, points_to_double: f64) -> f64 {
    (coefficient * points_to_double / std::f64::consts::LN_2).round()
}

/// Whether a lead is in the held-out test set: about `percent`% of leads, chosen by a
/// hash of the id (FNV-1a), so the split is the same on every run and machine.
pub fn held_out(id: &str, percent: u64) -> bool {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % 100 < percent
}
