//! Depth sweeps, activations side by side and training: deterministic, and their charts.

use gradflow::chart;
use gradflow::sweep::{activation_pairs, square_sizes, SweepConfig};
use gradflow::train::TrainConfig;
use gradflow::{Activation, DeepNetwork, Error, Shortcut};
use gradflow_engine::train::regression_task;

use super::support::{output_dir, SEED_INPUT, SEED_SIZES};

#[test]
fn sweep_networks_are_square_with_one_output() {
    assert_eq!(square_sizes(3, 4), [3, 3, 3, 3, 1]);
    assert_eq!(square_sizes(32, 1), [32, 1]);
}

#[test]
fn the_sweep_is_deterministic_and_shows_vanishing_gradients() {
    let config = SweepConfig {
        depths: vec![2, 8, 32],
        ..SweepConfig::default()
    };
    assert_eq!(
        (config.widths.as_slice(), config.activation),
        (&[3, 32][..], Activation::Relu)
    );
    let sweep = config.run().unwrap();
    assert_eq!(sweep, config.run().unwrap());
    assert_eq!(sweep.points.len(), 2 * 3 * 2);
    for width in [3, 32] {
        let without = sweep.series(width, Shortcut::Off);
        // Without shortcuts the first layer's gradient shrinks by orders of magnitude with depth.
        assert!(
            without[2].1 < without[0].1 * 1e-6,
            "width {width}: {without:?}"
        );
        let with = sweep.first_layer(width, 32, Shortcut::On).unwrap();
        assert!(
            with > without[2].1 * 1e6,
            "width {width}: {with} against {without:?}"
        );
    }
    let svg = chart::sweep_chart(&sweep).unwrap();
    svg.save(output_dir().join("sweep.svg")).unwrap();
    let document = roxmltree::Document::parse(svg.as_str()).unwrap();
    let polylines = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(
        polylines >= 4,
        "a line per width and variant, and legend samples"
    );
    // The x axis names each depth of the sweep once, and no other.
    let texts = texts_of(svg.as_str());
    let depth_labels: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|t| t.parse::<u32>().is_ok())
        .collect();
    assert_eq!(depth_labels, ["2", "8", "32"]);
}

/// The text of every `<text>` element of an SVG document, trimmed.
fn texts_of(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .collect()
}

#[test]
fn training_is_deterministic_and_the_shortcut_variant_learns() {
    let config = TrainConfig::default();
    let [without, with] = config.run().unwrap();
    assert_eq!(with, config.run_variant(Shortcut::On).unwrap());
    assert_eq!((without.losses.len(), with.gradients.len()), (300, 300));
    assert_eq!(with.gradients[0].len(), 5);
    // The claim of the seed notebook, shown by the data: with shortcuts the loss keeps falling
    // and ends lower.
    assert!(
        with.losses[299] < with.losses[0] / 10.0,
        "{:?}",
        &with.losses[..3]
    );
    assert!(with.losses[299] < without.losses[299]);
    for (name, svg) in [
        (
            "loss.svg",
            chart::loss_chart(&[without.clone(), with.clone()]),
        ),
        ("heatmap.svg", chart::gradient_heatmap(&[without, with])),
    ] {
        let svg = svg.unwrap();
        svg.save(output_dir().join(name)).unwrap();
        roxmltree::Document::parse(svg.as_str()).expect("well-formed SVG");
    }
}

#[test]
fn the_task_depends_on_the_seed_only() {
    let config = TrainConfig::default();
    let (x, y) = regression_task(&config).unwrap();
    let (x2, _) = regression_task(&TrainConfig {
        layer_sizes: vec![3, 8, 1],
        ..config.clone()
    })
    .unwrap();
    assert_eq!(x, x2);
    assert_eq!((x.size(), y.size()), (vec![256, 3], vec![256, 1]));
    let bad = TrainConfig {
        samples: 0,
        ..config.clone()
    };
    assert_eq!(
        regression_task(&bad).unwrap_err().to_string(),
        "samples is 0; it must be at least 1"
    );
    let bad = TrainConfig {
        learning_rate: f64::NAN,
        ..config
    };
    assert!(matches!(
        bad.run_variant(Shortcut::On),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn activations_side_by_side() {
    let pairs = activation_pairs(&SEED_SIZES, 123).unwrap();
    let seed_gelu = DeepNetwork::builder(&SEED_SIZES)
        .activation(Activation::Gelu)
        .build()
        .unwrap();
    assert_eq!(seed_gelu.config().default_input(), SEED_INPUT);
    assert_eq!(pairs[1].0, seed_gelu.gradients(&SEED_INPUT).unwrap());
    let svg = chart::activation_grid(&pairs).unwrap();
    svg.save(output_dir().join("activations.svg")).unwrap();
    let texts = texts_of(svg.as_str());
    for name in ["ReLU", "GELU", "Tanh", "Sigmoid"] {
        assert!(texts.iter().any(|t| t == name), "panel {name}");
    }
    // One legend above the panels; the panels' bars are too narrow for value labels, which
    // would run into each other.
    let count = |text: &str| texts.iter().filter(|t| **t == text).count();
    assert_eq!((count("without shortcut"), count("with shortcut")), (1, 1));
    assert!(!texts.iter().any(|t| t == "0.556" || t == "6.88e-4"));
    assert!(matches!(
        chart::activation_grid(&[]),
        Err(Error::EmptyReport)
    ));
}

#[test]
fn empty_sweeps_and_trainings_say_what_is_missing() {
    let no_depths = SweepConfig {
        depths: vec![],
        ..SweepConfig::default()
    };
    assert_eq!(
        no_depths.run().unwrap_err().to_string(),
        "depths is an empty list; it must be at least one number"
    );
    let empty = gradflow::Sweep {
        activation: Activation::Relu,
        seed: 0,
        points: vec![],
    };
    assert!(matches!(chart::sweep_chart(&empty), Err(Error::EmptySweep)));
    let untrained = TrainConfig {
        steps: 0,
        ..TrainConfig::default()
    };
    assert_eq!(
        untrained.run().unwrap_err().to_string(),
        "steps is 0; it must be from 1 to 100000"
    );
    let runs = [Shortcut::Off, Shortcut::On].map(|shortcut| gradflow::Training {
        shortcut,
        losses: vec![],
        gradients: vec![],
    });
    assert!(matches!(
        chart::loss_chart(&runs),
        Err(Error::EmptyTraining)
    ));
    let error = chart::gradient_heatmap(&runs).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot chart a training of no steps; train for at least one step"
    );
}
