//! Charts: parsed as XML and checked for bars, labels and the log axis. Each chart is also
//! written under `target/test-output/` for a person to look at.

use gradflow::chart;
use gradflow::{DeepNetwork, Error, GradientReport, Shortcut, Svg, Training};
use gradflow_engine::chart::{WITHOUT_SHORTCUT, WITH_SHORTCUT};
use plotters::style::RGBColor;

use super::support::{output_dir, report_of, SEED_INPUT, SEED_SIZES};

/// What a test needs to know of a chart.
struct Parsed {
    /// `fill` of every `<rect>`.
    fills: Vec<String>,
    /// The content of every `<text>`, trimmed.
    texts: Vec<String>,
    size: (String, String),
}

fn parse(svg: &Svg, file: &str) -> Parsed {
    svg.save(output_dir().join(file)).expect("save chart");
    let document = roxmltree::Document::parse(svg.as_str()).expect("well-formed SVG");
    let root = document.root_element();
    let elements = |name: &'static str| root.descendants().filter(move |n| n.has_tag_name(name));
    Parsed {
        fills: elements("rect")
            .filter_map(|r| r.attribute("fill"))
            .map(str::to_owned)
            .collect(),
        texts: elements("text")
            .filter_map(|t| t.text())
            .map(|t| t.trim().to_owned())
            .collect(),
        size: (
            root.attribute("width").unwrap_or("").into(),
            root.attribute("height").unwrap_or("").into(),
        ),
    }
}

impl Parsed {
    /// Rects of a variant's colour: one per bar, plus the legend's swatch.
    fn swatches(&self, colour: RGBColor) -> usize {
        let hex = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
        self.fills.iter().filter(|fill| **fill == hex).count()
    }

    fn has_text(&self, text: &str) -> bool {
        self.texts.iter().any(|t| t == text)
    }

    /// The y axis labels, which must be successive powers of ten on a log axis.
    fn assert_log_axis(&self) {
        let exponents: Vec<i32> = self
            .texts
            .iter()
            .filter_map(|t| t.strip_prefix("1e").and_then(|e| e.parse().ok()))
            .collect();
        assert!(
            exponents.len() >= 2,
            "powers of ten on the y axis: {:?}",
            self.texts
        );
        assert!(exponents
            .windows(2)
            .all(|w| w[1] - w[0] == exponents[1] - exponents[0] && w[0] != w[1]));
    }
}

fn seed_report(shortcut: Shortcut) -> GradientReport {
    let model = DeepNetwork::builder(&SEED_SIZES)
        .shortcut(shortcut)
        .build()
        .unwrap();
    model.gradients(&SEED_INPUT).unwrap()
}

#[test]
fn comparison_chart_of_the_seed() {
    let chart = chart::compare(&seed_report(Shortcut::Off), &seed_report(Shortcut::On)).unwrap();
    let parsed = parse(&chart, "seed-compare.svg");
    assert_eq!(parsed.size, ("1280".to_owned(), "720".to_owned()));
    assert_eq!(parsed.swatches(WITHOUT_SHORTCUT), 5 + 1);
    assert_eq!(parsed.swatches(WITH_SHORTCUT), 5 + 1);
    for i in 0..5 {
        assert!(
            parsed.has_text(&format!("layers.{i}")),
            "x label layers.{i}"
        );
    }
    for value in ["6.88e-4", "0.0248", "0.556", "3.14"] {
        assert!(parsed.has_text(value), "value label {value}");
    }
    assert!(parsed.has_text("without shortcut") && parsed.has_text("with shortcut"));
    parsed.assert_log_axis();
}

#[test]
fn layer_chart_uses_its_variants_colour_only() {
    let parsed = parse(
        &seed_report(Shortcut::On).chart().unwrap(),
        "seed-with-shortcut.svg",
    );
    assert_eq!(
        (
            parsed.swatches(WITH_SHORTCUT),
            parsed.swatches(WITHOUT_SHORTCUT)
        ),
        (6, 0)
    );
    assert!(parsed.has_text("Mean |gradient| per layer, with shortcut (ReLU)"));
    parsed.assert_log_axis();
}

