//! Differential tests of the loss surface and the curvature against PyTorch running the same
//! algorithms here, with the same seeds: Li et al.'s filter-normalised directions and every
//! point of lines and planes, and PyHessian's whole spectrum (`torch.autograd.functional.hessian`
//! and `torch.linalg.eigvalsh`), power iteration, Hutchinson's trace and stochastic Lanczos
//! quadrature, through the notebooks' path (the engine's server), printed as the reference
//! prints them and compared character for character. A model of a cell's own, measured through
//! its own `forward` in the client, must give the same numbers as the engine's network.

use gradflow::hessian::HessianConfig;
use gradflow::landscape::LandscapeConfig;
use gradflow::nn::{self, Module};
use gradflow::repr::float_repr;
use gradflow::{manual_seed, Activation, Curvature, Device, Reduction, Shortcut, Surface, Tensor};

use super::pytorch::pytorch_blocks;

/// A list of numbers as the reference prints them: Python's `repr` of each, spaces between.
fn numbers(values: impl IntoIterator<Item = f64>) -> String {
    values.into_iter().map(float_repr).collect::<Vec<_>>().join(" ")
}

fn sizes_json(layer_sizes: &[i64]) -> String {
    let sizes: Vec<String> = layer_sizes.iter().map(i64::to_string).collect();
    format!("[{}]", sizes.join(", "))
}

/// One line of JSON for the reference's landscape: `mutation` is "" for the algorithm itself.
fn landscape_json(config: &LandscapeConfig, mutation: &str) -> String {
    format!(
        r#"{{"kind": "landscape", "layer_sizes": {}, "activation": "{}", "seed": {}, "samples": {}, "learning_rate": {}, "steps": {}, "directions": {}, "points": {}, "span": {}, "mutation": "{mutation}"}}"#,
        sizes_json(&config.layer_sizes),
        config.activation,
        config.seed,
        config.samples,
        float_repr(config.learning_rate),
        config.steps,
        config.directions,
        config.points,
        float_repr(config.span),
    )
}

/// What the reference prints for a variant's surface: its name, then a line per row.
fn surface_lines(surface: &Surface) -> String {
    let on = surface.shortcut == Shortcut::On;
    let rows: String = surface
        .rows()
        .map(|row| numbers(row.iter().map(|&loss| f64::from(loss))) + "\n")
        .collect();
    format!("surface {on}\n{rows}")
}

/// The notebook's line and plane, then planes and lines of other networks: depths up to 32,
/// odd widths, every activation, trained or not, other spans.
fn landscape_configs() -> Vec<LandscapeConfig> {
    let seed_network = LandscapeConfig::default();
    vec![
        seed_network.clone(),
        LandscapeConfig { directions: 1, ..seed_network.clone() },
        LandscapeConfig { steps: 300, ..seed_network },
        LandscapeConfig {
            activation: Activation::Tanh,
            steps: 300,
            points: 11,
            ..LandscapeConfig::new(&[8, 8, 8, 8, 8, 8, 8, 8, 8, 1])
        },
        LandscapeConfig {
            activation: Activation::Gelu,
            directions: 1,
            points: 21,
            seed: 7,
            ..LandscapeConfig::new(&[[4i64; 32].as_slice(), &[1]].concat())
        },
        LandscapeConfig {
            activation: Activation::Sigmoid,
            steps: 20,
            points: 7,
            span: 0.5,
            samples: 33,
            ..LandscapeConfig::new(&[6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 1])
        },
        LandscapeConfig {
            steps: 5,
            points: 9,
            learning_rate: 0.05,
            seed: 2024,
            ..LandscapeConfig::new(&[5, 7, 3, 2])
        },
    ]
}

