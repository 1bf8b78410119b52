//! The tensors, models and networks that notebooks hold handles to, computed: each request of
//! `gradflow::tensor`, `gradflow::nn` and `gradflow::network` answered with libtorch, on the
//! values of the [`Store`]. Every operation is libtorch's own, so its numbers (and its error
//! messages) are PyTorch's.

use gradflow::engine::Free;
use gradflow::network::requests::{Forward, Gradients, ParameterGradients};
use gradflow::nn::requests::{NamedParameters, NewLinear, NewVarStore, ZeroGrads};
use gradflow::tensor::requests::{
    Add, Apply, Backward, FromValues, ItemOf, Linear, ManualSeed, MseLoss, Print, Reduced, Scale,
    Size, Value as ValueAt, ZeroGrad,
};
use gradflow::tensor::{Kind, Reduce, Reduction, Unary};
use gradflow::wire::Id;
use gradflow::{Activation, GradientReport, LayerGradient, NetworkConfig, Shortcut};
use tch::{nn, Device, Tensor};

use crate::network::{mean_and_max_abs, pytorch_linear, with_seed, Network};
use crate::print::{tensor_repr, Printed};
use crate::store::{Held, Serve, Store, Value};
use crate::{limits, Error, Result};

impl Serve for Free {
    fn serve(self, store: &Store) -> Result<()> {
        store.lock()?.free(&self.ids);
        Ok(())
    }
}

impl Serve for FromValues {
    fn serve(self, store: &Store) -> Result<Id> {
        let elements = self
            .shape
            .iter()
            .try_fold(1i64, |n, &size| (size >= 0).then(|| n.checked_mul(size)).flatten());
        if elements != Some(self.values.len() as i64) {
            return Err(gradflow::Error::invalid(
                format!("the number of values for shape {:?}", self.shape),
                self.values.len(),
                "the product of the shape's sizes",
            )
            .into());
        }
        let tensor = Tensor::f_from_slice(&self.values)?.f_view(self.shape.as_slice())?;
        Ok(store.lock()?.insert_tensor(tensor, ""))
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

impl Serve for Add {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let sum = values.tensor(self.x)?.f_add(values.tensor(self.y)?)?;
        Ok(values.insert_tensor(sum, "AddBackward0"))
    }
}

impl Serve for Scale {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let product = values.tensor(self.x)?.f_mul_scalar(self.factor)?;
        Ok(values.insert_tensor(product, "MulBackward0"))
    }
}

impl Serve for Linear {
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

/// libtorch's element type for a request's.
fn kind(kind: Kind) -> tch::Kind {
    match kind {
        Kind::Float => tch::Kind::Float,
        Kind::Double => tch::Kind::Double,
    }
}

impl Serve for Reduced {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let x = values.tensor(self.x)?;
        let dtype = self.kind.map(kind);
        let (y, grad_fn) = match self.op {
            Reduce::Mean => (x.f_mean(dtype)?, "MeanBackward0"),
            Reduce::Sum => (x.f_sum(dtype)?, "SumBackward0"),
            Reduce::Max => (x.f_max()?, "MaxBackward1"),
        };
        Ok(values.insert_tensor(y, grad_fn))
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

/// Zeroes the gradient `tensor` holds, if it holds one (`tch`'s `zero_grad`).
fn zero_grad(tensor: &Tensor) -> Result<()> {
    let mut grad = tensor.f_grad()?;
    if grad.defined() {
        let _ = grad.f_detach_()?.f_zero_()?;
    }
    Ok(())
}

impl Serve for ZeroGrad {
    fn serve(self, store: &Store) -> Result<()> {
        zero_grad(store.lock()?.tensor(self.x)?)
    }
}

impl Serve for ZeroGrads {
    fn serve(self, store: &Store) -> Result<()> {
        let parameters = store.lock()?.named_parameters(self.owner)?;
        parameters.iter().try_for_each(|(_, p)| zero_grad(p))
    }
}

impl Serve for Size {
    fn serve(self, store: &Store) -> Result<Vec<i64>> {
        Ok(store.lock()?.tensor(self.x)?.size())
    }
}

impl Serve for ValueAt {
    fn serve(self, store: &Store) -> Result<f64> {
        let values = store.lock()?;
        let x = values.tensor(self.x)?;
        if self.index.len() != x.dim() {
            return Err(gradflow::Error::invalid(
                format!("the index {:?}", self.index),
                format!("{} numbers long", self.index.len()),
                format!("one number per dimension of the tensor's shape {:?}", x.size()),
            )
            .into());
        }
        Ok(x.f_double_value(&self.index)?)
    }
}

impl Serve for ItemOf {
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
        *store.lock()?.seeded() = Some((self.seed, Vec::new()));
        Ok(())
    }
}

impl Serve for NewVarStore {
    fn serve(self, store: &Store) -> Result<Id> {
        Ok(store.lock()?.insert(Value::VarStore(Vec::new())))
    }
}

impl Serve for NewLinear {
    fn serve(self, store: &Store) -> Result<(Id, Option<Id>)> {
        limits::check_layer_sizes(&[self.fan_in, self.fan_out])?;
        let mut values = store.lock()?;
        values.var_store(self.vs)?;
        // libtorch has one generator, which the engine's experiments seed too: every layer
        // since the notebook's `manual_seed` is drawn again first, so that this one gets the
        // numbers PyTorch draws for it, whatever ran in between.
        let seeded = values.seeded().clone();
        let layer = (self.fan_in, self.fan_out, self.bias);
        let linear = with_seed(seeded.as_ref().map(|(seed, _)| *seed), || {
            for &(fan_in, fan_out, bias) in seeded.iter().flat_map(|(_, drawn)| drawn) {
                pytorch_linear(&nn::VarStore::new(Device::Cpu).root(), fan_in, fan_out, bias)?;
            }
            pytorch_linear(&nn::VarStore::new(Device::Cpu).root(), layer.0, layer.1, layer.2)
        })?;
        if let Some((_, drawn)) = values.seeded() {
            drawn.push(layer);
        }
        let name = |parameter: &str| match self.name.is_empty() {
            true => parameter.to_owned(),
            false => format!("{}.{parameter}", self.name),
        };
        let add = |values: &mut crate::store::Locked<'_>, what: &str, tensor: Tensor| {
            values
                .var_store(self.vs)?
                .push((name(what), tensor.shallow_clone()));
            Ok::<Id, Error>(values.insert(parameter(tensor)))
        };
        let ws = add(&mut values, "weight", linear.ws)?;
        let bs = linear.bs.map(|bs| add(&mut values, "bias", bs)).transpose()?;
        Ok((ws, bs))
    }
}

