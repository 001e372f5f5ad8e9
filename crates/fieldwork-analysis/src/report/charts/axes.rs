//! What several chart kinds draw alike: row sizes, stratum labels on the left, the share
//! axis with its gridlines, and the words for a suppressed cell.

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;

use super::canvas::{Canvas, Drawn};
use super::fonts::{line_height, wrap, SMALL_PX, TEXT_PX};
use super::palette::{GRID, INK, SECONDARY_INK};
use super::MARGIN;
use crate::format::{percent, thousands};

pub(super) const ROW: f64 = 40.0;

pub(super) const BAR: f64 = 22.0;

pub(super) const AXIS: f64 = 30.0;

/// Width of the stratum labels on the left.
pub(super) const LABEL_COLUMN: f64 = 190.0;

pub(super) fn suppressed_label(words: &Messages, reason: &str) -> String {
    words.with("report-suppressed-because", &[("reason", reason.into())])
}

/// Stratum labels left of a row, wrapped to two lines at most, centred on `mid`.
pub(super) fn row_label<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    label: &str,
    n: Option<u64>,
    right: f64,
    mid: f64,
) -> Drawn<DB> {
    let width = right - MARGIN - 12.0;
    let lines = wrap(label, TEXT_PX, false, width);
    let mut all: Vec<(String, f64, bool)> =
        lines.into_iter().map(|l| (l, TEXT_PX, false)).collect();
    if let Some(n) = n {
        all.push((format!("n = {}", thousands(n)), SMALL_PX, false));
    }
    let total: f64 = all.iter().map(|(_, px, _)| line_height(*px)).sum();
    let mut top = mid - total / 2.0;
    for (line, px, bold) in all {
        let color = if px < TEXT_PX { SECONDARY_INK } else { INK };
        top = c.paragraph(&[line], right - 12.0, top, px, bold, color, HPos::Right)?;
    }
    Ok(())
}

/// The x axis of a share from `x0` (0) to `x1` (`max`), gridlines from `top` to `bottom`.
pub(super) fn share_axis<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    x0: f64,
    x1: f64,
    max: f64,
    top: f64,
    bottom: f64,
) -> Drawn<DB> {
    for t in ticks(max) {
        let x = x0 + (x1 - x0) * t / max;
        c.line((x, top), (x, bottom), GRID, 1.0)?;
        c.text(
            &percent(t),
            x,
            bottom + 18.0,
            SMALL_PX,
            false,
            SECONDARY_INK,
            HPos::Center,
        )?;
    }
    c.line((x0, top), (x0, bottom), SECONDARY_INK, 1.0)
}

/// A "nice" upper end for an axis of shares: the next multiple of 10% (or 5% below 20%).
pub(super) fn nice_max(max: f64) -> f64 {
    let step = if max <= 0.2 { 0.05 } else { 0.1 };
    ((max / step).ceil() * step).clamp(step, 1.0)
}

pub(super) fn ticks(max: f64) -> Vec<f64> {
    let step = if max <= 0.2 {
        0.05
    } else if max <= 0.5 {
        0.1
    } else {
        0.2
    };
    let mut out = Vec::new();
    let mut t = 0.0;
    while t <= max + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

/// The height of a table's header row: its tallest wrapped header, plus `padding`.
pub(super) fn header_height(headers: &[Vec<String>], padding: f64) -> f64 {
    headers
        .iter()
        .map(|h| h.len() as f64 * line_height(SMALL_PX))
        .fold(0.0, f64::max)
        + padding
}

/// Each row's height: its label wrapped to `label_width`, plus `padding`, at least `least`.
pub(super) fn row_heights<'a>(
    labels: impl IntoIterator<Item = &'a String>,
    label_width: f64,
    padding: f64,
    least: f64,
) -> Vec<f64> {
    labels
        .into_iter()
        .map(|label| {
            let lines = wrap(label, SMALL_PX, false, label_width - 16.0).len() as f64;
            (lines * line_height(SMALL_PX) + padding).max(least)
        })
        .collect()
}
