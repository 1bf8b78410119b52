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

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::network::Shortcut;
use crate::report::GradientReport;
use crate::sweep::Sweep;
use crate::train::Training;
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
        std::fs::write(path, &self.0).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Shows the image as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.0
        );
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
    render(|root| draw_bars(root, &title, &[report], &Fonts::SLIDE))
}

/// Two bars per layer, `without` beside `with`, on one log axis.
pub fn compare(without: &GradientReport, with: &GradientReport) -> Result<Svg> {
    check_same_depth(without, with)?;
    let title = "Mean |gradient| per layer: without vs with shortcut";
    render(|root| draw_bars(root, title, &[without, with], &Fonts::SLIDE))
}

/// Small multiples: one comparison per activation, without beside with shortcut.
pub fn activation_grid(pairs: &[(GradientReport, GradientReport)]) -> Result<Svg> {
    if pairs.is_empty() {
        return Err(Error::EmptyReport);
    }
    for (without, with) in pairs {
        check_same_depth(without, with)?;
    }
    let columns = pairs.len().min(2);
    let rows = pairs.len().div_ceil(columns);
    render(|root| {
        let panels = root.titled("Mean |gradient| per layer, by activation", (FONT, 36))?;
        for (panel, (without, with)) in panels.split_evenly((rows, columns)).iter().zip(pairs) {
            draw_bars(
                panel,
                without.activation.module_name(),
                &[without, with],
                &Fonts::PANEL,
            )?;
        }
        Ok(())
    })
}

/// The first layer's mean |gradient| against depth: one line per variant and width.
pub fn sweep_chart(sweep: &Sweep) -> Result<Svg> {
    let depths: Vec<f64> = sweep.points.iter().map(|p| p.depth as f64).collect();
    let (Some(&min_depth), Some(&max_depth)) = (
        depths.iter().min_by(|a, b| a.total_cmp(b)),
        depths.iter().max_by(|a, b| a.total_cmp(b)),
    ) else {
        return Err(Error::EmptyReport);
    };
    let (floor, ceiling) = log_range(sweep.points.iter().map(|p| f64::from(p.first_layer)), false);
    let title = format!(
        "First layer's mean |gradient| against depth ({})",
        sweep.activation.module_name()
    );
    render(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 36))
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(
                (min_depth * 0.9..max_depth * 1.1).log_scale(),
                (floor..ceiling).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_labels(20)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| power_label(*y))
            .x_desc("depth (layers), log scale")
            .y_desc("first layer's mean |gradient|")
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 28))
            .draw()?;
        for (w, width) in sweep.widths().into_iter().enumerate() {
            for shortcut in Shortcut::BOTH {
                let colour = colour(shortcut);
                let points: Vec<(f64, f64)> = sweep
                    .series(width, shortcut)
                    .into_iter()
                    .map(|(depth, v)| (depth as f64, f64::from(v)))
                    .filter(|&(_, v)| drawable(v))
                    .collect();
                let style = ShapeStyle::from(colour).stroke_width(if w == 0 { 4 } else { 2 });
                chart
                    .draw_series(LineSeries::new(points.clone(), style))?
                    .label(format!("{}, width {width}", shortcut.label()))
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], style));
                let size = 7;
                if w == 0 {
                    chart.draw_series(
                        points
                            .iter()
                            .map(|&p| Circle::new(p, size, colour.filled())),
                    )?;
                } else {
                    chart.draw_series(
                        points
                            .iter()
                            .map(|&p| TriangleMarker::new(p, size + 2, colour.filled())),
                    )?;
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font((FONT, 24))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// The training loss at every step, one line per variant, on a log axis.
pub fn loss_chart(runs: &[Training]) -> Result<Svg> {
    let steps = runs.iter().map(|run| run.losses.len()).max().unwrap_or(0);
    if steps == 0 {
        return Err(Error::EmptyReport);
    }
    let (floor, ceiling) = log_range(
        runs.iter()
            .flat_map(|run| run.losses.iter().map(|&l| f64::from(l))),
        false,
    );
    render(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Training loss: without vs with shortcut", (FONT, 36))
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(0..steps, (floor..ceiling).log_scale())?;
        chart
            .configure_mesh()
            .y_label_formatter(&|y| power_label(*y))
            .x_desc("step")
            .y_desc("mean squared error, log scale")
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 28))
            .draw()?;
        for run in runs {
            let style = ShapeStyle::from(colour(run.shortcut)).stroke_width(4);
            let points = run
                .losses
                .iter()
                .enumerate()
                .map(|(step, &l)| (step, f64::from(l)));
            chart
                .draw_series(LineSeries::new(points.filter(|&(_, l)| drawable(l)), style))?
                .label(run.shortcut.label())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 26))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// Heatmaps of layer × step, coloured by log₁₀ of the mean |weight gradient|, one per variant,
