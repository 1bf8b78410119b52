//! Tensors in a notebook cell, spelled as `tch` spells them, computed by the engine: a
//! [`Tensor`] here is a handle to a libtorch tensor that lives in the engine, so a cell that
//! uses them compiles against this light crate only. Each operation is one request, answered
//! in well under a millisecond; dropping a tensor frees it in the engine.
//!
//! The surface is what the seed's `print_gradients` and its model need, no more:
//! [`from_slice`](Tensor::from_slice) and [`from_slice2`](Tensor::from_slice2) (float32, as
//! `torch.tensor` makes them), [`linear`](Tensor::linear), `+`, `*` by a number, the
//! activations [`relu`](Tensor::relu), [`gelu`](Tensor::gelu), [`tanh`](Tensor::tanh) and
//! [`sigmoid`](Tensor::sigmoid), [`mse_loss`](Tensor::mse_loss), [`backward`](Tensor::backward),
//! [`grad`](Tensor::grad), [`zero_grad`](Tensor::zero_grad), [`abs`](Tensor::abs),
//! [`mean`](Tensor::mean), [`sum`](Tensor::sum), [`max`](Tensor::max),
//! [`item`](Tensor::item), [`double_value`](Tensor::double_value), [`size`](Tensor::size),
//! [`shallow_clone`](Tensor::shallow_clone), and printing as PyTorch prints. Models add
//! `forward` and `named_parameters` (the `nn` module, `DeepNetwork`).
//!
//! As in `tch`, each operation has a fallible twin whose name starts with `f_` and returns
//! the error; the plain one panics with it (libtorch's message, in PyTorch's words), which
//! evcxr shows under the cell while the kernel keeps its variables.
//!
//! ```
//! use gradflow::{Kind, Reduction, Tensor};
//!
//! let x = Tensor::from_slice2(&[[1., 0., -1.]]);
//! let loss = x.relu().mse_loss(&Tensor::from_slice2(&[[0., 0., 0.]]), Reduction::Mean);
//! assert_eq!(loss.item().to_string(), "0.3333333432674408"); // Python's print(loss.item())
//! assert_eq!(x.abs().mean(Kind::Float).to_string(), "tensor(0.6667)");
//! ```

use std::fmt;
use std::ops::{Add, Mul};

use crate::engine::{ask, Handle};
use crate::repr::float_repr;
use crate::wire::{self, Id};
use crate::{Error, Result};

/// A tensor in the engine. Made by the constructors, by operations and by models; not
/// `Clone` (as in `tch`): [`shallow_clone`](Tensor::shallow_clone) shares its data.
pub struct Tensor {
    handle: Handle,
}

/// The element type of a reduction's result, as `tch` names it: only float32 (`Float`) and
/// float64 (`Double`) tensors are made here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Double,
}

/// How a loss reduces its elements (`nn.MSELoss(reduction=…)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    None,
    Mean,
    Sum,
}

/// Where tensors live: the engine computes on its CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
}

/// The value of a one-element tensor, which prints as Python prints a float (`float_repr`):
/// what `print(t.item())` shows, `1e-05`-style exponents included.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Item(pub f64);

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&float_repr(self.0))
    }
}

impl From<Item> for f64 {
    fn from(item: Item) -> f64 {
        item.0
    }
}

impl PartialEq<f64> for Item {
    fn eq(&self, other: &f64) -> bool {
        self.0 == *other
    }
}

/// The operations of one tensor that make another, as the engine names them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Relu,
    Tanh,
    Sigmoid,
    Abs,
    /// `gelu(approximate="none")`, the exact GELU.
    Gelu,
    /// `gelu(approximate="tanh")`.
    GeluTanh,
    /// The gradient a backward pass left (`param.grad`).
    Grad,
    ShallowClone,
}

impl Unary {
    /// Every operation, as the engine names them.
    pub const ALL: [Unary; 8] = [
        Unary::Relu,
        Unary::Tanh,
        Unary::Sigmoid,
        Unary::Abs,
        Unary::Gelu,
        Unary::GeluTanh,
        Unary::Grad,
        Unary::ShallowClone,
    ];

