//! The instant explorer, computed: the gradients of every network on a grid of depths, widths,
//! activations and both variants, once, so that a page can show any of them at once. Which
//! grid is [`gradflow::explore::ExplorerConfig`]'s to say.
//!
//! ```
//! use gradflow::{Activation, ExplorerConfig, Shortcut};
//!
//! let config = ExplorerConfig { depths: 1..=6, widths: vec![3], ..Default::default() };
//! let explorer = gradflow_engine::explore::run(&config)?;
//! let seed = explorer.report(5, 3, Activation::Relu, Shortcut::On).unwrap();
//! assert_eq!(seed.layer_sizes, [3, 3, 3, 3, 3, 1]); // the seed's network, with its lines
//! assert_eq!(explorer.reports().len(), 6 * 4 * 2); // depths × activations × variants
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::explore::ExplorerConfig;
use gradflow::network::NetworkConfig;
use gradflow::results::{Explorer, GradientReport};

use crate::error::Result;
use crate::network::Network;
use crate::progress::{self, Cost, Progress};

/// Builds and runs every network of the grid, on all cores, and returns their reports.
pub fn run(config: &ExplorerConfig) -> Result<Explorer> {
    config.check()?;
    let networks = config.networks();
    // The networks are independent and tiny (libtorch runs each on one core), so one
    // worker per core takes every other setting; only drawing the weights is serialised.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = threads.min(networks.len());
    let what = format!("explorer of {} networks", networks.len());
    let estimate = progress::estimate(config.layers(), Cost::ExplorerLayer, threads);
    let progress = Progress::start(&what, networks.len(), "networks", estimate);
    let mut reports: Vec<Option<GradientReport>> = vec![None; networks.len()];
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|first| {
                let (networks, progress) = (&networks, &progress);
                scope.spawn(move || {
                    (first..networks.len())
                        .step_by(threads)
                        .map(|i| {
                            let report = report(&networks[i])?;
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
    let reports = reports.into_iter().flatten().collect();
    // Every worker answered for every one of its networks, so this is the whole grid.
    config
        .explorer(reports)
        .ok_or_else(|| gradflow::Error::EmptyExplorer.into())
}

/// The report of one network of the grid on the default input.
fn report(config: &NetworkConfig) -> Result<GradientReport> {
    Network::new(config)?.gradients(&config.default_input())
}
