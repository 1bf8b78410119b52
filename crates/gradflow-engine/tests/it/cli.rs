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
fn experiments_beyond_the_limits_are_refused_with_one_line() {
    // Curvature measured after every one of 200 steps, with 1,000 iterations each time.
    let every_step = (0..=200).map(|s| s.to_string()).collect::<Vec<_>>().join(",");
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "--depths", "18446744073709551615"],
            "a depth is 18446744073709551615; it must be from 1 to 100000 layers",
        ),
        (
            &["sweep", "--depths", "1000000000"],
            "a depth is 1000000000; it must be from 1 to 100000 layers",
        ),
        (
            &["sweep", "--depths", "0"],
            "a depth is 0; it must be from 1 to 100000 layers",
        ),
        (
            &["sweep", "--depths", "50000,50000"],
            "the sweep is 3200000 layers in all; it must be at most 100000 layers in all",
        ),
        (
            &["train", "--steps", "0"],
            "steps is 0; it must be from 1 to 100000",
        ),
        (
            &["train", "--steps", "1000000"],
            "steps is 1000000; it must be from 1 to 100000",
        ),
        (
            &["train", "--layer-sizes", "3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3", "--steps", "60000"],
            "the training is 60000 steps of 20 layers (1200000 layer-steps); it must be at most 1000000 layer-steps",
        ),
        (
            &["train", "--learning-rate", "0"],
            "the learning rate is 0; it must be a positive number",
        ),
        (
            &["landscape", "--points", "0"],
            "the points along each direction is 0; it must be from 2 to 101",
        ),
        (
            &["landscape", "--points", "1000"],
            "(1000000 points in all; at most 10201)",
        ),
        (
            &["landscape", "--directions", "3"],
            "the number of directions is 3; it must be 1 (a line) or 2 (a plane)",
        ),
        (
            &["landscape", "--span", "-1"],
            "the span is -1; it must be a positive number",
        ),
        (
            &["hessian", "--at-steps", "300,0"],
            "the steps to measure at is [300, 0]; it must be one or more steps in increasing order",
        ),
        (
            &["hessian", "--iterations", "0"],
            "power iteration's iterations is 0; it must be from 1 to 1000",
        ),
        (
            &["hessian", "--iterations", "1000", "--at-steps", &every_step],
            "it must be at most 1000000 layer-products",
        ),
    ];
    for (args, message) in cases {
        let output = gradflow(args);
        let stderr = stderr(&output);
        assert!(
            matches!(output.status.code(), Some(1 | 2)),
            "{args:?}: {:?}",
            output.status
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn landscape_and_hessian_print_each_variant_and_write_their_charts() {
    let dir = output_dir();
    let (plane, spectrum, sharpness) = (
        dir.join("cli-landscape.svg"),
        dir.join("cli-spectrum.svg"),
        dir.join("cli-sharpness.svg"),
    );
    let output = gradflow(&["landscape", "--points", "11", "--svg", plane.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("without shortcut, at initialisation: loss 0.0647 at the weights"), "{text}");
    assert!(text.contains("\nwith shortcut, at initialisation: loss 0.4922 at the weights"), "{text}");
    let output = gradflow(&[
        "hessian",
        "--at-steps",
        "0,10",
        "--svg",
        spectrum.to_str().unwrap(),
        "--sharpness",
        sharpness.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.starts_with("without shortcut, at initialisation: loss 0.0647, largest eigenvalue 2.189"), "{text}");
    assert!(text.contains("\nwith shortcut, after 10 steps: loss"), "{text}");
    for file in [plane, spectrum, sharpness] {
        let svg = std::fs::read_to_string(&file).expect("svg written");
        roxmltree::Document::parse(&svg).expect("well-formed SVG");
    }
}

#[test]
fn a_long_training_tells_its_progress_and_a_short_one_is_quiet() {
    let quiet = gradflow(&["train", "--steps", "20"]);
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "");
    // Ten times the default's layer-steps: estimated at about 3 s.
    let deep = std::iter::repeat_n("3", 21).collect::<Vec<_>>().join(",");
    let long = gradflow(&["train", "--layer-sizes", &deep, "--steps", "300"]);
    assert!(long.status.success(), "{}", stderr(&long));
    let told: Vec<String> = stderr(&long).lines().map(str::to_owned).collect();
    assert_eq!(told.len(), 5, "{told:?}");
    assert!(told[0].starts_with("gradflow: training 2 × 20 layers for 300 steps, about "));
    for (line, quarter) in told[1..4].iter().zip(["25% (150", "50% (300", "75% (450"]) {
        assert!(
            line.starts_with(&format!("gradflow: {quarter} of 600 steps, ")),
            "{line}"
        );
    }
    assert!(told[4].starts_with("gradflow: done in "), "{}", told[4]);
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