/// on one colour scale (viridis: dark is small, yellow is large).
pub fn gradient_heatmap(runs: &[Training]) -> Result<Svg> {
    let steps = runs
        .iter()
        .map(|run| run.gradients.len())
        .max()
        .unwrap_or(0);
    let layers = runs
        .iter()
        .flat_map(|run| run.gradients.iter().map(Vec::len))
        .max()
        .unwrap_or(0);
    if steps == 0 || layers == 0 {
        return Err(Error::EmptyReport);
    }
    let logs = runs
        .iter()
        .flat_map(|run| run.gradients.iter().flatten())
        .map(|&v| f64::from(v));
    let (floor, ceiling) = log_range(logs, false);
    let (low, high) = (floor.log10(), ceiling.log10());
    // At most this many columns: wider runs are averaged, step by step, into bins.
    let columns = steps.min(100);
    render(|root| {
        let panels = root.titled(
            "Mean |gradient| per layer during training (colour: log₁₀)",
            (FONT, 34),
        )?;
        let (maps, scale) = panels.split_horizontally(panels.dim_in_pixel().0 - 150);
        for (panel, run) in maps.split_evenly((1, runs.len())).iter().zip(runs) {
            let mut chart = ChartBuilder::on(panel)
                .caption(run.shortcut.label(), (FONT, 28))
                .margin(16)
                .x_label_area_size(60)
                .y_label_area_size(90)
                .build_cartesian_2d(0..columns, -0.5..layers as f64 - 0.5)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .y_labels(layers.min(16))
                .x_label_formatter(&|c| format!("{}", c * steps / columns))
                .y_label_formatter(&|y| layer_label(*y, layers))
                .x_desc("step")
                .label_style((FONT, 20))
                .axis_desc_style((FONT, 24))
                .draw()?;
            let cells = (0..columns).flat_map(|c| (0..layers).map(move |l| (c, l)));
            chart.draw_series(cells.map(|(c, l)| {
                let bin = &run.gradients
                    [c * steps / columns..((c + 1) * steps / columns).max(c * steps / columns + 1)];
                let mean = bin
                    .iter()
                    .filter_map(|g| g.get(l))
                    .map(|&v| f64::from(v))
                    .sum::<f64>()
                    / bin.len() as f64;
                let shade = if drawable(mean) {
                    ViridisRGB::get_color_normalized(mean.log10(), low, high)
                } else {
                    BLACK
                };
                Rectangle::new(
                    [(c, l as f64 - 0.5), (c + 1, l as f64 + 0.5)],
                    shade.filled(),
                )
            }))?;
        }
        let mut legend = ChartBuilder::on(&scale)
            .margin_top(60)
            .margin_bottom(76)
            .margin_right(16)
            .y_label_area_size(80)
            .build_cartesian_2d(0..1, low..high)?;
        legend
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_formatter(&|e| format!("1e{e:.0}"))
            .label_style((FONT, 20))
            .draw()?;
        let band = (high - low) / 64.0;
        legend.draw_series((0..64).map(|i| {
            let y = low + i as f64 * band;
            Rectangle::new(
                [(0, y), (1, y + band)],
                ViridisRGB::get_color_normalized(y, low, high).filled(),
            )
        }))?;
        Ok(())
    })
}

fn check_same_depth(without: &GradientReport, with: &GradientReport) -> Result<()> {
    if without.layers.len() != with.layers.len() {
        return Err(Error::ReportMismatch {
            left: without.layers.len(),
            right: with.layers.len(),
        });
    }
    Ok(())
}

/// Font sizes: a full slide, or one panel of small multiples.
struct Fonts {
    caption: u32,
    label: u32,
    desc: u32,
    value: u32,
}