#[test]
fn every_point_of_lines_and_planes_equals_pytorch() {
    let configs = landscape_configs();
    let ours: Vec<String> = configs
        .iter()
        .map(|config| {
            let surfaces = config.run().expect("valid config");
            surfaces.iter().map(surface_lines).collect()
        })
        .collect();
    let stdin: String = configs.iter().map(|c| landscape_json(c, "") + "\n").collect();
    let blocks = pytorch_blocks(&stdin);
    assert_eq!(blocks.len(), configs.len(), "one block per landscape from PyTorch");
    for ((config, gradflow), pytorch) in configs.iter().zip(&ours).zip(&blocks) {
        assert_eq!(gradflow, pytorch, "gradflow and PyTorch differ for {config:?}");
    }
}

#[test]
fn directions_without_filter_normalisation_or_with_moving_biases_are_caught() {
    let config = LandscapeConfig { directions: 1, points: 9, ..LandscapeConfig::default() };
    let ours: String = config.run().expect("valid").iter().map(surface_lines).collect();
    let stdin: String = ["", "no_filter_norm", "bias_directions"]
        .iter()
        .map(|mutation| landscape_json(&config, mutation) + "\n")
        .collect();
    let [pytorch, unnormalised, biases] = &pytorch_blocks(&stdin)[..] else {
        panic!("three blocks from PyTorch")
    };
    assert_eq!(&ours, pytorch);
    assert_ne!(&ours, unnormalised, "the point-by-point test catches unnormalised directions");
    assert_ne!(&ours, biases, "the point-by-point test catches biases that move");
}

/// One line of JSON for the reference's curvature of both variants.
fn curvature_json(config: &HessianConfig, mutation: &str) -> String {
    let steps: Vec<String> = config.at_steps.iter().map(usize::to_string).collect();
    format!(
        r#"{{"kind": "curvature", "layer_sizes": {}, "activation": "{}", "seed": {}, "samples": {}, "learning_rate": {}, "at_steps": [{}], "iterations": {}, "tolerance": {}, "lanczos_steps": {}, "trace_samples": {}, "shortcut": null, "mutation": "{mutation}"}}"#,
        sizes_json(&config.layer_sizes),
        config.activation,
        config.seed,
        config.samples,
        float_repr(config.learning_rate),
        steps.join(", "),
        config.iterations,
        float_repr(config.tolerance),
        config.lanczos_steps,
        config.trace_samples,
    )
}

/// What the reference prints for one measurement.
fn curvature_lines(c: &Curvature) -> String {
    let on = c.shortcut == Shortcut::On;
    let mut lines = format!("curvature {on} {} {}\n", c.step, float_repr(c.loss.into()));
    if !c.eigenvalues.is_empty() {
        let eigenvalues = numbers(c.eigenvalues.iter().map(|&e| f64::from(e)));
        lines += &format!("eigenvalues {eigenvalues}\n");
    }
    lines += &format!("power {} {}\n", float_repr(c.top_eigenvalue), c.iterations);
    lines += &format!("trace {} {}\n", float_repr(c.trace), c.trace_samples);
    lines += &format!("nodes {}\n", numbers(c.nodes.iter().map(|&n| f64::from(n))));
    lines += &format!("weights {}\n", numbers(c.weights.iter().map(|&w| f64::from(w))));
    lines
}

/// The notebook's measurements of the seed's network (both variants, the whole spectrum, along
/// training), then other networks: every activation, a network past the whole spectrum's limit
/// (power iteration and the density only), every iteration run (tolerance 0).
fn curvature_configs() -> Vec<HessianConfig> {
    vec![
        HessianConfig { at_steps: vec![0, 300], ..HessianConfig::default() },
        HessianConfig {
            activation: Activation::Tanh,
            at_steps: vec![0, 300],
            ..HessianConfig::new(&[8, 8, 8, 8, 8, 8, 8, 8, 8, 1])
        },
        HessianConfig {
            activation: Activation::Gelu,
            at_steps: vec![3],
            tolerance: 0.0,
            iterations: 20,
            lanczos_steps: 12,
            trace_samples: 10,
            seed: 99,
            ..HessianConfig::new(&[4, 6, 6, 1])
        },
        // A ReLU network with many dead units: float32's eigvalsh fails to converge on its
        // Hessian (rows of zeros), and both sides compute the spectrum in float64.
        HessianConfig {
            seed: 99,
            at_steps: vec![0],
            iterations: 20,
            lanczos_steps: 10,
            trace_samples: 10,
            ..HessianConfig::new(&[5, 16, 16, 16, 2])
        },
        HessianConfig {
            activation: Activation::Sigmoid,
            at_steps: vec![0],
            iterations: 20,
            lanczos_steps: 20,
            trace_samples: 20,
            samples: 64,
            ..HessianConfig::new(&[3, 24, 24, 24, 1])
        },
    ]
}

