//! Gradient reports: what the seed's `print_gradients` prints, kept as numbers.
//!
//! ```
//! use gradflow::{DeepNetwork, Shortcut};
//!
//! let mut model = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).shortcut(Shortcut::On).build()?;
//! let report = model.gradients(&[1.0, 0.0, -1.0])?;
//! // The seed's first line with shortcut connections, checked against PyTorch 2.13.
//! assert_eq!(report.lines()[0], "layers.0.0.weight has gradient mean of 0.5557742714881897");
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;

use tch::{Kind, Tensor};

use crate::chart::{self, Svg};
use crate::network::{Activation, DeepNetwork, Shortcut};
use crate::repr::float_repr;
use crate::Result;

/// The gradients of one layer after a backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerGradient {
    /// The weight's name as PyTorch's `named_parameters` gives it, e.g. `layers.0.0.weight`.
    pub name: String,
    /// Mean of |∂loss/∂weight|: the number the seed prints.
    pub weight_mean: f32,
    /// Largest |∂loss/∂weight|.
    pub weight_max: f32,
    /// Mean of |∂loss/∂bias|.
    pub bias_mean: f32,
    /// Largest |∂loss/∂bias|.
    pub bias_max: f32,
}

/// Per-layer gradients of one network for one input, and the settings that produced them.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientReport {
    /// One entry per layer, from the input side to the output side.
    pub layers: Vec<LayerGradient>,
    /// The network's sizes, input width first.
    pub layer_sizes: Vec<i64>,
    /// Whether the network used shortcut connections.
    pub shortcut: Shortcut,
    /// The activation after each Linear layer.
    pub activation: Activation,
    /// The seed the weights were drawn after.
    pub seed: i64,
    /// How many backward passes were summed (1 unless accumulated).
    pub runs: u32,
    /// The loss of the last pass.
    pub loss: f64,
}

impl GradientReport {
    pub(crate) fn collect(network: &DeepNetwork, runs: u32, loss: f64) -> Result<Self> {
        let layers = network
            .linears()
            .iter()
            .enumerate()
            .map(|(i, linear)| {
                let (weight_mean, weight_max) = mean_and_max_abs(&linear.ws.f_grad()?)?;
                let (bias_mean, bias_max) = match &linear.bs {
                    Some(bias) => mean_and_max_abs(&bias.f_grad()?)?,
                    None => (0.0, 0.0),
                };
                let name = format!("layers.{i}.0.weight");
                Ok(LayerGradient {
                    name,
                    weight_mean,
                    weight_max,
                    bias_mean,
                    bias_max,
                })
            })
            .collect::<Result<_>>()?;
        Ok(GradientReport {
            layers,
            layer_sizes: network.layer_sizes().to_vec(),
            shortcut: network.shortcut(),
            activation: network.activation(),
            seed: network.seed(),
            runs,
            loss,
        })
    }

    /// The mean absolute weight gradient of each layer, input side first.
    pub fn weight_means(&self) -> Vec<f32> {
        self.layers.iter().map(|layer| layer.weight_mean).collect()
    }

    /// The seed's printed lines, one per layer.
    pub fn lines(&self) -> Vec<String> {
        self.layers
            .iter()
            .map(|layer| {
                let mean = float_repr(f64::from(layer.weight_mean));
                format!("{} has gradient mean of {mean}", layer.name)
            })
            .collect()
    }

    /// A bar chart of this report's per-layer mean |gradient|.
    pub fn chart(&self) -> Result<Svg> {
        chart::layer_chart(self)
    }

    /// Shows the printed lines as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

/// `grad.abs().mean()` and `grad.abs().max()` as float32; an undefined gradient counts as zero.
fn mean_and_max_abs(grad: &Tensor) -> Result<(f32, f32)> {
    if !grad.defined() {
        return Ok((0.0, 0.0));
    }
    let abs = grad.f_abs()?;
    let mean = abs.f_mean(Kind::Float)?.f_double_value(&[])?;
    let max = abs.f_max()?.f_double_value(&[])?;
    Ok((mean as f32, max as f32))
}

/// The lines exactly as the seed's `print_gradients` prints them.
impl fmt::Display for GradientReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}
