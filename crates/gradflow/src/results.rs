//! What the experiments produce, as plain numbers: gradient reports, depth sweeps, training
//! runs and the explorer's grid. Nothing here computes: the engine fills these in, and its
//! charts read them.
//!
//! ```
//! use gradflow::{GradientReport, LayerGradient};
//!
//! let layer = LayerGradient { name: "layers.0.0.weight".into(), weight_mean: 0.5557742714881897, ..Default::default() };
//! let report = GradientReport { layers: vec![layer], ..Default::default() };
//! assert_eq!(report.to_string(), "layers.0.0.weight has gradient mean of 0.5557742714881897");
//! ```

use std::fmt;

use crate::error::Result;
use crate::repr::float_repr;
use crate::settings::{Activation, Shortcut};
use crate::wire::{wire_struct, Reader, Wire};

/// The gradients of one layer after a backward pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerGradient {
    /// The weight's name as PyTorch's `named_parameters` gives it, e.g. `layers.0.0.weight`.
    pub name: String,
    /// Mean of |∂loss/∂weight|: the number the seed prints.
    pub weight_mean: f32,
    /// Largest |∂loss/∂weight|.
    pub weight_max: f32,
    /// Mean of |∂loss/∂bias|.
    pub bias_mean: f32,
    /// Largest |∂loss/∂bias|.
    pub bias_max: f32,
}

/// Per-layer gradients of one network for one input, and the settings that produced them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GradientReport {
    /// One entry per layer, from the input side to the output side.
    pub layers: Vec<LayerGradient>,
    /// The network's sizes, input width first.
    pub layer_sizes: Vec<i64>,
    /// Whether the network used shortcut connections.
    pub shortcut: Shortcut,
    /// The activation after each Linear layer.
    pub activation: Activation,
    /// The seed the weights were drawn after (0 in a report of a model of a cell's own,
    /// which drew them itself).
    pub seed: i64,
}

impl GradientReport {
    /// The mean absolute weight gradient of each layer, input side first.
    pub fn weight_means(&self) -> Vec<f32> {
        self.layers.iter().map(|layer| layer.weight_mean).collect()
    }

    /// The seed's printed lines, one per layer.
    pub fn lines(&self) -> Vec<String> {
        self.layers
            .iter()
            .map(|layer| {
                GradientReport::line(&layer.name, &float_repr(f64::from(layer.weight_mean)))
            })
            .collect()
    }

    /// One printed line: the weight's name and its mean, as Python's `repr` writes it.
    pub fn line(name: &str, mean: &str) -> String {
        format!("{name} has gradient mean of {mean}")
    }

    /// Shows the printed lines as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        crate::repr::show_text(self)
    }
}

/// The lines exactly as the seed's `print_gradients` prints them.
impl fmt::Display for GradientReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// One network shape of a depth sweep and its first layer's mean |weight gradient|.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub width: i64,
    pub depth: usize,
    pub shortcut: Shortcut,
    pub first_layer: f32,
}

/// One line of `gradflow sweep`: width, depth, whether the shortcut is on, and the first
/// layer's mean as Python prints it.
///
/// ```
/// use gradflow::{Shortcut, SweepPoint};
///
/// let point = SweepPoint { width: 3, depth: 8, shortcut: Shortcut::Off, first_layer: 0.1 };
/// assert_eq!(point.to_string(), "3 8 false 0.10000000149011612");
/// ```
impl fmt::Display for SweepPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = self.shortcut == Shortcut::On;
        let mean = float_repr(self.first_layer.into());
        write!(f, "{} {} {on} {mean}", self.width, self.depth)
    }
}

/// The first-layer gradient of square networks (every layer `width` wide, then one output),
/// for each width, depth and variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub activation: Activation,
    pub seed: i64,
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The first layer's mean |gradient| of one network shape of the sweep.
    pub fn first_layer(&self, width: i64, depth: usize, shortcut: Shortcut) -> Option<f32> {
        self.points
            .iter()
            .find(|p| (p.width, p.depth, p.shortcut) == (width, depth, shortcut))
            .map(|p| p.first_layer)
    }

    /// The points of one width and variant, in the order swept.
    pub fn series(&self, width: i64, shortcut: Shortcut) -> Vec<(usize, f32)> {
        self.points
            .iter()
            .filter(|p| p.width == width && p.shortcut == shortcut)
            .map(|p| (p.depth, p.first_layer))
            .collect()
    }

    /// The widths in the sweep, in the order given.
    pub fn widths(&self) -> Vec<i64> {
        let mut widths: Vec<i64> = Vec::new();
        for p in &self.points {
            if !widths.contains(&p.width) {
                widths.push(p.width);
            }
        }
        widths
    }
}

