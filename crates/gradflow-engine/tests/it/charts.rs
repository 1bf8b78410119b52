//! Charts: parsed as XML and checked for bars, labels and the log axis, and every text for its
//! size and its place inside the canvas. Each chart is also written under
//! `target/test-output/` for a person to look at.

use gradflow::chart;
use gradflow::hessian::HessianConfig;
use gradflow::landscape::LandscapeConfig;
use gradflow::{Curvature, DeepNetwork, Error, GradientReport, Shortcut, Surface, Svg, Training};
use gradflow_engine::chart::{WITHOUT_SHORTCUT, WITH_SHORTCUT};
use plotters::style::RGBColor;

use super::support::{output_dir, report_of, SEED_INPUT, SEED_SIZES};

/// What a test needs to know of a chart.
struct Parsed {
    /// `fill` of every `<rect>`.
    fills: Vec<String>,
    /// `fill` of every `<circle>`: a marker's colour, `none` for a ring or a hollow point.
    circles: Vec<String>,
    /// `stroke` of every `<circle>` whose `fill` is `none`: a hollow point's colour.
    hollow: Vec<String>,
    /// The content of every `<text>`, trimmed.
    texts: Vec<String>,
    /// Where every `<text>` lies, as far as its attributes tell.
    boxes: Vec<TextBox>,
    size: (String, String),
}

/// A text's place on the canvas: a generous estimate from its anchor, size and rotation.
#[derive(Debug)]
struct TextBox {
    text: String,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    font_size: f64,
}

impl TextBox {
    fn of(node: roxmltree::Node<'_, '_>) -> TextBox {
        let number = |name: &str| node.attribute(name).and_then(|v| v.parse::<f64>().ok());
        let (x, y) = (number("x").unwrap_or(0.0), number("y").unwrap_or(0.0));
        let font_size = number("font-size").unwrap_or(0.0);
        let text = node.text().unwrap_or("").trim().to_owned();
        // Chromium's sans-serif averages about 0.55 em a character; 0.62 errs on the wide side.
        let width = 0.62 * font_size * text.chars().count() as f64;
        // Along the text: where the anchor puts it.
        let (before, after) = match node.attribute("text-anchor") {
            Some("middle") => (width / 2.0, width / 2.0),
            Some("end") => (width, 0.0),
            _ => (0.0, width),
        };
        // Across it: where plotters' `dy` puts the glyphs against `y`.
        let (above, below) = match node.attribute("dy") {
            Some("0.76em") => (0.0, font_size),
            Some("0.5ex") => (font_size / 2.0, font_size / 2.0),
            _ => (font_size, 0.0),
        };
        let rotated = node
            .attribute("transform")
            .is_some_and(|t| t.starts_with("rotate(270"));
        let (left, right, top, bottom) = match rotated {
            // Turned a quarter anticlockwise about (x, y): along the text is up the canvas, and
            // what was above it is to its left.
            true => (x - above, x + below, y - after, y + before),
            false => (x - before, x + after, y - above, y + below),
        };
        TextBox {
            text,
            left,
            right,
            top,
            bottom,
            font_size,
        }
    }
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
        circles: elements("circle")
            .filter_map(|c| c.attribute("fill"))
            .map(str::to_owned)
            .collect(),
        hollow: elements("circle")
            .filter(|c| c.attribute("fill") == Some("none"))
            .filter_map(|c| c.attribute("stroke"))
            .map(str::to_owned)
            .collect(),
        texts: elements("text")
            .filter_map(|t| t.text())
            .map(|t| t.trim().to_owned())
            .collect(),
        boxes: elements("text").map(TextBox::of).collect(),
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

    /// Markers of a variant's colour.
    fn markers(&self, colour: RGBColor) -> usize {
        let hex = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
        self.circles.iter().filter(|fill| **fill == hex).count()
    }

    /// Hollow markers of a variant's colour.
    fn hollow_markers(&self, colour: RGBColor) -> usize {
        let hex = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
        self.hollow.iter().filter(|stroke| **stroke == hex).count()
    }

    /// The texts a projector would not show well: smaller than 24 of plotters' units
    /// (19.35 px), or not wholly inside the 1280 × 720 canvas.
    fn unfit(&self) -> Vec<&TextBox> {
        let fits = |b: &&TextBox| {
            let inside = b.left >= 0.0 && b.right <= 1280.0 && b.top >= 0.0 && b.bottom <= 720.0;
            b.text.is_empty() || (b.font_size >= 24.0 / 1.24 - 1e-9 && inside)
        };
        self.boxes.iter().filter(|b| !fits(b)).collect()
    }

