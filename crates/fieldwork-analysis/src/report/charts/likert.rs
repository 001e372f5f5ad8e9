//! A diverging Likert chart: stacked bars centred on the scale's neutral point, a row per
//! stratum, with the non-substantive answers beside them.

use fieldwork_survey::Messages;
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::axes::{nice_max, row_label, suppressed_label, ticks, AXIS, BAR, LABEL_COLUMN, ROW};
use super::canvas::{Canvas, Drawn};
use super::fonts::{centre_baseline, line_height, text_width, wrap, SMALL_PX};
use super::palette::{diverging, ink_on, GRID, HATCH_FILL, INK, NON_SUBSTANTIVE, SECONDARY_INK};
use super::{LikertRow, MARGIN, WIDTH};
use crate::format::percent;

const LIKERT_HEAD: f64 = 8.0;

/// Legend swatches of a Likert chart, in lines; returns (lines of (label, colour), height).
fn likert_legend(
    scale: &[String],
    non_substantive: &[String],
) -> (Vec<Vec<(String, RGBColor)>>, f64) {
    let colours = diverging(scale.len());
    let items: Vec<(String, RGBColor)> = scale
        .iter()
        .cloned()
        .zip(colours)
        .chain(non_substantive.iter().map(|l| (l.clone(), NON_SUBSTANTIVE)))
        .collect();
    let mut lines: Vec<Vec<(String, RGBColor)>> = vec![Vec::new()];
    let mut x = MARGIN;
    for (label, colour) in items {
        let w = 22.0 + text_width(&label, SMALL_PX, false) + 18.0;
        if x + w > WIDTH - MARGIN && !lines.last().is_some_and(Vec::is_empty) {
            lines.push(Vec::new());
            x = MARGIN;
        }
        x += w;
        if let Some(line) = lines.last_mut() {
            line.push((label, colour));
        }
    }
    let height = lines.len() as f64 * 22.0 + 10.0;
    (lines, height)
}

