//! The one error type of gradflow, on both sides of the engine's boundary: each variant says what
//! was wrong and what is expected. An error raised in the engine reaches a notebook cell as the
//! same variant (see the `wire` module).

use std::fmt;

/// Everything that can go wrong in gradflow, from a bad layer size to an engine that is missing.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    TooFewSizes {
        got: usize,
    },
    NonPositiveSize {
        index: usize,
        size: i64,
    },
    TooLarge {
        needed_mib: u64,
        limit_mib: u64,
    },
    InputWidth {
        expected: usize,
        got: usize,
    },
    NonFiniteInput {
        index: usize,
        value: f64,
    },
    UnknownActivation(String),
    ZeroRuns,
    Invalid {
        what: String,
        value: String,
        expected: String,
    },
    EmptyReport,
    ReportMismatch {
        left: usize,
        right: usize,
    },
    EmptySweep,
    EmptyTraining,
    TrainingMismatch {
        left: usize,
        right: usize,
    },
    EmptyExplorer,
    /// Drawing a chart failed; the message is plotters'.
    Chart(String),
    Io {
        path: String,
        source: std::io::Error,
    },
    /// libtorch refused an operation; the message is libtorch's.
    Torch(String),
    /// The engine that computes for a notebook is missing, failed to start or stopped.
    Engine(String),
    /// The engine has no tensor operation of that name; `known` lists those it has.
    UnknownOperation {
        name: String,
        known: String,
    },
}

impl Error {
    /// The error for a value of an engine that no longer runs: the client's, where no engine
    /// answers, and the engine's, for a handle of an earlier one.
    pub fn engine_stopped_since() -> Self {
        Error::Engine(
            "that made this tensor or model has stopped since, and its values with it; run again \
             the cells that made them, from the one that builds the model"
                .to_owned(),
        )
    }

    /// The error for a setting `what` whose `value` is not the `expected` one.
    pub fn invalid(
        what: impl Into<String>,
        value: impl fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            what: what.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooFewSizes { got } => write!(
                f,
                "layer_sizes needs at least two entries (the input width, then one size per layer), got {got}"
            ),
            Error::NonPositiveSize { index, size } => write!(
                f,
                "layer_sizes[{index}] is {size}; every size must be a positive number of neurons (1 or more)"
            ),
            Error::TooLarge { needed_mib, limit_mib } => write!(
                f,
                "the network would need about {needed_mib} MiB for its weights and gradients, \
                 more than the {limit_mib} MiB this tool allows; use fewer or narrower layers"
            ),
            Error::InputWidth { expected, got } => write!(
                f,
                "the input has {got} values, but the first layer expects {expected} (layer_sizes[0])"
            ),
            Error::NonFiniteInput { index, value } => write!(
                f,
                "input[{index}] is {value}; every input value must be a finite float32 number"
            ),
            Error::UnknownActivation(name) => write!(
                f,
                "unknown activation {name:?}; expected one of: relu, gelu, tanh, sigmoid"
            ),
            Error::ZeroRuns => f.write_str(
                "runs must be at least 1 (the number of backward passes whose gradients are summed)",
            ),
            Error::Invalid { what, value, expected } => {
                write!(f, "{what} is {value}; it must be {expected}")
            }
            Error::EmptyReport => {
                f.write_str("cannot draw a chart with no layers; compute a gradient report first")
            }
            Error::ReportMismatch { left, right } => write!(
                f,
                "cannot compare reports of different networks: {left} layers against {right} layers"
            ),
            Error::EmptySweep => f.write_str(
                "cannot chart a sweep with no points; sweep at least one width and one depth",
            ),
            Error::EmptyTraining => {
                f.write_str("cannot chart a training of no steps; train for at least one step")
            }
            Error::TrainingMismatch { left, right } => write!(
                f,
                "cannot chart trainings of different lengths together: {left} steps against {right} steps; \
                 train both with one config (`TrainConfig::run`)"
            ),
            Error::EmptyExplorer => f.write_str(
                "cannot show an explorer with no settings; build it with at least one depth, width and activation",
            ),
            Error::Chart(message) => write!(f, "drawing the chart failed: {message}"),
            Error::Io { path, source } => write!(f, "writing {path} failed: {source}"),
            Error::Torch(message) => f.write_str(message),
            Error::Engine(message) => write!(f, "the gradflow engine {message}"),
            Error::UnknownOperation { name, known } => write!(
                f,
                "the gradflow engine has no tensor operation {name:?}; it has: {known}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Result` with gradflow's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
