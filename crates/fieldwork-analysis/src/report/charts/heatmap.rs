//! A heatmap: rows by columns, each cell coloured by its share on viridis.

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;

use super::axes::{header_height, row_heights};
use super::canvas::{Canvas, Drawn};
use super::fonts::{centre_baseline, line_height, text_width, wrap, SMALL_PX, TEXT_PX};
use super::palette::{ink_on, viridis, HATCH_FILL, INK, SECONDARY_INK};
use super::{Cell, MARGIN, WIDTH};
use crate::format::percent;

const HEATMAP_KEY: f64 = 44.0;

struct HeatmapGeometry {
    head: f64,
    rows: Vec<f64>,
    label_width: f64,
    column_width: f64,
    headers: Vec<Vec<String>>,
}

fn heatmap_geometry(rows: &[String], columns: &[String]) -> HeatmapGeometry {
    let label_width = 300.0;
    let column_width = (WIDTH - 2.0 * MARGIN - label_width) / columns.len().max(1) as f64;
    let headers: Vec<Vec<String>> = columns
        .iter()
        .map(|c| wrap(c, SMALL_PX, true, column_width - 8.0))
        .collect();
    let head = header_height(&headers, 8.0);
    let rows = row_heights(rows, label_width, 12.0, 36.0);
    HeatmapGeometry {
        head,
        rows,
        label_width,
        column_width,
        headers,
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Cell>],
    words: &Messages,
) -> Drawn<DB> {
    let suppressed = words.get("report-suppressed");
    let g = heatmap_geometry(rows, columns);
    let x0 = MARGIN + g.label_width;
    for (j, header) in g.headers.iter().enumerate() {
        let total = header.len() as f64 * line_height(SMALL_PX);
        let cx = x0 + (j as f64 + 0.5) * g.column_width;
        c.paragraph(
            header,
            cx,
            top + g.head - 8.0 - total,
            SMALL_PX,
            true,
            INK,
            HPos::Center,
        )?;
    }
    let mut y = top + g.head;
    for (i, (label, height)) in rows.iter().zip(&g.rows).enumerate() {
        let lines = wrap(label, SMALL_PX, false, g.label_width - 16.0);
        let total = lines.len() as f64 * line_height(SMALL_PX);
        c.paragraph(
            &lines,
            x0 - 12.0,
            y + (height - total) / 2.0,
            SMALL_PX,
            false,
            INK,
            HPos::Right,
        )?;
        let mid = y + height / 2.0;
        for j in 0..columns.len() {
            let (cx0, cx1) = (
                x0 + j as f64 * g.column_width + 1.0,
                x0 + (j + 1) as f64 * g.column_width - 1.0,
            );
            let (cy0, cy1) = (y + 1.0, y + height - 1.0);
            match cells.get(i).and_then(|r| r.get(j)) {
                Some(Cell::Shown { value, .. }) => {
                    let fill = viridis(*value);
                    c.fill(cx0, cy0, cx1, cy1, fill)?;
                    c.text(
                        &percent(*value),
                        (cx0 + cx1) / 2.0,
                        centre_baseline(mid, TEXT_PX),
                        TEXT_PX,
                        true,
                        ink_on(fill),
                        HPos::Center,
                    )?;
                }
                Some(Cell::Suppressed(_)) | None => {
                    c.hatched(cx0 + 2.0, cy0 + 2.0, cx1 - 2.0, cy1 - 2.0)?;
                    let w = text_width(&suppressed, SMALL_PX, false);
                    let cx = (cx0 + cx1) / 2.0;
                    c.fill(
                        cx - w / 2.0 - 3.0,
                        mid - 8.0,
                        cx + w / 2.0 + 3.0,
                        mid + 8.0,
                        HATCH_FILL,
                    )?;
                    c.text(
                        &suppressed,
                        cx,
                        centre_baseline(mid, SMALL_PX),
                        SMALL_PX,
                        false,
                        INK,
                        HPos::Center,
                    )?;
                }
            }
        }
        y += height;
    }
    // The colour key: a ramp from 0% to 100%.
    let ky = y + 24.0;
    let kx0 = x0;
    let kx1 = WIDTH - MARGIN - 20.0;
    let steps = 100;
    for s in 0..steps {
        let t0 = s as f64 / steps as f64;
        let t1 = (s + 1) as f64 / steps as f64;
        c.fill(
            kx0 + (kx1 - kx0) * t0,
            ky,
            (kx0 + (kx1 - kx0) * t1 + 1.5).min(kx1),
            ky + 12.0,
            viridis((t0 + t1) / 2.0),
        )?;
    }
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = kx0 + (kx1 - kx0) * t;
        c.line((x, ky + 12.0), (x, ky + 16.0), SECONDARY_INK, 1.0)?;
        c.text(
            &percent(t),
            x,
            ky + 30.0,
            SMALL_PX,
            false,
            SECONDARY_INK,
            HPos::Center,
        )?;
    }
    c.text(
        &words.get("report-chart-positive"),
        kx0 - 12.0,
        centre_baseline(ky + 6.0, SMALL_PX),
        SMALL_PX,
        true,
        INK,
        HPos::Right,
    )
}

/// The height of the plot: the column heads, the rows, and the colour key below them.
pub(super) fn height(rows: &[String], columns: &[String]) -> f64 {
    let g = heatmap_geometry(rows, columns);
    g.head + g.rows.iter().sum::<f64>() + 24.0 + HEATMAP_KEY
}
