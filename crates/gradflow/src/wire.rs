//! How requests, answers and errors cross the boundary between a notebook and the engine: a
//! small text encoding, written by hand so that the notebooks' crate needs no serde.
//!
//! Every value is a run of tokens, each followed by a space: whole numbers in decimal, floats
//! as the decimal of their bits (exact, NaN, infinities and signed zeros included), strings as
//! `length:bytes`, lists as their length and then their items. A message is its length in
//! bytes on a line of its own, then its tokens. What a message says, and the
//! version, is `protocol.rs`'s; the engine answers with [`Frame`]s.
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

use std::io::{BufRead, Read, Write};
use std::ops::RangeInclusive;

use crate::error::{Error, Result};

/// The longest message either side reads (the explorer's grid, the largest, is a few MiB):
/// a peer that announces more is refused before anything is allocated for it.
pub const MAX_MESSAGE: usize = 256 << 20;

/// The most memory a decoded message may hold, per byte of its tokens. Each list is counted
/// at its items' size in memory, and each string at its length, before either is made: a message
/// that would take more is refused as garbled, so neither side holds more than this multiple of
/// what it was sent. The most that the types here take is 12 per byte, for a list of empty lists
/// (`0 `, two bytes on the wire, is a 24-byte `Vec` in memory).
pub const MEMORY_PER_BYTE: usize = 16;

/// A value that can cross the boundary.
pub trait Wire: Sized {
    /// Appends the value's tokens.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads the value's tokens back.
    fn take(input: &mut Reader<'_>) -> Result<Self>;
}

/// A value that lives in the engine, as the wire names it: the engine that made it (each
/// engine draws a generation when it starts) and its number there. A handle from an engine
/// that has stopped since is refused by name, never taken for another value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Id {
    pub engine: u64,
    pub number: u64,
}

/// What the engine sends while it answers a request: progress lines, then the answer.
#[derive(Debug)]
pub enum Frame<T> {
    Progress(String),
    Done(Result<T>),
}

/// The tokens of `value`.
pub fn encode<T: Wire>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.put(&mut out);
    out
}

/// The value whose tokens are all of `bytes`.
pub fn decode<T: Wire>(bytes: &[u8]) -> Result<T> {
    let mut input = Reader::new(bytes);
    let value = T::take(&mut input)?;
    input.finish()?;
    Ok(value)
}

/// Writes one message: its length on a line, then its tokens.
pub fn write_message(out: &mut impl Write, tokens: &[u8]) -> std::io::Result<()> {
    let mut message = format!("{}\n", tokens.len()).into_bytes();
    message.extend_from_slice(tokens);
    out.write_all(&message)?;
    out.flush()
}

/// Reads one message's tokens; `None` where the stream ended before it began. A length over
/// [`MAX_MESSAGE`] is refused, and the tokens are read as they come, so that a peer cannot make
/// this side allocate more than it has sent.
pub fn read_message(input: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = Vec::new();
    // The longest length line: 20 digits and its newline.
    input.take(21).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    let length: usize = std::str::from_utf8(&line)
        .ok()
        .and_then(|line| line.strip_suffix('\n'))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| invalid("a message without its length"))?;
    if length > MAX_MESSAGE {
        return Err(invalid("a message longer than any gradflow sends"));
    }
    let mut tokens = Vec::with_capacity(length.min(1 << 16));
    input.take(length as u64).read_to_end(&mut tokens)?;
    if tokens.len() < length {
        return Err(invalid("a message cut short"));
    }
    Ok(Some(tokens))
}

/// The error for a message that does not read as expected.
pub(crate) fn garbled(what: &str) -> Error {
    Error::Engine(format!(
        "and the notebook's crate exchanged a message that does not read ({what}); they are \
         from different sources: run `make setup` to rebuild the engine, then run the cell again"
    ))
}

/// Reads tokens from a message.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The memory that the values still to be read may take ([`MEMORY_PER_BYTE`]).
    allowance: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            at: 0,
            allowance: bytes.len().saturating_mul(MEMORY_PER_BYTE),
        }
    }

    /// Takes `bytes` of memory from the allowance, before they are allocated.
    fn allocate(&mut self, bytes: usize) -> Result<()> {
        self.allowance = self
            .allowance
            .checked_sub(bytes)
            .ok_or_else(|| garbled("values that would take more memory than its size allows"))?;
        Ok(())
    }

    /// Refuses tokens left after the value.
    pub fn finish(&self) -> Result<()> {
        match self.at == self.bytes.len() {
            true => Ok(()),
            false => Err(garbled("tokens left over")),
        }
    }

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

