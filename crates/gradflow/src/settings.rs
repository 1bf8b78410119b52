//! What the notebooks choose, as plain data: the two choices that define a network besides its
//! sizes (shortcut connections and the activation, with names and parsing), a tensor's element
//! type and a loss's reduction, and the fields of each experiment's config (a network, a sweep,
//! a training, the explorer's grid), which cross to the engine as they are. Each config's
//! defaults, checks and runs are in its own module (`network`, `sweep`, `train`, `explore`).
//!
//! ```
//! use gradflow::{Activation, Shortcut};
//!
//! assert_eq!("gelu".parse::<Activation>()?, Activation::Gelu);
//! assert_eq!(Shortcut::from(true).label(), "with shortcut");
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use std::ops::RangeInclusive;

use crate::error::Error;
use crate::wire::{wire_enum, wire_struct};

/// Whether each layer adds its input to its output (the seed's `use_shortcut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Shortcut {
    /// `use_shortcut=False`: every layer's output replaces its input.
    #[default]
    Off,
    /// `use_shortcut=True`: `x = x + layer(x)` wherever the shapes match.
    On,
}

impl Shortcut {
    /// Both variants, in the order the seed runs them.
    pub const BOTH: [Shortcut; 2] = [Shortcut::Off, Shortcut::On];

    /// "without shortcut" or "with shortcut", as chart legends say it.
    pub fn label(self) -> &'static str {
        match self {
            Shortcut::Off => "without shortcut",
            Shortcut::On => "with shortcut",
        }
    }
}

impl From<bool> for Shortcut {
    fn from(use_shortcut: bool) -> Self {
        if use_shortcut {
            Shortcut::On
        } else {
            Shortcut::Off
        }
    }
}

/// The non-linearity after each Linear layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `nn.ReLU()`, the seed's choice.
    #[default]
    Relu,
    /// The book's GELU, the tanh approximation written out op by op.
    Gelu,
    /// `nn.Tanh()`.
    Tanh,
    /// `nn.Sigmoid()`.
    Sigmoid,
}

impl Activation {
    /// Every activation, in a fixed order for sweeps and charts.
    pub const ALL: [Activation; 4] = [
        Activation::Relu,
        Activation::Gelu,
        Activation::Tanh,
        Activation::Sigmoid,
    ];

    /// The module's name as PyTorch prints it.
    pub fn module_name(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::Gelu => "GELU",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
        }
    }

    /// The lower-case name that `FromStr` reads and the command line takes.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::UnknownActivation(name.to_owned()))
    }
}

wire_enum!(Shortcut { 0 => Off, 1 => On });
wire_enum!(Activation { 0 => Relu, 1 => Gelu, 2 => Tanh, 3 => Sigmoid });

/// What defines a network: its sizes, its shortcut connections, its activation and the seed
/// its weights are drawn after. The default is the seed notebook's network.
///
/// Set the fields, or chain the setters from [`DeepNetwork::builder`], as the seed's cells read.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// The input width, then each layer's output width.
    pub layer_sizes: Vec<i64>,
    /// Whether each layer adds its input to its output where the shapes match.
    pub shortcut: Shortcut,
    /// The non-linearity after each Linear layer.
    pub activation: Activation,
    /// The `torch.manual_seed` the weights are drawn after.
    pub seed: i64,
}
wire_struct!(NetworkConfig {
    layer_sizes,
    shortcut,
    activation,
    seed
});

/// Which square networks to sweep: every width with every depth, without and with shortcuts.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepConfig {
    /// The widths of the networks (every layer but the one-neuron output).
    pub widths: Vec<i64>,
    /// The depths (numbers of layers).
    pub depths: Vec<usize>,
    pub activation: Activation,
    /// The first of the [`NETWORKS`] consecutive seeds; each also draws its network's inputs.
    pub seed: i64,
}
wire_struct!(SweepConfig {
    widths,
    depths,
    activation,
    seed
});

