//! How results, settings and errors cross the boundary between a notebook and the engine: a
//! small text encoding, written by hand so that the notebook's crate needs no serde.
//!
//! Every value is a run of tokens, each followed by a space: whole numbers in decimal, floats
//! as the decimal of their bits (exact, NaN and infinities included), strings as `length:bytes`.
//! A message is its length in bytes on a line of its own, then the tokens.
//!
//! ```
//! use gradflow::wire::{decode, encode};
//! use gradflow::{LayerGradient, Shortcut};
//!
//! let layer = LayerGradient { name: "layers.0.0.weight".into(), weight_mean: 0.1, ..Default::default() };
//! assert_eq!(decode::<LayerGradient>(&encode(&layer))?, layer);
//! assert_eq!(encode(&Shortcut::On), b"1 ");
//! # Ok::<(), gradflow::Error>(())
//! ```

use std::io::{BufRead, Write};
use std::ops::RangeInclusive;

use crate::chart::{Drawing, Svg};
use crate::engine::{Frame, Request, Response};
use crate::explore::ExplorerConfig;
use crate::network::{DeepNetwork, NetworkBuilder};
use crate::results::{Explorer, GradientReport, LayerGradient, Sweep, SweepPoint, Training};
use crate::settings::{Activation, Shortcut};
use crate::sweep::SweepConfig;
use crate::train::TrainConfig;
use crate::{Error, Result};

/// Which encoding a message speaks: an engine built from other sources refuses it, and the
/// notebook is told to rebuild the engine instead of reading numbers wrongly.
pub const VERSION: u32 = 1;

/// A value that can cross the boundary.
pub trait Wire: Sized {
    /// Appends the value's tokens.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads the value's tokens back.
    fn take(input: &mut Reader<'_>) -> Result<Self>;
}

/// The tokens of `value`.
pub fn encode<T: Wire>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.put(&mut out);
    out
}

/// The value whose tokens are all of `bytes`.
pub fn decode<T: Wire>(bytes: &[u8]) -> Result<T> {
    let mut input = Reader { bytes, at: 0 };
    let value = T::take(&mut input)?;
    match input.at == bytes.len() {
        true => Ok(value),
        false => Err(garbled("tokens left over")),
    }
}

/// Writes one message: its length on a line, then its tokens.
pub fn write_message(out: &mut impl Write, tokens: &[u8]) -> std::io::Result<()> {
    writeln!(out, "{}", tokens.len())?;
    out.write_all(tokens)?;
    out.flush()
}

/// Reads one message's tokens; `None` where the stream ended before it began.
pub fn read_message(input: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let length: usize = line.trim_end().parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a message without its length",
        )
    })?;
    let mut tokens = vec![0; length];
    input.read_exact(&mut tokens)?;
    Ok(Some(tokens))
}

/// The error for a message that does not read as expected.
fn garbled(what: &str) -> Error {
    Error::Engine(format!(
        "sent a message that does not read ({what}); the engine and the notebook's crate are \
         from different sources: run `make setup` to rebuild the engine, then run the cell again"
    ))
}

/// Reads tokens from a message.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// The next token, without its space.
    fn token(&mut self) -> Result<&str> {
        let rest = &self.bytes[self.at..];
        let end = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| garbled("a token without its end"))?;
        self.at += end + 1;
        std::str::from_utf8(&rest[..end]).map_err(|_| garbled("a token that is not text"))
    }

    /// The next token as a number.
    fn number<T: std::str::FromStr>(&mut self) -> Result<T> {
        self.token()?.parse().map_err(|_| garbled("not a number"))
    }
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(self.to_string().as_bytes());
                out.push(b' ');
            }
            fn take(input: &mut Reader<'_>) -> Result<Self> {
                input.number()
            }
        }
    )*};
}
wire_number!(u8, u32, u64, usize, i64);

