//! Per-layer gradient charts as SVG, sized and coloured for a projector: bars per layer
//! ([`layer_chart`], [`compare`], [`activation_grid`]), lines ([`sweep_chart`], [`loss_chart`])
//! and a layer × step [`gradient_heatmap`]; and the explorer's page ([`explorer_html`]), which
//! the browser redraws. Charts read results only; they never compute. [`draw`] answers a
//! notebook's [`Drawing`].
//!
//! Bars sit on a log-scale axis because the seed's gradients span four orders of magnitude.
//! Each variant has one colour everywhere (Okabe–Ito, safe for colour-blind readers):
//! vermillion without shortcut, blue with it.
//!
//! ```
//! use gradflow_engine::{chart, DeepNetwork, NetworkBuilder, Shortcut};
//!
//! let sizes = [3, 3, 3, 3, 3, 1];
//! let without = DeepNetwork::build(NetworkBuilder::new(&sizes))?.gradients(&[1.0, 0.0, -1.0])?;
//! let with = DeepNetwork::build(NetworkBuilder::new(&sizes).shortcut(Shortcut::On))?.gradients(&[1.0, 0.0, -1.0])?;
//! let svg = chart::compare(&without, &with)?;
//! assert!(svg.as_str().starts_with("<svg"));
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

pub use gradflow::chart::{Drawing, Svg, SIZE};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::settings::Shortcut;
use crate::Result;

mod bars;
mod explorer;
mod heatmap;
mod lines;

pub use bars::{activation_grid, compare, layer_chart};
pub use explorer::{explorer_html, explorer_page};
pub use heatmap::gradient_heatmap;
pub use lines::{loss_chart, sweep_chart};

/// What a notebook asked to be drawn: an SVG chart, or the explorer's HTML.
pub enum Drawn {
    Svg(Svg),
    Html(String),
}

/// Draws what a notebook asked for.
pub fn draw(drawing: &Drawing) -> Result<Drawn> {
    Ok(match drawing {
        Drawing::Layers(report) => Drawn::Svg(layer_chart(report)?),
        Drawing::Compare(without, with) => Drawn::Svg(compare(without, with)?),
        Drawing::ActivationGrid(pairs) => Drawn::Svg(activation_grid(pairs)?),
        Drawing::Sweep(sweep) => Drawn::Svg(sweep_chart(sweep)?),
        Drawing::Loss(runs) => Drawn::Svg(loss_chart(runs)?),
        Drawing::Heatmap(runs) => Drawn::Svg(gradient_heatmap(runs)?),
        Drawing::ExplorerHtml(explorer) => Drawn::Html(explorer_html(explorer)?),
        Drawing::ExplorerPage(explorer) => Drawn::Html(explorer_page(explorer)?),
    })
}

/// Okabe–Ito vermillion, the colour of every network without shortcut connections.
pub const WITHOUT_SHORTCUT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Okabe–Ito blue, the colour of every network with shortcut connections.
pub const WITH_SHORTCUT: RGBColor = RGBColor(0x00, 0x72, 0xB2);

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

/// Font sizes, in plotters' units (an SVG shows them at 1/1.24): a full slide, or one panel of
/// small multiples. None below 24, so that a chart shrunk to a notebook column (828 of its 1280
/// px in JupyterLab at 1280 px, file browser open) still shows text of 12 px or more.
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
        value: 24,
    };
    const PANEL: Fonts = Fonts {
        caption: 30,
        label: 24,
        desc: 24,
        value: 24,
    };
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws on a white 1280 × 720 canvas and returns the SVG, titled `title`.
fn render(title: &str, draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<Svg> {
    let mut document = String::new();
    {
        let root = SVGBackend::with_string(&mut document, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(Svg::new(document, title.to_owned()))
}

/// How a legend shows one series: a filled square for bars, a stroke for lines.
#[derive(Clone, Copy)]
enum Sample {
    Swatch,
    Line { stroke: u32 },
}

/// One series in a legend.
struct Entry {
    label: String,
    colour: RGBColor,
    sample: Sample,
}

impl Entry {
    /// The entry of one variant's bars.
    fn bars(shortcut: Shortcut) -> Entry {
        Entry {
            label: shortcut.label().to_owned(),
            colour: colour(shortcut),
            sample: Sample::Swatch,
        }
    }

    /// The entry of one variant's line, `stroke` pixels wide.
    fn line(shortcut: Shortcut, label: String, stroke: u32) -> Entry {
        Entry {
            label,
            colour: colour(shortcut),
            sample: Sample::Line { stroke },
        }
    }
}

/// The legend of every chart: one band of entries above the plot, wrapped into centred rows,
/// so that it never hides a bar, a line or a value. Returns the area left below it.
fn draw_legend<'a>(area: &Area<'a>, entries: &[Entry], font_size: u32) -> Result<Area<'a>> {
    let style = (FONT, font_size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (gap, spacing) = (font_size / 2, 2 * font_size);
    let sample_width = |entry: &Entry| match entry.sample {
        Sample::Swatch => font_size,
        Sample::Line { .. } => 2 * font_size,
    };
    let widths: Vec<u32> = entries
        .iter()
        .map(|entry| sample_width(entry) + gap + text_width(&entry.label, font_size))
        .collect();
    let available = area.dim_in_pixel().0.saturating_sub(2 * spacing);
    let rows = flow(&widths, spacing, available);
    let row_height = font_size * 3 / 2;
    let (band, rest) = area.split_vertically(rows.len() as u32 * row_height + gap);
    let half = font_size as i32 / 2;
    for (r, (row, used)) in rows.iter().enumerate() {
        let mut x = (band.dim_in_pixel().0.saturating_sub(*used) / 2) as i32;
        let y = (r as u32 * row_height + row_height / 2) as i32;
        for &i in row {
            let entry = &entries[i];
            match entry.sample {
                Sample::Swatch => band.draw(&Rectangle::new(
                    [(x, y - half), (x + 2 * half, y + half)],
                    entry.colour.filled(),
                ))?,
                Sample::Line { stroke } => band.draw(&PathElement::new(
                    [(x, y), (x + sample_width(entry) as i32, y)],
                    entry.colour.stroke_width(stroke),
                ))?,
            }
            let text_x = x + (sample_width(entry) + gap) as i32;
            band.draw_text(&entry.label, &style, (text_x, y))?;
            x += (widths[i] + spacing) as i32;
        }
    }
    Ok(rest)
}

/// Items of `widths` laid out left to right, `spacing` apart, in rows no wider than
/// `available`: each row's items and its width.
fn flow(widths: &[u32], spacing: u32, available: u32) -> Vec<(Vec<usize>, u32)> {
    let mut rows: Vec<(Vec<usize>, u32)> = vec![];
    for (i, &width) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some((row, used)) if *used + spacing + width <= available => {
                row.push(i);
                *used += spacing + width;
            }
            _ => rows.push((vec![i], width)),
        }
    }
    rows
}

