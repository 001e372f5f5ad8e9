//! Drawing in CSS pixels on either plotters backend: the canvas scales to the PNG's device
//! pixels and places text by its baseline the same way on both (in the PNG, glyph by glyph
//! with the bundled font's bearings and kerning).

use ab_glyph::{point, Font, PxScale, ScaleFont};
use plotters::backend::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, TextStyle};
use plotters_backend::DrawingErrorKind;

use super::fonts::{advance, face, font, line_height, ASCENT, BITMAP_EM, SVG_EM};
use super::palette::{HATCH, HATCH_FILL};

/// The backend a canvas draws on: each sets text its own way.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Svg,
    Png,
}

/// Drawing in CSS pixels on either backend.
pub(super) struct Canvas<DB: DrawingBackend> {
    pub(super) backend: DB,
    pub(super) target: Target,
    pub(super) scale: f64,
}

pub(super) type Drawn<DB> = Result<(), DrawingErrorKind<<DB as DrawingBackend>::ErrorType>>;

impl<DB: DrawingBackend> Canvas<DB> {
    fn p(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (x * self.scale).round() as i32,
            (y * self.scale).round() as i32,
        )
    }

    pub(super) fn fill(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        color: RGBColor,
    ) -> Drawn<DB> {
        let (a, b) = (self.p(x0, y0), self.p(x1, y1));
        self.backend.draw_rect(a, b, &color.filled(), true)?;
        Ok(())
    }

    pub(super) fn outline(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        color: RGBColor,
    ) -> Drawn<DB> {
        let width = self.scale.round().max(1.0) as u32;
        let (a, b) = (self.p(x0, y0), self.p(x1, y1));
        self.backend
            .draw_rect(a, b, &color.stroke_width(width), false)?;
        Ok(())
    }

    pub(super) fn line(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        color: RGBColor,
        width: f64,
    ) -> Drawn<DB> {
        let stroke = (width * self.scale).round().max(1.0) as u32;
        let (a, b) = (self.p(from.0, from.1), self.p(to.0, to.1));
        self.backend.draw_line(a, b, &color.stroke_width(stroke))?;
        Ok(())
    }

    pub(super) fn dashed(
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
    pub(super) fn hatched(&mut self, x0: f64, y0: f64, x1: f64, y1: f64) -> Drawn<DB> {
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
    pub(super) fn text(
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
    pub(super) fn paragraph(
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
