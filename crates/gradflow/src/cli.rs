//! The `gradflow` command: the seed's experiment from a shell, with charts saved as SVG.
//!
//! ```
//! use clap::Parser;
//! use gradflow::cli::{run, Cli};
//!
//! let cli = Cli::try_parse_from(["gradflow", "grads", "--layer-sizes", "3,3,3,3,3,1", "--shortcut"]).unwrap();
//! let mut out = Vec::new();
//! run(&cli, &mut out)?;
//! let out = String::from_utf8(out).unwrap();
//! assert_eq!(out.lines().last(), Some("layers.4.0.weight has gradient mean of 3.140749216079712"));
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};

use crate::network::{default_input, Activation, DeepNetwork, Shortcut};
use crate::report::GradientReport;
use crate::{chart, Error, Result};

/// Vanishing gradients and the shortcut connections that cure them.
#[derive(Debug, Parser)]
#[command(name = "gradflow", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print each layer's mean |weight gradient|, as the seed's print_gradients does.
    Grads {
        #[command(flatten)]
        experiment: Experiment,
        /// Add shortcut connections (the seed's use_shortcut=True).
        #[arg(long)]
        shortcut: bool,
    },
    /// Run the network without and then with shortcut connections, and chart both.
    Compare {
        #[command(flatten)]
        experiment: Experiment,
    },
}

/// What both subcommands share: the network, its input and where the chart goes.
#[derive(Debug, Args)]
pub struct Experiment {
    /// Input width, then each layer's width, comma-separated.
    #[arg(long, value_name = "SIZES", default_value = "3,3,3,3,3,1", allow_hyphen_values = true)]
    layer_sizes: List<i64>,
    /// relu, gelu (the book's tanh approximation), tanh or sigmoid.
    #[arg(long, default_value = "relu")]
    activation: Activation,
    /// The torch.manual_seed the weights are drawn after.
    #[arg(long, default_value_t = 123, allow_hyphen_values = true)]
    seed: i64,
    /// One input row, comma-separated [default: evenly spaced from 1 to -1].
    #[arg(long, value_name = "VALUES", allow_hyphen_values = true)]
    input: Option<List<f32>>,
    /// Backward passes whose gradients are summed, as re-running the seed's cell does.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
    runs: u32,
    /// Also write the chart to this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

impl Experiment {
    fn report(&self, shortcut: Shortcut) -> Result<GradientReport> {
        let sizes = &self.layer_sizes.0;
        let mut model = DeepNetwork::builder(sizes)
            .shortcut(shortcut)
            .activation(self.activation)
            .seed(self.seed)
            .build()?;
        let input = match &self.input {
            Some(input) => input.0.clone(),
            None => default_input(sizes[0] as usize),
        };
        model.accumulated_gradients(&input, self.runs)
    }
}

/// A comma-separated list such as `3,3,1` or `1,0,-1`.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<T: FromStr> FromStr for List<T> {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        text.split(',')
            .map(|item| {
                item.trim().parse().map_err(|_| Error::Parse {
                    what: "a comma-separated list of numbers",
                    text: text.to_owned(),
                    reason: format!("{:?} is not a number of the expected kind", item.trim()),
                })
            })
            .collect::<Result<_>>()
            .map(List)
    }
}

/// Runs a parsed command, writing its report lines to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<()> {
    match &cli.command {
        Command::Grads { experiment, shortcut } => {
            let report = experiment.report(Shortcut::from(*shortcut))?;
            write_lines(out, &report.to_string())?;
            if let Some(path) = &experiment.svg {
                report.chart()?.save(path)?;
            }
        }
        Command::Compare { experiment } => {
            let without = experiment.report(Shortcut::Off)?;
            let with = experiment.report(Shortcut::On)?;
            for report in [&without, &with] {
                write_lines(out, &format!("{}:\n{report}", report.shortcut.label()))?;
            }
            if let Some(path) = &experiment.svg {
                chart::compare(&without, &with)?.save(path)?;
            }
        }
    }
    Ok(())
}

fn write_lines(out: &mut impl Write, text: &str) -> Result<()> {
    writeln!(out, "{text}").map_err(|source| Error::Io { path: "standard output".to_owned(), source })
}
