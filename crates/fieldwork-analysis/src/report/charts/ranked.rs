//! A ranked chart: the options down the side, in order, and a panel per stratum (small
//! multiples).

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::axes::{header_height, nice_max, row_heights, AXIS};
use super::canvas::{Canvas, Drawn};
use super::fonts::{centre_baseline, line_height, text_width, wrap, SMALL_PX};
use super::palette::{GRID, HATCH_FILL, INK, OKABE_BLUE, SECONDARY_INK};
use super::{Cell, Panel, MARGIN, WIDTH};
use crate::format::{percent, thousands};

struct RankedGeometry {
    head: f64,
    /// Height of each option's row.
    rows: Vec<f64>,
    label_width: f64,
    panel_width: f64,
    headers: Vec<Vec<String>>,
}

fn ranked_geometry(options: &[String], panels: &[Panel]) -> RankedGeometry {
    let label_width = 250.0;
    let panel_width = (WIDTH - 2.0 * MARGIN - label_width) / panels.len().max(1) as f64;
    let headers: Vec<Vec<String>> = panels
        .iter()
        .map(|p| {
            let mut lines = wrap(&p.label, SMALL_PX, true, panel_width - 12.0);
            lines.push(format!("n = {}", thousands(p.n)));
            lines
        })
        .collect();
    let head = header_height(&headers, 10.0);
    let rows = row_heights(options, label_width, 10.0, 30.0);
    RankedGeometry {
        head,
        rows,
        label_width,
        panel_width,
        headers,
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    options: &[String],
    panels: &[Panel],
    words: &Messages,
) -> Drawn<DB> {
    let g = ranked_geometry(options, panels);
    let plot_top = top + g.head;
    let plot_bottom = plot_top + g.rows.iter().sum::<f64>();
    let max = nice_max(
        panels
            .iter()
            .flat_map(|p| p.cells.iter())
            .filter_map(|cell| match cell {
                Cell::Shown { high, .. } => Some(*high),
                Cell::Suppressed(_) => None,
            })
            .fold(0.0, f64::max),
    );
    // Option labels, with alternate rows shaded to guide the eye across.
    let mut y = plot_top;
    for (i, (option, height)) in options.iter().zip(&g.rows).enumerate() {
        if i % 2 == 1 {
            c.fill(
                MARGIN,
                y,
                WIDTH - MARGIN,
                y + height,
                RGBColor(0xf6, 0xf6, 0xf6),
            )?;
        }
        let lines = wrap(option, SMALL_PX, false, g.label_width - 16.0);
        let total = lines.len() as f64 * line_height(SMALL_PX);
        c.paragraph(
            &lines,
            MARGIN + g.label_width - 12.0,
            y + (height - total) / 2.0,
            SMALL_PX,
            false,
            INK,
            HPos::Right,
        )?;
        y += height;
    }
    for (j, panel) in panels.iter().enumerate() {
        let px0 = MARGIN + g.label_width + j as f64 * g.panel_width;
        // Bars take the panel less room for a value label.
        let bx0 = px0 + 6.0;
        let bx1 = px0 + g.panel_width - 40.0;
        let xs = |v: f64| bx0 + (bx1 - bx0) * v / max;
        c.paragraph(
            &g.headers[j],
            px0 + 6.0,
            top,
            SMALL_PX,
            true,
            INK,
            HPos::Left,
        )?;
        c.line((bx0, plot_top), (bx0, plot_bottom), SECONDARY_INK, 1.0)?;
        if j > 0 {
            c.line((px0, top), (px0, plot_bottom), GRID, 1.0)?;
        }
        let suppressed_all = panel.cells.iter().all(|c| matches!(c, Cell::Suppressed(_)));
        if suppressed_all && !panel.cells.is_empty() {
            c.hatched(
                bx0,
                plot_top + 4.0,
                px0 + g.panel_width - 6.0,
                plot_bottom - 4.0,
            )?;
            let reason = match &panel.cells[0] {
                Cell::Suppressed(r) => r.clone(),
                Cell::Shown { .. } => String::new(),
            };
            let mut lines = vec![format!("{}:", words.get("report-suppressed"))];
            lines.extend(wrap(&reason, SMALL_PX, false, g.panel_width - 28.0));
            let total = lines.len() as f64 * line_height(SMALL_PX);
            let mid = plot_top + 50.0;
            let cx = (bx0 + px0 + g.panel_width - 6.0) / 2.0;
            let w = lines
                .iter()
                .map(|l| text_width(l, SMALL_PX, false))
                .fold(0.0, f64::max);
            c.fill(
                cx - w / 2.0 - 4.0,
                mid - total / 2.0 - 2.0,
                cx + w / 2.0 + 4.0,
                mid + total / 2.0 + 2.0,
                HATCH_FILL,
            )?;
            c.paragraph(
                &lines,
                cx,
                mid - total / 2.0,
                SMALL_PX,
                false,
                INK,
                HPos::Center,
            )?;
        } else {
            let mut y = plot_top;
            for (cell, height) in panel.cells.iter().zip(&g.rows) {
                let mid = y + height / 2.0;
                match cell {
                    Cell::Shown { value, low, high } => {
                        c.fill(bx0, mid - 8.0, xs(*value), mid + 8.0, OKABE_BLUE)?;
                        c.line((xs(*low), mid), (xs(*high), mid), INK, 1.0)?;
                        c.text(
                            &percent(*value),
                            px0 + g.panel_width - 4.0,
                            centre_baseline(mid, SMALL_PX),
                            SMALL_PX,
                            false,
                            INK,
                            HPos::Right,
                        )?;
                    }
                    Cell::Suppressed(_) => {
                        c.hatched(bx0, mid - 8.0, bx0 + 30.0, mid + 8.0)?;
                        c.text(
                            &words.get("report-chart-suppressed-short"),
                            px0 + g.panel_width - 4.0,
                            centre_baseline(mid, SMALL_PX),
                            SMALL_PX,
                            false,
                            INK,
                            HPos::Right,
                        )?;
                    }
                }
                y += height;
            }
        }
        // Axis ends under each panel.
        for t in [0.0, max] {
            c.text(
                &percent(t),
                xs(t),
                plot_bottom + 18.0,
                SMALL_PX,
                false,
                SECONDARY_INK,
                HPos::Center,
            )?;
        }
    }
    Ok(())
}

/// The height of the plot: the panels' heads, the options' rows and the axis.
pub(super) fn height(options: &[String], panels: &[Panel]) -> f64 {
    let geometry = ranked_geometry(options, panels);
    geometry.head + geometry.rows.iter().sum::<f64>() + AXIS
}