impl Wire for f32 {
    fn put(&self, out: &mut Vec<u8>) {
        self.to_bits().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        u32::take(input).map(f32::from_bits)
    }
}

impl Wire for f64 {
    fn put(&self, out: &mut Vec<u8>) {
        self.to_bits().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        u64::take(input).map(f64::from_bits)
    }
}

impl Wire for String {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("{}:", self.len()).as_bytes());
        out.extend_from_slice(self.as_bytes());
        out.push(b' ');
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        let rest = &input.bytes[input.at..];
        let colon = rest
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| garbled("a string without its length"))?;
        let length: usize = std::str::from_utf8(&rest[..colon])
            .ok()
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| garbled("a string's length"))?;
        let text = rest
            .get(colon + 1..colon + 1 + length)
            .filter(|_| rest.get(colon + 1 + length) == Some(&b' '))
            .ok_or_else(|| garbled("a string cut short"))?;
        let text =
            String::from_utf8(text.to_vec()).map_err(|_| garbled("a string that is not UTF-8"))?;
        input.at += colon + length + 2;
        Ok(text)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        self.iter().for_each(|item| item.put(out));
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        let length = usize::take(input)?;
        // Each item takes at least two bytes: a message cannot claim more items than that.
        if length > input.bytes.len() - input.at {
            return Err(garbled("a list longer than its message"));
        }
        (0..length).map(|_| T::take(input)).collect()
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        Ok((A::take(input)?, B::take(input)?))
    }
}

impl Wire for RangeInclusive<usize> {
    fn put(&self, out: &mut Vec<u8>) {
        self.start().put(out);
        self.end().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        Ok(usize::take(input)?..=usize::take(input)?)
    }
}

/// A struct as its fields in order.
macro_rules! wire_struct {
    ($name:ident { $($field:ident),* }) => {
        impl Wire for $name {
            fn put(&self, out: &mut Vec<u8>) {
                $(self.$field.put(out);)*
            }
            fn take(input: &mut Reader<'_>) -> Result<Self> {
                Ok($name { $($field: Wire::take(input)?),* })
            }
        }
    };
}

/// An enum as the number of its variant, then the variant's fields in order.
macro_rules! wire_enum {
    ($name:ident { $($number:literal => $variant:ident $({ $($field:ident),* })? $(( $($tuple:ident),* ))?),* $(,)? }) => {
        impl Wire for $name {
            #[allow(unused_variables)]
            fn put(&self, out: &mut Vec<u8>) {
                match self {
                    $($name::$variant $({ $($field),* })? $(( $($tuple),* ))? => {
                        ($number as u8).put(out);
                        $($($field.put(out);)*)?
                        $($($tuple.put(out);)*)?
                    })*
                }
            }
            fn take(input: &mut Reader<'_>) -> Result<Self> {
                Ok(match u8::take(input)? {
                    $($number => $name::$variant $({ $($field: Wire::take(input)?),* })? $(( $({ let $tuple = Wire::take(input)?; $tuple }),* ))?,)*
                    _ => return Err(garbled(concat!("an unknown ", stringify!($name)))),
                })
            }
        }
    };
}

wire_enum!(Shortcut { 0 => Off, 1 => On });
wire_enum!(Activation { 0 => Relu, 1 => Gelu, 2 => Tanh, 3 => Sigmoid });
wire_struct!(LayerGradient {
    name,
    weight_mean,
    weight_max,
    bias_mean,
    bias_max
});
wire_struct!(GradientReport {
    layers,
    layer_sizes,
    shortcut,
    activation,
    seed,
    runs,
    loss
});
wire_struct!(SweepPoint {
    width,
    depth,
    shortcut,
    first_layer
});
wire_struct!(Sweep {
    activation,
    seed,
    points
});
wire_struct!(Training {
    shortcut,
    losses,
    gradients
});
wire_struct!(Explorer {
    seed,
    depths,
    widths,
    activations,
    reports
});
wire_struct!(NetworkBuilder {
    layer_sizes,
    shortcut,
    activation,
    seed
});
wire_struct!(SweepConfig {
    widths,
    depths,
    activation,
    seed
});
wire_struct!(TrainConfig {
    layer_sizes,
    activation,
    seed,
    steps,
    learning_rate,
    samples
});
wire_struct!(ExplorerConfig {
    depths,
    widths,
    activations,
    seed
});

