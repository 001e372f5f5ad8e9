//! The report's charts, drawn with plotters to SVG and PNG from one description.
//!
//! Every chart is laid out here in CSS pixels (the SVG's user units) and drawn through
//! [`Canvas`], which scales to the PNG's device pixels and places text by its baseline the same
//! way on both backends. Text is measured and, in the PNG, drawn with the bundled Liberation
//! Sans (SIL OFL 1.1) through ab_glyph, glyph by glyph with bearings and kerning (plotters' own
//! bitmap text drops the bearings, which spaces letters unevenly), so a machine without system
//! fonts draws the same PNG. The SVG names the font first, then Arial (whose metrics
//! Liberation Sans shares) and the viewer's sans-serif.
//!
//! Colours are colour-blind safe: Okabe-Ito for categories, ColorBrewer's RdBu for Likert
//! scales and viridis for the heatmap. A suppressed cell is never drawn as a zero: it is a
//! hatched, outlined box labelled "Suppressed".
//!
//! This module holds the description of a chart and its frame (title, subtitle, note); each
//! kind of chart is drawn and sized by its own module over the shared [`Canvas`] (`fonts`,
//! `palette` and `axes` hold what the kinds share).

mod axes;
mod canvas;
mod fonts;
mod heatmap;
mod likert;
mod palette;
mod proportion;
mod ranked;
mod response_rates;

pub use fonts::{text_width, wrap, FONT_FAMILY};
pub use palette::{OKABE_BLUE, OKABE_VERMILLION};

use fieldwork_survey::Messages;
use plotters::backend::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters::style::text_anchor::HPos;

use canvas::{Canvas, Drawn, Target};
use fonts::{line_height, SMALL_PX, TEXT_PX, TITLE_PX};
use palette::{INK, SECONDARY_INK, WHITE};

/// Width of every chart, in CSS pixels.
pub const WIDTH: f64 = 960.0;

/// Device pixels per CSS pixel in the PNG.
pub const PNG_SCALE: f64 = 2.0;

const MARGIN: f64 = 24.0;

/// A figure with its confidence interval, or why it is not shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Shown { value: f64, low: f64, high: f64 },
    Suppressed(String),
}

impl Cell {
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Shown { value, .. } => Some(*value),
            Cell::Suppressed(_) => None,
        }
    }
}

/// One bar of a proportion chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub n: u64,
    pub cell: Cell,
}

/// A line across a proportion chart: the all-strata estimate or a benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub label: String,
    pub value: f64,
}

/// A stratum's row of a diverging Likert chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LikertRow {
    pub label: String,
    pub n: u64,
    /// Shares of the scale points among substantive answers, low to high; `Err` with the
    /// suppression note when suppressed.
    pub scale: Result<Vec<f64>, String>,
    /// Shares of each non-substantive answer among all answers.
    pub other: Vec<Option<f64>>,
}

/// One panel of small multiples (a stratum, or all strata).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub label: String,
    pub n: u64,
    /// One cell per option, in the chart's option order.
    pub cells: Vec<Cell>,
}

/// A stratum's response against its population.
#[derive(Debug, Clone, PartialEq)]
pub struct RateRow {
    pub label: String,
    pub complete: i64,
    pub population: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    /// A horizontal bar per stratum with its interval, and reference lines.
    Proportion {
        bars: Vec<Bar>,
        all: Option<Reference>,
        benchmark: Option<Reference>,
    },
    /// Diverging stacked bars centred on the scale's neutral point.
    Likert {
        scale: Vec<String>,
        non_substantive: Vec<String>,
        rows: Vec<LikertRow>,
    },
    /// Options (ranked) down the side, a panel per stratum.
    Ranked {
        options: Vec<String>,
        panels: Vec<Panel>,
    },
    /// Rows by columns, coloured by a share.
    Heatmap {
        rows: Vec<String>,
        columns: Vec<String>,
        /// `cells[row][column]`.
        cells: Vec<Vec<Cell>>,
    },
    /// Complete responses over the population, per stratum.
    ResponseRates { rows: Vec<RateRow> },
}

/// A chart: what it shows, for whom, and its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem: `charts/{name}.svg`, `charts/{name}.png`, `data/{name}.csv`.
    pub name: String,
    pub title: String,
    /// Lines under the title: the base, the measure.
    pub subtitle: Vec<String>,
    pub kind: ChartKind,
    /// A note under the chart (the source, the suppression rule).
    pub note: String,
    /// The words the chart draws besides these (legends, "Suppressed"), in its language.
    pub words: Messages,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart `{chart}`: {reason}")]
pub struct ChartError {
    pub chart: String,
    pub reason: String,
}

/// The layout of one chart: its height and how to draw it.
struct Layout {
    title: Vec<String>,
    subtitle: Vec<Vec<String>>,
    note: Vec<String>,
    /// Top of the plot.
    top: f64,
    /// Height of the plot.
    body: f64,
}

