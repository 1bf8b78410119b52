//! Golden tests: the numbers the seed notebook and the book published, within 1e-6 relative.
//! (Their last digits depend on the CPU that printed them; the PyTorch differential test checks
//! every digit against the PyTorch installed here.)

use gradflow::{Activation, DeepNetwork, Shortcut};

use super::support::{SEED_INPUT, SEED_SIZES};

fn weight_means(shortcut: Shortcut, activation: Activation, runs: u32) -> Vec<f32> {
    let mut model = DeepNetwork::builder(&SEED_SIZES)
        .shortcut(shortcut)
        .activation(activation)
        .seed(123)
        .build()
        .expect("the seed's network");
    model
        .accumulated_gradients(&SEED_INPUT, runs)
        .expect("report")
        .weight_means()
}

fn assert_close(actual: &[f32], published: &[f64]) {
    assert_eq!(actual.len(), published.len());
    for (layer, (&a, &p)) in actual.iter().zip(published).enumerate() {
        let relative = (f64::from(a) - p).abs() / p.abs();
        assert!(
            relative < 1e-6,
            "layer {layer}: {a} against published {p} ({relative:e} relative)"
        );
    }
}

#[test]
fn seed_with_shortcut() {
    let published = [
        0.5557742714881897,
        0.09135337918996811,
        0.7913904190063477,
        0.21711303293704987,
        3.140749216079712,
    ];
    assert_close(&weight_means(Shortcut::On, Activation::Relu, 1), &published);
}

#[test]
fn seed_without_shortcut_after_its_cell_ran_twice() {
    let published = [
        0.0013751330552622676,
        0.0038167957682162523,
        0.0076410952024161816,
        0.007722062990069389,
        0.04962990805506706,
    ];
    assert_close(
        &weight_means(Shortcut::Off, Activation::Relu, 2),
        &published,
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
    assert_close(
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
    assert_close(&weight_means(Shortcut::On, Activation::Gelu, 1), &published);
}
