//! The loss's curvature, as PyHessian measures it (Yao et al., *PyHessian: Neural Networks
//! Through the Lens of the Hessian*, 2020): the Hessian of notebook 02's loss with respect to
//! every parameter, through libtorch's double backward. For a network of at most
//! [`limits::MAX_SPECTRUM_PARAMETERS`] parameters (the seed's has 52) its whole spectrum, row
//! by row; for any network its top eigenvalue by power iteration, its trace by Hutchinson's
//! estimate, and its eigenvalue density by stochastic Lanczos quadrature, each on
//! Hessian-vector products and each PyHessian's algorithm, with its random vectors drawn from
//! PyTorch's generator after a seed of its own.
//!
//! The largest eigenvalue is the surface's sharpness; negative eigenvalues make the point a
//! saddle rather than a minimum.
//!
//! ```
//! use gradflow::hessian::HessianConfig;
//!
//! let config = HessianConfig::default();
//! assert_eq!(config.at_steps, [0, 25, 50, 100, 200, 300]);
//! let error = HessianConfig { iterations: 0, ..config }.check().unwrap_err();
//! assert_eq!(error.to_string(), "power iteration's iterations is 0; it must be from 1 to 1000");
//! ```

use crate::client::ask;
use crate::error::{Error, Result};
use crate::limits;
use crate::network::{SEED, SEED_SIZES};
use crate::protocol::LossCurvature;
use crate::results::Curvature;
use crate::settings::{Activation, Shortcut, TrainConfig};
use crate::tensor::Tensor;

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::HessianConfig;

impl Default for HessianConfig {
    /// The seed's network with ReLU and seed [`SEED`] on notebook 02's task, measured at
    /// initialisation and along its 300 steps of training; PyHessian's 100 iterations and
    /// tolerance 10⁻³, and 30 Lanczos steps.
    fn default() -> Self {
        let training = TrainConfig::default();
        HessianConfig {
            layer_sizes: SEED_SIZES.to_vec(),
            activation: Activation::Relu,
            seed: SEED,
            samples: training.samples,
            learning_rate: training.learning_rate,
            at_steps: vec![0, 25, 50, 100, 200, 300],
            iterations: 100,
            tolerance: 1e-3,
            lanczos_steps: 30,
            trace_samples: 100,
        }
    }
}

impl HessianConfig {
    /// These layer sizes, and the defaults for the rest.
    pub fn new<S: Copy + Into<i64>>(layer_sizes: &[S]) -> Self {
        HessianConfig {
            layer_sizes: layer_sizes.iter().map(|&size| size.into()).collect(),
            ..HessianConfig::default()
        }
    }

    /// Refuses a config that cannot be measured: bad layer sizes or training (as
    /// [`TrainConfig::check`] says), steps out of order, iterations outside
    /// [`limits::check_iterations`], a tolerance that is not 0 or more, or more work than
    /// [`limits::check_products`] allows. Nothing is allocated before.
    pub fn check(&self) -> Result<()> {
        self.training().check()?;
        if self.at_steps.is_empty() || self.at_steps.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid(
                "the steps to measure at",
                format!("{:?}", self.at_steps),
                "one or more steps in increasing order, such as [0, 100, 300]",
            ));
        }
        self.check_estimates()?;
        let depth = self.layer_sizes.len() - 1;
        let measures = 2 * self.at_steps.len();
        limits::check_products(self.products().saturating_mul(measures), depth)
    }

    /// The most Hessian-vector products (or rows of the Hessian) one measurement computes: the
    /// whole Hessian's rows where the network is small enough, power iteration's iterations,
    /// the Lanczos steps and the trace's samples.
    pub fn products(&self) -> usize {
        let parameters = self.parameters();
        let rows = match parameters <= limits::MAX_SPECTRUM_PARAMETERS as u128 {
            true => parameters as usize,
            false => 0,
        };
        rows + self.iterations + self.lanczos_steps + self.trace_samples
    }

    /// Checks what an estimate on any loss needs: its iterations, Lanczos steps, samples and
    /// tolerance.
    fn check_estimates(&self) -> Result<()> {
        limits::check_iterations("power iteration's iterations", self.iterations)?;
        limits::check_iterations("the Lanczos steps", self.lanczos_steps)?;
        limits::check_iterations("the trace's samples", self.trace_samples)?;
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(Error::invalid(
                "the tolerance",
                self.tolerance,
                "a number of 0 or more (0 runs every iteration)",
            ));
        }
        Ok(())
    }

    /// Measures both variants in the engine: each network trained from the same seed on the
    /// same task, measured at each of `at_steps`; without shortcut first.
    pub fn run(&self) -> Result<Vec<Curvature>> {
        self.check()?;
        ask(self)
    }

    /// The curvature of a model of a cell's own: of `loss`, which its `forward` made (its graph
    /// is kept in the engine), with respect to `named_parameters`. `shortcut` says which variant
    /// the model is, for the charts. The config's layer sizes and steps are not used.
    pub fn of_loss(
        &self,
        loss: &Tensor,
        named_parameters: &[(String, Tensor)],
        shortcut: impl Into<Shortcut>,
    ) -> Result<Curvature> {
        self.check_estimates()?;
        ask(&LossCurvature {
            loss: loss.id(),
            parameters: named_parameters.iter().map(|(_, p)| p.id()).collect(),
            config: self.clone(),
            shortcut: shortcut.into(),
        })
    }

    /// The training measured along, and whose task the loss is measured on: as long as the
    /// last step measured, or one step where that is 0.
    pub fn training(&self) -> TrainConfig {
        TrainConfig {
            layer_sizes: self.layer_sizes.clone(),
            activation: self.activation,
            seed: self.seed,
            steps: self.at_steps.last().copied().unwrap_or(0).max(1),
            learning_rate: self.learning_rate,
            samples: self.samples,
        }
    }

    /// The network's number of parameters (weights and biases).
    pub fn parameters(&self) -> u128 {
        self.layer_sizes
            .windows(2)
            .map(|w| (w[0] as u128 + 1).saturating_mul(w[1].max(0) as u128))
            .fold(0, u128::saturating_add)
    }
}

/// The measurements of one variant, in the order of its steps.
pub fn of_variant(curvatures: &[Curvature], shortcut: Shortcut) -> Vec<Curvature> {
    curvatures
        .iter()
        .filter(|c| c.shortcut == shortcut)
        .cloned()
        .collect()
}

/// The measurements at one step, one per variant.
pub fn at_step(curvatures: &[Curvature], step: usize) -> Vec<Curvature> {
    curvatures.iter().filter(|c| c.step == step).cloned().collect()
}
