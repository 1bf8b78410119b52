//! The curvature of the loss, from its Hessian: the eigenvalues at one point of training
//! ([`spectrum`]) and the largest one along training ([`sharpness`]).

use plotters::prelude::*;

use super::axes::{linear_axis, short_value, Scale};
use super::legend::{Entry, DOT_RADIUS};
use super::lines::{segments, Axes};
use super::{colour, render, same_steps, when, Svg};
use crate::error::Result;
use gradflow::results::Curvature;
use gradflow::settings::Shortcut;

/// At most this many measurements are summed up in a spectrum's legend.
const MAX_SUMMARIES: usize = 4;

/// Refuses an empty list.
fn check(curvatures: &[Curvature]) -> Result<()> {
    if curvatures.is_empty() {
        return Err(gradflow::Error::invalid(
            "the list of curvatures",
            "empty",
            "at least one measurement (`HessianConfig::run` makes them)",
        )
        .into());
    }
    Ok(())
}

/// Each measurement's eigenvalues from smallest to largest: the whole spectrum where it was
/// computed, else the density's nodes, each as wide as its weight.
pub fn spectrum(curvatures: &[Curvature]) -> Result<Svg> {
    check(curvatures)?;
    if let Some((k, c)) = curvatures.iter().enumerate().find(|(_, c)| {
        c.eigenvalues.is_empty() && (c.nodes.is_empty() || c.nodes.len() != c.weights.len())
    }) {
        return Err(gradflow::Error::invalid(
            format!("curvature {k}'s spectrum"),
            format!("{} nodes and {} weights", c.nodes.len(), c.weights.len()),
            "its eigenvalues, or as many density weights as nodes (at least one)",
        )
        .into());
    }
    // Sorted eigenvalues against their rank, on a symmetric log axis, and not the density
    // PyHessian plots: on the density's linear eigenvalue axis the seed's negative eigenvalues
    // (-0.01 beside a largest of 2 to 15) merge with the bulk at zero, and a density cannot
    // be counted. Here every eigenvalue is a point: the negatives below the zero line, as many
    // as there are and as deep as they go, the bulk on the line, the largest at the top.
    let ranks = match curvatures[0].eigenvalues.len() {
        0 => None,
        n => curvatures
            .iter()
            .all(|c| c.eigenvalues.len() == n)
            .then_some(n),
    };
    let series: Vec<Vec<Ranked>> = curvatures
        .iter()
        .map(|c| ranked(c, ranks.is_some()))
        .collect();
    let linear = linear_zone(curvatures);
    let scale = Scale::SymLog { linear };
    let y = scale.axis(series.iter().flatten().map(|r| r.eigenvalue), false);
    let (x, x_desc) = match ranks {
        Some(n) => (
            linear_axis(1.0, n as f64).within(0.5, n as f64 + 0.5),
            format!("rank, smallest first ({n} eigenvalues, one per parameter)"),
        ),
        None => (
            linear_axis(0.0, 100.0),
            "share of the eigenvalues below, % (Lanczos density)".to_owned(),
        ),
    };
    let shared = same_steps(curvatures.iter().map(|c| c.step));
    let title = match shared {
        Some(step) => format!("Eigenvalues of the loss's Hessian, {}", when(step)),
        None => "Eigenvalues of the loss's Hessian".to_owned(),
    };
    // Beyond a few measurements, their summaries would push the plot off the slide: the
    // legend then only names them.
    let mut legend: Vec<Entry> = curvatures
        .iter()
        .map(|c| match curvatures.len() <= MAX_SUMMARIES {
            true => Entry::line(c.shortcut, summary(c, shared), 2),
            false => Entry::line(c.shortcut, name(c, shared), 2),
        })
        .collect();
    // A hollow point counts as zero, so that the points below the line are the negatives the
    // legend counts.
    if series.iter().flatten().any(|r| r.zero) {
        legend.push(Entry::hollow("counted as zero (within 1e-4 × largest)"));
    }
    render(&title, |root| {
        let axes = Axes {
            title: &title,
            x_desc: &x_desc,
            y_desc: "eigenvalue, symmetric log scale",
            legend: &legend,
        };
        let x_label = |r: &f64| match ranks {
            Some(_) => x.label(*r),
            None => format!("{}%", x.label(*r)),
        };
        let mut chart = axes.draw_values(root, &x, &y, &x_label)?;
        let (left, right) = x.ends();
        chart.draw_series(LineSeries::new(
            [(left, 0.0), (right, 0.0)],
            BLACK.stroke_width(2),
        ))?;
        for (c, points) in curvatures.iter().zip(&series) {
            let colour = colour(c.shortcut);
            let placed = points
                .iter()
                .map(|r| scale.place(r.eigenvalue).map(|y| (r, y)));
            // An eigenvalue that is not finite leaves a gap.
            for segment in segments(placed) {
                let steps = segment.iter().flat_map(|&(r, y)| [(r.from, y), (r.to, y)]);
                chart.draw_series(LineSeries::new(steps, colour.stroke_width(2)))?;
                chart.draw_series((segment.into_iter()).map(|(r, y)| {
                    let style = match r.zero {
                        true => colour.stroke_width(2),
                        false => colour.filled(),
                    };
                    Circle::new((r.at, y), DOT_RADIUS, style)
                }))?;
            }
        }
        Ok(())
    })
}