    /// The operation's name, as `tch` and PyTorch spell it.
    pub fn name(self) -> &'static str {
        match self {
            Unary::Relu => "relu",
            Unary::Tanh => "tanh",
            Unary::Sigmoid => "sigmoid",
            Unary::Abs => "abs",
            Unary::Gelu => "gelu",
            Unary::GeluTanh => "gelu(tanh)",
            Unary::Grad => "grad",
            Unary::ShallowClone => "shallow_clone",
        }
    }
}

/// Operations cross by name, so that an engine that lacks one (an older build) says which
/// it has instead of computing another.
impl wire::Wire for Unary {
    fn put(&self, out: &mut Vec<u8>) {
        self.name().to_owned().put(out);
    }
    fn take(input: &mut wire::Reader<'_>) -> Result<Self> {
        let name = String::take(input)?;
        Unary::ALL
            .into_iter()
            .find(|op| op.name() == name)
            .ok_or_else(|| Error::UnknownOperation {
                name,
                known: Unary::ALL.map(Unary::name).join(", "),
            })
    }
}

/// The reductions to one element.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    Mean,
    Sum,
    Max,
}

wire::wire_enum!(Kind { 0 => Float, 1 => Double });
wire::wire_enum!(Reduction { 0 => None, 1 => Mean, 2 => Sum });
wire::wire_enum!(Reduce { 0 => Mean, 1 => Sum, 2 => Max });

/// The requests for tensors. Each answers with the [`Id`] of a new tensor, or with values.
#[doc(hidden)]
pub mod requests {
    use super::{Kind, Reduce, Reduction, Unary};
    use crate::wire::{wire_request, Id};

    /// A float32 tensor of `shape` from `values`, in row-major order.
    #[derive(Clone, Debug, PartialEq)]
    pub struct FromValues {
        pub values: Vec<f32>,
        pub shape: Vec<i64>,
    }
    wire_request!(FromValues { values, shape } => "tensor", Id);

    /// A unary operation of `x`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Apply {
        pub op: Unary,
        pub x: Id,
    }
    wire_request!(Apply { op, x } => "apply", Id);

    /// `x + y`, broadcasting as PyTorch does.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Add {
        pub x: Id,
        pub y: Id,
    }
    wire_request!(Add { x, y } => "add", Id);

    /// `x * factor`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Scale {
        pub x: Id,
        pub factor: f64,
    }
    wire_request!(Scale { x, factor } => "scale", Id);

    /// `x.linear(weight, bias)`: `x @ weight.T + bias`, as `nn.Linear` computes.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Linear {
        pub x: Id,
        pub weight: Id,
        pub bias: Option<Id>,
    }
    wire_request!(Linear { x, weight, bias } => "linear", Id);

    /// A reduction of every element to one, as `kind` (`None`: the tensor's own).
    #[derive(Clone, Debug, PartialEq)]
    pub struct Reduced {
        pub op: Reduce,
        pub x: Id,
        pub kind: Option<Kind>,
    }
    wire_request!(Reduced { op, x, kind } => "reduce", Id);

    /// `x.mse_loss(target, reduction)`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct MseLoss {
        pub x: Id,
        pub target: Id,
        pub reduction: Reduction,
    }
    wire_request!(MseLoss { x, target, reduction } => "mse_loss", Id);

    /// `x.backward()`: adds the gradients of `x` into the leaves it was computed from.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Backward {
        pub x: Id,
    }
    wire_request!(Backward { x } => "backward", ());

    /// `x.zero_grad()`: zeroes the gradient a leaf holds.
    #[derive(Clone, Debug, PartialEq)]
    pub struct ZeroGrad {
        pub x: Id,
    }
    wire_request!(ZeroGrad { x } => "zero_grad", ());

    /// `x.size()`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Size {
        pub x: Id,
    }
    wire_request!(Size { x } => "size", Vec<i64>);

    /// `x.double_value(index)`: one element, as float64.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Value {
        pub x: Id,
        pub index: Vec<i64>,
    }
    wire_request!(Value { x, index } => "value", f64);

    /// `x.item()`: the only element of a one-element tensor, as float64.
    #[derive(Clone, Debug, PartialEq)]
    pub struct ItemOf {
        pub x: Id,
    }
    wire_request!(ItemOf { x } => "item", f64);

    /// `print(x)`: the tensor as PyTorch prints it.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Print {
        pub x: Id,
    }
    wire_request!(Print { x } => "print", String);

    /// `torch.manual_seed(seed)`: the weights drawn next are PyTorch's after the same call.
    #[derive(Clone, Debug, PartialEq)]
    pub struct ManualSeed {
        pub seed: i64,
    }
    wire_request!(ManualSeed { seed } => "manual_seed", ());
}

