//! The values a notebook holds handles to: tensors, networks and var stores, each under a
//! number, in an engine that drew a generation of its own when it started. A handle from
//! another engine (one that has stopped since) is refused by name, never looked up; a handle
//! the notebook drops is freed here ([`gradflow::engine::Free`]).
//!
//! [`Serve`] is how a request is answered, with this store at hand.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard};

use gradflow::protocol::Request;
use gradflow::wire::Id;
use tch::Tensor;

use crate::error::{Error, Result};
use crate::landscape::Directions;
use crate::network::Network;

/// Answers a request of the notebooks' crate.
pub trait Serve: Request {
    fn serve(self, store: &Store) -> Result<Self::Answer>;
}

/// A tensor as the store keeps it: with what PyTorch would print of its history.
pub struct Held {
    pub tensor: Tensor,
    /// The name of the operation that made it (`grad_fn=<AddBackward0>`), where it needs a
    /// gradient; libtorch's C API does not tell it, so each operation records its own.
    pub grad_fn: Option<&'static str>,
    /// Whether it is a model's parameter (`Parameter containing:`).
    pub parameter: bool,
}

/// A value a notebook names.
pub enum Value {
    Tensor(Held),
    Network(Network),
    /// A notebook's own model's parameters, by name, in the order they were made.
    VarStore(Vec<(String, Tensor)>),
    /// Directions through a notebook's own model's parameters, for its loss surface.
    Directions(Directions),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Tensor(_) => "a tensor",
            Value::Network(_) => "a network",
            Value::VarStore(_) => "a var store",
            Value::Directions(_) => "directions",
        }
    }
}

/// Every value the notebooks of this engine hold.
pub struct Store {
    generation: u64,
    values: Mutex<Values>,
}

/// The store's contents, locked for one request at a time.
#[derive(Default)]
pub struct Values {
    next: u64,
    values: HashMap<u64, Value>,
    /// The notebook's `manual_seed` and what it has drawn since (see [`Values::seeded`]).
    pub seeded: Option<Seeded>,
}

/// The notebook's `manual_seed`, what it has drawn from the generator since, in order, and
/// where its last draw left the generator (`network::draw_after`): what it takes to draw the
/// next layer or `randn` as PyTorch would, whatever the engine's experiments drew in between.
pub struct Seeded {
    pub seed: i64,
    pub drawn: Vec<Draw>,
    pub last: Option<u64>,
}

/// One draw of a notebook from the generator.
#[derive(Clone, Debug)]
pub enum Draw {
    /// `nn.Linear(fan_in, fan_out, bias)`'s weight and bias.
    Linear {
        fan_in: i64,
        fan_out: i64,
        bias: bool,
    },
    /// `torch.randn(size, dtype=kind)`.
    Randn { size: Vec<i64>, kind: tch::Kind },
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store with a generation of its own, drawn from the operating system's
    /// randomness (through the standard library's hasher keys).
    pub fn new() -> Store {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        Store {
            generation: hasher.finish().max(1),
            values: Mutex::new(Values::default()),
        }
    }

    /// The store's contents, for one request.
    pub fn lock(&self) -> Result<Locked<'_>> {
        let values = self
            .values
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(Locked {
            generation: self.generation,
            values,
        })
    }
}

/// The store, locked for one request.
pub struct Locked<'a> {
    generation: u64,
    values: MutexGuard<'a, Values>,
}

impl Locked<'_> {
    /// Keeps `value` and returns the handle that names it.
    pub fn insert(&mut self, value: Value) -> Id {
        self.values.next += 1;
        let number = self.values.next;
        self.values.values.insert(number, value);
        Id {
            engine: self.generation,
            number,
        }
    }

    /// Keeps a tensor that an operation made.
    pub fn insert_tensor(&mut self, tensor: Tensor, grad_fn: &'static str) -> Id {
        let grad_fn = tensor.requires_grad().then_some(grad_fn);
        self.insert(Value::Tensor(Held {
            tensor,
            grad_fn,
            parameter: false,
        }))
    }

    /// The value `id` names, refused if another engine made it or it is gone.
    pub fn get(&self, id: Id) -> Result<&Value> {
        let number = self.number(id)?;
        self.values.values.get(&number).ok_or_else(|| freed(number))
    }

    /// The number `id` names here, refused if another engine made it.
    fn number(&self, id: Id) -> Result<u64> {
        match id.engine == self.generation {
            true => Ok(id.number),
            false => Err(gradflow::Error::engine_stopped_since().into()),
        }
    }

    /// The tensor `id` names.
    pub fn held(&self, id: Id) -> Result<&Held> {
        match self.get(id)? {
            Value::Tensor(held) => Ok(held),
            other => Err(wrong_kind(other, "a tensor")),
        }
    }

    /// The tensor `id` names, as libtorch's.
    pub fn tensor(&self, id: Id) -> Result<&Tensor> {
        Ok(&self.held(id)?.tensor)
    }

    /// The network `id` names.
    pub fn network(&self, id: Id) -> Result<&Network> {
        match self.get(id)? {
            Value::Network(network) => Ok(network),
            other => Err(wrong_kind(other, "a network")),
        }
    }

    /// The directions `id` names.
    pub fn directions(&self, id: Id) -> Result<&Directions> {
        match self.get(id)? {
            Value::Directions(directions) => Ok(directions),
            other => Err(wrong_kind(other, "directions")),
        }
    }

    /// The parameters of the network or var store `id` names, by name, in order.
    pub fn named_parameters(&self, id: Id) -> Result<Vec<(String, Tensor)>> {
        match self.get(id)? {
            Value::Network(network) => Ok(network.named_parameters()),
            Value::VarStore(named) => Ok(named
                .iter()
                .map(|(name, tensor)| (name.clone(), tensor.shallow_clone()))
                .collect()),
            other => Err(wrong_kind(other, "a network or a var store")),
        }
    }

    /// The var store `id` names, to add parameters to.
    pub fn var_store(&mut self, id: Id) -> Result<&mut Vec<(String, Tensor)>> {
        let number = self.number(id)?;
        match self.values.values.get_mut(&number) {
            Some(Value::VarStore(named)) => Ok(named),
            Some(other) => Err(wrong_kind(other, "a var store")),
            None => Err(freed(number)),
        }
    }

    /// The notebook's seed and what it drew since it was set.
    pub fn seeded(&mut self) -> &mut Option<Seeded> {
        &mut self.values.seeded
    }

    /// Frees the values `ids` name; those of other engines are not this one's to free.
    pub fn free(&mut self, ids: &[Id]) {
        for id in ids.iter().filter(|id| id.engine == self.generation) {
            self.values.values.remove(&id.number);
        }
    }

    /// How many values the store holds.
    pub fn len(&self) -> usize {
        self.values.values.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.values.values.is_empty()
    }
}

fn freed(number: u64) -> Error {
    gradflow::Error::Engine(format!(
        "holds no value numbered {number} (it was freed); run again the cells that made it"
    ))
    .into()
}

fn wrong_kind(value: &Value, expected: &str) -> Error {
    gradflow::Error::Engine(format!(
        "was asked for {expected} and holds {} under that name; run `make setup` to rebuild it",
        value.kind()
    ))
    .into()
}
