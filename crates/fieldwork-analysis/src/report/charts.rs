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

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

use plotters::backend::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};
use plotters_backend::DrawingErrorKind;

use crate::format::{percent, thousands};

/// The font family as plotters knows it, and as the SVG names it (with fallbacks).
pub const FONT_FAMILY: &str = "Liberation Sans, Arial, Helvetica, sans-serif";
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");
/// Liberation Sans: (ascent + descent) / units per em, how ab_glyph sizes glyphs.
const BITMAP_EM: f64 = (1854.0 + 434.0) / 2048.0;
/// plotters writes an SVG font-size of size / 1.24.
const SVG_EM: f64 = 1.24;
const ASCENT: f64 = 1854.0 / 2048.0;

/// Width of every chart, in CSS pixels.
pub const WIDTH: f64 = 960.0;
/// Device pixels per CSS pixel in the PNG.
pub const PNG_SCALE: f64 = 2.0;
const MARGIN: f64 = 24.0;

const TITLE_PX: f64 = 20.0;
const TEXT_PX: f64 = 14.0;
const SMALL_PX: f64 = 13.0;

// Okabe & Ito (2008), "Color Universal Design".
pub const OKABE_BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const OKABE_VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const INK: RGBColor = RGBColor(0x0b, 0x0c, 0x0c);
const SECONDARY_INK: RGBColor = RGBColor(0x50, 0x5a, 0x5f);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const NON_SUBSTANTIVE: RGBColor = RGBColor(0x99, 0x99, 0x99);
const HATCH: RGBColor = RGBColor(0x6f, 0x77, 0x7b);
const HATCH_FILL: RGBColor = RGBColor(0xf3, 0xf2, 0xf1);
const WHITE: RGBColor = RGBColor(0xff, 0xff, 0xff);

/// ColorBrewer RdBu (Brewer, colorbrewer2.org; marked colour-blind safe), low to high.
fn diverging(points: usize) -> Vec<RGBColor> {
    let hex = |s: &[u32]| s.iter().map(|&c| rgb(c)).collect::<Vec<_>>();
    match points {
        0 | 1 => hex(&[0x0571b0]),
        2 => hex(&[0xef8a62, 0x67a9cf]),
        3 => hex(&[0xef8a62, 0xf7f7f7, 0x67a9cf]),
        4 => hex(&[0xca0020, 0xf4a582, 0x92c5de, 0x0571b0]),
        5 => hex(&[0xca0020, 0xf4a582, 0xf7f7f7, 0x92c5de, 0x0571b0]),
        6 => hex(&[0xb2182b, 0xef8a62, 0xfddbc7, 0xd1e5f0, 0x67a9cf, 0x2166ac]),
        7 => hex(&[
            0xb2182b, 0xef8a62, 0xfddbc7, 0xf7f7f7, 0xd1e5f0, 0x67a9cf, 0x2166ac,
        ]),
        n => (0..n)
            .map(|i| interpolate(&diverging(7), i as f64 / (n - 1) as f64))
            .collect(),
    }
}

/// viridis (van der Walt & Smith, matplotlib), nine stops from 0 to 1.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [u32; 9] = [
        0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
    ];
    let stops: Vec<RGBColor> = STOPS.iter().map(|&c| rgb(c)).collect();
    interpolate(&stops, t)
}

fn rgb(c: u32) -> RGBColor {
    RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
}

fn interpolate(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (t.floor() as usize).min(stops.len() - 2);
    let f = t - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text that reads on `fill`: white on dark colours, ink on light ones (WCAG relative
/// luminance).
fn ink_on(fill: RGBColor) -> RGBColor {
    let channel = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(fill.0) + 0.7152 * channel(fill.1) + 0.0722 * channel(fill.2);
    // Contrast against white vs against ink: pick the larger.
    if (1.05 / (l + 0.05)) > ((l + 0.05) / 0.05) {
        WHITE
    } else {
        INK
    }
}

fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size, style)
}

/// The bundled faces, for measuring text and drawing it into the PNG.
fn face(bold: bool) -> &'static FontRef<'static> {
    static FACES: OnceLock<(FontRef<'static>, FontRef<'static>)> = OnceLock::new();
    let (regular, bold_face) = FACES.get_or_init(|| {
        // The bytes are the fonts shipped in this crate; a failure is a build defect.
        (
            FontRef::try_from_slice(REGULAR).expect("the bundled regular font parses"),
            FontRef::try_from_slice(BOLD).expect("the bundled bold font parses"),
        )
    });
    if bold {
        bold_face
    } else {
        regular
    }
}

