//! Tensors in a notebook cell, spelled as `tch` spells them, computed by the engine: a
//! [`Tensor`] here is a handle to a libtorch tensor that lives in the engine, so a cell that
//! uses them compiles against this light crate only. Each operation is one request, answered
//! in well under a millisecond; dropping a tensor frees it in the engine.
//!
//! The surface is what the seed's `print_gradients`, its model, and a student's own activation
//! or layer need: tensors from slices ([`from_slice`](Tensor::from_slice),
//! [`from_slice2`](Tensor::from_slice2)) and of a shape ([`zeros`](Tensor::zeros),
//! [`ones`](Tensor::ones), [`randn`](Tensor::randn)); `+ - * /` between tensors and with
//! numbers, unary `-`, [`pow`](Tensor::pow), [`pow_tensor_scalar`](Tensor::pow_tensor_scalar),
//! [`exp`](Tensor::exp), [`sqrt`](Tensor::sqrt), [`matmul`](Tensor::matmul),
//! [`tr`](Tensor::tr); the layers' [`linear`](Tensor::linear) and
//! [`layer_norm`](Tensor::layer_norm); the activations [`relu`](Tensor::relu),
//! [`gelu`](Tensor::gelu), [`tanh`](Tensor::tanh) and [`sigmoid`](Tensor::sigmoid);
//! [`mse_loss`](Tensor::mse_loss), [`backward`](Tensor::backward), [`grad`](Tensor::grad),
//! [`zero_grad`](Tensor::zero_grad); [`abs`](Tensor::abs), [`mean`](Tensor::mean),
//! [`sum`](Tensor::sum), [`max`](Tensor::max); [`item`](Tensor::item),
//! [`double_value`](Tensor::double_value), [`size`](Tensor::size),
//! [`shallow_clone`](Tensor::shallow_clone); and printing as PyTorch prints. Models add
//! `forward` and `named_parameters` (the `nn` module, `DeepNetwork`).
//!
//! As in `tch`, each operation has a fallible twin whose name starts with `f_` and returns
//! the error; the plain one panics with it (libtorch's message, in PyTorch's words), which
//! evcxr shows under the cell while the kernel keeps its variables.
//!
//! # Differences from tch
//!
//! A cell spelled with these compiles in a program that links `tch` 0.26 with its `use` lines
//! changed (`tests/test_tch_cells.py` compiles the notebooks' cells so), except for these, each
//! on purpose; the line a `tch` program writes instead follows each.
//! - `nn::linear` draws PyTorch's initialisation (the weight first, Kaiming-uniform, then the
//!   bias), so that the numbers are PyTorch's; `tch` draws the bias first, with other bounds.
//!   Same spelling, other numbers: there is no line that gives PyTorch's in `tch`.
//! - `VarStore::named_parameters()` and `DeepNetwork::named_parameters()`: the parameters by
//!   name in the order made, as PyTorch's `model.named_parameters()`; `tch` has
//!   `vs.variables()`, a `HashMap` in no order.
//! - `Tensor::item()`, a number that prints as Python prints a float ([`PyFloat`]); `tch`
//!   writes `t.double_value(&[])`, an `f64` that prints as Rust prints it.
//! - `VarStore::zero_grad()`: `tch` zeroes the gradients through its optimiser,
//!   `opt.zero_grad()`, or each tensor's `t.zero_grad()`.
//! - `DeepNetwork`, the seed's network built by the engine, is gradflow's; a `tch` program
//!   writes its own model, as notebook 02's architecture cell does.
//!
//! ```
//! use gradflow::{Kind, Reduction, Tensor};
//!
//! let x = Tensor::from_slice2(&[[1f32, 0., -1.]]);
//! let loss = x.relu().mse_loss(&Tensor::from_slice2(&[[0f32, 0., 0.]]), Reduction::Mean);
//! assert_eq!(loss.item().to_string(), "0.3333333432674408"); // Python's print(loss.item())
//! assert_eq!(x.abs().mean(Kind::Float).to_string(), "tensor(0.6667)");
//! let silu = &x * x.sigmoid();
//! assert_eq!(silu.to_string(), "tensor([[ 0.7311,  0.0000, -0.2689]])");
//! ```

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::client::{ask, Handle};
use crate::error::{Error, Result};
use crate::limits;
use crate::protocol::{
    Apply, ApplyLayerNorm, ApplyLinear, Backward, Binary, Combine, DoubleValue, Fill, Filler,
    FromSlice, Item, ManualSeed, Max, Mean, MseLoss, Print, ScalarOp, Size, Sum, Unary, WithScalar,
    ZeroGrad,
};
use crate::repr::{float_repr, show_text};
pub use crate::settings::{Device, Kind, Reduction};
use crate::wire::Id;

