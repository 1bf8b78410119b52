//! gradflow: why deep networks need shortcut (residual) connections, in Rust.
//!
//! The seed notebook's experiment, rebuilt on `tch` and checked against PyTorch digit for
//! digit: build the seed's `ExampleDeepNeuralNetwork` ([`DeepNetwork`]), run its
//! `print_gradients` ([`DeepNetwork::gradients`]) and chart the per-layer gradients
//! ([`chart`]).
//!
//! ```
//! use gradflow::DeepNetwork;
//!
//! let mut model_without_shortcut = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).seed(123).build()?;
//! let report = model_without_shortcut.gradients(&[1.0, 0.0, -1.0])?;
//! // The seed's printed figure is twice this: its cell ran twice and gradients accumulated.
//! assert_eq!(report.lines()[4], "layers.4.0.weight has gradient mean of 0.02481495402753353");
//! # Ok::<(), gradflow::Error>(())
//! ```

pub mod chart;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
pub mod network;
pub mod report;
pub mod repr;
pub mod sweep;
pub mod train;

pub use chart::Svg;
pub use error::{Error, Result};
pub use network::{default_input, Activation, DeepNetwork, NetworkBuilder, Shortcut};
pub use report::{GradientReport, LayerGradient};
