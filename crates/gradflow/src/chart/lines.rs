//! Lines: the first layer's gradient against depth, and the training loss against steps.

use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, Ranged, ValueFormatter};
use plotters::prelude::*;

use super::{colour, draw_legend, drawable, log_range, power_label, render, Area, Svg, FONT};
use crate::results::{Sweep, Training};
use crate::settings::Shortcut;
use crate::{Error, Result};

/// The first layer's mean |gradient| against depth: one line per variant and width.
pub fn sweep_chart(sweep: &Sweep) -> Result<Svg> {
    let depths: Vec<f64> = sweep.points.iter().map(|p| p.depth as f64).collect();
    let (Some(&min_depth), Some(&max_depth)) = (
        depths.iter().min_by(|a, b| a.total_cmp(b)),
        depths.iter().max_by(|a, b| a.total_cmp(b)),
    ) else {
        return Err(Error::EmptySweep);
    };
    let values = sweep.points.iter().map(|p| f64::from(p.first_layer));
    let title = format!(
        "First layer's mean |gradient| against depth ({})",
        sweep.activation.module_name()
    );
    render(&title, |root| {
        let axes = Axes {
            title: &title,
            x_desc: "depth (layers), log scale",
            y_desc: "first layer's mean |gradient|",
            x_labels: 20,
        };
        let depth_axis = (min_depth * 0.9..max_depth * 1.1).log_scale();
        let mut chart = axes.draw(root, depth_axis, log_range(values, false), &|x| {
            format!("{x:.0}")
        })?;
        for (w, width) in sweep.widths().into_iter().enumerate() {
            for shortcut in Shortcut::BOTH {
                let colour = colour(shortcut);
                let points: Vec<(f64, f64)> = sweep
                    .series(width, shortcut)
                    .into_iter()
                    .map(|(depth, v)| (depth as f64, f64::from(v)))
                    .filter(|&(_, v)| drawable(v))
                    .collect();
                let style = ShapeStyle::from(colour).stroke_width(if w == 0 { 4 } else { 2 });
                chart
                    .draw_series(LineSeries::new(points.clone(), style))?
                    .label(format!("{}, width {width}", shortcut.label()))
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], style));
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
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft, 24)
    })
}

/// The training loss at every step, one line per variant, on a log axis.
pub fn loss_chart(runs: &[Training]) -> Result<Svg> {
    let steps = runs.iter().map(|run| run.losses.len()).max().unwrap_or(0);
    if steps == 0 {
        return Err(Error::EmptyTraining);
    }
    let losses = runs
        .iter()
        .flat_map(|run| run.losses.iter().map(|&l| f64::from(l)));
    let title = "Training loss: without vs with shortcut";
    render(title, |root| {
        let axes = Axes {
            title,
            x_desc: "step",
            y_desc: "mean squared error, log scale",
            x_labels: 10,
        };
        let mut chart = axes.draw(root, 0..steps, log_range(losses, false), &|x| x.to_string())?;
        for run in runs {
            let style = ShapeStyle::from(colour(run.shortcut)).stroke_width(4);
            let points = run
                .losses
                .iter()
                .enumerate()
                .map(|(step, &l)| (step, f64::from(l)));
            chart
                .draw_series(LineSeries::new(points.filter(|&(_, l)| drawable(l)), style))?
                .label(run.shortcut.label())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], style));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 26)
    })
}

/// The frame the line charts share: a title, an x axis, and a log y axis in powers of ten.
struct Axes<'t> {
    title: &'t str,
    x_desc: &'t str,
    y_desc: &'t str,
    x_labels: usize,
}

type LogY = LogCoord<f64>;

impl Axes<'_> {
    fn draw<'a, 'b, X>(
        &self,
        root: &'a Area<'b>,
        x: X,
        (floor, ceiling): (f64, f64),
        x_label: &dyn Fn(&X::Value) -> String,
    ) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<X::CoordDescType, LogY>>>
    where
        X: AsRangedCoord,
        X::CoordDescType: Ranged<ValueType = X::Value, FormatOption = DefaultFormatting>
            + ValueFormatter<X::Value>,
    {
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, 36))
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(x, (floor..ceiling).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(self.x_labels)
            .x_label_formatter(x_label)
            .y_label_formatter(&|y| power_label(*y))
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .label_style((FONT, 26))
            .axis_desc_style((FONT, 28))
            .draw()?;
        Ok(chart)
    }
}
