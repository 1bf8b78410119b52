//! The `gradflow` command: the seed's experiment from a shell, with charts saved as SVG.
//!
//! ```
//! use clap::Parser;
//! use gradflow_engine::cli::{run, Cli};
//!
//! let cli = Cli::try_parse_from(["gradflow", "grads", "--layer-sizes", "3,3,3,3,3,1", "--shortcut"]).unwrap();
//! let mut out = Vec::new();
//! run(&cli, &mut out)?;
//! let out = String::from_utf8(out).unwrap();
//! let last = out.lines().last().unwrap();
//! let mean: f64 = last.strip_prefix("layers.4.0.weight has gradient mean of ").unwrap().parse().unwrap();
//! assert!((mean / 3.140749216079712 - 1.0).abs() < 1e-6); // the seed's figure, within 1e-6
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use gradflow::chart::write_file;
use gradflow::explore::ExplorerConfig;
use gradflow::hessian::{at_step, HessianConfig};
use gradflow::landscape::LandscapeConfig;
use gradflow::network::{NetworkConfig, SEED, SEED_SIZES};
use gradflow::protocol::Drawing;
use gradflow::repr::float_repr;
use gradflow::results::GradientReport;
use gradflow::settings::{Activation, Shortcut};
use gradflow::sweep::{SweepConfig, DEPTHS, WIDTHS};
use gradflow::train::TrainConfig;

use crate::error::{Error, Result};
use crate::network::Network;
use crate::{chart, explore, hessian, landscape, serve, sweep, train};

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
    /// The first layer's mean |gradient| against depth, for each width and variant.
    Sweep {
        /// Widths of the networks, comma-separated.
        #[arg(
            long,
            value_name = "WIDTHS",
            value_delimiter = ',',
            default_values_t = WIDTHS,
            allow_hyphen_values = true
        )]
        widths: Vec<i64>,
        /// Depths (numbers of layers), comma-separated.
        #[arg(
            long,
            value_name = "DEPTHS",
            value_delimiter = ',',
            default_values_t = DEPTHS
        )]
        depths: Vec<usize>,
        /// relu, gelu, tanh or sigmoid.
        #[arg(long, default_value_t = Activation::default())]
        activation: Activation,
        /// The torch.manual_seed the weights are drawn after.
        #[arg(long, default_value_t = SEED, allow_hyphen_values = true)]
        seed: i64,
        /// Also write the chart to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Write the explorer: a page where depth, width, activation and shortcut change the
    /// chart and the printed lines at once, with no kernel (depths 1-32, widths 1-64).
    Explore {
        /// The HTML file to write.
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
        /// The torch.manual_seed the weights are drawn after.
        #[arg(long, default_value_t = SEED, allow_hyphen_values = true)]
        seed: i64,
    },
    /// Train both variants on a small regression task and chart the loss.
    Train {
        #[command(flatten)]
        network: NetworkArgs,
        /// Steps of gradient descent.
        #[arg(long, default_value_t = TrainConfig::default().steps)]
        steps: usize,
        /// The learning rate.
        #[arg(long, default_value_t = TrainConfig::default().learning_rate, allow_hyphen_values = true)]
        learning_rate: f64,
        /// Also write the loss chart to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Also write the layer × step gradient heatmap to this SVG file.
        #[arg(long, value_name = "FILE")]
        heatmap: Option<PathBuf>,
    },
    /// The loss surface of both variants along one random direction (a line) or two (a
    /// plane), directions normalised filter by filter as Li et al. normalise them.
    Landscape {
        #[command(flatten)]
        network: NetworkArgs,
        /// Steps of training first (0: the surface at initialisation).
        #[arg(long, default_value_t = LandscapeConfig::default().steps)]
        steps: usize,
        /// 1 for a line, 2 for a plane.
        #[arg(long, default_value_t = LandscapeConfig::default().directions)]
        directions: usize,
        /// Points along each direction.
        #[arg(long, default_value_t = LandscapeConfig::default().points)]
        points: usize,
        /// How far along each direction, from -SPAN to SPAN.
        #[arg(long, default_value_t = LandscapeConfig::default().span, allow_hyphen_values = true)]
        span: f64,
        /// Also write the chart to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// The Hessian of both variants along training, as PyHessian measures it: its largest
    /// eigenvalue, its negative eigenvalues, its trace and its spectrum.
    Hessian {
        #[command(flatten)]
        network: NetworkArgs,
        /// The training steps to measure after, comma-separated (0: at initialisation).
        #[arg(
            long,
            value_name = "STEPS",
            value_delimiter = ',',
            default_values_t = HessianConfig::default().at_steps
        )]
        at_steps: Vec<usize>,
        /// Power iteration's most iterations.
        #[arg(long, default_value_t = HessianConfig::default().iterations)]
        iterations: usize,
        /// Lanczos steps of the eigenvalue density.
        #[arg(long, default_value_t = HessianConfig::default().lanczos_steps)]
        lanczos_steps: usize,
        /// Also write the spectrum at the first step measured to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Also write the largest eigenvalue along training to this SVG file.
        #[arg(long, value_name = "FILE")]
        sharpness: Option<PathBuf>,
    },
    /// Compute for the notebooks: listen on this Unix socket until standard input closes
    /// (the notebooks' gradflow crate starts this itself).
    Serve {
        /// The socket to listen on.
        socket: PathBuf,
    },
}

