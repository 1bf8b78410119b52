//! A layer × step heatmap of the gradients during training.

use plotters::prelude::*;

use super::{drawable, layer_label, log_range, render, Svg, FONT};
use crate::results::Training;
use crate::Result;

/// Heatmaps of layer × step, coloured by log₁₀ of the mean |weight gradient|, one per variant,
/// on one colour scale (viridis: dark is small, yellow is large).
pub fn gradient_heatmap(runs: &[Training]) -> Result<Svg> {
    let steps = runs.first().map_or(0, |run| run.gradients.len());
    if let Some(other) = runs.iter().find(|run| run.gradients.len() != steps) {
        return Err(gradflow::Error::TrainingMismatch {
            left: steps,
            right: other.gradients.len(),
        }
        .into());
    }
    let layers = runs
        .iter()
        .flat_map(|run| run.gradients.iter().map(Vec::len))
        .max()
        .unwrap_or(0);
    if steps == 0 || layers == 0 {
        return Err(gradflow::Error::EmptyTraining.into());
    }
    let logs = runs
        .iter()
        .flat_map(|run| run.gradients.iter().flatten())
        .map(|&v| f64::from(v));
    let (floor, ceiling) = log_range(logs, false);
    let (low, high) = (floor.log10(), ceiling.log10());
    // At most this many columns: wider runs are averaged, step by step, into bins.
    let columns = steps.min(100);
    let title = "Mean |gradient| per layer during training (colour: log₁₀)";
    let svg = render(title, |root| {
        let panels = root.titled(title, (FONT, 34))?;
        let (maps, scale) = panels.split_horizontally(panels.dim_in_pixel().0 - 150);
        for (panel, run) in maps.split_evenly((1, runs.len())).iter().zip(runs) {
            let mut chart = ChartBuilder::on(panel)
                .caption(run.shortcut.label(), (FONT, 28))
                .margin(16)
                .x_label_area_size(60)
                .y_label_area_size(90)
                .build_cartesian_2d(0..columns, -0.5..layers as f64 - 0.5)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .y_labels(layers.min(16))
                .x_label_formatter(&|c| format!("{}", c * steps / columns))
                .y_label_formatter(&|y| layer_label(*y, layers))
                .x_desc("step")
                .label_style((FONT, 24))
                .axis_desc_style((FONT, 24))
                .draw()?;
            let cells = (0..columns).flat_map(|c| (0..layers).map(move |l| (c, l)));
            chart.draw_series(cells.map(|(c, l)| {
                let bin = &run.gradients
                    [c * steps / columns..((c + 1) * steps / columns).max(c * steps / columns + 1)];
                let mean = bin
                    .iter()
                    .filter_map(|g| g.get(l))
                    .map(|&v| f64::from(v))
                    .sum::<f64>()
                    / bin.len() as f64;
                let shade = if drawable(mean) {
                    ViridisRGB::get_color_normalized(mean.log10(), low, high)
                } else {
                    BLACK
                };
                Rectangle::new(
                    [(c, l as f64 - 0.5), (c + 1, l as f64 + 0.5)],
                    shade.filled(),
                )
            }))?;
        }
        let mut legend = ChartBuilder::on(&scale)
            .margin_top(60)
            .margin_bottom(76)
            .margin_right(16)
            .y_label_area_size(80)
            .build_cartesian_2d(0..1, low..high)?;
        legend
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_formatter(&|e| format!("1e{e:.0}"))
            .label_style((FONT, 24))
            .draw()?;
        let band = (high - low) / 64.0;
        legend.draw_series((0..64).map(|i| {
            let y = low + i as f64 * band;
            Rectangle::new(
                [(0, y), (1, y + band)],
                ViridisRGB::get_color_normalized(y, low, high).filled(),
            )
        }))?;
        Ok(())
    })?;
    // Cells edge to edge: without this, a scaled chart shows hairline seams between them.
    let document = svg
        .as_str()
        .replacen("<svg ", r#"<svg shape-rendering="crispEdges" "#, 1);
    Ok(Svg::new(document, svg.title().to_owned()))
}
