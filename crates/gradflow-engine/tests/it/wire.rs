//! The boundary against bad bytes: every request of the protocol (a match on `RequestKind` that
//! the compiler checks is complete) and every variant of its enums crosses and comes back bit for bit (NaN,
//! infinities, signed zeros, empty lists and any text included); truncated, garbled, oversized
//! and other-version messages are typed `Error::Engine`s, never a panic; a message is read
//! into no more than was sent (or `wire::MAX_MESSAGE`) and decoded into no more than
//! `wire::MEMORY_PER_BYTE` times that, its worst shape included; an engine fed them keeps
//! serving, and answers at most `serve::MAX_CONNECTIONS` connections at once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use gradflow::protocol::{self as p, Binary, Drawing, ExplorerHtml, Filler, Request, RequestKind, ScalarOp, Unary};
use gradflow::hessian::HessianConfig;
use gradflow::landscape::LandscapeConfig;
use gradflow::sweep::SweepConfig;
use gradflow::settings::{Kind, Reduction};
use gradflow::train::TrainConfig;
use gradflow::wire::{self, decode, encode, read_message, Frame, Id, Wire};
use gradflow::{
    Activation, Curvature, Error, ExplorerConfig, GradientReport, LayerGradient, NetworkConfig,
    Shortcut, Surface, Svg, Sweep, SweepPoint, Training,
};
use proptest::prelude::*;

/// The largest single allocation this thread asked for while [`largest_allocation`] watched,
/// and all that it asked for while [`all_allocations`] watched.
struct Watching;

thread_local! {
    static WATCHED: Cell<Option<usize>> = const { Cell::new(None) };
    static SUMMED: Cell<Option<usize>> = const { Cell::new(None) };
}

unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = WATCHED.try_with(|largest| {
            if let Some(size) = largest.get() {
                largest.set(Some(size.max(layout.size())));
            }
        });
        let _ = SUMMED.try_with(|sum| {
            if let Some(size) = sum.get() {
                sum.set(Some(size + layout.size()));
            }
        });
        // SAFETY: the caller's layout is passed on unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, that is from the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// What `run` returns, and the largest allocation it made on this thread.
fn largest_allocation<T>(run: impl FnOnce() -> T) -> (T, usize) {
    WATCHED.with(|largest| largest.set(Some(0)));
    let value = run();
    let largest = WATCHED.with(|largest| largest.replace(None)).unwrap_or(0);
    (value, largest)
}

/// What `run` returns, and the bytes of all the allocations it made on this thread.
fn all_allocations<T>(run: impl FnOnce() -> T) -> (T, usize) {
    SUMMED.with(|sum| sum.set(Some(0)));
    let value = run();
    let sum = SUMMED.with(|sum| sum.replace(None)).unwrap_or(0);
    (value, sum)
}

fn floats() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<f32>(),
        Just(f32::NAN),
        Just(-f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
    ]
}

fn doubles() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), Just(f64::NAN), Just(-0.0), Just(f64::NEG_INFINITY)]
}

fn shortcut() -> impl Strategy<Value = Shortcut> {
    prop::sample::select(Shortcut::BOTH.to_vec())
}

fn activation() -> impl Strategy<Value = Activation> {
    prop::sample::select(Activation::ALL.to_vec())
}

fn id() -> impl Strategy<Value = Id> {
    (any::<u64>(), any::<u64>()).prop_map(|(engine, number)| Id { engine, number })
}

fn list<T: std::fmt::Debug>(item: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(item, 0..4)
}

fn layer() -> impl Strategy<Value = LayerGradient> {
    (any::<String>(), floats(), floats(), floats(), floats()).prop_map(|(name, a, b, c, d)| {
        LayerGradient {
            name,
            weight_mean: a,
            weight_max: b,
            bias_mean: c,
            bias_max: d,
        }
    })
}

