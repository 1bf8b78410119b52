//! The loss around a network's weights along random directions: lines along one direction, or
//! filled contour maps over the plane of two, one per network on one colour scale.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{linear_axis, text_width, Scale, ValueAxis};
use super::fonts::{Fonts, FONT};
use super::legend::{draw_legend, ring, Entry};
use super::lines::{segments, Axes};
use super::{colour, render, render_crisp, same_steps, when, Area, Svg};
use crate::error::Result;
use gradflow::results::Surface;

/// At least this many bands of colour on a map's log scale, as matplotlib's `contourf` draws
/// (about 8 to 14): enough to show the surface's shape, few enough to tell apart and read off
/// the colour bar.
const MIN_BANDS: usize = 8;

/// The bands where the losses are too close together for round levels: evenly spaced.
const BANDS: usize = 12;

/// The colour of a point whose loss is not finite (a network that overflowed there): a light
/// grey, which viridis does not have.
const NOT_FINITE: RGBColor = RGBColor(0xC8, 0xC8, 0xC8);

/// The width of the colour bar beside the maps, its labels and description included.
const SCALE_WIDTH: u32 = 160;

/// The loss around the weights: one line per surface where the surfaces are lines, one
/// contour map per surface where they are planes. Refuses an empty list, lines and planes
/// together, and a surface whose losses are not one per point.
pub fn landscape(surfaces: &[Surface]) -> Result<Svg> {
    match check(surfaces)? {
        1 => lines(surfaces),
        _ => planes(surfaces),
    }
}

/// The directions the surfaces share (1 or 2), or the error that says why they cannot be drawn.
fn check(surfaces: &[Surface]) -> Result<usize> {
    let Some(first) = surfaces.first() else {
        return Err(gradflow::Error::invalid(
            "the list of surfaces",
            "empty",
            "at least one surface (`LandscapeConfig::run` makes two)",
        )
        .into());
    };
    for (k, surface) in surfaces.iter().enumerate() {
        let (directions, n) = (surface.directions, surface.coordinates.len());
        let expected = if directions == 2 { n * n } else { n };
        let error = if !matches!(directions, 1 | 2) {
            Some(gradflow::Error::invalid(
                format!("surface {k}'s directions"),
                directions,
                "1 (a line) or 2 (a plane)",
            ))
        } else if directions != first.directions {
            Some(gradflow::Error::invalid(
                "the surfaces' directions",
                format!("{} and {directions}", first.directions),
                "the same for every surface: lines or planes, not both",
            ))
        } else if n < 2 || surface.coordinates.iter().any(|c| !c.is_finite()) {
            Some(gradflow::Error::invalid(
                format!("surface {k}'s coordinates"),
                format!("{:?}", surface.coordinates),
                "at least 2 finite points along each direction",
            ))
        } else if surface.losses.len() != expected {
            Some(gradflow::Error::invalid(
                format!("surface {k}'s number of losses"),
                surface.losses.len(),
                format!("{expected}, one per point ({n} along each of {directions} directions)"),
            ))
        } else {
            None
        };
        if let Some(error) = error {
            return Err(error.into());
        }
    }
    Ok(first.directions)
}

/// A surface's name in a legend or a caption: its variant, and when it was measured unless the
/// title says so.
fn label(surface: &Surface, shared: Option<usize>) -> String {
    match shared {
        Some(_) => surface.shortcut.label().to_owned(),
        None => format!("{}, {}", surface.shortcut.label(), when(surface.steps)),
    }
}

