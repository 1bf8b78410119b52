//! What the explorer's page shows for every setting of its grid, decided here, once: the
//! printed lines, the title, the log axis's ticks, the layer labels, each bar's place and
//! height, and the value labels where they have room. `explorer.js` only draws these and
//! switches between them; it formats no number and computes no layout.
//!
//! The page's chart is drawn in SVG pixels on a 1280 × 720 view box; its layout is [`PAGE`].
//!
//! The grid is written by serde_json, so the page always gets JSON (objects' keys in
//! alphabetical order; the script reads them by name). Its pixel positions are finite for every
//! report, as a bar is placed only for a positive, finite value ([`drawable`]); one that were not
//! would be `null`, never a bare `NaN`. A zero, NaN or infinite gradient has no bar (its top is
//! `null`), and its value label and printed line say so in words, as strings: `0`, `NaN`, `inf`
//! as the SVG charts write them, and `0.0`, `nan`, `inf` as Python prints them.

use serde_json::{json, Value};

use super::axes::{
    decades, drawable, labelled_layers, layer_label, log_range, power_label, short_value,
    text_width, LABEL_GAP,
};
use super::fonts::{Fonts, UNITS_PER_PIXEL};
use super::{WITHOUT_SHORTCUT, WITH_SHORTCUT};
use gradflow::repr::float_repr;
use gradflow::results::{Explorer, GradientReport};
use gradflow::settings::Shortcut;