/// A generous estimate of `text`'s width in pixels at `font_size` (plotters' size, which an
/// SVG shows at 1/1.24 of it), for the common sans-serif fonts: too wide rather than too narrow.
fn text_width(text: &str, font_size: u32) -> u32 {
    let em = f64::from(font_size) / 1.24;
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            '.' | ',' | ':' | 'i' | 'l' | 'j' | '|' | '\'' | ' ' => 0.34,
            '-' | '(' | ')' | 'f' | 't' | 'r' => 0.42,
            'm' | 'w' | 'M' | 'W' => 0.95,
            c if c.is_uppercase() => 0.75,
            _ => 0.64,
        })
        .sum();
    (ems * em).ceil() as u32
}

/// A log axis whose labels and lines are chosen by [`decades`].
type LogAxis = WithKeyPoints<LogCoord<f64>>;

/// The log axis of every chart's values, from `floor` to `ceiling` (powers of ten).
fn log_axis(floor: f64, ceiling: f64) -> LogAxis {
    let (labelled, light) = decades(floor, ceiling, 8);
    (floor..ceiling)
        .log_scale()
        .with_key_points(labelled)
        .with_light_points(light)
}

/// The labelled and the light lines of a log axis from `floor` to `ceiling`, both powers of
/// ten: every decade is labelled, both ends included (plotters' own choice can drop the
/// lowest), or every `step`-th one, at multiples of `step`, when there would be more than
/// `max_labels`. Light lines at 2…9 × each decade where there is room, else at each decade.
fn decades(floor: f64, ceiling: f64, max_labels: usize) -> (Vec<f64>, Vec<f64>) {
    let (low, high) = (floor.log10().round() as i32, ceiling.log10().round() as i32);
    let count = (high - low + 1) as usize;
    let step = count.div_ceil(max_labels.max(1)).max(1);
    // Exact powers of ten: `10f64.powi(-3)` is not `1e-3`.
    let power = |e: i32| format!("1e{e}").parse::<f64>().unwrap_or(f64::NAN);
    let bold: Vec<f64> = (low..=high)
        .rev()
        .filter(|e| e.rem_euclid(step as i32) == 0)
        .map(power)
        .collect();
    let light = if step == 1 && count <= 8 {
        (low..high)
            .flat_map(|e| (2..10).map(move |m| f64::from(m) * power(e)))
            .collect()
    } else {
        (low..=high).map(power).collect()
    };
    (bold, light)
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
    fn log_axes_label_every_decade_or_every_step_th() {
        let (labelled, light) = decades(1e-2, 1.0, 8);
        assert_eq!(labelled, [1.0, 0.1, 0.01]);
        assert_eq!(light.len(), 2 * 8);
        assert_eq!(light[0], 2.0 * 0.01);
        let (labelled, light) = decades(1e-19, 1e8, 8);
        assert_eq!(labelled, [1e8, 1e4, 1.0, 1e-4, 1e-8, 1e-12, 1e-16]);
        assert_eq!(light.len(), 28);
    }

    #[test]
    fn legend_entries_flow_into_rows_that_fit() {
        assert_eq!(
            flow(&[300, 300, 300, 300], 50, 900),
            [(vec![0, 1], 650), (vec![2, 3], 650)]
        );
        assert_eq!(flow(&[2000], 50, 1000), [(vec![0], 2000)]);
        assert!(flow(&[], 50, 1000).is_empty());
    }

    #[test]
    fn text_widths_are_generous() {
        // Chromium's sans-serif draws "6.88e-4" at plotters' size 24 about 62 px wide.
        assert!((62..=90).contains(&text_width("6.88e-4", 24)));
        assert_eq!(text_width("", 24), 0);
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
