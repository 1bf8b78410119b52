//! gradflow: why deep networks need shortcut (residual) connections, in Rust.
//!
//! The seed notebook's experiment, rebuilt on `tch` and checked against PyTorch digit for
//! digit: build the seed's `ExampleDeepNeuralNetwork` ([`DeepNetwork`]), run its
//! `print_gradients` ([`DeepNetwork::gradients`]) and chart the per-layer gradients
//! ([`chart`]).
//!
//! Dependencies point one way: [`settings`] and [`results`] are plain data; [`network`]
//! computes results with libtorch, and [`sweep`] and [`train`] run experiments through the
//! network's public API; [`chart`] draws results; the command line sits on top of them all.
//!
//! ```
//! use gradflow::DeepNetwork;
//!
//! let mut model_without_shortcut = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).seed(123).build()?;
//! let report = model_without_shortcut.gradients(&[1.0, 0.0, -1.0])?;
//! // The seed prints twice this (its cell ran twice and the gradients accumulated). The last
//! // digits depend on the CPU, so a published figure is compared within 1e-6.
//! let published = 0.04962990805506706 / 2.0;
//! assert!((f64::from(report.layers[4].weight_mean) / published - 1.0).abs() < 1e-6);
//! # Ok::<(), gradflow::Error>(())
//! ```

pub mod chart;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
pub mod explore;
pub mod limits;
pub mod network;
mod progress;
pub mod repr;
pub mod results;
pub mod settings;
pub mod sweep;
pub mod train;

pub use chart::Svg;
pub use error::{Error, Result};
pub use network::{default_input, DeepNetwork, NetworkBuilder};
pub use results::{Explorer, GradientReport, LayerGradient, Sweep, SweepPoint, Training};
pub use settings::{Activation, Shortcut};