/// The loss along one direction, every surface on one axis, the weights marked at 0.
fn lines(surfaces: &[Surface]) -> Result<Svg> {
    let losses = || {
        surfaces
            .iter()
            .flat_map(|s| s.losses.iter().map(|&l| f64::from(l)))
    };
    // The axis is logarithmic where the losses span more than a decade and a half (the seed's
    // loss with a shortcut climbs a hundredfold along the line, and on a linear axis the other
    // line would lie flat on the floor), else linear, where a log axis would only stretch
    // small differences.
    let scale = Scale::of(losses());
    let y = scale.axis(losses(), false);
    let (low, high) = surfaces
        .iter()
        .flat_map(|s| s.coordinates.iter().copied())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
            (lo.min(c), hi.max(c))
        });
    let x = linear_axis(low, high).within(low, high);
    let shared = same_steps(surfaces.iter().map(|s| s.steps));
    let title = match shared {
        Some(steps) => format!("Loss along a random direction, {}", when(steps)),
        None => "Loss along a random direction".to_owned(),
    };
    let mut legend: Vec<Entry> = surfaces
        .iter()
        .enumerate()
        .map(|(k, s)| Entry::line(s.shortcut, label(s, shared), stroke(surfaces, k)))
        .collect();
    legend.push(Entry::weights());
    let y_desc = match scale {
        Scale::Log => "mean squared error, log scale",
        _ => "mean squared error",
    };
    render(&title, |root| {
        let axes = Axes {
            title: &title,
            x_desc: "along the direction (0: the weights themselves)",
            y_desc,
            legend: &legend,
        };
        let mut chart = axes.draw_values(root, &x, &y, &|c| x.label(*c))?;
        let (floor, ceiling) = y.ends();
        chart.draw_series(LineSeries::new(
            [(0.0, floor), (0.0, ceiling)],
            BLACK.mix(0.5).stroke_width(2),
        ))?;
        for (k, surface) in surfaces.iter().enumerate() {
            let style = colour(surface.shortcut).stroke_width(stroke(surfaces, k));
            let points = (surface.coordinates.iter().zip(&surface.losses))
                .map(|(&c, &l)| scale.place(l.into()).map(|v| (c, v)));
            // A loss that is not finite (or not positive, on a log axis) leaves a gap.
            for segment in segments(points) {
                chart.draw_series(LineSeries::new(segment, style))?;
            }
        }
        for surface in surfaces {
            if let Some(v) = surface.centre().and_then(|l| scale.place(l.into())) {
                chart.draw_series(ring((0.0, v)))?;
            }
        }
        Ok(())
    })
}

/// The stroke of the `k`-th line: bold for a variant's first, thin for its later ones.
fn stroke(surfaces: &[Surface], k: usize) -> u32 {
    let shortcut = surfaces[k].shortcut;
    match surfaces[..k].iter().any(|s| s.shortcut == shortcut) {
        false => 4,
        true => 2,
    }
}

/// One contour map per plane, side by side, on one colour scale.
fn planes(surfaces: &[Surface]) -> Result<Svg> {
    let bands = Bands::of(surfaces);
    let shared = same_steps(surfaces.iter().map(|s| s.steps));
    let title = match shared {
        Some(steps) => format!("Loss around the weights in a random plane, {}", when(steps)),
        None => "Loss around the weights in a random plane".to_owned(),
    };
    let mut legend = vec![Entry::weights()];
    if surfaces
        .iter()
        .any(|s| s.losses.iter().any(|l| !l.is_finite()))
    {
        legend.push(Entry::swatch("loss not finite", NOT_FINITE));
    }
    let rows = if surfaces.len() > 3 { 2 } else { 1 };
    let columns = surfaces.len().div_ceil(rows);
    let (rows_u, columns_u) = (rows as u32, columns as u32);
    // Crisp edges: without them a scaled map shows hairline seams between its cells.
    render_crisp(&title, |root| {
        let fonts = &Fonts::CONTOUR;
        let area = root.titled(&title, (FONT, fonts.title))?;
        let area = draw_legend(&area, &legend, fonts.legend)?;
        let (maps, scale) = area.split_horizontally(area.dim_in_pixel().0 - SCALE_WIDTH);
        // Maps no wider than tall (with their labels), centred where there are few of them:
        // a stretched map would distort the surface's shape.
        let (width, height) = maps.dim_in_pixel();
        let side = |lines: u32| (height / rows_u).saturating_sub(map_frame(lines).1);
        let panel_width = |lines: u32| (side(lines) + map_frame(lines).0).min(width / columns_u);
        // Each caption on one line where the widest fits its panel, else on two.
        let widest = (surfaces.iter())
            .map(|s| text_width(&label(s, shared), fonts.caption))
            .max()
            .unwrap_or(0);
        let lines = if widest + 16 <= panel_width(1) { 1 } else { 2 };
        let spare = width.saturating_sub(columns_u * panel_width(lines));
        let maps = maps.margin(0, 0, spare / 2, spare / 2);
        let panels = maps.split_evenly((rows, columns));
        for (panel, surface) in panels.iter().zip(surfaces) {
            bands.draw_map(panel, surface, &caption(surface, shared, lines))?;
        }
        bands.draw_scale(&scale, lines)
    })
}