/// One eigenvalue on the spectrum's x axis: at its rank, or (where ranks differ) at the middle
/// of the share of the spectrum it stands for, from `from` to `to` percent; `zero` where it
/// counts as zero ([`Curvature::zero_within`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ranked {
    at: f64,
    from: f64,
    to: f64,
    eigenvalue: f64,
    zero: bool,
}

/// A measurement's eigenvalues, smallest first: ranked (`by_rank`), or each as wide as its
/// share, 1/n of a whole spectrum or a density node's weight, so that the line is a staircase
/// whose flat steps show how much of the spectrum lies at each value.
fn ranked(c: &Curvature, by_rank: bool) -> Vec<Ranked> {
    // A weight that is not a share (negative, not finite) counts as none.
    let share = |w: f32| match w.is_finite() && w > 0.0 {
        true => f64::from(w),
        false => 0.0,
    };
    let mut shares: Vec<(f64, f64)> = match c.eigenvalues.is_empty() {
        false => c.eigenvalues.iter().map(|&e| (f64::from(e), 1.0)).collect(),
        true => (c.nodes.iter().zip(&c.weights))
            .map(|(&node, &w)| (f64::from(node), share(w)))
            .collect(),
    };
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = shares
        .iter()
        .map(|&(_, w)| w)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mut below = 0.0;
    let zero_within = c.zero_within();
    (shares.into_iter().enumerate())
        .map(|(k, (eigenvalue, w))| {
            let (from, to) = (100.0 * below / total, 100.0 * (below + w) / total);
            below += w;
            let zero = eigenvalue.abs() <= zero_within;
            match by_rank {
                true => {
                    let rank = k as f64 + 1.0;
                    Ranked {
                        at: rank,
                        from: rank,
                        to: rank,
                        eigenvalue,
                        zero,
                    }
                }
                false => Ranked {
                    at: (from + to) / 2.0,
                    from,
                    to,
                    eigenvalue,
                    zero,
                },
            }
        })
        .collect()
}

