//! The seed's `ExampleDeepNeuralNetwork`: one Linear + activation per layer, with a
//! shortcut (residual) connection wherever a layer's input and output shapes match.
//!
//! Its weights are drawn exactly as PyTorch draws them after `torch.manual_seed(seed)`,
//! and its forward and backward passes create the same ops in the same order, so its
//! gradients are PyTorch's to the last bit on the same machine.
//!
//! A notebook's [`gradflow::DeepNetwork`] names one of these, kept in the engine's store; the
//! engine's experiments build thousands.
//!
//! ```
//! use gradflow::network::NetworkConfig;
//! use gradflow_engine::network::Network;
//!
//! let model = Network::new(&NetworkConfig::new(&[3, 3, 3, 3, 3, 1]).seed(123))?;
//! assert_eq!(model.parameters().len(), 2 * 5);
//! // torch: model.layers[0][0].weight[0, 0], drawn by the CPU-independent generator.
//! let first_weight = model.parameters()[0].f_double_value(&[0, 0])? as f32;
//! assert_eq!(first_weight, -0.23542964);
//! # Ok::<(), gradflow_engine::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use tch::nn::{self, Init};
use tch::{Device, Kind, Reduction, Tensor};

use gradflow::limits::fits_in_memory;
use gradflow::network::NetworkConfig;
use gradflow::results::{GradientReport, LayerGradient};
use gradflow::settings::{Activation, Shortcut};

use crate::error::Result;

/// `activation(xs)`, with the ops PyTorch's modules use.
fn activate(activation: Activation, xs: &Tensor) -> Result<Tensor> {
    Ok(match activation {
        Activation::Relu => xs.f_relu()?,
        Activation::Gelu => gelu_tanh(xs)?,
        Activation::Tanh => xs.f_tanh()?,
        Activation::Sigmoid => xs.f_sigmoid()?,
    })
}

/// The book's GELU, `0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))`, evaluated op by op in
/// the order Python evaluates the book's expression. The order matters to the last bit: the
/// three gradients flowing into `x` are summed in the order their ops were created.
fn gelu_tanh(x: &Tensor) -> Result<Tensor> {
    let half_x = x.f_mul_scalar(0.5)?;
    // torch.sqrt(torch.tensor(2.0 / torch.pi)): a float32 tensor, then its square root.
    let sqrt_2_over_pi =
        Tensor::f_scalar_tensor(2.0 / std::f64::consts::PI, (Kind::Float, x.device()))?.f_sqrt()?;
    let inner = x.f_add(&x.f_pow_tensor_scalar(3)?.f_mul_scalar(0.044715)?)?;
    let tanh = sqrt_2_over_pi.f_mul(&inner)?.f_tanh()?;
    Ok(half_x.f_mul(&tanh.f_add_scalar(1)?)?)
}

/// `rows` inputs of `width` values from U(-1, 1), drawn as
/// `torch.manual_seed(seed); torch.empty(rows, width).uniform_(-1, 1)` draws them, row after row.
pub fn uniform_inputs(rows: usize, width: usize, seed: i64) -> Result<Vec<f32>> {
    fits_in_memory(
        (rows as u128)
            .saturating_mul(width as u128)
            .saturating_mul(4),
    )?;
    let inputs = with_seed(Some(seed), || {
        let shape = [rows as i64, width as i64];
        Ok(Tensor::f_empty(shape, (Kind::Float, Device::Cpu))?.f_uniform_(-1.0, 1.0)?)
    })?;
    Ok(Vec::<f32>::try_from(inputs.f_flatten(0, -1)?)?)
}

/// libtorch has one global random generator: hold this lock from seeding to the last draw,
/// so that two networks built at once (tests run in threads) each get their own seed's weights.
/// It counts the draws, so that a notebook drawing layer after layer can tell whether anything
/// else drew in between ([`draw_after`]).
static GENERATOR: Mutex<u64> = Mutex::new(0);

/// Runs `draw` right after `torch.manual_seed(seed)` (or, without a seed, from the generator's
/// state), with the generator to itself.
pub fn with_seed<T>(seed: Option<i64>, draw: impl FnOnce() -> Result<T>) -> Result<T> {
    // A panic elsewhere cannot leave a counter inconsistent, so a poisoned lock is fine.
    let mut draws = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *draws += 1;
    if let Some(seed) = seed {
        tch::manual_seed(seed);
    }
    draw()
}

/// Runs `draw` with the generator where the last draw of the same notebook left it (`last`,
/// the count [`GENERATOR`] had after it): where nothing drew in between, as it is; otherwise
/// seeded with `seed` and brought there by `replay`, which draws again everything drawn since
/// the seed. `None` (after `manual_seed`) seeds and replays. Each layer of a notebook's model
/// so costs one draw, unless an experiment drew in between.
pub fn draw_after<T>(
    seed: i64,
    last: &mut Option<u64>,
    replay: impl FnOnce() -> Result<()>,
    draw: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let mut draws = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *last != Some(*draws) {
        tch::manual_seed(seed);
        replay()?;
    }
    *draws += 1;
    *last = Some(*draws);
    draw()
}