/// A map's caption in `lines` lines: its variant, and when it was measured unless the title
/// says so.
fn caption(surface: &Surface, shared: Option<usize>, lines: u32) -> Vec<String> {
    match (shared, lines) {
        (Some(_), _) | (None, 1) => vec![label(surface, shared)],
        (None, _) => vec![surface.shortcut.label().to_owned(), when(surface.steps)],
    }
}

/// The colour scale that every map shares: bands between round losses (0.02, 0.05, 0.1, …,
/// levels nearly even on a log scale, as matplotlib picks a `contourf`'s), each of its own
/// colour, so that a reader reads a point's loss off the colour bar.
struct Bands {
    /// The losses at the bands' edges, ascending: one more than there are bands.
    edges: Vec<f64>,
}

/// The round numbers of a decade that band edges may be, from few to many, each set nearly
/// evenly spread on a log scale (where the losses span less than a decade, evenly spaced ones
/// follow: over so short a range they are nearly even on a log scale too).
const LEVELS: [&[f64]; 6] = [
    &[1.0],
    &[1.0, 3.0],
    &[1.0, 2.0, 5.0],
    &[1.0, 2.0, 3.0, 5.0],
    &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
    &[1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0],
];

/// `mantissa` × 10^`exponent`, exactly as written (`2e-2`, not `2 * 10f64.powi(-2)`).
fn round_number(mantissa: f64, exponent: i32) -> f64 {
    format!("{mantissa}e{exponent}").parse().unwrap_or(f64::NAN)
}