fn report() -> impl Strategy<Value = GradientReport> {
    (list(layer()), list(any::<i64>()), shortcut(), activation(), any::<i64>()).prop_map(
        |(layers, layer_sizes, shortcut, activation, seed)| GradientReport {
            layers,
            layer_sizes,
            shortcut,
            activation,
            seed,
        },
    )
}

fn network() -> impl Strategy<Value = NetworkConfig> {
    (list(any::<i64>()), shortcut(), activation(), any::<i64>()).prop_map(
        |(layer_sizes, shortcut, activation, seed)| NetworkConfig {
            layer_sizes,
            shortcut,
            activation,
            seed,
        },
    )
}

fn training() -> impl Strategy<Value = Training> {
    (shortcut(), list(floats()), list(list(floats()))).prop_map(|(shortcut, losses, gradients)| {
        Training {
            shortcut,
            losses,
            gradients,
        }
    })
}

fn sweep() -> impl Strategy<Value = Sweep> {
    let point = (any::<i64>(), any::<usize>(), shortcut(), floats()).prop_map(
        |(width, depth, shortcut, first_layer)| SweepPoint {
            width,
            depth,
            shortcut,
            first_layer,
        },
    );
    (activation(), any::<i64>(), list(point)).prop_map(|(activation, seed, points)| Sweep {
        activation,
        seed,
        points,
    })
}

fn error() -> impl Strategy<Value = Error> {
    let text = any::<String>;
    prop_oneof![
        any::<usize>().prop_map(|got| Error::TooFewSizes { got }),
        (any::<usize>(), any::<i64>()).prop_map(|(index, size)| Error::NonPositiveSize { index, size }),
        (any::<u64>(), any::<u64>()).prop_map(|(needed_mib, limit_mib)| Error::TooLarge { needed_mib, limit_mib }),
        (any::<usize>(), any::<usize>()).prop_map(|(expected, got)| Error::InputWidth { expected, got }),
        (any::<usize>(), doubles()).prop_map(|(index, value)| Error::NonFiniteInput { index, value }),
        text().prop_map(Error::UnknownActivation),
        Just(()).prop_map(|()| Error::ZeroRuns),
        (text(), text(), text())
            .prop_map(|(what, value, expected)| Error::Invalid { what, value, expected }),
        Just(()).prop_map(|()| Error::EmptyReport),
        Just(()).prop_map(|()| Error::EmptySweep),
        Just(()).prop_map(|()| Error::EmptyTraining),
        Just(()).prop_map(|()| Error::EmptyExplorer),
        text().prop_map(Error::Chart),
        (text(), text()).prop_map(|(path, message)| Error::Io {
            path,
            source: std::io::Error::other(message),
        }),
        text().prop_map(Error::Torch),
        text().prop_map(Error::Engine),
        (text(), text()).prop_map(|(name, known)| Error::UnknownOperation { name, known }),
    ]
}

