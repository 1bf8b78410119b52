//! Differential tests of the notebooks' tensors against PyTorch: models of a cell's own, as
//! notebook 02's architecture cell writes them, with edited `forward` rules; and each operation
//! of the tensor surface once, printed. The reference is `tests/reference/pytorch_reference.py`
//! ("kind": "custom" and "surface"), run in the project's venv; the text must be identical.

use std::fmt::Write;
use std::sync::{Mutex, MutexGuard};

use gradflow::nn::{self, Module};
use gradflow::protocol::Request;
use gradflow::wire::{Id, Reader, Wire};
use gradflow::{manual_seed, Device, Kind, Reduction, Tensor};

use super::pytorch::pytorch_blocks;
use super::support::{print_gradients, SplitMix};

/// The engine has one generator, as PyTorch has, and `manual_seed` sets it for the layers drawn
/// after it: the tests that draw layers take turns, as a notebook's cells do.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static DRAWING: Mutex<()> = Mutex::new(());
    DRAWING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How a model of a cell's own adds its shortcut: the seed's rule and three edits of it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    Seed,
    EverySecond,
    Scaled,
    NoLastActivation,
    /// The seed's rule, each layer's output normalised after its activation (the architecture
    /// cell's commented `nn::layer_norm` line).
    LayerNorm,
}

impl Rule {
    const ALL: [Rule; 5] = [
        Rule::Seed,
        Rule::EverySecond,
        Rule::Scaled,
        Rule::NoLastActivation,
        Rule::LayerNorm,
    ];

    fn name(self) -> &'static str {
        match self {
            Rule::Seed => "seed",
            Rule::EverySecond => "every_second",
            Rule::Scaled => "scaled",
            Rule::NoLastActivation => "no_last_activation",
            Rule::LayerNorm => "layer_norm",
        }
    }
}

/// Notebook 02's `ExampleDeepNeuralNetwork`, with the rule as a field instead of an edit.
#[derive(Debug)]
struct ExampleDeepNeuralNetwork {
    vs: nn::VarStore,
    use_shortcut: bool,
    rule: Rule,
    layers: Vec<nn::Sequential>,
}

impl ExampleDeepNeuralNetwork {
    fn new(layer_sizes: &[i64], use_shortcut: bool, activation: &str, rule: Rule) -> Self {
        let vs = nn::VarStore::new(Device::Cpu);
        let last = layer_sizes.len() - 2;
        let layers = (0..layer_sizes.len() - 1)
            .map(|i| {
                let (fan_in, fan_out) = (layer_sizes[i], layer_sizes[i + 1]);
                let layer = nn::seq().add(nn::linear(
                    &vs.root() / "layers" / i / 0,
                    fan_in,
                    fan_out,
                    Default::default(),
                ));
                let layer = match (rule, activation) {
                    (Rule::NoLastActivation, _) if i == last => layer,
                    (_, "relu") => layer.add_fn(|x| x.relu()),
                    (_, "tanh") => layer.add_fn(|x| x.tanh()),
                    (_, "sigmoid") => layer.add_fn(|x| x.sigmoid()),
                    (_, "gelu_tanh") => layer.add_fn(|x| x.gelu("tanh")),
                    (_, other) => panic!("no activation {other}"),
                };
                match rule {
                    Rule::LayerNorm => layer.add(nn::layer_norm(
                        &vs.root() / "layers" / i / 2,
                        vec![fan_out],
                        Default::default(),
                    )),
                    _ => layer,
                }
            })
            .collect();
        ExampleDeepNeuralNetwork {
            vs,
            use_shortcut,
            rule,
            layers,
        }
    }
}

impl Module for ExampleDeepNeuralNetwork {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for (i, layer) in self.layers.iter().enumerate() {
            // Compute the output of the current layer
            let layer_output = layer.forward(&x);
            // Check if shortcut can be applied
            let shortcut = self.use_shortcut && x.size() == layer_output.size();
            x = match self.rule {
                Rule::EverySecond if shortcut && i % 2 == 1 => &x + &layer_output,
                Rule::Scaled if shortcut => &x + 0.5 * &layer_output,
                Rule::Seed | Rule::NoLastActivation | Rule::LayerNorm if shortcut => {
                    x + layer_output
                }
                _ => layer_output,
            };
        }
        x
    }
}

