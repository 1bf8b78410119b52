//! `gradflow serve SOCKET`: the engine the notebooks' light crate talks to ([`gradflow::client`]),
//! answering the requests of [`gradflow::protocol`].
//!
//! It listens on a Unix socket, answers each connection's one request on a worker thread of
//! its own (libtorch's generator is locked while weights are drawn, and the [`Store`] while a handle's
//! value is used, so answers do not mix), sends the call's progress lines as they come, and
//! stops when its standard input closes, which happens when the notebook's process ends,
//! however it ends.

use std::io::{BufReader, Read};
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gradflow::protocol::{self as p, RequestKind};
use gradflow::wire::{self, read_message, write_message, Frame, Reader};

use crate::error::Result;
use crate::peer;
use crate::progress::{self, Sink};
use crate::store::{Serve, Store};

/// Answers the request of `kind`, whose fields `input` holds: its answer's frame. The match
/// names every request of the protocol, so that the compiler says which one has no answer.
fn dispatch(kind: RequestKind, input: Reader<'_>, store: &Store, sink: Sink) -> Vec<u8> {
    use RequestKind as K;
    let answer = match kind {
        K::FromSlice => respond::<p::FromSlice>,
        K::Fill => respond::<p::Fill>,
        K::Apply => respond::<p::Apply>,
        K::Combine => respond::<p::Combine>,
        K::WithScalar => respond::<p::WithScalar>,
        K::ApplyLinear => respond::<p::ApplyLinear>,
        K::ApplyLayerNorm => respond::<p::ApplyLayerNorm>,
        K::Mean => respond::<p::Mean>,
        K::Sum => respond::<p::Sum>,
        K::Max => respond::<p::Max>,
        K::MseLoss => respond::<p::MseLoss>,
        K::Backward => respond::<p::Backward>,
        K::ZeroGrad => respond::<p::ZeroGrad>,
        K::Size => respond::<p::Size>,
        K::DoubleValue => respond::<p::DoubleValue>,
        K::Item => respond::<p::Item>,
        K::Print => respond::<p::Print>,
        K::ManualSeed => respond::<p::ManualSeed>,
        K::Free => respond::<p::Free>,
        K::NewVarStore => respond::<p::NewVarStore>,
        K::NewLinear => respond::<p::NewLinear>,
        K::NewLayerNorm => respond::<p::NewLayerNorm>,
        K::NamedParameters => respond::<p::NamedParameters>,
        K::ZeroGrads => respond::<p::ZeroGrads>,
        K::NetworkConfig => respond::<gradflow::network::NetworkConfig>,
        K::Forward => respond::<p::Forward>,
        K::ParameterGradients => respond::<p::ParameterGradients>,
        K::Gradients => respond::<p::Gradients>,
        K::SweepConfig => respond::<gradflow::sweep::SweepConfig>,
        K::ActivationPairs => respond::<p::ActivationPairs>,
        K::Train => respond::<p::Train>,
        K::ExplorerConfig => respond::<gradflow::explore::ExplorerConfig>,
        K::Task => respond::<p::Task>,
        K::LandscapeConfig => respond::<gradflow::landscape::LandscapeConfig>,
        K::SurfaceDirections => respond::<p::SurfaceDirections>,
        K::MoveTo => respond::<p::MoveTo>,
        K::HessianConfig => respond::<gradflow::hessian::HessianConfig>,
        K::LossCurvature => respond::<p::LossCurvature>,
        K::Drawing => respond::<p::Drawing>,
        K::ExplorerHtml => respond::<p::ExplorerHtml>,
    };
    answer(kind, input, store, sink)
}

/// The error for a request this engine does not know.
fn unknown(name: &str) -> gradflow::Error {
    let known: Vec<&str> = RequestKind::ALL.iter().map(|kind| kind.name()).collect();
    gradflow::Error::Engine(format!(
        "has no request {name:?} (it answers {}); the engine and the notebook's crate are from \
         different sources: run `make setup` to rebuild the engine, then run the cell again",
        known.join(", ")
    ))
}

/// Reads request `R` and answers it, passing its progress lines to `sink`. A panic in
/// libtorch's bindings answers as an error; the engine keeps serving.
fn respond<R: Serve>(
    kind: RequestKind,
    mut input: Reader<'_>,
    store: &Store,
    sink: Sink,
) -> Vec<u8> {
    debug_assert_eq!(kind.name(), R::NAME, "the dispatch answers each request by its type");
    let answer = R::take(&mut input)
        .and_then(|request| input.finish().map(|()| request))
        .and_then(|request| {
            let answered = std::panic::catch_unwind(AssertUnwindSafe(|| {
                progress::with_sink(sink, || request.serve(store))
            }));
            match answered {
                Ok(answer) => answer.map_err(gradflow::Error::from),
                Err(_) => Err(gradflow::Error::Engine(
                    "failed while it computed (a panic); run the cell again, and report it if \
                     it happens again"
                        .to_owned(),
                )),
            }
        });
    wire::encode(&Frame::Done(answer))
}

/// How long the engine waits for the rest of a request that has begun.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections the engine answers at once, each on a thread of its own. A notebook
/// holds one at a time (two while a handle is dropped during a call); more are refused with a
/// message, so that no peer can make the engine start threads without end.
pub const MAX_CONNECTIONS: usize = 64;

