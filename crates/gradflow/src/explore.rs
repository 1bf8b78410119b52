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

use crate::network::DeepNetwork;
use crate::progress::{self, Cost, Progress};
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
    depths: RangeInclusive<usize>,
    widths: Vec<i64>,
    activations: Vec<Activation>,
    seed: i64,
}

impl Explorer {
    /// Depths 1 to 32, widths 1 to 64 ([`WIDTHS`]), every activation, seed 123; each
    /// network is `[width; depth] + [1]` on the input evenly spaced from 1 to −1.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> ExplorerConfig {
        ExplorerConfig {
            depths: 1..=MAX_DEPTH,
            widths: WIDTHS.to_vec(),
            activations: Activation::ALL.to_vec(),
            seed: 123,
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

    /// Builds and runs every network of the grid, on all cores, and returns their reports.
    pub fn build(&self) -> Result<Explorer> {
        self.check()?;
        let settings = self.settings();
        // The networks are independent and tiny (libtorch runs each on one core), so one
        // worker per core takes every other setting; only drawing the weights is serialised.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let threads = threads.min(settings.len());
        let what = format!("explorer of {} networks", settings.len());
        let estimate = progress::estimate(self.layers(), Cost::ExplorerLayer, threads);
        let progress = Progress::start(&what, settings.len(), "networks", estimate);
        let mut reports: Vec<Option<GradientReport>> = vec![None; settings.len()];
        std::thread::scope(|scope| -> Result<()> {
            let workers: Vec<_> = (0..threads)
                .map(|first| {
                    let (settings, progress) = (&settings, &progress);
                    scope.spawn(move || {
                        (first..settings.len())
                            .step_by(threads)
                            .map(|i| {
                                let report = self.report(settings[i])?;
                                progress.advance();
                                Ok((i, report))
                            })
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            for worker in workers {
                // Workers do not panic on a grid that passed `check`; if one did, pass it on.
                let done = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (i, report) in done? {
                    reports[i] = Some(report);
                }
            }
            Ok(())
        })?;
        progress.finish();
        Ok(Explorer {
            seed: self.seed,
            depths: self.depths.clone().collect(),
            widths: self.widths.clone(),
            activations: self.activations.clone(),
            reports: reports.into_iter().flatten().collect(),
        })
    }

    /// Every (activation, width, depth, shortcut), in the order of [`Explorer::reports`].
    fn settings(&self) -> Vec<(Activation, i64, usize, Shortcut)> {
        let mut settings = Vec::new();
        for &activation in &self.activations {
            for &width in &self.widths {
                for depth in self.depths.clone() {
                    for shortcut in Shortcut::BOTH {
                        settings.push((activation, width, depth, shortcut));
                    }
                }
            }
        }
        settings
    }

    fn report(
        &self,
        (activation, width, depth, shortcut): (Activation, i64, usize, Shortcut),
    ) -> Result<GradientReport> {
        let mut model = DeepNetwork::builder(&square_sizes(width, depth))
            .activation(activation)
            .shortcut(shortcut)
            .seed(self.seed)
            .build()?;
        model.gradients(&model.default_input())
    }

    /// Refuses an empty grid, a depth outside [`limits::check_depth`] and a grid too large to
    /// send to a page.
    fn check(&self) -> Result<()> {
        let empty = |what: &'static str| Error::Invalid {
            what,
            value: "an empty list".to_owned(),
            expected: "at least one value".to_owned(),
        };
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
    fn layers(&self) -> usize {
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