#[test]
fn the_spectrum_power_iteration_trace_and_lanczos_equal_pytorch() {
    let configs = curvature_configs();
    let ours: Vec<String> = configs
        .iter()
        .map(|config| config.run().expect("valid config").iter().map(curvature_lines).collect())
        .collect();
    let stdin: String = configs.iter().map(|c| curvature_json(c, "") + "\n").collect();
    let blocks = pytorch_blocks(&stdin);
    assert_eq!(blocks.len(), configs.len(), "one block per curvature from PyTorch");
    for ((config, gradflow), pytorch) in configs.iter().zip(&ours).zip(&blocks) {
        assert_eq!(gradflow, pytorch, "gradflow and PyTorch differ for {config:?}");
    }
    // The last network is past the whole spectrum's limit: no eigenvalues line, on both sides.
    assert!(!ours[4].contains("eigenvalues"), "{}", ours[4]);
}

#[test]
fn lanczos_without_reorthogonalisation_is_caught() {
    let config = HessianConfig { at_steps: vec![0], ..HessianConfig::default() };
    let ours: String = config.run().expect("valid").iter().map(curvature_lines).collect();
    let stdin = curvature_json(&config, "") + "\n" + &curvature_json(&config, "no_reorthogonalisation") + "\n";
    let [pytorch, unorthogonal] = &pytorch_blocks(&stdin)[..] else {
        panic!("two blocks from PyTorch")
    };
    assert_eq!(&ours, pytorch);
    assert_ne!(&ours, unorthogonal, "the node-by-node test catches it");
}

/// Notebook 03's own model: the seed's `ExampleDeepNeuralNetwork` as a cell writes it.
#[derive(Debug)]
struct OwnNetwork {
    vs: nn::VarStore,
    use_shortcut: bool,
    layers: Vec<nn::Sequential>,
}

impl OwnNetwork {
    fn new(layer_sizes: &[i64], use_shortcut: bool) -> Self {
        let vs = nn::VarStore::new(Device::Cpu);
        let layers = (0..layer_sizes.len() - 1)
            .map(|i| {
                let path = &vs.root() / "layers" / i / 0;
                nn::seq()
                    .add(nn::linear(path, layer_sizes[i], layer_sizes[i + 1], Default::default()))
                    .add_fn(|x| x.relu())
            })
            .collect();
        OwnNetwork { vs, use_shortcut, layers }
    }
}

impl Module for OwnNetwork {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for layer in &self.layers {
            let layer_output = layer.forward(&x);
            if self.use_shortcut && x.size() == layer_output.size() {
                x = &x + &layer_output;
            } else {
                x = layer_output;
            }
        }
        x
    }
}

#[test]
fn a_cells_own_model_has_the_engines_surface_and_curvature() {
    for shortcut in Shortcut::BOTH {
        manual_seed(123);
        let model = OwnNetwork::new(&[3, 3, 3, 3, 3, 1], shortcut == Shortcut::On);
        let config = LandscapeConfig { points: 9, ..LandscapeConfig::default() };
        let (x, y) = config.task().expect("the task");
        let parameters = model.vs.named_parameters();
        let loss = || model.forward(&x).mse_loss(&y, Reduction::Mean);
        let own = config.of_model(&parameters, shortcut, loss).expect("its surface");
        let engines = config.run().expect("the engine's");
        assert_eq!(own, engines[shortcut as usize], "{shortcut:?}");
        // The weights are back where they were: the loss at them is the surface's centre.
        assert_eq!(f64::from(loss().item()) as f32, own.centre().expect("odd points"));

        let hessian = HessianConfig { at_steps: vec![0], ..HessianConfig::default() };
        let own = hessian.of_loss(&loss(), &parameters, shortcut).expect("its curvature");
        let engines = hessian.run().expect("the engine's");
        assert_eq!(own, engines[shortcut as usize], "{shortcut:?}");
    }
}

