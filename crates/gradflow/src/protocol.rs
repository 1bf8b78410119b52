//! What a notebook and its engine say to each other, in one place: every request, the name the
//! engine knows it by, the one type it answers with, and the protocol's [`VERSION`]. How the
//! values are written is `wire`'s business; how each request is answered is the engine's
//! (`tensors.rs` for tensors, `models.rs` for models and networks, `experiments.rs` for sweeps,
//! training, the explorer and the charts drawn from their results).
//!
//! A request is a type that names its answer's type ([`Request`]), so the client's
//! `client::ask(&request)` returns that type, and the engine's answer to it must be one.
//! [`RequestKind`] lists them all; the engine's dispatch and the tests that send each one match
//! on it, so the compiler checks that none is left out.
//!
//! ```
//! use gradflow::protocol::{Request, RequestKind, Size};
//!
//! assert_eq!(<Size as Request>::NAME, "size");
//! assert_eq!(RequestKind::named("size"), Some(RequestKind::Size));
//! ```

use crate::error::{Error, Result};
use crate::results::{
    Curvature, Explorer, GradientReport, LayerGradient, Surface, Svg, Sweep, Training,
};
use crate::settings::{
    ExplorerConfig, HessianConfig, Kind, LandscapeConfig, NetworkConfig, Reduction, Shortcut,
    SweepConfig, TrainConfig,
};
use crate::wire::{encode, wire_enum, wire_struct, Id, Reader, Wire};

/// Which protocol a message speaks: an engine built from other sources refuses it, and the
/// notebook is told to rebuild the engine instead of reading numbers wrongly.
pub const VERSION: u32 = 3;

/// A question the engine answers (every one is listed at the end of this module). The answer's
/// type follows from the request, so an answer of the wrong kind cannot be written on either
/// side.
pub trait Request: Wire {
    /// The request's name on the wire, which the engine dispatches on.
    const NAME: &'static str;
    /// What the engine answers.
    type Answer: Wire;
    /// Whether the client may start an engine to answer it: not for a request about values an
    /// engine holds, which a new engine would not hold.
    const STARTS_ENGINE: bool;
}

/// A request as the client sends it: the protocol's [`VERSION`], the values the notebook has
/// dropped since its last request (freed first), the request's name, then its fields.
pub fn encode_request<R: Request>(request: &R, frees: &[Id]) -> Vec<u8> {
    let mut tokens = encode(&VERSION);
    frees.len().put(&mut tokens);
    frees.iter().for_each(|id| id.put(&mut tokens));
    R::NAME.to_owned().put(&mut tokens);
    request.put(&mut tokens);
    tokens
}

/// A request as the engine reads it: the values to free, its name and the reader of its
/// fields; refused if it speaks another [`VERSION`].
pub fn decode_request(tokens: &[u8]) -> Result<(Vec<Id>, String, Reader<'_>)> {
    let mut input = Reader::new(tokens);
    let version = u32::take(&mut input)?;
    if version != VERSION {
        return Err(Error::Engine(format!(
            "speaks version {VERSION} of the protocol and the notebook's crate version {version}; \
             run `make setup` to rebuild the engine, then restart the kernel"
        )));
    }
    let frees = Vec::<Id>::take(&mut input)?;
    let name = String::take(&mut input)?;
    Ok((frees, name, input))
}

