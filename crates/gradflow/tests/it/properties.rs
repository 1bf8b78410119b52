//! Property tests: random configurations, inputs, seeds, gradient values and command lines.

use clap::Parser;
use gradflow::cli::Cli;
use gradflow::{Activation, DeepNetwork, Shortcut};

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any size list, valid or not, gives a network or a typed error; a network gives one
    /// report line per layer, and the same seed gives the same report.
    #[test]
    fn any_configuration_gives_a_report_or_an_error(
        sizes in prop::collection::vec(-2i64..12, 0..12),
        shortcut in shortcut(),
        activation in activation(),
        seed in any::<i64>(),
        input in prop::collection::vec(-4.0f32..4.0, 0..12),
    ) {
        let builder = DeepNetwork::builder(&sizes).shortcut(shortcut).activation(activation).seed(seed);
        let Ok(mut model) = builder.build() else { return Ok(()) };
        match model.gradients(&input) {
            Ok(report) => {
                prop_assert_eq!(report.layers.len(), sizes.len() - 1);
                prop_assert_eq!(report.lines().len(), sizes.len() - 1);
                let again = builder.build().unwrap().gradients(&input).unwrap();
                prop_assert_eq!(report, again);
            }
            Err(error) => prop_assert!(input.len() != sizes[0] as usize, "{}", error),
        }
    }

    /// Charts stay well-formed SVG whatever the values: zeros, NaN, infinities, 30 decades.
    #[test]
    fn charts_are_always_well_formed(values in prop::collection::vec(any_f32(), 1..40), shortcut in shortcut()) {
        let report = report_of(&values, shortcut);
        for svg in [report.chart().unwrap(), gradflow::chart::compare(&report, &report_of(&values, Shortcut::On)).unwrap()] {
            prop_assert!(roxmltree::Document::parse(svg.as_str()).is_ok());
        }
    }

    /// The command line's parser answers anything with a result or an error, never a panic.
    #[test]
    fn the_argument_parser_never_panics(args in prop::collection::vec(".{0,12}", 0..6), command in prop::sample::select(vec!["grads", "compare", "--layer-sizes", ""])) {
        let _ = Cli::try_parse_from(std::iter::once("gradflow".to_owned()).chain(std::iter::once(command.to_owned())).chain(args));
    }

    /// Every option's value, however odd, parses or is refused.
    #[test]
    fn odd_option_values_parse_or_are_refused(
        option in prop::sample::select(vec!["--layer-sizes", "--input", "--seed", "--runs", "--activation"]),
        value in "[-0-9a-z,. ]{0,16}",
    ) {
        let _ = Cli::try_parse_from(["gradflow", "grads", option, &value]);
    }
}
