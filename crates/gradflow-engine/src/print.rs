//! Tensors printed as PyTorch prints them (`torch/_tensor_str.py` with its default print
//! options: 4 digits, summaries above 1,000 elements with 3 at each edge, lines of 80), so
//! that `println!("{x}")` in a notebook shows what `print(x)` shows in the seed's.
//!
//! ```
//! use gradflow_engine::print::{tensor_repr, Printed};
//!
//! let x = Printed { shape: &[1, 3], values: &[1.0, 0.0, -1.0], ..Printed::default() };
//! assert_eq!(tensor_repr(&x), "tensor([[ 1.,  0., -1.]])");
//! let loss = Printed { shape: &[], values: &[0.041300002], grad_fn: Some("MseLossBackward0"), ..x };
//! assert_eq!(tensor_repr(&loss), "tensor(0.0413, grad_fn=<MseLossBackward0>)");
//! ```

/// Python's `PRINT_OPTS`: their defaults.
const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 80;

/// What printing a tensor needs: its shape, its elements in row-major order (as float64, as
/// Python's `tolist()` gives them), and what PyTorch prints after them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Printed<'a> {
    pub shape: &'a [usize],
    pub values: &'a [f64],
    /// A float64 tensor, which says so (`dtype=torch.float64`); float32 is the default.
    pub double: bool,
    /// The operation that made it, where it has one.
    pub grad_fn: Option<&'a str>,
    /// A leaf that needs a gradient.
    pub requires_grad: bool,
    /// A model's parameter (`Parameter containing:`).
    pub parameter: bool,
}

/// `repr(x)` in PyTorch.
pub fn tensor_repr(x: &Printed<'_>) -> String {
    let prefix = "tensor(";
    let indent = prefix.len();
    let mut suffixes = Vec::new();
    let body = if x.values.is_empty() {
        if x.shape.len() != 1 {
            suffixes.push(format!("size={}", python_tuple(x.shape)));
        }
        "[]".to_owned()
    } else {
        let summarize = x.values.len() > THRESHOLD;
        let shown = match summarize {
            true => summarized(x.shape, x.values),
            false => x.values.to_vec(),
        };
        let formatter = Formatter::new(&shown);
        nested(x.shape, x.values, indent, summarize, &formatter)
    };
    if x.double {
        suffixes.insert(0, "dtype=torch.float64".to_owned());
    }
    match (x.grad_fn, x.requires_grad) {
        (Some(name), _) => suffixes.push(format!("grad_fn=<{name}>")),
        (None, true) => suffixes.push("requires_grad=True".to_owned()),
        (None, false) => {}
    }
    let text = with_suffixes(format!("{prefix}{body}"), &suffixes, indent);
    match x.parameter {
        true => format!("Parameter containing:\n{text}"),
        false => text,
    }
}

/// `(2, 3)`, `(0,)`, `()`.
fn python_tuple(shape: &[usize]) -> String {
    let items: Vec<String> = shape.iter().map(usize::to_string).collect();
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// The elements of `x[i]`, the `i`th slice along the first dimension.
fn slice<'a>(shape: &[usize], values: &'a [f64], i: usize) -> &'a [f64] {
    let size: usize = shape[1..].iter().product();
    &values[i * size..(i + 1) * size]
}

/// The indices a summary shows along a dimension of `size`: all, or the edges.
fn shown_indices(size: usize, summarize: bool) -> (Vec<usize>, bool) {
    match summarize && size > 2 * EDGE_ITEMS {
        true => ((0..EDGE_ITEMS).chain(size - EDGE_ITEMS..size).collect(), true),
        false => ((0..size).collect(), false),
    }
}

/// `get_summarized_data`: the elements a summary shows, which alone set the formatting.
fn summarized(shape: &[usize], values: &[f64]) -> Vec<f64> {
    match shape.len() {
        0 => values.to_vec(),
        1 => {
            let (shown, _) = shown_indices(shape[0], true);
            shown.into_iter().map(|i| values[i]).collect()
        }
        _ => {
            let (shown, _) = shown_indices(shape[0], true);
            shown
                .into_iter()
                .flat_map(|i| summarized(&shape[1..], slice(shape, values, i)))
                .collect()
        }
    }
}

/// `_tensor_str_with_formatter`: brackets within brackets.
fn nested(
    shape: &[usize],
    values: &[f64],
    indent: usize,
    summarize: bool,
    formatter: &Formatter,
) -> String {
    match shape.len() {
        0 => formatter.format(values[0]),
        1 => vector(shape[0], values, indent, summarize, formatter),
        dim => {
            let (shown, elided) = shown_indices(shape[0], summarize);
            let mut slices: Vec<String> = shown
                .into_iter()
                .map(|i| nested(&shape[1..], slice(shape, values, i), indent + 1, summarize, formatter))
                .collect();
            if elided {
                slices.insert(EDGE_ITEMS, "...".to_owned());
            }
            let separator = format!(",{}{}", "\n".repeat(dim - 1), " ".repeat(indent + 1));
            format!("[{}]", slices.join(&separator))
        }
    }
}

