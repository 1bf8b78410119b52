//! Training both variants on a small regression task, to see whether shortcuts make training
//! converge faster, as the seed notebook says they do.
//!
//! The task: inputs drawn uniformly from [-1, 1], and as target the mean of their squares,
//! which a ReLU output can reach. Plain gradient descent (`torch.optim.SGD`) on all samples at
//! once; every step's loss and gradients are PyTorch's to the last bit on the same machine.
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

use tch::{COptimizer, Kind, Reduction, Tensor};

use crate::network::{uniform_inputs, DeepNetwork};
use crate::progress::{self, Cost, Progress};
use crate::results::Training;
use crate::settings::{Activation, Shortcut};
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

impl TrainConfig {
    /// Refuses a config that cannot train: bad layer sizes, no samples, a learning rate that
    /// is not a positive number, or a length outside [`limits::check_steps`].
    pub fn check(&self) -> Result<()> {
        limits::check_layer_sizes(&self.layer_sizes)?;
        if self.samples < 1 {
            return Err(Error::Invalid {
                what: "samples",
                value: self.samples.to_string(),
                expected: "at least 1".to_owned(),
            });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::Invalid {
                what: "the learning rate",
                value: self.learning_rate.to_string(),
                expected: "a positive number".to_owned(),
            });
        }
        limits::check_steps(self.steps, self.depth())?;
        limits::check_layers_in_all("the training", 2 * self.depth(), "fewer layers")?;
        // The task's inputs, drawn before the first step.
        let inputs = (self.samples as u128).saturating_mul(self.layer_sizes[0] as u128);
        limits::fits_in_memory(inputs.saturating_mul(4))
    }

    /// The number of layers of the trained network.
    fn depth(&self) -> usize {
        self.layer_sizes.len().saturating_sub(1)
    }
}

/// The task's inputs and targets, drawn after `torch.manual_seed(seed + 1)`.
pub fn regression_task(config: &TrainConfig) -> Result<(Tensor, Tensor)> {
    config.check()?;
    let (width, outputs) = (
        config.layer_sizes[0],
        config.layer_sizes[config.layer_sizes.len() - 1],
    );
    // The data gets a seed of its own, so that it does not depend on the network's size.
    let inputs = uniform_inputs(
        config.samples as usize,
        width as usize,
        config.seed.wrapping_add(1),
    )?;
    let inputs = Tensor::f_from_slice(&inputs)?.f_view([config.samples, width])?;
    let targets = inputs
        .f_square()?
        .f_mean_dim(1, true, Kind::Float)?
        .f_expand([config.samples, outputs], false)?
        .f_contiguous()?;
    Ok((inputs, targets))
}

/// Trains one variant from the config's seed.
pub fn train(config: &TrainConfig, shortcut: Shortcut) -> Result<Training> {
    let task = regression_task(config)?;
    let progress = start_progress(config, 1);
    let training = train_one(config, shortcut, &task, &progress)?;
    progress.finish();
    Ok(training)
}

/// Trains the network without and then with shortcut connections, from the same seed.
pub fn train_both(config: &TrainConfig) -> Result<[Training; 2]> {
    // One task for both: drawn from its own seed, it is the same data for each variant.
    let task = regression_task(config)?;
    let progress = start_progress(config, 2);
    let both = [
        train_one(config, Shortcut::Off, &task, &progress)?,
        train_one(config, Shortcut::On, &task, &progress)?,
    ];
    progress.finish();
    Ok(both)
}

/// Tells the progress of training `variants` networks if it is long.
fn start_progress(config: &TrainConfig, variants: usize) -> Progress {
    let steps = variants * config.steps;
    let layer_steps = steps.saturating_mul(config.depth());
    let what = format!(
        "training {variants} × {} layers for {} steps",
        config.depth(),
        config.steps
    );
    let estimate = progress::estimate(layer_steps, Cost::TrainingStep, 1);
    Progress::start(&what, steps, "steps", estimate)
}

/// PyTorch's training loop: the network after `torch.manual_seed(seed)`, then for every step
/// `opt.zero_grad()`, `nn.MSELoss()`, `backward()` and `opt.step()` with `torch.optim.SGD`.
fn train_one(
    config: &TrainConfig,
    shortcut: Shortcut,
    (inputs, targets): &(Tensor, Tensor),
    progress: &Progress,
) -> Result<Training> {
    let model = DeepNetwork::builder(&config.layer_sizes)
        .shortcut(shortcut)
        .activation(config.activation)
        .seed(config.seed)
        .build()?;
    // libtorch's own SGD: it updates with `p.add_(grad, alpha=-lr)`, as torch.optim.SGD does,
    // which vectorised CPU kernels take as one fused multiply-add; `p - lr * grad` rounds twice
    // there and drifts from PyTorch's digits.
    let mut optimizer = COptimizer::sgd(config.learning_rate, 0.0, 0.0, 0.0, false)?;
    for parameter in model.parameters() {
        optimizer.add_parameters(&parameter, 0)?;
    }
    let mut training = Training {
        shortcut,
        losses: Vec::with_capacity(config.steps),
        gradients: Vec::with_capacity(config.steps),
    };
    for _ in 0..config.steps {
        optimizer.zero_grad()?;
        let loss = model
            .forward(inputs)?
            .f_mse_loss(targets, Reduction::Mean)?;
        loss.f_backward()?;
        let report = model.gradient_report(loss.f_double_value(&[])?, 1)?;
        optimizer.step()?;
        training.losses.push(report.loss as f32);
        training.gradients.push(report.weight_means());
        progress.advance();
    }
    Ok(training)
}
