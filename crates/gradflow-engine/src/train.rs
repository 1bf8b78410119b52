//! Training both variants on a small regression task, computed: every step's loss and
//! gradients are `torch.optim.SGD`'s to the last bit on the same machine. The task is
//! [`gradflow::train`]'s to say.
//!
//! ```
//! use gradflow::train::TrainConfig;
//! use gradflow::Shortcut;
//! use gradflow_engine::train::run_variant;
//!
//! let config = TrainConfig { steps: 50, ..TrainConfig::default() };
//! let run = run_variant(&config, Shortcut::On)?;
//! assert_eq!(run.losses.len(), 50);
//! assert!(run.losses[49] < run.losses[0]);
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::results::Training;
use gradflow::settings::Shortcut;
use gradflow::train::TrainConfig;
use tch::{COptimizer, Kind, Reduction, Tensor};

use crate::error::Result;
use crate::network::{uniform_inputs, Network};
use crate::progress::{self, Cost, Progress};

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
pub fn run_variant(config: &TrainConfig, shortcut: Shortcut) -> Result<Training> {
    on_task(config, 1, |task, progress| {
        train_one(config, shortcut, task, progress)
    })
}

/// Trains the network without and then with shortcut connections, from the same seed.
pub fn run(config: &TrainConfig) -> Result<[Training; 2]> {
    on_task(config, 2, |task, progress| {
        Ok([
            train_one(config, Shortcut::Off, task, progress)?,
            train_one(config, Shortcut::On, task, progress)?,
        ])
    })
}

/// Trains each of `variants` from the config's seed, all on one task: what a notebook's
/// [`TrainConfig::run`] and [`TrainConfig::run_variant`] ask the engine for.
pub fn run_variants(config: &TrainConfig, variants: &[Shortcut]) -> Result<Vec<Training>> {
    on_task(config, variants.len(), |task, progress| {
        variants
            .iter()
            .map(|&shortcut| train_one(config, shortcut, task, progress))
            .collect()
    })
}

/// Draws the task once, then runs `train` on it for `variants` networks, telling its progress:
/// drawn from a seed of its own, the task is the same data for each variant.
fn on_task<T>(
    config: &TrainConfig,
    variants: usize,
    train: impl FnOnce(&(Tensor, Tensor), &Progress) -> Result<T>,
) -> Result<T> {
    let task = regression_task(config)?;
    let progress = start_progress(config, variants);
    let trained = train(&task, &progress)?;
    progress.finish();
    Ok(trained)
}

/// Tells the progress of training `variants` networks if it is long.
fn start_progress(config: &TrainConfig, variants: usize) -> Progress {
    let steps = variants * config.steps;
    let depth = config.network(Shortcut::Off).depth();
    let layer_steps = steps.saturating_mul(depth);
    let what = format!(
        "training {variants} × {depth} layers for {} steps",
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
    task: &(Tensor, Tensor),
    progress: &Progress,
) -> Result<Training> {
    let model = Network::new(&config.network(shortcut))?;
    let mut training = Training {
        shortcut,
        losses: Vec::with_capacity(config.steps),
        gradients: Vec::with_capacity(config.steps),
    };
    sgd(&model, config.learning_rate, task, config.steps, |_, loss| {
        training.gradients.push(model.gradient_report()?.weight_means());
        training.losses.push(loss.f_double_value(&[])? as f32);
        progress.advance();
        Ok(())
    })?;
    Ok(training)
}

/// `steps` steps of `torch.optim.SGD` on `task`, each `opt.zero_grad()`, `nn.MSELoss()` and
/// `backward()`, then `between(step, &loss)` (the gradients are there), then `opt.step()`.
pub fn sgd(
    model: &Network,
    learning_rate: f64,
    task: &(Tensor, Tensor),
    steps: usize,
    mut between: impl FnMut(usize, &Tensor) -> Result<()>,
) -> Result<()> {
    // libtorch's own SGD: it updates with `p.add_(grad, alpha=-lr)`, as torch.optim.SGD does,
    // which vectorised CPU kernels take as one fused multiply-add; `p - lr * grad` rounds twice
    // there and drifts from PyTorch's digits.
    let mut optimizer = COptimizer::sgd(learning_rate, 0.0, 0.0, 0.0, false)?;
    for parameter in model.parameters() {
        optimizer.add_parameters(&parameter, 0)?;
    }
    for step in 0..steps {
        optimizer.zero_grad()?;
        let loss = task_loss(model, task)?;
        loss.f_backward()?;
        between(step, &loss)?;
        optimizer.step()?;
    }
    Ok(())
}

/// `nn.MSELoss()(model(X), Y)` on the task, with its graph.
pub fn task_loss(model: &Network, (inputs, targets): &(Tensor, Tensor)) -> Result<Tensor> {
    Ok(model
        .forward(inputs)?
        .f_mse_loss(targets, Reduction::Mean)?)
}