impl Wire for bool {
    fn put(&self, out: &mut Vec<u8>) {
        u8::from(*self).put(out);
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        match u8::take(input)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(garbled("an unknown bool")),
        }
    }
}

impl Wire for () {
    fn put(&self, _: &mut Vec<u8>) {}
    fn take(_: &mut Reader<'_>) -> Result<Self> {
        Ok(())
    }
}

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
            .get(colon + 1..)
            .and_then(|rest| rest.get(..length))
            .filter(|_| rest.get(colon + 1 + length) == Some(&b' '))
            .ok_or_else(|| garbled("a string cut short"))?;
        input.allocate(length)?;
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
        input.allocate(length.saturating_mul(std::mem::size_of::<T>()))?;
        // Made at its size once, as counted: collecting would grow it by doubling.
        let mut items = Vec::with_capacity(length);
        for _ in 0..length {
            items.push(T::take(input)?);
        }
        Ok(items)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => 0u8.put(out),
            Some(value) => {
                1u8.put(out);
                value.put(out);
            }
        }
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        match u8::take(input)? {
            0 => Ok(None),
            1 => Ok(Some(T::take(input)?)),
            _ => Err(garbled("an unknown option")),
        }
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
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::wire::Wire for $name {
            #[allow(unused_variables)]
            fn put(&self, out: &mut Vec<u8>) {
                $($crate::wire::Wire::put(&self.$field, out);)*
            }
            #[allow(unused_variables)]
            fn take(input: &mut $crate::wire::Reader<'_>) -> $crate::error::Result<Self> {
                Ok($name { $($field: $crate::wire::Wire::take(input)?),* })
            }
        }
    };
}

/// An enum as the number of its variant, then the variant's fields in order.
macro_rules! wire_enum {
    ($name:ident { $($number:literal => $variant:ident $({ $($field:ident),* })? $(( $($tuple:ident),* ))?),* $(,)? }) => {
        impl $crate::wire::Wire for $name {
            #[allow(unused_variables)]
            fn put(&self, out: &mut Vec<u8>) {
                match self {
                    $($name::$variant $({ $($field),* })? $(( $($tuple),* ))? => {
                        $crate::wire::Wire::put(&($number as u8), out);
                        $($($crate::wire::Wire::put($field, out);)*)?
                        $($($crate::wire::Wire::put($tuple, out);)*)?
                    })*
                }
            }
            fn take(input: &mut $crate::wire::Reader<'_>) -> $crate::error::Result<Self> {
                Ok(match <u8 as $crate::wire::Wire>::take(input)? {
                    $($number => $name::$variant $({ $($field: $crate::wire::Wire::take(input)?),* })? $(( $({ let $tuple = $crate::wire::Wire::take(input)?; $tuple }),* ))?,)*
                    _ => return Err($crate::wire::garbled(concat!("an unknown ", stringify!($name)))),
                })
            }
        }

        impl $name {
            /// The variants' names, in the order of their numbers on the wire: what a test of
            /// every variant checks it has sent.
            #[doc(hidden)]
            pub const VARIANTS: &'static [&'static str] = &[$(stringify!($variant)),*];

            /// This value's variant, as [`VARIANTS`](Self::VARIANTS) names it.
            #[doc(hidden)]
            #[allow(unused_variables)]
            pub fn variant(&self) -> &'static str {
                match self {
                    $($name::$variant $({ $($field),* })? $(( $($tuple),* ))? => stringify!($variant),)*
                }
            }
        }
    };
}

pub(crate) use {wire_enum, wire_struct};

wire_struct!(Id { engine, number });

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
    18 => UnknownOperation { name, known },
});

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

impl<T: Wire> Wire for Frame<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Progress(line) => {
                0u8.put(out);
                line.put(out);
            }
            Frame::Done(answer) => {
                1u8.put(out);
                answer.put(out);
            }
        }
    }
    fn take(input: &mut Reader<'_>) -> Result<Self> {
        match u8::take(input)? {
            0 => Ok(Frame::Progress(String::take(input)?)),
            1 => Ok(Frame::Done(Result::take(input)?)),
            _ => Err(garbled("an unknown frame")),
        }
    }
}
