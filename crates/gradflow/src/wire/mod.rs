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
pub(crate) fn garbled(what: &str) -> Error {
    Error::Engine(format!(
        "sent a message that does not read ({what}); the engine and the notebook's crate are \
         from different sources: run `make setup` to rebuild the engine, then run the cell again"
    ))
}

/// Reads tokens from a message.
pub struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
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

mod messages;

pub use messages::{decode_request, encode_request};
