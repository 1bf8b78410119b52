//! The seed's `ExampleDeepNeuralNetwork`: one Linear + activation per layer, with a
//! shortcut (residual) connection wherever a layer's input and output shapes match.
//!
//! Its weights are drawn exactly as PyTorch draws them after `torch.manual_seed(seed)`,
//! so the first weight below is the one PyTorch 2.13 prints for the seed's network.
//!
//! ```
//! use gradflow::DeepNetwork;
//!
//! let model = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).seed(123).build()?;
//! assert_eq!(model.depth(), 5);
//! assert_eq!(model.first_weight()?, -0.23542964_f32); // torch: model.layers[0][0].weight[0, 0]
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use tch::nn::{self, Init};
use tch::{Device, Kind, Reduction, Tensor};

use crate::report::GradientReport;
use crate::{Error, Result};

/// Refuse networks whose weights and gradients would need more memory than this.
pub const MEMORY_LIMIT_BYTES: u64 = 1 << 30;

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

    fn apply(self, xs: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Activation::Relu => xs.f_relu()?,
            Activation::Gelu => gelu_tanh(xs)?,
            Activation::Tanh => xs.f_tanh()?,
            Activation::Sigmoid => xs.f_sigmoid()?,
        })
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
        })
    }
}

impl FromStr for Activation {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        Activation::ALL
            .into_iter()
            .find(|a| a.to_string().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::UnknownActivation(name.to_owned()))
    }
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

/// Checks a layer-size list: at least two entries, all positive, and a network that fits
/// in [`MEMORY_LIMIT_BYTES`].
pub fn check_layer_sizes(layer_sizes: &[i64]) -> Result<()> {
    if layer_sizes.len() < 2 {
        return Err(Error::TooFewSizes {
            got: layer_sizes.len(),
        });
    }
    if let Some((index, &size)) = layer_sizes.iter().enumerate().find(|(_, &s)| s < 1) {
        return Err(Error::NonPositiveSize { index, size });
    }
    // Each parameter is a float32 and gets a float32 gradient of the same size.
    let parameters = layer_sizes
        .windows(2)
        .map(|w| (w[0] as u128 + 1).saturating_mul(w[1] as u128))
        .fold(0u128, u128::saturating_add);
    let needed = parameters.saturating_mul(4 * 2);
    if needed > MEMORY_LIMIT_BYTES as u128 {
        let mib = |bytes: u128| u64::try_from(bytes >> 20).unwrap_or(u64::MAX);
        return Err(Error::TooLarge {
            needed_mib: mib(needed),
            limit_mib: mib(MEMORY_LIMIT_BYTES as u128),
        });
    }
    Ok(())
}

/// The default input for a first layer of `width`: evenly spaced from 1 down to -1,
/// which is the seed's `[1., 0., -1.]` for width 3.
pub fn default_input(width: usize) -> Vec<f32> {
    match width {
        0 => Vec::new(),
        1 => vec![1.0],
        _ => (0..width)
            .map(|i| (1.0 - 2.0 * i as f64 / (width - 1) as f64) as f32)
            .collect(),
    }
}

/// Settings for a [`DeepNetwork`]; start from [`DeepNetwork::builder`].
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkBuilder {
    layer_sizes: Vec<i64>,
    shortcut: Shortcut,
    activation: Activation,
    seed: i64,
}

impl NetworkBuilder {
    /// Adds shortcut connections (`use_shortcut=True`) or leaves them out.
    pub fn shortcut(mut self, shortcut: impl Into<Shortcut>) -> Self {
        self.shortcut = shortcut.into();
        self
    }