impl Fonts {
    const SLIDE: Fonts = Fonts {
        caption: 40,
        label: 26,
        desc: 28,
        value: 22,
    };
    const PANEL: Fonts = Fonts {
        caption: 30,
        label: 20,
        desc: 20,
        value: 16,
    };
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws on a white 1280 × 720 canvas and returns the SVG.
fn render(draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<Svg> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(Svg(svg))
}

/// Draws each report as one series of bars, grouped by layer.
fn draw_bars(
    area: &Area<'_>,
    title: &str,
    reports: &[&GradientReport],
    fonts: &Fonts,
) -> Result<()> {
    let layers = reports.first().map_or(0, |report| report.layers.len());
    if layers == 0 {
        return Err(Error::EmptyReport);
    }
    let all_values = reports.iter().flat_map(|report| report.weight_means());
    let (floor, ceiling) = log_range(all_values.map(f64::from), true);
    let bar_width = 0.8 / reports.len() as f64;
    let show_values = layers * reports.len() <= MAX_VALUE_LABELS;

    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, fonts.caption))
        .margin(fonts.label)
        .x_label_area_size(fonts.label * 3)
        .y_label_area_size(fonts.label * 9 / 2)
        .build_cartesian_2d(-0.5..layers as f64 - 0.5, (floor..ceiling).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(layers.min(16))
        .x_label_formatter(&|x| layer_label(*x, layers))
        .y_label_formatter(&|y| power_label(*y))
        .x_desc("layer (input side → output side)")
        .y_desc("mean |weight gradient|, log scale")
        .label_style((FONT, fonts.label))
        .axis_desc_style((FONT, fonts.desc))
        .draw()?;
    for (k, report) in reports.iter().enumerate() {
        let colour = colour(report.shortcut);
        let left = |i: usize| i as f64 - 0.4 + k as f64 * bar_width;
        let bars = report
            .weight_means()
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = f64::from(v);
                drawable(v).then(|| {
                    Rectangle::new(
                        [(left(i), floor), (left(i) + bar_width, v)],
                        colour.filled(),
                    )
                })
            });
        let swatch = fonts.label as i32 / 2;
        chart
            .draw_series(bars)?
            .label(report.shortcut.label())
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - swatch), (x + 2 * swatch, y + swatch)],
                    colour.filled(),
                )
            });
        if show_values {
            let label_style = TextStyle::from((FONT, fonts.value).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            let labels = report.weight_means().into_iter().enumerate().map(|(i, v)| {
                let v = f64::from(v);
                let top = if drawable(v) { v } else { floor };
                Text::new(
                    short_value(v),
                    (left(i) + bar_width / 2.0, top),
                    label_style.clone(),
                )
            });
            chart.draw_series(labels)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, fonts.label))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Only positive, finite values have a bar on a log axis; zeros, NaN and infinities get a label.
fn drawable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Powers of ten around the drawable values. Bars get `headroom`: a decade below the shortest
/// and room above the tallest for its label; lines fit tightly.
fn log_range(values: impl Iterator<Item = f64>, headroom: bool) -> (f64, f64) {
    let (min, max) = values
        .filter(|&v| drawable(v))
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if max == 0.0 {
        return (1e-4, 1.0);
    }
    let (below, above) = if headroom { (1.0, 3.0) } else { (0.0, 1.0) };
    let floor = 10f64
        .powf(min.log10().floor() - below)
        .max(f64::MIN_POSITIVE);
    let ceiling = 10f64.powf((max * above).log10().ceil()).min(f64::MAX);
    (
        floor,
        if ceiling > floor {
            ceiling
        } else {
            floor * 10.0
        },
    )
}

/// An axis label for a power of ten, `1e-3`, without float noise like `9.999999999e-4`.
fn power_label(y: f64) -> String {
    let exponent = y.log10();
    if (exponent - exponent.round()).abs() < 1e-6 {
        format!("1e{}", exponent.round())
    } else {
        format!("{y:.1e}")
    }
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
    fn axis_labels_are_clean_powers_of_ten() {
        assert_eq!(power_label(1e-3), "1e-3");
        assert_eq!(power_label(9.999999998e10), "1e11");
        assert_eq!(power_label(2.5e-3), "2.5e-3");
    }

    #[test]
    fn log_range_brackets_the_values_in_powers_of_ten() {
        assert_eq!(
            log_range([0.0006875, 0.0496].into_iter(), true),
            (1e-5, 1.0)
        );
        assert_eq!(
            log_range([0.0006875, 0.0496].into_iter(), false),
            (1e-4, 0.1)
        );
        assert_eq!(log_range([0.0, f64::NAN].into_iter(), true), (1e-4, 1.0));
        assert_eq!(log_range([0.1, 0.1].into_iter(), false), (0.1, 1.0));
        let (floor, ceiling) = log_range([1e-30, 1.0].into_iter(), true);
        assert!(floor <= 1e-30 && ceiling >= 3.0);
    }
}
