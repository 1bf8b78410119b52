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

/// One variant's loss surface: the loss of the task at evenly spaced points along one
/// direction (a line) or two (a plane) through its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    pub shortcut: Shortcut,
    /// The training steps before the surface was measured (0: at initialisation).
    pub steps: usize,
    /// 1 for a line, 2 for a plane.
    pub directions: usize,
    /// The points along each direction, from `-span` to `span`.
    pub coordinates: Vec<f64>,
    /// The loss at each point, row by row: row `j` is `coordinates[j]` along the second
    /// direction, column `i` is `coordinates[i]` along the first (a line has one row).
    pub losses: Vec<f32>,
}

impl Surface {
    /// The losses, one row per point along the second direction.
    pub fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.losses.chunks(self.coordinates.len().max(1))
    }

    /// The loss at the weights themselves (the middle point, where the number of points is odd).
    pub fn centre(&self) -> Option<f32> {
        let n = self.coordinates.len();
        let middle = n / 2;
        let index = match self.directions {
            2 => middle * n + middle,
            _ => middle,
        };
        (n % 2 == 1).then(|| self.losses.get(index).copied()).flatten()
    }

    /// The lowest and the highest finite loss on the surface, if any is finite (a training
    /// that diverged leaves none).
    pub fn range(&self) -> Option<(f32, f32)> {
        let mut finite = self.losses.iter().copied().filter(|l| l.is_finite());
        let first = finite.next()?;
        Some(finite.fold((first, first), |(lo, hi), l| (lo.min(l), hi.max(l))))
    }

    /// The points inside the surface (not on its edge) whose loss is below each of their
    /// neighbours' (two on a line, eight on a plane): the surface's local minima, as far as its
    /// points resolve them.
    pub fn local_minima(&self) -> usize {
        let n = self.coordinates.len();
        let rows: Vec<&[f32]> = self.rows().collect();
        let inside = |k: usize, len: usize| k > 0 && k + 1 < len;
        let mut minima = 0;
        for (j, row) in rows.iter().enumerate() {
            for (i, &loss) in row.iter().enumerate() {
                if !inside(i, n) || (self.directions == 2 && !inside(j, rows.len())) {
                    continue;
                }
                let neighbours = (j.saturating_sub(1)..=(j + 1).min(rows.len() - 1))
                    .flat_map(|jj| (i - 1..=i + 1).map(move |ii| (jj, ii)))
                    .filter(|&(jj, ii)| (jj, ii) != (j, i));
                if neighbours.into_iter().all(|(jj, ii)| loss < rows[jj][ii]) {
                    minima += 1;
                }
            }
        }
        minima
    }

    /// Shows the summary as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        crate::repr::show_text(self)
    }
}

/// One line: the variant, where it was measured, and the loss at the centre, its range and
/// the local minima.
///
/// ```
/// use gradflow::{Shortcut, Surface};
///
/// let line = Surface { shortcut: Shortcut::Off, steps: 0, directions: 1, coordinates: vec![-1.0, 0.0, 1.0], losses: vec![0.5, 0.25, 1.0] };
/// assert_eq!(line.to_string(), "without shortcut, at initialisation: loss 0.25 at the weights, from 0.25 to 1 along the line, 1 local minimum inside it");
/// ```
impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (variant, when) = (self.shortcut.label(), when(self.steps));
        write!(f, "{variant}, {when}: loss ")?;
        if let Some(centre) = self.centre() {
            write!(f, "{} at the weights, ", significant(centre.into()))?;
        }
        let over = if self.directions == 2 { "over the plane" } else { "along the line" };
        let Some((lowest, highest)) = self.range() else {
            return write!(f, "no finite loss {over}");
        };
        let minima = self.local_minima();
        write!(
            f,
            "from {} to {} {over}, {minima} local minim{} inside it",
            significant(lowest.into()),
            significant(highest.into()),
            if minima == 1 { "um" } else { "a" },
        )
    }
}

/// One variant's curvature at one point of its training: the Hessian of the loss with respect
/// to every parameter, as PyHessian measures it.
#[derive(Clone, Debug, PartialEq)]
pub struct Curvature {
    pub shortcut: Shortcut,
    /// The training steps before it was measured (0: at initialisation).
    pub step: usize,
    /// The loss there.
    pub loss: f32,
    /// The number of parameters, the Hessian's size.
    pub parameters: usize,
    /// The whole spectrum, ascending, from the Hessian itself (networks of at most
    /// `limits::MAX_SPECTRUM_PARAMETERS` parameters; else empty).
    pub eigenvalues: Vec<f32>,
    /// The top eigenvalue by power iteration, and the iterations it ran. Power iteration finds
    /// the eigenvalue of largest magnitude, as PyHessian's does: a negative one where the most
    /// negative outweighs the largest.
    pub top_eigenvalue: f64,
    pub iterations: usize,
    /// Hutchinson's estimate of the trace, and the samples it took.
    pub trace: f64,
    pub trace_samples: usize,
    /// Stochastic Lanczos quadrature: the nodes (eigenvalues of the Lanczos matrix) and their
    /// weights, which sum to one: the eigenvalue density.
    pub nodes: Vec<f32>,
    pub weights: Vec<f32>,
}

impl Curvature {
    /// Eigenvalues closer to zero than this share of the largest magnitude count as zero. They
    /// are flat directions: along one, gradient descent at notebook 02's rate of 0.1 needs
    /// 1 / (0.1 × 10⁻⁴ × the largest) steps to move away by a factor of e, thousands for these
    /// networks (6,800 where the largest is 14.6). Rounding leaves the Hessian's exact zeros (a
    /// ReLU's dead units) at ±10⁻⁹ or so, well inside.
    pub const NEGLIGIBLE: f64 = 1e-4;