/// The symmetric log's linear zone: the power of ten at or under the smallest of the
/// measurements' [`Curvature::zero_within`], so that every eigenvalue that does not count as
/// zero lies on the log part of the axis, at its own order of magnitude.
fn linear_zone(curvatures: &[Curvature]) -> f64 {
    let smallest = (curvatures.iter())
        .map(Curvature::zero_within)
        .filter(|&within| within > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest.is_finite() {
        return 1.0;
    }
    let exponent = smallest.log10().floor() as i32;
    // An exact power of ten: `10f64.powi(-4)` is not `1e-4`.
    format!("1e{}", exponent.clamp(-300, 300))
        .parse()
        .unwrap_or(1.0)
}

/// A measurement's variant, and when it was measured unless the title says it.
fn name(c: &Curvature, shared: Option<usize>) -> String {
    match shared {
        Some(_) => c.shortcut.label().to_owned(),
        None => format!("{}, {}", c.shortcut.label(), when(c.step)),
    }
}

/// A measurement's legend: its [`name`], how many of its eigenvalues are negative and how low
/// they go, and the largest.
fn summary(c: &Curvature, shared: Option<usize>) -> String {
    let (share, lowest) = c.negative();
    let negative = match c.eigenvalues.len() {
        0 => format!("{:.0}% negative", 100.0 * share),
        n => format!("{:.0} of {n} negative", share * n as f64),
    };
    let lowest = match share > 0.0 {
        true => format!(" (lowest {})", short_value(lowest)),
        false => String::new(),
    };
    format!(
        "{}: {negative}{lowest}, largest {}",
        name(c, shared),
        short_value(c.sharpness())
    )
}

/// The largest eigenvalue of each variant against the training step, one line per variant.
pub fn sharpness(curvatures: &[Curvature]) -> Result<Svg> {
    check(curvatures)?;
    let values = || curvatures.iter().map(Curvature::sharpness);
    // A log axis where the sharpness spans more than a decade and a half, else a linear one
    // from zero, on which the variants' heights compare as they are.
    let scale = Scale::of(values());
    let y = scale.axis(values(), true);
    let last = curvatures.iter().map(|c| c.step).max().unwrap_or(0) as f64;
    let x = linear_axis(0.0, last);
    let variants: Vec<Shortcut> = Shortcut::BOTH
        .into_iter()
        .filter(|&s| curvatures.iter().any(|c| c.shortcut == s))
        .collect();
    let legend: Vec<Entry> = variants
        .iter()
        .map(|&s| Entry::line(s, s.label().to_owned(), 4))
        .collect();
    let title = "Sharpness (the Hessian's largest eigenvalue) during training";
    let y_desc = match scale {
        Scale::Log => "largest eigenvalue, log scale",
        _ => "largest eigenvalue",
    };
    render(title, |root| {
        let axes = Axes {
            title,
            x_desc: "training step",
            y_desc,
            legend: &legend,
        };
        let mut chart = axes.draw_values(root, &x, &y, &|s| x.label(*s))?;
        for &shortcut in &variants {
            let mut measured: Vec<&Curvature> = curvatures
                .iter()
                .filter(|c| c.shortcut == shortcut)
                .collect();
            measured.sort_by_key(|c| c.step);
            let points = measured
                .iter()
                .map(|c| scale.place(c.sharpness()).map(|v| (c.step as f64, v)));
            let colour = colour(shortcut);
            // A sharpness the axis cannot show (not finite; on a log axis, not positive)
            // leaves a gap.
            for segment in segments(points) {
                chart.draw_series(LineSeries::new(
                    segment.iter().copied(),
                    colour.stroke_width(4),
                ))?;
                chart.draw_series(
                    segment
                        .into_iter()
                        .map(|p| Circle::new(p, 8, colour.filled())),
                )?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curvature(eigenvalues: Vec<f32>) -> Curvature {
        Curvature {
            shortcut: Shortcut::Off,
            step: 0,
            loss: 0.1,
            parameters: eigenvalues.len(),
            top_eigenvalue: 2.0,
            iterations: 10,
            trace: 1.0,
            trace_samples: 10,
            eigenvalues,
            nodes: vec![0.0, 2.0],
            weights: vec![0.75, 0.25],
        }
    }

    #[test]
    fn eigenvalues_are_ranked_and_density_nodes_sit_in_their_weight() {
        let c = curvature(vec![2.0, -0.5, 0.0]);
        let ranks: Vec<(f64, f64)> = ranked(&c, true)
            .iter()
            .map(|r| (r.at, r.eigenvalue))
            .collect();
        assert_eq!(ranks, [(1.0, -0.5), (2.0, 0.0), (3.0, 2.0)]);
        let density = curvature(vec![]);
        assert_eq!(
            ranked(&density, false),
            [
                Ranked {
                    at: 37.5,
                    from: 0.0,
                    to: 75.0,
                    eigenvalue: 0.0,
                    zero: true,
                },
                Ranked {
                    at: 87.5,
                    from: 75.0,
                    to: 100.0,
                    eigenvalue: 2.0,
                    zero: false,
                },
            ]
        );
    }

    #[test]
    fn the_linear_zone_is_under_what_counts_as_zero() {
        // 1e-4 × 2.19 and 1e-4 × 14.6 count as zero: the zone ends at the power of ten below both.
        let spectra = [curvature(vec![-0.4, 2.19]), curvature(vec![14.6])];
        assert_eq!(linear_zone(&spectra), 1e-4);
        assert_eq!(linear_zone(&[curvature(vec![0.0])]), 1.0);
    }

    #[test]
    fn the_legend_counts_the_negative_eigenvalues() {
        let c = curvature(vec![-0.425, -1e-10, 0.0, 0.5, 2.19]);
        assert_eq!(
            summary(&c, Some(0)),
            "without shortcut: 1 of 5 negative (lowest -0.425), largest 2.19"
        );
    }
}
