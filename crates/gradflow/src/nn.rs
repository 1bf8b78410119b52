//! Models in a notebook cell, spelled as `tch::nn` spells them: a [`VarStore`] that holds the
//! parameters by name, [`linear`] layers drawn as PyTorch's `nn.Linear` draws them, a
//! [`Sequential`] of layers and functions, and the [`Module`] trait with its `forward`. The
//! parameters live in the engine; a student's own `forward` runs in the cell, one operation
//! at a time, exactly as the seed's Python runs it.
//!
//! ```
//! use gradflow::nn::{self, Module};
//! use gradflow::{manual_seed, Device, Tensor};
//!
//! manual_seed(123);
//! let vs = nn::VarStore::new(Device::Cpu);
//! let layer = nn::seq()
//!     .add(nn::linear(&vs.root() / "layers" / 0 / 0, 3, 3, Default::default()))
//!     .add_fn(|x| x.relu());
//! let y = layer.forward(&Tensor::from_slice2(&[[1f32, 0., -1.]]));
//! assert_eq!(y.size(), [1, 3]);
//! let names: Vec<String> = vs.named_parameters().into_iter().map(|(name, _)| name).collect();
//! assert_eq!(names, ["layers.0.0.weight", "layers.0.0.bias"]);
//! ```

use std::borrow::Borrow;
use std::fmt;
use std::ops::Div;

use crate::client::{ask, Handle};
use crate::error::Result;
use crate::protocol::{NamedParameters, NewLayerNorm, NewLinear, NewVarStore, ZeroGrads};
use crate::tensor::{or_panic, Device, Tensor};

/// A model: what it computes from its input (`nn.Module.forward`). As in `tch`, a model can be
/// printed for debugging and sent to another thread.
pub trait Module: fmt::Debug + Send {
    fn forward(&self, xs: &Tensor) -> Tensor;
}

/// Holds a model's parameters in the engine, by name, in the order they were made: the order
/// of PyTorch's `named_parameters()`.
#[derive(Debug)]
pub struct VarStore {
    handle: Handle,
}

/// A place in a [`VarStore`], named as PyTorch names modules: `&vs.root() / "layers" / 0 / 0`
/// names the parameters `layers.0.0.weight` and `layers.0.0.bias`.
#[derive(Clone, Debug)]
pub struct Path<'a> {
    vs: &'a VarStore,
    names: Vec<String>,
}

/// A Linear layer's parameters: `weight` of shape `[out, in]` and the `bias`.
#[derive(Debug)]
pub struct Linear {
    pub ws: Tensor,
    pub bs: Option<Tensor>,
}

/// Whether a [`linear`] layer has a bias (`nn.Linear(…, bias=True)` unless told otherwise).
/// Its weights are always drawn as PyTorch draws them.
#[derive(Clone, Copy, Debug)]
pub struct LinearConfig {
    pub bias: bool,
}

impl Default for LinearConfig {
    fn default() -> Self {
        LinearConfig { bias: true }
    }
}

/// Layers and functions applied one after the other (`nn.Sequential`).
#[derive(Debug, Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Module>>,
}

/// A function used as a layer, such as an activation: `nn::func(|x| x.relu())`.
pub struct Func<F: Fn(&Tensor) -> Tensor + Send> {
    f: F,
}

impl<F: Fn(&Tensor) -> Tensor + Send> fmt::Debug for Func<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("func")
    }
}

/// A layer normalisation's parameters (`nn.LayerNorm`): `weight` (ones) and `bias` (zeros) of
/// the normalised shape.
#[derive(Debug)]
pub struct LayerNorm {
    pub ws: Option<Tensor>,
    pub bs: Option<Tensor>,
    pub normalized_shape: Vec<i64>,
    pub config: LayerNormConfig,
}

/// A [`layer_norm`]'s settings, as `tch` names them: PyTorch's defaults.
#[derive(Clone, Copy, Debug)]
pub struct LayerNormConfig {
    pub cudnn_enabled: bool,
    pub eps: f64,
    pub elementwise_affine: bool,
}

impl Default for LayerNormConfig {
    fn default() -> Self {
        LayerNormConfig {
            cudnn_enabled: true,
            eps: 1e-5,
            elementwise_affine: true,
        }
    }
}

/// The parameters of a model in the engine (a var store or a network), by name, in the order
/// they were made, as tensors the notebook owns.
pub(crate) fn f_named_parameters_of(owner: &Handle) -> Result<Vec<(String, Tensor)>> {
    let named = ask(&NamedParameters { owner: owner.id() })?;
    Ok(named
        .into_iter()
        .map(|(name, id)| (name, Tensor::from_id(id)))
        .collect())
}

/// Zeroes the gradients of a model's parameters in the engine.
pub(crate) fn f_zero_grad_of(owner: &Handle) -> Result<()> {
    ask(&ZeroGrads { owner: owner.id() })
}

impl VarStore {
    /// An empty store; its tensors are computed on the engine's CPU.
    pub fn new(device: Device) -> VarStore {
        or_panic(VarStore::f_new(device))
    }

    /// [`new`](VarStore::new), returning the error.
    pub fn f_new(_device: Device) -> Result<VarStore> {
        let handle = Handle::new(ask(&NewVarStore {})?);
        Ok(VarStore { handle })
    }

