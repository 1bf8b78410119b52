//! The `gradflow` binary, run as a user runs it.

use std::process::{Command, Output};

use super::support::{
    assert_close_to, output_dir, printed_means, SEED_WITHOUT_SHORTCUT_TWICE, SEED_WITH_SHORTCUT,
};

fn gradflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(args)
        .output()
        .expect("run gradflow")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn grads_with_shortcut_prints_the_seeds_five_lines() {
    let output = gradflow(&["grads", "--layer-sizes", "3,3,3,3,3,1", "--shortcut"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // The words exactly, the numbers within 1e-6 of the seed's (the PyTorch differential test
    // checks every digit against PyTorch on this machine).
    assert_close_to(&printed_means(&stdout(&output)), &SEED_WITH_SHORTCUT);
}

#[test]
fn options_change_the_experiment() {
    let default = stdout(&gradflow(&["grads"]));
    let explicit = stdout(&gradflow(&[
        "grads",
        "--layer-sizes",
        "3,3,3,3,3,1",
        "--activation",
        "relu",
        "--seed",
        "123",
        "--input",
        "1,0,-1",
        "--runs",
        "1",
    ]));
    assert_eq!(default, explicit);
    let twice = stdout(&gradflow(&["grads", "--runs", "2"]));
    assert_close_to(&printed_means(&twice), &SEED_WITHOUT_SHORTCUT_TWICE);
    assert_ne!(stdout(&gradflow(&["grads", "--seed", "-7"])), default);
    assert_ne!(
        stdout(&gradflow(&["grads", "--input", "-1,0.5,2"])),
        default
    );
    assert_ne!(
        stdout(&gradflow(&["grads", "--activation", "tanh"])),
        default
    );
}

#[test]
fn svg_files_are_written() {
    let dir = output_dir();
    let (grads, compare) = (dir.join("cli-grads.svg"), dir.join("cli-compare.svg"));
    let output = gradflow(&["grads", "--shortcut", "--svg", grads.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = gradflow(&[
        "compare",
        "--activation",
        "gelu",
        "--svg",
        compare.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("without shortcut:\nlayers.0.0.weight"),
        "{text}"
    );
    assert!(
        text.contains("\nwith shortcut:\nlayers.0.0.weight"),
        "{text}"
    );
    for file in [grads, compare] {
        let svg = std::fs::read_to_string(&file).expect("svg written");
        roxmltree::Document::parse(&svg).expect("well-formed SVG");
    }
}

#[test]
fn bad_input_exits_non_zero_with_a_message_and_no_panic() {
    let cases: &[(&[&str], &str)] = &[
        (&["grads", "--layer-sizes", "3"], "at least two entries"),
        (&["grads", "--layer-sizes", "3,0,1"], "layer_sizes[1] is 0"),
        (
            &["grads", "--layer-sizes", "3,-2,1"],
            "layer_sizes[1] is -2",
        ),
        (
            &["grads", "--layer-sizes", "3,x,1"],
            "invalid value 'x' for '--layer-sizes <SIZES>'",
        ),
        (
            &["grads", "--input", "1,,2"],
            "invalid value '' for '--input <VALUES>'",
        ),
        (
            &["grads", "--input", "1,2"],
            "the input has 2 values, but the first layer expects 3",
        ),
        (&["grads", "--input", "1,nan,2"], "input[1] is NaN"),
        (
            &["grads", "--activation", "swish"],
            "expected one of: relu, gelu, tanh, sigmoid",
        ),
        (&["grads", "--runs", "0"], "runs must be at least 1"),
        (&["grads", "--runs", "-1"], "runs"),
        (&["grads", "--layer-sizes", "100000,100000,1"], "MiB"),
        (
            &["grads", "--svg", "/nonexistent-folder/chart.svg"],
            "writing /nonexistent-folder/chart.svg failed",
        ),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, message) in cases {
        let output = gradflow(args);
        let stderr = stderr(&output);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn explore_writes_the_explorer_page() {
    let page = output_dir().join("cli-explorer.html");
    let output = gradflow(&["explore", "--html", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("(2048 networks)"));
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("data-gradflow-explorer"));
    let refused = gradflow(&["explore", "--html", "/nonexistent-folder/explorer.html"]);
    assert!(stderr(&refused).contains("writing /nonexistent-folder/explorer.html failed"));
}
