//! The bundled Liberation Sans (SIL OFL 1.1): text measured and wrapped with its metrics, so
//! a chart lays out the same on every machine, and the font the SVG names for viewers.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::style::{FontDesc, FontFamily, FontStyle};

/// The font family as plotters knows it, and as the SVG names it (with fallbacks).
pub const FONT_FAMILY: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

pub(super) const REGULAR: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");

pub(super) const BOLD: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf");

/// Liberation Sans: (ascent + descent) / units per em, how ab_glyph sizes glyphs.
pub(super) const BITMAP_EM: f64 = (1854.0 + 434.0) / 2048.0;

/// plotters writes an SVG font-size of size / 1.24.
pub(super) const SVG_EM: f64 = 1.24;

pub(super) const ASCENT: f64 = 1854.0 / 2048.0;

pub(super) const TITLE_PX: f64 = 20.0;

pub(super) const TEXT_PX: f64 = 14.0;

pub(super) const SMALL_PX: f64 = 13.0;

pub(super) fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size, style)
}

/// The bundled faces, for measuring text and drawing it into the PNG.
pub(super) fn face(bold: bool) -> &'static FontRef<'static> {
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
pub(super) fn advance(text: &str, em: f64, bold: bool) -> f64 {
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

pub(super) fn line_height(px: f64) -> f64 {
    (px * 1.3).round()
}

/// The baseline that centres a line of `px` text on `y`.
pub(super) fn centre_baseline(y: f64, px: f64) -> f64 {
    // Cap height of Liberation Sans is 0.716 em: centre capitals and figures.
    y + 0.716 * px / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Welsh's circumflexed vowels, ŵ and ŷ among them, are in the bundled font, so a Welsh
    /// chart's PNG draws them rather than an empty box.
    #[test]
    fn the_bundled_font_has_welsh_letters() {
        for bold in [false, true] {
            for c in "âêîôûŵŷÂÊÎÔÛŴŶäëïöüẁẃẅỳ".chars() {
                assert_ne!(face(bold).glyph_id(c).0, 0, "{c} (bold: {bold})");
            }
        }
    }

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
}