/// A parameter as the store keeps it.
fn parameter(tensor: Tensor) -> Value {
    Value::Tensor(Held {
        tensor,
        grad_fn: None,
        parameter: true,
    })
}

impl Serve for NamedParameters {
    fn serve(self, store: &Store) -> Result<Vec<(String, Id)>> {
        let mut values = store.lock()?;
        let named = values.named_parameters(self.owner)?;
        Ok(named
            .into_iter()
            .map(|(name, tensor)| (name, values.insert(parameter(tensor))))
            .collect())
    }
}

impl Serve for NetworkConfig {
    fn serve(self, store: &Store) -> Result<Id> {
        let network = Network::new(&self)?;
        Ok(store.lock()?.insert(Value::Network(network)))
    }
}

impl Serve for Forward {
    fn serve(self, store: &Store) -> Result<Id> {
        let mut values = store.lock()?;
        let network = values.network(self.model)?;
        let output = network.forward(values.tensor(self.x)?)?;
        let grad_fn = forward_grad_fn(network.config());
        Ok(values.insert_tensor(output, grad_fn))
    }
}

/// The operation that makes the seed's `forward`'s output: the last shortcut where it adds
/// one, else the last activation (the book's GELU ends with a product).
fn forward_grad_fn(config: &NetworkConfig) -> &'static str {
    let sizes = &config.layer_sizes;
    let last_adds = sizes.len() >= 2 && sizes[sizes.len() - 2] == sizes[sizes.len() - 1];
    match (config.shortcut, config.activation) {
        (Shortcut::On, _) if last_adds => "AddBackward0",
        (_, Activation::Relu) => "ReluBackward0",
        (_, Activation::Gelu) => "MulBackward0",
        (_, Activation::Tanh) => "TanhBackward0",
        (_, Activation::Sigmoid) => "SigmoidBackward0",
    }
}

impl Serve for ParameterGradients {
    fn serve(self, store: &Store) -> Result<(Vec<LayerGradient>, Vec<i64>)> {
        let values = store.lock()?;
        let named = |name: &str| self.parameters.iter().find(|(n, _)| n == name);
        let mut layers = Vec::new();
        let mut layer_sizes = Vec::new();
        for (name, id) in &self.parameters {
            let Some(layer) = name.strip_suffix("weight") else {
                continue;
            };
            let weight = values.tensor(*id)?;
            let [fan_out, fan_in] = weight.size()[..] else {
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
            let (bias_mean, bias_max) = match named(&format!("{layer}bias")) {
                Some((_, bias)) => mean_and_max_abs(&values.tensor(*bias)?.f_grad()?)?,
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
}

impl Serve for Gradients {
    fn serve(self, store: &Store) -> Result<GradientReport> {
        store.lock()?.network(self.model)?.gradients(&self.input)
    }
}
