//! Differential tests against PyTorch: the reference `tests/reference/pytorch_reference.py`
//! (the seed's code, generalised) runs in the project's venv, and its printed lines must
//! equal gradflow's character for character. The seed's `print_gradients` here, written as
//! notebook 01's cell writes it, on tensors in the engine (through its server); models of a
//! cell's own and the tensor surface in `pytorch_tensors`; trainings and sweeps in
//! `pytorch_experiments`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use gradflow::repr::float_repr;
use gradflow::{Activation, DeepNetwork, Shortcut};

use super::support::{
    close_to, print_network_gradients, printed_means, workspace, SplitMix, SEED_INPUT,
    SEED_SIZES, SEED_WITH_SHORTCUT,
};

/// The venv's python, or `$GRADFLOW_PYTHON` where a conda user has torch elsewhere.
pub(super) fn python() -> PathBuf {
    std::env::var_os("GRADFLOW_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv/bin/python"))
}

/// Runs `python` on `script` with `stdin`, returning its standard output.
pub(super) fn run_python(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(python())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {:?} ({e}); run `make test` to set up .venv",
                python()
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write to python");
    let output = child.wait_with_output().expect("python runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python failed: {stderr}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[derive(Debug)]
struct Spec {
    layer_sizes: Vec<i64>,
    shortcut: Shortcut,
    activation: Activation,
    seed: i64,
    input: Vec<f32>,
    runs: u32,
}

impl Spec {
    fn seed(shortcut: Shortcut, activation: Activation, runs: u32) -> Spec {
        let (layer_sizes, input) = (SEED_SIZES.to_vec(), SEED_INPUT.to_vec());
        Spec {
            layer_sizes,
            shortcut,
            activation,
            seed: 123,
            input,
            runs,
        }
    }

    /// One line of JSON for the reference; floats as Python reads them back exactly.
    fn json(&self) -> String {
        let join = |items: Vec<String>| items.join(", ");
        format!(
            r#"{{"layer_sizes": [{}], "shortcut": {}, "activation": "{}", "seed": {}, "input": [{}], "runs": {}}}"#,
            join(self.layer_sizes.iter().map(i64::to_string).collect()),
            self.shortcut == Shortcut::On,
            self.activation,
            self.seed,
            join(
                self.input
                    .iter()
                    .map(|&v| float_repr(f64::from(v)))
                    .collect()
            ),
            self.runs,
        )
    }

    /// What the reference prints for this spec, computed by gradflow: the model, then what
    /// the last of `runs` runs of the seed's `print_gradients` cell prints.
    fn gradflow(&self) -> String {
        let model = DeepNetwork::builder(&self.layer_sizes)
            .shortcut(self.shortcut)
            .activation(self.activation)
            .seed(self.seed)
            .build()
            .expect("valid spec");
        let mut printed = String::new();
        for _ in 0..self.runs {
            printed = print_network_gradients(&model, &self.input);
        }
        format!("{model}\n{printed}")
    }
}

/// The seed's and the book's experiments, each run once and twice; every activation with and
/// without shortcut at depths 1–12 and widths 1–16; then random ones: depths 1–40, widths
/// 1–64, several seeds, inputs and run counts.
fn specs() -> Vec<Spec> {
    let mut specs = vec![];
    for runs in [1, 2] {
        for activation in [Activation::Relu, Activation::Gelu] {
            for shortcut in Shortcut::BOTH {
                specs.push(Spec::seed(shortcut, activation, runs));
            }
        }
    }
    let mut rng = SplitMix(22);
    for activation in Activation::ALL {
        for shortcut in Shortcut::BOTH {
            for depth in [1, 2, 5, 12] {
                let width = rng.range(1, 16) as i64;
                let mut layer_sizes = vec![width; depth + 1];
                layer_sizes[depth] = rng.range(1, 16) as i64;
                let input = (0..width).map(|_| rng.unit()).collect();
                specs.push(Spec {
                    layer_sizes,
                    shortcut,
                    activation,
                    seed: rng.range(0, 100_000) as i64,
                    input,
                    runs: 1 + (depth % 2) as u32,
                });
            }
        }
    }
    let mut rng = SplitMix(2026);
    for i in 0..32 {
        let depth = rng.range(1, 40) as usize;
        let width = rng.range(1, 64) as i64;
        // Mostly equal widths, so that shortcuts apply, with some layers of another width.
        let layer_sizes = (0..=depth)
            .map(|_| {
                if rng.range(0, 3) == 0 {
                    rng.range(1, 64) as i64
                } else {
                    width
                }
            })
            .collect::<Vec<_>>();
        let scale = [0.5, 1.0, 4.0][rng.range(0, 2) as usize];
        let input = (0..layer_sizes[0]).map(|_| rng.unit() * scale).collect();
        specs.push(Spec {
            layer_sizes,
            shortcut: Shortcut::BOTH[(i / 4) % 2],
            activation: Activation::ALL[i % 4],
            seed: rng.range(0, 100_000) as i64,
            input,
            runs: if i % 5 == 0 { 3 } else { 1 },
        });
    }
    specs.push(Spec {
        layer_sizes: vec![1, 1],
        ..Spec::seed(Shortcut::On, Activation::Tanh, 1)
    });
    specs.last_mut().expect("spec").input = vec![0.25];
    specs
}

/// The reference's output for each line of JSON in `stdin`, one block per experiment.
pub(super) fn pytorch_blocks(stdin: &str) -> Vec<String> {
    let script = workspace().join("crates/gradflow-engine/tests/reference/pytorch_reference.py");
    let pytorch = run_python(&[script.to_str().expect("utf-8 path")], stdin);
    pytorch
        .split_terminator("---\n")
        .map(str::to_owned)
        .collect()
}

#[test]
fn reports_and_module_printouts_equal_pytorch() {
    let specs = specs();
    assert!(specs.len() >= 20);
    let stdin: String = specs.iter().map(|spec| spec.json() + "\n").collect();
    let blocks = pytorch_blocks(&stdin);
    assert_eq!(blocks.len(), specs.len(), "one block per spec from PyTorch");
    for (spec, pytorch) in specs.iter().zip(&blocks) {
        assert_eq!(
            spec.gradflow(),
            *pytorch,
            "gradflow and PyTorch differ for {}",
            spec.json()
        );
    }
}

#[test]
fn a_dropped_shortcut_or_a_wrong_init_bound_is_caught() {
    // The reference with a bug put in on purpose stands for gradflow with that bug.
    let spec = Spec::seed(Shortcut::On, Activation::Relu, 1);
    let with_mutation = |mutation: &str| {
        let json = spec.json();
        format!(
            "{}, \"mutation\": \"{mutation}\"}}\n",
            &json[..json.len() - 1]
        )
    };
    let stdin = spec.json() + "\n" + &with_mutation("drop_shortcut") + &with_mutation("init_bound");
    let blocks = pytorch_blocks(&stdin);
    let [pytorch, dropped_shortcut, wrong_bound] = &blocks[..] else {
        panic!("three blocks from PyTorch: {blocks:?}")
    };
    assert_eq!(&spec.gradflow(), pytorch);
    for mutant in [dropped_shortcut, wrong_bound] {
        assert_ne!(&spec.gradflow(), mutant, "the differential test catches it");
        let lines: String = mutant
            .lines()
            .filter(|l| l.starts_with("layers."))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            !close_to(&printed_means(&lines), &SEED_WITH_SHORTCUT),
            "the golden test catches it"
        );
    }
}

#[test]
fn float_repr_equals_python_repr() {
    let mut rng = SplitMix(7);
    // Random bit patterns cover every exponent; widened float32s are what reports print.
    let values: Vec<f64> = (0..2000)
        .map(|i| {
            if i % 2 == 0 {
                f64::from_bits(rng.next())
            } else {
                f64::from(f32::from_bits(rng.next() as u32))
            }
        })
        .chain([
            0.0,
            -0.0,
            1e16,
            1e-5,
            1e-4,
            9.999999999999999e15,
            f64::INFINITY,
        ])
        .collect();
    let stdin: String = values
        .iter()
        .map(|v| format!("{}\n", v.to_bits()))
        .collect();
    let script = "import struct, sys\nfor line in sys.stdin:\n    print(repr(struct.unpack('<d', struct.pack('<Q', int(line)))[0]))";
    let python = run_python(&["-c", script], &stdin);
    for (value, python) in values.iter().zip(python.lines()) {
        assert_eq!(float_repr(*value), python, "bits {:#x}", value.to_bits());
    }
    assert_eq!(python.lines().count(), values.len());
}