pub(super) fn draw<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    scale: &[String],
    non_substantive: &[String],
    rows: &[LikertRow],
    words: &Messages,
) -> Drawn<DB> {
    let colours = diverging(scale.len());
    let (legend, legend_height) = likert_legend(scale, non_substantive);
    for (i, line) in legend.iter().enumerate() {
        let y = top + i as f64 * 22.0 + 9.0;
        let mut x = MARGIN;
        for (label, colour) in line {
            c.fill(x, y - 7.0, x + 16.0, y + 7.0, *colour)?;
            c.outline(x, y - 7.0, x + 16.0, y + 7.0, GRID)?;
            x += 22.0;
            c.text(
                label,
                x,
                centre_baseline(y, SMALL_PX),
                SMALL_PX,
                false,
                INK,
                HPos::Left,
            )?;
            x += text_width(label, SMALL_PX, false) + 18.0;
        }
    }
    let plot_top = top + legend_height + LIKERT_HEAD;
    let plot_bottom = plot_top + rows.len() as f64 * ROW;
    let has_other = !non_substantive.is_empty();
    // The non-substantive column on the right, then the diverging bars.
    let other_width = if has_other { 150.0 } else { 0.0 };
    let x0 = MARGIN + LABEL_COLUMN;
    let x1 = WIDTH - MARGIN - other_width - if has_other { 24.0 } else { 0.0 };
    let k = scale.len();
    let neutral = (k % 2 == 1).then_some(k / 2);
    let low_points = k / 2;
    // How far each side reaches, to scale the axis.
    let reach = rows
        .iter()
        .filter_map(|r| r.scale.as_ref().ok())
        .map(|shares| {
            let half = neutral.map_or(0.0, |m| shares.get(m).copied().unwrap_or(0.0) / 2.0);
            let low: f64 = shares.iter().take(low_points).sum::<f64>() + half;
            let high: f64 = shares.iter().skip(k - low_points).sum::<f64>() + half;
            low.max(high)
        })
        .fold(0.0, f64::max);
    let extent = nice_max(reach.max(0.5));
    let centre = (x0 + x1) / 2.0;
    let half_width = (x1 - x0) / 2.0;
    let xs = |v: f64| centre + half_width * v / extent;
    for t in ticks(extent) {
        let sides = if t == 0.0 {
            vec![xs(0.0)]
        } else {
            vec![xs(t), xs(-t)]
        };
        for x in sides {
            c.line((x, plot_top), (x, plot_bottom), GRID, 1.0)?;
            c.text(
                &percent(t),
                x,
                plot_bottom + 18.0,
                SMALL_PX,
                false,
                SECONDARY_INK,
                HPos::Center,
            )?;
        }
    }
    // The centre, under the bars: the neutral point straddles it.
    c.line((centre, plot_top - 4.0), (centre, plot_bottom), INK, 1.5)?;
    for (i, row) in rows.iter().enumerate() {
        let mid = plot_top + i as f64 * ROW + ROW / 2.0;
        row_label(c, &row.label, Some(row.n), x0, mid)?;
        let (b0, b1) = (mid - BAR / 2.0, mid + BAR / 2.0);
        match &row.scale {
            Ok(shares) => {
                let half = neutral.map_or(0.0, |m| shares.get(m).copied().unwrap_or(0.0) / 2.0);
                let low: f64 = shares.iter().take(low_points).sum::<f64>() + half;
                let mut at = -low;
                for (p, share) in shares.iter().enumerate() {
                    let (s0, s1) = (xs(at), xs(at + share));
                    let colour = colours[p];
                    c.fill(s0, b0, s1, b1, colour)?;
                    if Some(p) == neutral {
                        c.outline(s0, b0, s1, b1, GRID)?;
                    }
                    let label = percent(*share);
                    if s1 - s0 >= text_width(&label, SMALL_PX, false) + 6.0 {
                        c.text(
                            &label,
                            (s0 + s1) / 2.0,
                            centre_baseline(mid, SMALL_PX),
                            SMALL_PX,
                            false,
                            ink_on(colour),
                            HPos::Center,
                        )?;
                    }
                    at += share;
                }
            }
            Err(reason) => {
                let text = suppressed_label(words, reason);
                let w = text_width(&text, SMALL_PX, false);
                let (h0, h1) = (centre - w / 2.0 - 14.0, centre + w / 2.0 + 14.0);
                c.hatched(h0, b0, h1, b1)?;
                c.fill(
                    centre - w / 2.0 - 4.0,
                    mid - 8.0,
                    centre + w / 2.0 + 4.0,
                    mid + 8.0,
                    HATCH_FILL,
                )?;
                c.text(
                    &text,
                    centre,
                    centre_baseline(mid, SMALL_PX),
                    SMALL_PX,
                    false,
                    INK,
                    HPos::Center,
                )?;
            }
        }
        if has_other {
            // One small bar and figure per non-substantive answer, side by side.
            let ox = WIDTH - MARGIN - other_width;
            let slot = other_width / row.other.len().max(1) as f64;
            for (k, share) in row.other.iter().enumerate() {
                let sx = ox + k as f64 * slot;
                match share {
                    Some(share) => {
                        let w = (slot - 44.0).max(10.0) * (share / 0.5).min(1.0);
                        c.fill(sx, b0 + 4.0, sx + w.max(1.0), b1 - 4.0, NON_SUBSTANTIVE)?;
                        c.text(
                            &percent(*share),
                            sx + w.max(1.0) + 5.0,
                            centre_baseline(mid, SMALL_PX),
                            SMALL_PX,
                            false,
                            INK,
                            HPos::Left,
                        )?;
                    }
                    None => {
                        c.hatched(sx, b0 + 4.0, sx + 14.0, b1 - 4.0)?;
                        c.text(
                            &words.get("report-suppressed"),
                            sx + 19.0,
                            centre_baseline(mid, SMALL_PX),
                            SMALL_PX,
                            false,
                            INK,
                            HPos::Left,
                        )?;
                    }
                }
            }
        }
    }
    if has_other {
        let ox = WIDTH - MARGIN - other_width;
        let header = words.with(
            "report-chart-of-all-answers",
            &[("answers", non_substantive.join(" / ").into())],
        );
        let lines = wrap(&header, SMALL_PX, true, other_width);
        let total = lines.len() as f64 * line_height(SMALL_PX);
        c.paragraph(
            &lines,
            ox,
            plot_top - total - 2.0,
            SMALL_PX,
            true,
            SECONDARY_INK,
            HPos::Left,
        )?;
        c.line((ox - 12.0, plot_top), (ox - 12.0, plot_bottom), GRID, 1.0)?;
    }
    Ok(())
}

/// The height of the plot: the legend, a row per stratum and the axis.
pub(super) fn height(scale: &[String], non_substantive: &[String], rows: &[LikertRow]) -> f64 {
    likert_legend(scale, non_substantive).1 + LIKERT_HEAD + rows.len() as f64 * ROW + AXIS
}
