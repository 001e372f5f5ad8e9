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
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use crate::design::{domain_estimate, CellSums, Design};

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
    let p_value = FisherSnedecor::new(ndf, ddf)
        .map(|f| 1.0 - f.cdf(statistic))
        .ok()?;
    Some(RaoScott {
        pearson,
        statistic,
        ndf,
        ddf,
        p_value,
    })
}
