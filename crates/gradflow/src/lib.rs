//! gradflow: why deep networks need shortcut (residual) connections, in Rust notebooks.
//!
//! The seed notebook's experiment, checked against PyTorch digit for digit: build the seed's
//! `ExampleDeepNeuralNetwork` ([`DeepNetwork`]), run its `print_gradients`
//! ([`DeepNetwork::gradients`]) and chart the per-layer gradients ([`chart`]).
//!
//! This is the crate a notebook `:dep`s, so it is kept light: settings, plain results and a
//! client, and no libtorch. The engine (the `gradflow-engine` crate, whose `gradflow` program
//! links libtorch) computes and draws on the other side of a socket ([`engine`], [`wire`]);
//! every number crosses it bit for bit.
//!
//! Dependencies point one way: [`settings`], [`limits`] and [`results`] are plain data;
//! [`network`], [`sweep`], [`train`], [`explore`] and [`chart`] hold an experiment's settings
//! and ask the [`engine`] for its results.
//!
//! ```
//! use gradflow::{DeepNetwork, Shortcut};
//!
//! let model = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).shortcut(Shortcut::On).build()?;
//! assert_eq!(model.to_string().lines().nth(2), Some("    (0-3): 4 x Sequential("));
//! let too_narrow = DeepNetwork::builder(&[3, 0, 1]).build().unwrap_err();
//! assert_eq!(
//!     too_narrow.to_string(),
//!     "layer_sizes[1] is 0; every size must be a positive number of neurons (1 or more)"
//! );
//! # Ok::<(), gradflow::Error>(())
//! ```

pub mod chart;
pub mod engine;
mod error;
pub mod explore;
pub mod limits;
pub mod network;
pub mod repr;
pub mod results;
pub mod settings;
mod socket;
pub mod sweep;
pub mod train;
pub mod wire;

pub use chart::Svg;
pub use error::{Error, Result};
pub use explore::ExplorerConfig;
pub use network::{default_input, DeepNetwork, NetworkConfig};
pub use results::{Explorer, GradientReport, LayerGradient, Sweep, SweepPoint, Training};
pub use settings::{Activation, Shortcut};