    /// The place of the model's top-level parameters.
    pub fn root(&self) -> Path<'_> {
        Path {
            vs: self,
            names: Vec::new(),
        }
    }

    /// [`named_parameters`](VarStore::named_parameters), returning the error.
    pub fn f_named_parameters(&self) -> Result<Vec<(String, Tensor)>> {
        f_named_parameters_of(&self.handle)
    }

    /// Every parameter with its name, in the order they were made (PyTorch's
    /// `model.named_parameters()`).
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        or_panic(self.f_named_parameters())
    }

    /// [`zero_grad`](VarStore::zero_grad), returning the error.
    pub fn f_zero_grad(&self) -> Result<()> {
        f_zero_grad_of(&self.handle)
    }

    /// Zeroes the gradients every parameter holds (PyTorch's `model.zero_grad()`).
    pub fn zero_grad(&self) {
        or_panic(self.f_zero_grad())
    }
}

impl<'a, T: ToString> Div<T> for &Path<'a> {
    type Output = Path<'a>;

    fn div(self, name: T) -> Path<'a> {
        let mut names = self.names.clone();
        names.push(name.to_string());
        Path { vs: self.vs, names }
    }
}

impl<'a, T: ToString> Div<T> for Path<'a> {
    type Output = Path<'a>;

    fn div(self, name: T) -> Path<'a> {
        &self / name
    }
}

/// [`linear`], returning the error.
pub fn f_linear<'a, P: Borrow<Path<'a>>>(
    path: P,
    in_dim: i64,
    out_dim: i64,
    config: LinearConfig,
) -> Result<Linear> {
    let path = path.borrow();
    let request = NewLinear {
        vs: path.vs.handle.id(),
        name: path.names.join("."),
        fan_in: in_dim,
        fan_out: out_dim,
        bias: config.bias,
    };
    let (ws, bs) = ask(&request)?;
    Ok(Linear {
        ws: Tensor::from_id(ws),
        bs: bs.map(Tensor::from_id),
    })
}

/// `nn.Linear(in_dim, out_dim)` at `path`: its weight and bias drawn as PyTorch draws them
/// (after [`crate::manual_seed`], the same numbers), named `path.weight` and `path.bias`.
pub fn linear<'a, P: Borrow<Path<'a>>>(
    path: P,
    in_dim: i64,
    out_dim: i64,
    config: LinearConfig,
) -> Linear {
    or_panic(f_linear(path, in_dim, out_dim, config))
}

impl Module for Linear {
    fn forward(&self, xs: &Tensor) -> Tensor {
        xs.linear(&self.ws, self.bs.as_ref())
    }
}

/// [`layer_norm`], returning the error.
pub fn f_layer_norm<'a, P: Borrow<Path<'a>>>(
    path: P,
    normalized_shape: Vec<i64>,
    config: LayerNormConfig,
) -> Result<LayerNorm> {
    let (ws, bs) = match config.elementwise_affine {
        true => {
            let path = path.borrow();
            let request = NewLayerNorm {
                vs: path.vs.handle.id(),
                name: path.names.join("."),
                shape: normalized_shape.clone(),
            };
            let (ws, bs) = ask(&request)?;
            (Some(Tensor::from_id(ws)), Some(Tensor::from_id(bs)))
        }
        false => (None, None),
    };
    Ok(LayerNorm {
        ws,
        bs,
        normalized_shape,
        config,
    })
}

/// `nn.LayerNorm(normalized_shape)` at `path`: its weight (ones) and bias (zeros), named
/// `path.weight` and `path.bias`, as in `tch`.
pub fn layer_norm<'a, P: Borrow<Path<'a>>>(
    path: P,
    normalized_shape: Vec<i64>,
    config: LayerNormConfig,
) -> LayerNorm {
    or_panic(f_layer_norm(path, normalized_shape, config))
}

impl Module for LayerNorm {
    fn forward(&self, xs: &Tensor) -> Tensor {
        let config = &self.config;
        xs.layer_norm(
            &self.normalized_shape,
            self.ws.as_ref(),
            self.bs.as_ref(),
            config.eps,
            config.cudnn_enabled,
        )
    }
}

/// An empty [`Sequential`].
pub fn seq() -> Sequential {
    Sequential::default()
}

impl Sequential {
    /// Appends a layer.
    pub fn add<M: Module + 'static>(mut self, layer: M) -> Sequential {
        self.layers.push(Box::new(layer));
        self
    }

    /// Appends a function, such as an activation: `.add_fn(|x| x.relu())`.
    pub fn add_fn<F: Fn(&Tensor) -> Tensor + Send + 'static>(self, f: F) -> Sequential {
        self.add(func(f))
    }

    /// The number of layers and functions.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Module for Sequential {
    fn forward(&self, xs: &Tensor) -> Tensor {
        let mut layers = self.layers.iter();
        let Some(first) = layers.next() else {
            return xs.shallow_clone();
        };
        layers.fold(first.forward(xs), |x, layer| layer.forward(&x))
    }
}

/// A function as a layer.
pub fn func<F: Fn(&Tensor) -> Tensor + Send>(f: F) -> Func<F> {
    Func { f }
}

impl<F: Fn(&Tensor) -> Tensor + Send> Module for Func<F> {
    fn forward(&self, xs: &Tensor) -> Tensor {
        (self.f)(xs)
    }
}