/// A value crosses exactly when its tokens read back to a value with the same tokens (floats
/// cross as their bits, so NaN's payload and zero's sign count); every shorter message, and
/// the message with a byte changed, reads as an `Error::Engine` or a value, never a panic.
fn crosses<T: Wire>(value: &T) -> Result<(), TestCaseError> {
    let tokens = encode(value);
    let back = decode::<T>(&tokens).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(encode(&back), tokens.clone());
    for end in 0..tokens.len() {
        let cut = decode::<T>(&tokens[..end]);
        prop_assert!(matches!(cut, Err(Error::Engine(_))), "{} of {} bytes read", end, tokens.len());
    }
    for at in 0..tokens.len() {
        let mut garbled = tokens.clone();
        garbled[at] ^= 0x5a;
        if let Err(error) = decode::<T>(&garbled) {
            prop_assert!(matches!(error, Error::Engine(_) | Error::UnknownOperation { .. }), "{}", error);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn results_cross_exactly(report in report(), sweep in sweep(), training in training()) {
        crosses(&report)?;
        crosses(&sweep)?;
        crosses(&vec![training.clone(), training])?;
        crosses(&Svg::new("<svg/>".into(), "a title".into()))?;
    }

    #[test]
    fn errors_and_frames_cross_exactly(error in error(), line in any::<String>(), report in report()) {
        crosses(&Frame::<GradientReport>::Done(Err(error)))?;
        crosses(&Frame::<GradientReport>::Done(Ok(report)))?;
        crosses(&Frame::<()>::Progress(line))?;
    }

    #[test]
    fn every_request_crosses_exactly(
        network in network(),
        ids in list(id()),
        x in id(),
        values in list(doubles()),
        factor in doubles(),
        input in list(doubles()),
        names in list(any::<String>()),
        report in report(),
        training in training(),
        sweep in sweep(),
    ) {
        let parameters: Vec<(String, Id)> = names.iter().cloned().zip(ids.clone()).collect();
        let explorer = ExplorerConfig { depths: 1..=1, widths: vec![1], ..ExplorerConfig::default() };
        let explorer = explorer.explorer(vec![GradientReport::default(); 8]).unwrap();
        for &kind in RequestKind::ALL {
            // Every request, with each variant of the enums in its fields; a request added to
            // the protocol without a case here does not compile.
            match kind {
                RequestKind::FromSlice => {
                    for kind_of in [Kind::Float, Kind::Double] {
                        crosses_as(kind, &p::FromSlice { values: values.clone(), shape: vec![], kind: kind_of })?;
                    }
                }
                RequestKind::Fill => {
                    for filler in [Filler::Zeros, Filler::Ones, Filler::Randn] {
                        crosses_as(kind, &p::Fill { filler, size: vec![-1, 0, i64::MAX], kind: Kind::Double })?;
                    }
                    prop_assert_eq!(Filler::VARIANTS.len(), 3);
                }
                RequestKind::Apply => {
                    for &op in Unary::ALL {
                        crosses_as(kind, &p::Apply { op, x })?;
                    }
                }
                RequestKind::Combine => {
                    let ops = [Binary::Add, Binary::Sub, Binary::Mul, Binary::Div, Binary::Pow, Binary::Matmul];
                    prop_assert_eq!(every_variant(&ops, |op| op.variant()), Binary::VARIANTS);
                    for op in ops {
                        crosses_as(kind, &p::Combine { op, x, y: x })?;
                    }
                }
                RequestKind::WithScalar => {
                    let ops = [ScalarOp::Add, ScalarOp::Sub, ScalarOp::Mul, ScalarOp::Div, ScalarOp::Pow, ScalarOp::RSub, ScalarOp::RDiv];
                    prop_assert_eq!(every_variant(&ops, |op| op.variant()), ScalarOp::VARIANTS);
                    for op in ops {
                        crosses_as(kind, &p::WithScalar { op, x, scalar: factor })?;
                    }
                }
                RequestKind::ApplyLinear => {
                    crosses_as(kind, &p::ApplyLinear { x, weight: x, bias: None })?;
                    crosses_as(kind, &p::ApplyLinear { x, weight: x, bias: Some(x) })?;
                }
                RequestKind::ApplyLayerNorm => crosses_as(kind, &p::ApplyLayerNorm { x, normalized_shape: vec![3], weight: Some(x), bias: None, eps: factor })?,
                RequestKind::Mean => crosses_as(kind, &p::Mean { x, kind: Some(Kind::Float) })?,
                RequestKind::Sum => crosses_as(kind, &p::Sum { x, kind: None })?,
                RequestKind::Max => crosses_as(kind, &p::Max { x })?,
                RequestKind::MseLoss => {
                    for reduction in [Reduction::None, Reduction::Mean, Reduction::Sum] {
                        crosses_as(kind, &p::MseLoss { x, target: x, reduction })?;
                    }
                    prop_assert_eq!(Reduction::VARIANTS.len(), 3);
                }
                RequestKind::Backward => crosses_as(kind, &p::Backward { x })?,
                RequestKind::ZeroGrad => crosses_as(kind, &p::ZeroGrad { x })?,
                RequestKind::Size => crosses_as(kind, &p::Size { x })?,
                RequestKind::DoubleValue => crosses_as(kind, &p::DoubleValue { x, index: vec![-1, 0, i64::MAX] })?,
                RequestKind::Item => crosses_as(kind, &p::Item { x })?,
                RequestKind::Print => crosses_as(kind, &p::Print { x })?,
                RequestKind::ManualSeed => crosses_as(kind, &p::ManualSeed { seed: i64::MIN })?,
                RequestKind::Free => crosses_as(kind, &p::Free { ids: ids.clone() })?,
                RequestKind::NewVarStore => crosses_as(kind, &p::NewVarStore {})?,
                RequestKind::NewLinear => crosses_as(kind, &p::NewLinear { vs: x, name: names.join("."), fan_in: -1, fan_out: 0, bias: false })?,
                RequestKind::NewLayerNorm => crosses_as(kind, &p::NewLayerNorm { vs: x, name: names.join("."), shape: vec![0, -1] })?,
                RequestKind::NamedParameters => crosses_as(kind, &p::NamedParameters { owner: x })?,
                RequestKind::ZeroGrads => crosses_as(kind, &p::ZeroGrads { owner: x })?,
                RequestKind::NetworkConfig => crosses_as(kind, &network)?,
                RequestKind::Forward => crosses_as(kind, &p::Forward { model: x, x })?,
                RequestKind::ParameterGradients => crosses_as(kind, &p::ParameterGradients { parameters: parameters.clone() })?,
                RequestKind::Gradients => crosses_as(kind, &p::Gradients { model: x, input: input.clone() })?,
                RequestKind::SweepConfig => crosses_as(kind, &SweepConfig { widths: vec![], depths: vec![usize::MAX], ..SweepConfig::default() })?,
                RequestKind::ActivationPairs => crosses_as(kind, &p::ActivationPairs { layer_sizes: vec![], seed: i64::MIN })?,
                RequestKind::Train => crosses_as(kind, &p::Train { config: TrainConfig { learning_rate: factor, ..TrainConfig::default() }, variants: vec![Shortcut::Off, Shortcut::On] })?,
                RequestKind::ExplorerConfig => crosses_as(kind, &ExplorerConfig { depths: std::ops::RangeInclusive::new(3, 1), ..ExplorerConfig::default() })?, // an empty grid crosses too
                RequestKind::Task => crosses_as(kind, &p::Task { layer_sizes: vec![-1, 0], samples: i64::MIN, seed: i64::MAX })?,
                RequestKind::LandscapeConfig => crosses_as(kind, &LandscapeConfig { span: factor, points: usize::MAX, ..LandscapeConfig::default() })?,
                RequestKind::SurfaceDirections => crosses_as(kind, &p::SurfaceDirections { parameters: ids.clone(), directions: 0, seed: i64::MIN })?,
                RequestKind::MoveTo => {
                    crosses_as(kind, &p::MoveTo { directions: x, point: Some((factor, -factor)) })?;
                    crosses_as(kind, &p::MoveTo { directions: x, point: None })?;
                }
                RequestKind::HessianConfig => crosses_as(kind, &HessianConfig { tolerance: factor, at_steps: vec![usize::MAX, 0], ..HessianConfig::default() })?,
                RequestKind::LossCurvature => crosses_as(kind, &p::LossCurvature { loss: x, parameters: ids.clone(), config: HessianConfig::default(), shortcut: Shortcut::On })?,
                RequestKind::Drawing => {
                    let floats: Vec<f32> = values.iter().map(|&v| v as f32).collect();
                    let surface = Surface { shortcut: Shortcut::On, steps: usize::MAX, directions: 2, coordinates: values.clone(), losses: floats.clone() };
                    let curvature = Curvature {
                        shortcut: Shortcut::Off, step: 7, loss: factor as f32, parameters: ids.len(), eigenvalues: floats.clone(),
                        top_eigenvalue: factor, iterations: 3, trace: -factor, trace_samples: 100, nodes: floats.clone(), weights: floats,
                    };
                    let drawings = [
                        Drawing::Layers(report.clone()),
                        Drawing::Compare(report.clone(), report.clone()),
                        Drawing::ActivationGrid(vec![(report.clone(), report.clone())]),
                        Drawing::Sweep(sweep.clone()),
                        Drawing::Loss(vec![training.clone()]),
                        Drawing::Heatmap(vec![training.clone()]),
                        Drawing::Landscape(vec![surface.clone(), surface]),
                        Drawing::Spectrum(vec![curvature.clone()]),
                        Drawing::Sharpness(vec![curvature]),
                    ];
                    prop_assert_eq!(every_variant(&drawings, Drawing::variant), Drawing::VARIANTS);
                    for drawing in &drawings {
                        crosses_as(kind, drawing)?;
                    }
                }
                RequestKind::ExplorerHtml => {
                    let pages = [ExplorerHtml::Cell(explorer.clone()), ExplorerHtml::Page(explorer.clone())];
                    prop_assert_eq!(every_variant(&pages, ExplorerHtml::variant), ExplorerHtml::VARIANTS);
                    for page in &pages {
                        crosses_as(kind, page)?;
                    }
                }
            }
        }
    }
}

/// A request of `kind` crosses exactly, as a request (its name and fields after the version
/// and the frees) and as a value.
fn crosses_as<R: Request>(kind: RequestKind, request: &R) -> Result<(), TestCaseError> {
    prop_assert_eq!(R::NAME, kind.name());
    crosses(request)?;
    let frees = [Id { engine: 1, number: u64::MAX }];
    let tokens = p::encode_request(request, &frees);
    let (freed, name, mut fields) = p::decode_request(&tokens).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!((freed.as_slice(), name.as_str()), (frees.as_slice(), R::NAME));
    let back = R::take(&mut fields).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(fields.finish().is_ok());
    // Compared as tokens, so that a NaN's bits count and equal themselves.
    prop_assert_eq!(encode(&back), encode(request));
    Ok(())
}

/// The variants that `values` cover, in the order of `VARIANTS`, each once.
fn every_variant<T>(values: &[T], variant: impl Fn(&T) -> &'static str) -> Vec<&'static str> {
    values.iter().map(variant).collect()
}

/// A whole request's message, as the client sends it: its length line, then its tokens.
fn message(tokens: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_message(&mut out, tokens).unwrap();
    out
}

#[test]
fn a_length_beyond_any_message_is_refused_before_anything_is_allocated() {
    let (_, seen) = largest_allocation(|| vec![0u8; 1 << 20]);
    assert!(seen >= 1 << 20, "the watch sees allocations");
    for announced in [1u64 << 63, u64::MAX, (wire::MAX_MESSAGE + 1) as u64] {
        let bytes = format!("{announced}\n1 2 3 ").into_bytes();
        let (read, largest) = largest_allocation(|| read_message(&mut &bytes[..]));
        let error = read.expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{announced}: {error}");
        assert!(largest < 1 << 10, "{announced}: allocated {largest} bytes");
    }
    // A length within bounds but more than was sent is cut short, after allocating no more
    // than the first 64 KiB of it (the bound of a read before its bytes arrive).
    let bytes = format!("{}\nshort ", wire::MAX_MESSAGE).into_bytes();
    let (read, largest) = largest_allocation(|| read_message(&mut &bytes[..]));
    assert_eq!(read.unwrap_err().to_string(), "a message cut short");
    assert!(largest <= 1 << 16, "allocated {largest} bytes");
}

#[test]
fn a_length_line_that_never_ends_is_refused() {
    let endless = vec![b'7'; 1 << 20];
    let (read, largest) = largest_allocation(|| read_message(&mut &endless[..]));
    assert!(read.is_err());
    assert!(largest < 1 << 10, "allocated {largest} bytes");
    assert!(read_message(&mut &b"12 \n"[..]).is_err());
    assert!(read_message(&mut &b"-1\n"[..]).is_err());
    assert_eq!(read_message(&mut &b""[..]).unwrap(), None);
}

/// Sends `bytes` to this process's engine (started by the tests before) and reads its answer
/// to a request of type `R`.
fn raw_answer<R: Request>(bytes: &[u8]) -> (gradflow::Result<R::Answer>, Duration) {
    let begun = Instant::now();
    let stream = UnixStream::connect(gradflow::client::socket().unwrap()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    (&stream).write_all(bytes).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let tokens = read_message(&mut BufReader::new(&stream))
        .expect("an answer within 30 s")
        .expect("an answer, not a closed connection");
    match decode::<Frame<R::Answer>>(&tokens).expect("a frame") {
        Frame::Done(answer) => (answer, begun.elapsed()),
        Frame::Progress(line) => panic!("progress from a bad request: {line}"),
    }
}

#[test]
fn the_engine_refuses_bad_messages_by_name_and_keeps_serving() {
    let report = || {
        let model = gradflow::DeepNetwork::builder(&[3, 3, 1]).build().unwrap();
        model.gradients(&[1.0, 0.0, -1.0]).unwrap()
    };
    let expected = report();
    // A connection that sends half a request and waits holds one worker, not the engine.
    let half = UnixStream::connect(gradflow::client::socket().unwrap()).unwrap();
    (&half).write_all(b"1000\n3 0 7:network ").unwrap();

    let request = p::encode_request(&NetworkConfig::default(), &[]);
    let other_version = [b"2 ".as_slice(), &request[2..]].concat();
    let unknown_name = p::encode_request(&NetworkConfig::default(), &[]).replace_name("network", "netwerk");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("another version", message(&other_version), "speaks version 3 of the protocol"),
        ("an unknown request", message(&unknown_name), "has no request \"netwerk\""),
        ("a truncated request", message(&request[..request.len() - 3]), "does not read"),
        ("tokens left over", message(&[request.as_slice(), b"9 "].concat()), "tokens left over"),
        ("a length of 2^63", b"9223372036854775808\n".to_vec(), "could not read a request"),
        ("a cut message", b"100\n2 ".to_vec(), "could not read a request"),
        ("no length", b"hello\n".to_vec(), "could not read a request"),
    ];
    for (what, bytes, said) in cases {
        let (answer, took) = raw_answer::<NetworkConfig>(&bytes);
        let error = answer.expect_err(what);
        assert!(matches!(error, Error::Engine(_)), "{what}: {error}");
        assert!(error.to_string().contains(said), "{what}: {error}");
        println!("{what}: refused in {} ms", took.as_millis());
        assert_eq!(report(), expected, "after {what} the engine still answers");
    }
    drop(half);
}

/// Replaces a request's wire name, as a crate from other sources would send it.
trait ReplaceName {
    fn replace_name(self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceName for Vec<u8> {
    fn replace_name(self, from: &str, to: &str) -> Vec<u8> {
        let (from, to) = (format!("{}:{from} ", from.len()), format!("{}:{to} ", to.len()));
        let at = self.windows(from.len()).position(|w| w == from.as_bytes()).unwrap();
        [&self[..at], to.as_bytes(), &self[at + from.len()..]].concat()
    }
}

#[test]
fn a_request_reads_back_as_its_frees_name_and_fields() {
    let frees = [Id { engine: 7, number: 1 }, Id { engine: 7, number: 2 }];
    let request = p::Size { x: Id { engine: 7, number: 3 } };
    let tokens = p::encode_request(&request, &frees);
    let (freed, name, mut fields) = p::decode_request(&tokens).unwrap();
    assert_eq!((freed.as_slice(), name.as_str()), (frees.as_slice(), "size"));
    assert_eq!(p::Size::take(&mut fields).unwrap(), request);
    fields.finish().expect("no tokens after the request's fields");
    let longer = [tokens.as_slice(), b"0 "].concat();
    let (_, _, mut fields) = p::decode_request(&longer).unwrap();
    p::Size::take(&mut fields).unwrap();
    assert!(fields.finish().is_err(), "a token after the fields is noticed");
}

/// The worst shape the types allow: a list of empty lists, two bytes on the wire for each
/// 24-byte `Vec` in memory.
fn lists_of_empty_lists(count: usize) -> Vec<u8> {
    let mut tokens = format!("{count} ").into_bytes();
    tokens.extend(b"0 ".repeat(count));
    tokens
}

#[test]
fn a_decoded_message_holds_at_most_its_allowance_of_memory() {
    // The worst shape decodes within the allowance: every byte it allocates counted.
    let tokens = lists_of_empty_lists(100_000);
    let (lists, allocated) = all_allocations(|| decode::<Vec<Vec<f32>>>(&tokens));
    assert_eq!(lists.unwrap().len(), 100_000);
    assert!(
        allocated <= wire::MEMORY_PER_BYTE * tokens.len(),
        "{allocated} bytes for a message of {}",
        tokens.len()
    );
    assert!(
        allocated >= 11 * tokens.len(),
        "the shape is the worst: {allocated} bytes"
    );
    // A type larger in memory than the allowance per two bytes is refused before it is made.
    type Large = Option<(GradientReport, Training)>;
    assert!(std::mem::size_of::<Large>() > 2 * wire::MEMORY_PER_BYTE);
    let tokens = [format!("100000 ").as_bytes(), &b"0 ".repeat(100_000)].concat();
    let (decoded, largest) = largest_allocation(|| decode::<Vec<Large>>(&tokens));
    let error = decoded.expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("more memory than its size allows"),
        "{error}"
    );
    assert!(
        largest < 1 << 10,
        "allocated {largest} bytes before refusing"
    );
    // So is a string counted against what the lists before it took.
    let tokens = [lists_of_empty_lists(1000), b"4:abcd ".to_vec()].concat();
    assert!(decode::<(Vec<Vec<f32>>, String)>(&tokens).is_ok());
}

#[test]
fn an_engine_answers_a_bounded_number_of_connections_at_once() {
    use gradflow_engine::serve::MAX_CONNECTIONS;
    let folder = std::env::temp_dir().join(format!("gradflow-busy-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir(&folder).unwrap();
    let socket = folder.join("engine.sock");
    let mut engine = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .arg("serve")
        .arg(&socket)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut BufReader::new(engine.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    assert_eq!(ready, "ready\n");
    // Connections that send nothing each hold a worker (until the request's time-out).
    let held: Vec<_> = (0..MAX_CONNECTIONS)
        .map(|_| UnixStream::connect(&socket).unwrap())
        .collect();
    let answer = |stream: &UnixStream| {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let tokens = read_message(&mut BufReader::new(stream)).unwrap().unwrap();
        match decode::<Frame<()>>(&tokens).unwrap() {
            Frame::Done(answer) => answer,
            Frame::Progress(line) => panic!("progress: {line}"),
        }
    };
    let refused = UnixStream::connect(&socket).unwrap();
    let said = answer(&refused).expect_err("refused").to_string();
    assert!(
        said.contains(&format!(
            "is answering {MAX_CONNECTIONS} connections at once"
        )),
        "{said}"
    );
    drop(held);
    // Once they are gone, a request is answered.
    let stream = (0..100).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        let stream = UnixStream::connect(&socket).unwrap();
        wire::write_message(&mut &stream, &p::encode_request(&p::Free { ids: vec![] }, &[])).unwrap();
        Some(stream).filter(|stream| answer(stream).is_ok())
    });
    assert!(
        stream.is_some(),
        "the engine answers again once the connections close"
    );
    drop(engine.stdin.take());
    engine.wait().unwrap();
    std::fs::remove_dir_all(folder).unwrap();
}
