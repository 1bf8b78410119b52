//! Training both variants on a small regression task, to see whether shortcuts make training
//! converge faster, as the seed notebook says they do.
//!
//! The task: inputs drawn uniformly from [-1, 1], and as target the mean of their squares,
//! which a ReLU output can reach. Plain gradient descent on all samples at once.
//!
//! ```
//! use gradflow::train::{train, TrainConfig};
//! use gradflow::Shortcut;
//!
//! let config = TrainConfig { steps: 50, ..TrainConfig::default() };
//! let run = train(&config, Shortcut::On)?;
//! assert_eq!(run.losses.len(), 50);
//! assert!(run.losses[49] < run.losses[0]);
//! # Ok::<(), gradflow::Error>(())
//! ```

use tch::{Kind, Tensor};

use crate::network::{check_layer_sizes, with_seed, Activation, DeepNetwork, Shortcut};
use crate::{Error, Result};

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
    /// The seed's network with ReLU and seed 123, trained for 300 steps of gradient descent
    /// at rate 0.1 on 256 samples.
    fn default() -> Self {
        TrainConfig {
            layer_sizes: vec![3, 3, 3, 3, 3, 1],
            activation: Activation::Relu,
            seed: 123,
            steps: 300,
            learning_rate: 0.1,
            samples: 256,
        }
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

/// The task's inputs and targets, drawn from `seed`.
pub fn regression_task(config: &TrainConfig) -> Result<(Tensor, Tensor)> {
    check_layer_sizes(&config.layer_sizes)?;
    if config.samples < 1 {
        let value = config.samples.to_string();
        return Err(Error::Invalid {
            what: "samples",
            value,
            expected: "at least 1",
        });
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        let value = config.learning_rate.to_string();
        return Err(Error::Invalid {
            what: "the learning rate",
            value,
            expected: "a positive number",
        });
    }
    let (width, outputs) = (
        config.layer_sizes[0],
        config.layer_sizes[config.layer_sizes.len() - 1],
    );
    // The data gets a seed of its own, so that it does not depend on the network's size.
    let inputs = with_seed(config.seed.wrapping_add(1), || {
        Ok(
            Tensor::f_empty([config.samples, width], (Kind::Float, tch::Device::Cpu))?
                .f_uniform_(-1.0, 1.0)?,
        )
    })?;
    let targets = inputs
        .f_square()?
        .f_mean_dim(1, true, Kind::Float)?
        .f_expand([config.samples, outputs], false)?
        .f_contiguous()?;
    Ok((inputs, targets))
}

/// Trains one variant from the config's seed.
pub fn train(config: &TrainConfig, shortcut: Shortcut) -> Result<Training> {
    let (inputs, targets) = regression_task(config)?;
    let mut model = DeepNetwork::builder(&config.layer_sizes)
        .shortcut(shortcut)
        .activation(config.activation)
        .seed(config.seed)
        .build()?;
    let mut training = Training {
        shortcut,
        losses: Vec::new(),
        gradients: Vec::new(),
    };
    for _ in 0..config.steps {
        let report = model.train_step(&inputs, &targets, config.learning_rate)?;
        training.losses.push(report.loss as f32);
        training.gradients.push(report.weight_means());
    }
    Ok(training)
}

/// Trains the network without and then with shortcut connections, from the same seed.
pub fn train_both(config: &TrainConfig) -> Result<[Training; 2]> {
    Ok([train(config, Shortcut::Off)?, train(config, Shortcut::On)?])
}
