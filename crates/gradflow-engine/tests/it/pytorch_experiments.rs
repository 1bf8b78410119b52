//! Differential tests of experiments against PyTorch: every step of trainings with
//! `torch.optim.SGD`, and every point of depth sweeps, through the notebooks' path (the engine's
//! server), printed as the reference prints them and compared character for character.

use gradflow::repr::float_repr;
use gradflow::sweep::{SweepConfig, BATCH, NETWORKS};
use gradflow::train::TrainConfig;
use gradflow::{Activation, Shortcut, Training};

use super::pytorch::{pytorch_blocks, run_python};
use super::support::SplitMix;

/// The CPU kernels libtorch runs here, as PyTorch names them: DEFAULT, AVX2 or AVX512.
fn cpu_capability() -> String {
    let script = "import torch; print(torch.backends.cpu.get_cpu_capability())";
    run_python(&["-c", script], "").trim().to_owned()
}

/// One line of JSON for the reference's training: `mutation` is "" for PyTorch's own.
fn train_json(config: &TrainConfig, shortcut: Shortcut, mutation: &str) -> String {
    let sizes: Vec<String> = config.layer_sizes.iter().map(i64::to_string).collect();
    format!(
        r#"{{"kind": "train", "layer_sizes": [{}], "shortcut": {}, "activation": "{}", "seed": {}, "steps": {}, "learning_rate": {}, "samples": {}, "mutation": "{mutation}"}}"#,
        sizes.join(", "),
        shortcut == Shortcut::On,
        config.activation,
        config.seed,
        config.steps,
        float_repr(config.learning_rate),
        config.samples,
    )
}

/// What the reference prints for a training: each step, its loss and each layer's mean.
fn training_lines(run: &Training) -> String {
    run.losses
        .iter()
        .zip(&run.gradients)
        .enumerate()
        .map(|(step, (&loss, means))| {
            let means: Vec<String> = means.iter().map(|&m| float_repr(m.into())).collect();
            format!("{step} {} {}\n", float_repr(loss.into()), means.join(" "))
        })
        .collect()
}

/// The notebook's training, then random ones: depths 1–10, widths 1–12 with some layers of
/// another width, outputs 1–3, every activation, several seeds, learning rates, step counts
/// and sample counts.
fn train_configs() -> Vec<TrainConfig> {
    let mut configs = vec![TrainConfig::default()];
    let mut rng = SplitMix(1616);
    for i in 0..12 {
        let depth = rng.range(1, 10) as usize;
        let width = rng.range(1, 12) as i64;
        let mut layer_sizes: Vec<i64> = (0..depth)
            .map(|_| {
                if rng.range(0, 4) == 0 {
                    rng.range(1, 12) as i64
                } else {
                    width
                }
            })
            .collect();
        layer_sizes.push(rng.range(1, 3) as i64);
        configs.push(TrainConfig {
            layer_sizes,
            activation: Activation::ALL[i % 4],
            seed: rng.range(0, 100_000) as i64,
            steps: rng.range(1, 80) as usize,
            learning_rate: [0.01, 0.05, 0.1, 0.3][rng.range(0, 3) as usize],
            samples: rng.range(1, 96) as i64,
        });
    }
    configs
}

#[test]
fn every_training_step_equals_pytorchs_sgd() {
    let configs = train_configs();
    let runs: Vec<(String, String)> = configs
        .iter()
        .flat_map(|config| {
            let [without, with] = config.run().expect("valid config");
            [(config, without), (config, with)]
        })
        .map(|(config, run)| (train_json(config, run.shortcut, ""), training_lines(&run)))
        .collect();
    let stdin: String = runs.iter().map(|(json, _)| json.clone() + "\n").collect();
    let blocks = pytorch_blocks(&stdin);
    assert_eq!(
        blocks.len(),
        runs.len(),
        "one block per training from PyTorch"
    );
    for ((json, gradflow), pytorch) in runs.iter().zip(&blocks) {
        assert_eq!(gradflow, pytorch, "gradflow and PyTorch differ for {json}");
    }
}

#[test]
fn an_update_that_rounds_twice_is_caught() {
    // The reference updating with p - lr * grad stands for gradflow before it used SGD's step.
    let config = TrainConfig::default();
    let run = config
        .run_variant(Shortcut::On)
        .expect("the default trains");
    let stdin = train_json(&config, Shortcut::On, "")
        + "\n"
        + &train_json(&config, Shortcut::On, "unfused_update")
        + "\n";
    let [pytorch, unfused] = &pytorch_blocks(&stdin)[..] else {
        panic!("two blocks from PyTorch")
    };
    assert_eq!(&training_lines(&run), pytorch);
    if cpu_capability() == "DEFAULT" {
        // libtorch's scalar kernels (no AVX2, or ATEN_CPU_CAPABILITY=default) compute SGD's
        // step as a product, then a sum: the same roundings as the old update.
        assert_eq!(pytorch, unfused);
    } else {
        // Its vectorised kernels take the step as one fused multiply-add.
        assert_ne!(
            &training_lines(&run),
            unfused,
            "the step-by-step test catches it"
        );
    }
}

/// Sweeps of every activation over small and odd widths and depths, from several seeds.
fn sweep_configs() -> Vec<SweepConfig> {
    // The notebook's sweep first.
    let mut configs = vec![SweepConfig::default()];
    for (i, activation) in Activation::ALL.into_iter().enumerate() {
        configs.push(SweepConfig {
            widths: vec![1, 3 + i as i64, 17],
            depths: vec![1, 2, 5, 9 + i],
            activation,
            seed: 7 + 1000 * i as i64,
        });
    }
    configs
}

#[test]
fn depth_sweeps_equal_pytorch() {
    for config in sweep_configs() {
        let sweep = config.run().expect("valid sweep");
        let (stdin, gradflow): (String, String) = sweep
            .points
            .iter()
            .map(|p| {
                let json = format!(
                    r#"{{"kind": "sweep", "width": {}, "depth": {}, "shortcut": {}, "activation": "{}", "seed": {}, "networks": {NETWORKS}, "batch": {BATCH}}}"#,
                    p.width,
                    p.depth,
                    p.shortcut == Shortcut::On,
                    config.activation,
                    config.seed
                );
                (json + "\n", format!("{p}\n"))
            })
            .unzip();
        let pytorch: String = pytorch_blocks(&stdin).concat();
        assert_eq!(
            gradflow, pytorch,
            "gradflow and PyTorch differ for {config:?}"
        );
    }
}
