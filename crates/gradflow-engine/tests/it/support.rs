//! Helpers shared by the integration tests.

use std::path::PathBuf;

use std::fmt::Write;

use gradflow::nn::Module;
use gradflow::{Activation, DeepNetwork, GradientReport, Kind, LayerGradient, Reduction, Shortcut, Tensor};

/// The seed's experiment: `layer_sizes = [3, 3, 3, 3, 3, 1]`, `sample_input = [[1., 0., -1.]]`.
pub const SEED_SIZES: [i64; 6] = [3, 3, 3, 3, 3, 1];
pub const SEED_INPUT: [f32; 3] = [1.0, 0.0, -1.0];

/// The workspace root, two folders above this crate.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder under `target/` for files a person may want to look at after the tests.
pub fn output_dir() -> PathBuf {
    let dir = workspace().join("target/test-output");
    std::fs::create_dir_all(&dir).expect("create target/test-output");
    dir
}

/// SplitMix64: a tiny deterministic generator, so test configurations are the same every run.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// A float32 in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Published figures are compared within this relative difference: their last digits depend
/// on the CPU that printed them (libtorch takes other code paths on other CPUs).
pub const RELATIVE: f64 = 1e-6;

/// The seed's figures with shortcut connections, as its notebook printed them.
pub const SEED_WITH_SHORTCUT: [f64; 5] = [
    0.5557742714881897,
    0.09135337918996811,
    0.7913904190063477,
    0.21711303293704987,
    3.140749216079712,
];

/// The seed's figures without shortcut connections: its cell ran twice, so two passes summed.
pub const SEED_WITHOUT_SHORTCUT_TWICE: [f64; 5] = [
    0.0013751330552622676,
    0.0038167957682162523,
    0.0076410952024161816,
    0.007722062990069389,
    0.04962990805506706,
];

/// Whether every value is within [`RELATIVE`] of its published figure.
pub fn close_to(actual: &[f64], published: &[f64]) -> bool {
    actual.len() == published.len()
        && actual
            .iter()
            .zip(published)
            .all(|(a, p)| ((a - p) / p).abs() < RELATIVE)
}

/// Panics, naming each value and its figure, unless all are within [`RELATIVE`].
pub fn assert_close_to(actual: &[f64], published: &[f64]) {
    assert!(
        close_to(actual, published),
        "{actual:?} against published {published:?} (within {RELATIVE:e} relative)"
    );
}

/// The numbers of printed `print_gradients` lines, checking their words on the way.
pub fn printed_means(lines: &str) -> Vec<f64> {
    lines
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let prefix = format!("layers.{i}.0.weight has gradient mean of ");
            let number = line
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{line:?}"));
            number.parse().unwrap_or_else(|_| panic!("{line:?}"))
        })
        .collect()
}

/// A report with the given weight means, for values no network produces on demand.
pub fn report_of(values: &[f32], shortcut: Shortcut) -> GradientReport {
    let layers = values
        .iter()
        .enumerate()
        .map(|(i, &v)| LayerGradient {
            name: format!("layers.{i}.0.weight"),
            weight_mean: v,
            weight_max: v,
            bias_mean: v,
            bias_max: v,
        })
        .collect();
    let layer_sizes = vec![1; values.len() + 1];
    GradientReport {
        layers,
        layer_sizes,
        shortcut,
        activation: Activation::Relu,
        ..GradientReport::default()
    }
}

/// The seed's `print_gradients`, as notebook 01's cell writes it, returning the lines it
/// prints: a forward pass, a zero target, the mean squared error, a backward pass that adds
/// into the gradients the model holds, and each weight's mean |gradient|. `named_parameters`
/// is the model's (a `DeepNetwork`'s, or a var store's for a model of a cell's own).
pub fn print_gradients(
    model: &dyn Module,
    named_parameters: &dyn Fn() -> Vec<(String, Tensor)>,
    x: &Tensor,
    outputs: usize,
) -> String {
    // Forward pass
    let output = model.forward(x);
    let target = Tensor::from_slice2(&[vec![0f32; outputs]]);

    // Calculate loss based on how close the target
    // and output are
    let loss = output.mse_loss(&target, Reduction::Mean);

    // Backward pass to calculate the gradients
    loss.backward();

    let mut printed = String::new();
    for (name, param) in named_parameters() {
        if name.contains("weight") {
            // Print the mean absolute gradient of the weights
            let mean = param.grad().abs().mean(Kind::Float).item();
            writeln!(printed, "{name} has gradient mean of {mean}").expect("a string");
        }
    }
    printed
}

/// [`print_gradients`] of a notebook's `DeepNetwork` on one row of `input`.
pub fn print_network_gradients(model: &DeepNetwork, input: &[f32]) -> String {
    let outputs = *model.config().layer_sizes.last().expect("sizes") as usize;
    let x = Tensor::from_slice2(&[input]);
    print_gradients(model, &|| model.named_parameters(), &x, outputs)
}
