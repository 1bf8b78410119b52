//! The bounds that every experiment (a network, a sweep, a training, the explorer) is checked
//! against, in one place, before anything is allocated: a student's typo must get a message,
//! not a frozen kernel or a panic.
//!
//! ```
//! use gradflow::limits::{check_depth, MAX_LAYERS};
//!
//! assert!(check_depth(64).is_ok());
//! let error = check_depth(0).unwrap_err();
//! assert_eq!(error.to_string(), "a depth is 0; it must be from 1 to 100000 layers");
//! assert!(check_depth(MAX_LAYERS + 1).is_err());
//! ```

use crate::error::{Error, Result};

/// Refuse networks whose weights and gradients would need more memory than this.
pub const MEMORY_LIMIT_BYTES: u64 = 1 << 30;

/// The most layers one experiment builds in all: one network's depth, every network of a
/// sweep, both trained variants, or the explorer's whole grid (whose page carries one report
/// line per layer, so that this bounds it to a megabyte or two).
pub const MAX_LAYERS: usize = 100_000;

/// The most steps a training runs.
pub const MAX_STEPS: usize = 100_000;

/// The most layer-steps a training runs (each variant's depth times its steps): about a minute
/// on one core of a laptop.
pub const MAX_LAYER_STEPS: usize = 1_000_000;

/// The most values a tensor made from a slice in a cell carries to the engine (10,000,000
/// float64 take 210 MB in one message, under the 256 MiB it reads at most).
pub const MAX_SLICE_VALUES: usize = 10_000_000;

/// Checks the number of values that `Tensor::from_slice` sends: at most [`MAX_SLICE_VALUES`].
pub fn check_slice_values(values: usize) -> Result<()> {
    if values <= MAX_SLICE_VALUES {
        return Ok(());
    }
    Err(Error::invalid(
        "the number of values for one tensor from a slice",
        values,
        format!(
            "at most {MAX_SLICE_VALUES}, which fit in one message to the engine; make a larger \
             tensor in the engine instead: Tensor::zeros, Tensor::ones or Tensor::randn, then \
             compute on it"
        ),
    ))
}

/// Checks a tensor's shape: no negative size, and at most [`MEMORY_LIMIT_BYTES`] of values of
/// `bytes_per_value`.
pub fn check_tensor_size(size: &[i64], bytes_per_value: u64) -> Result<()> {
    if let Some(&negative) = size.iter().find(|&&s| s < 0) {
        return Err(Error::invalid(
            format!("the size {size:?}"),
            negative,
            "no negative size (0 or more in each dimension)",
        ));
    }
    let values = size.iter().fold(1u128, |n, &s| n.saturating_mul(s as u128));
    fits_in_memory(values.saturating_mul(bytes_per_value as u128))
}

/// Checks a layer-size list: at least two entries, all positive, at most [`MAX_LAYERS`]
/// layers, and a network that fits in [`MEMORY_LIMIT_BYTES`].
pub fn check_layer_sizes(layer_sizes: &[i64]) -> Result<()> {
    if layer_sizes.len() < 2 {
        return Err(Error::TooFewSizes {
            got: layer_sizes.len(),
        });
    }
    if let Some((index, &size)) = layer_sizes.iter().enumerate().find(|(_, &s)| s < 1) {
        return Err(Error::NonPositiveSize { index, size });
    }
    check_depth(layer_sizes.len() - 1)?;
    // Each parameter is a float32 and gets a float32 gradient of the same size.
    let parameters = layer_sizes
        .windows(2)
        .map(|w| (w[0] as u128 + 1).saturating_mul(w[1] as u128))
        .fold(0u128, u128::saturating_add);
    fits_in_memory(parameters.saturating_mul(4 * 2))
}

/// Checks one network's depth (its number of layers): 1 to [`MAX_LAYERS`].
pub fn check_depth(depth: usize) -> Result<()> {
    if (1..=MAX_LAYERS).contains(&depth) {
        return Ok(());
    }
    Err(Error::invalid(
        "a depth",
        depth,
        format!("from 1 to {MAX_LAYERS} layers"),
    ))
}

/// The layers of `copies` networks of each depth, saturating: what [`check_layers_in_all`]
/// bounds for a sweep or the explorer's grid.
pub fn layers_in_all(depths: &[usize], copies: usize) -> usize {
    depths
        .iter()
        .fold(0usize, |sum, &depth| sum.saturating_add(depth))
        .saturating_mul(copies)
}

/// Checks the layers an experiment builds in all against [`MAX_LAYERS`]; `fewer` says what
/// to cut.
pub fn check_layers_in_all(what: &str, layers: usize, fewer: &str) -> Result<()> {
    if layers <= MAX_LAYERS {
        return Ok(());
    }
    Err(Error::invalid(
        what,
        format!("{layers} layers in all"),
        format!("at most {MAX_LAYERS} layers in all ({fewer})"),
    ))
}