/// The operations of one tensor that make another, named as `tch` and PyTorch name them. They
/// cross by name, so that an engine that lacks one (an older build) says which it has instead
/// of computing another.
macro_rules! unary {
    ($($(#[$doc:meta])* $op:ident => $name:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Unary {
            $($(#[$doc])* $op,)*
        }

        impl Unary {
            /// Every operation.
            pub const ALL: &'static [Unary] = &[$(Unary::$op),*];

            /// The operation's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Unary::$op => $name,)*
                }
            }
        }
    };
}

unary! {
    Relu => "relu",
    Tanh => "tanh",
    Sigmoid => "sigmoid",
    Abs => "abs",
    /// `gelu(approximate="none")`, the exact GELU.
    Gelu => "gelu",
    /// `gelu(approximate="tanh")`.
    GeluTanh => "gelu(tanh)",
    Neg => "neg",
    Exp => "exp",
    Sqrt => "sqrt",
    /// The transpose of a matrix (`x.t()` in PyTorch, `x.tr()` in `tch`).
    Tr => "t",
    /// The gradient a backward pass left (`param.grad`).
    Grad => "grad",
    ShallowClone => "shallow_clone",
}

impl Wire for Unary {
    fn put(&self, out: &mut Vec<u8>) {
        self.name().to_owned().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        let name = String::take(input)?;
        Unary::ALL
            .iter()
            .copied()
            .find(|op| op.name() == name)
            .ok_or_else(|| Error::UnknownOperation {
                name,
                known: Unary::ALL
                    .iter()
                    .map(|op| op.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// An operation of two tensors, broadcasting as PyTorch does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Matmul,
}

/// An operation of a tensor and a number. `RSub` and `RDiv` have the number on the left, as
/// Python computes them: `a - x` is `torch.rsub(x, a)`, `a / x` is `x.reciprocal() * a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    RSub,
    RDiv,
}

/// A tensor made from nothing but its shape: `zeros`, `ones`, or `randn` (PyTorch's generator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filler {
    Zeros,
    Ones,
    Randn,
}

wire_enum!(Binary { 0 => Add, 1 => Sub, 2 => Mul, 3 => Div, 4 => Pow, 5 => Matmul });
wire_enum!(ScalarOp { 0 => Add, 1 => Sub, 2 => Mul, 3 => Div, 4 => Pow, 5 => RSub, 6 => RDiv });
wire_enum!(Filler { 0 => Zeros, 1 => Ones, 2 => Randn });

// Tensors.

/// A tensor of `shape` from `values` in row-major order, rounded to `kind` (`torch.tensor`).
#[derive(Clone, Debug, PartialEq)]
pub struct FromSlice {
    pub values: Vec<f64>,
    pub shape: Vec<i64>,
    pub kind: Kind,
}
wire_struct!(FromSlice {
    values,
    shape,
    kind
});

/// `Tensor::zeros`, `ones` or `randn` of `size`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    pub filler: Filler,
    pub size: Vec<i64>,
    pub kind: Kind,
}
wire_struct!(Fill { filler, size, kind });

/// A unary operation of `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Apply {
    pub op: Unary,
    pub x: Id,
}
wire_struct!(Apply { op, x });

/// `x op y`.
#[derive(Clone, Debug, PartialEq)]
pub struct Combine {
    pub op: Binary,
    pub x: Id,
    pub y: Id,
}
wire_struct!(Combine { op, x, y });

/// `x op scalar` (or, for `RSub` and `RDiv`, `scalar op x`).
#[derive(Clone, Debug, PartialEq)]
pub struct WithScalar {
    pub op: ScalarOp,
    pub x: Id,
    pub scalar: f64,
}
wire_struct!(WithScalar { op, x, scalar });

/// `x.linear(weight, bias)`: `x @ weight.T + bias`, as `nn.Linear` computes.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyLinear {
    pub x: Id,
    pub weight: Id,
    pub bias: Option<Id>,
}
wire_struct!(ApplyLinear { x, weight, bias });

/// `x.layer_norm(normalized_shape, weight, bias, eps)`, as `nn.LayerNorm` computes.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyLayerNorm {
    pub x: Id,
    pub normalized_shape: Vec<i64>,
    pub weight: Option<Id>,
    pub bias: Option<Id>,
    pub eps: f64,
}
wire_struct!(ApplyLayerNorm {
    x,
    normalized_shape,
    weight,
    bias,
    eps
});

/// `x.mean(kind)`: the mean of every element (`None`: in the tensor's own kind).
#[derive(Clone, Debug, PartialEq)]
pub struct Mean {
    pub x: Id,
    pub kind: Option<Kind>,
}
wire_struct!(Mean { x, kind });

/// `x.sum(kind)`: the sum of every element.
#[derive(Clone, Debug, PartialEq)]
pub struct Sum {
    pub x: Id,
    pub kind: Option<Kind>,
}
wire_struct!(Sum { x, kind });

/// `x.max()`: the largest element.
#[derive(Clone, Debug, PartialEq)]
pub struct Max {
    pub x: Id,
}
wire_struct!(Max { x });

/// `x.mse_loss(target, reduction)`.
#[derive(Clone, Debug, PartialEq)]
pub struct MseLoss {
    pub x: Id,
    pub target: Id,
    pub reduction: Reduction,
}
wire_struct!(MseLoss {
    x,
    target,
    reduction
});

/// `x.backward()`: adds the gradients of `x` into the leaves it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Backward {
    pub x: Id,
}
wire_struct!(Backward { x });

/// `x.zero_grad()`: zeroes the gradient a leaf holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroGrad {
    pub x: Id,
}
wire_struct!(ZeroGrad { x });

/// `x.size()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Size {
    pub x: Id,
}
wire_struct!(Size { x });

/// `x.double_value(index)`: one element, as float64.
#[derive(Clone, Debug, PartialEq)]
pub struct DoubleValue {
    pub x: Id,
    pub index: Vec<i64>,
}
wire_struct!(DoubleValue { x, index });

