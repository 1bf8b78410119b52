//! Bars per layer: one report, two variants side by side, and one pair per activation.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    colour, draw_legend, drawable, layer_label, log_range, power_label, render, short_value, Area,
    Fonts, Svg, FONT,
};
use crate::results::GradientReport;
use crate::{Error, Result};

/// Above this many bars, value labels would overlap, so they are left out.
const MAX_VALUE_LABELS: usize = 24;

impl GradientReport {
    /// A bar chart of this report's per-layer mean |gradient|: [`layer_chart`].
    pub fn chart(&self) -> Result<Svg> {
        layer_chart(self)
    }
}

/// One bar per layer: the report's mean |weight gradient|.
pub fn layer_chart(report: &GradientReport) -> Result<Svg> {
    let title = format!(
        "Mean |gradient| per layer, {} ({})",
        report.shortcut.label(),
        report.activation.module_name()
    );
    render(&title, |root| {
        draw_bars(root, &title, &[report], &Fonts::SLIDE)
    })
}

/// Two bars per layer, `without` beside `with`, on one log axis.
pub fn compare(without: &GradientReport, with: &GradientReport) -> Result<Svg> {
    check_same_depth(without, with)?;
    let title = "Mean |gradient| per layer: without vs with shortcut";
    render(title, |root| {
        draw_bars(root, title, &[without, with], &Fonts::SLIDE)
    })
}

/// Small multiples: one comparison per activation, without beside with shortcut.
pub fn activation_grid(pairs: &[(GradientReport, GradientReport)]) -> Result<Svg> {
    if pairs.is_empty() {
        return Err(Error::EmptyReport);
    }
    for (without, with) in pairs {
        check_same_depth(without, with)?;
    }
    let columns = pairs.len().min(2);
    let rows = pairs.len().div_ceil(columns);
    let title = "Mean |gradient| per layer, by activation";
    render(title, |root| {
        let panels = root.titled(title, (FONT, 36))?;
        for (panel, (without, with)) in panels.split_evenly((rows, columns)).iter().zip(pairs) {
            draw_bars(
                panel,
                without.activation.module_name(),
                &[without, with],
                &Fonts::PANEL,
            )?;
        }
        Ok(())
    })
}

fn check_same_depth(without: &GradientReport, with: &GradientReport) -> Result<()> {
    if without.layers.len() != with.layers.len() {
        return Err(Error::ReportMismatch {
            left: without.layers.len(),
            right: with.layers.len(),
        });
    }
    Ok(())
}

/// Draws each report as one series of bars, grouped by layer.
fn draw_bars(
    area: &Area<'_>,
    title: &str,
    reports: &[&GradientReport],
    fonts: &Fonts,
) -> Result<()> {
    let layers = reports.first().map_or(0, |report| report.layers.len());
    if layers == 0 {
        return Err(Error::EmptyReport);
    }
    let all_values = reports.iter().flat_map(|report| report.weight_means());
    let (floor, ceiling) = log_range(all_values.map(f64::from), true);
    let bar_width = 0.8 / reports.len() as f64;
    let show_values = layers * reports.len() <= MAX_VALUE_LABELS;

    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, fonts.caption))
        .margin(fonts.label)
        .x_label_area_size(fonts.label * 3)
        .y_label_area_size(fonts.label * 9 / 2)
        .build_cartesian_2d(-0.5..layers as f64 - 0.5, (floor..ceiling).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(layers.min(16))
        .x_label_formatter(&|x| layer_label(*x, layers))
        .y_label_formatter(&|y| power_label(*y))
        .x_desc("layer (input side → output side)")
        .y_desc("mean |weight gradient|, log scale")
        .label_style((FONT, fonts.label))
        .axis_desc_style((FONT, fonts.desc))
        .draw()?;
    for (k, report) in reports.iter().enumerate() {
        let colour = colour(report.shortcut);
        let left = |i: usize| i as f64 - 0.4 + k as f64 * bar_width;
        let bars = report
            .weight_means()
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = f64::from(v);
                drawable(v).then(|| {
                    Rectangle::new(
                        [(left(i), floor), (left(i) + bar_width, v)],
                        colour.filled(),
                    )
                })
            });
        let swatch = fonts.label as i32 / 2;
        chart
            .draw_series(bars)?
            .label(report.shortcut.label())
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - swatch), (x + 2 * swatch, y + swatch)],
                    colour.filled(),
                )
            });
        if show_values {
            let label_style = TextStyle::from((FONT, fonts.value).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            let labels = report.weight_means().into_iter().enumerate().map(|(i, v)| {
                let v = f64::from(v);
                let top = if drawable(v) { v } else { floor };
                Text::new(
                    short_value(v),
                    (left(i) + bar_width / 2.0, top),
                    label_style.clone(),
                )
            });
            chart.draw_series(labels)?;
        }
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, fonts.label)
}