/// Checks a training's length: 1 to [`MAX_STEPS`] steps, and at most [`MAX_LAYER_STEPS`]
/// for a network of `depth` layers.
pub fn check_steps(steps: usize, depth: usize) -> Result<()> {
    if !(1..=MAX_STEPS).contains(&steps) {
        return Err(Error::invalid(
            "steps",
            steps,
            format!("from 1 to {MAX_STEPS}"),
        ));
    }
    let layer_steps = steps.saturating_mul(depth);
    if layer_steps > MAX_LAYER_STEPS {
        return Err(Error::invalid(
            "the training",
            format!("{steps} steps of {depth} layers ({layer_steps} layer-steps)"),
            format!("at most {MAX_LAYER_STEPS} layer-steps (fewer steps or layers)"),
        ));
    }
    Ok(())
}

/// The most points of one loss surface: a plane of 101 × 101.
pub const MAX_SURFACE_POINTS: usize = 101 * 101;

/// The most layer-points one loss surface computes (its points times its depth, for both
/// variants): a forward pass costs about a third of a training step, so this takes about as
/// long as [`MAX_LAYER_STEPS`].
pub const MAX_LAYER_POINTS: usize = 3 * MAX_LAYER_STEPS;

/// The most parameters whose Hessian is computed whole, row by row (one double-backward pass
/// per parameter), for its whole spectrum; larger networks get power iteration and the
/// Lanczos density only.
pub const MAX_SPECTRUM_PARAMETERS: usize = 1024;

/// The most Hessian-vector products one iterative estimate runs (power iteration, Lanczos,
/// Hutchinson's trace).
pub const MAX_ITERATIONS: usize = 1000;

/// The most layer-products a curvature experiment computes in all (each Hessian-vector
/// product, or row of the Hessian, times the depth): about as long as [`MAX_LAYER_STEPS`].
pub const MAX_LAYER_PRODUCTS: usize = MAX_LAYER_STEPS;

/// Checks a loss surface's number of directions: 1 (a line) or 2 (a plane).
pub fn check_directions(directions: usize) -> Result<()> {
    if (1..=2).contains(&directions) {
        return Ok(());
    }
    Err(Error::invalid(
        "the number of directions",
        directions,
        "1 (a line) or 2 (a plane)",
    ))
}

/// Checks a loss surface's size: 1 or 2 directions, 2 to [`MAX_SURFACE_POINTS`] points in
/// all, and at most [`MAX_LAYER_POINTS`] layer-points for a network of `depth` layers.
pub fn check_surface(directions: usize, points: usize, depth: usize) -> Result<()> {
    check_directions(directions)?;
    let all = points.saturating_pow(directions as u32);
    if points < 2 || all > MAX_SURFACE_POINTS {
        let most = match directions {
            1 => MAX_SURFACE_POINTS,
            _ => 101,
        };
        return Err(Error::invalid(
            "the points along each direction",
            points,
            format!("from 2 to {most} ({all} points in all; at most {MAX_SURFACE_POINTS})"),
        ));
    }
    let layer_points = all.saturating_mul(depth).saturating_mul(2);
    if layer_points > MAX_LAYER_POINTS {
        return Err(Error::invalid(
            "the surface",
            format!("{all} points of 2 networks of {depth} layers ({layer_points} layer-points)"),
            format!("at most {MAX_LAYER_POINTS} layer-points (fewer points or layers)"),
        ));
    }
    Ok(())
}

/// Checks an iterative estimate's length: 1 to [`MAX_ITERATIONS`].
pub fn check_iterations(what: &str, iterations: usize) -> Result<()> {
    if (1..=MAX_ITERATIONS).contains(&iterations) {
        return Ok(());
    }
    Err(Error::invalid(
        what,
        iterations,
        format!("from 1 to {MAX_ITERATIONS}"),
    ))
}

/// Checks a curvature experiment's cost: `products` Hessian-vector products (or rows) of a
/// network of `depth` layers, at most [`MAX_LAYER_PRODUCTS`] layer-products.
pub fn check_products(products: usize, depth: usize) -> Result<()> {
    let layer_products = products.saturating_mul(depth);
    if layer_products <= MAX_LAYER_PRODUCTS {
        return Ok(());
    }
    Err(Error::invalid(
        "the curvature",
        format!("up to {products} Hessian-vector products of {depth} layers ({layer_products} layer-products)"),
        format!(
            "at most {MAX_LAYER_PRODUCTS} layer-products (fewer steps to measure at, iterations \
             or layers)"
        ),
    ))
}

/// Refuses to allocate more than [`MEMORY_LIMIT_BYTES`].
pub fn fits_in_memory(needed: u128) -> Result<()> {
    if needed > MEMORY_LIMIT_BYTES as u128 {
        let mib = |bytes: u128| u64::try_from(bytes >> 20).unwrap_or(u64::MAX);
        return Err(Error::TooLarge {
            needed_mib: mib(needed),
            limit_mib: mib(MEMORY_LIMIT_BYTES as u128),
        });
    }
    Ok(())
}
