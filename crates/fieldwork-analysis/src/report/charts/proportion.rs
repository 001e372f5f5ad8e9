//! A proportion chart: a horizontal bar per stratum with its interval, and reference lines
//! for all strata and a benchmark.

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::axes::{row_label, share_axis, suppressed_label, AXIS, BAR, LABEL_COLUMN, ROW};
use super::canvas::{Canvas, Drawn};
use super::fonts::{centre_baseline, text_width, SMALL_PX, TEXT_PX};
use super::palette::{HATCH_FILL, INK, OKABE_BLUE, OKABE_VERMILLION, WHITE};
use super::{Bar, Cell, Reference, MARGIN, WIDTH};
use crate::format::percent;

const LEGEND: f64 = 34.0;

const PROPORTION_HEAD: f64 = 2.0 * 20.0 + 8.0;

pub(super) fn draw<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    bars: &[Bar],
    all: Option<&Reference>,
    benchmark: Option<&Reference>,
    words: &Messages,
) -> Drawn<DB> {
    let x0 = MARGIN + LABEL_COLUMN;
    // Room on the right for a value label beyond 100%.
    let x1 = WIDTH - MARGIN - 48.0;
    let max = 1.0;
    let xs = |v: f64| x0 + (x1 - x0) * v / max;
    let plot_top = top + PROPORTION_HEAD;
    let plot_bottom = plot_top + bars.len() as f64 * ROW;
    share_axis(c, x0, x1, max, plot_top, plot_bottom)?;
    // Bars first, then the reference lines across them, then intervals and values on top.
    for (i, bar) in bars.iter().enumerate() {
        let mid = plot_top + i as f64 * ROW + ROW / 2.0;
        row_label(c, &bar.label, Some(bar.n), x0, mid)?;
        let (b0, b1) = (mid - BAR / 2.0, mid + BAR / 2.0);
        match &bar.cell {
            Cell::Shown { value, .. } => c.fill(x0, b0, xs(*value), b1, OKABE_BLUE)?,
            Cell::Suppressed(reason) => {
                let text = suppressed_label(words, reason);
                let w = text_width(&text, SMALL_PX, false);
                c.hatched(x0, b0, x0 + w + 20.0, b1)?;
                c.fill(x0 + 6.0, mid - 8.0, x0 + w + 14.0, mid + 8.0, HATCH_FILL)?;
                c.text(
                    &text,
                    x0 + 10.0,
                    centre_baseline(mid, SMALL_PX),
                    SMALL_PX,
                    false,
                    INK,
                    HPos::Left,
                )?;
            }
        }
    }
    // Reference lines, each labelled on a row of its own above the plot.
    let references: Vec<(&Reference, RGBColor, f64)> = [
        all.map(|r| (r, INK, top)),
        benchmark.map(|r| (r, OKABE_VERMILLION, top + 20.0)),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (reference, color, label_top) in &references {
        let x = xs(reference.value);
        let text = format!("{}: {}", reference.label, percent(reference.value));
        let w = text_width(&text, SMALL_PX, true);
        // Keep the label inside the chart: anchored at the line where it fits.
        let (anchor, at) = if x + w / 2.0 > WIDTH - MARGIN {
            (HPos::Right, x.min(WIDTH - MARGIN))
        } else if x - w / 2.0 < MARGIN {
            (HPos::Left, x.max(MARGIN))
        } else {
            (HPos::Center, x)
        };
        c.text(&text, at, label_top + 15.0, SMALL_PX, true, *color, anchor)?;
        c.dashed((x, label_top + 19.0), (x, plot_bottom), *color, 2.0)?;
    }
    for (i, bar) in bars.iter().enumerate() {
        let mid = plot_top + i as f64 * ROW + ROW / 2.0;
        if let Cell::Shown { value, low, high } = &bar.cell {
            let (l, h) = (xs(*low), xs(*high));
            c.line((l, mid), (h, mid), INK, 1.5)?;
            c.line((l, mid - 6.0), (l, mid + 6.0), INK, 1.5)?;
            c.line((h, mid - 6.0), (h, mid + 6.0), INK, 1.5)?;
            let label = percent(*value);
            let w = text_width(&label, TEXT_PX, true);
            // On white, so a reference line passing behind does not cut the figure.
            c.fill(h + 4.0, mid - 9.0, h + 8.0 + w + 2.0, mid + 9.0, WHITE)?;
            c.text(
                &label,
                h + 6.0,
                centre_baseline(mid, TEXT_PX),
                TEXT_PX,
                true,
                INK,
                HPos::Left,
            )?;
        }
    }
    // Legend under the axis.
    let ly = plot_bottom + AXIS + 14.0;
    let mut x = x0;
    c.fill(x, ly - 7.0, x + 18.0, ly + 7.0, OKABE_BLUE)?;
    x += 24.0;
    let estimate = words.get("report-chart-estimate");
    c.text(
        &estimate,
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )?;
    x += text_width(&estimate, SMALL_PX, false) + 20.0;
    c.line((x, ly), (x + 18.0, ly), INK, 1.5)?;
    c.line((x, ly - 5.0), (x, ly + 5.0), INK, 1.5)?;
    c.line((x + 18.0, ly - 5.0), (x + 18.0, ly + 5.0), INK, 1.5)?;
    x += 24.0;
    let ci = words.get("report-chart-ci");
    c.text(
        &ci,
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )?;
    x += text_width(&ci, SMALL_PX, false) + 20.0;
    c.hatched(x, ly - 7.0, x + 18.0, ly + 7.0)?;
    x += 24.0;
    c.text(
        &words.get("report-chart-suppressed-not-zero"),
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )
}

/// The height of the plot: the reference lines' key, a row per bar, the axis and legend.
pub(super) fn height(bars: &[Bar]) -> f64 {
    PROPORTION_HEAD + bars.len() as f64 * ROW + AXIS + LEGEND
}