/// The advance width of `text` at `em` pixels per em, with kerning.
fn advance(text: &str, em: f64, bold: bool) -> f64 {
    let font = face(bold).as_scaled(PxScale::from((em * BITMAP_EM) as f32));
    let mut width = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            width += font.kern(p, id);
        }
        width += font.h_advance(id);
        previous = Some(id);
    }
    width as f64
}

/// The width of `text` set at `px` CSS pixels per em.
pub fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    advance(text, px, bold)
}

/// Break `text` into lines no wider than `width`, at spaces (a single word too long for the
/// line stands on its own).
pub fn wrap(text: &str, px: f64, bold: bool, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, px, bold) > width {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn line_height(px: f64) -> f64 {
    (px * 1.3).round()
}

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
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart `{chart}`: {reason}")]
pub struct ChartError {
    pub chart: String,
    pub reason: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Svg,
    Png,
}

/// Drawing in CSS pixels on either backend.
struct Canvas<DB: DrawingBackend> {
    backend: DB,
    target: Target,
    scale: f64,
}

type Drawn<DB> = Result<(), DrawingErrorKind<<DB as DrawingBackend>::ErrorType>>;

impl<DB: DrawingBackend> Canvas<DB> {
    fn p(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (x * self.scale).round() as i32,
            (y * self.scale).round() as i32,
        )
    }

    fn fill(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBColor) -> Drawn<DB> {
        let (a, b) = (self.p(x0, y0), self.p(x1, y1));
        self.backend.draw_rect(a, b, &color.filled(), true)?;
        Ok(())
    }

    fn outline(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBColor) -> Drawn<DB> {
        let width = self.scale.round().max(1.0) as u32;
        let (a, b) = (self.p(x0, y0), self.p(x1, y1));
        self.backend
            .draw_rect(a, b, &color.stroke_width(width), false)?;
        Ok(())
    }

    fn line(&mut self, from: (f64, f64), to: (f64, f64), color: RGBColor, width: f64) -> Drawn<DB> {
        let stroke = (width * self.scale).round().max(1.0) as u32;
        let (a, b) = (self.p(from.0, from.1), self.p(to.0, to.1));
        self.backend.draw_line(a, b, &color.stroke_width(stroke))?;
        Ok(())
    }

    fn dashed(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        color: RGBColor,
        width: f64,
    ) -> Drawn<DB> {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let length = (dx * dx + dy * dy).sqrt();
        let (dash, gap) = (6.0, 4.0);
        let mut s = 0.0;
        while s < length {
            let e = (s + dash).min(length);
            let at = |t: f64| (from.0 + dx * t / length, from.1 + dy * t / length);
            self.line(at(s), at(e), color, width)?;
            s = e + gap;
        }
        Ok(())
    }

    /// The suppressed marker: a light box with diagonal hatching and an outline.
    fn hatched(&mut self, x0: f64, y0: f64, x1: f64, y1: f64) -> Drawn<DB> {
        self.fill(x0, y0, x1, y1, HATCH_FILL)?;
        let h = y1 - y0;
        let step = 7.0;
        let mut a = x0 + step;
        while a < x1 + h {
            // The line from (a, y0) down and to the left at 45 degrees, clipped to the box.
            let (mut sx, mut sy) = (a, y0);
            if sx > x1 {
                sy += sx - x1;
                sx = x1;
            }
            let (mut ex, mut ey) = (a - h, y1);
            if ex < x0 {
                ey -= x0 - ex;
                ex = x0;
            }
            if sy < ey {
                self.line((sx, sy), (ex, ey), HATCH, 0.75)?;
            }
            a += step;
        }
        self.outline(x0, y0, x1, y1, HATCH)
    }

    /// Text with its baseline at `baseline`.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        x: f64,
        baseline: f64,
        px: f64,
        bold: bool,
        color: RGBColor,
        h: HPos,
    ) -> Drawn<DB> {
        if text.is_empty() {
            return Ok(());
        }
        match self.target {
            // plotters sets SVG text at font-size = size / 1.24, with dy = 0.76em from the top.
            Target::Svg => {
                let style = TextStyle::from(font(px * SVG_EM, bold))
                    .color(&color)
                    .pos(Pos::new(h, VPos::Top));
                let at = self.p(x, baseline - 0.76 * px);
                self.backend.draw_text(text, &style, at)?;
            }
            // Glyphs placed with their bearings and kerning at sub-pixel positions (plotters'
            // own bitmap text drops the bearings), anti-aliased over what is below.
            Target::Png => {
                let em = px * self.scale;
                let width = advance(text, em, bold);
                let start = x * self.scale
                    - match h {
                        HPos::Left => 0.0,
                        HPos::Center => width / 2.0,
                        HPos::Right => width,
                    };
                let font = face(bold).as_scaled(PxScale::from((em * BITMAP_EM) as f32));
                let base = (baseline * self.scale) as f32;
                let mut caret = start as f32;
                let mut previous = None;
                let mut failure = None;
                for c in text.chars() {
                    let id = font.glyph_id(c);
                    if let Some(p) = previous {
                        caret += font.kern(p, id);
                    }
                    previous = Some(id);
                    let glyph = id.with_scale_and_position(font.scale(), point(caret, base));
                    caret += font.h_advance(id);
                    let Some(outline) = font.outline_glyph(glyph) else {
                        continue;
                    };
                    let bounds = outline.px_bounds();
                    let backend = &mut self.backend;
                    outline.draw(|gx, gy, coverage| {
                        if failure.is_some() || coverage <= 0.0 {
                            return;
                        }
                        let at = (
                            bounds.min.x as i32 + gx as i32,
                            bounds.min.y as i32 + gy as i32,
                        );
                        let pixel = color.mix(coverage.min(1.0) as f64).to_backend_color();
                        if let Err(e) = backend.draw_pixel(at, pixel) {
                            failure = Some(e);
                        }
                    });
                    if let Some(e) = failure.take() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// Lines of text from `top`, returning the y below them.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        lines: &[String],
        x: f64,
        top: f64,
        px: f64,
        bold: bool,
        color: RGBColor,
        h: HPos,
    ) -> Result<f64, DrawingErrorKind<DB::ErrorType>> {
        let lh = line_height(px);
        for (i, line) in lines.iter().enumerate() {
            let baseline = top + i as f64 * lh + (lh - px) / 2.0 + ASCENT * px;
            self.text(line, x, baseline, px, bold, color, h)?;
        }
        Ok(top + lines.len() as f64 * lh)
    }
}

/// The baseline that centres a line of `px` text on `y`.
fn centre_baseline(y: f64, px: f64) -> f64 {
    // Cap height of Liberation Sans is 0.716 em: centre capitals and figures.
    y + 0.716 * px / 2.0
}

/// A "nice" upper end for an axis of shares: the next multiple of 10% (or 5% below 20%).
fn nice_max(max: f64) -> f64 {
    let step = if max <= 0.2 { 0.05 } else { 0.1 };
    ((max / step).ceil() * step).clamp(step, 1.0)
}

fn ticks(max: f64) -> Vec<f64> {
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
            } => draw_proportion(c, top, bars, all.as_ref(), benchmark.as_ref())?,
            ChartKind::Likert {
                scale,
                non_substantive,
                rows,
            } => draw_likert(c, top, scale, non_substantive, rows)?,
            ChartKind::Ranked { options, panels } => draw_ranked(c, top, options, panels)?,
            ChartKind::Heatmap {
                rows,
                columns,
                cells,
            } => draw_heatmap(c, top, rows, columns, cells)?,
            ChartKind::ResponseRates { rows } => draw_rates(c, top, rows)?,
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
            ChartKind::Proportion { bars, .. } => {
                PROPORTION_HEAD + bars.len() as f64 * ROW + AXIS + LEGEND
            }
            ChartKind::Likert {
                scale,
                non_substantive,
                rows,
            } => {
                likert_legend(scale, non_substantive).1
                    + LIKERT_HEAD
                    + rows.len() as f64 * ROW
                    + AXIS
            }
            ChartKind::Ranked { options, panels } => {
                let geometry = ranked_geometry(options, panels);
                geometry.head + geometry.rows.iter().sum::<f64>() + AXIS
            }
            ChartKind::Heatmap {
                rows,
                columns,
                cells: _,
            } => {
                let g = heatmap_geometry(rows, columns);
                g.head + g.rows.iter().sum::<f64>() + 24.0 + HEATMAP_KEY
            }
            ChartKind::ResponseRates { rows } => rows.len() as f64 * ROW + AXIS,
        }
    }
}