use requests::*;

/// Panics with the error, as `tch`'s operations without `f_` do, its payload the typed error.
/// It prints the message as a panic would, without the panic hook's `thread … panicked at`
/// line: evcxr catches the unwinding, shows the message under the cell and keeps the variables.
pub(crate) fn or_panic<T>(result: Result<T>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => {
            eprintln!("{error}");
            std::panic::resume_unwind(Box::new(error))
        }
    }
}

/// `torch.manual_seed(seed)`: the weights that [`crate::nn::linear`] draws next are those
/// PyTorch draws after the same call.
pub fn manual_seed(seed: i64) {
    or_panic(f_manual_seed(seed))
}

/// [`manual_seed`], returning the error.
pub fn f_manual_seed(seed: i64) -> Result<()> {
    ask(&ManualSeed { seed })
}

/// A unary operation and its `f_` twin, as `tch` has each.
macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident, $fallible:ident => $op:ident;)*) => {$(
        #[doc = concat!("[`", stringify!($name), "`](Tensor::", stringify!($name), "), returning the error.")]
        pub fn $fallible(&self) -> Result<Tensor> {
            self.f_apply(Unary::$op)
        }

        $(#[$doc])*
        pub fn $name(&self) -> Tensor {
            or_panic(self.$fallible())
        }
    )*};
}

impl Tensor {
    /// Takes ownership of a tensor the engine has just made.
    pub(crate) fn from_id(id: Id) -> Tensor {
        Tensor {
            handle: Handle::new(id),
        }
    }

    /// How requests name this tensor.
    pub(crate) fn id(&self) -> Id {
        self.handle.id()
    }

    /// A one-dimensional float32 tensor of `values`, as `torch.tensor([…])` makes it (each
    /// value rounded to float32).
    pub fn from_slice<T: Copy + Into<f64>>(values: &[T]) -> Tensor {
        or_panic(Tensor::f_from_slice(values))
    }

    /// [`from_slice`](Tensor::from_slice), returning the error.
    pub fn f_from_slice<T: Copy + Into<f64>>(values: &[T]) -> Result<Tensor> {
        Tensor::f_from_values(values.iter().map(|&v| v.into()), vec![values.len() as i64])
    }

    /// A two-dimensional float32 tensor of `rows`, as `torch.tensor([[…], …])` makes it: the
    /// seed's `sample_input` is `Tensor::from_slice2(&[[1., 0., -1.]])`.
    pub fn from_slice2<T: Copy + Into<f64>, R: AsRef<[T]>>(rows: &[R]) -> Tensor {
        or_panic(Tensor::f_from_slice2(rows))
    }

    /// [`from_slice2`](Tensor::from_slice2), returning the error.
    pub fn f_from_slice2<T: Copy + Into<f64>, R: AsRef<[T]>>(rows: &[R]) -> Result<Tensor> {
        let width = rows.first().map_or(0, |row| row.as_ref().len());
        if let Some(row) = rows.iter().position(|row| row.as_ref().len() != width) {
            return Err(Error::invalid(
                format!("the length of row {row}"),
                rows[row].as_ref().len(),
                format!("{width}, as long as row 0"),
            ));
        }
        let values = rows.iter().flat_map(|row| row.as_ref().iter().map(|&v| v.into()));
        Tensor::f_from_values(values, vec![rows.len() as i64, width as i64])
    }

