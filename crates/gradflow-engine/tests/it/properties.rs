//! Property tests: random configurations, inputs, seeds, gradient values and command lines.

use clap::{CommandFactory, Parser};
use gradflow::{Activation, DeepNetwork, Error, Shortcut};
use gradflow_engine::cli::{Cli, Command, Experiment};

use super::support::report_of;
use proptest::prelude::*;

fn activation() -> impl Strategy<Value = Activation> {
    prop::sample::select(Activation::ALL.to_vec())
}

fn shortcut() -> impl Strategy<Value = Shortcut> {
    prop::sample::select(Shortcut::BOTH.to_vec())
}

/// Any float32 at all: normal, tiny, huge, zero, infinite or NaN.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<f32>(),
        Just(0.0),
        Just(f32::NAN),
        Just(f32::INFINITY),
        (-30i32..30).prop_map(|e| 10f32.powi(e))
    ]
}

/// Size lists, three in four valid, each with an input as wide as its first size (none if
/// that is not a positive width).
fn sizes_and_input() -> impl Strategy<Value = (Vec<i64>, Vec<f32>)> {
    let sizes = prop_oneof![
        3 => prop::collection::vec(1i64..12, 2..12),
        1 => prop::collection::vec(-2i64..12, 0..12),
    ];
    sizes.prop_flat_map(|sizes| {
        let width = sizes.first().map_or(0, |&w| w.max(0) as usize);
        (Just(sizes), prop::collection::vec(-4.0f32..4.0, width))
    })
}

/// What `grads` parses from a command line: the options and their values.
fn experiment(cli: &Cli) -> &Experiment {
    match &cli.command {
        Command::Grads { experiment, .. } | Command::Compare { experiment } => experiment,
        other => panic!("parsed {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any size list gives a network or the typed error for what is wrong with it; a network
    /// gives one report line per layer, and the same seed gives the same report.
    #[test]
    fn any_configuration_gives_a_report_or_a_typed_error(
        (sizes, input) in sizes_and_input(),
        shortcut in shortcut(),
        activation in activation(),
        seed in any::<i64>(),
    ) {
        let builder = DeepNetwork::builder(&sizes).shortcut(shortcut).activation(activation).seed(seed);
        let model = match builder.build() {
            Ok(model) => model,
            Err(Error::TooFewSizes { got }) => {
                prop_assert_eq!(got, sizes.len());
                return Ok(());
            }
            // The first size that is not positive, named with its index.
            Err(Error::NonPositiveSize { index, size }) => {
                prop_assert!(sizes.iter().take(index).all(|&s| s >= 1));
                prop_assert!(size < 1 && sizes[index] == size);
                return Ok(());
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
        };
        let report = model.gradients(&input).unwrap();
        prop_assert_eq!(report.layers.len(), sizes.len() - 1);
        prop_assert_eq!(report.lines().len(), sizes.len() - 1);
        prop_assert_eq!(&model.gradients(&input).unwrap(), &report, "idempotent");
        let again = builder.build().unwrap().gradients(&input).unwrap();
        prop_assert_eq!(report, again);
        let mut wider = input.clone();
        wider.push(0.0);
        let refused = matches!(model.gradients(&wider), Err(Error::InputWidth { .. }));
        prop_assert!(refused, "an input one value too wide is refused");
    }

    /// Charts stay well-formed SVG whatever the values: zeros, NaN, infinities, 30 decades.
    #[test]
    fn charts_are_always_well_formed(values in prop::collection::vec(any_f32(), 1..40), shortcut in shortcut()) {
        let report = report_of(&values, shortcut);
        for svg in [report.chart().unwrap(), gradflow::chart::compare(&report, &report_of(&values, Shortcut::On)).unwrap()] {
            prop_assert!(roxmltree::Document::parse(svg.as_str()).is_ok());
        }
    }

    /// Every option written out as a user would type it parses back to the same values.
    #[test]
    fn command_lines_parse_to_what_they_say(
        sizes in prop::collection::vec(any::<i64>(), 1..8),
        input in prop::option::of(prop::collection::vec(any::<f32>().prop_filter("not NaN", |v| !v.is_nan()), 1..6)),
        activation in activation(),
        seed in any::<i64>(),
        runs in any::<u32>(),
        compare in any::<bool>(),
    ) {
        let join = |items: Vec<String>| items.join(",");
        let mut args = vec![
            "gradflow".to_owned(),
            if compare { "compare" } else { "grads" }.to_owned(),
            "--layer-sizes".to_owned(), join(sizes.iter().map(i64::to_string).collect()),
            "--activation".to_owned(), activation.to_string(),
            "--seed".to_owned(), seed.to_string(),
            "--runs".to_owned(), runs.to_string(),
        ];
        if let Some(input) = &input {
            args.extend(["--input".to_owned(), join(input.iter().map(f32::to_string).collect())]);
        }
        let cli = Cli::try_parse_from(&args).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = experiment(&cli);
        prop_assert_eq!(&parsed.network.layer_sizes, &sizes);
        prop_assert_eq!((parsed.network.activation, parsed.network.seed, parsed.runs), (activation, seed, runs));
        prop_assert_eq!(&parsed.input, &input);
    }

    /// Any value of an option is taken exactly when Rust's own parsing of that option's type
    /// takes it, and then means the same number; otherwise clap refuses it with a message.
    #[test]
    fn odd_option_values_parse_exactly_when_they_are_valid(
        option in prop::sample::select(vec!["--layer-sizes", "--input", "--seed", "--runs", "--activation"]),
        value in "[-0-9a-z,. ]{1,16}",
    ) {
        fn items<T: std::str::FromStr>(value: &str) -> Option<Vec<T>> {
            value.split(',').map(|item| item.parse().ok()).collect()
        }
        let parsed = Cli::try_parse_from(["gradflow", "grads", option, &value]);
        let experiment = parsed.as_ref().map(experiment);
        match option {
            "--layer-sizes" => prop_assert_eq!(experiment.ok().map(|e| e.network.layer_sizes.clone()), items::<i64>(&value)),
            "--input" => {
                // Compared bit for bit, so that "nan" equals itself.
                let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
                prop_assert_eq!(experiment.ok().and_then(|e| e.input.clone()).map(bits), items::<f32>(&value).map(bits))
            }
            "--seed" => prop_assert_eq!(experiment.ok().map(|e| e.network.seed), value.parse::<i64>().ok()),
            "--runs" => prop_assert_eq!(experiment.ok().map(|e| e.runs), value.parse::<u32>().ok()),
            _ => prop_assert_eq!(experiment.ok().map(|e| e.network.activation), value.parse::<Activation>().ok()),
        }
        if let Err(error) = parsed {
            prop_assert!(error.to_string().starts_with("error: "), "{}", error);
        }
    }
}

#[test]
fn the_command_line_definition_is_consistent() {
    Cli::command().debug_assert();
}
