//! Per-layer gradient bar charts as SVG, sized and coloured for a projector.
//!
//! Bars sit on a log-scale axis because the seed's gradients span four orders of magnitude.
//! Each variant has one colour everywhere (Okabe–Ito, safe for colour-blind readers):
//! vermillion without shortcut, blue with it.
//!
//! ```
//! use gradflow::{chart, DeepNetwork, Shortcut};
//!
//! let sizes = [3, 3, 3, 3, 3, 1];
//! let without = DeepNetwork::builder(&sizes).build()?.gradients(&[1.0, 0.0, -1.0])?;
//! let with = DeepNetwork::builder(&sizes).shortcut(Shortcut::On).build()?.gradients(&[1.0, 0.0, -1.0])?;
//! let svg = chart::compare(&without, &with)?;
//! assert!(svg.as_str().starts_with("<svg"));
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::network::Shortcut;
use crate::report::GradientReport;
use crate::{Error, Result};

/// Chart size in pixels: a 720p slide.
pub const SIZE: (u32, u32) = (1280, 720);

/// Okabe–Ito vermillion, the colour of every network without shortcut connections.
pub const WITHOUT_SHORTCUT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Okabe–Ito blue, the colour of every network with shortcut connections.
pub const WITH_SHORTCUT: RGBColor = RGBColor(0x00, 0x72, 0xB2);

/// Above this many bars, value labels would overlap, so they are left out.
const MAX_VALUE_LABELS: usize = 24;

/// Above this many layers, the x axis shows layer numbers instead of module names.
const MAX_NAMED_LAYERS: usize = 10;

const FONT: &str = "sans-serif";

/// The colour of a variant in every chart.
pub fn colour(shortcut: Shortcut) -> RGBColor {
    match shortcut {
        Shortcut::Off => WITHOUT_SHORTCUT,
        Shortcut::On => WITH_SHORTCUT,
    }
}

/// An SVG image that evcxr shows inline and that can be saved for slides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    /// The SVG document.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Writes the SVG document to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.0)
            .map_err(|source| Error::Io { path: path.display().to_string(), source })
    }

    /// Shows the image as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT", self.0);
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Error {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        Error::Chart(error.to_string())
    }
}

/// One bar per layer: the report's mean |weight gradient|.
pub fn layer_chart(report: &GradientReport) -> Result<Svg> {
    let title = format!(
        "Mean |gradient| per layer, {} ({})",
        report.shortcut.label(),
        report.activation.module_name()
    );
    bar_chart(&title, &[report])
}

/// Two bars per layer, `without` beside `with`, on one log axis.
pub fn compare(without: &GradientReport, with: &GradientReport) -> Result<Svg> {
    if without.layers.len() != with.layers.len() {
        return Err(Error::ReportMismatch { left: without.layers.len(), right: with.layers.len() });
    }
    bar_chart("Mean |gradient| per layer: without vs with shortcut", &[without, with])
}

/// Draws each report as one series of bars, grouped by layer.
fn bar_chart(title: &str, reports: &[&GradientReport]) -> Result<Svg> {
    let layers = reports.first().map_or(0, |report| report.layers.len());
    if layers == 0 {
        return Err(Error::EmptyReport);
    }
    let all_values = reports.iter().flat_map(|report| report.weight_means());
    let (floor, ceiling) = log_range(all_values.map(f64::from));
    let bar_width = 0.8 / reports.len() as f64;
    let show_values = layers * reports.len() <= MAX_VALUE_LABELS;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 40))
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.5..layers as f64 - 0.5, (floor..ceiling).log_scale())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(layers.min(16))
            .x_label_formatter(&|x| layer_label(*x, layers))
            .y_label_formatter(&|y| format!("{y:e}"))
            .x_desc("layer (input side → output side)")
            .y_desc("mean |weight gradient|, log scale")
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 28))
            .draw()?;
        for (k, report) in reports.iter().enumerate() {
            let colour = colour(report.shortcut);
            let left = |i: usize| i as f64 - 0.4 + k as f64 * bar_width;
            let bars = report.weight_means().into_iter().enumerate().filter_map(|(i, v)| {
                let v = f64::from(v);
                drawable(v).then(|| Rectangle::new([(left(i), floor), (left(i) + bar_width, v)], colour.filled()))
            });
            chart
                .draw_series(bars)?
                .label(report.shortcut.label())
                .legend(move |(x, y)| Rectangle::new([(x, y - 12), (x + 24, y + 12)], colour.filled()));
            if show_values {
                let label_style = TextStyle::from((FONT, 22).into_font())
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                let labels = report.weight_means().into_iter().enumerate().map(|(i, v)| {
                    let v = f64::from(v);
                    let top = if drawable(v) { v } else { floor };
                    Text::new(short_value(v), (left(i) + bar_width / 2.0, top), label_style.clone())
                });
                chart.draw_series(labels)?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 26))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(Svg(svg))
}

/// Only positive, finite values have a bar on a log axis; zeros, NaN and infinities get a label.
fn drawable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Powers of ten around the drawable values, with headroom above the tallest bar for its label.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values
        .filter(|&v| drawable(v))
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if max == 0.0 {
        return (1e-4, 1.0);
    }
    let floor = 10f64.powf(min.log10().floor() - 1.0).max(f64::MIN_POSITIVE);
    let ceiling = 10f64.powf((max * 3.0).log10().ceil()).min(f64::MAX);
    (floor, ceiling)
}

/// `layers.i` for short networks, the bare layer number for deep ones.
fn layer_label(x: f64, layers: usize) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 || i >= layers as f64 {
        return String::new();
    }
    if layers <= MAX_NAMED_LAYERS {
        format!("layers.{i}")
    } else {
        format!("{i}")
    }
}

/// Three significant digits: `0.556`, `0.0764`, `6.88e-4`; zero as `0`.
fn short_value(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if !v.is_finite() {
        v.to_string()
    } else if (0.01..1000.0).contains(&v.abs()) {
        let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_keep_three_significant_digits() {
        assert_eq!(short_value(0.5557742714881897), "0.556");
        assert_eq!(short_value(3.140749216079712), "3.14");
        assert_eq!(short_value(0.0764), "0.0764");
        assert_eq!(short_value(0.0006875668186694384), "6.88e-4");
        assert_eq!(short_value(0.0), "0");
        assert_eq!(short_value(f64::NAN), "NaN");
    }

    #[test]
    fn log_range_brackets_the_values_in_powers_of_ten() {
        assert_eq!(log_range([0.0006875, 0.0496].into_iter()), (1e-5, 1.0));
        assert_eq!(log_range([0.0, f64::NAN].into_iter()), (1e-4, 1.0));
        let (floor, ceiling) = log_range([1e-30, 1.0].into_iter());
        assert!(floor <= 1e-30 && ceiling >= 3.0);
    }
}
