//! Per-layer gradient charts as SVG, sized and coloured for a projector, and the explorer's
//! page. The engine draws them (with plotters, which would cost every notebook cell a second of
//! compiling); this module asks it and shows what it gets back.
//!
//! ```
//! use gradflow::chart::Svg;
//!
//! let svg = Svg::new("<svg></svg>".into(), "A chart".into());
//! assert_eq!(
//!     svg.to_html(),
//!     r#"<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="1280" height="720" alt="A chart" style="max-width: 100%; height: auto;">"#
//! );
//! ```

use std::path::Path;

use crate::client::ask;
use crate::error::{Error, Result};
use crate::protocol::{Drawing, ExplorerHtml};
pub use crate::results::Svg;
use crate::results::{Curvature, Explorer, GradientReport, Surface, Sweep, Training};
use crate::settings::Activation;

/// Chart size in pixels: a 720p slide.
pub const SIZE: (u32, u32) = (1280, 720);

/// Asks the engine for a chart.
fn draw(drawing: Drawing) -> Result<Svg> {
    ask(&drawing)
}

impl GradientReport {
    /// One bar per layer: the mean |weight gradient| on a log axis.
    pub fn chart(&self) -> Result<Svg> {
        draw(Drawing::Layers(self.clone()))
    }
}

/// The two variants side by side, layer by layer, as the seed's two printouts compare them.
pub fn compare(without: &GradientReport, with: &GradientReport) -> Result<Svg> {
    draw(Drawing::Compare(without.clone(), with.clone()))
}

/// One panel per activation, each comparing the variants.
pub fn activation_grid(pairs: &[(GradientReport, GradientReport)]) -> Result<Svg> {
    draw(Drawing::ActivationGrid(pairs.to_vec()))
}

/// The first layer's gradient against depth, one line per width and variant.
pub fn sweep_chart(sweep: &Sweep) -> Result<Svg> {
    draw(Drawing::Sweep(sweep.clone()))
}

/// The loss of each variant, step by step.
pub fn loss_chart(runs: &[Training]) -> Result<Svg> {
    draw(Drawing::Loss(runs.to_vec()))
}

/// Each variant's mean |weight gradient| per layer and step, as colour.
pub fn gradient_heatmap(runs: &[Training]) -> Result<Svg> {
    draw(Drawing::Heatmap(runs.to_vec()))
}

/// The loss surfaces of both variants: their lines on one axis, or their planes side by side
/// as contours on one colour scale.
pub fn landscape(surfaces: &[Surface]) -> Result<Svg> {
    draw(Drawing::Landscape(surfaces.to_vec()))
}

/// The Hessian's eigenvalues of each measurement: the whole spectrum where it was computed,
/// else the Lanczos density.
pub fn spectrum(curvatures: &[Curvature]) -> Result<Svg> {
    draw(Drawing::Spectrum(curvatures.to_vec()))
}

/// The largest eigenvalue of each variant along its training.
pub fn sharpness(curvatures: &[Curvature]) -> Result<Svg> {
    draw(Drawing::Sharpness(curvatures.to_vec()))
}

impl Svg {
    /// Writes the SVG document to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), self.as_str())
    }

    /// An `<img>` holding the chart, as wide as its container allows and never wider than
    /// drawn, its aspect kept.
    ///
    /// JupyterLab shows an untrusted notebook's `image/svg+xml` outputs as plain text and
    /// inline `<svg>` not at all, but keeps `data:` images in HTML, so a committed notebook's
    /// charts stay visible when a cloned notebook is opened; exported pages, slide decks and
    /// VS Code show the same markup.
    pub fn to_html(&self) -> String {
        let (width, height) = SIZE;
        format!(
            r#"<img src="data:image/svg+xml;base64,{}" width="{width}" height="{height}" alt="{}" style="max-width: 100%; height: auto;">"#,
            base64(self.as_str().as_bytes()),
            escape_html(self.title()),
        )
    }

    /// Shows the chart as a Jupyter cell's output in evcxr: [`to_html`](Self::to_html), and the
    /// title for clients that show text only.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.to_html()
        );
        println!(
            "EVCXR_BEGIN_CONTENT text/plain\nChart: {}\nEVCXR_END_CONTENT",
            self.title()
        );
    }
}

impl Explorer {
    /// The setting shown first: the seed's network (depth 5, width 3, ReLU) where the grid
    /// has it, else its first depth, width and activation.
    pub fn default_setting(&self) -> Option<(usize, i64, Activation)> {
        Some((
            preferred(&self.depths, 5)?,
            preferred(&self.widths, 3)?,
            preferred(&self.activations, Activation::Relu)?,
        ))
    }

    /// The explorer as one piece of HTML for a notebook cell, a page or a slide: controls, a
    /// chart the browser redraws at once, and the seed's printed lines.
    pub fn to_html(&self) -> Result<String> {
        ask(&ExplorerHtml::Cell(self.clone()))
    }

    /// A page of its own holding the explorer, for a lecture without Jupyter.
    pub fn to_page(&self) -> Result<String> {
        ask(&ExplorerHtml::Page(self.clone()))
    }

    /// Writes [`to_page`](Self::to_page) to `path`.
    pub fn save_page(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_page()?)
    }

    /// Shows the explorer as a Jupyter cell's output in evcxr; a line of text where HTML is
    /// not shown.
    pub fn evcxr_display(&self) {
        match self.to_html() {
            Ok(html) => {
                println!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT");
                println!(
                    "EVCXR_BEGIN_CONTENT text/plain\nExplorer: {} networks (depth, width, activation, shortcut); open in JupyterLab to use it\nEVCXR_END_CONTENT",
                    self.reports.len()
                );
            }
            Err(error) => println!("EVCXR_BEGIN_CONTENT text/plain\n{error}\nEVCXR_END_CONTENT"),
        }
    }
}

/// `wanted` if `values` offers it, else the first value.
fn preferred<T: Copy + PartialEq>(values: &[T], wanted: T) -> Option<T> {
    values
        .iter()
        .copied()
        .find(|&v| v == wanted)
        .or(values.first().copied())
}

/// Writes a chart or page to `path`, saying which file could not be written.
pub fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// `text` with the characters that HTML gives a meaning escaped.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Standard base64 with padding (RFC 4648), for the charts' `data:` URLs.
///
/// ```
/// assert_eq!(gradflow::chart::base64(b"gradflow"), "Z3JhZGZsb3c=");
/// ```
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, &byte)| {
            group | u32::from(byte) << (16 - 8 * i)
        });
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(group >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