struct Custom {
    rule: Rule,
    layer_sizes: Vec<i64>,
    shortcut: bool,
    activation: &'static str,
    seed: i64,
    input: Vec<f32>,
    runs: usize,
}

impl Custom {
    fn json(&self) -> String {
        let join = |items: Vec<String>| items.join(", ");
        format!(
            r#"{{"kind": "custom", "rule": "{}", "layer_sizes": [{}], "shortcut": {}, "activation": "{}", "seed": {}, "input": [{}], "runs": {}}}"#,
            self.rule.name(),
            join(self.layer_sizes.iter().map(i64::to_string).collect()),
            self.shortcut,
            self.activation,
            self.seed,
            join(self.input.iter().map(|&v| gradflow::repr::float_repr(v.into())).collect()),
            self.runs,
        )
    }

    /// What the architecture cell and then `print_gradients`, `runs` times, print.
    fn gradflow(&self) -> String {
        let _turn = one_at_a_time();
        manual_seed(self.seed);
        let model = ExampleDeepNeuralNetwork::new(
            &self.layer_sizes,
            self.shortcut,
            self.activation,
            self.rule,
        );
        let x = Tensor::from_slice2(&[&self.input]);
        let outputs = *self.layer_sizes.last().unwrap() as usize;
        (0..self.runs)
            .map(|_| print_gradients(&model, &|| model.vs.named_parameters(), &x, outputs))
            .collect()
    }
}

#[test]
fn models_of_a_cells_own_with_edited_forward_rules_equal_pytorch() {
    let mut rng = SplitMix(502);
    let activations = ["relu", "tanh", "sigmoid", "gelu_tanh"];
    let mut cases = Vec::new();
    for (i, rule) in Rule::ALL.into_iter().enumerate()
    {
        for (j, activation) in activations.into_iter().enumerate() {
            let depth = rng.range(1, 8) as usize;
            let width = rng.range(1, 6) as i64;
            let mut layer_sizes = vec![width; depth + 1];
            // A normalised output of one value is always zero: two at least.
            let least = if rule == Rule::LayerNorm { 2 } else { 1 };
            layer_sizes[depth] = if j % 2 == 0 { least } else { width.max(least) };
            cases.push(Custom {
                rule,
                layer_sizes,
                shortcut: (i + j) % 4 != 3,
                activation,
                seed: rng.range(0, 100_000) as i64,
                input: (0..width).map(|_| rng.unit()).collect(),
                runs: 1 + j % 2,
            });
        }
    }
    let stdin: String = cases.iter().map(|case| case.json() + "\n").collect();
    let blocks = pytorch_blocks(&stdin);
    assert_eq!(blocks.len(), cases.len(), "one block per case from PyTorch");
    for (case, pytorch) in cases.iter().zip(&blocks) {
        assert_eq!(case.gradflow(), *pytorch, "{}", case.json());
    }
}

