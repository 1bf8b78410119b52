//! The notebook's side of the boundary: asks the engine (the `gradflow` program of the
//! `gradflow-engine` crate, which links libtorch) to compute and draw, and brings back plain
//! results and [`Handle`]s to the values that stay there.
//!
//! evcxr links this crate into every cell anew, so nothing can be kept in a static from one cell
//! to the next. The engine therefore listens on a socket named after this process: each call
//! connects, sends one request (with the values dropped since the last, to free) and reads the
//! engine's progress lines and its answer. The first
//! call starts the engine; it stops when this process ends (its standard input closes). A
//! missing, broken or dead engine is an [`Error::Engine`] that says what to do, and the next
//! call starts a new one.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::protocol::{encode_request, Free, Request};
use crate::wire::{self, read_message, write_message, Frame, Id, MAX_MESSAGE};

/// The variable that names the engine's program; the kernel sets it to what the set-up built.
pub const PROGRAM_VARIABLE: &str = "GRADFLOW_ENGINE";

/// Where the set-up builds the engine (`cargo build --release`) in this workspace.
const RELEASE_PROGRAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/release/gradflow");

/// Where `cargo test` builds it in a debug profile.
const DEBUG_PROGRAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/debug/gradflow");

/// How many dropped values wait to be freed before a drop sends them at once.
const FREE_BATCH: usize = 4096;

/// How long dropped values wait for a request to travel with before they are sent alone.
const FREE_DELAY: Duration = Duration::from_millis(20);

/// Sends `request` to this process's engine, with the values dropped since the last request,
/// and returns its answer; passes on its progress lines (on standard error, as a long call in
/// the cell would). The engine is started first where none answers, unless the request is about
/// values an engine holds ([`Request::STARTS_ENGINE`]): a new engine would not hold them.
pub fn ask<R: Request>(request: &R) -> Result<R::Answer> {
    let frees = take_dropped();
    let message = encode_request(request, &frees);
    if message.len() > MAX_MESSAGE {
        // The frees wait for the next request.
        lock(&DROPPED).extend(frees);
        return Err(Error::invalid(
            format!("the size of the request {:?}", R::NAME),
            format!("{} MiB", message.len() >> 20),
            format!(
                "at most {} MiB, the longest message the engine reads",
                MAX_MESSAGE >> 20
            ),
        ));
    }
    let stream = match R::STARTS_ENGINE {
        true => connect()?,
        false => running()?.ok_or_else(Error::engine_stopped_since)?,
    };
    converse::<R>(&stream, &message)
}

/// A value that lives in the engine, owned by the notebook: dropping it frees the value there.
#[derive(Debug)]
pub struct Handle(Id);

impl Handle {
    /// Takes ownership of a value the engine has just made for this notebook.
    pub(crate) fn new(id: Id) -> Self {
        Handle(id)
    }

    /// How requests name the value.
    pub(crate) fn id(&self) -> Id {
        self.0
    }
}

/// The values dropped and not yet freed, and the signal that wakes the thread that frees them.
static DROPPED: Mutex<Vec<Id>> = Mutex::new(Vec::new());
static DROPPED_SIGNAL: Condvar = Condvar::new();

impl Drop for Handle {
    /// Frees the value in the engine that made it: with the next request, or, where none comes
    /// within [`FREE_DELAY`] (a cell that ends), alone; a loop that drops many values sends them
    /// [`FREE_BATCH`] at a time. An engine that has stopped since freed everything with it, so
    /// none is started for this.
    fn drop(&mut self) {
        let mut dropped = lock(&DROPPED);
        dropped.push(self.0);
        match dropped.len() {
            FREE_BATCH.. => {
                let ids = std::mem::take(&mut *dropped);
                drop(dropped);
                free(ids);
            }
            1 => {
                start_freeing_thread();
                DROPPED_SIGNAL.notify_one();
            }
            _ => {}
        }
    }
}

/// The values dropped since the last request, to send with the next.
fn take_dropped() -> Vec<Id> {
    std::mem::take(&mut *lock(&DROPPED))
}

/// Frees `ids` in the engine that answers now, if one does.
fn free(ids: Vec<Id>) {
    if let Ok(Some(stream)) = running() {
        let _ = converse::<Free>(&stream, &encode_request(&Free { ids }, &[]));
    }
}

/// Starts, once in this copy of the crate (evcxr links one into each cell), the thread that
/// frees the values dropped when no request follows them.
fn start_freeing_thread() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| loop {
            let mut dropped = lock(&DROPPED);
            while dropped.is_empty() {
                dropped = DROPPED_SIGNAL
                    .wait(dropped)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            drop(dropped);
            std::thread::sleep(FREE_DELAY);
            let ids = take_dropped();
            if !ids.is_empty() {
                free(ids);
            }
        });
    });
}

/// A lock that a panic elsewhere cannot have left inconsistent: it holds plain values.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One request on `stream`: sends its `message`, passes on the progress lines, returns the
/// answer.
fn converse<R: Request>(stream: &UnixStream, message: &[u8]) -> Result<R::Answer> {
    write_message(&mut &*stream, message).map_err(|_| cut_off())?;
    let mut answers = BufReader::new(stream);
    loop {
        let tokens = read_message(&mut answers)
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::InvalidData => wire::garbled(&error.to_string()),
                _ => cut_off(),
            })?
            .ok_or_else(cut_off)?;
        match wire::decode::<Frame<R::Answer>>(&tokens)? {
            Frame::Progress(line) => eprintln!("{line}"),
            Frame::Done(answer) => return answer,
        }
    }
}