    fn f_from_values(values: impl Iterator<Item = f64>, shape: Vec<i64>) -> Result<Tensor> {
        let values = values.map(|v| v as f32).collect();
        ask(&FromValues { values, shape }).map(Tensor::from_id)
    }

    fn f_apply(&self, op: Unary) -> Result<Tensor> {
        ask(&Apply { op, x: self.id() }).map(Tensor::from_id)
    }

    unary! {
        /// `max(x, 0)`, element by element (`nn.ReLU`).
        relu, f_relu => Relu;
        /// `nn.Tanh`.
        tanh, f_tanh => Tanh;
        /// `nn.Sigmoid`.
        sigmoid, f_sigmoid => Sigmoid;
        /// `|x|`, element by element.
        abs, f_abs => Abs;
        /// The gradient that backward passes have added into this leaf (PyTorch's `param.grad`).
        grad, f_grad => Grad;
        /// Another handle to the same tensor: the same data, the same gradient.
        shallow_clone, f_shallow_clone => ShallowClone;
    }

    /// [`gelu`](Tensor::gelu), returning the error.
    pub fn f_gelu(&self, approximate: &str) -> Result<Tensor> {
        match approximate {
            "none" => self.f_apply(Unary::Gelu),
            "tanh" => self.f_apply(Unary::GeluTanh),
            other => Err(Error::invalid(
                "gelu's approximate",
                format!("{other:?}"),
                "\"none\" or \"tanh\"",
            )),
        }
    }

    /// `nn.GELU(approximate=…)`: `"none"` for the exact GELU, `"tanh"` for its tanh
    /// approximation.
    pub fn gelu(&self, approximate: &str) -> Tensor {
        or_panic(self.f_gelu(approximate))
    }

    /// [`linear`](Tensor::linear), returning the error.
    pub fn f_linear(&self, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
        let request = requests::Linear {
            x: self.id(),
            weight: weight.id(),
            bias: bias.map(Tensor::id),
        };
        ask(&request).map(Tensor::from_id)
    }

    /// `x @ weight.T + bias`, as `nn.Linear` computes it.
    pub fn linear(&self, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
        or_panic(self.f_linear(weight, bias))
    }

    /// [`+`](Add), returning the error.
    pub fn f_add(&self, other: &Tensor) -> Result<Tensor> {
        ask(&requests::Add {
            x: self.id(),
            y: other.id(),
        })
        .map(Tensor::from_id)
    }

    /// [`*`](Mul) by a number, returning the error.
    pub fn f_mul_scalar(&self, factor: f64) -> Result<Tensor> {
        ask(&Scale {
            x: self.id(),
            factor,
        })
        .map(Tensor::from_id)
    }

    fn f_reduce(&self, op: Reduce, kind: Option<Kind>) -> Result<Tensor> {
        ask(&Reduced {
            op,
            x: self.id(),
            kind,
        })
        .map(Tensor::from_id)
    }

    /// [`mean`](Tensor::mean), returning the error.
    pub fn f_mean(&self, kind: impl Into<Option<Kind>>) -> Result<Tensor> {
        self.f_reduce(Reduce::Mean, kind.into())
    }

    /// The mean of every element, as `kind` (`Kind::Float` keeps float32).
    pub fn mean(&self, kind: impl Into<Option<Kind>>) -> Tensor {
        or_panic(self.f_mean(kind))
    }

    /// [`sum`](Tensor::sum), returning the error.
    pub fn f_sum(&self, kind: impl Into<Option<Kind>>) -> Result<Tensor> {
        self.f_reduce(Reduce::Sum, kind.into())
    }

    /// The sum of every element, as `kind`.
    pub fn sum(&self, kind: impl Into<Option<Kind>>) -> Tensor {
        or_panic(self.f_sum(kind))
    }

    /// [`max`](Tensor::max), returning the error.
    pub fn f_max(&self) -> Result<Tensor> {
        self.f_reduce(Reduce::Max, None)
    }