#[test]
fn a_changed_rule_changes_the_gradients() {
    // The rules differ in what they print, so the test above tells them apart.
    let case = |rule| Custom {
        rule,
        layer_sizes: vec![3, 3, 3, 3, 3, 1],
        shortcut: true,
        // Not ReLU: a ReLU that passes a positive output on is no change to drop.
        activation: "tanh",
        seed: 123,
        input: vec![1.0, 0.0, -1.0],
        runs: 1,
    };
    let printed: Vec<String> = Rule::ALL.into_iter().map(|rule| case(rule).gradflow()).collect();
    for (i, a) in printed.iter().enumerate() {
        for b in &printed[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

/// The surface, each operation once, as the reference's `surface` prints it.
fn surface() -> String {
    let mut out = String::new();
    let mut print = |line: &dyn std::fmt::Display| writeln!(out, "{line}").expect("a string");
    let x = Tensor::from_slice2(&[[1f32, 0., -1.]]);
    print(&x);
    let _turn = one_at_a_time();
    manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let layer = nn::linear(vs.root(), 3, 2, Default::default());
    let y = layer.forward(&x);
    print(&y);
    print(&(&y + &y));
    print(&(&y * 0.5));
    print(&y.relu());
    print(&y.tanh());
    print(&y.sigmoid());
    print(&y.gelu("none"));
    print(&y.gelu("tanh"));
    let loss = y.mse_loss(&Tensor::from_slice2(&[[0f32, 0.]]), Reduction::Mean);
    print(&loss);
    loss.backward();
    let grad = layer.ws.grad();
    print(&grad);
    print(&grad.abs());
    print(&grad.abs().mean(Kind::Float));
    print(&grad.abs().sum(Kind::Float));
    print(&grad.abs().max());
    print(&grad.abs().mean(Kind::Double));
    print(&grad.abs().mean(None).item());
    print(&gradflow::repr::float_repr(grad.double_value(&[0, 1])));
    print(&format!("{:?}", y.size()));
    for (name, parameter) in vs.named_parameters() {
        print(&name);
        print(&parameter);
    }
    vs.zero_grad();
    print(&layer.ws.grad());
    let wide = nn::linear(vs.root() / "wide", 40, 30, Default::default());
    print(&wide.ws);
    print(&Tensor::from_slice(&[1e-5f32, 2.0, 3000.0]));
    print(&Tensor::from_slice2(&[[1., 0., -1.]]));
    // What a student's own activation and layer need.
    print(&(&y - y.relu()));
    print(&(&y * &y));
    print(&(&y / (&y + 2)));
    print(&-&y);
    print(&(&y + 1));
    print(&(&y - 1));
    print(&(1f64 - &y));
    print(&(2f64 / &y));
    print(&(&y / 4));
    print(&y.abs().pow(&y));
    print(&y.pow_tensor_scalar(3));
    print(&y.exp());
    print(&y.abs().sqrt());
    print(&y.tr());
    print(&y.matmul(&y.tr()));
    print(&y.tr().matmul(&y));
    print(&y.matmul(&Tensor::from_slice(&[1f32, 2.])));
    print(&Tensor::zeros([2, 3], (Kind::Float, Device::Cpu)));
    print(&Tensor::ones([2, 3], (Kind::Double, Device::Cpu)));
    manual_seed(11);
    print(&Tensor::randn([2, 3], (Kind::Float, Device::Cpu)));
    nn::linear(vs.root() / "drawn", 3, 2, Default::default());
    print(&Tensor::randn([2], (Kind::Double, Device::Cpu)));
    let norm = nn::layer_norm(vs.root() / "norm", vec![2], Default::default());
    print(norm.ws.as_ref().expect("a weight"));
    print(norm.bs.as_ref().expect("a bias"));
    print(&norm.forward(&y));
    print(&y.layer_norm([2], None::<&Tensor>, None, 1e-5, false));
    // The book's GELU, op by op, and a SiLU.
    let sqrt_2_over_pi = Tensor::from_slice(&[(2.0 / std::f64::consts::PI) as f32]).sqrt();
    let half_y = &y * 0.5;
    let cubic = &y + y.pow_tensor_scalar(3) * 0.044715;
    print(&(half_y * ((sqrt_2_over_pi * cubic).tanh() + 1.0)));
    print(&(&y * y.sigmoid()));
    out
}

#[test]
fn each_tensor_operation_equals_pytorch() {
    let [pytorch] = &pytorch_blocks("{\"kind\": \"surface\"}\n")[..] else {
        panic!("one block from PyTorch")
    };
    assert_eq!(surface(), *pytorch);
}

/// A request for an operation this crate does not have (`cbrt`), as a newer crate would send.
struct Sqrt {
    x: Id,
}

impl Wire for Sqrt {
    fn put(&self, out: &mut Vec<u8>) {
        "cbrt".to_owned().put(out);
        self.x.put(out);
    }
    fn take(_: &mut Reader<'_>) -> gradflow::Result<Self> {
        unreachable!("only sent")
    }
}

impl Request for Sqrt {
    const NAME: &'static str = "apply";
    type Answer = Id;
    const STARTS_ENGINE: bool = true;
}

#[test]
fn an_unknown_operation_is_refused_with_the_names_of_those_that_exist() {
    let x = Id {
        engine: 0,
        number: 0,
    };
    let error = gradflow::client::ask(&Sqrt { x }).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the gradflow engine has no tensor operation \"cbrt\"; it has: relu, tanh, sigmoid, abs, \
         gelu, gelu(tanh), neg, exp, sqrt, t, grad, shallow_clone"
    );
}

#[test]
fn shape_errors_come_back_in_pytorchs_words() {
    let x = Tensor::from_slice2(&[[1f32, 2.]]);
    let _turn = one_at_a_time();
    let vs = nn::VarStore::new(Device::Cpu);
    let layer = nn::linear(vs.root(), 3, 3, Default::default());
    let error = x.f_linear(&layer.ws, layer.bs.as_ref()).err().expect("a shape error");
    assert_eq!(
        error.to_string(),
        "mat1 and mat2 shapes cannot be multiplied (1x2 and 3x3)"
    );
    let error = x.f_add(&Tensor::from_slice(&[1f32, 2., 3.])).err().expect("a shape error");
    assert_eq!(
        error.to_string(),
        "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"
    );
    let error = x.f_item().unwrap_err();
    assert_eq!(
        error.to_string(),
        "a Tensor with 2 elements cannot be converted to Scalar"
    );
}

#[test]
fn a_slice_too_large_for_one_message_is_refused_before_it_is_sent() {
    let kept = Tensor::from_slice(&[1f32, 2.]);
    let too_many = vec![1.0f64; gradflow::limits::MAX_SLICE_VALUES + 1];
    let error = Tensor::f_from_slice(&too_many).expect_err("refused").to_string();
    assert!(error.contains("at most 10000000"), "{error}");
    assert!(error.contains("Tensor::zeros, Tensor::ones or Tensor::randn"), "{error}");
    assert!(!error.contains("stopped"), "the engine did not stop: {error}");
    // The engine serves on, with the values made before, and takes the most values there are.
    assert_eq!(kept.size(), [2]);
    let most = vec![1.0f64; gradflow::limits::MAX_SLICE_VALUES];
    assert_eq!(Tensor::from_slice(&most).size(), [10_000_000]);
}

/// Layers and `randn` after one `manual_seed`, with or without a network built by the engine
/// (which seeds the one generator itself) between each two draws, printed.
fn draws_after_manual_seed(interrupted: bool) -> String {
    let interrupt = || {
        if interrupted {
            gradflow::DeepNetwork::builder(&[5, 5, 1]).seed(9).build().expect("a network");
        }
    };
    manual_seed(5);
    let vs = nn::VarStore::new(Device::Cpu);
    let first = nn::linear(vs.root() / "first", 3, 4, Default::default());
    interrupt();
    let second = nn::linear(vs.root() / "second", 4, 2, Default::default());
    interrupt();
    let drawn = Tensor::randn([3], (Kind::Float, Device::Cpu));
    interrupt();
    let third = nn::linear(vs.root() / "third", 2, 2, Default::default());
    [&first.ws, &second.ws, &drawn, &third.ws].map(|t| t.to_string()).join("\n")
}

#[test]
fn draws_after_manual_seed_are_the_same_whatever_the_engine_draws_in_between() {
    let _turn = one_at_a_time();
    let straight = draws_after_manual_seed(false);
    assert_eq!(draws_after_manual_seed(true), straight);
    assert_eq!(draws_after_manual_seed(false), straight, "a second seed starts again");
}
