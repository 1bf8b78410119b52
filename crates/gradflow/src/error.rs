//! The one error type of the library: each variant says what was wrong and what is expected.

use thiserror::Error;

/// Everything that can go wrong in gradflow, from a bad layer size to a failed file write.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    #[error("layer_sizes needs at least two entries (the input width, then one size per layer), got {got}")]
    TooFewSizes { got: usize },

    #[error("layer_sizes[{index}] is {size}; every size must be a positive number of neurons (1 or more)")]
    NonPositiveSize { index: usize, size: i64 },

    #[error(
        "the network would need about {needed_mib} MiB for its weights and gradients, \
         more than the {limit_mib} MiB this tool allows; use fewer or narrower layers"
    )]
    TooLarge { needed_mib: u64, limit_mib: u64 },

    #[error("the input has {got} values, but the first layer expects {expected} (layer_sizes[0])")]
    InputWidth { expected: usize, got: usize },

    #[error("input[{index}] is {value}; every input value must be a finite float32 number")]
    NonFiniteInput { index: usize, value: f64 },

    #[error("unknown activation {0:?}; expected one of: relu, gelu, tanh, sigmoid")]
    UnknownActivation(String),

    #[error("runs must be at least 1 (the number of backward passes whose gradients are summed)")]
    ZeroRuns,

    #[error("{what} is {value}; it must be {expected}")]
    Invalid {
        what: &'static str,
        value: String,
        expected: String,
    },

    #[error("cannot draw a chart with no layers; compute a gradient report first")]
    EmptyReport,

    #[error("cannot compare reports of different networks: {left} layers against {right} layers")]
    ReportMismatch { left: usize, right: usize },

    #[error("cannot chart a sweep with no points; sweep at least one width and one depth")]
    EmptySweep,

    #[error("cannot chart a training of no steps; train for at least one step")]
    EmptyTraining,

    #[error(
        "cannot chart trainings of different lengths together: {left} steps against {right} steps; \
         train both with one config (train_both)"
    )]
    TrainingMismatch { left: usize, right: usize },

    #[error("cannot show an explorer with no settings; build it with at least one depth, width and activation")]
    EmptyExplorer,

    #[error("drawing the chart failed: {0}")]
    Chart(#[source] Box<dyn std::error::Error + Send + Sync>),

    #[error("writing {path} failed: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },

    #[error(transparent)]
    Torch(#[from] tch::TchError),
}

/// `Result` with gradflow's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
