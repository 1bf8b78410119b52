//! The engine's error: gradflow's own [`gradflow::Error`], which `?` also makes from libtorch's
//! and plotters' errors. (Rust's orphan rule keeps those conversions out of the light crate,
//! which must not depend on tch or plotters.)

use std::fmt;

use plotters::drawing::DrawingAreaErrorKind;

/// A [`gradflow::Error`] raised in the engine; `.0` (or `gradflow::Error::from`) is the variant.
#[derive(Debug)]
pub struct Error(pub gradflow::Error);

/// `Result` with the engine's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<gradflow::Error> for Error {
    fn from(error: gradflow::Error) -> Self {
        Error(error)
    }
}

impl From<Error> for gradflow::Error {
    fn from(error: Error) -> Self {
        error.0
    }
}

/// libtorch's message as PyTorch shows it: its first line, without the C++ stack under it.
impl From<tch::TchError> for Error {
    fn from(error: tch::TchError) -> Self {
        let message = match error {
            tch::TchError::Torch(message) => message.lines().next().unwrap_or("").to_owned(),
            other => other.to_string(),
        };
        Error(gradflow::Error::Torch(message))
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<DrawingAreaErrorKind<E>> for Error {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        Error(gradflow::Error::Chart(error.to_string()))
    }
}
