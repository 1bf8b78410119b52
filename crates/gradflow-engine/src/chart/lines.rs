//! Lines: the first layer's gradient against depth, and the training loss against steps.

use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, Ranged, ValueFormatter};
use plotters::prelude::*;

use super::axes::{drawable, log_axis, log_range, power_label, LogAxis, ValueAxis};
use super::fonts::{Fonts, FONT};
use super::legend::{draw_legend, Entry};
use super::{colour, render, Area, Svg};
use crate::error::Result;
use gradflow::results::{Sweep, Training};
use gradflow::settings::Shortcut;

/// The first layer's mean |gradient| against depth: one line per variant and width.
pub fn sweep_chart(sweep: &Sweep) -> Result<Svg> {
    let depths: Vec<f64> = sweep.points.iter().map(|p| p.depth as f64).collect();
    let (Some(&min_depth), Some(&max_depth)) = (
        depths.iter().min_by(|a, b| a.total_cmp(b)),
        depths.iter().max_by(|a, b| a.total_cmp(b)),
    ) else {
        return Err(gradflow::Error::EmptySweep.into());
    };
    let values = sweep.points.iter().map(|p| f64::from(p.first_layer));
    let title = format!(
        "First layer's mean |gradient| against depth ({})",
        sweep.activation.module_name()
    );
    let widths = sweep.widths();
    let legend: Vec<Entry> = widths
        .iter()
        .enumerate()
        .flat_map(|(w, width)| {
            Shortcut::BOTH.map(|shortcut| {
                let label = format!("{}, width {width}", shortcut.label());
                Entry::line(shortcut, label, stroke(w))
            })
        })
        .collect();
    render(&title, |root| {
        let axes = Axes {
            title: &title,
            x_desc: "depth (layers), log scale",
            y_desc: "first layer's mean |gradient|",
            legend: &legend,
        };
        let range = (min_depth * 0.9, max_depth * 1.1);
        let depth_axis = (range.0..range.1)
            .log_scale()
            .with_key_points(depth_labels(&depths, range));
        let mut chart = axes.draw(root, depth_axis, log_range(values, false), &|x| {
            format!("{x:.0}")
        })?;
        for (w, &width) in widths.iter().enumerate() {
            for shortcut in Shortcut::BOTH {
                let points: Vec<(f64, f64)> = sweep
                    .series(width, shortcut)
                    .into_iter()
                    .map(|(depth, v)| (depth as f64, f64::from(v)))
                    .filter(|&(_, v)| drawable(v))
                    .collect();
                draw_series(&mut chart, &points, colour(shortcut), w)?;
            }
        }
        Ok(())
    })
}

/// The stroke of the `w`-th width's lines: the first bold, the others thin.
fn stroke(w: usize) -> u32 {
    if w == 0 {
        4
    } else {
        2
    }
}

/// One line of a sweep, marked at each point: circles for the first width, triangles after.
fn draw_series<X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, LogAxis>>,
    points: &[(f64, f64)],
    colour: RGBColor,
    w: usize,
) -> Result<()> {
    let style = ShapeStyle::from(colour).stroke_width(stroke(w));
    chart.draw_series(LineSeries::new(points.to_vec(), style))?;
    let size = 7;
    if w == 0 {
        chart.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, size, colour.filled())),
        )?;
    } else {
        chart.draw_series(
            points
                .iter()
                .map(|&p| TriangleMarker::new(p, size + 2, colour.filled())),
        )?;
    }
    Ok(())
}

/// The training loss at every step, one line per variant, on a log axis.
pub fn loss_chart(runs: &[Training]) -> Result<Svg> {
    let steps = runs.iter().map(|run| run.losses.len()).max().unwrap_or(0);
    if steps == 0 {
        return Err(gradflow::Error::EmptyTraining.into());
    }
    let losses = runs
        .iter()
        .flat_map(|run| run.losses.iter().map(|&l| f64::from(l)));
    let title = "Training loss: without vs with shortcut";
    let legend: Vec<Entry> = runs
        .iter()
        .map(|run| Entry::line(run.shortcut, run.shortcut.label().to_owned(), 4))
        .collect();
    render(title, |root| {
        let axes = Axes {
            title,
            x_desc: "step",
            y_desc: "mean squared error, log scale",
            legend: &legend,
        };
        let steps_axis = (0..steps).with_key_points(step_labels(steps));
        let mut chart = axes.draw(root, steps_axis, log_range(losses, false), &|x| {
            x.to_string()
        })?;
        for run in runs {
            let style = ShapeStyle::from(colour(run.shortcut)).stroke_width(4);
            let points = run
                .losses
                .iter()
                .enumerate()
                .map(|(step, &l)| (step, f64::from(l)));
            chart.draw_series(LineSeries::new(points.filter(|&(_, l)| drawable(l)), style))?;
        }
        Ok(())
    })
}

/// A line's points split where it has no point (a value its axis cannot show), so that no
/// stroke joins across the gap as if the values were there.
pub(super) fn segments<P>(points: impl IntoIterator<Item = Option<P>>) -> Vec<Vec<P>> {
    let mut segments: Vec<Vec<P>> = vec![vec![]];
    for point in points {
        match (point, segments.last_mut()) {
            (Some(point), Some(segment)) => segment.push(point),
            (None, Some(segment)) if segment.is_empty() => {}
            _ => segments.push(vec![]),
        }
    }
    segments.retain(|segment| !segment.is_empty());
    segments
}

