//! The notebooks' models, computed: the requests of `gradflow::protocol` for var stores and
//! their layers (a cell's own model, `gradflow::nn`) and for the seed's network
//! (`gradflow::DeepNetwork`), answered on the values of the [`Store`].

use gradflow::network::NetworkConfig;
use gradflow::protocol::{
    Forward, Gradients, NamedParameters, NewLayerNorm, NewLinear, NewVarStore, ParameterGradients,
    ZeroGrads,
};
use gradflow::results::{GradientReport, LayerGradient};
use gradflow::settings::{Activation, Shortcut};
use gradflow::wire::Id;
use tch::{Device, Tensor};

use crate::error::Result;
use crate::network::{layer_gradients, zero_grad, Network};
use crate::store::{Draw, Held, Locked, Serve, Store, Value};
use crate::tensors::draw_in_order;

impl Serve for NewVarStore {
    fn serve(self, store: &Store) -> Result<Id> {
        Ok(store.lock()?.insert(Value::VarStore(Vec::new())))
    }
}

impl Serve for NewLinear {
    fn serve(self, store: &Store) -> Result<(Id, Option<Id>)> {
        gradflow::limits::check_layer_sizes(&[self.fan_in, self.fan_out])?;
        let mut values = store.lock()?;
        values.var_store(self.vs)?;
        let draw = Draw::Linear {
            fan_in: self.fan_in,
            fan_out: self.fan_out,
            bias: self.bias,
        };
        let (ws, bs) = draw_in_order(&mut values, draw)?;
        let ws = add_parameter(&mut values, self.vs, &self.name, "weight", ws)?;
        let bs = bs
            .map(|bs| add_parameter(&mut values, self.vs, &self.name, "bias", bs))
            .transpose()?;
        Ok((ws, bs))
    }
}

impl Serve for NewLayerNorm {
    fn serve(self, store: &Store) -> Result<(Id, Id)> {
        gradflow::limits::check_tensor_size(&self.shape, 4)?;
        let mut values = store.lock()?;
        values.var_store(self.vs)?;
        let options = (tch::Kind::Float, Device::Cpu);
        let ws = Tensor::f_ones(self.shape.as_slice(), options)?.f_set_requires_grad(true)?;
        let bs = Tensor::f_zeros(self.shape.as_slice(), options)?.f_set_requires_grad(true)?;
        let ws = add_parameter(&mut values, self.vs, &self.name, "weight", ws)?;
        let bs = add_parameter(&mut values, self.vs, &self.name, "bias", bs)?;
        Ok((ws, bs))
    }
}

/// Adds `tensor` to the var store `vs` as the parameter `path.what`, and returns its handle.
fn add_parameter(
    values: &mut Locked<'_>,
    vs: Id,
    path: &str,
    what: &str,
    tensor: Tensor,
) -> Result<Id> {
    let name = match path.is_empty() {
        true => what.to_owned(),
        false => format!("{path}.{what}"),
    };
    values.var_store(vs)?.push((name, tensor.shallow_clone()));
    Ok(values.insert(parameter(tensor)))
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

impl Serve for ZeroGrads {
    fn serve(self, store: &Store) -> Result<()> {
        let parameters = store.lock()?.named_parameters(self.owner)?;
        parameters.iter().try_for_each(|(_, p)| zero_grad(p))
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
        let named = (self.parameters.iter())
            .map(|(name, id)| Ok((name.clone(), values.tensor(*id)?.shallow_clone())))
            .collect::<Result<Vec<_>>>()?;
        layer_gradients(&named)
    }
}

impl Serve for Gradients {
    fn serve(self, store: &Store) -> Result<GradientReport> {
        store.lock()?.network(self.model)?.gradients(&self.input)
    }
}
