//! Golden tests: the numbers the seed notebook and the book published, within 1e-6 relative.
//! (Their last digits depend on the CPU that printed them; the PyTorch differential test checks
//! every digit against the PyTorch installed here.)

use gradflow::{Activation, DeepNetwork, Shortcut};

use super::support::print_network_gradients;

use super::support::{
    assert_close_to, close_to, SEED_INPUT, SEED_SIZES, SEED_WITHOUT_SHORTCUT_TWICE,
    SEED_WITH_SHORTCUT,
};

/// The means the seed's `print_gradients` leaves in the model after `runs` runs of its cell.
fn weight_means(shortcut: Shortcut, activation: Activation, runs: u32) -> Vec<f64> {
    let model = DeepNetwork::builder(&SEED_SIZES)
        .shortcut(shortcut)
        .activation(activation)
        .seed(123)
        .build()
        .expect("the seed's network");
    for _ in 0..runs {
        print_network_gradients(&model, &SEED_INPUT);
    }
    model
        .gradient_report()
        .expect("report")
        .weight_means()
        .into_iter()
        .map(f64::from)
        .collect()
}

#[test]
fn seed_with_shortcut() {
    assert_close_to(
        &weight_means(Shortcut::On, Activation::Relu, 1),
        &SEED_WITH_SHORTCUT,
    );
}

#[test]
fn seed_without_shortcut_after_its_cell_ran_twice() {
    assert_close_to(
        &weight_means(Shortcut::Off, Activation::Relu, 2),
        &SEED_WITHOUT_SHORTCUT_TWICE,
    );
}

#[test]
fn book_gelu_without_shortcut() {
    let published = [
        0.00020173587836325169,
        0.00012011159560643137,
        0.0007152039906941354,
        0.0013988736318424344,
        0.005049645435065031,
    ];
    assert_close_to(
        &weight_means(Shortcut::Off, Activation::Gelu, 1),
        &published,
    );
}

#[test]
fn book_gelu_with_shortcut() {
    let published = [
        0.22169792652130127,
        0.20694106817245483,
        0.32896995544433594,
        0.2665732204914093,
        1.3258540630340576,
    ];
    assert_close_to(&weight_means(Shortcut::On, Activation::Gelu, 1), &published);
}

#[test]
fn the_tolerance_catches_a_dropped_shortcut_or_a_forgotten_zero_grad() {
    // What a regression would print instead of the seed's figures.
    let dropped_shortcut = weight_means(Shortcut::Off, Activation::Relu, 1);
    assert!(!close_to(&dropped_shortcut, &SEED_WITH_SHORTCUT));
    let single_pass = weight_means(Shortcut::Off, Activation::Relu, 1);
    assert!(!close_to(&single_pass, &SEED_WITHOUT_SHORTCUT_TWICE));
    // A change in the eighth digit is caught; the CPU's last digits are not.
    let nudged = |factor: f64| SEED_WITH_SHORTCUT.map(|v| v * factor);
    assert!(!close_to(&nudged(1.0 + 2e-6), &SEED_WITH_SHORTCUT));
    assert!(close_to(&nudged(1.0 + 2e-7), &SEED_WITH_SHORTCUT));
}