#[test]
fn zeros_nan_and_infinities_get_labels_not_bars() {
    let report = report_of(&[0.0, f32::NAN, 1e-3, f32::INFINITY, 0.5], Shortcut::Off);
    let parsed = parse(&report.chart().unwrap(), "zeros-and-nan.svg");
    assert_eq!(parsed.swatches(WITHOUT_SHORTCUT), 2 + 1);
    for label in ["0", "NaN", "inf", "1.00e-3", "0.500"] {
        assert!(parsed.has_text(label), "label {label}: {:?}", parsed.texts);
    }
    parsed.assert_log_axis();
    let nothing = parse(
        &report_of(&[0.0, 0.0], Shortcut::Off).chart().unwrap(),
        "all-zero.svg",
    );
    assert_eq!(nothing.swatches(WITHOUT_SHORTCUT), 1);
}

#[test]
fn thirty_orders_of_magnitude_fit_one_log_axis() {
    let parsed = parse(
        &report_of(&[1e-30, 1e-15, 1.0], Shortcut::Off)
            .chart()
            .unwrap(),
        "thirty-orders.svg",
    );
    assert_eq!(parsed.swatches(WITHOUT_SHORTCUT), 3 + 1);
    parsed.assert_log_axis();
}

#[test]
fn deep_networks_get_numbered_layers_and_no_value_labels() {
    let model = DeepNetwork::builder(&[3; 65])
        .shortcut(Shortcut::On)
        .build()
        .unwrap();
    let report = model.gradients(&SEED_INPUT).unwrap();
    let parsed = parse(&report.chart().unwrap(), "deep-64.svg");
    let drawable = report.weight_means().iter().filter(|v| **v > 0.0).count();
    assert_eq!(parsed.swatches(WITH_SHORTCUT), drawable + 1);
    assert!(parsed.has_text("0") && !parsed.has_text("layers.0"));
    assert!(
        !parsed
            .texts
            .iter()
            .any(|t| t.contains("e-") && !t.starts_with("1e")),
        "no value labels"
    );
}

#[test]
fn reports_of_different_depths_cannot_be_compared() {
    let error = chart::compare(
        &report_of(&[1.0, 2.0], Shortcut::Off),
        &report_of(&[1.0], Shortcut::Off),
    )
    .unwrap_err();
    assert!(matches!(error, Error::ReportMismatch { left: 2, right: 1 }));
    assert!(matches!(
        report_of(&[], Shortcut::Off).chart(),
        Err(Error::EmptyReport)
    ));
}

#[test]
fn trainings_of_different_lengths_cannot_share_a_heatmap() {
    let training = |steps: usize, shortcut| Training {
        shortcut,
        losses: vec![0.5; steps],
        gradients: vec![vec![0.1, 0.01]; steps],
    };
    let runs = [training(3, Shortcut::Off), training(300, Shortcut::On)];
    let error = chart::gradient_heatmap(&runs).unwrap_err();
    assert!(
        matches!(
            error,
            Error::TrainingMismatch {
                left: 3,
                right: 300
            }
        ),
        "{error}"
    );
    assert!(chart::gradient_heatmap(&runs[1..]).is_ok());
}

#[test]
fn a_chart_is_shown_as_an_image_that_fits_its_container() {
    use base64::prelude::{Engine, BASE64_STANDARD};

    let chart = seed_report(Shortcut::On).chart().unwrap();
    let html = chart.to_html();
    let encoded = html
        .strip_prefix(r#"<img src="data:image/svg+xml;base64,"#)
        .and_then(|rest| rest.split('"').next())
        .expect("an image of the SVG");
    assert_eq!(
        BASE64_STANDARD.decode(encoded).unwrap(),
        chart.as_str().as_bytes()
    );
    assert!(html.contains(r#"width="1280" height="720""#));
    assert!(html.contains(r#"style="max-width: 100%; height: auto;""#));
    assert!(html.contains(r#"alt="Mean |gradient| per layer, with shortcut (ReLU)""#));
    assert_eq!(
        chart.title(),
        "Mean |gradient| per layer, with shortcut (ReLU)"
    );
}