/// The error for a connection that ended before its answer: the engine stopped, or, where it
/// still answers, it closed this one connection.
fn cut_off() -> Error {
    let still_answers = running()
        .ok()
        .flatten()
        .is_some_and(|stream| answers(&stream));
    Error::Engine(match still_answers {
        true => "closed the connection before it answered, and still runs with every value the \
                 notebook holds; see its log beside its socket for why, then run the cell again"
            .to_owned(),
        false => "stopped before it answered (it may have run out of memory or been killed); \
                  run the cell again to start a new one"
            .to_owned(),
    })
}

/// Whether the engine on `stream` answers an empty `Free`. A connection alone does not tell:
/// an engine that is being killed can still accept one while its other connections close.
fn answers(stream: &UnixStream) -> bool {
    let message = encode_request(&Free { ids: Vec::new() }, &[]);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    write_message(&mut &*stream, &message).is_ok()
        && matches!(read_message(&mut BufReader::new(stream)), Ok(Some(_)))
}

/// The socket of this process's engine, in a folder only this user can open (`socket.rs`).
/// The folder is checked once in a process (in evcxr, once a cell): once it and the folders
/// above it pass, no one else can put a socket in it or lead its path elsewhere.
pub fn socket() -> Result<PathBuf> {
    // Under a lock, so that threads starting at once (tests) choose one folder, not one each.
    static CHECKED: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut checked = lock(&CHECKED);
    if let Some(socket) = &*checked {
        return Ok(socket.clone());
    }
    let socket = crate::socket::engine_socket()?;
    *checked = Some(socket.clone());
    Ok(socket)
}

/// The engine's program: [`PROGRAM_VARIABLE`] if set, else the one built in this workspace
/// with this crate's profile (that of `cargo test`), else the one the set-up builds.
pub fn program() -> PathBuf {
    if let Some(program) = std::env::var_os(PROGRAM_VARIABLE) {
        return PathBuf::from(program);
    }
    let same_profile = if cfg!(debug_assertions) {
        DEBUG_PROGRAM
    } else {
        RELEASE_PROGRAM
    };
    [same_profile, RELEASE_PROGRAM]
        .into_iter()
        .map(PathBuf::from)
        .find(|program| program.is_file())
        .unwrap_or_else(|| PathBuf::from(RELEASE_PROGRAM))
}

/// A connection to this process's engine if one answers; none is started.
fn running() -> Result<Option<UnixStream>> {
    connect_to(&socket()?)
}

/// A connection to this process's engine, started first if none answers.
fn connect() -> Result<UnixStream> {
    if let Some(stream) = running()? {
        return Ok(stream);
    }
    let socket = socket()?;
    // One start at a time: threads of one process (tests) share one engine.
    static STARTING: Mutex<()> = Mutex::new(());
    let _starting = lock(&STARTING);
    if let Some(stream) = connect_to(&socket)? {
        return Ok(stream);
    }
    start(&program(), &socket)?;
    connect_to(&socket)?.ok_or_else(|| {
        Error::Engine(format!(
            "started but does not answer at {}; run the cell again",
            socket.display()
        ))
    })
}

/// A connection to the engine listening at `socket`, if one does, checked to be this user's
/// before anything is sent or read (`socket.rs`).
fn connect_to(socket: &Path) -> Result<Option<UnixStream>> {
    let Ok(stream) = UnixStream::connect(socket) else {
        return Ok(None);
    };
    crate::socket::check_peer(&stream, socket)?;
    Ok(Some(stream))
}

/// Starts the engine on `socket` and waits until it listens.
fn start(program: &Path, socket: &Path) -> Result<()> {
    let setup =
        "run `make setup` in the gradflow folder (it builds the engine), then run the cell again";
    if !program.is_file() {
        return Err(Error::Engine(format!(
            "is not built: there is no program at {} ({PROGRAM_VARIABLE} names another); {setup}",
            program.display()
        )));
    }
    // A socket left by an engine that died.
    let _ = std::fs::remove_file(socket);
    let log = socket.with_extension("log");
    let io = |error: std::io::Error| Error::Engine(format!("cannot be started ({error}); {setup}"));
    let mut child = Command::new(program)
        .arg("serve")
        .arg(socket)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(File::create(&log).map_err(io)?)
        .spawn()
        .map_err(io)?;
    let mut ready = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut ready);
    }
    if ready.trim_end() != "ready" {
        let status = child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let said = said.trim().lines().last().unwrap_or("nothing").to_owned();
        let _ = std::fs::remove_file(&log);
        return Err(Error::Engine(format!(
            "at {} failed to start ({status}); it said: {said}; {setup}",
            program.display()
        )));
    }
    // The engine stops when its standard input closes, so a thread holds it open until this
    // process ends, and waits for the engine, so that one that dies leaves no zombie behind.
    // (`wait` closes a standard input it still owns: this one is taken out first.)
    let stdin = child.stdin.take();
    std::thread::spawn(move || {
        let _ = child.wait();
        drop(stdin);
    });
    Ok(())
}