/// The network: its sizes, activation and seed.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Input width, then each layer's width, comma-separated.
    #[arg(
        long,
        value_name = "SIZES",
        value_delimiter = ',',
        default_values_t = SEED_SIZES,
        allow_hyphen_values = true
    )]
    pub layer_sizes: Vec<i64>,
    /// relu, gelu (the book's tanh approximation), tanh or sigmoid.
    #[arg(long, default_value_t = Activation::default())]
    pub activation: Activation,
    /// The torch.manual_seed the weights (and training data) are drawn after.
    #[arg(long, default_value_t = SEED, allow_hyphen_values = true)]
    pub seed: i64,
}

/// What `grads` and `compare` share: the network, its input and where the chart goes.
#[derive(Debug, Args)]
pub struct Experiment {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// One input row, comma-separated [default: evenly spaced from 1 to -1].
    #[arg(
        long,
        value_name = "VALUES",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub input: Option<Vec<f32>>,
    /// Backward passes whose gradients are summed, as re-running the seed's cell does.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
    pub runs: u32,
    /// Also write the chart to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

impl Experiment {
    /// The report of this network with or without shortcut connections, on the given input or
    /// the network's default one.
    fn report(&self, shortcut: Shortcut) -> Result<GradientReport> {
        let NetworkArgs {
            layer_sizes,
            activation,
            seed,
        } = &self.network;
        let model = Network::new(&NetworkConfig {
            layer_sizes: layer_sizes.clone(),
            shortcut,
            activation: *activation,
            seed: *seed,
        })?;
        let input = self.input.clone().unwrap_or_else(|| model.config().default_input());
        model.accumulated_gradients(&input, self.runs)
    }
}

/// Runs a parsed command, writing its report lines to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<()> {
    match &cli.command {
        Command::Grads {
            experiment,
            shortcut,
        } => grads(experiment, Shortcut::from(*shortcut), out),
        Command::Compare { experiment } => compare(experiment, out),
        Command::Sweep {
            widths,
            depths,
            activation,
            seed,
            svg,
        } => {
            let config = SweepConfig {
                widths: widths.clone(),
                depths: depths.clone(),
                activation: *activation,
                seed: *seed,
            };
            depth_sweep(&config, svg.as_deref(), out)
        }
        Command::Explore { html, seed } => explorer(*seed, html, out),
        Command::Train {
            network,
            steps,
            learning_rate,
            svg,
            heatmap,
        } => {
            let config = TrainConfig {
                layer_sizes: network.layer_sizes.clone(),
                activation: network.activation,
                seed: network.seed,
                steps: *steps,
                learning_rate: *learning_rate,
                ..TrainConfig::default()
            };
            training(&config, svg.as_deref(), heatmap.as_deref(), out)
        }
        Command::Landscape {
            network,
            steps,
            directions,
            points,
            span,
            svg,
        } => {
            let config = LandscapeConfig {
                activation: network.activation,
                seed: network.seed,
                steps: *steps,
                directions: *directions,
                points: *points,
                span: *span,
                ..LandscapeConfig::new(&network.layer_sizes)
            };
            loss_surface(&config, svg.as_deref(), out)
        }
        Command::Hessian {
            network,
            at_steps,
            iterations,
            lanczos_steps,
            svg,
            sharpness,
        } => {
            let config = HessianConfig {
                activation: network.activation,
                seed: network.seed,
                at_steps: at_steps.clone(),
                iterations: *iterations,
                lanczos_steps: *lanczos_steps,
                ..HessianConfig::new(&network.layer_sizes)
            };
            curvature(&config, svg.as_deref(), sharpness.as_deref(), out)
        }
        Command::Serve { socket } => serve::serve(socket),
    }
}

