//! The seed's `ExampleDeepNeuralNetwork`, as a notebook holds it: its settings. The engine draws
//! its weights (exactly as PyTorch draws them after `torch.manual_seed(seed)`) and computes its
//! gradients on each call; a report zeroes the gradients first, so the same settings always
//! give the same report, and nothing but the settings needs to live in the notebook.
//!
//! ```
//! use gradflow::DeepNetwork;
//!
//! let model = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).seed(123).build()?;
//! assert_eq!(model.depth(), 5);
//! assert_eq!(model.default_input(), [1.0, 0.0, -1.0]);
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;

use crate::engine::{self, Request, Response};
use crate::limits::check_layer_sizes;
use crate::results::GradientReport;
use crate::settings::{Activation, Shortcut};
use crate::Result;

/// The seed that every experiment draws its weights after unless told otherwise: the seed
/// notebook's `torch.manual_seed(123)`.
pub const SEED: i64 = 123;

/// The seed notebook's `layer_sizes`: an input of 3, four layers of 3 and one output.
pub const SEED_SIZES: [i64; 6] = [3, 3, 3, 3, 3, 1];

/// The default input for a first layer of `width`: evenly spaced from 1 down to -1,
/// which is the seed's `[1., 0., -1.]` for width 3.
pub fn default_input(width: usize) -> Vec<f32> {
    match width {
        0 => Vec::new(),
        1 => vec![1.0],
        _ => (0..width)
            .map(|i| (1.0 - 2.0 * i as f64 / (width - 1) as f64) as f32)
            .collect(),
    }
}

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

impl Default for NetworkConfig {
    /// [`SEED_SIZES`], no shortcut, ReLU, seed [`SEED`].
    fn default() -> Self {
        NetworkConfig::new(&SEED_SIZES)
    }
}

impl NetworkConfig {
    /// These sizes (the input width, then each layer's output width), ReLU, no shortcut,
    /// seed [`SEED`]. Any integer type will do, so that `let layer_sizes = [3, 3, 1];` works.
    pub fn new<S: Copy + Into<i64>>(layer_sizes: &[S]) -> Self {
        NetworkConfig {
            layer_sizes: layer_sizes.iter().map(|&size| size.into()).collect(),
            shortcut: Shortcut::Off,
            activation: Activation::Relu,
            seed: SEED,
        }
    }

    /// Adds shortcut connections (`use_shortcut=True`) or leaves them out.
    pub fn shortcut(mut self, shortcut: impl Into<Shortcut>) -> Self {
        self.shortcut = shortcut.into();
        self
    }

    /// The non-linearity after each Linear layer (ReLU unless set).
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// The `torch.manual_seed` the weights are drawn after ([`SEED`] unless set).
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of Linear + activation layers, `layer_sizes.len() - 1`.
    pub fn depth(&self) -> usize {
        self.layer_sizes.len().saturating_sub(1)
    }

    /// [`default_input`] for this network's input width: the seed's `[1, 0, -1]` for width 3.
    pub fn default_input(&self) -> Vec<f32> {
        let width = self
            .layer_sizes
            .first()
            .map_or(0, |&width| width.max(0) as usize);
        default_input(width)
    }

    /// Refuses sizes that make no network (see [`check_layer_sizes`]).
    pub fn check(&self) -> Result<()> {
        check_layer_sizes(&self.layer_sizes)
    }

    /// Checks the config and returns the network, or says which setting is wrong.
    pub fn build(&self) -> Result<DeepNetwork> {
        self.check()?;
        Ok(DeepNetwork {
            config: self.clone(),
        })
    }
}

/// Prints the network this config makes as PyTorch prints the seed's module, runs of equal
/// layers folded.
impl fmt::Display for NetworkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<_> = self.layer_sizes.windows(2).map(|w| (w[0], w[1])).collect();
        writeln!(f, "ExampleDeepNeuralNetwork(")?;
        writeln!(f, "  (layers): ModuleList(")?;
        let mut start = 0;
        while start < sizes.len() {
            let end = start
                + sizes[start..]
                    .iter()
                    .take_while(|&&s| s == sizes[start])
                    .count();
            let (fan_in, fan_out) = sizes[start];
            match end - start {
                1 => writeln!(f, "    ({start}): Sequential(")?,
                n => writeln!(f, "    ({start}-{}): {n} x Sequential(", end - 1)?,
            }
            writeln!(
                f,
                "      (0): Linear(in_features={fan_in}, out_features={fan_out}, bias=True)"
            )?;
            writeln!(f, "      (1): {}()", self.activation.module_name())?;
            writeln!(f, "    )")?;
            start = end;
        }
        writeln!(f, "  )")?;
        write!(f, ")")
    }
}

/// The seed's `ExampleDeepNeuralNetwork`, for any depth: a checked config that a notebook
/// variable keeps from one cell to the next. Its tensors live in the engine; for them in a
/// cell, `:dep` the engine crate and use `gradflow_engine::DeepNetwork`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeepNetwork {
    config: NetworkConfig,
}

impl DeepNetwork {
    /// Starts a network with these sizes: the input width, then each layer's output width.
    /// Defaults: ReLU, no shortcut, seed [`SEED`]. The same as [`NetworkConfig::new`].
    pub fn builder<S: Copy + Into<i64>>(layer_sizes: &[S]) -> NetworkConfig {
        NetworkConfig::new(layer_sizes)
    }

    /// The config the network was built with.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// The number of Linear + activation layers, `layer_sizes.len() - 1`.
    pub fn depth(&self) -> usize {
        self.config.depth()
    }

    /// The sizes the network was built with.
    pub fn layer_sizes(&self) -> &[i64] {
        &self.config.layer_sizes
    }

    /// Whether the network adds shortcut connections.
    pub fn shortcut(&self) -> Shortcut {
        self.config.shortcut
    }

    /// The activation after each Linear layer.
    pub fn activation(&self) -> Activation {
        self.config.activation
    }

    /// The seed the weights were drawn after.
    pub fn seed(&self) -> i64 {
        self.config.seed
    }

    /// [`default_input`] for this network's input width: the seed's `[1, 0, -1]` for width 3.
    pub fn default_input(&self) -> Vec<f32> {
        self.config.default_input()
    }

    /// The seed's `print_gradients` without the printing: one forward and backward pass on
    /// `input` against a zero target, then each layer's mean absolute gradient.
    ///
    /// Gradients are zeroed first, so calling it again gives the same report. The input is
    /// one row of `layer_sizes[0]` values, rounded to float32 as `torch.tensor` rounds them.
    pub fn gradients<T: Copy + Into<f64>>(&mut self, input: &[T]) -> Result<GradientReport> {
        self.accumulated_gradients(input, 1)
    }

    /// Like [`gradients`](Self::gradients), but sums the gradients of `runs` passes, as
    /// re-running the seed's Python cell `runs` times on one model does.
    pub fn accumulated_gradients<T: Copy + Into<f64>>(
        &mut self,
        input: &[T],
        runs: u32,
    ) -> Result<GradientReport> {
        let request = Request::Gradients {
            network: self.config.clone(),
            input: input.iter().map(|&value| value.into()).collect(),
            runs,
        };
        match engine::call(&request)? {
            Response::Report(report) => Ok(report),
            other => Err(engine::unexpected(&other)),
        }
    }

    /// Shows the PyTorch-style printout as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

/// Prints the network as PyTorch prints the seed's module, runs of equal layers folded.
impl fmt::Display for DeepNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.fmt(f)
    }
}
