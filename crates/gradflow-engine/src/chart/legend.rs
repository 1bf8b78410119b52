//! The legend of every chart: a band of entries above the plot, never over the data.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::text_width;
use super::fonts::FONT;
use super::{colour, Area};
use crate::error::Result;
use gradflow::settings::Shortcut;

/// How a legend shows one series: a filled square for bars, a stroke for lines, a ring for a
/// marked point, a hollow dot for points drawn hollow.
#[derive(Clone, Copy)]
pub(super) enum Sample {
    Swatch,
    Line { stroke: u32 },
    Ring,
    Hollow,
}

/// The radius of a point of a line chart, filled or hollow, in pixels.
pub(super) const DOT_RADIUS: u32 = 6;

/// The ring that marks the network's own weights: black on a white halo, so that it stands
/// out on every colour of a map and beside every line, and hollow, so that the point it marks
/// still shows its own colour.
pub(super) fn ring<C>(centre: C) -> impl IntoIterator<Item = Circle<C, u32>>
where
    C: Copy,
{
    [
        Circle::new(centre, RING_RADIUS, WHITE.stroke_width(7)),
        Circle::new(centre, RING_RADIUS, BLACK.stroke_width(3)),
    ]
}

/// The radius of [`ring`], in pixels.
const RING_RADIUS: u32 = 10;

/// One series in a legend.
pub(super) struct Entry {
    label: String,
    colour: RGBColor,
    sample: Sample,
}

impl Entry {
    /// The entry of one variant's bars.
    pub(super) fn bars(shortcut: Shortcut) -> Entry {
        Entry {
            label: shortcut.label().to_owned(),
            colour: colour(shortcut),
            sample: Sample::Swatch,
        }
    }

    /// The entry of one variant's line, `stroke` pixels wide.
    pub(super) fn line(shortcut: Shortcut, label: String, stroke: u32) -> Entry {
        Entry {
            label,
            colour: colour(shortcut),
            sample: Sample::Line { stroke },
        }
    }

    /// The entry of a colour that is no variant's: a map's cells that have no value.
    pub(super) fn swatch(label: &str, colour: RGBColor) -> Entry {
        Entry {
            label: label.to_owned(),
            colour,
            sample: Sample::Swatch,
        }
    }

    /// The entry of the points drawn hollow, in any variant's colour.
    pub(super) fn hollow(label: &str) -> Entry {
        Entry {
            label: label.to_owned(),
            colour: BLACK,
            sample: Sample::Hollow,
        }
    }

    /// The entry of the [`ring`] that marks the network's own weights.
    pub(super) fn weights() -> Entry {
        Entry {
            label: "the weights".to_owned(),
            colour: BLACK,
            sample: Sample::Ring,
        }
    }
}

/// The legend of every chart: one band of entries above the plot, wrapped into centred rows,
/// so that it never hides a bar, a line or a value. Returns the area left below it.
pub(super) fn draw_legend<'a>(
    area: &Area<'a>,
    entries: &[Entry],
    font_size: u32,
) -> Result<Area<'a>> {
    let style = (FONT, font_size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (gap, spacing) = (font_size / 2, 2 * font_size);
    let sample_width = |entry: &Entry| match entry.sample {
        Sample::Swatch | Sample::Ring | Sample::Hollow => font_size,
        Sample::Line { .. } => 2 * font_size,
    };
    let widths: Vec<u32> = entries
        .iter()
        .map(|entry| sample_width(entry) + gap + text_width(&entry.label, font_size))
        .collect();
    let available = area.dim_in_pixel().0.saturating_sub(2 * spacing);
    // How the points are drawn is said apart from the series, under them.
    let rows = flow(&widths, spacing, available, |i| {
        matches!(entries[i].sample, Sample::Hollow)
    });
    let row_height = font_size * 3 / 2;
    let (band, rest) = area.split_vertically(rows.len() as u32 * row_height + gap);
    let half = font_size as i32 / 2;
    for (r, (row, used)) in rows.iter().enumerate() {
        let mut x = (band.dim_in_pixel().0.saturating_sub(*used) / 2) as i32;
        let y = (r as u32 * row_height + row_height / 2) as i32;
        for &i in row {
            let entry = &entries[i];
            match entry.sample {
                Sample::Swatch => band.draw(&Rectangle::new(
                    [(x, y - half), (x + 2 * half, y + half)],
                    entry.colour.filled(),
                ))?,
                Sample::Line { stroke } => band.draw(&PathElement::new(
                    [(x, y), (x + sample_width(entry) as i32, y)],
                    entry.colour.stroke_width(stroke),
                ))?,
                Sample::Ring => {
                    for circle in ring((x + half, y)) {
                        band.draw(&circle)?;
                    }
                }
                Sample::Hollow => band.draw(&Circle::new(
                    (x + half, y),
                    DOT_RADIUS,
                    entry.colour.stroke_width(2),
                ))?,
            }
            let text_x = x + (sample_width(entry) + gap) as i32;
            band.draw_text(&entry.label, &style, (text_x, y))?;
            x += (widths[i] + spacing) as i32;
        }
    }
    Ok(rest)
}

/// Items of `widths` laid out left to right, `spacing` apart, in rows no wider than
/// `available`, each item for which `own_row` holds on a new row: each row's items and its
/// width.
fn flow(
    widths: &[u32],
    spacing: u32,
    available: u32,
    own_row: impl Fn(usize) -> bool,
) -> Vec<(Vec<usize>, u32)> {
    let mut rows: Vec<(Vec<usize>, u32)> = vec![];
    for (i, &width) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some((row, used)) if !own_row(i) && *used + spacing + width <= available => {
                row.push(i);
                *used += spacing + width;
            }
            _ => rows.push((vec![i], width)),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_entries_flow_into_rows_that_fit() {
        let anywhere = |_| false;
        assert_eq!(
            flow(&[300, 300, 300, 300], 50, 900, anywhere),
            [(vec![0, 1], 650), (vec![2, 3], 650)]
        );
        assert_eq!(flow(&[2000], 50, 1000, anywhere), [(vec![0], 2000)]);
        assert!(flow(&[], 50, 1000, anywhere).is_empty());
        assert_eq!(
            flow(&[300, 300, 300], 50, 1000, |i| i == 2),
            [(vec![0, 1], 650), (vec![2], 300)]
        );
    }
}
