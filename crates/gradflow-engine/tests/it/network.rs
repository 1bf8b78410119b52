//! The network and its reports: settings, errors, idempotence and accumulation.

use gradflow::{default_input, Activation, DeepNetwork, Error, NetworkConfig, Shortcut};
use gradflow_engine::network::Network as Model;

use super::support::{
    assert_close_to, print_network_gradients, printed_means, SEED_INPUT, SEED_SIZES,
    SEED_WITH_SHORTCUT,
};

/// The seed's network in the engine, with its tensors.
fn seed_model(shortcut: Shortcut) -> Model {
    Model::new(&NetworkConfig::new(&SEED_SIZES).shortcut(shortcut)).expect("the seed's network")
}

/// The seed's network as a notebook holds it.
fn notebook_model(shortcut: Shortcut) -> DeepNetwork {
    DeepNetwork::builder(&SEED_SIZES)
        .shortcut(shortcut)
        .build()
        .expect("the seed's network")
}

/// `model.layers[0][0].weight[0, 0]`.
fn first_weight(model: &Model) -> f32 {
    model.parameters()[0].double_value(&[0, 0]) as f32
}

#[test]
fn parameters_are_weight_then_bias_layer_by_layer() {
    let model = seed_model(Shortcut::Off);
    let shapes: Vec<Vec<i64>> = model.parameters().iter().map(|p| p.size()).collect();
    assert_eq!(shapes.len(), 10);
    assert_eq!((&shapes[0], &shapes[1]), (&vec![3, 3], &vec![3]));
    assert_eq!((&shapes[8], &shapes[9]), (&vec![1, 3], &vec![1]));
}

#[test]
fn builder_defaults_are_the_seeds() {
    let config = notebook_model(Shortcut::Off).config().clone();
    assert_eq!(config.depth(), 5);
    assert_eq!(config.layer_sizes, SEED_SIZES);
    assert_eq!((config.activation, config.seed), (Activation::Relu, 123));
}

#[test]
fn depth_follows_the_size_list() {
    for depth in [1, 2, 7, 40] {
        let sizes = vec![4; depth + 1];
        let model = DeepNetwork::builder(&sizes).build().expect("network");
        assert_eq!(model.config().depth(), depth);
        assert_eq!(
            model.gradients(&[0.5; 4]).expect("report").layers.len(),
            depth
        );
    }
}

#[test]
fn same_seed_same_weights_different_seed_different_weights() {
    let first =
        |seed| first_weight(&Model::new(&NetworkConfig::new(&SEED_SIZES).seed(seed)).unwrap());
    // PyTorch 2.13: model.layers[0][0].weight[0, 0]. Its random generator is the same on
    // every CPU, so this digit is exact.
    assert_eq!(first(123), -0.235_429_64);
    assert_eq!(first(123), first(123));
    assert_ne!(first(123), first(124));
}

#[test]
fn networks_built_in_parallel_threads_get_their_own_seeds_weights() {
    let reference = first_weight(&seed_model(Shortcut::On));
    let handles: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| first_weight(&seed_model(Shortcut::On))))
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), reference);
    }
}

#[test]
fn rerunning_gradients_gives_the_same_report() {
    let model = notebook_model(Shortcut::Off);
    let first = model.gradients(&SEED_INPUT).unwrap();
    for _ in 0..3 {
        assert_eq!(model.gradients(&SEED_INPUT).unwrap(), first);
    }
}

#[test]
fn a_second_run_of_print_gradients_doubles_the_gradients_and_zero_grad_undoes_it() {
    let model = notebook_model(Shortcut::Off);
    let once = model.gradients(&SEED_INPUT).unwrap();
    // `gradients` zeroed first; the seed's cell adds a second pass to the one it left.
    let printed = print_network_gradients(&model, &SEED_INPUT);
    let twice = model.gradient_report().unwrap();
    assert_eq!(printed, format!("{twice}\n"));
    for (one, two) in once.layers.iter().zip(&twice.layers) {
        assert_eq!(two.weight_mean, 2.0 * one.weight_mean, "{}", one.name);
        assert_eq!(two.bias_max, 2.0 * one.bias_max, "{}", one.name);
    }
    model.zero_grad();
    assert_eq!(print_network_gradients(&model, &SEED_INPUT), format!("{once}\n"));
    // `gradients` stays idempotent after accumulated passes.
    assert_eq!(model.gradients(&SEED_INPUT).unwrap(), once);
}

