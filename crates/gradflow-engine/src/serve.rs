//! `gradflow serve SOCKET`: the engine the notebooks' light crate talks to ([`gradflow::engine`]).
//!
//! It listens on a Unix socket, answers each connection's one request on a thread of its own
//! (libtorch's generator is locked while weights are drawn, so answers do not mix), sends the
//! call's progress lines as they come, and stops when its standard input closes, which happens
//! when the notebook's process ends, however it ends.

use std::io::{BufReader, Read};
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gradflow::engine::{Frame, Request, Response};
use gradflow::wire::{self, read_message, write_message};

use crate::chart::{self, Drawn};
use crate::network::DeepNetwork;
use crate::peer;
use crate::progress::{self, Sink};
use crate::{explore, sweep, train, Result};

/// Answers one request.
pub fn answer(request: &Request) -> Result<Response> {
    Ok(match request {
        Request::Gradients {
            network,
            input,
            runs,
        } => Response::Report(DeepNetwork::new(network)?.accumulated_gradients(input, *runs)?),
        Request::Sweep(config) => Response::Sweep(sweep::run(config)?),
        Request::ActivationPairs { layer_sizes, seed } => {
            Response::Pairs(sweep::activation_pairs(layer_sizes, *seed)?)
        }
        Request::Train { config, variants } => {
            Response::Trainings(train::run_variants(config, variants)?)
        }
        Request::Explore(config) => Response::Explorer(explore::run(config)?),
        Request::Draw(drawing) => match chart::draw(drawing)? {
            Drawn::Svg(svg) => Response::Svg(svg),
            Drawn::Html(html) => Response::Html(html),
        },
    })
}

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
    for stream in listener.incoming() {
        let stream = stream.map_err(io)?;
        // Another user's connection is closed unanswered (peer.rs).
        if !peer::is_own_user(&stream) {
            continue;
        }
        std::thread::spawn(move || {
            // A notebook that went away mid-answer needs no answer.
            let _ = converse(stream);
        });
    }
    Ok(())
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
fn converse(stream: UnixStream) -> std::io::Result<()> {
    let Some(tokens) = read_message(&mut BufReader::new(&stream))? else {
        return Ok(());
    };
    let writer = Arc::new(Mutex::new(stream));
    let send = |writer: &Mutex<UnixStream>, frame: &Frame| {
        let mut stream = writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        write_message(&mut *stream, &wire::encode(frame))
    };
    let sink: Sink = {
        let writer = Arc::clone(&writer);
        Arc::new(move |line: &str| {
            let _ = send(&writer, &Frame::Progress(line.to_owned()));
        })
    };
    let answer = wire::decode_request(&tokens).and_then(|request| {
        // A panic in libtorch's bindings answers as an error; the engine keeps serving.
        let answered = std::panic::catch_unwind(AssertUnwindSafe(|| {
            progress::with_sink(sink, || answer(&request))
        }));
        match answered {
            Ok(answer) => answer.map_err(gradflow::Error::from),
            Err(_) => Err(gradflow::Error::Engine(
                "failed while it computed (a panic); run the cell again, and report it if it \
                 happens again"
                    .to_owned(),
            )),
        }
    });
    send(&writer, &Frame::Done(answer))
}
