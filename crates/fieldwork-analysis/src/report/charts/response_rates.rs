//! Response rates: each stratum's complete responses against its population.

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;

use super::axes::{nice_max, row_label, share_axis, AXIS, BAR, LABEL_COLUMN, ROW};
use super::canvas::{Canvas, Drawn};
use super::fonts::{centre_baseline, SMALL_PX};
use super::palette::{INK, OKABE_BLUE};
use super::{RateRow, MARGIN, WIDTH};
use crate::format::thousands;

pub(super) fn draw<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    rows: &[RateRow],
    words: &Messages,
) -> Drawn<DB> {
    let x0 = MARGIN + LABEL_COLUMN;
    let x1 = WIDTH - MARGIN - 190.0;
    let rate = |r: &RateRow| {
        if r.population > 0 {
            r.complete as f64 / r.population as f64
        } else {
            0.0
        }
    };
    let max = nice_max(rows.iter().map(rate).fold(0.0, f64::max));
    let xs = |v: f64| x0 + (x1 - x0) * v / max;
    let bottom = top + rows.len() as f64 * ROW;
    share_axis(c, x0, x1, max, top, bottom)?;
    for (i, row) in rows.iter().enumerate() {
        let mid = top + i as f64 * ROW + ROW / 2.0;
        row_label(c, &row.label, None, x0, mid)?;
        let r = rate(row);
        c.fill(x0, mid - BAR / 2.0, xs(r), mid + BAR / 2.0, OKABE_BLUE)?;
        let complete = thousands(row.complete.max(0) as u64);
        let text = if row.population > 0 {
            words.with(
                "report-chart-rate",
                &[
                    ("complete", complete.into()),
                    ("population", thousands(row.population).into()),
                    ("rate", format!("{:.1}%", r * 100.0).into()),
                ],
            )
        } else {
            words.with("report-chart-no-frame", &[("complete", complete.into())])
        };
        c.text(
            &text,
            xs(r) + 8.0,
            centre_baseline(mid, SMALL_PX),
            SMALL_PX,
            false,
            INK,
            HPos::Left,
        )?;
    }
    Ok(())
}

/// The height of the plot: a row per stratum and the axis.
pub(super) fn height(rows: &[RateRow]) -> f64 {
    rows.len() as f64 * ROW + AXIS
}