/// A tensor in the engine. Made by the constructors, by operations and by models; not
/// `Clone` (as in `tch`): [`shallow_clone`](Tensor::shallow_clone) shares its data.
pub struct Tensor {
    handle: Handle,
}

/// The Rust numbers a tensor can be made of, each giving its [`Kind`] as in `tch`: `f32`
/// makes float32 (PyTorch's default), `f64` makes float64.
pub trait Element: Copy + Into<f64> {
    const KIND: Kind;
}

impl Element for f32 {
    const KIND: Kind = Kind::Float;
}

impl Element for f64 {
    const KIND: Kind = Kind::Double;
}

/// What [`Tensor::item`] returns: a float that prints as Python prints it (`float_repr`),
/// `1e-05`-style exponents included, as `print(t.item())` shows it.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct PyFloat(pub f64);

impl fmt::Display for PyFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&float_repr(self.0))
    }
}

impl From<PyFloat> for f64 {
    fn from(value: PyFloat) -> f64 {
        value.0
    }
}

impl PartialEq<f64> for PyFloat {
    fn eq(&self, other: &f64) -> bool {
        self.0 == *other
    }
}

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

/// `torch.manual_seed(seed)`: the weights that [`crate::nn::linear`] and the values that
/// [`Tensor::randn`] draw next are those PyTorch draws after the same call.
pub fn manual_seed(seed: i64) {
    or_panic(f_manual_seed(seed))
}

/// [`manual_seed`], returning the error.
pub fn f_manual_seed(seed: i64) -> Result<()> {
    ask(&ManualSeed { seed })
}

/// Operations of one tensor, each with its `f_` twin, as `tch` has them.
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

