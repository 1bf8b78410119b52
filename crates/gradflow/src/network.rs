//! The seed's `ExampleDeepNeuralNetwork`: its settings ([`NetworkConfig`]), and the network
//! itself ([`DeepNetwork`]), whose weights the engine draws exactly as PyTorch draws them after
//! `torch.manual_seed(seed)` and keeps, with their gradients, until the notebook drops it.
//!
//! ```
//! use gradflow::DeepNetwork;
//!
//! let config = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).seed(123);
//! assert_eq!(config.depth(), 5);
//! assert_eq!(config.default_input(), [1.0, 0.0, -1.0]);
//! let too_narrow = DeepNetwork::builder(&[3, 0, 1]).build().unwrap_err();
//! assert_eq!(
//!     too_narrow.to_string(),
//!     "layer_sizes[1] is 0; every size must be a positive number of neurons (1 or more)"
//! );
//! ```

use std::fmt;

use crate::client::{ask, Handle};
use crate::error::Result;
use crate::limits::check_layer_sizes;
use crate::nn::{f_named_parameters_of, f_zero_grad_of, Module};
use crate::protocol::{Forward, Gradients, ParameterGradients};
use crate::results::GradientReport;
use crate::settings::{Activation, Shortcut};
use crate::tensor::{or_panic, Tensor};

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::NetworkConfig;

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

    /// Checks the config and returns the network, its weights drawn in the engine, or says
    /// which setting is wrong.
    pub fn build(&self) -> Result<DeepNetwork> {
        self.check()?;
        let handle = Handle::new(ask(self)?);
        Ok(DeepNetwork {
            config: self.clone(),
            handle,
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

/// The seed's `ExampleDeepNeuralNetwork`, for any depth. Its weights and their gradients live
/// in the engine; a variable keeps the network from one cell to the next, and dropping it frees
/// them. As in PyTorch, each backward pass adds into the gradients the network holds, until
/// [`zero_grad`](DeepNetwork::zero_grad).
pub struct DeepNetwork {
    config: NetworkConfig,
    handle: Handle,
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

    /// [`forward`](Module::forward), returning the error.
    pub fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        let request = Forward {
            model: self.handle.id(),
            x: xs.id(),
        };
        ask(&request).map(Tensor::from_id)
    }

    /// [`named_parameters`](DeepNetwork::named_parameters), returning the error.
    pub fn f_named_parameters(&self) -> Result<Vec<(String, Tensor)>> {
        f_named_parameters_of(&self.handle)
    }

    /// Each layer's weight and bias with PyTorch's names (`layers.0.0.weight`, …), input side
    /// first: the seed's `model.named_parameters()`.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        or_panic(self.f_named_parameters())
    }

    /// [`zero_grad`](DeepNetwork::zero_grad), returning the error.
    pub fn f_zero_grad(&self) -> Result<()> {
        f_zero_grad_of(&self.handle)
    }

    /// Zeroes the gradients the network holds (PyTorch's `model.zero_grad()`).
    pub fn zero_grad(&self) {
        or_panic(self.f_zero_grad())
    }

    /// The report of the gradients the network holds now: what `print_gradients` just
    /// printed, as lines and as a chart. A parameter without a gradient counts as zero.
    pub fn gradient_report(&self) -> Result<GradientReport> {
        let config = &self.config;
        let report = GradientReport::of(
            &self.f_named_parameters()?,
            config.shortcut,
            config.activation,
        )?;
        Ok(GradientReport {
            seed: config.seed,
            ..report
        })
    }

    /// The seed's `print_gradients` without the printing, on gradients zeroed first: one
    /// forward and backward pass on `input` against a zero target, then each layer's mean
    /// absolute gradient. Calling it again gives the same report.
    ///
    /// The input is one row of `layer_sizes[0]` values, rounded to float32 as `torch.tensor`
    /// rounds them.
    pub fn gradients<T: Copy + Into<f64>>(&self, input: &[T]) -> Result<GradientReport> {
        let request = Gradients {
            model: self.handle.id(),
            input: input.iter().map(|&value| value.into()).collect(),
        };
        ask(&request)
    }

    /// Shows the PyTorch-style printout as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        crate::repr::show_text(self)
    }
}

/// `model.forward(&x)`, as the seed's `model(x)`.
impl Module for DeepNetwork {
    fn forward(&self, xs: &Tensor) -> Tensor {
        or_panic(self.f_forward(xs))
    }
}

/// Prints the network as PyTorch prints the seed's module, runs of equal layers folded.
impl fmt::Display for DeepNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.fmt(f)
    }
}

impl fmt::Debug for DeepNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeepNetwork")
            .field("config", &self.config)
            .finish()
    }
}

impl GradientReport {
    /// The report of the gradients that a model's `named_parameters` hold now, for a model of
    /// a cell's own: each `….weight` with its `….bias`, in order, and the layer sizes their
    /// shapes give. `shortcut` and `activation` say what the chart's title says of the model.
    pub fn of(
        named_parameters: &[(String, Tensor)],
        shortcut: impl Into<Shortcut>,
        activation: Activation,
    ) -> Result<GradientReport> {
        let parameters = named_parameters
            .iter()
            .map(|(name, tensor)| (name.clone(), tensor.id()))
            .collect();
        let (layers, layer_sizes) = ask(&ParameterGradients { parameters })?;
        Ok(GradientReport {
            layers,
            layer_sizes,
            shortcut: shortcut.into(),
            activation,
            seed: 0,
        })
    }
}
