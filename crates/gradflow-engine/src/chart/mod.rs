//! Per-layer gradient charts as SVG, sized and coloured for a projector: bars per layer
//! ([`layer_chart`], [`compare`], [`activation_grid`]), lines ([`sweep_chart`], [`loss_chart`])
//! and a layer × step [`gradient_heatmap`]; the loss around the weights ([`landscape`]: lines
//! along one random direction, or contour maps over two); the Hessian's eigenvalues
//! ([`spectrum`]) and its largest one along training ([`sharpness`]); and the explorer's page
//! ([`explorer_html`]), which the browser redraws. Charts read results only; they never
//! compute. [`draw`] answers a notebook's [`Drawing`].
//!
//! Bars sit on a log-scale axis because the seed's gradients span four orders of magnitude.
//! Each variant has one colour everywhere (Okabe–Ito, safe for colour-blind readers):
//! vermillion without shortcut, blue with it.
//!
//! ```
//! use gradflow::network::NetworkConfig;
//! use gradflow::Shortcut;
//! use gradflow_engine::{chart, network::Network};
//!
//! let config = NetworkConfig::default();
//! let without = Network::new(&config)?.gradients(&[1.0, 0.0, -1.0])?;
//! let with = Network::new(&config.shortcut(Shortcut::On))?.gradients(&[1.0, 0.0, -1.0])?;
//! let svg = chart::compare(&without, &with)?;
//! assert!(svg.as_str().starts_with("<svg"));
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::chart::SIZE;
use gradflow::results::{when, Svg};
use gradflow::protocol::Drawing;
use gradflow::settings::Shortcut;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::Result;

mod axes;
mod bars;
mod curvature;
mod explorer;
mod fonts;
mod grid;
mod heatmap;
mod landscape;
mod legend;
mod lines;

pub use bars::{activation_grid, compare, layer_chart};
pub use curvature::{sharpness, spectrum};
pub use explorer::{explorer_html, explorer_page};
pub use heatmap::gradient_heatmap;
pub use landscape::landscape;
pub use lines::{loss_chart, sweep_chart};

/// Draws the chart a notebook asked for.
pub fn draw(drawing: &Drawing) -> Result<Svg> {
    match drawing {
        Drawing::Layers(report) => layer_chart(report),
        Drawing::Compare(without, with) => compare(without, with),
        Drawing::ActivationGrid(pairs) => activation_grid(pairs),
        Drawing::Sweep(sweep) => sweep_chart(sweep),
        Drawing::Loss(runs) => loss_chart(runs),
        Drawing::Heatmap(runs) => gradient_heatmap(runs),
        Drawing::Landscape(surfaces) => landscape(surfaces),
        Drawing::Spectrum(curvatures) => spectrum(curvatures),
        Drawing::Sharpness(curvatures) => sharpness(curvatures),
    }
}

/// Okabe–Ito vermillion, the colour of every network without shortcut connections.
pub const WITHOUT_SHORTCUT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Okabe–Ito blue, the colour of every network with shortcut connections.
pub const WITH_SHORTCUT: RGBColor = RGBColor(0x00, 0x72, 0xB2);

/// The colour of a variant in every chart.
pub fn colour(shortcut: Shortcut) -> RGBColor {
    match shortcut {
        Shortcut::Off => WITHOUT_SHORTCUT,
        Shortcut::On => WITH_SHORTCUT,
    }
}

/// The steps at which all of `steps` were measured, where they are the same: a chart's title
/// says it once instead of in every label.
fn same_steps(mut steps: impl Iterator<Item = usize>) -> Option<usize> {
    let first = steps.next()?;
    steps.all(|s| s == first).then_some(first)
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

/// [`render`] for a chart of cells drawn edge to edge: without `crispEdges` (which plotters has
/// no setting for), a scaled chart shows hairline seams between them.
fn render_crisp(title: &str, draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<Svg> {
    let svg = render(title, draw)?;
    let document = svg
        .as_str()
        .replacen("<svg ", r#"<svg shape-rendering="crispEdges" "#, 1);
    Ok(Svg::new(document, svg.title().to_owned()))
}