/// Operations of two tensors, each with its `f_` twin, as `tch` has them.
macro_rules! binary {
    ($($(#[$doc:meta])* $name:ident, $fallible:ident => $op:ident;)*) => {$(
        #[doc = concat!("[`", stringify!($name), "`](Tensor::", stringify!($name), "), returning the error.")]
        pub fn $fallible(&self, other: &Tensor) -> Result<Tensor> {
            self.f_combine(Binary::$op, other)
        }

        $(#[$doc])*
        pub fn $name(&self, other: &Tensor) -> Tensor {
            or_panic(self.$fallible(other))
        }
    )*};
}

/// Tensors of a shape, each with its `f_` twin, as `tch` has them.
macro_rules! filled {
    ($($(#[$doc:meta])* $name:ident, $fallible:ident => $filler:ident;)*) => {$(
        #[doc = concat!("[`", stringify!($name), "`](Tensor::", stringify!($name), "), returning the error.")]
        pub fn $fallible(size: impl AsRef<[i64]>, options: (Kind, Device)) -> Result<Tensor> {
            Tensor::f_fill(Filler::$filler, size.as_ref(), options.0)
        }

        $(#[$doc])*
        pub fn $name(size: impl AsRef<[i64]>, options: (Kind, Device)) -> Tensor {
            or_panic(Tensor::$fallible(size, options))
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

    /// A one-dimensional tensor of `values`: float32 from `f32`, float64 from `f64`, as in
    /// `tch` (`torch.tensor([…])` makes float32: write `&[1f32, 2.]`).
    pub fn from_slice<T: Element>(values: &[T]) -> Tensor {
        or_panic(Tensor::f_from_slice(values))
    }

    /// [`from_slice`](Tensor::from_slice), returning the error.
    pub fn f_from_slice<T: Element>(values: &[T]) -> Result<Tensor> {
        let shape = vec![values.len() as i64];
        Tensor::f_from_values(
            T::KIND,
            values.iter().map(|&v| v.into()),
            values.len(),
            shape,
        )
    }

    /// A two-dimensional tensor of `rows`, of `T`'s kind as in `tch`: the seed's
    /// `sample_input`, `torch.tensor([[1., 0., -1.]])`, is `Tensor::from_slice2(&[[1f32, 0.,
    /// -1.]])`.
    pub fn from_slice2<T: Element, R: AsRef<[T]>>(rows: &[R]) -> Tensor {
        or_panic(Tensor::f_from_slice2(rows))
    }

    /// [`from_slice2`](Tensor::from_slice2), returning the error.
    pub fn f_from_slice2<T: Element, R: AsRef<[T]>>(rows: &[R]) -> Result<Tensor> {
        let width = rows.first().map_or(0, |row| row.as_ref().len());
        if let Some(row) = rows.iter().position(|row| row.as_ref().len() != width) {
            return Err(Error::invalid(
                format!("the length of row {row}"),
                rows[row].as_ref().len(),
                format!("{width}, as long as row 0"),
            ));
        }
        let values = rows
            .iter()
            .flat_map(|row| row.as_ref().iter().map(|&v| v.into()));
        let shape = vec![rows.len() as i64, width as i64];
        Tensor::f_from_values(T::KIND, values, rows.len() * width, shape)
    }

    fn f_from_values(
        kind: Kind,
        values: impl Iterator<Item = f64>,
        count: usize,
        shape: Vec<i64>,
    ) -> Result<Tensor> {
        limits::check_slice_values(count)?;
        let values = values.collect();
        ask(&FromSlice {
            values,
            shape,
            kind,
        })
        .map(Tensor::from_id)
    }

    fn f_fill(filler: Filler, size: &[i64], kind: Kind) -> Result<Tensor> {
        let size = size.to_vec();
        ask(&Fill { filler, size, kind }).map(Tensor::from_id)
    }

    filled! {
        /// A tensor of zeros: `Tensor::zeros([2, 3], (Kind::Float, Device::Cpu))`.
        zeros, f_zeros => Zeros;
        /// A tensor of ones.
        ones, f_ones => Ones;
        /// A tensor drawn from the standard normal distribution by PyTorch's generator: after
        /// [`manual_seed`], the values `torch.randn` draws after `torch.manual_seed`.
        randn, f_randn => Randn;
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
        /// `-x`, element by element (also the `-` operator).
        neg, f_neg => Neg;
        /// `e^x`, element by element.
        exp, f_exp => Exp;
        /// `√x`, element by element.
        sqrt, f_sqrt => Sqrt;
        /// The transpose of a matrix (PyTorch's `x.t()`).
        tr, f_tr => Tr;
        /// The gradient that backward passes have added into this leaf (PyTorch's `param.grad`).
        grad, f_grad => Grad;
        /// Another handle to the same tensor: the same data, the same gradient.
        shallow_clone, f_shallow_clone => ShallowClone;
    }

    fn f_combine(&self, op: Binary, other: &Tensor) -> Result<Tensor> {
        let (x, y) = (self.id(), other.id());
        ask(&Combine { op, x, y }).map(Tensor::from_id)
    }

    /// [`+`](Add) of two tensors, broadcasting as PyTorch does, returning the error.
    pub fn f_add(&self, other: &Tensor) -> Result<Tensor> {
        self.f_combine(Binary::Add, other)
    }

    /// [`-`](Sub) of two tensors, returning the error.
    pub fn f_sub(&self, other: &Tensor) -> Result<Tensor> {
        self.f_combine(Binary::Sub, other)
    }

    /// [`*`](Mul) of two tensors, element by element, returning the error.
    pub fn f_mul(&self, other: &Tensor) -> Result<Tensor> {
        self.f_combine(Binary::Mul, other)
    }

    /// [`/`](Div) of two tensors, element by element, returning the error.
    pub fn f_div(&self, other: &Tensor) -> Result<Tensor> {
        self.f_combine(Binary::Div, other)
    }

    binary! {
        /// `x ** y`, element by element.
        pow, f_pow => Pow;
        /// The matrix product `x @ y`.
        matmul, f_matmul => Matmul;
    }

    /// An operator with a number, returning the error.
    fn f_with_scalar(&self, op: ScalarOp, scalar: f64) -> Result<Tensor> {
        let x = self.id();
        ask(&WithScalar { op, x, scalar }).map(Tensor::from_id)
    }

    /// [`pow_tensor_scalar`](Tensor::pow_tensor_scalar), returning the error.
    pub fn f_pow_tensor_scalar(&self, exponent: impl Into<f64>) -> Result<Tensor> {
        self.f_with_scalar(ScalarOp::Pow, exponent.into())
    }

    /// `x ** exponent`, element by element, for a number `exponent`.
    pub fn pow_tensor_scalar(&self, exponent: impl Into<f64>) -> Tensor {
        or_panic(self.f_pow_tensor_scalar(exponent))
    }

    /// [`linear`](Tensor::linear), returning the error.
    pub fn f_linear<T: Borrow<Tensor>>(&self, weight: &Tensor, bias: Option<T>) -> Result<Tensor> {
        let request = ApplyLinear {
            x: self.id(),
            weight: weight.id(),
            bias: bias.map(|bias| bias.borrow().id()),
        };
        ask(&request).map(Tensor::from_id)
    }

    /// `x @ weight.T + bias`, as `nn.Linear` computes it.
    pub fn linear<T: Borrow<Tensor>>(&self, weight: &Tensor, bias: Option<T>) -> Tensor {
        or_panic(self.f_linear(weight, bias))
    }

    /// [`layer_norm`](Tensor::layer_norm), returning the error.
    pub fn f_layer_norm<T: Borrow<Tensor>>(
        &self,
        normalized_shape: impl AsRef<[i64]>,
        weight: Option<T>,
        bias: Option<T>,
        eps: f64,
        _cudnn_enable: bool,
    ) -> Result<Tensor> {
        let request = ApplyLayerNorm {
            x: self.id(),
            normalized_shape: normalized_shape.as_ref().to_vec(),
            weight: weight.map(|weight| weight.borrow().id()),
            bias: bias.map(|bias| bias.borrow().id()),
            eps,
        };
        ask(&request).map(Tensor::from_id)
    }

    /// Each row normalised to mean 0 and variance 1 over its last dimensions
    /// (`normalized_shape`), then scaled by `weight` and shifted by `bias`: `nn.LayerNorm`.
    /// (`cudnn_enable` is `tch`'s; the engine computes on its CPU.)
    pub fn layer_norm<T: Borrow<Tensor>>(
        &self,
        normalized_shape: impl AsRef<[i64]>,
        weight: Option<T>,
        bias: Option<T>,
        eps: f64,
        cudnn_enable: bool,
    ) -> Tensor {
        or_panic(self.f_layer_norm(normalized_shape, weight, bias, eps, cudnn_enable))
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

    /// [`mean`](Tensor::mean), returning the error.
    pub fn f_mean(&self, kind: impl Into<Option<Kind>>) -> Result<Tensor> {
        let (x, kind) = (self.id(), kind.into());
        ask(&Mean { x, kind }).map(Tensor::from_id)
    }

    /// The mean of every element, as `kind` (`Kind::Float` keeps float32).
    pub fn mean(&self, kind: impl Into<Option<Kind>>) -> Tensor {
        or_panic(self.f_mean(kind))
    }

    /// [`sum`](Tensor::sum), returning the error.
    pub fn f_sum(&self, kind: impl Into<Option<Kind>>) -> Result<Tensor> {
        let (x, kind) = (self.id(), kind.into());
        ask(&Sum { x, kind }).map(Tensor::from_id)
    }

    /// The sum of every element, as `kind`.
    pub fn sum(&self, kind: impl Into<Option<Kind>>) -> Tensor {
        or_panic(self.f_sum(kind))
    }

    /// [`max`](Tensor::max), returning the error.
    pub fn f_max(&self) -> Result<Tensor> {
        ask(&Max { x: self.id() }).map(Tensor::from_id)
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
        ask(&DoubleValue {
            x: self.id(),
            index: index.to_vec(),
        })
    }

    /// The element at `index` (`&[]` for a tensor of no dimensions), as float64.
    pub fn double_value(&self, index: &[i64]) -> f64 {
        or_panic(self.f_double_value(index))
    }

    /// [`item`](Tensor::item), returning the error.
    pub fn f_item(&self) -> Result<PyFloat> {
        ask(&Item { x: self.id() }).map(PyFloat)
    }

    /// The only element of a one-element tensor, which prints as Python prints a float:
    /// PyTorch's `x.item()`.
    pub fn item(&self) -> PyFloat {
        or_panic(self.f_item())
    }

    /// The tensor as PyTorch prints it (`print(x)`).
    pub fn f_to_string(&self) -> Result<String> {
        ask(&Print { x: self.id() })
    }

    /// Shows the tensor as PyTorch prints it, as a Jupyter cell's output in evcxr.
    pub fn evcxr_display(&self) {
        show_text(self)
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

/// `x op y` for every mix of tensors and references, and `x op a`, `a op x` with a number, as
/// in `tch`; with the number on the left, Python's order (`a - x` is `torch.rsub(x, a)`).
macro_rules! operator {
    ($trait:ident, $method:ident, $fallible:ident, $scalar:ident, $reversed:ident) => {
        operator!(@tensors $trait, $method, $fallible; &Tensor, &Tensor; Tensor, Tensor; &Tensor, Tensor; Tensor, &Tensor);
        operator!(@numbers $trait, $method, $scalar, $reversed; f64, f32, i64, i32);
    };
    (@tensors $trait:ident, $method:ident, $fallible:ident; $($left:ty, $right:ty);*) => {$(
        impl $trait<$right> for $left {
            type Output = Tensor;
            fn $method(self, other: $right) -> Tensor {
                or_panic(self.$fallible(&other))
            }
        }
    )*};
    (@numbers $trait:ident, $method:ident, $scalar:ident, $reversed:ident; $($number:ty),*) => {
        // One impl for any number on the right, so that `x * 0.5` is a tensor before the
        // number's type is known (as in `tch`); one per type on the left, as Rust requires.
        impl<S: Into<f64>> $trait<S> for &Tensor {
            type Output = Tensor;
            fn $method(self, other: S) -> Tensor {
                or_panic(self.f_with_scalar(ScalarOp::$scalar, other.into()))
            }
        }
        impl<S: Into<f64>> $trait<S> for Tensor {
            type Output = Tensor;
            fn $method(self, other: S) -> Tensor {
                (&self).$method(other)
            }
        }
        $(
        impl $trait<&Tensor> for $number {
            type Output = Tensor;
            fn $method(self, x: &Tensor) -> Tensor {
                or_panic(x.f_with_scalar(ScalarOp::$reversed, self as f64))
            }
        }
        impl $trait<Tensor> for $number {
            type Output = Tensor;
            fn $method(self, x: Tensor) -> Tensor {
                self.$method(&x)
            }
        }
    )*};
}
operator!(Add, add, f_add, Add, Add);
operator!(Sub, sub, f_sub, Sub, RSub);
operator!(Mul, mul, f_mul, Mul, Mul);
operator!(Div, div, f_div, Div, RDiv);

impl Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}