impl Wire for DeepNetwork {
    fn put(&self, out: &mut Vec<u8>) {
        self.settings().put(out);
    }
    /// Checked again: a network comes out of a message only if it could have been built.
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        NetworkBuilder::take(input)?.build()
    }
}

impl Wire for Svg {
    fn put(&self, out: &mut Vec<u8>) {
        self.as_str().to_owned().put(out);
        self.title().to_owned().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        Ok(Svg::new(String::take(input)?, String::take(input)?))
    }
}

/// An I/O error crosses as its message.
impl Wire for std::io::Error {
    fn put(&self, out: &mut Vec<u8>) {
        self.to_string().put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        String::take(input).map(std::io::Error::other)
    }
}

wire_enum!(Error {
    0 => TooFewSizes { got },
    1 => NonPositiveSize { index, size },
    2 => TooLarge { needed_mib, limit_mib },
    3 => InputWidth { expected, got },
    4 => NonFiniteInput { index, value },
    5 => UnknownActivation(name),
    6 => ZeroRuns,
    7 => Invalid { what, value, expected },
    8 => EmptyReport,
    9 => ReportMismatch { left, right },
    10 => EmptySweep,
    11 => EmptyTraining,
    12 => TrainingMismatch { left, right },
    13 => EmptyExplorer,
    14 => Chart(message),
    15 => Io { path, source },
    16 => Torch(message),
    17 => Engine(message),
});

wire_enum!(Drawing {
    0 => Layers(report),
    1 => Compare(without, with),
    2 => ActivationGrid(pairs),
    3 => Sweep(sweep),
    4 => Loss(runs),
    5 => Heatmap(runs),
    6 => ExplorerHtml(explorer),
    7 => ExplorerPage(explorer),
});

wire_enum!(Request {
    0 => Gradients { network, input, runs },
    1 => Sweep(config),
    2 => ActivationPairs { layer_sizes, seed },
    3 => Train { config, variants },
    4 => Explore(config),
    5 => Draw(drawing),
});

wire_enum!(Response {
    0 => Report(report),
    1 => Sweep(sweep),
    2 => Pairs(pairs),
    3 => Trainings(trainings),
    4 => Explorer(explorer),
    5 => Svg(svg),
    6 => Html(html),
});

wire_enum!(Frame {
    0 => Progress(line),
    1 => Done(answer),
});

/// A request as the client sends it: [`VERSION`], then the request.
pub fn encode_request(request: &Request) -> Vec<u8> {
    let mut tokens = encode(&VERSION);
    request.put(&mut tokens);
    tokens
}

/// The request of a message, refused if it speaks another [`VERSION`].
pub fn decode_request(tokens: &[u8]) -> Result<Request> {
    let mut input = Reader {
        bytes: tokens,
        at: 0,
    };
    let version = u32::take(&mut input)?;
    if version != VERSION {
        return Err(Error::Engine(format!(
            "speaks version {VERSION} of the protocol and the notebook's crate version {version}; \
             run `make setup` to rebuild the engine, then restart the kernel"
        )));
    }
    decode(&tokens[input.at..])
}

impl<T: Wire> Wire for Result<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Ok(value) => {
                0u8.put(out);
                value.put(out);
            }
            Err(error) => {
                1u8.put(out);
                error.put(out);
            }
        }
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        match u8::take(input)? {
            0 => Ok(Ok(T::take(input)?)),
            1 => Ok(Err(Error::take(input)?)),
            _ => Err(garbled("an unknown result")),
        }
    }
}