    /// What every chart owes a projector: a 1280 × 720 canvas, and no text that is too small
    /// or off it.
    fn assert_fits_a_slide(&self) {
        assert_eq!(self.size, ("1280".to_owned(), "720".to_owned()));
        assert!(self.unfit().is_empty(), "{:?}", self.unfit());
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
    parsed.assert_fits_a_slide();
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
    parsed.assert_fits_a_slide();
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
    parsed.assert_fits_a_slide();
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
    parsed.assert_fits_a_slide();
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
    let parsed = parse(
        &chart::gradient_heatmap(&runs[1..]).unwrap(),
        "heatmap-one.svg",
    );
    parsed.assert_fits_a_slide();
}

#[test]
fn the_slide_check_sees_small_text_and_text_off_the_canvas() {
    let chart = |text: &str| {
        let document = format!(
            r#"<svg width="1280" height="720" xmlns="http://www.w3.org/2000/svg">{text}</svg>"#
        );
        parse(&Svg::new(document, "test".to_owned()), "slide-check.svg")
    };
    let fits = |text: &str| chart(text).unfit().is_empty();
    assert!(fits(
        r#"<text x="1200" y="700" font-size="19.36">1e-3</text>"#
    ));
    assert!(!fits(
        r#"<text x="1250" y="700" font-size="19.36">1e-3</text>"#
    ));
    assert!(!fits(
        r#"<text x="1200" y="700" font-size="16">1e-3</text>"#
    ));
    assert!(!fits(
        r#"<text x="30" y="710" dy="0.76em" font-size="19.36">0</text>"#
    ));
    let turned = r#"<text x="20" y="60" text-anchor="middle" font-size="19.36" transform="rotate(270, 20, 60)">a long axis description</text>"#;
    assert!(!fits(turned));
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

/// The grey of a map's point whose loss is not finite.
const NOT_FINITE: RGBColor = RGBColor(0xC8, 0xC8, 0xC8);

/// A surface of `points` along each of `directions` from -1 to 1, its loss `loss(x, y)`.
fn surface(
    shortcut: Shortcut,
    steps: usize,
    directions: usize,
    points: usize,
    loss: impl Fn(f64, f64) -> f64,
) -> Surface {
    let coordinates: Vec<f64> = (0..points)
        .map(|i| -1.0 + 2.0 * i as f64 / (points - 1) as f64)
        .collect();
    let rows = if directions == 2 {
        coordinates.clone()
    } else {
        vec![0.0]
    };
    let losses = rows
        .iter()
        .flat_map(|&y| coordinates.iter().map(move |&x| (x, y)))
        .map(|(x, y)| loss(x, y) as f32)
        .collect();
    Surface {
        shortcut,
        steps,
        directions,
        coordinates,
        losses,
    }
}

#[test]
fn landscape_lines_share_one_axis_and_mark_the_weights() {
    // With a shortcut the loss climbs a hundredfold along the line: a log axis.
    let lines = [
        surface(Shortcut::Off, 0, 1, 21, |x, _| 0.06 + 0.02 * x),
        surface(Shortcut::On, 0, 1, 21, |x, _| 0.05 + 8.0 * x * x),
    ];
    let parsed = parse(&chart::landscape(&lines).unwrap(), "landscape-lines.svg");
    parsed.assert_fits_a_slide();
    parsed.assert_log_axis();
    for text in [
        "Loss along a random direction, at initialisation",
        "without shortcut",
        "with shortcut",
        "the weights",
        "mean squared error, log scale",
        "-1",
        "0",
        "1",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
    // A ring at 0 on each line and one in the legend, each a halo and a ring.
    assert_eq!(
        parsed.circles.iter().filter(|fill| *fill == "none").count(),
        2 * 3
    );
    // Losses within a decade and a half of each other: a linear axis.
    let flat = [
        surface(Shortcut::Off, 300, 1, 21, |x, _| 0.034 + 0.01 * x * x),
        surface(Shortcut::On, 300, 1, 21, |x, _| 0.02 + 0.05 * x * x),
    ];
    let parsed = parse(
        &chart::landscape(&flat).unwrap(),
        "landscape-lines-linear.svg",
    );
    parsed.assert_fits_a_slide();
    assert!(parsed.has_text("Loss along a random direction, after 300 steps"));
    assert!(parsed.has_text("mean squared error"));
    assert!(
        !parsed.texts.iter().any(|t| t.starts_with("1e")),
        "{:?}",
        parsed.texts
    );
}

#[test]
fn landscape_planes_are_maps_on_one_colour_scale() {
    let planes = [
        surface(Shortcut::Off, 50, 2, 11, |x, y| {
            0.03 + 0.1 * (x * x + y * y)
        }),
        surface(Shortcut::On, 50, 2, 11, |x, y| {
            0.02 + 30.0 * (x * x + y * y)
        }),
    ];
    let parsed = parse(&chart::landscape(&planes).unwrap(), "landscape-planes.svg");
    parsed.assert_fits_a_slide();
    for text in [
        "Loss around the weights in a random plane, after 50 steps",
        "without shortcut",
        "with shortcut",
        "first direction",
        "second direction",
        "loss (mean squared error)",
        "the weights",
        "-0.5",
        "0.5",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
    // The colour bar is labelled with plain round losses, from below the lowest to above the
    // highest: 0.01, 0.03, 0.1, … 100.
    for label in ["0.01", "0.1", "1", "10", "100"] {
        assert!(parsed.has_text(label), "{label} in {:?}", parsed.texts);
    }
    // A cell per point in each map, a band per colour in the bar: about a dozen colours, the
    // centre of the shallow bowl in the lowest band of the steep one's scale.
    let mut colours: Vec<&String> = parsed.fills.iter().filter(|f| *f != "#FFFFFF").collect();
    assert!(colours.len() >= 2 * 11 * 11 + 8, "{}", colours.len());
    colours.sort();
    colours.dedup();
    assert!((8..=16).contains(&colours.len()), "{colours:?}");
    assert_eq!(parsed.swatches(NOT_FINITE), 0);
    assert!(!parsed.has_text("loss not finite"));
    // The weights are marked in each map and in the legend.
    assert_eq!(
        parsed.circles.iter().filter(|fill| *fill == "none").count(),
        2 * 3
    );
    // Four maps at two steps: two rows, each caption saying when, on a line of its own.
    let later: Vec<Surface> = planes
        .iter()
        .map(|s| Surface {
            steps: 300,
            ..s.clone()
        })
        .collect();
    let four = [planes.to_vec(), later].concat();
    let parsed = parse(&chart::landscape(&four).unwrap(), "landscape-four.svg");
    parsed.assert_fits_a_slide();
    for text in [
        "Loss around the weights in a random plane",
        "after 50 steps",
        "after 300 steps",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
}

#[test]
fn losses_that_are_not_finite_are_grey_on_a_map_and_gaps_in_a_line() {
    let mut plane = surface(Shortcut::On, 0, 2, 5, |x, y| 0.1 + x * x + y * y);
    plane.losses[0] = f32::NAN;
    plane.losses[1] = f32::INFINITY;
    plane.losses[2] = 0.0;
    let parsed = parse(
        &chart::landscape(&[plane]).unwrap(),
        "landscape-not-finite.svg",
    );
    parsed.assert_fits_a_slide();
    assert_eq!(parsed.swatches(NOT_FINITE), 2 + 1);
    assert!(parsed.has_text("loss not finite"));
    let mut line = surface(Shortcut::Off, 0, 1, 9, |x, _| 0.1 + x * x);
    line.losses[3] = f32::NAN;
    line.losses[4] = f32::NEG_INFINITY;
    let parsed = parse(
        &chart::landscape(&[line]).unwrap(),
        "landscape-line-gap.svg",
    );
    parsed.assert_fits_a_slide();
    let nothing = surface(Shortcut::Off, 0, 2, 3, |_, _| f64::NAN);
    let parsed = parse(
        &chart::landscape(&[nothing]).unwrap(),
        "landscape-nothing.svg",
    );
    assert_eq!(parsed.swatches(NOT_FINITE), 9 + 1);
}

#[test]
fn landscapes_that_cannot_be_drawn_are_refused() {
    let refused = |surfaces: &[Surface]| match chart::landscape(surfaces) {
        Err(Error::Invalid { what, .. }) => what,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(&[]), "the list of surfaces");
    let line = surface(Shortcut::Off, 0, 1, 5, |x, _| 1.0 + x);
    let plane = surface(Shortcut::On, 0, 2, 5, |x, y| 1.0 + x * y);
    assert_eq!(
        refused(&[line.clone(), plane.clone()]),
        "the surfaces' directions"
    );
    let mut short = plane.clone();
    short.losses.pop();
    assert_eq!(
        refused(&[plane.clone(), short]),
        "surface 1's number of losses"
    );
    let mut cube = plane;
    cube.directions = 3;
    assert_eq!(refused(&[cube]), "surface 0's directions");
    let mut point = line;
    (point.coordinates, point.losses) = (vec![0.0], vec![1.0]);
    assert_eq!(refused(&[point]), "surface 0's coordinates");
}

#[test]
fn landscapes_of_the_seed_are_drawn() {
    for directions in [1, 2] {
        let config = LandscapeConfig {
            directions,
            points: 11,
            steps: 50,
            ..LandscapeConfig::default()
        };
        let surfaces = gradflow_engine::landscape::run(&config).unwrap();
        let file = format!("landscape-seed-{directions}d.svg");
        let parsed = parse(&chart::landscape(&surfaces).unwrap(), &file);
        parsed.assert_fits_a_slide();
        assert!(parsed.has_text("the weights"));
        assert!(parsed.has_text("with shortcut"), "{:?}", parsed.texts);
        assert!(parsed.texts.iter().any(|t| t.ends_with(", after 50 steps")));
    }
}

/// A measurement of `eigenvalues` (ascending), with no density.
fn curvature(shortcut: Shortcut, step: usize, eigenvalues: Vec<f32>) -> Curvature {
    Curvature {
        shortcut,
        step,
        loss: 0.05,
        parameters: eigenvalues.len(),
        top_eigenvalue: eigenvalues.last().map_or(0.0, |&e| e.into()),
        iterations: 20,
        trace: eigenvalues.iter().map(|&e| f64::from(e)).sum(),
        trace_samples: 20,
        eigenvalues,
        nodes: vec![],
        weights: vec![],
    }
}

/// The seed's spectrum's shape: 52 eigenvalues, 14 negative down to `lowest`, 26 about zero
/// (as rounding leaves them), 11 small and one `largest`.
fn seed_like(lowest: f32, largest: f32) -> Vec<f32> {
    (0..52)
        .map(|k| match k {
            0..=13 => lowest * (14 - k) as f32 / 14.0,
            14..=39 => 1e-10 * (k as f32 - 27.0),
            40..=50 => 0.01 * (k - 39) as f32,
            _ => largest,
        })
        .collect()
}

#[test]
fn a_spectrum_shows_every_eigenvalue_and_counts_the_negatives() {
    let pair = [
        curvature(Shortcut::Off, 0, seed_like(-0.4, 2.19)),
        curvature(Shortcut::On, 0, seed_like(-2.5, 14.6)),
    ];
    let parsed = parse(&chart::spectrum(&pair).unwrap(), "spectrum.svg");
    parsed.assert_fits_a_slide();
    // The 26 about zero drawn hollow, so that the points below the line are the 14 counted.
    assert_eq!(
        (
            parsed.markers(WITHOUT_SHORTCUT),
            parsed.markers(WITH_SHORTCUT)
        ),
        (26, 26)
    );
    assert_eq!(
        (
            parsed.hollow_markers(WITHOUT_SHORTCUT),
            parsed.hollow_markers(WITH_SHORTCUT)
        ),
        (26, 26)
    );
    for text in [
        "counted as zero (within 1e-4 × largest)",
        "Eigenvalues of the loss's Hessian, at initialisation",
        "without shortcut: 14 of 52 negative (lowest -0.400), largest 2.19",
        "with shortcut: 14 of 52 negative (lowest -2.50), largest 14.6",
        "eigenvalue, symmetric log scale",
        "0",
        "1e0",
        "-1e0",
        "50",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
    // Without the whole spectrum, the Lanczos density: each node as wide as its weight.
    let density: Vec<Curvature> = [(&pair[0], -0.4, 0.25), (&pair[1], -2.5, 0.3)]
        .into_iter()
        .map(|(c, lowest, share)| Curvature {
            eigenvalues: vec![],
            nodes: vec![lowest, 0.0, c.top_eigenvalue as f32],
            weights: vec![share, 0.5, 0.5 - share],
            ..c.clone()
        })
        .collect();
    let parsed = parse(&chart::spectrum(&density).unwrap(), "spectrum-density.svg");
    parsed.assert_fits_a_slide();
    assert_eq!(
        (
            parsed.markers(WITHOUT_SHORTCUT),
            parsed.markers(WITH_SHORTCUT)
        ),
        (2, 2)
    );
    assert_eq!(
        (
            parsed.hollow_markers(WITHOUT_SHORTCUT),
            parsed.hollow_markers(WITH_SHORTCUT)
        ),
        (1, 1),
        "the node at zero"
    );
    assert!(parsed.has_text("100%"));
    for text in [
        "without shortcut: 25% negative (lowest -0.400), largest 2.19",
        "with shortcut: 30% negative (lowest -2.50), largest 14.6",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
}

#[test]
fn spectra_that_cannot_be_drawn_are_refused() {
    let refused = |curvatures: &[Curvature]| match chart::spectrum(curvatures) {
        Err(Error::Invalid { what, .. }) => what,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(&[]), "the list of curvatures");
    let nothing = curvature(Shortcut::Off, 0, vec![]);
    assert_eq!(refused(std::slice::from_ref(&nothing)), "curvature 0's spectrum");
    let uneven = Curvature {
        nodes: vec![0.0, 1.0, 2.0],
        weights: vec![0.5, 0.5],
        ..nothing
    };
    let whole = curvature(Shortcut::On, 0, vec![-1.0, 1.0]);
    assert_eq!(refused(&[whole, uneven]), "curvature 1's spectrum");
    assert!(matches!(chart::sharpness(&[]), Err(Error::Invalid { .. })));
}

#[test]
fn sharpness_follows_each_variant_along_training() {
    let along: Vec<Curvature> = [(0, 2.19, 14.6), (50, 2.32, 9.2), (300, 2.25, 9.75)]
        .into_iter()
        .flat_map(|(step, without, with)| {
            [
                curvature(Shortcut::Off, step, vec![-0.1, without]),
                curvature(Shortcut::On, step, vec![-0.1, with]),
            ]
        })
        .collect();
    let parsed = parse(&chart::sharpness(&along).unwrap(), "sharpness.svg");
    parsed.assert_fits_a_slide();
    assert_eq!(
        (
            parsed.markers(WITHOUT_SHORTCUT),
            parsed.markers(WITH_SHORTCUT)
        ),
        (3, 3)
    );
    for text in [
        "without shortcut",
        "with shortcut",
        "training step",
        "largest eigenvalue",
        "0",
        "300",
        "16",
    ] {
        assert!(parsed.has_text(text), "{text} in {:?}", parsed.texts);
    }
    assert!(
        !parsed.texts.iter().any(|t| t.starts_with("1e")),
        "linear: {:?}",
        parsed.texts
    );
    // Over more than a decade and a half, a log axis; a sharpness that is not finite is a gap.
    let steep = [
        curvature(Shortcut::On, 0, vec![0.01]),
        curvature(Shortcut::On, 10, vec![f32::NAN]),
        curvature(Shortcut::On, 20, vec![5.0]),
    ];
    let parsed = parse(&chart::sharpness(&steep).unwrap(), "sharpness-log.svg");
    parsed.assert_fits_a_slide();
    parsed.assert_log_axis();
    assert_eq!(parsed.markers(WITH_SHORTCUT), 2);
}

#[test]
fn the_seeds_curvature_is_drawn() {
    let config = HessianConfig {
        at_steps: vec![0, 50],
        ..HessianConfig::default()
    };
    let curvatures = gradflow_engine::hessian::run(&config).unwrap();
    let at_start: Vec<Curvature> = curvatures.iter().filter(|c| c.step == 0).cloned().collect();
    let parsed = parse(&chart::spectrum(&at_start).unwrap(), "spectrum-seed.svg");
    parsed.assert_fits_a_slide();
    // Every eigenvalue a point: filled where it counts, hollow where it counts as zero.
    for (c, colour) in at_start.iter().zip([WITHOUT_SHORTCUT, WITH_SHORTCUT]) {
        let counted = (c.eigenvalues.iter())
            .filter(|&&e| f64::from(e).abs() > c.zero_within())
            .count();
        assert_eq!(parsed.markers(colour), counted);
        assert_eq!(parsed.hollow_markers(colour), 52 - counted);
    }
    assert!(parsed.has_text("0"));
    let parsed = parse(
        &chart::sharpness(&curvatures).unwrap(),
        "sharpness-seed.svg",
    );
    parsed.assert_fits_a_slide();
    assert_eq!(
        (
            parsed.markers(WITHOUT_SHORTCUT),
            parsed.markers(WITH_SHORTCUT)
        ),
        (2, 2)
    );
}