    /// The largest element.
    pub fn max(&self) -> Tensor {
        or_panic(self.f_max())
    }

    /// [`mse_loss`](Tensor::mse_loss), returning the error.
    pub fn f_mse_loss(&self, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        let request = MseLoss {
            x: self.id(),
            target: target.id(),
            reduction,
        };
        ask(&request).map(Tensor::from_id)
    }

    /// The squared error against `target`, reduced (`nn.MSELoss()(self, target)` for
    /// `Reduction::Mean`).
    pub fn mse_loss(&self, target: &Tensor, reduction: Reduction) -> Tensor {
        or_panic(self.f_mse_loss(target, reduction))
    }

    /// [`backward`](Tensor::backward), returning the error.
    pub fn f_backward(&self) -> Result<()> {
        ask(&Backward { x: self.id() })
    }

    /// Computes the gradients of this (one-element) tensor and adds them into the leaves it
    /// was computed from, as PyTorch does: a second backward pass doubles them.
    pub fn backward(&self) {
        or_panic(self.f_backward())
    }

    /// [`zero_grad`](Tensor::zero_grad), returning the error.
    pub fn f_zero_grad(&mut self) -> Result<()> {
        ask(&ZeroGrad { x: self.id() })
    }

    /// Zeroes the gradient this leaf holds.
    pub fn zero_grad(&mut self) {
        or_panic(self.f_zero_grad())
    }

    /// [`size`](Tensor::size), returning the error.
    pub fn f_size(&self) -> Result<Vec<i64>> {
        ask(&Size { x: self.id() })
    }

    /// The tensor's shape (PyTorch's `x.shape`).
    pub fn size(&self) -> Vec<i64> {
        or_panic(self.f_size())
    }

    /// [`double_value`](Tensor::double_value), returning the error.
    pub fn f_double_value(&self, index: &[i64]) -> Result<f64> {
        ask(&Value {
            x: self.id(),
            index: index.to_vec(),
        })
    }

    /// The element at `index` (`&[]` for a tensor of no dimensions), as float64.
    pub fn double_value(&self, index: &[i64]) -> f64 {
        or_panic(self.f_double_value(index))
    }

    /// [`item`](Tensor::item), returning the error.
    pub fn f_item(&self) -> Result<Item> {
        ask(&ItemOf { x: self.id() }).map(Item)
    }

    /// The only element of a one-element tensor, which prints as Python prints a float:
    /// PyTorch's `x.item()`.
    pub fn item(&self) -> Item {
        or_panic(self.f_item())
    }

    /// The tensor as PyTorch prints it (`print(x)`).
    pub fn f_to_string(&self) -> Result<String> {
        ask(&Print { x: self.id() })
    }

    /// Shows the tensor as PyTorch prints it, as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

/// As PyTorch prints it; where the engine cannot answer, its error.
impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.f_to_string() {
            Ok(text) => f.write_str(&text),
            Err(error) => write!(f, "{error}"),
        }
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `x + y` for every mix of tensors and references, as in `tch`.
macro_rules! add {
    ($($left:ty, $right:ty);*) => {$(
        impl Add<$right> for $left {
            type Output = Tensor;
            fn add(self, other: $right) -> Tensor {
                or_panic(self.f_add(&other))
            }
        }
    )*};
}
add!(&Tensor, &Tensor; Tensor, Tensor; &Tensor, Tensor; Tensor, &Tensor);

/// `x * factor` and `factor * x`, for tensors and references.
macro_rules! scale {
    ($($t:ty),*) => {$(
        impl Mul<f64> for $t {
            type Output = Tensor;
            fn mul(self, factor: f64) -> Tensor {
                or_panic(self.f_mul_scalar(factor))
            }
        }
        impl Mul<$t> for f64 {
            type Output = Tensor;
            fn mul(self, x: $t) -> Tensor {
                or_panic(x.f_mul_scalar(self))
            }
        }
    )*};
}
scale!(&Tensor, Tensor);
