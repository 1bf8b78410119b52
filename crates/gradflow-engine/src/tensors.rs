//! The notebooks' tensors, computed: each tensor request of `gradflow::protocol` answered with
//! libtorch, on the values of the [`Store`]. Every operation is libtorch's own, so its numbers
//! (and its error messages) are PyTorch's.

use gradflow::limits;
use gradflow::protocol::{
    Apply, ApplyLayerNorm, ApplyLinear, Backward, Binary, Combine, DoubleValue, Fill, Filler, Free,
    FromSlice, Item, ManualSeed, Max, Mean, MseLoss, Print, ScalarOp, Size, Sum, Unary, WithScalar,
    ZeroGrad,
};
use gradflow::settings::{Kind, Reduction};
use gradflow::wire::Id;
use tch::{Device, Tensor};

use crate::error::{Error, Result};
use crate::network::{draw_after, with_seed, zero_grad};
use crate::print::{tensor_repr, Printed};
use crate::store::{Draw, Held, Locked, Seeded, Serve, Store, Value};

impl Serve for Free {
    fn serve(self, store: &Store) -> Result<()> {
        store.lock()?.free(&self.ids);
        Ok(())
    }
}

/// libtorch's element type for a request's.
pub fn kind(kind: Kind) -> tch::Kind {
    match kind {
        Kind::Float => tch::Kind::Float,
        Kind::Double => tch::Kind::Double,
    }
}

impl Serve for FromSlice {
    fn serve(self, store: &Store) -> Result<Id> {
        let elements = self.shape.iter().try_fold(1i64, |n, &size| {
            (size >= 0).then(|| n.checked_mul(size)).flatten()
        });
        if elements != Some(self.values.len() as i64) {
            return Err(gradflow::Error::invalid(
                format!("the number of values for shape {:?}", self.shape),
                self.values.len(),
                "the product of the shape's sizes",
            )
            .into());
        }
        let tensor = match self.kind {
            Kind::Double => Tensor::f_from_slice(&self.values)?,
            Kind::Float => {
                let values: Vec<f32> = self.values.iter().map(|&v| v as f32).collect();
                Tensor::f_from_slice(&values)?
            }
        };
        let tensor = tensor.f_view(self.shape.as_slice())?;
        Ok(store.lock()?.insert_tensor(tensor, ""))
    }
}

impl Serve for Fill {
    fn serve(self, store: &Store) -> Result<Id> {
        let options = (kind(self.kind), Device::Cpu);
        limits::check_tensor_size(&self.size, options.0.elt_size_in_bytes() as u64)?;
        let size = self.size.as_slice();
        let mut values = store.lock()?;
        let tensor = match self.filler {
            Filler::Zeros => Tensor::f_zeros(size, options)?,
            Filler::Ones => Tensor::f_ones(size, options)?,
            Filler::Randn => {
                let draw = Draw::Randn {
                    size: self.size.clone(),
                    kind: options.0,
                };
                draw_in_order(&mut values, draw)?.0
            }
        };
        Ok(values.insert_tensor(tensor, ""))
    }
}

/// Draws `draw` from the generator as PyTorch would at this point of the notebook: after its
/// `manual_seed` and what it drew since, whatever the engine's experiments drew in between;
/// without a seed, from the generator as it is. Returns the tensors drawn (a `randn`, or a
/// layer's weight and bias).
pub fn draw_in_order(values: &mut Locked<'_>, draw: Draw) -> Result<(Tensor, Option<Tensor>)> {
    let Some(seeded) = values.seeded() else {
        return with_seed(None, || draw_one(&draw));
    };
    let Seeded { seed, drawn, last } = seeded;
    let replay = || {
        drawn
            .iter()
            .try_for_each(|earlier| draw_one(earlier).map(drop))
    };
    let tensors = draw_after(*seed, last, replay, || draw_one(&draw))?;
    drawn.push(draw);
    Ok(tensors)
}

/// One draw from the generator's current state.
fn draw_one(draw: &Draw) -> Result<(Tensor, Option<Tensor>)> {
    match *draw {
        Draw::Linear {
            fan_in,
            fan_out,
            bias,
        } => {
            let vs = tch::nn::VarStore::new(Device::Cpu);
            let linear = crate::network::pytorch_linear(&vs.root(), fan_in, fan_out, bias)?;
            Ok((linear.ws, linear.bs))
        }
        Draw::Randn { ref size, kind } => {
            Ok((Tensor::f_randn(size.as_slice(), (kind, Device::Cpu))?, None))
        }
    }
}