/// The sweep's depths that the x axis labels: each one, in order, but none closer than
/// 1/20 of the log axis over `range` to the one before, where their labels would touch.
fn depth_labels(depths: &[f64], (low, high): (f64, f64)) -> Vec<f64> {
    let mut sorted = depths.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let position = |depth: f64| (depth / low).ln() / (high / low).ln();
    let mut labels: Vec<f64> = vec![];
    for depth in sorted {
        if labels
            .last()
            .map_or(true, |&last| position(depth) - position(last) >= 0.05)
        {
            labels.push(depth);
        }
    }
    labels
}

/// Round step numbers from 0 to `steps`, about ten of them.
fn step_labels(steps: usize) -> Vec<usize> {
    let rough = (steps / 10).max(1);
    let magnitude = 10usize.pow(rough.ilog10());
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= rough)
        .unwrap_or(rough);
    (0..=steps).step_by(step).collect()
}

/// A line chart on its SVG, with axes `X` and `Y`.
type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// How an axis's values read as labels.
type Label<'l, V> = &'l dyn Fn(&V) -> String;

/// The frame the line charts share: a title, a legend above the plot, and the axes, labelled
/// and described.
pub(super) struct Axes<'t> {
    pub(super) title: &'t str,
    pub(super) x_desc: &'t str,
    pub(super) y_desc: &'t str,
    pub(super) legend: &'t [Entry],
}

impl Axes<'_> {
    /// The frame with a log y axis in powers of ten.
    fn draw<'a, 'b, X>(
        &self,
        root: &'a Area<'b>,
        x: X,
        (floor, ceiling): (f64, f64),
        x_label: Label<'_, X::Value>,
    ) -> Result<Chart<'a, 'b, X::CoordDescType, LogAxis>>
    where
        X: AsRangedCoord,
        X::CoordDescType: Ranged<ValueType = X::Value, FormatOption = DefaultFormatting>
            + ValueFormatter<X::Value>,
    {
        let y = log_axis(floor, ceiling);
        self.frame(root, 24, x, x_label, y, &|y| power_label(*y))
    }

    /// The frame on two value axes, the y axis labelling itself. Room on the right for the
    /// last x label, which value axes centre on the plot's edge.
    pub(super) fn draw_values<'a, 'b>(
        &self,
        root: &'a Area<'b>,
        x: &ValueAxis,
        y: &ValueAxis,
        x_label: Label<'_, f64>,
    ) -> Result<Chart<'a, 'b, ValueAxis, ValueAxis>> {
        self.frame(root, 40, x.coord(), x_label, y.coord(), &|v| y.label(*v))
    }

    /// The frame, `right` pixels from the plot to the right edge, each axis with its labels.
    fn frame<'a, 'b, X, Y>(
        &self,
        root: &'a Area<'b>,
        right: u32,
        x: X,
        x_label: Label<'_, X::Value>,
        y: Y,
        y_label: Label<'_, Y::Value>,
    ) -> Result<Chart<'a, 'b, X::CoordDescType, Y::CoordDescType>>
    where
        X: AsRangedCoord,
        X::CoordDescType: Ranged<ValueType = X::Value, FormatOption = DefaultFormatting>
            + ValueFormatter<X::Value>,
        Y: AsRangedCoord,
        Y::CoordDescType: Ranged<ValueType = Y::Value, FormatOption = DefaultFormatting>
            + ValueFormatter<Y::Value>,
    {
        let fonts = &Fonts::LINES;
        let area = root.titled(self.title, (FONT, fonts.title))?;
        let area = draw_legend(&area, self.legend, fonts.legend)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(24)
            .margin_right(right)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_label_formatter(x_label)
            .y_label_formatter(y_label)
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .label_style((FONT, fonts.label))
            .axis_desc_style((FONT, fonts.desc))
            .draw()?;
        Ok(chart)
    }
}

#[cfg(test)]
mod tests {
    use super::{depth_labels, segments, step_labels};

    #[test]
    fn lines_break_where_a_point_is_missing() {
        let points = [Some(1), None, None, Some(2), Some(3), None];
        assert_eq!(segments(points), [vec![1], vec![2, 3]]);
        assert!(segments([None::<i32>]).is_empty());
    }

    #[test]
    fn depths_are_labelled_unless_their_labels_would_touch() {
        assert_eq!(
            depth_labels(&[8.0, 2.0, 32.0, 2.0], (1.8, 35.2)),
            [2.0, 8.0, 32.0]
        );
        let every: Vec<f64> = (1..=64).map(f64::from).collect();
        let labels = depth_labels(&every, (0.9, 70.4));
        assert_eq!(labels[..4], [1.0, 2.0, 3.0, 4.0]);
        assert!(labels.len() < 20 && labels.windows(2).all(|w| w[1] / w[0] >= 1.2));
    }

    #[test]
    fn steps_are_labelled_in_round_numbers() {
        assert_eq!(step_labels(300), (0..=300).step_by(50).collect::<Vec<_>>());
        assert_eq!(step_labels(5), [0, 1, 2, 3, 4, 5]);
        assert_eq!(
            step_labels(1000),
            (0..=1000).step_by(100).collect::<Vec<_>>()
        );
    }
}
