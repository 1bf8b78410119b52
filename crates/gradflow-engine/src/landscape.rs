//! The loss surface, computed as Li et al.'s `loss-landscape` computes it: random directions
//! drawn from PyTorch's generator, each parameter's direction scaled filter by filter (every
//! row of a weight to that row's norm in the weights, biases left out), and the loss of the
//! task at the weights plus `x` times the first direction and `y` times the second, with
//! libtorch's operations in their order, so that every point is PyTorch's to the last bit on
//! the same machine. What is measured is [`gradflow::landscape`]'s to say.
//!
//! ```
//! use gradflow::landscape::LandscapeConfig;
//! use gradflow_engine::landscape;
//!
//! let config = LandscapeConfig { directions: 1, points: 5, ..LandscapeConfig::default() };
//! let [without, with] = &landscape::run(&config)?[..] else { unreachable!() };
//! assert_eq!(without.losses.len(), 5);
//! // Both start from the same weights; only the shortcuts differ.
//! assert_ne!(without.centre(), with.centre());
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::landscape::LandscapeConfig;
use gradflow::results::Surface;
use gradflow::settings::Shortcut;
use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::network::{with_seed, Network};
use crate::progress::{self, Cost, Progress};
use crate::train::{regression_task, sgd, task_loss};

/// Directions through a model's parameters, and the weights they start from.
pub struct Directions {
    parameters: Vec<Tensor>,
    weights: Vec<Tensor>,
    directions: Vec<Vec<Tensor>>,
}

impl Directions {
    /// `count` directions through `parameters`, drawn after `torch.manual_seed(seed + 2)`:
    /// for each, a `torch.randn` of every parameter's size in order, then normalised filter by
    /// filter (Li et al.'s `normalize_directions_for_weights`, `ignore='biasbn'`).
    pub fn draw(parameters: Vec<Tensor>, count: usize, seed: i64) -> Result<Directions> {
        let weights = tch::no_grad(|| {
            (parameters.iter())
                .map(|p| {
                    let mut weight = p.f_zeros_like()?;
                    weight.f_copy_(p)?;
                    Ok(weight)
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let drawn = with_seed(Some(seed.wrapping_add(2)), || {
            (0..count)
                .map(|_| {
                    (weights.iter())
                        .map(|w| Ok(Tensor::f_randn(w.size(), (Kind::Float, Device::Cpu))?))
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let directions = (drawn.into_iter())
            .map(|direction| {
                (direction.into_iter().zip(&weights))
                    .map(|(d, w)| filter_normalised(d, w))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Directions {
            parameters,
            weights,
            directions,
        })
    }

    /// Sets every parameter to its weight plus `x` times the first direction (and `y` times
    /// the second): `w + (d0 * x + d1 * y)`, as Li et al. add the change.
    pub fn move_to(&self, x: f64, y: f64) -> Result<()> {
        tch::no_grad(|| {
            for (k, (parameter, weight)) in self.parameters.iter().zip(&self.weights).enumerate() {
                let mut change = self.directions[0][k].f_mul_scalar(x)?;
                if let Some(second) = self.directions.get(1) {
                    change = change.f_add(&second[k].f_mul_scalar(y)?)?;
                }
                parameter.shallow_clone().f_copy_(&weight.f_add(&change)?)?;
            }
            Ok(())
        })
    }

    /// Sets every parameter back to its weight.
    pub fn restore(&self) -> Result<()> {
        tch::no_grad(|| {
            for (parameter, weight) in self.parameters.iter().zip(&self.weights) {
                parameter.shallow_clone().f_copy_(weight)?;
            }
            Ok(())
        })
    }
}

/// `d` scaled row by row to the norms of `w`'s rows: `d_r *= ‖w_r‖ / (‖d_r‖ + 1e-10)`; a bias's
/// direction (one dimension) is zero.
fn filter_normalised(mut d: Tensor, w: &Tensor) -> Result<Tensor> {
    if d.dim() <= 1 {
        return Ok(d.f_zero_()?);
    }
    // `Tensor.norm()` in Python and `at::norm` here both compute `linalg_vector_norm(t, 2)`.
    let norm = |t: &Tensor| t.f_norm();
    for row in 0..d.size()[0] {
        let mut d_row = d.f_select(0, row)?;
        let ratio = norm(&w.f_select(0, row)?)?.f_div(&norm(&d_row)?.f_add_scalar(1e-10)?)?;
        let _ = d_row.f_mul_(&ratio)?;
    }
    Ok(d)
}

/// Both variants' surfaces: each network from the config's seed, trained `steps` first on the
/// task, then measured along directions drawn from the same seed.
pub fn run(config: &LandscapeConfig) -> Result<Vec<Surface>> {
    config.check()?;
    let training = config.training();
    let task = regression_task(&training)?;
    let rows = config.rows().len();
    let points = rows * config.points;
    let depth = config.layer_sizes.len() - 1;
    let layers = 2 * (points + config.steps) * depth;
    let what = format!("2 loss surfaces of {points} points, {depth} layers");
    let estimate = progress::estimate(layers, Cost::SurfaceLayer, 1);
    let progress = Progress::start(&what, 2 * rows, "rows", estimate);
    let surfaces = Shortcut::BOTH
        .into_iter()
        .map(|shortcut| {
            let model = Network::new(&training.network(shortcut))?;
            sgd(&model, config.learning_rate, &task, config.steps, |_, _| Ok(()))?;
            surface(config, shortcut, &model, &task, &progress)
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish();
    Ok(surfaces)
}

/// One network's surface on the task, its weights set back afterwards.
fn surface(
    config: &LandscapeConfig,
    shortcut: Shortcut,
    model: &Network,
    task: &(Tensor, Tensor),
    progress: &Progress,
) -> Result<Surface> {
    let directions = Directions::draw(model.parameters(), config.directions, config.seed)?;
    let (coordinates, rows) = (config.coordinates(), config.rows());
    let mut losses = Vec::with_capacity(rows.len() * coordinates.len());
    for &y in &rows {
        for &x in &coordinates {
            directions.move_to(x, y)?;
            let loss = tch::no_grad(|| -> Result<f64> {
                Ok(task_loss(model, task)?.f_double_value(&[])?)
            })?;
            losses.push(loss as f32);
        }
        progress.advance();
    }
    directions.restore()?;
    Ok(Surface {
        shortcut,
        steps: config.steps,
        directions: config.directions,
        coordinates,
        losses,
    })
}
