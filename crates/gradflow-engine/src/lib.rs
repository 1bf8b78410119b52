//! gradflow's engine: the seed's network on libtorch, checked against PyTorch digit for digit,
//! its experiments and its charts, behind the `gradflow` command and the notebooks' server.
//!
//! The notebooks `:dep` the light [`gradflow`] crate, which holds settings and results and asks
//! this engine, running as `gradflow serve`, to compute and draw ([`serve`]): each request of
//! [`gradflow::protocol`] is answered in one place per concern (tensors, models, experiments
//! and charts). The command line (`gradflow grads|compare|sweep|train|explore`) and the tests
//! link the engine directly.
//!
//! Dependencies point one way: gradflow's settings and results are plain data; [`network`]
//! computes results with libtorch, and [`sweep`], [`train`] and [`explore`] run experiments
//! through the network's public API; [`chart`] draws results; the server and the command line
//! sit on top of them all.
//!
//! ```
//! use gradflow::network::NetworkConfig;
//! use gradflow_engine::network::Network;
//!
//! let model_without_shortcut = Network::new(&NetworkConfig::new(&[3, 3, 3, 3, 3, 1]).seed(123))?;
//! let report = model_without_shortcut.gradients(&[1.0, 0.0, -1.0])?;
//! // The seed prints twice this (its cell ran twice and the gradients accumulated). The last
//! // digits depend on the CPU, so a published figure is compared within 1e-6.
//! let published = 0.04962990805506706 / 2.0;
//! assert!((f64::from(report.layers[4].weight_mean) / published - 1.0).abs() < 1e-6);
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

pub mod chart;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
mod experiments;
pub mod explore;
pub mod hessian;
pub mod landscape;
mod models;
pub mod network;
pub mod peer;
pub mod print;
mod progress;
pub mod serve;
pub mod store;
pub mod sweep;
mod tensors;
pub mod train;

pub use error::{Error, Result};
