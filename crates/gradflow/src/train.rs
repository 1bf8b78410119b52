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
//! use gradflow::Shortcut;
//!
//! let config = TrainConfig { steps: 50, ..TrainConfig::default() };
//! assert_eq!(config.network(Shortcut::On).depth(), 5);
//! let error = TrainConfig { learning_rate: -0.1, ..config }.check().unwrap_err();
//! assert_eq!(error.to_string(), "the learning rate is -0.1; it must be a positive number");
//! ```

use crate::client::ask;
use crate::error::{Error, Result};
use crate::limits;
use crate::network::{SEED, SEED_SIZES};
use crate::protocol::Train;
use crate::results::Training;
use crate::settings::NetworkConfig;
use crate::settings::{Activation, Shortcut};

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::TrainConfig;

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
        let depth = self.network(Shortcut::Off).depth();
        limits::check_steps(self.steps, depth)?;
        limits::check_layers_in_all("the training", 2 * depth, "fewer layers")?;
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

    /// The network that the variant `shortcut` trains, before its first step.
    pub fn network(&self, shortcut: Shortcut) -> NetworkConfig {
        NetworkConfig {
            layer_sizes: self.layer_sizes.clone(),
            shortcut,
            activation: self.activation,
            seed: self.seed,
        }
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