/// `nn.Linear(fan_in, fan_out, bias)` with PyTorch's default initialisation, drawn in its
/// order from the generator's current state: `kaiming_uniform_(weight, a=sqrt(5))`, then the
/// bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
pub fn pytorch_linear(path: &nn::Path, fan_in: i64, fan_out: i64, bias: bool) -> Result<nn::Linear> {
    let a = 5f64.sqrt();
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    let weight_bound = 3f64.sqrt() * gain / (fan_in as f64).sqrt();
    let bias_bound = 1.0 / (fan_in as f64).sqrt();
    let ws = path.f_var("weight", &[fan_out, fan_in], uniform(weight_bound))?;
    let bs = match bias {
        true => Some(path.f_var("bias", &[fan_out], uniform(bias_bound))?),
        false => None,
    };
    Ok(nn::Linear { ws, bs })
}

fn uniform(bound: f64) -> Init {
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// The seed's `ExampleDeepNeuralNetwork`, for any depth, with its tensors.
pub struct Network {
    /// Where the parameters were made; `layers` holds them in PyTorch's order.
    _vs: nn::VarStore,
    layers: Vec<nn::Linear>,
    /// The parameters with the names the var store gave them, in PyTorch's order.
    named: Vec<(String, Tensor)>,
    config: NetworkConfig,
}

impl Network {
    /// Checks `config` and draws the weights of its network after `torch.manual_seed(seed)`,
    /// in PyTorch's order.
    pub fn new(config: &NetworkConfig) -> Result<Network> {
        config.check()?;
        let vs = nn::VarStore::new(Device::Cpu);
        let paths: Vec<nn::Path> = (0..config.depth())
            .map(|i| vs.root() / "layers" / i / 0)
            .collect();
        let layers = with_seed(Some(config.seed), || {
            (paths.iter().zip(config.layer_sizes.windows(2)))
                .map(|(path, w)| pytorch_linear(path, w[0], w[1], true))
                .collect::<Result<Vec<_>>>()
        })?;
        let named = (paths.iter().zip(&layers))
            .flat_map(|(path, layer)| {
                let weight = (path.path("weight"), layer.ws.shallow_clone());
                let bias = (layer.bs.as_ref()).map(|bs| (path.path("bias"), bs.shallow_clone()));
                std::iter::once(weight).chain(bias)
            })
            .collect();
        Ok(Network {
            _vs: vs,
            layers,
            named,
            config: config.clone(),
        })
    }

    /// The config the network was built with.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// PyTorch's `model.parameters()`: each layer's weight, then its bias, input side first.
    /// They share storage with the network, so an optimiser can update them in place.
    pub fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// PyTorch's `model.named_parameters()`: `layers.0.0.weight`, `layers.0.0.bias`, …
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        (self.named.iter())
            .map(|(name, tensor)| (name.clone(), tensor.shallow_clone()))
            .collect()
    }

    /// The seed's `forward`: each layer's output replaces `x`, or is added to it when the
    /// shortcut is on and the shapes match.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut x = xs.shallow_clone();
        for layer in &self.layers {
            let linear = x.f_linear(&layer.ws, layer.bs.as_ref())?;
            let layer_output = activate(self.config.activation, &linear)?;
            x = if self.config.shortcut == Shortcut::On && x.size() == layer_output.size() {
                x.f_add(&layer_output)?
            } else {
                layer_output
            };
        }
        Ok(x)
    }

    /// The seed's `print_gradients` without the printing: one forward and backward pass on
    /// `input` against a zero target, then each layer's mean absolute gradient.
    ///
    /// Gradients are zeroed first, so calling it again gives the same report. The input is
    /// one row of `layer_sizes[0]` values, rounded to float32 as `torch.tensor` rounds them.
    pub fn gradients<T: Copy + Into<f64>>(&self, input: &[T]) -> Result<GradientReport> {
        self.accumulated_gradients(input, 1)
    }

    /// Like [`gradients`](Self::gradients), but sums the gradients of `runs` passes, as
    /// re-running the seed's Python cell `runs` times on one model does.
    pub fn accumulated_gradients<T: Copy + Into<f64>>(
        &self,
        input: &[T],
        runs: u32,
    ) -> Result<GradientReport> {
        if runs == 0 {
            return Err(gradflow::Error::ZeroRuns.into());
        }
        let xs = self.input_tensor(input, 1)?;
        self.passes(&xs, runs)
    }

    /// Like [`gradients`](Self::gradients), for a batch of `rows` inputs given row after row
    /// in `inputs`; the loss averages over the batch, as `nn.MSELoss` does.
    pub fn batch_gradients<T: Copy + Into<f64>>(
        &self,
        inputs: &[T],
        rows: usize,
    ) -> Result<GradientReport> {
        let xs = self.input_tensor(inputs, rows)?;
        self.passes(&xs, 1)
    }

    /// PyTorch's `model.zero_grad()`: clears the gradients the parameters hold.
    pub fn zero_grad(&self) -> Result<()> {
        (self.named.iter()).try_for_each(|(_, parameter)| zero_grad(parameter))
    }

    /// The report of the gradients the parameters hold now, after backward passes of your
    /// own (as a training step makes). A parameter without a gradient counts as zero.
    pub fn gradient_report(&self) -> Result<GradientReport> {
        let (layers, layer_sizes) = layer_gradients(&self.named)?;
        let config = &self.config;
        Ok(GradientReport {
            layers,
            layer_sizes,
            shortcut: config.shortcut,
            activation: config.activation,
            seed: config.seed,
        })
    }

    /// Zeroes the gradients, then sums those of `runs` passes on `xs`, a batch of rows.
    fn passes(&self, xs: &Tensor, runs: u32) -> Result<GradientReport> {
        self.zero_grad()?;
        for _ in 0..runs {
            self.backward(xs)?;
        }
        self.gradient_report()
    }

    /// One forward pass, MSE against a zero target and a backward pass.
    fn backward(&self, xs: &Tensor) -> Result<()> {
        let output = self.forward(xs)?;
        let target = output.f_zeros_like()?;
        let loss = output.f_mse_loss(&target, Reduction::Mean)?;
        Ok(loss.f_backward()?)
    }

    fn input_tensor<T: Copy + Into<f64>>(&self, input: &[T], rows: usize) -> Result<Tensor> {
        let width = self.config.layer_sizes[0] as usize;
        let expected = width.saturating_mul(rows);
        if input.len() != expected || rows == 0 {
            return Err(gradflow::Error::InputWidth {
                expected,
                got: input.len(),
            }
            .into());
        }
        let mut row = Vec::with_capacity(expected);
        for (index, &value) in input.iter().enumerate() {
            let value = value.into();
            // Too large for a float32 counts as not finite: it would become infinity.
            if !(value as f32).is_finite() {
                return Err(gradflow::Error::NonFiniteInput { index, value }.into());
            }
            row.push(value as f32);
        }
        Ok(Tensor::f_from_slice(&row)?.f_view([rows as i64, width as i64])?)
    }
}

