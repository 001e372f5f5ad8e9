//! The Rao-Scott test of association between stratum and a categorical answer, in the F
//! form that the R survey package's `svychisq()` uses by default (Rao & Scott 1984, second-order
//! correction). Step for step as `svychisq.survey.design` computes it:
//!
//! 1. X² is Pearson's statistic on the weighted table scaled to the sample size n;
//! 2. p̂ are the cell proportions with design covariance V (domain linearisation, fpc);
//! 3. C is the interaction part of the saturated model, made orthogonal to the main effects;
//! 4. Δ = (Cᵀ D⁻¹ C / n)⁻¹ (Cᵀ D⁻¹ V D⁻¹ C), with D = diag(p̂);
//! 5. F = X² / tr(Δ) on d₀ = tr(Δ)² / tr(Δ²) and d₀·ν degrees of freedom, ν = n - strata.

use nalgebra::DMatrix;
use statrs::function::beta::checked_beta_reg;

use crate::design::{domain_estimate, CellSums, Design};

/// P(F_{d1, d2} > x), straight from the upper tail: 1 - cdf would round a p of 1e-77 to 0.
/// With u = d2/(d2 + d1 x), the tail is the regularised incomplete beta I_u(d2/2, d1/2)
/// (Abramowitz & Stegun 26.6.2), and u is computed directly, never as 1 - (something near 1).
/// None where the degrees of freedom do not make a distribution.
fn f_upper_tail(x: f64, d1: f64, d2: f64) -> Option<f64> {
    if !(d1 > 0.0 && d2 > 0.0 && x.is_finite()) {
        return None;
    }
    if x <= 0.0 {
        return Some(1.0);
    }
    checked_beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * x)).ok()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaoScott {
    /// Pearson's X² on the weighted table scaled to the sample size.
    pub pearson: f64,
    /// The F statistic.
    pub statistic: f64,
    pub ndf: f64,
    pub ddf: f64,
    pub p_value: f64,
}

