//! What the explorer's page shows for every setting of its grid, decided here, once: the
//! printed lines, the title, the log axis's ticks, the layer labels, each bar's place and
//! height, and the value labels where they have room. `explorer.js` only draws these and
//! switches between them; it formats no number and computes no layout.
//!
//! The page's chart is drawn in SVG pixels on a 1280 × 720 view box; its layout is [`PAGE`].

use std::fmt::Write;

use super::axes::{
    decades, drawable, labelled_layers, layer_label, log_range, power_label, short_value,
    text_width, LABEL_GAP,
};
use super::fonts::{Fonts, UNITS_PER_PIXEL};
use super::{WITHOUT_SHORTCUT, WITH_SHORTCUT};
use crate::repr::float_repr;
use crate::results::{Explorer, GradientReport};
use crate::settings::Shortcut;

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
    let colours = [WITHOUT_SHORTCUT, WITH_SHORTCUT]
        .map(|c| string(&format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)));
    let deepest = explorer.depths().iter().copied().max().unwrap_or(0);
    let prefixes = (0..deepest).map(|i| {
        let line = GradientReport::line(&format!("layers.{i}.0.weight"), "");
        string(&line)
    });
    let mut json = String::new();
    let _ = write!(
        json,
        r#"{{"depths":{},"widths":{},"activations":{},"names":{},"colours":{},"legend":{},"#,
        list(explorer.depths().iter().map(usize::to_string)),
        list(explorer.widths().iter().map(i64::to_string)),
        list(explorer.activations().iter().map(|a| string(a.name()))),
        list(
            explorer
                .activations()
                .iter()
                .map(|a| string(a.module_name()))
        ),
        list(colours),
        list(Shortcut::BOTH.iter().map(|s| string(s.label()))),
    );
    let _ = write!(
        json,
        r#""page":{{"left":{},"right":{},"top":{},"bottom":{},"fonts":{{"title":{},"label":{},"desc":{},"value":{},"legend":{}}},"xDesc":{},"yDesc":{}}},"prefixes":{},"#,
        PAGE.left,
        PAGE.right,
        PAGE.top,
        PAGE.bottom,
        size(fonts.title),
        size(fonts.label),
        size(fonts.desc),
        size(fonts.value),
        size(fonts.legend),
        string(super::bars::X_DESC),
        string(super::bars::Y_DESC),
        list(prefixes),
    );
    let columns = explorer.depths().iter().map(|&depth| columns(depth));
    let _ = write!(json, r#""columns":{},"#, list(columns));
    // views[activation][width][depth]: the page looks a setting up by its controls' positions.
    // Settings share a few dozen axes, which the page carries once each.
    let mut axes = Vec::new();
    let views: Vec<String> = explorer
        .activations()
        .iter()
        .map(|&activation| {
            list(explorer.widths().iter().map(|&width| {
                list(explorer.depths().iter().map(|&depth| {
                    let report = |shortcut| explorer.report(depth, width, activation, shortcut);
                    match (report(Shortcut::Off), report(Shortcut::On)) {
                        (Some(without), Some(with)) => view(without, with, &mut axes),
                        _ => "null".to_owned(),
                    }
                }))
            }))
        })
        .collect();
    let axes = axes.iter().map(|&(floor, ceiling)| axis(floor, ceiling));
    let _ = write!(json, r#""axes":{},"views":{}}}"#, list(axes), list(views));
    json
}

/// A log axis from `floor` to `ceiling` on the page: its labelled decades and its light lines.
fn axis(floor: f64, ceiling: f64) -> String {
    let y = y_of(floor, ceiling);
    let (labelled, light) = decades(floor, ceiling, 8);
    let ticks = labelled
        .iter()
        .map(|&v| format!("[{},{}]", px(y(v)), string(&power_label(v))));
    let light = light.iter().map(|&v| px(y(v)));
    format!(r#"{{"ticks":{},"light":{}}}"#, list(ticks), list(light))
}

/// The page's y of a value on the log axis from `floor` to `ceiling`.
fn y_of(floor: f64, ceiling: f64) -> impl Fn(f64) -> f64 {
    let span = ceiling.log10() - floor.log10();
    move |v| PAGE.top + (ceiling.log10() - v.log10()) / span * (PAGE.bottom - PAGE.top)
}

/// The bars' places for a depth: each layer's pair of left edges, the bars' width, and the
/// layer labels with their centres.
fn columns(depth: usize) -> String {
    let group = (PAGE.right - PAGE.left) / depth as f64;
    let width = group * BARS / 2.0;
    let lefts = (0..depth).map(|i| {
        let left = PAGE.left + i as f64 * group + group * (1.0 - BARS) / 2.0;
        format!("[{},{}]", px(left), px(left + width))
    });
    let labels = labelled_layers(depth).into_iter().map(|i| {
        let centre = PAGE.left + (i as f64 + 0.5) * group;
        format!("[{},{}]", px(centre), string(&layer_label(i as f64, depth)))
    });
    format!(
        r#"{{"width":{},"x":{},"labels":{}}}"#,
        px(width),
        list(lefts),
        list(labels)
    )
}

/// One setting: its title, its axis (an index into `axes`, which gains it if new), its bars'
/// tops (`null`: no bar), its value labels (`null` where they have no room), and the numbers
/// of its printed lines.
fn view(without: &GradientReport, with: &GradientReport, axes: &mut Vec<(f64, f64)>) -> String {
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
        list(report.weight_means().into_iter().map(|v| {
            let v = f64::from(v);
            if drawable(v) {
                format!("{}", y(v).round())
            } else {
                "null".to_owned()
            }
        }))
    });
    let depth = without.layers.len();
    let bar_width = (PAGE.right - PAGE.left) / depth as f64 * BARS / 2.0;
    // The slide of bars' rule, with its font and its plot's width (`PAGE`'s), so that the page
    // shows value labels exactly where `compare` does.
    let widest = all
        .map(|v| text_width(&short_value(v), Fonts::SLIDE.value))
        .max()
        .unwrap_or(0);
    let values = if f64::from(widest + LABEL_GAP) <= bar_width {
        list(pair.map(|report| {
            list(
                report
                    .weight_means()
                    .into_iter()
                    .map(|v| string(&short_value(f64::from(v)))),
            )
        }))
    } else {
        "null".to_owned()
    };
    let reprs = pair.map(|report| {
        list(
            report
                .weight_means()
                .into_iter()
                .map(|v| string(&float_repr(v.into()))),
        )
    });
    let title = format!(
        "Mean |gradient| per layer ({}, depth {depth}, width {})",
        without.activation.module_name(),
        without.layer_sizes[0]
    );
    format!(
        r#"{{"title":{},"axis":{axis},"tops":{},"values":{values},"reprs":{}}}"#,
        string(&title),
        list(tops),
        list(reprs),
    )
}

/// A pixel position, to a tenth of a pixel.
fn px(position: f64) -> String {
    let tenths = (position * 10.0).round() / 10.0;
    format!("{tenths}")
}

/// A JSON array of JSON values.
fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    format!("[{}]", items.join(","))
}

/// A JSON string; `<` escaped too, so that no `</script>` can end the page's script early.
fn string(text: &str) -> String {
    let mut json = String::with_capacity(text.len() + 2);
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '<' => json.push_str("\\u003c"),
            c if c.is_control() => {
                let _ = write!(json, "\\u{:04x}", c as u32);
            }
            c => json.push(c),
        }
    }
    json.push('"');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_cannot_end_the_script() {
        assert_eq!(
            string(r#"a "b" \ </script>"#),
            r#""a \"b\" \\ \u003c/script>""#
        );
    }

    #[test]
    fn columns_place_each_layers_pair_and_label_every_layer_of_a_short_network() {
        assert_eq!(
            columns(2),
            r#"{"width":222.2,"x":[[198.5,420.8],[754.1,976.3]],"labels":[[420.8,"layers.0"],[976.3,"layers.1"]]}"#
        );
    }
}