impl Bands {
    /// The bands over the finite, positive losses of every surface: the coarsest round levels
    /// that make at least [`MIN_BANDS`] bands, or where the losses are too close together for
    /// any, [`BANDS`] even bands between the lowest and the highest.
    fn of(surfaces: &[Surface]) -> Bands {
        let (min, max) = surfaces
            .iter()
            .flat_map(|s| s.losses.iter())
            .filter(|l| l.is_finite() && **l > 0.0)
            .map(|&l| f64::from(l))
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), l| {
                (lo.min(l), hi.max(l))
            });
        let (min, max) = match (min.is_finite(), max / min) {
            (false, _) => (0.1, 1.0),
            (true, ratio) if ratio > 1.0 => (min, max),
            (true, _) => (min / 2.0, max * 2.0),
        };
        let (low, high) = (min.log10().floor() as i32, max.log10().ceil() as i32);
        // For losses over very many decades, every `every`-th power of ten; then each set of
        // levels in every decade.
        let sparse = [100, 50, 20, 10, 5, 2].map(|every| {
            (low.div_euclid(every)..=high.div_euclid(every) + 1)
                .map(|k| round_number(1.0, k * every))
                .collect::<Vec<f64>>()
        });
        let even = [50, 20, 10, 5, 2, 1].map(|step| -> Vec<f64> {
            (100..1000)
                .step_by(step)
                .map(|m| f64::from(m as u32) / 100.0)
                .collect()
        });
        let sets = LEVELS.iter().map(|levels| levels.to_vec()).chain(even);
        let rounds = sets.map(|levels| {
            (low..=high)
                .flat_map(|e| {
                    levels
                        .iter()
                        .map(move |&m| round_number(m, e))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<f64>>()
        });
        let around = |levels: Vec<f64>| {
            let first = levels.iter().rposition(|&l| l <= min).unwrap_or(0);
            let last = levels
                .iter()
                .position(|&l| l >= max)
                .unwrap_or(levels.len() - 1);
            levels[first..=last].to_vec()
        };
        // The coarsest levels that make enough bands: the evenest, and the fewest labels.
        let best = sparse
            .into_iter()
            .chain(rounds)
            .map(around)
            .find(|edges| edges.len() > MIN_BANDS);
        let edges = best.unwrap_or_else(|| {
            let (lo, hi) = (min.log10(), max.log10());
            (0..=BANDS)
                .map(|k| 10f64.powf(lo + (hi - lo) * k as f64 / BANDS as f64))
                .collect()
        });
        Bands { edges }
    }

    /// How many bands there are.
    fn count(&self) -> usize {
        self.edges.len() - 1
    }

    /// The edge below band `band` (or above the last), as log₁₀ of the loss.
    fn edge(&self, band: usize) -> f64 {
        self.edges[band].log10()
    }

    /// The colour of band `band`: viridis at the band's middle (dark is low, yellow is high).
    fn band_colour(&self, band: usize) -> RGBColor {
        let middle = (band as f64 + 0.5) / self.count() as f64;
        ViridisRGB::get_color_normalized(middle, 0.0, 1.0)
    }

    /// The colour of a point of loss `loss`: its band's, grey where it is not finite. A loss of
    /// zero or below (which a mean squared error is only where it rounds to zero) is clipped to
    /// the lowest band.
    fn colour(&self, loss: f32) -> RGBColor {
        if !loss.is_finite() {
            return NOT_FINITE;
        }
        let above = self.edges.partition_point(|&edge| edge <= f64::from(loss));
        self.band_colour(above.saturating_sub(1).min(self.count() - 1))
    }

    /// One surface's map under its caption, centred over the map, line by line.
    fn draw_map(&self, panel: &Area<'_>, surface: &Surface, caption: &[String]) -> Result<()> {
        let fonts = &Fonts::CONTOUR;
        let coordinates = &surface.coordinates;
        let n = coordinates.len();
        let (first, last) = (coordinates[0], coordinates[n - 1]);
        // Each point is the middle of its cell; the outer cells reach half a cell beyond.
        let half = (last - first).abs() / (n - 1) as f64 / 2.0;
        let (low, high) = (first.min(last) - half, first.max(last) + half);
        let axis = || linear_axis(first.min(last), first.max(last)).within(low, high);
        let (x, y) = (axis(), axis());
        let (band, body) = panel.split_vertically(caption_height(caption.len() as u32) - 8);
        let style = (FONT, fonts.caption)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let middle = (16 + MAP_Y_LABELS + band.dim_in_pixel().0 - 16) as i32 / 2;
        for (i, line) in caption.iter().enumerate() {
            let top = 8 + i as u32 * CAPTION_LINE;
            band.draw_text(line, &style, (middle, top as i32))?;
        }
        let mut chart = ChartBuilder::on(&body)
            .margin(16)
            .margin_top(8)
            .x_label_area_size(MAP_X_LABELS)
            .y_label_area_size(MAP_Y_LABELS)
            .build_cartesian_2d(x.coord(), y.coord())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|c| x.label(*c))
            .y_label_formatter(&|c| y.label(*c))
            .x_desc("first direction")
            .y_desc("second direction")
            .label_style((FONT, fonts.label))
            .axis_desc_style((FONT, fonts.desc))
            .draw()?;
        let rows = surface.rows().zip(coordinates);
        let cells = rows.flat_map(|(row, &b)| {
            (coordinates.iter().zip(row)).map(move |(&a, &loss)| (a, b, loss))
        });
        chart.draw_series(cells.map(|(a, b, loss)| {
            Rectangle::new(
                [(a - half, b - half), (a + half, b + half)],
                self.colour(loss).filled(),
            )
        }))?;
        chart.draw_series(ring((0.0, 0.0)))?;
        Ok(())
    }

    /// The colour bar beside the maps, its bands as the maps show them, each edge labelled
    /// (every other one where there are many).
    fn draw_scale(&self, area: &Area<'_>, caption_lines: u32) -> Result<()> {
        let fonts = &Fonts::CONTOUR;
        let (low, high) = (self.edge(0), self.edge(self.count()));
        // The bar spans what the maps' plots span: below the (first) caption, above the (last)
        // x labels.
        let (top, bottom) = (caption_height(caption_lines), 16 + MAP_X_LABELS);
        let step = self.edges.len().div_ceil(MAX_SCALE_LABELS);
        let labelled = (0..=self.count())
            .rev()
            .step_by(step)
            .map(|band| self.edge(band))
            .collect();
        let mut bar = ChartBuilder::on(area)
            .margin_top(top)
            .margin_bottom(bottom)
            .margin_right(16)
            .y_label_area_size(SCALE_WIDTH - 16 - 44)
            .build_cartesian_2d(0.0..1.0, ValueAxis::lines_at(low, high, labelled))?;
        bar.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .set_all_tick_mark_size(8)
            .y_label_formatter(&|e| level_label(10f64.powf(*e)))
            .y_desc("loss (mean squared error)")
            .label_style((FONT, fonts.legend))
            .axis_desc_style((FONT, fonts.desc))
            .draw()?;
        bar.draw_series((0..self.count()).map(|band| {
            Rectangle::new(
                [(0.0, self.edge(band)), (1.0, self.edge(band + 1))],
                self.band_colour(band).filled(),
            )
        }))?;
        Ok(())
    }
}