const ROW: f64 = 40.0;
const BAR: f64 = 22.0;
const AXIS: f64 = 30.0;
const LEGEND: f64 = 34.0;
const PROPORTION_HEAD: f64 = 2.0 * 20.0 + 8.0;
const LIKERT_HEAD: f64 = 8.0;
const HEATMAP_KEY: f64 = 44.0;
/// Width of the stratum labels on the left.
const LABEL_COLUMN: f64 = 190.0;

fn suppressed_label(reason: &str) -> String {
    format!("Suppressed: {reason}")
}

/// Stratum labels left of a row, wrapped to two lines at most, centred on `mid`.
fn row_label<DB: DrawingBackend>(
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
fn share_axis<DB: DrawingBackend>(
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

fn draw_proportion<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    bars: &[Bar],
    all: Option<&Reference>,
    benchmark: Option<&Reference>,
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
                let text = suppressed_label(reason);
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
    c.text(
        "Estimate",
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )?;
    x += text_width("Estimate", SMALL_PX, false) + 20.0;
    c.line((x, ly), (x + 18.0, ly), INK, 1.5)?;
    c.line((x, ly - 5.0), (x, ly + 5.0), INK, 1.5)?;
    c.line((x + 18.0, ly - 5.0), (x + 18.0, ly + 5.0), INK, 1.5)?;
    x += 24.0;
    let ci = "95% confidence interval";
    c.text(
        ci,
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )?;
    x += text_width(ci, SMALL_PX, false) + 20.0;
    c.hatched(x, ly - 7.0, x + 18.0, ly + 7.0)?;
    x += 24.0;
    c.text(
        "Suppressed (not zero)",
        x,
        centre_baseline(ly, SMALL_PX),
        SMALL_PX,
        false,
        INK,
        HPos::Left,
    )
}

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

fn draw_likert<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    scale: &[String],
    non_substantive: &[String],
    rows: &[LikertRow],
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
                let text = suppressed_label(reason);
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
                            "Suppressed",
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
        let header = format!("{} (of all answers)", non_substantive.join(" / "));
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
    let head = headers
        .iter()
        .map(|h| h.len() as f64 * line_height(SMALL_PX))
        .fold(0.0, f64::max)
        + 10.0;
    let rows = options
        .iter()
        .map(|o| {
            let lines = wrap(o, SMALL_PX, false, label_width - 16.0).len() as f64;
            (lines * line_height(SMALL_PX) + 10.0).max(30.0)
        })
        .collect();
    RankedGeometry {
        head,
        rows,
        label_width,
        panel_width,
        headers,
    }
}

