//! Training both variants on a small regression task, to see whether shortcuts make training
//! converge faster, as the seed notebook says they do.
//!
//! The task: inputs drawn uniformly from [-1, 1], and as target the mean of their squares,
//! which a ReLU output can reach. Plain gradient descent (`torch.optim.SGD`) on all samples at
//! once; every step's loss and gradients are PyTorch's to the last bit on the same machine.
//!
//! `TrainConfig { steps: 50, ..Default::default() }.run()?` trains both variants in the engine;
//! a config is checked before it is sent:
//!
//! ```
//! use gradflow::train::TrainConfig;
//!
//! let config = TrainConfig { steps: 50, ..TrainConfig::default() };
//! assert_eq!((config.layer_sizes.as_slice(), config.depth()), (&[3, 3, 3, 3, 3, 1][..], 5));
//! let error = TrainConfig { learning_rate: -0.1, ..config }.check().unwrap_err();
//! assert_eq!(error.to_string(), "the learning rate is -0.1; it must be a positive number");
//! ```

use crate::engine::ask;
use crate::network::{SEED, SEED_SIZES};
use crate::results::Training;
use crate::settings::{Activation, Shortcut};
use crate::wire::{wire_request, wire_struct};
use crate::{limits, Error, Result};

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

impl TrainConfig {
    /// These layer sizes, and the defaults for the rest.
    pub fn new<S: Copy + Into<i64>>(layer_sizes: &[S]) -> Self {
        TrainConfig {
            layer_sizes: layer_sizes.iter().map(|&size| size.into()).collect(),
            ..TrainConfig::default()
        }
    }
}

impl Default for TrainConfig {
    /// The seed's network with ReLU and seed [`SEED`], trained for 300 steps of gradient descent
    /// at rate 0.1 on 256 samples.
    fn default() -> Self {
        TrainConfig {
            layer_sizes: SEED_SIZES.to_vec(),
            activation: Activation::Relu,
            seed: SEED,
            steps: 300,
            learning_rate: 0.1,
            samples: 256,
        }
    }
}

impl TrainConfig {
    /// Refuses a config that cannot train: bad layer sizes, no samples, a learning rate that
    /// is not a positive number, or a length outside [`limits::check_steps`].
    pub fn check(&self) -> Result<()> {
        limits::check_layer_sizes(&self.layer_sizes)?;
        if self.samples < 1 {
            return Err(Error::invalid("samples", self.samples, "at least 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::invalid(
                "the learning rate",
                self.learning_rate,
                "a positive number",
            ));
        }
        limits::check_steps(self.steps, self.depth())?;
        limits::check_layers_in_all("the training", 2 * self.depth(), "fewer layers")?;
        // The task's inputs, drawn before the first step.
        let inputs = (self.samples as u128).saturating_mul(self.layer_sizes[0] as u128);
        limits::fits_in_memory(inputs.saturating_mul(4))
    }

    /// Trains the network without and then with shortcut connections, from the same seed and
    /// on the same task, in the engine.
    pub fn run(&self) -> Result<[Training; 2]> {
        run_variants(self, Shortcut::BOTH.to_vec())
    }

    /// Trains one variant from the config's seed, in the engine.
    pub fn run_variant(&self, shortcut: Shortcut) -> Result<Training> {
        let [training] = run_variants(self, vec![shortcut])?;
        Ok(training)
    }

    /// The number of layers of the trained network.
    pub fn depth(&self) -> usize {
        self.layer_sizes.len().saturating_sub(1)
    }
}

/// Trains `variants` in the engine, on one task.
fn run_variants<const N: usize>(
    config: &TrainConfig,
    variants: Vec<Shortcut>,
) -> Result<[Training; N]> {
    config.check()?;
    let request = Train {
        config: config.clone(),
        variants,
    };
    let trainings = ask(&request)?;
    let got = trainings.len();
    trainings.try_into().map_err(|_| {
        Error::Engine(format!(
            "answered {got} trainings for {N}; run `make setup` to rebuild it"
        ))
    })
}

wire_struct!(TrainConfig {
    layer_sizes,
    activation,
    seed,
    steps,
    learning_rate,
    samples
});

/// Trains each of `variants` on one task, as `config` says.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq)]
pub struct Train {
    pub config: TrainConfig,
    pub variants: Vec<Shortcut>,
}
wire_request!(Train { config, variants } => "train", Vec<Training>);