/// The test over the strata and options that occur; None when fewer than two of either do.
/// `counts[c]` holds, for design cell c, the respondents choosing each option (same option
/// order in every cell).
pub fn rao_scott(design: &Design, counts: &[Vec<f64>]) -> Option<RaoScott> {
    let options = counts.first()?.len();
    let stratum_total = |h: usize, o: usize| -> f64 {
        counts
            .iter()
            .zip(&design.cells)
            .filter(|(_, cell)| cell.stratum == h)
            .map(|(c, _)| c[o])
            .sum()
    };
    let rows: Vec<usize> = (0..design.strata.len())
        .filter(|h| (0..options).any(|o| stratum_total(*h, o) > 0.0))
        .collect();
    let cols: Vec<usize> = (0..options)
        .filter(|o| rows.iter().map(|h| stratum_total(*h, *o)).sum::<f64>() > 0.0)
        .collect();
    let (nr, nc) = (rows.len(), cols.len());
    if nr < 2 || nc < 2 {
        return None;
    }
    let cells = nr * nc;
    // Table cell (r, c) at r + nr·c: rows vary fastest, as R's expand.grid and interaction().
    let sums: Vec<CellSums> = counts
        .iter()
        .zip(&design.cells)
        .map(|(answers, cell)| {
            let Some(r) = rows.iter().position(|h| *h == cell.stratum) else {
                return CellSums::empty(cells);
            };
            let mut sum = vec![0.0; cells];
            for (c, o) in cols.iter().enumerate() {
                sum[r + nr * c] = answers[*o];
            }
            let mut cross = vec![vec![0.0; cells]; cells];
            for (i, row) in cross.iter_mut().enumerate() {
                row[i] = sum[i];
            }
            CellSums {
                domain: cols.iter().map(|o| answers[*o]).sum(),
                sum,
                cross,
            }
        })
        .collect();
    let estimate = domain_estimate(design, &sums)?;
    let n = estimate.n;
    // svychisq's ν counts the design's rows less its strata. Subsetting a plain design to
    // those who answered drops the others; a raked design keeps them (at weight zero), so
    // there ν counts every response.
    let nu = if design.raking.is_empty() {
        estimate.df
    } else {
        design.strata.iter().map(|s| s.sampled).sum::<f64>() - design.strata.len() as f64
    };
    let p = &estimate.mean;

    // Pearson's X² on the table scaled to n.
    let table: Vec<f64> = p.iter().map(|x| x * n).collect();
    let row_total = |r: usize| (0..nc).map(|c| table[r + nr * c]).sum::<f64>();
    let col_total = |c: usize| (0..nr).map(|r| table[r + nr * c]).sum::<f64>();
    let mut pearson = 0.0;
    for r in 0..nr {
        for c in 0..nc {
            let expected = row_total(r) * col_total(c) / n;
            if expected > 0.0 {
                pearson += (table[r + nr * c] - expected).powi(2) / expected;
            }
        }
    }

    // Main effects (intercept, rows 2.., columns 2..) and the interaction columns.
    let main = 1 + (nr - 1) + (nc - 1);
    let interactions = (nr - 1) * (nc - 1);
    let x1 = DMatrix::from_fn(cells, main, |cell, j| {
        let (r, c) = (cell % nr, cell / nr);
        match j {
            0 => 1.0,
            j if j < nr => f64::from(u8::from(r == j)),
            j => f64::from(u8::from(c == j - nr + 1)),
        }
    });
    let x12 = DMatrix::from_fn(cells, interactions, |cell, j| {
        let (r, c) = (cell % nr, cell / nr);
        let (jr, jc) = (1 + j % (nr - 1), 1 + j / (nr - 1));
        f64::from(u8::from(r == jr && c == jc))
    });
    // Residuals of the interactions on the main effects (R: qr.resid(qr(X1), X12[, -main])).
    let xtx = x1.transpose() * &x1;
    let projection = xtx.lu().solve(&(x1.transpose() * &x12))?;
    let cmat = &x12 - &x1 * projection;

    let inverse_p = DMatrix::from_fn(cells, cells, |i, j| {
        if i == j && p[i] != 0.0 {
            1.0 / p[i]
        } else {
            0.0
        }
    });
    let v = DMatrix::from_fn(cells, cells, |i, j| estimate.cov[i][j]);
    let denom = cmat.transpose() * (&inverse_p / n) * &cmat;
    let numerator = cmat.transpose() * &inverse_p * v * &inverse_p * &cmat;
    let delta = denom.lu().solve(&numerator)?;
    let trace = delta.trace();
    let trace_sq = (&delta * &delta).trace();
    if trace <= 0.0 || trace_sq <= 0.0 {
        return None;
    }
    let ndf = trace * trace / trace_sq;
    let ddf = ndf * nu;
    let statistic = pearson / trace;
    let p_value = f_upper_tail(statistic, ndf, ddf)?;
    Some(RaoScott {
        pearson,
        statistic,
        ndf,
        ddf,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::DesignStratum;

    /// A strong association has a p-value far below 1e-16, which 1 - cdf rounded to 0.
    /// R 4.2.2, survey 4.1-1:
    /// `dat <- data.frame(stratum = rep(c("a", "b"), each = 300), q = c(rep("yes", 290),
    /// rep("no", 10), rep("yes", 10), rep("no", 290)), N = 10000);
    /// svychisq(~stratum + q, svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = dat))`
    /// gives F = 537.03550973653842 on 1 and 598 df, p-value = 2.8902651083179533e-85.
    #[test]
    fn tiny_p_values_come_from_the_upper_tail() {
        let design = Design::stratified(vec![
            DesignStratum {
                population: 10_000.0,
                sampled: 300.0,
            };
            2
        ]);
        let test = rao_scott(&design, &[vec![290.0, 10.0], vec![10.0, 290.0]]).unwrap();
        assert!(
            (test.statistic - 537.035_509_736_538_4).abs() < 1e-9,
            "{test:?}"
        );
        assert!((test.ndf - 1.0).abs() < 1e-9 && (test.ddf - 598.0).abs() < 1e-9);
        let r = 2.890_265_108_317_953e-85;
        assert!(((test.p_value - r) / r).abs() < 1e-9, "{test:?}");
    }

    /// `pf(x, d1, d2, lower.tail = FALSE)` in R 4.2.2, printed with digits = 17.
    #[test]
    fn the_f_upper_tail_agrees_with_r() {
        for (x, d1, d2, r) in [
            (2.5, 3.0, 40.0, 0.073_254_352_017_949_94),
            (0.0, 2.0, 10.0, 1.0),
        ] {
            let ours = f_upper_tail(x, d1, d2).unwrap();
            assert!(
                (ours - r).abs() < 1e-12,
                "F({x}; {d1}, {d2}): {ours} vs {r}"
            );
        }
        assert_eq!(f_upper_tail(1.0, 1.0, 0.0), None);
    }
}
