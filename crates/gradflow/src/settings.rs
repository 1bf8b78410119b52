//! The two choices that define a network besides its sizes: shortcut connections and the
//! activation. Plain data with names and parsing; the network module gives them meaning.
//!
//! ```
//! use gradflow::{Activation, Shortcut};
//!
//! assert_eq!("gelu".parse::<Activation>()?, Activation::Gelu);
//! assert_eq!(Shortcut::from(true).label(), "with shortcut");
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::wire::wire_enum;
use crate::Error;

/// Whether each layer adds its input to its output (the seed's `use_shortcut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Shortcut {
    /// `use_shortcut=False`: every layer's output replaces its input.
    #[default]
    Off,
    /// `use_shortcut=True`: `x = x + layer(x)` wherever the shapes match.
    On,
}

impl Shortcut {
    /// Both variants, in the order the seed runs them.
    pub const BOTH: [Shortcut; 2] = [Shortcut::Off, Shortcut::On];

    /// "without shortcut" or "with shortcut", as chart legends say it.
    pub fn label(self) -> &'static str {
        match self {
            Shortcut::Off => "without shortcut",
            Shortcut::On => "with shortcut",
        }
    }
}

impl From<bool> for Shortcut {
    fn from(use_shortcut: bool) -> Self {
        if use_shortcut {
            Shortcut::On
        } else {
            Shortcut::Off
        }
    }
}

/// The non-linearity after each Linear layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `nn.ReLU()`, the seed's choice.
    #[default]
    Relu,
    /// The book's GELU, the tanh approximation written out op by op.
    Gelu,
    /// `nn.Tanh()`.
    Tanh,
    /// `nn.Sigmoid()`.
    Sigmoid,
}

impl Activation {
    /// Every activation, in a fixed order for sweeps and charts.
    pub const ALL: [Activation; 4] = [
        Activation::Relu,
        Activation::Gelu,
        Activation::Tanh,
        Activation::Sigmoid,
    ];

    /// The module's name as PyTorch prints it.
    pub fn module_name(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::Gelu => "GELU",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
        }
    }

    /// The lower-case name that `FromStr` reads and the command line takes.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::UnknownActivation(name.to_owned()))
    }
}

wire_enum!(Shortcut { 0 => Off, 1 => On });
wire_enum!(Activation { 0 => Relu, 1 => Gelu, 2 => Tanh, 3 => Sigmoid });