fn draw_ranked<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    options: &[String],
    panels: &[Panel],
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
            let mut lines = vec!["Suppressed:".to_owned()];
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
                            "supp.",
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
    let head = headers
        .iter()
        .map(|h| h.len() as f64 * line_height(SMALL_PX))
        .fold(0.0, f64::max)
        + 8.0;
    let rows = rows
        .iter()
        .map(|r| {
            let lines = wrap(r, SMALL_PX, false, label_width - 16.0).len() as f64;
            (lines * line_height(SMALL_PX) + 12.0).max(36.0)
        })
        .collect();
    HeatmapGeometry {
        head,
        rows,
        label_width,
        column_width,
        headers,
    }
}

fn draw_heatmap<DB: DrawingBackend>(
    c: &mut Canvas<DB>,
    top: f64,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Cell>],
) -> Drawn<DB> {
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
                    let w = text_width("Suppressed", SMALL_PX, false);
                    let cx = (cx0 + cx1) / 2.0;
                    c.fill(
                        cx - w / 2.0 - 3.0,
                        mid - 8.0,
                        cx + w / 2.0 + 3.0,
                        mid + 8.0,
                        HATCH_FILL,
                    )?;
                    c.text(
                        "Suppressed",
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
        "% positive",
        kx0 - 12.0,
        centre_baseline(ky + 6.0, SMALL_PX),
        SMALL_PX,
        true,
        INK,
        HPos::Right,
    )
}

fn draw_rates<DB: DrawingBackend>(c: &mut Canvas<DB>, top: f64, rows: &[RateRow]) -> Drawn<DB> {
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
        let text = if row.population > 0 {
            format!(
                "{} of {} ({:.1}%)",
                thousands(row.complete.max(0) as u64),
                thousands(row.population),
                r * 100.0
            )
        } else {
            format!("{} (no frame count)", thousands(row.complete.max(0) as u64))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_within_the_width() {
        let lines = wrap(
            "We focus relentlessly on the needs of the people who use our services",
            13.0,
            false,
            200.0,
        );
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(text_width(line, 13.0, false) <= 200.0, "{line}");
        }
        assert_eq!(
            lines.join(" "),
            "We focus relentlessly on the needs of the people who use our services"
        );
    }

    #[test]
    fn text_on_dark_fills_is_white() {
        assert_eq!(ink_on(viridis(0.0)), WHITE);
        assert_eq!(ink_on(viridis(1.0)), INK);
        assert_eq!(ink_on(OKABE_BLUE), WHITE);
    }
}
