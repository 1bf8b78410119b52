//! Depth sweeps: how the first layer's gradient fades as the network gets deeper.
//!
//! A ReLU network's output is often exactly zero for a given input, and every gradient with
//! it, which would hide the trend. So each point is the average over [`NETWORKS`] networks
//! (seeds `seed`, `seed + 1`, …), each seeing a batch of [`BATCH`] inputs from U(-1, 1).
//!
//! ```
//! use gradflow::sweep::depth_sweep;
//! use gradflow::{Activation, Shortcut};
//!
//! let sweep = depth_sweep(&[3], &[2, 8], Activation::Relu, 123)?;
//! assert_eq!(sweep.points.len(), 2 * 2 * 1); // depths × variants × widths
//! let deep_with = sweep.first_layer(3, 8, Shortcut::On).unwrap();
//! let deep_without = sweep.first_layer(3, 8, Shortcut::Off).unwrap();
//! assert!(deep_with > deep_without);
//! # Ok::<(), gradflow::Error>(())
//! ```

use tch::{Device, Kind, Tensor};

use crate::network::{with_seed, Activation, DeepNetwork, Shortcut};
use crate::report::GradientReport;
use crate::Result;

/// How many inputs each network of a sweep sees at once.
pub const BATCH: i64 = 64;

/// How many networks, from consecutive seeds, each point averages.
pub const NETWORKS: i64 = 8;

/// The depths the notebook and `gradflow sweep` use: 2 to 64 layers.
pub const DEPTHS: [usize; 7] = [2, 4, 8, 16, 24, 32, 64];

/// The widths they use: the seed's 3 and a wider 32.
pub const WIDTHS: [i64; 2] = [3, 32];

/// One network of the sweep and its first layer's mean |weight gradient|.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub width: i64,
    pub depth: usize,
    pub shortcut: Shortcut,
    pub first_layer: f32,
}

/// The first-layer gradient of square networks (every layer `width` wide, then one output),
/// for each width, depth and variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub activation: Activation,
    pub seed: i64,
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The first layer's mean |gradient| of one network of the sweep.
    pub fn first_layer(&self, width: i64, depth: usize, shortcut: Shortcut) -> Option<f32> {
        self.points
            .iter()
            .find(|p| (p.width, p.depth, p.shortcut) == (width, depth, shortcut))
            .map(|p| p.first_layer)
    }

    /// The points of one width and variant, shallowest first.
    pub fn series(&self, width: i64, shortcut: Shortcut) -> Vec<(usize, f32)> {
        self.points
            .iter()
            .filter(|p| p.width == width && p.shortcut == shortcut)
            .map(|p| (p.depth, p.first_layer))
            .collect()
    }

    /// The widths in the sweep, in the order given.
    pub fn widths(&self) -> Vec<i64> {
        let mut widths: Vec<i64> = Vec::new();
        for p in &self.points {
            if !widths.contains(&p.width) {
                widths.push(p.width);
            }
        }
        widths
    }
}

/// The layer sizes of a sweep network: `depth - 1` layers of `width`, then one output.
pub fn square_sizes(width: i64, depth: usize) -> Vec<i64> {
    let mut sizes = vec![width; depth.max(1)];
    sizes.push(1);
    sizes
}

/// Builds and runs one network per width, depth and variant, all from the same seed.
pub fn depth_sweep(
    widths: &[i64],
    depths: &[usize],
    activation: Activation,
    seed: i64,
) -> Result<Sweep> {
    let mut points = Vec::new();
    for &width in widths {
        for &depth in depths {
            for shortcut in Shortcut::BOTH {
                let sizes = square_sizes(width, depth);
                let mut sum = 0.0;
                for offset in 0..NETWORKS {
                    sum += first_layer_gradient(
                        &sizes,
                        shortcut,
                        activation,
                        seed.wrapping_add(offset),
                    )?;
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
    Ok(Sweep {
        activation,
        seed,
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
    let mut model = DeepNetwork::builder(sizes)
        .shortcut(shortcut)
        .activation(activation)
        .seed(seed)
        .build()?;
    let inputs = with_seed(seed, || {
        Ok(
            Tensor::f_empty([BATCH, sizes[0]], (Kind::Float, Device::Cpu))?
                .f_uniform_(-1.0, 1.0)?,
        )
    })?;
    Ok(f64::from(
        model.report_for(&inputs, 1)?.layers[0].weight_mean,
    ))
}

/// For each activation, the reports of the network without and with shortcuts, on the
/// default input: what `chart::activation_grid` draws.
pub fn activation_pairs<S: Copy + Into<i64>>(
    layer_sizes: &[S],
    seed: i64,
) -> Result<Vec<(GradientReport, GradientReport)>> {
    let report = |activation, shortcut| -> Result<GradientReport> {
        let mut model = DeepNetwork::builder(layer_sizes)
            .activation(activation)
            .shortcut(shortcut)
            .seed(seed)
            .build()?;
        model.gradients(&model.default_input())
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