/// `x.item()`: the only element of a one-element tensor, as float64.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub x: Id,
}
wire_struct!(Item { x });

/// `print(x)`: the tensor as PyTorch prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Print {
    pub x: Id,
}
wire_struct!(Print { x });

/// `torch.manual_seed(seed)`: the weights and `randn` values drawn next are PyTorch's after the
/// same call.
#[derive(Clone, Debug, PartialEq)]
pub struct ManualSeed {
    pub seed: i64,
}
wire_struct!(ManualSeed { seed });

/// Frees values the notebook dropped; values of another engine are not its to free, and are
/// left. (Every request also carries the frees that waited for it: `wire::encode_request`.)
#[derive(Clone, Debug, PartialEq)]
pub struct Free {
    pub ids: Vec<Id>,
}
wire_struct!(Free { ids });

// Models.

/// A new, empty var store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewVarStore {}
wire_struct!(NewVarStore {});

/// `nn.Linear(fan_in, fan_out)` in `vs` under `name`: the weight, then the bias, drawn as
/// PyTorch draws them from the generator's current state.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLinear {
    pub vs: Id,
    pub name: String,
    pub fan_in: i64,
    pub fan_out: i64,
    pub bias: bool,
}
wire_struct!(NewLinear {
    vs,
    name,
    fan_in,
    fan_out,
    bias
});

/// `nn.LayerNorm(shape)` in `vs` under `name`: its weight (ones) and bias (zeros).
#[derive(Clone, Debug, PartialEq)]
pub struct NewLayerNorm {
    pub vs: Id,
    pub name: String,
    pub shape: Vec<i64>,
}
wire_struct!(NewLayerNorm { vs, name, shape });

/// `model.named_parameters()` of a var store or a network.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedParameters {
    pub owner: Id,
}
wire_struct!(NamedParameters { owner });

/// `model.zero_grad()` of a var store or a network.
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroGrads {
    pub owner: Id,
}
wire_struct!(ZeroGrads { owner });

/// The seed's `model(x)` of a network the engine built (from a [`NetworkConfig`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub model: Id,
    pub x: Id,
}
wire_struct!(Forward { model, x });

/// Each layer's mean and largest absolute gradient, from the named parameters of any model
/// (each `….weight` with its `….bias`), and the layer sizes their shapes give.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterGradients {
    pub parameters: Vec<(String, Id)>,
}
wire_struct!(ParameterGradients { parameters });

/// The seed's `print_gradients` without the printing, on a network's gradients zeroed first.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    pub model: Id,
    pub input: Vec<f64>,
}
wire_struct!(Gradients { model, input });

// Experiments.

/// The network of `layer_sizes` with each activation, without and with shortcuts, from `seed`.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationPairs {
    pub layer_sizes: Vec<i64>,
    pub seed: i64,
}
wire_struct!(ActivationPairs { layer_sizes, seed });

/// Trains each of `variants` on one task, as `config` says.
#[derive(Clone, Debug, PartialEq)]
pub struct Train {
    pub config: TrainConfig,
    pub variants: Vec<Shortcut>,
}
wire_struct!(Train { config, variants });

/// Notebook 02's task: its inputs and targets for a network of `layer_sizes`, drawn after
/// `torch.manual_seed(seed + 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub layer_sizes: Vec<i64>,
    pub samples: i64,
    pub seed: i64,
}
wire_struct!(Task {
    layer_sizes,
    samples,
    seed
});

/// Random directions through a model's parameters, normalised filter by filter as Li et al.
/// normalise them, drawn after `torch.manual_seed(seed + 2)`: what a model of a cell's own is
/// moved along to measure its loss surface.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceDirections {
    pub parameters: Vec<Id>,
    pub directions: usize,
    pub seed: i64,
}
wire_struct!(SurfaceDirections {
    parameters,
    directions,
    seed
});

/// Sets the parameters of `directions` to their weights plus `x` times the first direction and
/// `y` times the second; `None` sets them back to their weights.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveTo {
    pub directions: Id,
    pub point: Option<(f64, f64)>,
}
wire_struct!(MoveTo { directions, point });

/// The curvature of `loss` with respect to `parameters`, as `config` measures it: a model of a
/// cell's own, whose `forward` made the loss.
#[derive(Clone, Debug, PartialEq)]
pub struct LossCurvature {
    pub loss: Id,
    pub parameters: Vec<Id>,
    pub config: HessianConfig,
    pub shortcut: Shortcut,
}
wire_struct!(LossCurvature {
    loss,
    parameters,
    config,
    shortcut
});

// Charts.