/// What to train and for how long.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub layer_sizes: Vec<i64>,
    pub activation: Activation,
    /// Seeds both the weights and the data.
    pub seed: i64,
    pub steps: usize,
    pub learning_rate: f64,
    pub samples: i64,
}
wire_struct!(TrainConfig {
    layer_sizes,
    activation,
    seed,
    steps,
    learning_rate,
    samples
});

/// Which networks the explorer computes: every depth, width and activation, each network
/// `[width; depth] + [1]` on the input evenly spaced from 1 to −1, without and with shortcut.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplorerConfig {
    /// The depths (numbers of layers) to offer. A range, not a list, so that a typo such as
    /// `1..=1_000_000_000` is refused before a list of that length is made.
    pub depths: RangeInclusive<usize>,
    /// The widths to offer.
    pub widths: Vec<i64>,
    /// The activations to offer.
    pub activations: Vec<Activation>,
    /// The `torch.manual_seed` every network's weights are drawn after.
    pub seed: i64,
}
wire_struct!(ExplorerConfig {
    depths,
    widths,
    activations,
    seed
});

/// A tensor's element type, as `tch` names it: float32 (`Float`) and float64 (`Double`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Double,
}

/// How a loss reduces its elements (`nn.MSELoss(reduction=…)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    None,
    Mean,
    Sum,
}

/// Where tensors live: the engine computes on its CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
}

wire_enum!(Kind { 0 => Float, 1 => Double });
wire_enum!(Reduction { 0 => None, 1 => Mean, 2 => Sum });

/// The loss surface around a network's weights: the loss of notebook 02's task along one
/// random direction (a line) or over two (a plane), the directions normalised filter by filter
/// as Li et al. normalise them, for both variants from the same seed.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeConfig {
    pub layer_sizes: Vec<i64>,
    pub activation: Activation,
    /// Seeds the weights, the task (`seed + 1`) and the directions (`seed + 2`).
    pub seed: i64,
    pub samples: i64,
    pub learning_rate: f64,
    /// How many steps of training come first: 0 is the surface at initialisation.
    pub steps: usize,
    /// 1 for a line, 2 for a plane.
    pub directions: usize,
    /// Points along each direction, evenly spaced from `-span` to `span`.
    pub points: usize,
    /// How far along each direction the surface reaches, in units of the direction.
    pub span: f64,
}
wire_struct!(LandscapeConfig {
    layer_sizes,
    activation,
    seed,
    samples,
    learning_rate,
    steps,
    directions,
    points,
    span
});

/// The curvature of the loss of notebook 02's task, as PyHessian measures it: the Hessian's
/// whole spectrum (small networks), its top eigenvalue by power iteration, its trace by
/// Hutchinson's estimate and its eigenvalue density by stochastic Lanczos quadrature, for both
/// variants, at initialisation and along training.
#[derive(Clone, Debug, PartialEq)]
pub struct HessianConfig {
    pub layer_sizes: Vec<i64>,
    pub activation: Activation,
    /// Seeds the weights, the task (`seed + 1`), power iteration's start (`seed + 3`),
    /// Lanczos's (`seed + 4`) and Hutchinson's vectors (`seed + 5`).
    pub seed: i64,
    pub samples: i64,
    pub learning_rate: f64,
    /// The training steps after which the curvature is measured, in increasing order: 0 is at
    /// initialisation.
    pub at_steps: Vec<usize>,
    /// Power iteration's most iterations (PyHessian's `maxIter`).
    pub iterations: usize,
    /// The relative change at which power iteration and Hutchinson's estimate stop
    /// (PyHessian's `tol`; 0 runs every iteration).
    pub tolerance: f64,
    /// Lanczos steps of the density (at most the number of parameters; PyHessian's `iter`).
    pub lanczos_steps: usize,
    /// Hutchinson's most samples of the trace (PyHessian's `maxIter`).
    pub trace_samples: usize,
}
wire_struct!(HessianConfig {
    layer_sizes,
    activation,
    seed,
    samples,
    learning_rate,
    at_steps,
    iterations,
    tolerance,
    lanczos_steps,
    trace_samples
});
