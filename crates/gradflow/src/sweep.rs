//! Depth sweeps: how the first layer's gradient fades as the network gets deeper.
//!
//! A ReLU network's output is often exactly zero for a given input, and every gradient with
//! it, which would hide the trend. So each point is the average over [`NETWORKS`] networks
//! (seeds `seed`, `seed + 1`, …), each seeing a batch of [`BATCH`] inputs from U(-1, 1).
//!
//! `SweepConfig::default().run()?` sweeps in the engine; a config is checked before it is sent:
//!
//! ```
//! use gradflow::sweep::SweepConfig;
//!
//! let config = SweepConfig { widths: vec![3], depths: vec![2, 8], ..SweepConfig::default() };
//! assert!(config.check().is_ok());
//! assert_eq!(config.layers(), (2 + 8) * 2 * 8); // depths × variants × networks a point
//! let error = SweepConfig { depths: vec![0], ..config }.check().unwrap_err();
//! assert_eq!(error.to_string(), "a depth is 0; it must be from 1 to 100000 layers");
//! ```

use crate::client::ask;
use crate::error::{Error, Result};
use crate::limits;
use crate::network::SEED;
use crate::protocol::ActivationPairs;
use crate::results::{GradientReport, Sweep};
use crate::settings::{Activation, Shortcut};

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::SweepConfig;

/// How many inputs each network of a sweep sees at once.
pub const BATCH: usize = 64;

/// How many networks, from consecutive seeds, each point averages.
pub const NETWORKS: i64 = 8;

/// The depths the notebook and `gradflow sweep` use: 2 to 64 layers.
pub const DEPTHS: [usize; 7] = [2, 4, 8, 16, 24, 32, 64];

/// The widths they use: the seed's 3 and a wider 32.
pub const WIDTHS: [i64; 2] = [3, 32];

impl Default for SweepConfig {
    /// [`WIDTHS`] × [`DEPTHS`] with ReLU and seed [`SEED`], as the notebook sweeps.
    fn default() -> Self {
        SweepConfig {
            widths: WIDTHS.to_vec(),
            depths: DEPTHS.to_vec(),
            activation: Activation::Relu,
            seed: SEED,
        }
    }
}

impl SweepConfig {
    /// Refuses an empty list, a depth outside [`limits::check_depth`], a network too large,
    /// and a sweep of more than [`limits::MAX_LAYERS`] layers in all.
    pub fn check(&self) -> Result<()> {
        for (what, empty) in [
            ("widths", self.widths.is_empty()),
            ("depths", self.depths.is_empty()),
        ] {
            if empty {
                return Err(Error::invalid(what, "an empty list", "at least one number"));
            }
        }
        for &depth in &self.depths {
            limits::check_depth(depth)?;
        }
        limits::check_layers_in_all("the sweep", self.layers(), "fewer depths or widths")?;
        for &width in &self.widths {
            for &depth in &self.depths {
                limits::check_layer_sizes(&square_sizes(width, depth))?;
            }
            limits::fits_in_memory((BATCH as u128 * 4).saturating_mul(width.max(0) as u128))?;
        }
        Ok(())
    }

    /// Builds and runs the networks of every width, depth and variant, in the engine.
    pub fn run(&self) -> Result<Sweep> {
        self.check()?;
        ask(self)
    }

    /// The layers of every network the sweep builds.
    pub fn layers(&self) -> usize {
        let copies = self.widths.len() * Shortcut::BOTH.len() * NETWORKS as usize;
        limits::layers_in_all(&self.depths, copies)
    }
}

/// The layer sizes of a sweep network: `depth - 1` layers of `width`, then one output.
pub fn square_sizes(width: i64, depth: usize) -> Vec<i64> {
    let mut sizes = vec![width; depth];
    sizes.push(1);
    sizes
}

/// For each activation, the reports of the network without and with shortcuts, on the
/// default input: what `chart::activation_grid` draws.
pub fn activation_pairs<S: Copy + Into<i64>>(
    layer_sizes: &[S],
    seed: i64,
) -> Result<Vec<(GradientReport, GradientReport)>> {
    let layer_sizes: Vec<i64> = layer_sizes.iter().map(|&size| size.into()).collect();
    limits::check_layer_sizes(&layer_sizes)?;
    ask(&ActivationPairs { layer_sizes, seed })
}
