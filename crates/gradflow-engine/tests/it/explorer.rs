//! The explorer: its grid holds the same reports as the network computes one by one, bad
//! grids are refused, and its HTML keeps the contract that pages and tests rely on.

use gradflow::explore::MAX_LAYERS;
use gradflow::sweep::square_sizes;
use gradflow::{Activation, DeepNetwork, Error, Explorer, Shortcut};

use super::support::output_dir;

#[test]
fn every_setting_holds_the_networks_own_report() {
    let explorer = Explorer::new()
        .depths(1..=4)
        .widths(&[1, 3, 8])
        .seed(7)
        .build()
        .unwrap();
    assert_eq!(explorer.reports.len(), 4 * 3 * 4 * 2);
    for activation in Activation::ALL {
        for width in [1, 3, 8] {
            for depth in 1..=4 {
                for shortcut in Shortcut::BOTH {
                    let mut model = DeepNetwork::builder(&square_sizes(width, depth))
                        .activation(activation)
                        .shortcut(shortcut)
                        .seed(7)
                        .build()
                        .unwrap();
                    let own = model.gradients(&model.default_input()).unwrap();
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
    let error = |config: gradflow::explore::ExplorerConfig| config.build().unwrap_err().to_string();
    #[allow(clippy::reversed_empty_ranges)]
    let no_depths = Explorer::new().depths(1..=0);
    assert_eq!(
        error(no_depths),
        "the explorer's depths is an empty list; it must be at least one value"
    );
    assert!(
        error(Explorer::new().widths(&[])).starts_with("the explorer's widths is an empty list")
    );
    assert!(error(Explorer::new().activations(&[]))
        .starts_with("the explorer's activations is an empty list"));
    assert_eq!(
        error(Explorer::new().depths(0..=3)),
        "a depth is 0; it must be from 1 to 100000 layers"
    );
    // Refused from the range's ends, before a list of a billion depths is made.
    assert_eq!(
        error(Explorer::new().depths(1..=1_000_000_000)),
        "a depth is 1000000000; it must be from 1 to 100000 layers"
    );
    let oversize = Explorer::new().depths(1..=200).build().unwrap_err();
    assert!(matches!(oversize, Error::Invalid { .. }), "{oversize}");
    assert!(oversize
        .to_string()
        .contains(&format!("at most {MAX_LAYERS} layers")));
    assert!(matches!(
        Explorer::new().widths(&[0]).build(),
        Err(Error::NonPositiveSize { .. })
    ));
}

#[test]
fn the_html_keeps_the_contract_and_needs_no_network() {
    let explorer = Explorer::new().build().unwrap();
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