#[test]
fn a_network_without_gradients_reports_zeros() {
    let report = notebook_model(Shortcut::Off).gradient_report().unwrap();
    assert_eq!(report.weight_means(), [0.0; 5]);
}

#[test]
fn report_keeps_bias_gradients_and_maxima() {
    let report = seed_model(Shortcut::On).gradients(&SEED_INPUT).unwrap();
    for layer in &report.layers {
        assert!(layer.weight_max >= layer.weight_mean && layer.bias_max >= layer.bias_mean);
    }
    assert_eq!(report.layers[3].name, "layers.3.0.weight");
}

#[test]
fn module_printout_folds_repeated_layers_like_pytorch() {
    let model = DeepNetwork::builder(&SEED_SIZES)
        .activation(Activation::Gelu)
        .build()
        .unwrap();
    let expected = "\
ExampleDeepNeuralNetwork(
  (layers): ModuleList(
    (0-3): 4 x Sequential(
      (0): Linear(in_features=3, out_features=3, bias=True)
      (1): GELU()
    )
    (4): Sequential(
      (0): Linear(in_features=3, out_features=1, bias=True)
      (1): GELU()
    )
  )
)";
    assert_eq!(model.to_string(), expected);
}

#[test]
fn report_prints_the_seeds_lines() {
    let report = seed_model(Shortcut::On).gradients(&SEED_INPUT).unwrap();
    assert_close_to(&printed_means(&report.to_string()), &SEED_WITH_SHORTCUT);
}

#[test]
fn default_input_is_evenly_spaced_from_one_to_minus_one() {
    assert_eq!(default_input(3), SEED_INPUT);
    assert_eq!(default_input(1), [1.0]);
    assert_eq!(default_input(5), [1.0, 0.5, 0.0, -0.5, -1.0]);
}

#[test]
fn activations_parse_by_name() {
    assert_eq!("GELU".parse::<Activation>().unwrap(), Activation::Gelu);
    assert_eq!(
        " sigmoid ".parse::<Activation>().unwrap(),
        Activation::Sigmoid
    );
    let error = "swish".parse::<Activation>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown activation \"swish\"; expected one of: relu, gelu, tanh, sigmoid"
    );
}

#[test]
fn bad_layer_sizes_are_typed_errors_that_say_what_to_fix() {
    let error = |sizes: &[i64]| DeepNetwork::builder(sizes).build().unwrap_err();
    assert!(matches!(error(&[]), Error::TooFewSizes { got: 0 }));
    assert!(matches!(error(&[3]), Error::TooFewSizes { got: 1 }));
    assert!(matches!(
        error(&[3, 0, 1]),
        Error::NonPositiveSize { index: 1, size: 0 }
    ));
    assert!(matches!(
        error(&[3, 3, -2]),
        Error::NonPositiveSize { index: 2, size: -2 }
    ));
    assert_eq!(
        error(&[3, 0, 1]).to_string(),
        "layer_sizes[1] is 0; every size must be a positive number of neurons (1 or more)"
    );
    let too_large = error(&[100_000, 100_000, 1]);
    assert!(
        matches!(
            too_large,
            Error::TooLarge {
                needed_mib: 76_295,
                limit_mib: 1024
            }
        ),
        "{too_large}"
    );
    assert!(matches!(
        error(&[i64::MAX, i64::MAX, i64::MAX]),
        Error::TooLarge { .. }
    ));
}

#[test]
fn bad_inputs_are_typed_errors_across_the_boundary() {
    // The notebook's network: the engine refuses the input and the variant comes back.
    let model = DeepNetwork::builder(&SEED_SIZES).build().unwrap();
    let error = model.gradients(&[1.0, 2.0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the input has 2 values, but the first layer expects 3 (layer_sizes[0])"
    );
    assert!(matches!(
        model.gradients(&[1.0, f32::NAN, 0.0]),
        Err(Error::NonFiniteInput { index: 1, .. })
    ));
    assert!(matches!(
        model.gradients(&[f32::INFINITY, 0.0, 0.0]),
        Err(Error::NonFiniteInput { index: 0, .. })
    ));
    assert!(matches!(
        model.gradients(&[1e39, 0.0, 0.0]),
        Err(Error::NonFiniteInput { index: 0, .. })
    ));
    // The model is still usable after refusing bad input.
    assert_eq!(model.gradients(&SEED_INPUT).unwrap().layers.len(), 5);
}