/// A chart the engine draws from results.
#[derive(Clone, Debug, PartialEq)]
pub enum Drawing {
    /// `GradientReport::chart`.
    Layers(GradientReport),
    /// `chart::compare`.
    Compare(GradientReport, GradientReport),
    /// `chart::activation_grid`.
    ActivationGrid(Vec<(GradientReport, GradientReport)>),
    /// `chart::sweep_chart`.
    Sweep(Sweep),
    /// `chart::loss_chart`.
    Loss(Vec<Training>),
    /// `chart::gradient_heatmap`.
    Heatmap(Vec<Training>),
    /// `chart::landscape`.
    Landscape(Vec<Surface>),
    /// `chart::spectrum`.
    Spectrum(Vec<Curvature>),
    /// `chart::sharpness`.
    Sharpness(Vec<Curvature>),
}
wire_enum!(Drawing {
    0 => Layers(report),
    1 => Compare(without, with),
    2 => ActivationGrid(pairs),
    3 => Sweep(sweep),
    4 => Loss(runs),
    5 => Heatmap(runs),
    6 => Landscape(surfaces),
    7 => Spectrum(curvatures),
    8 => Sharpness(curvatures),
});

/// The explorer's HTML, which the engine writes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExplorerHtml {
    /// `Explorer::to_html`.
    Cell(Explorer),
    /// `Explorer::to_page`.
    Page(Explorer),
}
wire_enum!(ExplorerHtml {
    0 => Cell(explorer),
    1 => Page(explorer),
});

/// Every request: its name on the wire and its answer's type. Those marked `on handles` name
/// values that an engine holds; they never start an engine, because a new one would not hold
/// them.
macro_rules! requests {
    ($($request:ident => $name:literal, $answer:ty $(, $on:ident)?;)*) => {
        $(impl Request for $request {
            const NAME: &'static str = $name;
            type Answer = $answer;
            const STARTS_ENGINE: bool = requests!(@starts $($on)?);
        })*

        /// Every request, one variant each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum RequestKind {
            $($request,)*
        }

        impl RequestKind {
            /// Every request.
            pub const ALL: &'static [RequestKind] = &[$(RequestKind::$request),*];

            /// The request's name on the wire.
            pub fn name(self) -> &'static str {
                match self {
                    $(RequestKind::$request => $name,)*
                }
            }

            /// The request of that name, if there is one.
            pub fn named(name: &str) -> Option<RequestKind> {
                RequestKind::ALL.iter().copied().find(|kind| kind.name() == name)
            }
        }
    };
    (@starts) => { true };
    (@starts handles) => { false };
}

requests! {
    FromSlice => "tensor", Id;
    Fill => "fill", Id;
    Apply => "apply", Id, handles;
    Combine => "combine", Id, handles;
    WithScalar => "with_scalar", Id, handles;
    ApplyLinear => "linear", Id, handles;
    ApplyLayerNorm => "layer_norm", Id, handles;
    Mean => "mean", Id, handles;
    Sum => "sum", Id, handles;
    Max => "max", Id, handles;
    MseLoss => "mse_loss", Id, handles;
    Backward => "backward", (), handles;
    ZeroGrad => "zero_grad", (), handles;
    Size => "size", Vec<i64>, handles;
    DoubleValue => "double_value", f64, handles;
    Item => "item", f64, handles;
    Print => "print", String, handles;
    ManualSeed => "manual_seed", ();
    Free => "free", (), handles;
    NewVarStore => "var_store", Id;
    NewLinear => "linear_layer", (Id, Option<Id>), handles;
    NewLayerNorm => "layer_norm_layer", (Id, Id), handles;
    NamedParameters => "named_parameters", Vec<(String, Id)>, handles;
    ZeroGrads => "zero_grads", (), handles;
    NetworkConfig => "network", Id;
    Forward => "forward", Id, handles;
    ParameterGradients => "parameter_gradients", (Vec<LayerGradient>, Vec<i64>), handles;
    Gradients => "gradients", GradientReport, handles;
    SweepConfig => "sweep", Sweep;
    ActivationPairs => "activation_pairs", Vec<(GradientReport, GradientReport)>;
    Train => "train", Vec<Training>;
    ExplorerConfig => "explore", Explorer;
    Task => "task", (Id, Id);
    LandscapeConfig => "landscape", Vec<Surface>;
    SurfaceDirections => "surface_directions", Id, handles;
    MoveTo => "move_to", (), handles;
    HessianConfig => "hessian", Vec<Curvature>;
    LossCurvature => "loss_curvature", Curvature, handles;
    Drawing => "chart", Svg;
    ExplorerHtml => "explorer_html", String;
}
