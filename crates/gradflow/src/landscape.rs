//! The loss surface, as Li et al. draw it (*Visualizing the Loss Landscape of Neural Nets*,
//! NeurIPS 2018): the loss of notebook 02's task at the network's weights moved along one
//! random direction (a line) or two (a plane). Each direction is drawn from PyTorch's
//! generator and scaled filter by filter: every row of a Linear layer's weight (one neuron's
//! incoming weights) gets that row's norm in the weights, so that a step of 1 changes every
//! neuron by as much as it weighs; biases stay where they are, as Li et al. leave them.
//!
//! `LandscapeConfig::default().run()?` computes both variants' planes in the engine, from the
//! same weights and the same directions; a config is checked before it is sent:
//!
//! ```
//! use gradflow::landscape::LandscapeConfig;
//!
//! let config = LandscapeConfig { directions: 1, points: 5, ..LandscapeConfig::default() };
//! assert_eq!(config.coordinates(), [-1.0, -0.5, 0.0, 0.5, 1.0]);
//! let error = LandscapeConfig { directions: 3, ..config }.check().unwrap_err();
//! assert_eq!(error.to_string(), "the number of directions is 3; it must be 1 (a line) or 2 (a plane)");
//! ```

use crate::client::{ask, Handle};
use crate::error::{Error, Result};
use crate::limits;
use crate::network::{SEED, SEED_SIZES};
use crate::protocol::{MoveTo, SurfaceDirections, Task};
use crate::results::Surface;
use crate::settings::{Activation, Shortcut, TrainConfig};
use crate::tensor::Tensor;

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::LandscapeConfig;

impl Default for LandscapeConfig {
    /// The seed's network with ReLU and seed [`SEED`], at initialisation, on notebook 02's
    /// task (256 samples): a plane of 41 × 41 points from −1 to 1 along each direction.
    fn default() -> Self {
        let training = TrainConfig::default();
        LandscapeConfig {
            layer_sizes: SEED_SIZES.to_vec(),
            activation: Activation::Relu,
            seed: SEED,
            samples: training.samples,
            learning_rate: training.learning_rate,
            steps: 0,
            directions: 2,
            points: 41,
            span: 1.0,
        }
    }
}

impl LandscapeConfig {
    /// These layer sizes, and the defaults for the rest.
    pub fn new<S: Copy + Into<i64>>(layer_sizes: &[S]) -> Self {
        LandscapeConfig {
            layer_sizes: layer_sizes.iter().map(|&size| size.into()).collect(),
            ..LandscapeConfig::default()
        }
    }

    /// Refuses a config that cannot be measured: bad layer sizes or training (as
    /// [`TrainConfig::check`] says), a span that is not a positive number, or a surface outside
    /// [`limits::check_surface`]. Nothing is allocated before.
    pub fn check(&self) -> Result<()> {
        self.training().check()?;
        self.check_surface(self.layer_sizes.len() - 1)
    }

    /// Checks the surface a network of `depth` layers would have: its span, and its size as
    /// [`limits::check_surface`] allows it.
    fn check_surface(&self, depth: usize) -> Result<()> {
        if !(self.span.is_finite() && self.span > 0.0) {
            return Err(Error::invalid("the span", self.span, "a positive number"));
        }
        limits::check_surface(self.directions, self.points, depth)
    }

    /// Measures both variants' surfaces in the engine: the network without and then with
    /// shortcut connections, from the same seed, each trained first if `steps` says so, along
    /// the same directions.
    pub fn run(&self) -> Result<[Surface; 2]> {
        self.check()?;
        let surfaces = ask(self)?;
        let got = surfaces.len();
        surfaces.try_into().map_err(|_| {
            Error::Engine(format!(
                "answered {got} surfaces for 2; run `make setup` to rebuild it"
            ))
        })
    }

    /// The points along each direction: `points` evenly spaced from `-span` to `span`.
    pub fn coordinates(&self) -> Vec<f64> {
        let last = self.points.saturating_sub(1).max(1) as f64;
        (0..self.points)
            .map(|i| -self.span + 2.0 * self.span * i as f64 / last)
            .collect()
    }

    /// Where each row of the surface lies along the second direction: at each of the
    /// coordinates for a plane, at 0 for a line.
    pub fn rows(&self) -> Vec<f64> {
        match self.directions {
            2 => self.coordinates(),
            _ => vec![0.0],
        }
    }

    /// The training that comes first, and whose task the loss is measured on: its steps are
    /// `steps`, or one where there are none (a training of no steps is not one).
    pub fn training(&self) -> TrainConfig {
        TrainConfig {
            layer_sizes: self.layer_sizes.clone(),
            activation: self.activation,
            seed: self.seed,
            steps: self.steps.max(1),
            learning_rate: self.learning_rate,
            samples: self.samples,
        }
    }

    /// Notebook 02's task, as tensors for a model of a cell's own: the inputs and targets the
    /// loss is measured on.
    pub fn task(&self) -> Result<(Tensor, Tensor)> {
        self.training().check()?;
        let (inputs, targets) = ask(&Task {
            layer_sizes: self.layer_sizes.clone(),
            samples: self.samples,
            seed: self.seed,
        })?;
        Ok((Tensor::from_id(inputs), Tensor::from_id(targets)))
    }

    /// The surface of a model of a cell's own, at its parameters as they are: `loss` computes
    /// the model's loss (its own `forward`, run in the cell) at each point, while the engine
    /// moves `named_parameters` along the directions; they are set back to their weights
    /// afterwards. `shortcut` says which variant the model is, for the chart. The config's
    /// layer sizes and steps are not used: the model is what it is.
    pub fn of_model(
        &self,
        named_parameters: &[(String, Tensor)],
        shortcut: impl Into<Shortcut>,
        mut loss: impl FnMut() -> Tensor,
    ) -> Result<Surface> {
        self.check_surface(1)?;
        // A handle, so that the directions are freed in the engine when this call ends.
        let directions = Handle::new(ask(&SurfaceDirections {
            parameters: named_parameters.iter().map(|(_, p)| p.id()).collect(),
            directions: self.directions,
            seed: self.seed,
        })?);
        let (coordinates, rows) = (self.coordinates(), self.rows());
        let mut losses = Vec::with_capacity(rows.len() * coordinates.len());
        let measured = (|| {
            for &y in &rows {
                for &x in &coordinates {
                    ask(&MoveTo {
                        directions: directions.id(),
                        point: Some((x, y)),
                    })?;
                    losses.push(f64::from(loss().f_item()?) as f32);
                }
            }
            Ok(())
        })();
        // The weights are set back even where a point failed.
        let restored = ask(&MoveTo {
            directions: directions.id(),
            point: None,
        });
        measured.and(restored)?;
        Ok(Surface {
            shortcut: shortcut.into(),
            steps: 0,
            directions: self.directions,
            coordinates,
            losses,
        })
    }
}