/// Listens on `socket`, prints `ready` on standard output once it does, and answers until
/// standard input closes.
pub fn serve(socket: &Path) -> Result<()> {
    let io = |source| gradflow::Error::Io {
        path: socket.display().to_string(),
        source,
    };
    let listener = peer::bind(socket).map_err(io)?;
    println!("ready");
    let socket = socket.to_path_buf();
    std::thread::spawn(move || stop_when_stdin_closes(socket));
    let workers = Workers::new(Store::new());
    for stream in listener.incoming() {
        let stream = stream.map_err(io)?;
        // Another user's connection is closed unanswered (peer.rs).
        if !peer::is_own_user(&stream) {
            continue;
        }
        match workers.busy.fetch_add(1, Ordering::SeqCst) < MAX_CONNECTIONS {
            true => workers.answer(stream),
            false => {
                workers.busy.fetch_sub(1, Ordering::SeqCst);
                refuse_busy(stream);
            }
        }
    }
    Ok(())
}

/// The threads that answer connections: one per connection at a time, kept once started,
/// because starting a thread costs more than a tensor operation.
struct Workers {
    store: Arc<Store>,
    /// How many workers wait for a connection, not yet promised one.
    idle: Arc<AtomicUsize>,
    /// How many connections are being answered, at most [`MAX_CONNECTIONS`].
    busy: Arc<AtomicUsize>,
    sender: Sender<UnixStream>,
    receiver: Arc<Mutex<Receiver<UnixStream>>>,
}

impl Workers {
    fn new(store: Store) -> Workers {
        let (sender, receiver) = mpsc::channel();
        Workers {
            store: Arc::new(store),
            idle: Arc::new(AtomicUsize::new(0)),
            busy: Arc::new(AtomicUsize::new(0)),
            sender,
            receiver: Arc::new(Mutex::new(receiver)),
        }
    }

    /// Hands `stream` to a waiting worker, or to a new one where none waits, so that a long
    /// answer never holds up another connection.
    fn answer(&self, stream: UnixStream) {
        let promised = self
            .idle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        let stream = match promised {
            Ok(_) => match self.sender.send(stream) {
                Ok(()) => return,
                // The receiver lives as long as `self`; a stream refused anyway gets a worker.
                Err(refused) => refused.0,
            },
            Err(_) => stream,
        };
        let (store, idle, busy, receiver) = (
            Arc::clone(&self.store),
            Arc::clone(&self.idle),
            Arc::clone(&self.busy),
            Arc::clone(&self.receiver),
        );
        // A notebook that went away mid-answer needs no answer; either way its place is free.
        let serve = move |stream| {
            let _ = converse(stream, &store);
            busy.fetch_sub(1, Ordering::SeqCst);
        };
        std::thread::spawn(move || {
            serve(stream);
            loop {
                idle.fetch_add(1, Ordering::SeqCst);
                let next = receiver
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .recv();
                let Ok(stream) = next else { return };
                serve(stream);
            }
        });
    }
}

/// Answers a connection beyond [`MAX_CONNECTIONS`] with the error that says so, unread.
fn refuse_busy(stream: UnixStream) {
    let refused = gradflow::Error::Engine(format!(
        "is answering {MAX_CONNECTIONS} connections at once, the most it takes; this one was \
         refused unread: wait for the cells that are running, then run the cell again"
    ));
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let _ = write_message(
        &mut &stream,
        &wire::encode(&Frame::<()>::Done(Err(refused))),
    );
}

/// Waits for standard input to close, then removes the socket and ends the process.
fn stop_when_stdin_closes(socket: PathBuf) {
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    let _ = std::fs::remove_file(socket.with_extension("log"));
    let _ = std::fs::remove_file(&socket);
    std::process::exit(0);
}

/// Reads one request from `stream` and sends progress lines and the answer back.
fn converse(stream: UnixStream, store: &Store) -> std::io::Result<()> {
    // A notebook sends its request whole at once; a peer that stops halfway frees its worker.
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    let message = read_message(&mut BufReader::new(&stream));
    let writer = Arc::new(Mutex::new(stream));
    let send = |writer: &Mutex<UnixStream>, frame: &[u8]| {
        let mut stream = writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        write_message(&mut *stream, frame)
    };
    let tokens = match message {
        Ok(Some(tokens)) => tokens,
        Ok(None) => return Ok(()),
        Err(error) => {
            let refused = gradflow::Error::Engine(format!(
                "could not read a request ({error}); run `make setup` to rebuild the engine"
            ));
            return send(&writer, &wire::encode(&Frame::<()>::Done(Err(refused))));
        }
    };
    let sink: Sink = {
        let writer = Arc::clone(&writer);
        Arc::new(move |line: &str| {
            let _ = send(&writer, &wire::encode(&Frame::<()>::Progress(line.to_owned())));
        })
    };
    let answer = match gradflow::protocol::decode_request(&tokens) {
        Ok((frees, name, input)) => {
            // The values the notebook dropped since its last request go first.
            if !frees.is_empty() {
                store.lock().map(|mut values| values.free(&frees)).ok();
            }
            match RequestKind::named(&name) {
                Some(kind) => dispatch(kind, input, store, sink),
                None => wire::encode(&Frame::<()>::Done(Err(unknown(&name)))),
            }
        }
        Err(error) => wire::encode(&Frame::<()>::Done(Err(error))),
    };
    send(&writer, &answer)
}