    /// The largest eigenvalue (the sharpness): the spectrum's where it was computed, else power
    /// iteration's.
    pub fn sharpness(&self) -> f64 {
        match self.eigenvalues.last() {
            Some(&largest) => largest.into(),
            None => self.top_eigenvalue,
        }
    }

    /// How close to zero an eigenvalue counts as zero: [`NEGLIGIBLE`](Self::NEGLIGIBLE) times
    /// the largest finite magnitude.
    ///
    /// ```
    /// # use gradflow::results::Curvature;
    /// # use gradflow::settings::Shortcut;
    /// let c = Curvature {
    ///     shortcut: Shortcut::On, step: 0, loss: 0.5, parameters: 3,
    ///     eigenvalues: vec![-0.5, -0.0001, 2.0],
    ///     top_eigenvalue: 2.0, iterations: 3, trace: 1.5, trace_samples: 10,
    ///     nodes: vec![], weights: vec![],
    /// };
    /// assert_eq!(c.zero_within(), 2e-4);
    /// // -0.0001 counts as zero: one of the three is negative.
    /// assert_eq!(c.negative(), (1.0 / 3.0, -0.5));
    /// ```
    pub fn zero_within(&self) -> f64 {
        let largest = (self.spectrum().into_iter())
            .map(|(e, _)| e.abs())
            .filter(|e| e.is_finite())
            .fold(0.0, f64::max);
        Self::NEGLIGIBLE * largest
    }

    /// The share of the eigenvalues that are negative (below −[`zero_within`](Self::zero_within)),
    /// and the most negative: from the spectrum where it was computed, else from the density's
    /// nodes and weights. A point with negative eigenvalues is a saddle, not a minimum.
    pub fn negative(&self) -> (f64, f64) {
        let spectrum = self.spectrum();
        let below = -self.zero_within();
        let share = spectrum.iter().filter(|&&(e, _)| e < below).map(|&(_, w)| w).sum();
        let lowest = spectrum.iter().fold(0f64, |m, &(e, _)| m.min(e));
        (share, lowest)
    }

    /// Each eigenvalue and the share of the spectrum it stands for: 1/n of the whole spectrum
    /// where it was computed, else the density's nodes and their weights.
    fn spectrum(&self) -> Vec<(f64, f64)> {
        match self.eigenvalues.is_empty() {
            false => {
                let share = 1.0 / self.eigenvalues.len() as f64;
                self.eigenvalues.iter().map(|&e| (e.into(), share)).collect()
            }
            true => (self.nodes.iter().zip(&self.weights))
                .map(|(&node, &weight)| (node.into(), weight.into()))
                .collect(),
        }
    }

    /// Shows the summary as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        crate::repr::show_text(self)
    }
}

/// One line: the variant, where it was measured, the loss, the sharpness, the negative
/// eigenvalues and the trace.
impl fmt::Display for Curvature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (variant, when) = (self.shortcut.label(), when(self.step));
        let (share, lowest) = self.negative();
        write!(
            f,
            "{variant}, {when}: loss {}, largest eigenvalue {} (power iteration: {} in {} \
             iterations), {}% of the {} eigenvalues negative (lowest {}), trace {}",
            significant(self.loss.into()),
            significant(self.sharpness()),
            significant(self.top_eigenvalue),
            self.iterations,
            significant(100.0 * share),
            self.parameters,
            significant(lowest),
            significant(self.trace),
        )?;
        if self.eigenvalues.is_empty() {
            write!(f, " (density from {} Lanczos steps)", self.nodes.len())?;
        }
        Ok(())
    }
}

/// When a result was measured, as its summary and its chart say it.
///
/// ```
/// use gradflow::results::when;
///
/// assert_eq!([when(0), when(1), when(300)], ["at initialisation", "after 1 step", "after 300 steps"]);
/// ```
pub fn when(steps: usize) -> String {
    match steps {
        0 => "at initialisation".to_owned(),
        1 => "after 1 step".to_owned(),
        n => format!("after {n} steps"),
    }
}

/// `x` to four significant digits, as Python's `f"{x:.4g}"` writes it.
///
/// ```
/// use gradflow::results::significant;
///
/// assert_eq!(significant(0.000123456), "0.0001235");
/// assert_eq!(significant(1234567.0), "1.235e+06");
/// assert_eq!(significant(-2.5), "-2.5");
/// ```
pub fn significant(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return float_repr(x).trim_end_matches(".0").to_owned();
    }
    let exponent = format!("{x:.3e}")
        .split('e')
        .nth(1)
        .and_then(|e| e.parse::<i32>().ok())
        .unwrap_or(0);
    if (-4..4).contains(&exponent) {
        let decimals = (3 - exponent).max(0) as usize;
        let text = format!("{x:.decimals$}");
        match text.contains('.') {
            true => text.trim_end_matches('0').trim_end_matches('.').to_owned(),
            false => text,
        }
    } else {
        let text = format!("{x:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
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
wire_struct!(Surface {
    shortcut,
    steps,
    directions,
    coordinates,
    losses
});
wire_struct!(Curvature {
    shortcut,
    step,
    loss,
    parameters,
    eigenvalues,
    top_eigenvalue,
    iterations,
    trace,
    trace_samples,
    nodes,
    weights
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
