//! A layer × step heatmap of the gradients during training.

use plotters::prelude::*;

use super::axes::{drawable, layer_label, log_range};
use super::fonts::{Fonts, FONT};
use super::{render_crisp, Area, Svg};
use crate::error::Result;
use gradflow::results::Training;

/// At most this many columns: longer trainings are averaged, step by step, into bins.
const MAX_COLUMNS: usize = 100;

/// Heatmaps of layer × step, coloured by log₁₀ of the mean |weight gradient|, one per variant,
/// on one colour scale (viridis: dark is small, yellow is large).
pub fn gradient_heatmap(runs: &[Training]) -> Result<Svg> {
    let grid = Grid::of(runs)?;
    let title = "Mean |gradient| per layer during training (colour: log₁₀)";
    render_crisp(title, |root| {
        let panels = root.titled(title, (FONT, Fonts::HEATMAP.title))?;
        let (maps, scale) = panels.split_horizontally(panels.dim_in_pixel().0 - 150);
        for (panel, run) in maps.split_evenly((1, runs.len())).iter().zip(runs) {
            grid.draw_map(panel, run)?;
        }
        grid.draw_scale(&scale)
    })
}

/// What the panels share: the size of the grid and the colour scale's ends, as log₁₀.
struct Grid {
    steps: usize,
    layers: usize,
    columns: usize,
    low: f64,
    high: f64,
}

impl Grid {
    /// Refuses runs of different lengths and runs with nothing to show.
    fn of(runs: &[Training]) -> Result<Grid> {
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
        let values = runs
            .iter()
            .flat_map(|run| run.gradients.iter().flatten())
            .map(|&v| f64::from(v));
        let (floor, ceiling) = log_range(values, false);
        Ok(Grid {
            steps,
            layers,
            columns: steps.min(MAX_COLUMNS),
            low: floor.log10(),
            high: ceiling.log10(),
        })
    }

    /// The mean of layer `layer` over the steps of column `column`.
    fn cell(&self, run: &Training, column: usize, layer: usize) -> f64 {
        let first = column * self.steps / self.columns;
        let end = ((column + 1) * self.steps / self.columns).max(first + 1);
        let bin = &run.gradients[first..end];
        let sum: f64 = bin
            .iter()
            .filter_map(|g| g.get(layer))
            .map(|&v| f64::from(v))
            .sum();
        sum / bin.len() as f64
    }

    /// One run's heatmap, captioned with its variant.
    fn draw_map(&self, panel: &Area<'_>, run: &Training) -> Result<()> {
        let fonts = &Fonts::HEATMAP;
        let (steps, layers, columns) = (self.steps, self.layers, self.columns);
        let mut chart = ChartBuilder::on(panel)
            .caption(run.shortcut.label(), (FONT, fonts.caption))
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
            .label_style((FONT, fonts.label))
            .axis_desc_style((FONT, fonts.desc))
            .draw()?;
        let cells = (0..columns).flat_map(|c| (0..layers).map(move |l| (c, l)));
        chart.draw_series(cells.map(|(c, l)| {
            let mean = self.cell(run, c, l);
            let shade = if drawable(mean) {
                ViridisRGB::get_color_normalized(mean.log10(), self.low, self.high)
            } else {
                BLACK
            };
            Rectangle::new(
                [(c, l as f64 - 0.5), (c + 1, l as f64 + 0.5)],
                shade.filled(),
            )
        }))?;
        Ok(())
    }

    /// The colour scale beside the maps, labelled in powers of ten.
    fn draw_scale(&self, scale: &Area<'_>) -> Result<()> {
        let (low, high) = (self.low, self.high);
        let mut legend = ChartBuilder::on(scale)
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
            .label_style((FONT, Fonts::HEATMAP.legend))
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
    }
}