impl Serve for Apply {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let held = values.held(self.x)?;
        let x = &held.tensor;
        let (y, grad_fn) = match self.op {
            Unary::Relu => (x.f_relu()?, "ReluBackward0"),
            Unary::Tanh => (x.f_tanh()?, "TanhBackward0"),
            Unary::Sigmoid => (x.f_sigmoid()?, "SigmoidBackward0"),
            Unary::Abs => (x.f_abs()?, "AbsBackward0"),
            Unary::Gelu => (x.f_gelu("none")?, "GeluBackward0"),
            Unary::GeluTanh => (x.f_gelu("tanh")?, "GeluBackward0"),
            Unary::Neg => (x.f_neg()?, "NegBackward0"),
            Unary::Exp => (x.f_exp()?, "ExpBackward0"),
            Unary::Sqrt => (x.f_sqrt()?, "SqrtBackward0"),
            Unary::Tr => (x.f_tr()?, "TBackward0"),
            Unary::Grad => {
                let grad = x.f_grad()?;
                if !grad.defined() {
                    return Err(no_gradient());
                }
                return Ok(values.insert(Value::Tensor(Held {
                    tensor: grad,
                    grad_fn: None,
                    parameter: false,
                })));
            }
            Unary::ShallowClone => {
                let clone = Held {
                    tensor: x.shallow_clone(),
                    grad_fn: held.grad_fn,
                    parameter: held.parameter,
                };
                return Ok(values.insert(Value::Tensor(clone)));
            }
        };
        Ok(values.insert_tensor(y, grad_fn))
    }
}

/// PyTorch's `param.grad` is `None` here; it has no `.abs()` to call.
fn no_gradient() -> Error {
    gradflow::Error::Torch(
        "this tensor has no gradient (PyTorch's grad is None): it is not a parameter, or no \
         backward pass has reached it yet; call backward() on a loss computed from it first"
            .to_owned(),
    )
    .into()
}

impl Serve for Combine {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let (x, y) = (values.tensor(self.x)?, values.tensor(self.y)?);
        let (z, grad_fn) = match self.op {
            Binary::Add => (x.f_add(y)?, "AddBackward0"),
            Binary::Sub => (x.f_sub(y)?, "SubBackward0"),
            Binary::Mul => (x.f_mul(y)?, "MulBackward0"),
            Binary::Div => (x.f_div(y)?, "DivBackward0"),
            Binary::Pow => (x.f_pow(y)?, "PowBackward1"),
            // What `torch.matmul` records, by its operands' dimensions (checked against PyTorch).
            Binary::Matmul => (
                x.f_matmul(y)?,
                match (x.dim(), y.dim()) {
                    (1, 1) => "DotBackward0",
                    (2, 1) => "MvBackward0",
                    (1, 2) => "SqueezeBackward4",
                    (2, 2) => "MmBackward0",
                    _ => "UnsafeViewBackward0",
                },
            ),
        };
        Ok(values.insert_tensor(z, grad_fn))
    }
}

impl Serve for WithScalar {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let x = values.tensor(self.x)?;
        let a = self.scalar;
        let (y, grad_fn) = match self.op {
            ScalarOp::Add => (x.f_add_scalar(a)?, "AddBackward0"),
            ScalarOp::Sub => (x.f_sub_scalar(a)?, "SubBackward0"),
            ScalarOp::Mul => (x.f_mul_scalar(a)?, "MulBackward0"),
            ScalarOp::Div => (x.f_div_scalar(a)?, "DivBackward0"),
            ScalarOp::Pow => (x.f_pow_tensor_scalar(a)?, "PowBackward0"),
            ScalarOp::RSub => (x.f_rsub_scalar(a)?, "RsubBackward1"),
            // Python's `a / x`: `x.reciprocal() * a`.
            ScalarOp::RDiv => (x.f_reciprocal()?.f_mul_scalar(a)?, "MulBackward0"),
        };
        Ok(values.insert_tensor(y, grad_fn))
    }
}

