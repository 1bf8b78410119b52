//! Values printed as Python prints them: floats, so report lines match the seed character for
//! character, and a value's printout shown as a Jupyter cell's output.
//!
//! ```
//! use gradflow::repr::float_repr;
//!
//! assert_eq!(float_repr(0.0006875668186694384), "0.0006875668186694384");
//! assert_eq!(float_repr(2.4473700250382535e-05), "2.4473700250382535e-05");
//! assert_eq!(float_repr(0.0), "0.0");
//! ```

/// Shows `value`'s printout as a Jupyter cell's plain-text output in evcxr (what each type's
/// `evcxr_display` does, for a tensor, a network, a report).
pub fn show_text(value: &dyn std::fmt::Display) {
    println!("EVCXR_BEGIN_CONTENT text/plain\n{value}\nEVCXR_END_CONTENT");
}

/// Each item's printout on a line of its own: a list of results (surfaces, curvatures) as a
/// cell prints it with `println!("{}", lines(&results))`.
pub fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join("\n")
}

/// `repr(x)` in Python: the shortest digits that read back as `x`, in positional notation
/// for decimal exponents from -4 to 15 and in exponent notation (`1e-05`, `1e+16`) otherwise.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exponent) = shortest_digits(x.abs());
    if (-4..16).contains(&exponent) {
        format!("{sign}{}", positional(&digits, exponent))
    } else {
        let mantissa = match digits.split_at(1) {
            (first, "") => first.to_owned(),
            (first, rest) => format!("{first}.{rest}"),
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{mantissa}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// The shortest digits d₀d₁… and exponent e with d₀.d₁… × 10^e == x (x positive and finite).
///
/// Rust's `{:e}` gives the shortest digits that read back as `x`, but where two such strings
/// are equally close it may take the one with an odd last digit; Python takes the even one.
fn shortest_digits(x: f64) -> (String, i32) {
    let (digits, exponent) = split_scientific(&format!("{x:e}"));
    // Every f64 has an exact decimal expansion of at most 767 significant digits.
    let (exact, exact_exponent) = split_scientific(&format!("{x:.780e}"));
    let n = digits.len();
    let is_tie = exact_exponent == exponent
        && exact.len() > n
        && exact[n..].starts_with('5')
        && exact[n + 1..].bytes().all(|b| b == b'0');
    let last = digits.as_bytes()[n - 1] - b'0';
    if is_tie && last % 2 == 1 {
        // The other candidate is the neighbour in the last digit, on the far side of x.
        let rounded_down = exact.starts_with(&digits);
        let other = if rounded_down { last + 1 } else { last - 1 };
        let candidate = format!("{}{}", &digits[..n - 1], other);
        if format!("0.{candidate}e{}", exponent + 1).parse::<f64>() == Ok(x) {
            return (candidate, exponent);
        }
    }
    (digits, exponent)
}

/// "2.4473e-5" → ("24473", -5).
fn split_scientific(scientific: &str) -> (String, i32) {
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}

/// Places the decimal point in `digits` (d₀d₁d₂…, meaning d₀.d₁d₂… × 10^exponent).
fn positional(digits: &str, exponent: i32) -> String {
    if exponent < 0 {
        let zeros = "0".repeat(exponent.unsigned_abs() as usize - 1);
        return format!("0.{zeros}{digits}");
    }
    let whole = exponent as usize + 1;
    if digits.len() <= whole {
        format!("{digits}{}.0", "0".repeat(whole - digits.len()))
    } else {
        format!("{}.{}", &digits[..whole], &digits[whole..])
    }
}

#[cfg(test)]
mod tests {
    use super::float_repr;

    /// Each expected string is what Python 3.11 prints for `repr(x)`.
    #[test]
    fn matches_python_repr() {
        let cases = [
            (0.5557742714881897, "0.5557742714881897"),
            (3.140749216079712, "3.140749216079712"),
            (f64::from(0.1_f32), "0.10000000149011612"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-300, "1e-300"),
            (-0.0, "-0.0"),
            (546.67877197265625, "546.6787719726562"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, python) in cases {
            assert_eq!(float_repr(x), python, "repr({x:e})");
        }
    }
}