/// Where the page's chart puts its plot, in SVG pixels.
pub(super) struct Page {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// The plot of the page's chart: room on the left for the axis, above for the title and
/// the legend, below for the layer labels and the axis's description. As wide as the plot of
/// the slide of bars (`compare`), so that a value label has room on both or on neither.
pub(super) const PAGE: Page = Page {
    left: 143.0,
    right: 1254.0,
    top: 110.0,
    bottom: 600.0,
};

/// What fraction of a layer's width its bars take, and where they start.
const BARS: f64 = 0.8;

/// The grid as JSON for the page's `<script type="application/json" data-grid>`.
pub(super) fn grid_json(explorer: &Explorer) -> String {
    let fonts = &Fonts::PAGE;
    let size = |units: u32| px(f64::from(units) / UNITS_PER_PIXEL);
    let colours =
        [WITHOUT_SHORTCUT, WITH_SHORTCUT].map(|c| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2));
    let deepest = explorer.depths().iter().copied().max().unwrap_or(0);
    let prefixes: Vec<String> = (0..deepest)
        .map(|i| GradientReport::line(&format!("layers.{i}.0.weight"), ""))
        .collect();
    let activations = explorer.activations();
    let columns: Vec<Value> = explorer
        .depths()
        .iter()
        .map(|&depth| columns(depth))
        .collect();
    // views[activation][width][depth]: the page looks a setting up by its controls' positions.
    // Settings share a few dozen axes, which the page carries once each.
    let mut axes = Vec::new();
    let views: Vec<Vec<Vec<Value>>> = activations
        .iter()
        .map(|&activation| {
            explorer
                .widths()
                .iter()
                .map(|&width| {
                    explorer
                        .depths()
                        .iter()
                        .map(|&depth| {
                            let report =
                                |shortcut| explorer.report(depth, width, activation, shortcut);
                            match (report(Shortcut::Off), report(Shortcut::On)) {
                                (Some(without), Some(with)) => view(without, with, &mut axes),
                                _ => Value::Null,
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let axes: Vec<Value> = axes
        .iter()
        .map(|&(floor, ceiling)| axis(floor, ceiling))
        .collect();
    let grid = json!({
        "depths": explorer.depths(),
        "widths": explorer.widths(),
        "activations": activations.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "names": activations.iter().map(|a| a.module_name()).collect::<Vec<_>>(),
        "colours": colours,
        "legend": Shortcut::BOTH.map(Shortcut::label),
        "page": {
            "left": px(PAGE.left),
            "right": px(PAGE.right),
            "top": px(PAGE.top),
            "bottom": px(PAGE.bottom),
            "fonts": {
                "title": size(fonts.title),
                "label": size(fonts.label),
                "desc": size(fonts.desc),
                "value": size(fonts.value),
                "legend": size(fonts.legend),
            },
            "xDesc": super::bars::X_DESC,
            "yDesc": super::bars::Y_DESC,
        },
        "prefixes": prefixes,
        "columns": columns,
        "axes": axes,
        "views": views,
    });
    script_safe(&grid.to_string())
}

/// A log axis from `floor` to `ceiling` on the page: its labelled decades and its light lines.
fn axis(floor: f64, ceiling: f64) -> Value {
    let y = y_of(floor, ceiling);
    let (labelled, light) = decades(floor, ceiling, 8);
    let ticks: Vec<(Value, String)> = labelled
        .iter()
        .map(|&v| (px(y(v)), power_label(v)))
        .collect();
    let light: Vec<Value> = light.iter().map(|&v| px(y(v))).collect();
    json!({ "ticks": ticks, "light": light })
}

/// The page's y of a value on the log axis from `floor` to `ceiling`.
fn y_of(floor: f64, ceiling: f64) -> impl Fn(f64) -> f64 {
    let span = ceiling.log10() - floor.log10();
    move |v| PAGE.top + (ceiling.log10() - v.log10()) / span * (PAGE.bottom - PAGE.top)
}

/// The bars' places for a depth: each layer's pair of left edges, the bars' width, and the
/// layer labels with their centres.
fn columns(depth: usize) -> Value {
    let group = (PAGE.right - PAGE.left) / depth as f64;
    let width = group * BARS / 2.0;
    let lefts: Vec<[Value; 2]> = (0..depth)
        .map(|i| {
            let left = PAGE.left + i as f64 * group + group * (1.0 - BARS) / 2.0;
            [px(left), px(left + width)]
        })
        .collect();
    let labels: Vec<(Value, String)> = labelled_layers(depth)
        .into_iter()
        .map(|i| {
            let centre = PAGE.left + (i as f64 + 0.5) * group;
            (px(centre), layer_label(i as f64, depth))
        })
        .collect();
    json!({ "width": px(width), "x": lefts, "labels": labels })
}

/// One setting: its title, its axis (an index into `axes`, which gains it if new), its bars'
/// tops (`null`: no bar), its value labels (`null` where they have no room), and the numbers
/// of its printed lines.
fn view(without: &GradientReport, with: &GradientReport, axes: &mut Vec<(f64, f64)>) -> Value {
    let pair = [without, with];
    let all = pair.iter().flat_map(|r| r.weight_means()).map(f64::from);
    let (floor, ceiling) = log_range(all.clone(), true);
    let axis = match axes.iter().position(|&a| a == (floor, ceiling)) {
        Some(index) => index,
        None => {
            axes.push((floor, ceiling));
            axes.len() - 1
        }
    };
    let y = y_of(floor, ceiling);
    // Whole pixels, as the SVG charts draw them.
    let tops = pair.map(|report| {
        report
            .weight_means()
            .into_iter()
            .map(|v| {
                let v = f64::from(v);
                drawable(v).then(|| px(y(v).round()))
            })
            .collect::<Vec<_>>()
    });
    let depth = without.layers.len();
    let bar_width = (PAGE.right - PAGE.left) / depth as f64 * BARS / 2.0;
    // The slide of bars' rule, with its font and its plot's width (`PAGE`'s), so that the page
    // shows value labels exactly where `compare` does.
    let widest = all
        .map(|v| text_width(&short_value(v), Fonts::SLIDE.value))
        .max()
        .unwrap_or(0);
    let values = (f64::from(widest + LABEL_GAP) <= bar_width).then(|| {
        pair.map(|report| {
            report
                .weight_means()
                .into_iter()
                .map(|v| short_value(f64::from(v)))
                .collect::<Vec<_>>()
        })
    });
    let reprs = pair.map(|report| {
        report
            .weight_means()
            .into_iter()
            .map(|v| float_repr(v.into()))
            .collect::<Vec<_>>()
    });
    let title = format!(
        "Mean |gradient| per layer ({}, depth {depth}, width {})",
        without.activation.module_name(),
        without.layer_sizes[0]
    );
    json!({ "title": title, "axis": axis, "tops": tops, "values": values, "reprs": reprs })
}

/// A pixel position, to a tenth of a pixel; a whole one as an integer (`600`, not `600.0`), as
/// the page has always carried it. Not finite (no report leads here): `null`.
fn px(position: f64) -> Value {
    let tenths = (position * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 && tenths.abs() < 1e15 {
        Value::from(tenths as i64)
    } else {
        Value::from(tenths)
    }
}

/// JSON for inside a `<script>`: `<` escaped as `\u003c`, so that no `</script>` or `<!--` in a
/// string can end the script early. In JSON a `<` can only be inside a string.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow::results::LayerGradient;
    use gradflow::settings::{Activation, ExplorerConfig};

    #[test]
    fn json_strings_cannot_end_the_script() {
        assert_eq!(
            script_safe(&json!(r#"a "b" \ </script>"#).to_string()),
            r#""a \"b\" \\ \u003c/script>""#
        );
    }

    #[test]
    fn pixels_are_tenths_whole_ones_integers_and_never_a_bare_nan() {
        assert_eq!(px(600.0).to_string(), "600");
        assert_eq!(px(222.2222).to_string(), "222.2");
        assert_eq!(px(33.86).to_string(), "33.9");
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(px(v), Value::Null);
        }
    }

    #[test]
    fn columns_place_each_layers_pair_and_label_every_layer_of_a_short_network() {
        let expected: Value = serde_json::from_str(
            r#"{"width":222.2,"x":[[198.5,420.8],[754.1,976.3]],"labels":[[420.8,"layers.0"],[976.3,"layers.1"]]}"#,
        )
        .unwrap();
        assert_eq!(columns(2), expected);
    }

    /// A grid whose reports hold zero, NaN, infinite, subnormal and huge gradients.
    fn explorer_of(means: &[f32]) -> Explorer {
        let config = ExplorerConfig {
            depths: 1..=means.len(),
            widths: vec![3],
            activations: vec![Activation::Sigmoid],
            seed: 0,
        };
        let reports = config
            .networks()
            .into_iter()
            .map(|network| {
                let depth = network.layer_sizes.len() - 1;
                let layers = (0..depth)
                    .map(|i| LayerGradient {
                        name: format!("layers.{i}.0.weight"),
                        weight_mean: means[i],
                        ..Default::default()
                    })
                    .collect();
                GradientReport {
                    layers,
                    layer_sizes: network.layer_sizes,
                    shortcut: network.shortcut,
                    activation: network.activation,
                    seed: 0,
                }
            })
            .collect();
        config.explorer(reports).unwrap()
    }

    #[test]
    fn a_grid_with_nan_and_infinite_gradients_is_json_and_says_so_in_words() {
        let means = [f32::NAN, f32::INFINITY, 0.0, 0.5, 1e-45, f32::MAX];
        let json = grid_json(&explorer_of(&means));
        let grid: Value = serde_json::from_str(&json).expect("the page's grid is JSON");
        let view = &grid["views"][0][0][3];
        for k in 0..2 {
            // No bar for NaN, ∞ or 0; a whole pixel for the others.
            assert_eq!(
                view["tops"][k].as_array().unwrap()[..3],
                [Value::Null, Value::Null, Value::Null]
            );
            assert!(view["tops"][k][3].is_i64(), "{view}");
            assert_eq!(view["values"][k], json!(["NaN", "inf", "0", "0.500"]));
            assert_eq!(view["reprs"][k], json!(["nan", "inf", "0.0", "0.5"]));
        }
        let deepest = &grid["views"][0][0][5];
        assert_eq!(
            deepest["reprs"][1].as_array().unwrap()[4..],
            [
                json!("1.401298464324817e-45"),
                json!("3.4028234663852886e+38")
            ]
        );
        // Every number on the page is a finite pixel position.
        fn numbers(value: &Value, found: &mut Vec<f64>) {
            match value {
                Value::Number(n) => found.push(n.as_f64().unwrap()),
                Value::Array(items) => items.iter().for_each(|v| numbers(v, found)),
                Value::Object(map) => map.values().for_each(|v| numbers(v, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        numbers(&grid, &mut found);
        assert!(!found.is_empty() && found.iter().all(|v| v.is_finite()));
    }
}