/// One variant's training: the loss and each layer's mean |weight gradient| at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Training {
    pub shortcut: Shortcut,
    /// The loss before each step's update.
    pub losses: Vec<f32>,
    /// `gradients[step][layer]`: the mean |weight gradient| the step followed.
    pub gradients: Vec<Vec<f32>>,
}

/// The explorer's grid: a report for every depth, width, activation and variant, all from
/// one seed, each network `[width; depth] + [1]` on the input evenly spaced from 1 to −1.
/// Only an `ExplorerConfig` makes one, so that its reports are always in the grid's order.
#[derive(Clone, PartialEq)]
pub struct Explorer {
    pub(crate) seed: i64,
    pub(crate) depths: Vec<usize>,
    pub(crate) widths: Vec<i64>,
    pub(crate) activations: Vec<Activation>,
    /// In the order of [`Explorer::index`].
    pub(crate) reports: Vec<GradientReport>,
}

impl Explorer {
    /// The seed every network's weights were drawn after.
    pub fn seed(&self) -> i64 {
        self.seed
    }

    /// The depths offered, smallest first.
    pub fn depths(&self) -> &[usize] {
        &self.depths
    }

    /// The widths offered.
    pub fn widths(&self) -> &[i64] {
        &self.widths
    }

    /// The activations offered.
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }

    /// Every report, in the order of [`Explorer::index`].
    pub fn reports(&self) -> &[GradientReport] {
        &self.reports
    }

    /// Where a setting's report lies in [`reports`](Self::reports): by activation, then
    /// width, then depth, without then with shortcut. The one statement of the grid's order.
    pub fn index(
        &self,
        depth: usize,
        width: i64,
        activation: Activation,
        shortcut: Shortcut,
    ) -> Option<usize> {
        let a = self.activations.iter().position(|&x| x == activation)?;
        let w = self.widths.iter().position(|&x| x == width)?;
        let d = self.depths.iter().position(|&x| x == depth)?;
        let s = Shortcut::BOTH.iter().position(|&x| x == shortcut)?;
        Some(((a * self.widths.len() + w) * self.depths.len() + d) * Shortcut::BOTH.len() + s)
    }

    /// The report of one setting of the grid.
    pub fn report(
        &self,
        depth: usize,
        width: i64,
        activation: Activation,
        shortcut: Shortcut,
    ) -> Option<&GradientReport> {
        self.reports
            .get(self.index(depth, width, activation, shortcut)?)
    }
}

/// The grid's shape, not its thousands of reports.
impl fmt::Debug for Explorer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explorer")
            .field("seed", &self.seed)
            .field("depths", &self.depths)
            .field("widths", &self.widths)
            .field("activations", &self.activations)
            .field("reports", &self.reports.len())
            .finish()
    }
}

wire_struct!(LayerGradient {
    name,
    weight_mean,
    weight_max,
    bias_mean,
    bias_max
});
wire_struct!(GradientReport {
    layers,
    layer_sizes,
    shortcut,
    activation,
    seed
});
wire_struct!(SweepPoint {
    width,
    depth,
    shortcut,
    first_layer
});
wire_struct!(Sweep {
    activation,
    seed,
    points
});
wire_struct!(Training {
    shortcut,
    losses,
    gradients
});
wire_struct!(Explorer {
    seed,
    depths,
    widths,
    activations,
    reports
});

/// An SVG chart that evcxr shows inline and that can be saved for slides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Svg {
    document: String,
    title: String,
}

impl Svg {
    /// A chart from its SVG document and its title.
    pub fn new(document: String, title: String) -> Self {
        Svg { document, title }
    }

    /// The SVG document.
    pub fn as_str(&self) -> &str {
        &self.document
    }

    /// The chart's title, which also describes it where the image cannot be shown.
    pub fn title(&self) -> &str {
        &self.title
    }
}

impl Wire for Svg {
    fn put(&self, out: &mut Vec<u8>) {
        self.document.put(out);
        self.title.put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        Ok(Svg::new(String::take(input)?, String::take(input)?))
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.document)
    }
}
