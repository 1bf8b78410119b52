//! The axes every chart shares: log value axes in powers of ten, layer labels, value labels,
//! and the text width that decides which labels have room; and value axes whose scale
//! (linear, log or symmetric log) the data decide.

use std::ops::Range;

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
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

/// Above this many decades between the smallest and the largest positive value, a value axis
/// is logarithmic: on a linear one, everything under a thirtieth of the largest would lie flat
/// on the floor.
pub(super) const LOG_DECADES: f64 = 1.5;

/// How a value axis places its values. Plotters draws each scale on a linear axis of the
/// placed values, so that one chart's code serves whichever scale its data call for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scale {
    Linear,
    /// Powers of ten, evenly spaced.
    Log,
    /// Linear within `linear` of zero, logarithmic beyond it on either side (matplotlib's
    /// `symlog`): negatives, zero and several decades of positives on one axis.
    SymLog {
        linear: f64,
    },
}

impl Scale {
    /// Log where the positive, finite values span more than [`LOG_DECADES`], else linear.
    pub(super) fn of(values: impl Iterator<Item = f64>) -> Scale {
        let (min, max) = values
            .filter(|&v| drawable(v))
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if max > 0.0 && (max / min).log10() > LOG_DECADES {
            Scale::Log
        } else {
            Scale::Linear
        }
    }

    /// Where `v` lies on the axis; `None` for what the scale cannot show: values that are not
    /// finite, and on a log scale zero and negatives.
    pub(super) fn place(self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        match self {
            Scale::Linear => Some(v),
            Scale::Log => (v > 0.0).then(|| v.log10()),
            Scale::SymLog { linear } => Some(v.signum() * (v.abs() / linear).ln_1p() / LN_10),
        }
    }

    /// The value at `y` on the axis: the inverse of [`place`](Self::place).
    fn value(self, y: f64) -> f64 {
        match self {
            Scale::Linear => y,
            Scale::Log => 10f64.powf(y),
            Scale::SymLog { linear } => y.signum() * linear * (y.abs() * LN_10).exp_m1(),
        }
    }

    /// An axis over `values` (those the scale can show), labelled in round numbers: on a linear
    /// scale from zero where `from_zero`, on the others in powers of ten.
    pub(super) fn axis(self, values: impl Iterator<Item = f64>, from_zero: bool) -> ValueAxis {
        let shown: Vec<f64> = values.filter(|&v| self.place(v).is_some()).collect();
        let (min, max) = shown
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        match self {
            Scale::Linear => {
                let (min, max) = match (min.is_finite(), from_zero) {
                    (false, _) => (0.0, 1.0),
                    (true, true) => (min.min(0.0), max.max(0.0)),
                    (true, false) => (min, max),
                };
                linear_axis(min, max)
            }
            Scale::Log => {
                let (floor, ceiling) = log_range(shown.into_iter(), false);
                let (labelled, light) = decades(floor, ceiling, 8);
                ValueAxis {
                    scale: self,
                    range: (floor.log10(), ceiling.log10()),
                    labelled: labelled.iter().map(|v| v.log10()).collect(),
                    light: light.iter().map(|v| v.log10()).collect(),
                    decimals: 0,
                }
            }
            Scale::SymLog { linear } => {
                // Each side reaches the next power of ten beyond its values, at least `linear`
                // (so that zero never lies on the axis's edge). Both sides are labelled at the
                // same decades counted from `linear`, every one or every `step`-th; `linear`
                // itself is not, where its label would touch zero's.
                let beyond = |m: f64| (m.max(linear) / linear).log10().ceil().max(0.0) as i32;
                let (below, above) = (beyond(-min.min(0.0)), beyond(max.max(0.0)));
                let step = ((below.max(above) + 4) / 5).max(1);
                let first = linear.log10().round() as i32;
                let power = |k: i32| format!("1e{}", first + k).parse().unwrap_or(f64::NAN);
                let (mut labelled, mut light) = (vec![0.0], vec![]);
                for (sign, decades) in [(-1.0, below), (1.0, above)] {
                    for k in 0..=decades {
                        match k > 0 && k % step == 0 {
                            true => labelled.push(sign * power(k)),
                            false => light.push(sign * power(k)),
                        }
                    }
                }
                let place = |v: &f64| self.place(*v).unwrap_or(0.0);
                ValueAxis {
                    scale: self,
                    range: (place(&-power(below)), place(&power(above))),
                    labelled: labelled.iter().map(place).collect(),
                    light: light.iter().map(place).collect(),
                    decimals: 0,
                }
            }
        }
    }
}

impl Ranged for ValueAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (low, high) = self.range;
        RangedCoordf64::from(low..high).map(value, limit)
    }

    /// The labelled lines, or where the mesh asks for light lines, the light ones.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight().allow_light_points() {
            true => self.light.clone(),
            false => self.labelled.clone(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.0..self.range.1
    }
}

/// ln(10), by which a symmetric log divides its natural logarithm.
const LN_10: f64 = std::f64::consts::LN_10;