/// `_vector_str`: one dimension, wrapped to the line width.
fn vector(size: usize, values: &[f64], indent: usize, summarize: bool, formatter: &Formatter) -> String {
    let element_length = formatter.width + 2;
    let per_line = (LINE_WIDTH.saturating_sub(indent) / element_length).max(1);
    let (shown, elided) = shown_indices(size, summarize);
    let mut data: Vec<String> = shown.into_iter().map(|i| formatter.format(values[i])).collect();
    if elided {
        data.insert(EDGE_ITEMS, " ...".to_owned());
    }
    let lines: Vec<String> = data.chunks(per_line).map(|line| line.join(", ")).collect();
    format!("[{}]", lines.join(&format!(",\n{}", " ".repeat(indent + 1))))
}

/// `_add_suffixes`: each on the last line while it fits in the line width.
fn with_suffixes(text: String, suffixes: &[String], indent: usize) -> String {
    let mut out = text;
    // Python's `len(s) - s.rfind("\n") + 1`, where `rfind` is -1 without a newline.
    let all = out.chars().count() as i64;
    let newline = out.rfind('\n').map_or(-1, |at| out[..at].chars().count() as i64);
    let mut last_line = (all - newline + 1) as usize;
    for suffix in suffixes {
        let length = suffix.chars().count();
        if last_line + length + 2 > LINE_WIDTH {
            out.push_str(&format!(",\n{}{suffix}", " ".repeat(indent)));
            last_line = indent + length;
        } else {
            out.push_str(&format!(", {suffix}"));
            last_line += length + 2;
        }
    }
    out.push(')');
    out
}

/// `_Formatter` for floating-point tensors: whole numbers as `1.`, others with four decimals,
/// or all in scientific notation where their magnitudes differ too much.
struct Formatter {
    int_mode: bool,
    sci_mode: bool,
    width: usize,
}

impl Formatter {
    fn new(values: &[f64]) -> Formatter {
        let nonzero: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v != 0.0)
            .collect();
        let mut formatter = Formatter {
            int_mode: true,
            sci_mode: false,
            width: 1,
        };
        if nonzero.is_empty() {
            return formatter;
        }
        let min = nonzero.iter().map(|v| v.abs()).fold(f64::INFINITY, f64::min);
        let max = nonzero.iter().map(|v| v.abs()).fold(0.0, f64::max);
        formatter.int_mode = nonzero.iter().all(|v| *v == v.ceil());
        let spread = max / min > 1000.0 || max > 1.0e8;
        formatter.sci_mode = match formatter.int_mode {
            true => spread,
            false => spread || min < 1.0e-4,
        };
        let width = |v: &f64| match (formatter.sci_mode, formatter.int_mode) {
            (true, _) => scientific(*v).len(),
            (false, true) => format!("{v:.0}").len() + 1,
            (false, false) => fixed(*v).len(),
        };
        formatter.width = nonzero.iter().map(width).max().unwrap_or(1);
        formatter
    }

    fn format(&self, value: f64) -> String {
        let text = if self.sci_mode {
            scientific(value)
        } else if self.int_mode {
            match value.is_finite() {
                true => format!("{value:.0}."),
                false => non_finite(value),
            }
        } else {
            fixed(value)
        };
        format!("{text:>width$}", width = self.width)
    }
}

/// Python's `f"{v:.4f}"`.
fn fixed(v: f64) -> String {
    match v.is_finite() {
        true => format!("{v:.PRECISION$}"),
        false => non_finite(v),
    }
}

/// Python's `f"{v:.4e}"`: the exponent signed and of at least two digits.
fn scientific(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v);
    }
    let text = format!("{v:.PRECISION$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

/// `nan`, `inf`, `-inf`, as Python writes them.
fn non_finite(v: f64) -> String {
    match (v.is_nan(), v > 0.0) {
        (true, _) => "nan".to_owned(),
        (false, true) => "inf".to_owned(),
        (false, false) => "-inf".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{tensor_repr, Printed};

    fn repr(shape: &[usize], values: &[f64]) -> String {
        tensor_repr(&Printed {
            shape,
            values,
            ..Printed::default()
        })
    }

    /// Each expected string is what PyTorch 2.13 prints for the same float32 tensor.
    #[test]
    fn prints_as_pytorch() {
        assert_eq!(repr(&[2], &[1e-5, 2.0]), "tensor([1.0000e-05, 2.0000e+00])");
        assert_eq!(repr(&[2], &[f64::NAN, 1.0]), "tensor([nan, 1.])");
        assert_eq!(repr(&[2], &[f64::INFINITY, -1.5]), "tensor([    inf, -1.5000])");
        assert_eq!(repr(&[], &[3.0]), "tensor(3.)");
        assert_eq!(repr(&[0, 3], &[]), "tensor([], size=(0, 3))");
        assert_eq!(repr(&[1, 1], &[0.0]), "tensor([[0.]])");
    }
}
