//! The explorer: its grid holds the same reports as the network computes one by one, bad
//! grids are refused, and its HTML keeps the contract that pages and tests rely on.

use gradflow::explore::MAX_LAYERS;
use gradflow::sweep::square_sizes;
use gradflow::{Activation, DeepNetwork, Error, ExplorerConfig, Shortcut};

use super::support::output_dir;

#[test]
fn every_setting_holds_the_networks_own_report() {
    let config = ExplorerConfig {
        depths: 1..=4,
        widths: vec![1, 3, 8],
        seed: 7,
        ..ExplorerConfig::default()
    };
    let explorer = config.run().unwrap();
    assert_eq!(explorer.reports().len(), 4 * 3 * 4 * 2);
    // The grid's order is stated once (`Explorer::index`), and the networks follow it.
    for (i, network) in config.networks().iter().enumerate() {
        let depth = network.layer_sizes.len() - 1;
        let (width, activation) = (network.layer_sizes[0], network.activation);
        assert_eq!(
            explorer.index(depth, width, activation, network.shortcut),
            Some(i)
        );
    }
    for activation in Activation::ALL {
        for width in [1, 3, 8] {
            for depth in 1..=4 {
                for shortcut in Shortcut::BOTH {
                    let model = DeepNetwork::builder(&square_sizes(width, depth))
                        .activation(activation)
                        .shortcut(shortcut)
                        .seed(7)
                        .build()
                        .unwrap();
                    let own = model.gradients(&model.config().default_input()).unwrap();
                    let held = explorer.report(depth, width, activation, shortcut);
                    assert_eq!(
                        held,
                        Some(&own),
                        "{activation} {width} {depth} {shortcut:?}"
                    );
                }
            }
        }
    }
    assert_eq!(explorer.report(5, 3, Activation::Relu, Shortcut::On), None);
}

#[test]
fn empty_zero_and_oversize_grids_are_refused() {
    let error = |config: ExplorerConfig| config.run().unwrap_err().to_string();
    let grid = ExplorerConfig::default;
    #[allow(clippy::reversed_empty_ranges)]
    let no_depths = ExplorerConfig {
        depths: 1..=0,
        ..grid()
    };
    assert_eq!(
        error(no_depths),
        "the explorer's depths is an empty list; it must be at least one value"
    );
    assert!(error(ExplorerConfig {
        widths: vec![],
        ..grid()
    })
    .starts_with("the explorer's widths is an empty list"));
    assert!(error(ExplorerConfig {
        activations: vec![],
        ..grid()
    })
    .starts_with("the explorer's activations is an empty list"));
    assert_eq!(
        error(ExplorerConfig {
            depths: 0..=3,
            ..grid()
        }),
        "a depth is 0; it must be from 1 to 100000 layers"
    );
    // Refused from the range's ends, before a list of a billion depths is made.
    assert_eq!(
        error(ExplorerConfig {
            depths: 1..=1_000_000_000,
            ..grid()
        }),
        "a depth is 1000000000; it must be from 1 to 100000 layers"
    );
    let oversize = ExplorerConfig {
        depths: 1..=200,
        ..grid()
    }
    .run()
    .unwrap_err();
    assert!(matches!(oversize, Error::Invalid { .. }), "{oversize}");
    assert!(oversize
        .to_string()
        .contains(&format!("at most {MAX_LAYERS} layers")));
    assert!(matches!(
        ExplorerConfig {
            widths: vec![0],
            ..grid()
        }
        .run(),
        Err(Error::NonPositiveSize { .. })
    ));
}

#[test]
fn the_html_keeps_the_contract_and_needs_no_network() {
    let explorer = ExplorerConfig::default().run().unwrap();
    let html = explorer.to_html().unwrap();
    for part in [
        "<div data-gradflow-explorer",
        r#"<input type="range" name="depth" min="1" max="32" step="1" value="5""#,
        r#"<select name="width""#,
        r#"<option value="64">64</option>"#,
        r#"<select name="activation""#,
        r#"<option value="relu" selected>ReLU</option>"#,
        r#"<option value="sigmoid">Sigmoid</option>"#,
        r#"<input type="checkbox" name="shortcut">"#,
        "<pre data-lines",
        r#"<img src="data:image/svg+xml;base64,"#,
        "Run this cell (or trust the notebook)",
    ] {
        assert!(html.contains(part), "{part}");
    }
    // Nothing is loaded: no remote source, style or request (the SVG namespace is only a name).
    for load in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ] {
        assert!(!html.contains(load), "{load}");
    }
    assert!(html.len() < 1 << 20, "{} bytes", html.len());
    let page = explorer.to_page().unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(&html));
    std::fs::write(output_dir().join("explorer.html"), page).unwrap();
}
