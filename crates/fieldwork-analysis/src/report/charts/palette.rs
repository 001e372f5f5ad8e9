//! Colours, all colour-blind safe: Okabe-Ito for categories, ColorBrewer's RdBu for Likert
//! scales, viridis for the heatmap; and which ink reads on a fill.

use plotters::style::RGBColor;

// Okabe & Ito (2008), "Color Universal Design".
pub const OKABE_BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);

pub const OKABE_VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

pub(super) const INK: RGBColor = RGBColor(0x0b, 0x0c, 0x0c);

pub(super) const SECONDARY_INK: RGBColor = RGBColor(0x50, 0x5a, 0x5f);

pub(super) const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

pub(super) const NON_SUBSTANTIVE: RGBColor = RGBColor(0x99, 0x99, 0x99);

pub(super) const HATCH: RGBColor = RGBColor(0x6f, 0x77, 0x7b);

pub(super) const HATCH_FILL: RGBColor = RGBColor(0xf3, 0xf2, 0xf1);

pub(super) const WHITE: RGBColor = RGBColor(0xff, 0xff, 0xff);

/// ColorBrewer RdBu (Brewer, colorbrewer2.org; marked colour-blind safe), low to high.
pub(super) fn diverging(points: usize) -> Vec<RGBColor> {
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
pub(super) fn viridis(t: f64) -> RGBColor {
    const STOPS: [u32; 9] = [
        0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
    ];
    let stops: Vec<RGBColor> = STOPS.iter().map(|&c| rgb(c)).collect();
    interpolate(&stops, t)
}

pub(super) fn rgb(c: u32) -> RGBColor {
    RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
}

pub(super) fn interpolate(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (t.floor() as usize).min(stops.len() - 2);
    let f = t - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text that reads on `fill`: white on dark colours, ink on light ones (WCAG relative
/// luminance).
pub(super) fn ink_on(fill: RGBColor) -> RGBColor {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_dark_fills_is_white() {
        assert_eq!(ink_on(viridis(0.0)), WHITE);
        assert_eq!(ink_on(viridis(1.0)), INK);
        assert_eq!(ink_on(OKABE_BLUE), WHITE);
    }
}
