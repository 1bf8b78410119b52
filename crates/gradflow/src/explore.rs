//! The instant explorer: the gradients of every network on a grid of depths, widths,
//! activations and both variants, computed once, so that a page can show any of them at once.
//!
//! ```
//! use gradflow::{Activation, ExplorerConfig, Shortcut};
//!
//! let config = ExplorerConfig { depths: 1..=6, widths: vec![3], ..Default::default() };
//! let networks = config.networks();
//! assert_eq!(networks.len(), 6 * 4 * 2); // depths × activations × variants
//! assert_eq!(networks[9].layer_sizes, [3, 3, 3, 3, 3, 1]); // the seed's network, with shortcut
//! assert_eq!(networks[9].shortcut, Shortcut::On);
//! assert!(ExplorerConfig { depths: 1..=1_000_000_000, ..Default::default() }.check().is_err());
//! ```

use crate::client::ask;
use crate::error::{Error, Result};
use crate::limits;
use crate::network::SEED;
use crate::results::{Explorer, GradientReport};
use crate::settings::NetworkConfig;
use crate::settings::{Activation, Shortcut};
use crate::sweep::square_sizes;

/// The config's fields are plain data (`settings`); its defaults, checks and runs are here.
pub use crate::settings::ExplorerConfig;

/// The widths the explorer offers unless told otherwise.
pub const WIDTHS: [i64; 8] = [1, 2, 3, 4, 8, 16, 32, 64];

/// The deepest network the explorer offers unless told otherwise.
pub const MAX_DEPTH: usize = 32;

pub use crate::limits::MAX_LAYERS;

impl Default for ExplorerConfig {
    /// Depths 1 to [`MAX_DEPTH`], widths 1 to 64 ([`WIDTHS`]), every activation, seed [`SEED`].
    fn default() -> Self {
        ExplorerConfig {
            depths: 1..=MAX_DEPTH,
            widths: WIDTHS.to_vec(),
            activations: Activation::ALL.to_vec(),
            seed: SEED,
        }
    }
}

impl ExplorerConfig {
    /// Builds and runs every network of the grid in the engine, on all cores, and returns
    /// their reports.
    pub fn run(&self) -> Result<Explorer> {
        self.check()?;
        ask(self)
    }

    /// The explorer of this grid with `reports`, one per network in the order of
    /// [`networks`](Self::networks): what the engine returns. `None` unless there is one
    /// report per network.
    pub fn explorer(&self, reports: Vec<GradientReport>) -> Option<Explorer> {
        (reports.len() == self.count()).then(|| Explorer {
            seed: self.seed,
            depths: self.depths.clone().collect(),
            widths: self.widths.clone(),
            activations: self.activations.clone(),
            reports,
        })
    }

    /// The settings of every network of the grid, in the order of [`Explorer::index`].
    pub fn networks(&self) -> Vec<NetworkConfig> {
        let mut networks = Vec::new();
        for &activation in &self.activations {
            for &width in &self.widths {
                for depth in self.depths.clone() {
                    for shortcut in Shortcut::BOTH {
                        networks.push(NetworkConfig {
                            layer_sizes: square_sizes(width, depth),
                            shortcut,
                            activation,
                            seed: self.seed,
                        });
                    }
                }
            }
        }
        networks
    }

    /// Refuses an empty grid, a depth outside [`limits::check_depth`] and a grid too large to
    /// send to a page.
    pub fn check(&self) -> Result<()> {
        let empty = |what| Error::invalid(what, "an empty list", "at least one value");
        if self.depths.is_empty() {
            return Err(empty("the explorer's depths"));
        }
        if self.widths.is_empty() {
            return Err(empty("the explorer's widths"));
        }
        if self.activations.is_empty() {
            return Err(empty("the explorer's activations"));
        }
        for depth in [*self.depths.start(), *self.depths.end()] {
            limits::check_depth(depth)?;
        }
        let fewer = "fewer depths, widths or activations";
        limits::check_layers_in_all("the explorer's grid", self.layers(), fewer)?;
        for &width in &self.widths {
            for depth in self.depths.clone() {
                limits::check_layer_sizes(&square_sizes(width, depth))?;
            }
        }
        Ok(())
    }

    /// The number of networks of the grid, without making their list.
    fn count(&self) -> usize {
        self.depths.clone().count()
            * self.widths.len()
            * self.activations.len()
            * Shortcut::BOTH.len()
    }

    /// The layers of every network of the grid.
    pub fn layers(&self) -> usize {
        let copies = self.widths.len() * self.activations.len() * Shortcut::BOTH.len();
        let depths: Vec<usize> = self.depths.clone().collect();
        limits::layers_in_all(&depths, copies)
    }
}
