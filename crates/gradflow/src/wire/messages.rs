//! gradflow's own values on the wire: settings, results, configurations, errors and the
//! messages of [`crate::engine`], each as its fields in order.

use super::{decode, encode, garbled, Reader, Wire, VERSION};
use crate::chart::{Drawing, Svg};
use crate::engine::{Frame, Request, Response};
use crate::explore::ExplorerConfig;
use crate::network::NetworkConfig;
use crate::results::{Explorer, GradientReport, LayerGradient, Sweep, SweepPoint, Training};
use crate::settings::{Activation, Shortcut};
use crate::sweep::SweepConfig;
use crate::train::TrainConfig;
use crate::{Error, Result};

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
wire_struct!(NetworkConfig {
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
