//! gradflow: why deep networks need shortcut (residual) connections, in Rust notebooks.
//!
//! The seed notebook's experiment, checked against PyTorch digit for digit: build the seed's
//! `ExampleDeepNeuralNetwork` ([`DeepNetwork`]), run its `print_gradients` on [`Tensor`]s as
//! the seed writes it, and chart the per-layer gradients ([`chart`]).
//!
//! This is the crate a notebook `:dep`s, so it is kept light: settings, plain results, and
//! handles to tensors and models that live in the engine (the `gradflow-engine` crate, whose
//! `gradflow` program links libtorch and runs beside the kernel). Every number crosses the
//! boundary bit for bit.
//!
//! Dependencies point one way: [`settings`], [`limits`], [`repr`] and [`results`] are plain
//! data; [`tensor`], [`nn`] and [`network`] are handles; [`sweep`], [`train`], [`explore`],
//! [`landscape`], [`hessian`] and [`chart`] hold an experiment's settings; all of them ask the
//! engine through one client.
//!
//! ```
//! use gradflow::{DeepNetwork, Shortcut};
//!
//! let config = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).shortcut(Shortcut::On);
//! assert_eq!(config.to_string().lines().nth(2), Some("    (0-3): 4 x Sequential("));
//! ```

pub mod chart;
#[doc(hidden)]
pub mod client;
mod error;
pub mod explore;
pub mod hessian;
pub mod landscape;
pub mod limits;
pub mod network;
pub mod nn;
#[doc(hidden)]
pub mod protocol;
pub mod repr;
pub mod results;
pub mod settings;
mod socket;
pub mod sweep;
pub mod tensor;
pub mod train;
#[doc(hidden)]
pub mod wire;

pub use error::{Error, Result};
pub use network::{default_input, DeepNetwork};
pub use results::{
    Curvature, Explorer, GradientReport, LayerGradient, Surface, Svg, Sweep, SweepPoint, Training,
};
pub use settings::{
    Activation, Device, ExplorerConfig, HessianConfig, Kind, LandscapeConfig, NetworkConfig,
    Reduction, Shortcut,
};
pub use tensor::{manual_seed, PyFloat, Tensor};
