//! The axes every chart shares: log value axes in powers of ten, layer labels, value labels,
//! and the text width that decides which labels have room.

use plotters::coord::combinators::WithKeyPoints;
use plotters::prelude::*;

/// Above this many layers, the x axis shows layer numbers instead of module names.
const MAX_NAMED_LAYERS: usize = 10;

/// At most this many layers are labelled on an x axis.
const MAX_LAYER_LABELS: usize = 16;

/// Free pixels between neighbouring value labels, below which they are left out.
pub(super) const LABEL_GAP: u32 = 6;

/// The layers whose labels an axis of `layers` layers shows: every one, or every n-th where
/// more than [`MAX_LAYER_LABELS`] would crowd it.
pub(super) fn labelled_layers(layers: usize) -> Vec<usize> {
    (0..layers)
        .step_by(layers.div_ceil(MAX_LAYER_LABELS).max(1))
        .collect()
}

/// A generous estimate of `text`'s width in pixels at `font_size` (plotters' size, which an
/// SVG shows at 1/1.24 of it), for the common sans-serif fonts: too wide rather than too narrow.
pub(super) fn text_width(text: &str, font_size: u32) -> u32 {
    let em = f64::from(font_size) / 1.24;
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            '.' | ',' | ':' | 'i' | 'l' | 'j' | '|' | '\'' | ' ' => 0.34,
            '-' | '(' | ')' | 'f' | 't' | 'r' => 0.42,
            'm' | 'w' | 'M' | 'W' => 0.95,
            c if c.is_uppercase() => 0.75,
            _ => 0.64,
        })
        .sum();
    (ems * em).ceil() as u32
}

/// A log axis whose labels and lines are chosen by [`decades`].
pub(super) type LogAxis = WithKeyPoints<LogCoord<f64>>;

/// The log axis of every chart's values, from `floor` to `ceiling` (powers of ten).
pub(super) fn log_axis(floor: f64, ceiling: f64) -> LogAxis {
    let (labelled, light) = decades(floor, ceiling, 8);
    (floor..ceiling)
        .log_scale()
        .with_key_points(labelled)
        .with_light_points(light)
}

/// The labelled and the light lines of a log axis from `floor` to `ceiling`, both powers of
/// ten: every decade is labelled, both ends included (plotters' own choice can drop the
/// lowest), or every `step`-th one, at multiples of `step`, when there would be more than
/// `max_labels`. Light lines at 2…9 × each decade where there is room, else at each decade.
pub(super) fn decades(floor: f64, ceiling: f64, max_labels: usize) -> (Vec<f64>, Vec<f64>) {
    let (low, high) = (floor.log10().round() as i32, ceiling.log10().round() as i32);
    let count = (high - low + 1) as usize;
    let step = count.div_ceil(max_labels.max(1)).max(1);
    // Exact powers of ten: `10f64.powi(-3)` is not `1e-3`.
    let power = |e: i32| format!("1e{e}").parse::<f64>().unwrap_or(f64::NAN);
    let bold: Vec<f64> = (low..=high)
        .rev()
        .filter(|e| e.rem_euclid(step as i32) == 0)
        .map(power)
        .collect();
    let light = if step == 1 && count <= 8 {
        (low..high)
            .flat_map(|e| (2..10).map(move |m| f64::from(m) * power(e)))
            .collect()
    } else {
        (low..=high).map(power).collect()
    };
    (bold, light)
}

/// Only positive, finite values have a bar on a log axis; zeros, NaN and infinities get a label.
pub(super) fn drawable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Powers of ten around the drawable values. Bars get `headroom`: a decade below the shortest
/// and room above the tallest for its label; lines fit tightly.
pub(super) fn log_range(values: impl Iterator<Item = f64>, headroom: bool) -> (f64, f64) {
    let (min, max) = values
        .filter(|&v| drawable(v))
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if max == 0.0 {
        return (1e-4, 1.0);
    }
    let (below, above) = if headroom { (1.0, 3.0) } else { (0.0, 1.0) };
    let floor = 10f64
        .powf(min.log10().floor() - below)
        .max(f64::MIN_POSITIVE);
    let ceiling = 10f64.powf((max * above).log10().ceil()).min(f64::MAX);
    (
        floor,
        if ceiling > floor {
            ceiling
        } else {
            floor * 10.0
        },
    )
}

/// An axis label for a power of ten, `1e-3`, without float noise like `9.999999999e-4`.
pub(super) fn power_label(y: f64) -> String {
    let exponent = y.log10();
    if (exponent - exponent.round()).abs() < 1e-6 {
        format!("1e{}", exponent.round())
    } else {
        format!("{y:.1e}")
    }
}

/// `layers.i` for short networks, the bare layer number for deep ones.
pub(super) fn layer_label(x: f64, layers: usize) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 || i >= layers as f64 {
        return String::new();
    }
    if layers <= MAX_NAMED_LAYERS {
        format!("layers.{i}")
    } else {
        format!("{i}")
    }
}

/// Three significant digits: `0.556`, `0.0764`, `6.88e-4`; zero as `0`.
pub(super) fn short_value(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if !v.is_finite() {
        v.to_string()
    } else if (0.01..1000.0).contains(&v.abs()) {
        let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_keep_three_significant_digits() {
        assert_eq!(short_value(0.5557742714881897), "0.556");
        assert_eq!(short_value(3.140749216079712), "3.14");
        assert_eq!(short_value(0.0764), "0.0764");
        assert_eq!(short_value(0.0006875668186694384), "6.88e-4");
        assert_eq!(short_value(0.0), "0");
        assert_eq!(short_value(f64::NAN), "NaN");
    }

    #[test]
    fn axis_labels_are_clean_powers_of_ten() {
        assert_eq!(power_label(1e-3), "1e-3");
        assert_eq!(power_label(9.999999998e10), "1e11");
        assert_eq!(power_label(2.5e-3), "2.5e-3");
    }

    #[test]
    fn log_axes_label_every_decade_or_every_step_th() {
        let (labelled, light) = decades(1e-2, 1.0, 8);
        assert_eq!(labelled, [1.0, 0.1, 0.01]);
        assert_eq!(light.len(), 2 * 8);
        assert_eq!(light[0], 2.0 * 0.01);
        let (labelled, light) = decades(1e-19, 1e8, 8);
        assert_eq!(labelled, [1e8, 1e4, 1.0, 1e-4, 1e-8, 1e-12, 1e-16]);
        assert_eq!(light.len(), 28);
    }

    #[test]
    fn text_widths_are_generous() {
        // Chromium's sans-serif draws "6.88e-4" at plotters' size 24 about 62 px wide.
        assert!((62..=90).contains(&text_width("6.88e-4", 24)));
        assert_eq!(text_width("", 24), 0);
    }

    #[test]
    fn log_range_brackets_the_values_in_powers_of_ten() {
        assert_eq!(
            log_range([0.0006875, 0.0496].into_iter(), true),
            (1e-5, 1.0)
        );
        assert_eq!(
            log_range([0.0006875, 0.0496].into_iter(), false),
            (1e-4, 0.1)
        );
        assert_eq!(log_range([0.0, f64::NAN].into_iter(), true), (1e-4, 1.0));
        assert_eq!(log_range([0.1, 0.1].into_iter(), false), (0.1, 1.0));
        let (floor, ceiling) = log_range([1e-30, 1.0].into_iter(), true);
        assert!(floor <= 1e-30 && ceiling >= 3.0);
    }
}
