//! Depth sweeps, computed: how the first layer's gradient fades as the network gets deeper.
//! What to sweep, and why each point averages several networks, is
//! [`gradflow::sweep::SweepConfig`]'s to say.
//!
//! ```
//! use gradflow::sweep::SweepConfig;
//! use gradflow::Shortcut;
//!
//! let config = SweepConfig { widths: vec![3], depths: vec![2, 8], ..SweepConfig::default() };
//! let sweep = gradflow_engine::sweep::run(&config)?;
//! assert_eq!(sweep.points.len(), 2 * 2 * 1); // depths × variants × widths
//! let deep_with = sweep.first_layer(3, 8, Shortcut::On).unwrap();
//! let deep_without = sweep.first_layer(3, 8, Shortcut::Off).unwrap();
//! assert!(deep_with > deep_without);
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use gradflow::network::NetworkConfig;
use gradflow::results::{GradientReport, Sweep, SweepPoint};
use gradflow::settings::{Activation, Shortcut};
use gradflow::sweep::{square_sizes, SweepConfig, BATCH, NETWORKS};

use crate::error::Result;
use crate::network::{uniform_inputs, Network};
use crate::progress::{self, Cost, Progress};

/// Builds and runs the networks of every width, depth and variant of `config`.
pub fn run(config: &SweepConfig) -> Result<Sweep> {
    config.check()?;
    let networks =
        config.widths.len() * config.depths.len() * Shortcut::BOTH.len() * NETWORKS as usize;
    let what = format!("depth sweep of {networks} networks");
    let estimate = progress::estimate(config.layers(), Cost::SweepLayer, 1);
    let progress = Progress::start(&what, networks, "networks", estimate);
    let mut points = Vec::new();
    for &width in &config.widths {
        for &depth in &config.depths {
            for shortcut in Shortcut::BOTH {
                let sizes = square_sizes(width, depth);
                let mut sum = 0.0;
                for offset in 0..NETWORKS {
                    let seed = config.seed.wrapping_add(offset);
                    sum += first_layer_gradient(&sizes, shortcut, config.activation, seed)?;
                    progress.advance();
                }
                let first_layer = (sum / NETWORKS as f64) as f32;
                points.push(SweepPoint {
                    width,
                    depth,
                    shortcut,
                    first_layer,
                });
            }
        }
    }
    progress.finish();
    Ok(Sweep {
        activation: config.activation,
        seed: config.seed,
        points,
    })
}

/// The first layer's mean |weight gradient| of one network on one batch, both from `seed`.
fn first_layer_gradient(
    sizes: &[i64],
    shortcut: Shortcut,
    activation: Activation,
    seed: i64,
) -> Result<f64> {
    let config = NetworkConfig {
        layer_sizes: sizes.to_vec(),
        shortcut,
        activation,
        seed,
    };
    let model = Network::new(&config)?;
    let inputs = uniform_inputs(BATCH, sizes[0] as usize, seed)?;
    let report = model.batch_gradients(&inputs, BATCH)?;
    Ok(f64::from(report.layers[0].weight_mean))
}

/// For each activation, the reports of the network of `layer_sizes` without and with
/// shortcuts, from `seed`, on the default input: what [`gradflow::sweep::activation_pairs`]
/// asks for and `chart::activation_grid` draws.
pub fn activation_pairs(
    layer_sizes: &[i64],
    seed: i64,
) -> Result<Vec<(GradientReport, GradientReport)>> {
    let report = |activation, shortcut| -> Result<GradientReport> {
        let config = NetworkConfig {
            shortcut,
            activation,
            seed,
            ..NetworkConfig::new(layer_sizes)
        };
        Network::new(&config)?.gradients(&config.default_input())
    };
    Activation::ALL
        .into_iter()
        .map(|activation| {
            Ok((
                report(activation, Shortcut::Off)?,
                report(activation, Shortcut::On)?,
            ))
        })
        .collect()
}