impl Chart {
    fn layout(&self) -> Layout {
        let inner = WIDTH - 2.0 * MARGIN;
        let title = wrap(&self.title, TITLE_PX, true, inner);
        let subtitle: Vec<Vec<String>> = self
            .subtitle
            .iter()
            .map(|s| wrap(s, TEXT_PX, false, inner))
            .collect();
        let note = wrap(&self.note, SMALL_PX, false, inner);
        let top = MARGIN
            + title.len() as f64 * line_height(TITLE_PX)
            + 6.0
            + subtitle.iter().map(Vec::len).sum::<usize>() as f64 * line_height(TEXT_PX)
            + 16.0;
        Layout {
            title,
            subtitle,
            note,
            top,
            body: self.body_height(),
        }
    }

    /// The chart's size in CSS pixels (the SVG's; the PNG is [`PNG_SCALE`] times larger).
    pub fn size(&self) -> (u32, u32) {
        let layout = self.layout();
        let height = layout.top
            + layout.body
            + 16.0
            + layout.note.len() as f64 * line_height(SMALL_PX)
            + MARGIN;
        (WIDTH as u32, height.ceil() as u32)
    }

    pub fn svg(&self) -> Result<String, ChartError> {
        let (w, h) = self.size();
        let mut out = String::new();
        {
            let backend = SVGBackend::with_string(&mut out, (w, h));
            let mut canvas = Canvas {
                backend,
                target: Target::Svg,
                scale: 1.0,
            };
            self.draw(&mut canvas).map_err(|e| self.error(e))?;
            canvas.backend.present().map_err(|e| self.error(e))?;
        }
        Ok(out)
    }

    pub fn png(&self) -> Result<Vec<u8>, ChartError> {
        let (w, h) = self.size();
        let (pw, ph) = ((w as f64 * PNG_SCALE) as u32, (h as f64 * PNG_SCALE) as u32);
        let mut pixels = vec![0u8; pw as usize * ph as usize * 3];
        {
            let backend = BitMapBackend::with_buffer(&mut pixels, (pw, ph));
            let mut canvas = Canvas {
                backend,
                target: Target::Png,
                scale: PNG_SCALE,
            };
            self.draw(&mut canvas).map_err(|e| self.error(e))?;
            canvas.backend.present().map_err(|e| self.error(e))?;
        }
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, pw, ph);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Best);
            let mut writer = encoder.write_header().map_err(|e| self.error(e))?;
            writer
                .write_image_data(&pixels)
                .map_err(|e| self.error(e))?;
        }
        Ok(out)
    }

    fn error(&self, e: impl std::fmt::Display) -> ChartError {
        ChartError {
            chart: self.name.clone(),
            reason: e.to_string(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, c: &mut Canvas<DB>) -> Drawn<DB> {
        let layout = self.layout();
        let (w, h) = self.size();
        c.fill(0.0, 0.0, w as f64, h as f64, WHITE)?;
        let mut y = c.paragraph(
            &layout.title,
            MARGIN,
            MARGIN,
            TITLE_PX,
            true,
            INK,
            HPos::Left,
        )? + 6.0;
        for lines in &layout.subtitle {
            y = c.paragraph(lines, MARGIN, y, TEXT_PX, false, SECONDARY_INK, HPos::Left)?;
        }
        let top = layout.top;
        match &self.kind {
            ChartKind::Proportion {
                bars,
                all,
                benchmark,
            } => proportion::draw(c, top, bars, all.as_ref(), benchmark.as_ref(), &self.words)?,
            ChartKind::Likert {
                scale,
                non_substantive,
                rows,
            } => likert::draw(c, top, scale, non_substantive, rows, &self.words)?,
            ChartKind::Ranked { options, panels } => {
                ranked::draw(c, top, options, panels, &self.words)?
            }
            ChartKind::Heatmap {
                rows,
                columns,
                cells,
            } => heatmap::draw(c, top, rows, columns, cells, &self.words)?,
            ChartKind::ResponseRates { rows } => response_rates::draw(c, top, rows, &self.words)?,
        }
        c.paragraph(
            &layout.note,
            MARGIN,
            top + layout.body + 16.0,
            SMALL_PX,
            false,
            SECONDARY_INK,
            HPos::Left,
        )?;
        Ok(())
    }

    fn body_height(&self) -> f64 {
        match &self.kind {
            ChartKind::Proportion { bars, .. } => proportion::height(bars),
            ChartKind::Likert {
                scale,
                non_substantive,
                rows,
            } => likert::height(scale, non_substantive, rows),
            ChartKind::Ranked { options, panels } => ranked::height(options, panels),
            ChartKind::Heatmap { rows, columns, .. } => heatmap::height(rows, columns),
            ChartKind::ResponseRates { rows } => response_rates::height(rows),
        }
    }
}
