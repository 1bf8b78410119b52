//! The instant explorer: the gradients of every network on a grid of depths, widths,
//! activations and both variants, computed once, so that a page can show any of them at once.
//!
//! ```
//! use gradflow::{Activation, Explorer, Shortcut};
//!
//! let explorer = Explorer::new().depths(1..=6).widths(&[3]).build()?;
//! let seed = explorer.report(5, 3, Activation::Relu, Shortcut::On).unwrap();
//! assert_eq!(seed.layer_sizes, [3, 3, 3, 3, 3, 1]); // the seed's network, with its lines
//! assert_eq!(explorer.reports.len(), 6 * 4 * 2); // depths × activations × variants
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::ops::RangeInclusive;

use crate::engine::{self, Request, Response};
use crate::network::{NetworkBuilder, SEED};
use crate::results::{Explorer, GradientReport};
use crate::settings::{Activation, Shortcut};
use crate::sweep::square_sizes;
use crate::{limits, Error, Result};

/// The widths the explorer offers unless told otherwise.
pub const WIDTHS: [i64; 8] = [1, 2, 3, 4, 8, 16, 32, 64];

/// The deepest network the explorer offers unless told otherwise.
pub const MAX_DEPTH: usize = 32;

pub use crate::limits::MAX_LAYERS;

/// Which networks the explorer computes; start from [`Explorer::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExplorerConfig {
    /// A range, not a list, so that a typo such as `1..=1_000_000_000` is refused before a
    /// list of that length is made.
    pub(crate) depths: RangeInclusive<usize>,
    pub(crate) widths: Vec<i64>,
    pub(crate) activations: Vec<Activation>,
    pub(crate) seed: i64,
}

impl Explorer {
    /// Depths 1 to 32, widths 1 to 64 ([`WIDTHS`]), every activation, seed [`SEED`]; each
    /// network is `[width; depth] + [1]` on the input evenly spaced from 1 to −1.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> ExplorerConfig {
        ExplorerConfig {
            depths: 1..=MAX_DEPTH,
            widths: WIDTHS.to_vec(),
            activations: Activation::ALL.to_vec(),
            seed: SEED,
        }
    }
}

impl ExplorerConfig {
    /// The depths (numbers of layers) to offer.
    pub fn depths(mut self, depths: RangeInclusive<usize>) -> Self {
        self.depths = depths;
        self
    }

    /// The widths to offer.
    pub fn widths(mut self, widths: &[i64]) -> Self {
        self.widths = widths.to_vec();
        self
    }

    /// The activations to offer.
    pub fn activations(mut self, activations: &[Activation]) -> Self {
        self.activations = activations.to_vec();
        self
    }

    /// The `torch.manual_seed` every network's weights are drawn after.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds and runs every network of the grid in the engine, on all cores, and returns
    /// their reports.
    pub fn build(&self) -> Result<Explorer> {
        self.check()?;
        match engine::call(&Request::Explore(self.clone()))? {
            Response::Explorer(explorer) => Ok(explorer),
            other => Err(engine::unexpected(&other)),
        }
    }

    /// The explorer of this grid with `reports`, one per setting in the order of
    /// [`networks`](Self::networks): what the engine returns.
    pub fn explorer(&self, reports: Vec<GradientReport>) -> Explorer {
        Explorer {
            seed: self.seed,
            depths: self.depths.clone().collect(),
            widths: self.widths.clone(),
            activations: self.activations.clone(),
            reports,
        }
    }

    /// The settings of every network of the grid, in the order of [`Explorer::reports`]:
    /// by activation, then width, then depth, without then with shortcut.
    pub fn networks(&self) -> Vec<NetworkBuilder> {
        let mut networks = Vec::new();
        for &activation in &self.activations {
            for &width in &self.widths {
                for depth in self.depths.clone() {
                    for shortcut in Shortcut::BOTH {
                        let network = NetworkBuilder::new(&square_sizes(width, depth))
                            .activation(activation)
                            .shortcut(shortcut)
                            .seed(self.seed);
                        networks.push(network);
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

    /// The layers of every network of the grid.
    pub fn layers(&self) -> usize {
        let copies = self.widths.len() * self.activations.len() * Shortcut::BOTH.len();
        let depths: Vec<usize> = self.depths.clone().collect();
        limits::layers_in_all(&depths, copies)
    }
}

impl Default for ExplorerConfig {
    fn default() -> Self {
        Explorer::new()
    }
}