/// `gradflow landscape`: a line per variant, and the chart.
fn loss_surface(config: &LandscapeConfig, svg: Option<&Path>, out: &mut impl Write) -> Result<()> {
    let surfaces = landscape::run(config)?;
    for surface in &surfaces {
        write_lines(out, &surface.to_string())?;
    }
    if let Some(path) = svg {
        chart::draw(&Drawing::Landscape(surfaces))?.save(path)?;
    }
    Ok(())
}

/// `gradflow hessian`: a line per variant and step, and the charts.
fn curvature(
    config: &HessianConfig,
    svg: Option<&Path>,
    sharpness: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let measured = hessian::run(config)?;
    for curvature in &measured {
        write_lines(out, &curvature.to_string())?;
    }
    if let Some(path) = svg {
        let first = config.at_steps.first().copied().unwrap_or(0);
        chart::draw(&Drawing::Spectrum(at_step(&measured, first)))?.save(path)?;
    }
    if let Some(path) = sharpness {
        chart::draw(&Drawing::Sharpness(measured))?.save(path)?;
    }
    Ok(())
}

/// `gradflow grads`: one variant's lines, and its chart.
fn grads(experiment: &Experiment, shortcut: Shortcut, out: &mut impl Write) -> Result<()> {
    let report = experiment.report(shortcut)?;
    write_lines(out, &report.to_string())?;
    if let Some(path) = &experiment.svg {
        chart::layer_chart(&report)?.save(path)?;
    }
    Ok(())
}

/// `gradflow compare`: both variants' lines, and the chart comparing them.
fn compare(experiment: &Experiment, out: &mut impl Write) -> Result<()> {
    let without = experiment.report(Shortcut::Off)?;
    let with = experiment.report(Shortcut::On)?;
    for report in [&without, &with] {
        write_lines(out, &format!("{}:\n{report}", report.shortcut.label()))?;
    }
    if let Some(path) = &experiment.svg {
        chart::compare(&without, &with)?.save(path)?;
    }
    Ok(())
}

/// `gradflow sweep`: a line per point, and the chart.
fn depth_sweep(config: &SweepConfig, svg: Option<&Path>, out: &mut impl Write) -> Result<()> {
    let sweep = sweep::run(config)?;
    write_lines(out, "width depth shortcut first_layer_mean_abs_gradient")?;
    for point in &sweep.points {
        write_lines(out, &point.to_string())?;
    }
    if let Some(path) = svg {
        chart::sweep_chart(&sweep)?.save(path)?;
    }
    Ok(())
}

/// `gradflow explore`: the explorer's page of the default grid.
fn explorer(seed: i64, html: &Path, out: &mut impl Write) -> Result<()> {
    let explorer = explore::run(&ExplorerConfig {
        seed,
        ..ExplorerConfig::default()
    })?;
    write_file(html, &chart::explorer_page(&explorer)?)?;
    let networks = explorer.reports().len();
    write_lines(
        out,
        &format!("wrote {} ({networks} networks)", html.display()),
    )
}

/// `gradflow train`: each variant's last loss, and the charts.
fn training(
    config: &TrainConfig,
    svg: Option<&Path>,
    heatmap: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    let runs = train::run(config)?;
    // Training runs at least one step (`TrainConfig::check`), so each has a last loss.
    for run in &runs {
        let last = run.losses.last().copied().unwrap_or(f32::NAN);
        let line = format!(
            "{}: loss after {} steps {}",
            run.shortcut.label(),
            run.losses.len(),
            float_repr(last.into())
        );
        write_lines(out, &line)?;
    }
    if let Some(path) = svg {
        chart::loss_chart(&runs)?.save(path)?;
    }
    if let Some(path) = heatmap {
        chart::gradient_heatmap(&runs)?.save(path)?;
    }
    Ok(())
}

fn write_lines(out: &mut impl Write, text: &str) -> Result<()> {
    writeln!(out, "{text}").map_err(|source| {
        Error(gradflow::Error::Io {
            path: "standard output".to_owned(),
            source,
        })
    })
}