impl Serve for ApplyLinear {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let x = values.tensor(self.x)?;
        let bias = self.bias.map(|bias| values.tensor(bias)).transpose()?;
        let y = x.f_linear(values.tensor(self.weight)?, bias)?;
        // What `F.linear` records, by the input's dimensions (checked against PyTorch).
        let grad_fn = match (x.dim(), bias.is_some()) {
            (1, true) => "ViewBackward0",
            (1, false) => "SqueezeBackward4",
            (2, true) => "AddmmBackward0",
            (2, false) => "MmBackward0",
            (_, true) => "ViewBackward0",
            (_, false) => "UnsafeViewBackward0",
        };
        Ok(values.insert_tensor(y, grad_fn))
    }
}

impl Serve for ApplyLayerNorm {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let x = values.tensor(self.x)?;
        let weight = self.weight.map(|w| values.tensor(w)).transpose()?;
        let bias = self.bias.map(|b| values.tensor(b)).transpose()?;
        let shape = self.normalized_shape.as_slice();
        let y = x.f_layer_norm(shape, weight, bias, self.eps, false)?;
        Ok(values.insert_tensor(y, "NativeLayerNormBackward0"))
    }
}

impl Serve for Mean {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let y = values.tensor(self.x)?.f_mean(self.kind.map(kind))?;
        Ok(values.insert_tensor(y, "MeanBackward0"))
    }
}

impl Serve for Sum {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let y = values.tensor(self.x)?.f_sum(self.kind.map(kind))?;
        Ok(values.insert_tensor(y, "SumBackward0"))
    }
}

impl Serve for Max {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let y = values.tensor(self.x)?.f_max()?;
        Ok(values.insert_tensor(y, "MaxBackward1"))
    }
}

impl Serve for MseLoss {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let reduction = match self.reduction {
            Reduction::None => tch::Reduction::None,
            Reduction::Mean => tch::Reduction::Mean,
            Reduction::Sum => tch::Reduction::Sum,
        };
        let loss = values
            .tensor(self.x)?
            .f_mse_loss(values.tensor(self.target)?, reduction)?;
        Ok(values.insert_tensor(loss, "MseLossBackward0"))
    }
}

impl Serve for Backward {
    fn serve(self, store: &Store) -> Result<()> {
        Ok(store.lock()?.tensor(self.x)?.f_backward()?)
    }
}

impl Serve for ZeroGrad {
    fn serve(self, store: &Store) -> Result<()> {
        zero_grad(store.lock()?.tensor(self.x)?)
    }
}

impl Serve for Size {
    fn serve(self, store: &Store) -> Result<Vec<i64>> {
        Ok(store.lock()?.tensor(self.x)?.size())
    }
}

impl Serve for DoubleValue {
    fn serve(self, store: &Store) -> Result<f64> {
        let values = store.lock()?;
        let x = values.tensor(self.x)?;
        if self.index.len() != x.dim() {
            return Err(gradflow::Error::invalid(
                format!("the index {:?}", self.index),
                format!("{} numbers long", self.index.len()),
                format!(
                    "one number per dimension of the tensor's shape {:?}",
                    x.size()
                ),
            )
            .into());
        }
        Ok(x.f_double_value(&self.index)?)
    }
}

impl Serve for Item {
    fn serve(self, store: &Store) -> Result<f64> {
        let values = store.lock()?;
        let x = values.tensor(self.x)?;
        match x.numel() {
            // PyTorch's words for `.item()` of a larger tensor.
            1 => Ok(x.f_flatten(0, -1)?.f_double_value(&[0])?),
            n => Err(gradflow::Error::Torch(format!(
                "a Tensor with {n} elements cannot be converted to Scalar"
            ))
            .into()),
        }
    }
}

impl Serve for Print {
    fn serve(self, store: &Store) -> Result<String> {
        let values = store.lock()?;
        let held = values.held(self.x)?;
        let x = held.tensor.f_detach()?;
        let shape: Vec<usize> = x.size().iter().map(|&size| size as usize).collect();
        let elements = Vec::<f64>::try_from(x.f_to_kind(tch::Kind::Double)?.f_flatten(0, -1)?)?;
        Ok(tensor_repr(&Printed {
            shape: &shape,
            values: &elements,
            double: x.kind() == tch::Kind::Double,
            grad_fn: held.grad_fn,
            requires_grad: held.tensor.requires_grad(),
            parameter: held.parameter,
        }))
    }
}

impl Serve for ManualSeed {
    fn serve(self, store: &Store) -> Result<()> {
        *store.lock()?.seeded() = Some(Seeded {
            seed: self.seed,
            drawn: Vec::new(),
            last: None,
        });
        Ok(())
    }
}
