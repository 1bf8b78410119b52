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

use tch::{Kind, Reduction, Tensor};

use crate::network::{check_layer_sizes, uniform_inputs, DeepNetwork};
use crate::results::{GradientReport, Training};
use crate::settings::{Activation, Shortcut};
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
        let report = step(&mut model, &inputs, &targets, config.learning_rate)?;
        training.losses.push(report.loss as f32);
        training.gradients.push(report.weight_means());
    }
    Ok(training)
}

/// Trains the network without and then with shortcut connections, from the same seed.
pub fn train_both(config: &TrainConfig) -> Result<[Training; 2]> {
    Ok([train(config, Shortcut::Off)?, train(config, Shortcut::On)?])
}

/// One step of plain gradient descent on all samples (`optimizer.zero_grad()`, the MSE
/// loss, `loss.backward()`, `optimizer.step()` with `torch.optim.SGD`); returns the
/// gradients the step followed.
fn step(
    model: &mut DeepNetwork,
    inputs: &Tensor,
    targets: &Tensor,
    learning_rate: f64,
) -> Result<GradientReport> {
    model.zero_grad()?;
    let loss = model
        .forward(inputs)?
        .f_mse_loss(targets, Reduction::Mean)?;
    loss.f_backward()?;
    let report = model.gradient_report(loss.f_double_value(&[])?, 1)?;
    let _no_grad = tch::no_grad_guard();
    for mut parameter in model.parameters() {
        let update = parameter.f_grad()?.f_mul_scalar(learning_rate)?;
        let _ = parameter.f_sub_(&update)?;
    }
    Ok(report)
}