/// PyHessian's own top eigenvalue and trace (`pyhessian` 0.1, run by `pyhessian_check.py` on the
/// same network, data and seeds): `(top, trace, samples)` for each of `configs` (one variant,
/// one step each).
fn pyhessian(configs: &[(HessianConfig, Shortcut)]) -> Vec<(f64, f64, usize)> {
    let script = super::support::workspace().join("crates/gradflow-engine/tests/reference/pyhessian_check.py");
    let stdin: String = configs
        .iter()
        .map(|(config, shortcut)| {
            let json = curvature_json(config, "");
            json.replace(r#""shortcut": null"#, &format!(r#""shortcut": {}"#, *shortcut == Shortcut::On)) + "\n"
        })
        .collect();
    let out = super::pytorch::run_python(&[script.to_str().expect("utf-8 path")], &stdin);
    out.split_terminator("---\n")
        .map(|block| {
            let field = |name: &str, at: usize| -> &str {
                let line = block.lines().find(|l| l.starts_with(name)).expect("a line of PyHessian's");
                line.split(' ').nth(at).expect("a field")
            };
            let top = field("pyhessian_top", 1).parse().expect("a number");
            let trace = field("pyhessian_trace", 1).parse().expect("a number");
            let samples = field("pyhessian_trace", 2).parse().expect("a count");
            (top, trace, samples)
        })
        .collect()
}

#[test]
fn pyhessian_itself_agrees_within_its_own_tolerance() {
    // Networks whose running trace stays positive: PyHessian 0.1's stopping test divides by the
    // running trace itself, so a negative one would stop it at once where ours (and its later
    // versions, with abs) go on.
    let seed = HessianConfig::default();
    let deeper = HessianConfig { activation: Activation::Tanh, ..HessianConfig::new(&[8, 8, 8, 8, 8, 8, 8, 8, 8, 1]) };
    let configs: Vec<(HessianConfig, Shortcut)> = [(&seed, 0), (&seed, 300), (&deeper, 300)]
        .into_iter()
        .flat_map(|(config, step)| {
            Shortcut::BOTH.map(|shortcut| (HessianConfig { at_steps: vec![step], ..config.clone() }, shortcut))
        })
        .collect();
    let theirs = pyhessian(&configs);
    assert_eq!(theirs.len(), configs.len(), "one block per measurement from PyHessian");
    for ((config, shortcut), (top, trace, samples)) in configs.iter().zip(theirs) {
        let ours = config.run().expect("valid config");
        let ours = ours.iter().find(|c| c.shortcut == *shortcut).expect("both variants");
        let within = |a: f64, b: f64| (a - b).abs() <= config.tolerance * b.abs();
        let what = format!("{shortcut:?} after {:?} steps: ours {ours:?}", config.at_steps);
        assert!(within(ours.top_eigenvalue, top), "top eigenvalue: PyHessian's {top}, {what}");
        assert!(within(ours.trace, trace), "trace: PyHessian's {trace} of {samples} samples, {what}");
        // Power iteration stops when an estimate changes by less than the tolerance, which leaves
        // it further from the eigenvalue where the next is close: within 1 % of the spectrum's
        // eigenvalue of largest magnitude, which power iteration converges to.
        let largest = ours.eigenvalues.iter().map(|&e| f64::from(e)).max_by(|a, b| a.abs().total_cmp(&b.abs()));
        let largest = largest.expect("the whole spectrum");
        assert!((top - largest).abs() <= 0.01 * largest.abs(), "PyHessian's {top} against the spectrum's {largest}, {what}");
    }
}
