//! Every text size of every chart, in one table, so that the rule "no text under 24 of
//! plotters' units" (19 px of the chart's 1280, 12 px on screen in a JupyterLab column of 828 px)
//! rests on one place and one test.

/// The font family every chart names; the SVG leaves the choice of font to the viewer.
pub(super) const FONT: &str = "sans-serif";

/// Plotters' text size for a pixel of an SVG's text: the explorer's page, which the browser
/// draws itself, sizes its text in pixels.
pub(super) const UNITS_PER_PIXEL: f64 = 1.24;

/// The text sizes of one kind of chart, in plotters' units (an SVG shows them at 1/1.24).
pub(super) struct Fonts {
    /// The chart's title.
    pub title: u32,
    /// The legend's entries (and a colour scale's labels).
    pub legend: u32,
    /// A panel's caption.
    pub caption: u32,
    /// The axes' tick labels.
    pub label: u32,
    /// The axes' descriptions.
    pub desc: u32,
    /// The values over bars.
    pub value: u32,
}

impl Fonts {
    /// A slide of bars: one report, or two compared.
    pub const SLIDE: Fonts = Fonts {
        title: 40,
        legend: 26,
        caption: 30,
        label: 26,
        desc: 28,
        value: 24,
    };

    /// Small multiples of bars, one panel per activation.
    pub const PANEL: Fonts = Fonts {
        title: 36,
        legend: 24,
        caption: 30,
        label: 24,
        desc: 24,
        value: 24,
    };

    /// A slide of lines: a sweep or a training's loss.
    pub const LINES: Fonts = Fonts {
        title: 36,
        legend: 24,
        caption: 30,
        label: 26,
        desc: 28,
        value: 24,
    };

    /// Two heatmaps side by side and their colour scale.
    pub const HEATMAP: Fonts = Fonts {
        title: 34,
        legend: 24,
        caption: 28,
        label: 24,
        desc: 24,
        value: 24,
    };

    /// Maps of the loss around the weights, side by side, and their colour bar, whose labels
    /// are a little larger than a heatmap's: a reader reads the loss off them.
    pub const CONTOUR: Fonts = Fonts {
        title: 34,
        legend: 26,
        caption: 28,
        label: 26,
        desc: 26,
        value: 24,
    };

    /// The explorer's page, larger than a slide's chart: on a slide it shares the screen with
    /// its controls. (Its value labels are shown where the slide of bars shows them.)
    pub const PAGE: Fonts = Fonts {
        title: 42,
        legend: 32,
        caption: 30,
        label: 32,
        desc: 35,
        value: 28,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_is_smaller_than_24_units() {
        for fonts in [
            Fonts::SLIDE,
            Fonts::PANEL,
            Fonts::LINES,
            Fonts::HEATMAP,
            Fonts::CONTOUR,
            Fonts::PAGE,
        ] {
            let sizes = [
                fonts.title,
                fonts.legend,
                fonts.caption,
                fonts.label,
                fonts.desc,
                fonts.value,
            ];
            assert!(sizes.iter().all(|&size| size >= 24), "{sizes:?}");
        }
    }
}