/// The height of a map's x labels and description.
const MAP_X_LABELS: u32 = 76;

/// The width of a map's y labels and description.
const MAP_Y_LABELS: u32 = 96;

/// The height of a line of a map's caption.
const CAPTION_LINE: u32 = Fonts::CONTOUR.caption + 4;

/// The height above a map's plot: its caption of `lines` lines, and margins.
fn caption_height(lines: u32) -> u32 {
    16 + lines * CAPTION_LINE
}

/// What a map's panel adds to its plot's width and height: its margins, its labels and,
/// above it, its caption of `lines` lines.
fn map_frame(lines: u32) -> (u32, u32) {
    (
        2 * 16 + MAP_Y_LABELS,
        caption_height(lines) + 16 + MAP_X_LABELS,
    )
}

/// At most this many labels on the colour bar, where each stays legible from the back of a room.
const MAX_SCALE_LABELS: usize = 13;

/// A colour bar's label of the loss `v`: three significant digits at most, as plain numbers
/// (`0.02`, `1.5`, `20`), which read more easily than powers of ten, or beyond 0.001 to
/// 100,000, as `2e-5`.
fn level_label(v: f64) -> String {
    let trim = |s: String| match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.').to_owned(),
        false => s,
    };
    if !v.is_finite() || v <= 0.0 {
        return v.to_string();
    }
    let exponent = v.log10().floor() as i32;
    if (-3..5).contains(&exponent) {
        let decimals = (2 - exponent).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    } else {
        let mantissa = v / 10f64.powi(exponent);
        format!("{}e{exponent}", trim(format!("{mantissa:.2}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow::settings::Shortcut;

    fn plane(losses: Vec<f32>) -> Surface {
        let n = (losses.len() as f64).sqrt() as usize;
        Surface {
            shortcut: Shortcut::On,
            steps: 0,
            directions: 2,
            coordinates: (0..n).map(|i| i as f64).collect(),
            losses,
        }
    }

    #[test]
    fn about_twelve_bands_between_round_losses() {
        let bands = Bands::of(&[plane(vec![0.04, 0.27, 36.0, 1.0])]);
        assert_eq!(
            bands.edges,
            [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        );
        let bands = Bands::of(&[plane(vec![0.038, 0.085, 0.05, 0.06])]);
        assert_eq!(
            (bands.edges[0], bands.edges[1], bands.count()),
            (0.035, 0.04, 11)
        );
        let bands = Bands::of(&[plane(vec![0.031, 0.9, 0.05, 0.06])]);
        assert_eq!(
            bands.edges,
            [0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0]
        );
        let huge = Bands::of(&[plane(vec![1e-30, 1e29, 1.0, 1.0])]);
        assert_eq!(huge.edges.len(), 13, "{:?}", huge.edges);
        let narrow = Bands::of(&[plane(vec![1.0, 1.001, 1.0, 1.0])]);
        assert_eq!(narrow.count(), BANDS);
    }

    #[test]
    fn losses_that_are_not_finite_are_grey_and_zero_is_the_lowest_band() {
        let bands = Bands::of(&[plane(vec![f32::NAN, f32::INFINITY, 0.0, 1.0])]);
        assert_eq!(bands.colour(f32::NAN), NOT_FINITE);
        assert_eq!(bands.colour(f32::NEG_INFINITY), NOT_FINITE);
        assert_eq!(bands.colour(0.0), bands.band_colour(0));
        assert_eq!(bands.colour(f32::MAX), bands.band_colour(bands.count() - 1));
        let nothing = Bands::of(&[plane(vec![f32::NAN; 4])]);
        assert!(nothing.count() >= 4);
    }

    #[test]
    fn colour_bar_labels_are_plain_numbers() {
        let labels = [0.02, 1.5, 20.0, 0.0346, 2e-5, 1e5].map(level_label);
        assert_eq!(labels, ["0.02", "1.5", "20", "0.0346", "2e-5", "1e5"]);
        assert_eq!(level_label(10f64.powf(0.02f64.log10())), "0.02");
    }
}