/// Zeroes the gradient `tensor` holds, if it holds one (`tch`'s `zero_grad`).
pub fn zero_grad(tensor: &Tensor) -> Result<()> {
    let mut grad = tensor.f_grad()?;
    if grad.defined() {
        let _ = grad.f_detach_()?.f_zero_()?;
    }
    Ok(())
}

/// Each layer's mean and largest absolute gradient, from a model's named parameters (each
/// `….weight` with its `….bias`, in order), and the layer sizes their shapes give: the one
/// computation of a gradient report, for the engine's networks and a notebook's own models.
/// A Linear layer's weight is a matrix; a one-dimensional `weight` (a `LayerNorm`'s scale) is
/// no layer of the report, and is passed over.
pub fn layer_gradients(named: &[(String, Tensor)]) -> Result<(Vec<LayerGradient>, Vec<i64>)> {
    // Looked up by name once each: a search per weight was quadratic in the layers.
    let by_name: HashMap<&str, &Tensor> = (named.iter())
        .map(|(name, tensor)| (name.as_str(), tensor))
        .collect();
    let mut layers = Vec::new();
    let mut layer_sizes = Vec::new();
    for (name, weight) in named {
        let Some(layer) = name.strip_suffix("weight") else {
            continue;
        };
        let [fan_out, fan_in] = weight.size()[..] else {
            if weight.dim() == 1 {
                continue;
            }
            return Err(gradflow::Error::invalid(
                format!("the shape of {name}"),
                format!("{:?}", weight.size()),
                "a Linear layer's [out_features, in_features]",
            )
            .into());
        };
        if layer_sizes.is_empty() {
            layer_sizes.push(fan_in);
        }
        layer_sizes.push(fan_out);
        let (weight_mean, weight_max) = mean_and_max_abs(&weight.f_grad()?)?;
        let (bias_mean, bias_max) = match by_name.get(format!("{layer}bias").as_str()) {
            Some(bias) => mean_and_max_abs(&bias.f_grad()?)?,
            None => (0.0, 0.0),
        };
        layers.push(LayerGradient {
            name: name.clone(),
            weight_mean,
            weight_max,
            bias_mean,
            bias_max,
        });
    }
    Ok((layers, layer_sizes))
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
/// Prints the network as PyTorch prints the seed's module, runs of equal layers folded.
impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.fmt(f)
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("config", &self.config)
            .finish()
    }
}