    /// The non-linearity after each Linear layer (ReLU unless set).
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// The `torch.manual_seed` the weights are drawn after (123, the seed's, unless set).
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = seed;
        self
    }

    /// Draws the weights and returns the network, or says which setting is wrong.
    pub fn build(&self) -> Result<DeepNetwork> {
        check_layer_sizes(&self.layer_sizes)?;
        let vs = nn::VarStore::new(Device::Cpu);
        let layers = with_seed(self.seed, || {
            let root = vs.root();
            self.layer_sizes
                .windows(2)
                .enumerate()
                .map(|(i, w)| pytorch_linear(&(&root / "layers" / i / 0), w[0], w[1]))
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(DeepNetwork {
            vs,
            layers,
            settings: self.clone(),
        })
    }
}

/// libtorch has one global random generator: hold this lock from seeding to the last draw,
/// so that two networks built at once (tests run in threads) each get their own seed's weights.
static GENERATOR: Mutex<()> = Mutex::new(());

/// Runs `draw` right after `torch.manual_seed(seed)`, with the generator to itself.
pub(crate) fn with_seed<T>(seed: i64, draw: impl FnOnce() -> Result<T>) -> Result<T> {
    // A panic elsewhere cannot leave the unit value inconsistent, so a poisoned lock is fine.
    let _guard = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tch::manual_seed(seed);
    draw()
}

/// `nn.Linear(fan_in, fan_out)` with PyTorch's default initialisation, drawn in its order:
/// `kaiming_uniform_(weight, a=sqrt(5))`, then the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
fn pytorch_linear(path: &nn::Path, fan_in: i64, fan_out: i64) -> Result<nn::Linear> {
    let a = 5f64.sqrt();
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    let weight_bound = 3f64.sqrt() * gain / (fan_in as f64).sqrt();
    let bias_bound = 1.0 / (fan_in as f64).sqrt();
    let ws = path.f_var("weight", &[fan_out, fan_in], uniform(weight_bound))?;
    let bs = path.f_var("bias", &[fan_out], uniform(bias_bound))?;
    Ok(nn::Linear { ws, bs: Some(bs) })
}

fn uniform(bound: f64) -> Init {
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// The seed's `ExampleDeepNeuralNetwork`, for any depth. It owns its parameters, so a
/// notebook variable can keep it from one cell to the next.
pub struct DeepNetwork {
    vs: nn::VarStore,
    layers: Vec<nn::Linear>,
    settings: NetworkBuilder,
}

impl DeepNetwork {
    /// Starts a network with these sizes: the input width, then each layer's output width.
    /// Defaults: ReLU, no shortcut, seed 123.
    ///
    /// Any integer type will do, so that a notebook's `let layer_sizes = [3, 3, 1];` works
    /// as it is.
    pub fn builder<S: Copy + Into<i64>>(layer_sizes: &[S]) -> NetworkBuilder {
        NetworkBuilder {
            layer_sizes: layer_sizes.iter().map(|&size| size.into()).collect(),
            shortcut: Shortcut::Off,
            activation: Activation::Relu,
            seed: 123,
        }
    }

    /// The number of Linear + activation layers, `layer_sizes.len() - 1`.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The sizes the network was built with.
    pub fn layer_sizes(&self) -> &[i64] {
        &self.settings.layer_sizes
    }

    /// Whether the network adds shortcut connections.
    pub fn shortcut(&self) -> Shortcut {
        self.settings.shortcut
    }

    /// The activation after each Linear layer.
    pub fn activation(&self) -> Activation {
        self.settings.activation
    }

    /// The seed the weights were drawn after.
    pub fn seed(&self) -> i64 {
        self.settings.seed
    }

    /// [`default_input`] for this network's input width: the seed's `[1, 0, -1]` for width 3.
    pub fn default_input(&self) -> Vec<f32> {
        default_input(self.settings.layer_sizes[0] as usize)
    }

    /// `layers[0][0].weight[0, 0]`, handy for checking the initialisation against PyTorch.
    pub fn first_weight(&self) -> Result<f32> {
        Ok(self.layers[0].ws.f_double_value(&[0, 0])? as f32)
    }

    /// The seed's `forward`: each layer's output replaces `x`, or is added to it when the
    /// shortcut is on and the shapes match.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut x = xs.shallow_clone();
        for layer in &self.layers {
            let layer_output = self
                .activation()
                .apply(&x.f_linear(&layer.ws, layer.bs.as_ref())?)?;
            x = if self.shortcut() == Shortcut::On && x.size() == layer_output.size() {
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
    pub fn gradients<T: Copy + Into<f64>>(&mut self, input: &[T]) -> Result<GradientReport> {
        self.accumulated_gradients(input, 1)
    }

    /// Like [`gradients`](Self::gradients), but sums the gradients of `runs` passes, as
    /// re-running the seed's Python cell `runs` times on one model does.
    pub fn accumulated_gradients<T: Copy + Into<f64>>(
        &mut self,
        input: &[T],
        runs: u32,
    ) -> Result<GradientReport> {
        if runs == 0 {
            return Err(Error::ZeroRuns);
        }
        let xs = self.input_tensor(input, 1)?;
        self.report_for(&xs, runs)
    }

    /// Zeroes the gradients, then sums those of `runs` passes on `xs`, a batch of rows.
    pub(crate) fn report_for(&mut self, xs: &Tensor, runs: u32) -> Result<GradientReport> {
        self.zero_grad()?;
        let mut loss = 0.0;
        for _ in 0..runs {
            loss = self.backward(xs)?;
        }
        GradientReport::collect(self, runs, loss)
    }

    /// One step of plain gradient descent towards `targets`; returns the step's gradients.
    pub(crate) fn train_step(
        &mut self,
        inputs: &Tensor,
        targets: &Tensor,
        learning_rate: f64,
    ) -> Result<GradientReport> {
        self.zero_grad()?;
        let loss = self.forward(inputs)?.f_mse_loss(targets, Reduction::Mean)?;
        loss.f_backward()?;
        let report = GradientReport::collect(self, 1, loss.f_double_value(&[])?)?;
        let _no_grad = tch::no_grad_guard();
        for mut var in self.vs.trainable_variables() {
            let step = var.f_grad()?.f_mul_scalar(learning_rate)?;
            let _ = var.f_sub_(&step)?;
        }
        Ok(report)
    }

    /// The weight and bias of every layer, in order.
    pub(crate) fn linears(&self) -> &[nn::Linear] {
        &self.layers
    }

    /// Like [`gradients`](Self::gradients), for a batch of `rows` inputs given row after row
    /// in `inputs`; the loss averages over the batch, as `nn.MSELoss` does.
    pub fn batch_gradients<T: Copy + Into<f64>>(
        &mut self,
        inputs: &[T],
        rows: usize,
    ) -> Result<GradientReport> {
        let xs = self.input_tensor(inputs, rows)?;
        self.report_for(&xs, 1)
    }

    fn input_tensor<T: Copy + Into<f64>>(&self, input: &[T], rows: usize) -> Result<Tensor> {
        let width = self.settings.layer_sizes[0] as usize;
        let expected = width.saturating_mul(rows);
        if input.len() != expected || rows == 0 {
            return Err(Error::InputWidth {
                expected,
                got: input.len(),
            });
        }
        let mut row = Vec::with_capacity(expected);
        for (index, &value) in input.iter().enumerate() {
            let value = value.into();
            // Too large for a float32 counts as not finite: it would become infinity.
            if !(value as f32).is_finite() {
                return Err(Error::NonFiniteInput { index, value });
            }
            row.push(value as f32);
        }
        Ok(Tensor::f_from_slice(&row)?.f_view([rows as i64, width as i64])?)
    }

    /// One forward pass, MSE against a zero target and a backward pass; returns the loss.
    fn backward(&self, xs: &Tensor) -> Result<f64> {
        let output = self.forward(xs)?;
        let target = output.f_zeros_like()?;
        let loss = output.f_mse_loss(&target, Reduction::Mean)?;
        loss.f_backward()?;
        Ok(loss.f_double_value(&[])?)
    }

    /// Shows the PyTorch-style printout as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }

    fn zero_grad(&mut self) -> Result<()> {
        for var in self.vs.trainable_variables() {
            let mut grad = var.f_grad()?;
            if grad.defined() {
                let _ = grad.f_detach_()?.f_zero_()?;
            }
        }
        Ok(())
    }
}

/// Prints the network as PyTorch prints the seed's module, runs of equal layers folded.
impl fmt::Display for DeepNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<_> = self
            .layer_sizes()
            .windows(2)
            .map(|w| (w[0], w[1]))
            .collect();
        writeln!(f, "ExampleDeepNeuralNetwork(")?;
        writeln!(f, "  (layers): ModuleList(")?;
        let mut start = 0;
        while start < sizes.len() {
            let end = start
                + sizes[start..]
                    .iter()
                    .take_while(|&&s| s == sizes[start])
                    .count();
            let (fan_in, fan_out) = sizes[start];
            match end - start {
                1 => writeln!(f, "    ({start}): Sequential(")?,
                n => writeln!(f, "    ({start}-{}): {n} x Sequential(", end - 1)?,
            }
            writeln!(
                f,
                "      (0): Linear(in_features={fan_in}, out_features={fan_out}, bias=True)"
            )?;
            writeln!(f, "      (1): {}()", self.activation().module_name())?;
            writeln!(f, "    )")?;
            start = end;
        }
        writeln!(f, "  )")?;
        write!(f, ")")
    }
}

impl fmt::Debug for DeepNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeepNetwork")
            .field("settings", &self.settings)
            .finish()
    }
}