/// A linear axis from about `min` to `max`, widened to round steps (1, 2 or 5 times a power
/// of ten, at most 8 of them).
pub(super) fn linear_axis(min: f64, max: f64) -> ValueAxis {
    let (min, max) = match max - min {
        span if span > 0.0 => (min, max),
        _ if min == 0.0 => (0.0, 1.0),
        _ => (min - min.abs() / 10.0, max + max.abs() / 10.0),
    };
    let rough = (max - min) / 8.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= rough)
        .unwrap_or(rough);
    // Ticks at whole multiples of the step, each computed afresh, so that no error adds up.
    let (first, last) = ((min / step).floor() as i64, (max / step).ceil() as i64);
    let tick = |k: i64| k as f64 * step;
    ValueAxis {
        scale: Scale::Linear,
        range: (tick(first), tick(last)),
        labelled: (first..=last).map(tick).collect(),
        light: (first..last).map(|k| tick(k) + step / 2.0).collect(),
        decimals: (-step.log10().floor()).max(0.0) as usize,
    }
}

/// A value axis: its range, its labelled and its light lines, all as the scale places them.
/// It is plotters' coordinate itself (plotters' own `f64` axis with key points has no default
/// formatting, which its mesh needs even where every label is formatted by hand).
#[derive(Clone)]
pub(super) struct ValueAxis {
    scale: Scale,
    range: (f64, f64),
    labelled: Vec<f64>,
    light: Vec<f64>,
    decimals: usize,
}

impl ValueAxis {
    /// A linear axis from `low` to `high` labelled at `labelled` only: a colour bar's, whose
    /// labels its chart writes.
    pub(super) fn lines_at(low: f64, high: f64, labelled: Vec<f64>) -> ValueAxis {
        ValueAxis {
            scale: Scale::Linear,
            range: (low, high),
            labelled,
            light: vec![],
            decimals: 0,
        }
    }

    /// The ends of the axis, as the scale places them.
    pub(super) fn ends(&self) -> (f64, f64) {
        self.range
    }

    /// The axis from `low` to `high` exactly, with only the lines between them: a map's axis
    /// ends where its cells end, not at the next round number.
    pub(super) fn within(mut self, low: f64, high: f64) -> ValueAxis {
        let inside = |y: &f64| (low..=high).contains(y);
        self.labelled.retain(inside);
        self.light.retain(inside);
        self.range = (low, high);
        self
    }

    /// Plotters' coordinate of the axis: a copy, so that the axis still labels the chart.
    pub(super) fn coord(&self) -> ValueAxis {
        self.clone()
    }

    /// The label of the line at `y`: round numbers on a linear axis, powers of ten on the others.
    pub(super) fn label(&self, y: f64) -> String {
        match self.scale {
            Scale::Linear => {
                let label = format!("{y:.*}", self.decimals);
                let label = match label.contains('.') {
                    true => label.trim_end_matches('0').trim_end_matches('.'),
                    false => &label,
                };
                match label {
                    "-0" => "0".to_owned(),
                    _ => label.to_owned(),
                }
            }
            Scale::Log => power_label(self.scale.value(y)),
            Scale::SymLog { .. } if y.abs() < 1e-9 => "0".to_owned(),
            Scale::SymLog { .. } => {
                let v = self.scale.value(y);
                let sign = if v < 0.0 { "-" } else { "" };
                format!("{sign}{}", power_label(v.abs()))
            }
        }
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
    fn a_scale_is_log_where_the_values_span_more_than_a_decade_and_a_half() {
        assert_eq!(Scale::of([0.04, 0.09].into_iter()), Scale::Linear);
        assert_eq!(Scale::of([0.04, 8.6, f64::NAN].into_iter()), Scale::Log);
        assert_eq!(Scale::of([0.0, 1.0].into_iter()), Scale::Linear);
        assert_eq!(Scale::of(std::iter::empty()), Scale::Linear);
    }

    #[test]
    fn linear_axes_step_in_round_numbers() {
        let axis = linear_axis(0.0, 14.6);
        assert_eq!(axis.range, (0.0, 16.0));
        assert_eq!(
            axis.labelled,
            [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0]
        );
        let axis = linear_axis(-1.0, 1.0);
        let labels: Vec<String> = axis.labelled.iter().map(|&y| axis.label(y)).collect();
        assert_eq!(labels, ["-1", "-0.5", "0", "0.5", "1"]);
        assert_eq!(linear_axis(0.0, 0.0).range, (0.0, 1.0));
        assert_eq!(linear_axis(3.0, 3.0).labelled.len(), 7);
    }

    #[test]
    fn symmetric_log_axes_show_negatives_zero_and_decades() {
        let scale = Scale::SymLog { linear: 1e-4 };
        let axis = scale.axis([-0.4254, -1e-10, 0.0, 2.19].into_iter(), false);
        let labels: Vec<String> = axis.labelled.iter().map(|&y| axis.label(y)).collect();
        assert_eq!(labels[0], "0");
        assert_eq!(
            labels,
            ["0", "-1e-3", "-1e-2", "-1e-1", "-1e0", "1e-3", "1e-2", "1e-1", "1e0", "1e1"]
        );
        assert_eq!(axis.label(axis.range.0), "-1e0");
        assert_eq!(axis.label(axis.range.1), "1e1");
        let positive = scale.axis([1e-6, 0.5].into_iter(), false);
        assert_eq!(positive.label(positive.range.0), "-1e-4");
        assert_eq!(scale.place(0.0), Some(0.0));
        assert!((scale.value(scale.place(-0.01).unwrap()) + 0.01).abs() < 1e-12);
        assert_eq!(Scale::Log.place(0.0), None);
        assert_eq!(Scale::Linear.place(f64::NAN), None);
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
