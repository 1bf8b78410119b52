//! Bars per layer: one report, two variants side by side, and one pair per activation.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{
    drawable, layer_label, log_axis, log_range, power_label, short_value, text_width, LogAxis,
    LABEL_GAP,
};
use super::fonts::{Fonts, FONT};
use super::legend::{draw_legend, Entry};
use super::{colour, render, Area, Svg};
use crate::error::Result;
use gradflow::results::GradientReport;
use gradflow::settings::Shortcut;

/// One bar per layer: the report's mean |weight gradient|.
pub fn layer_chart(report: &GradientReport) -> Result<Svg> {
    let title = format!(
        "Mean |gradient| per layer, {} ({})",
        report.shortcut.label(),
        report.activation.module_name()
    );
    bar_chart(&title, &[report])
}

/// Two bars per layer, `without` beside `with`, on one log axis.
pub fn compare(without: &GradientReport, with: &GradientReport) -> Result<Svg> {
    check_same_depth(without, with)?;
    bar_chart(
        "Mean |gradient| per layer: without vs with shortcut",
        &[without, with],
    )
}

/// Small multiples: one comparison per activation, without beside with shortcut, under one
/// legend.
pub fn activation_grid(pairs: &[(GradientReport, GradientReport)]) -> Result<Svg> {
    if pairs.is_empty() {
        return Err(gradflow::Error::EmptyReport.into());
    }
    for (without, with) in pairs {
        check_same_depth(without, with)?;
    }
    let columns = pairs.len().min(2);
    let rows = pairs.len().div_ceil(columns);
    let title = "Mean |gradient| per layer, by activation";
    render(title, |root| {
        let area = root.titled(title, (FONT, Fonts::PANEL.title))?;
        let panels = draw_legend(&area, &Shortcut::BOTH.map(Entry::bars), Fonts::PANEL.legend)?;
        for (panel, (without, with)) in panels.split_evenly((rows, columns)).iter().zip(pairs) {
            let panel = panel.titled(
                without.activation.module_name(),
                (FONT, Fonts::PANEL.caption),
            )?;
            draw_bars(&panel, &[without, with], &Fonts::PANEL)?;
        }
        Ok(())
    })
}

/// What a bar chart's axes say, on slides and on the explorer's page.
pub(super) const X_DESC: &str = "layer (input side → output side)";
pub(super) const Y_DESC: &str = "mean |weight gradient|, log scale";

/// A slide of bars: the title, a legend of the reports' variants, the bars.
fn bar_chart(title: &str, reports: &[&GradientReport]) -> Result<Svg> {
    render(title, |root| {
        let area = root.titled(title, (FONT, Fonts::SLIDE.title))?;
        let legend: Vec<Entry> = reports.iter().map(|r| Entry::bars(r.shortcut)).collect();
        let area = draw_legend(&area, &legend, Fonts::SLIDE.legend)?;
        draw_bars(&area, reports, &Fonts::SLIDE)
    })
}

fn check_same_depth(without: &GradientReport, with: &GradientReport) -> Result<()> {
    if without.layers.len() != with.layers.len() {
        return Err(gradflow::Error::ReportMismatch {
            left: without.layers.len(),
            right: with.layers.len(),
        }
        .into());
    }
    Ok(())
}

/// The plot of a bar chart: layers across, a log axis of values up.
type BarPlot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, LogAxis>>;

/// Draws each report as one series of bars, grouped by layer, each bar labelled with its value
/// where the labels have room.
fn draw_bars(area: &Area<'_>, reports: &[&GradientReport], fonts: &Fonts) -> Result<()> {
    let layers = reports.first().map_or(0, |report| report.layers.len());
    if layers == 0 {
        return Err(gradflow::Error::EmptyReport.into());
    }
    let all_values = reports.iter().flat_map(|report| report.weight_means());
    let (floor, ceiling) = log_range(all_values.map(f64::from), true);
    let bar_width = 0.8 / reports.len() as f64;

    let mut chart = ChartBuilder::on(area)
        .margin(fonts.label)
        .x_label_area_size(fonts.label * 3)
        .y_label_area_size(fonts.label * 9 / 2)
        .build_cartesian_2d(-0.5..layers as f64 - 0.5, log_axis(floor, ceiling))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(layers.min(16))
        .x_label_formatter(&|x| layer_label(*x, layers))
        .y_label_formatter(&|y| power_label(*y))
        .x_desc(X_DESC)
        .y_desc(Y_DESC)
        .label_style((FONT, fonts.label))
        .axis_desc_style((FONT, fonts.desc))
        .draw()?;

    // Neighbouring labels stand a bar apart, or a layer apart when each layer has one bar.
    let spacing = if reports.len() > 1 { bar_width } else { 1.0 };
    let show_values = values_fit(&chart, reports, (spacing, ceiling), fonts);
    for (k, report) in reports.iter().enumerate() {
        let left = |i: usize| i as f64 - 0.4 + k as f64 * bar_width;
        let bars = Bars {
            report,
            left: &left,
            width: bar_width,
            floor,
        };
        bars.draw(&mut chart, show_values.then_some(fonts.value))?;
    }
    Ok(())
}

/// Whether every value label fits between neighbours `spacing` apart (in layers) at `ceiling`.
fn values_fit(
    chart: &BarPlot<'_, '_>,
    reports: &[&GradientReport],
    (spacing, ceiling): (f64, f64),
    fonts: &Fonts,
) -> bool {
    let spacing_px = (chart.backend_coord(&(spacing, ceiling)).0
        - chart.backend_coord(&(0.0, ceiling)).0)
        .unsigned_abs();
    let widest_label = reports
        .iter()
        .flat_map(|report| report.weight_means())
        .map(|v| text_width(&short_value(f64::from(v)), fonts.value))
        .max()
        .unwrap_or(0);
    widest_label + LABEL_GAP <= spacing_px
}

/// One report's bars: where each layer's bar starts, how wide, and the axis's floor.
struct Bars<'r> {
    report: &'r GradientReport,
    left: &'r dyn Fn(usize) -> f64,
    width: f64,
    floor: f64,
}

impl Bars<'_> {
    /// Draws the bars in the report's colour, and their value labels at `value_font` if given.
    fn draw(&self, chart: &mut BarPlot<'_, '_>, value_font: Option<u32>) -> Result<()> {
        let (left, width, floor) = (self.left, self.width, self.floor);
        let colour = colour(self.report.shortcut);
        let bars = self
            .report
            .weight_means()
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = f64::from(v);
                drawable(v).then(|| {
                    Rectangle::new([(left(i), floor), (left(i) + width, v)], colour.filled())
                })
            });
        chart.draw_series(bars)?;
        if let Some(size) = value_font {
            let label_style = TextStyle::from((FONT, size).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            let labels = self
                .report
                .weight_means()
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let v = f64::from(v);
                    let top = if drawable(v) { v } else { floor };
                    Text::new(
                        short_value(v),
                        (left(i) + width / 2.0, top),
                        label_style.clone(),
                    )
                });
            chart.draw_series(labels)?;
        }
        Ok(())
    }
}
