//! Where this process's engine listens, and the checks that keep it private to its user.
//!
//! On a shared server (a JupyterHub class) the temporary folder is everyone's: a classmate could
//! make a fixed name there first, or lead a path elsewhere through a link they own. So no name a
//! classmate can guess is ever needed. The socket lies in a folder of this user's that no one
//! else can open, the first of these that passes the checks below:
//! 1. `$GRADFLOW_SOCKET_DIR`, which the kernel (`scripts/kernel`) makes for its whole life, and
//!    which a process that makes its own remembers there for its later cells;
//! 2. `$XDG_RUNTIME_DIR/gradflow`, where the system gives the user a runtime folder (mode 700);
//! 3. a new folder in the temporary folder with a name no one can guess (`gradflow-` and 16
//!    random hexadecimal digits), made at once with mode 700, as `mkdtemp` makes one.
//!
//! A folder is checked as OpenSSH checks its files under `StrictModes`: the folder and every
//! folder above it up to `/` belong to this user or to root, no link is followed, and none can be
//! changed by another user, except a folder with the sticky bit (as `/tmp`), where others cannot
//! move or remove what this user made. The folder itself belongs to this user and no one else
//! can open it. The walk opens each folder from the descriptor of the one above it (through
//! `/proc/self/fd`, as `openat` would), so a link swapped in during the walk is never followed.
//! Once it passes, only this user or root can change any folder on the path, so the path leads
//! to the same place when the engine binds or the client connects. The client then checks the
//! process that answers (`engine.rs`), so even a socket put in place by root is never believed.
//!
//! The user's id comes from `/proc/self/status` and random bytes from `/dev/urandom`, so that
//! this crate needs no `libc`.

use std::fs::{self, DirBuilder, File, Metadata, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The variable that names this kernel's socket folder.
const SOCKET_DIR: &str = "GRADFLOW_SOCKET_DIR";

/// The variable that names this user's runtime folder (the XDG Base Directory specification).
const RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";

/// The bits of a mode that let the group or others open or change a folder.
const OPEN_TO_OTHERS: u32 = 0o077;

/// The bits of a mode that let the group or others change a folder or connect to a socket.
const WRITABLE_BY_OTHERS: u32 = 0o022;

/// The bit that lets only an entry's owner move or remove it from a folder others can write.
const STICKY: u32 = 0o1000;

/// open(2)'s flags, which std does not name: these architectures have values of their own.
#[cfg(any(
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "powerpc",
    target_arch = "powerpc64"
))]
mod open_flags {
    pub const O_NOFOLLOW: i32 = 0o100000;
    pub const O_DIRECTORY: i32 = 0o40000;
}

/// open(2)'s flags, which std does not name: the values most architectures share.
#[cfg(not(any(
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "powerpc",
    target_arch = "powerpc64"
)))]
mod open_flags {
    pub const O_NOFOLLOW: i32 = 0o400000;
    pub const O_DIRECTORY: i32 = 0o200000;
}

use open_flags::{O_DIRECTORY, O_NOFOLLOW};

/// The socket of this process's engine, `engine-<pid>.sock` in this user's private folder; the
/// folder is chosen (and made if need be) and checked, and so is any socket already there.
pub(crate) fn engine_socket() -> Result<PathBuf> {
    let uid = current_uid()?;
    let folder = private_folder(uid)?;
    let socket = folder.join(format!("engine-{}.sock", std::process::id()));
    check_socket(&socket, uid)?;
    Ok(socket)
}

/// The effective user id of this process (the owner of the files it makes), read once: every
/// request checks its engine against it.
fn current_uid() -> Result<u32> {
    static UID: OnceLock<u32> = OnceLock::new();
    if let Some(uid) = UID.get() {
        return Ok(*uid);
    }
    let uid = read_uid()?;
    Ok(*UID.get_or_init(|| uid))
}

/// The effective user id, from `/proc/self/status`.
fn read_uid() -> Result<u32> {
    let status = fs::read_to_string("/proc/self/status").map_err(|error| {
        Error::Engine(format!(
            "cannot tell which user runs this notebook (/proc/self/status: {error}); \
             gradflow needs Linux with /proc mounted"
        ))
    })?;
    effective_uid(&status).ok_or_else(|| {
        Error::Engine(
            "cannot tell which user runs this notebook (/proc/self/status has no Uid line); \
             gradflow needs Linux with /proc mounted"
                .to_owned(),
        )
    })
}

/// The effective user id in the text of `/proc/<pid>/status` (its `Uid:` line lists the real,
/// effective, saved and file-system ids).
fn effective_uid(status: &str) -> Option<u32> {
    let ids = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    ids.split_whitespace().nth(1)?.parse().ok()
}

/// A variable's value as a path, if it is set and not empty.
fn variable(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// This user's folder for the engine's socket: the first of the module's three that passes
/// [`check_private`]. A folder that fails is passed over, never used or waited on: nothing a
/// classmate makes is needed.
fn private_folder(uid: u32) -> Result<PathBuf> {
    if let Some(folder) = variable(SOCKET_DIR) {
        if check_private(&folder, uid).is_ok() {
            return Ok(folder);
        }
    }
    if let Some(runtime) = variable(RUNTIME_DIR) {
        if check_private(&runtime, uid).is_ok() {
            let folder = runtime.join("gradflow");
            // Only this user can make it there; one made before is checked all the same.
            let _ = DirBuilder::new().mode(0o700).create(&folder);
            if check_private(&folder, uid).is_ok() {
                return Ok(folder);
            }
        }
    }
    let folder = unguessable_folder(&std::env::temp_dir(), uid)?;
    // Later calls of this process (a kernel's later cells) use the same folder and engine.
    std::env::set_var(SOCKET_DIR, &folder);
    Ok(folder)
}

/// A new folder in `parent`, mode 700, whose name no one can guess. It must pass
/// [`check_private`] (so must `parent`, as a folder above it), or it is removed again.
fn unguessable_folder(parent: &Path, uid: u32) -> Result<PathBuf> {
    let mut random = [0u8; 8];
    for _ in 0..16 {
        File::open("/dev/urandom")
            .and_then(|mut urandom| urandom.read_exact(&mut random))
            .map_err(|error| {
                Error::Engine(format!(
                    "cannot name a private folder for its socket (/dev/urandom: {error})"
                ))
            })?;
        let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let folder = parent.join(format!("gradflow-{name}"));
        // `mkdir` makes it or fails: a name taken, by chance or by anyone, is never used.
        match DirBuilder::new().mode(0o700).create(&folder) {
            Ok(()) => {
                if let Err(error) = check_private(&folder, uid) {
                    let _ = fs::remove_dir(&folder);
                    return Err(error);
                }
                return Ok(folder);
            }
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(Error::Engine(format!(
                    "cannot make a folder for its socket in {} ({error}); check that you can \
                     write there, or set TMPDIR to a folder of your own, then run the cell again",
                    parent.display()
                )))
            }
        }
    }
    Err(Error::Engine(format!(
        "found 16 random names taken in {}; run the cell again",
        parent.display()
    )))
}

/// `folder` and every folder above it belong to this user or root, are no links, and cannot be
/// changed by anyone else (but for the sticky bit above it); the folder itself is this user's
/// and no one else can open it.
fn check_private(folder: &Path, uid: u32) -> Result<()> {
    let checked = check_folders(folder, uid)?;
    let found = checked
        .metadata()
        .map_err(|error| cannot_check(folder, error))?;
    if found.uid() != uid {
        return Err(refused(
            folder,
            folder,
            &format!(
                "belongs to another user (uid {}, you are uid {uid})",
                found.uid()
            ),
            "it was passed over; ask your administrator to remove it".to_owned(),
        ));
    }
    if found.mode() & OPEN_TO_OTHERS != 0 {
        return Err(refused(
            folder,
            folder,
            &format!(
                "can be opened by other users (mode {:o})",
                found.mode() & 0o777
            ),
            format!("run `chmod 700 {}`", folder.display()),
        ));
    }
    Ok(())
}

/// Walks from `/` to `path`, opening each folder from the descriptor of the one above it without
/// following a link, and checks each: owned by this user or root, writable by no one else, but
/// for a folder above `path` with the sticky bit, where others cannot move or remove what is
/// not theirs. (Builds need more, and the kernel checks their folders: `scripts/pins.sh`.)
/// Returns the open folder.
fn check_folders(path: &Path, uid: u32) -> Result<File> {
    if !path.is_absolute() {
        return Err(Error::Engine(format!(
            "cannot check {}: not an absolute path; name folders from /",
            path.display()
        )));
    }
    let names: Vec<_> = path
        .components()
        .filter(|part| !matches!(part, Component::RootDir | Component::CurDir))
        .collect();
    let mut folder = File::open("/").map_err(|error| cannot_check(Path::new("/"), error))?;
    let mut reached = PathBuf::from("/");
    check_one(&folder, &reached, path, uid, names.is_empty())?;
    for (index, name) in names.iter().enumerate() {
        let Component::Normal(name) = name else {
            return Err(Error::Engine(format!(
                "cannot check {}: it goes up with `..`; name the folder directly",
                path.display()
            )));
        };
        reached.push(name);
        // Through the open folder's descriptor, which names that very folder whatever has
        // happened to its path since; O_NOFOLLOW refuses a link, O_DIRECTORY anything else.
        let below = Path::new("/proc/self/fd")
            .join(folder.as_raw_fd().to_string())
            .join(name);
        let next = OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW | O_DIRECTORY)
            .open(&below);
        folder = match next {
            Ok(next) => next,
            Err(error) => return Err(not_a_folder(&below, &reached, path, error)),
        };
        check_one(&folder, &reached, path, uid, index + 1 == names.len())?;
    }
    Ok(folder)
}

/// One folder of the walk: this user's or root's, and no one else's to change.
fn check_one(folder: &File, reached: &Path, path: &Path, uid: u32, last: bool) -> Result<()> {
    let found = folder
        .metadata()
        .map_err(|error| cannot_check(reached, error))?;
    let remedy = || {
        format!(
            "ask your administrator to make {} writable by its owner alone, or set TMPDIR to \
             a folder of your own",
            reached.display()
        )
    };
    if found.uid() != uid && found.uid() != 0 {
        return Err(refused(
            path,
            reached,
            &format!(
                "belongs to another user (uid {}, you are uid {uid})",
                found.uid()
            ),
            remedy(),
        ));
    }
    let sticky_allowed = !last && found.mode() & STICKY != 0;
    if found.mode() & WRITABLE_BY_OTHERS != 0 && !sticky_allowed {
        return Err(refused(
            path,
            reached,
            &format!(
                "can be changed by other users (mode {:o})",
                found.mode() & 0o7777
            ),
            remedy(),
        ));
    }
    Ok(())
}

/// The error for a path whose part `reached` could not be opened as a folder.
fn not_a_folder(below: &Path, reached: &Path, path: &Path, error: std::io::Error) -> Error {
    if error.kind() == ErrorKind::NotFound {
        return Error::Engine(format!(
            "cannot use {}: {} does not exist",
            path.display(),
            reached.display()
        ));
    }
    // What is there instead, as `lstat` sees it (it does not follow a link either).
    let problem = match fs::symlink_metadata(below) {
        Ok(found) if found.file_type().is_symlink() => "is a symbolic link".to_owned(),
        Ok(found) if !found.is_dir() => "is not a folder".to_owned(),
        _ => format!("cannot be opened ({error})"),
    };
    refused(
        path,
        reached,
        &problem,
        "it was not followed; ask your administrator to remove it".to_owned(),
    )
}

/// The error for a folder that fails a check, `reached` being `path` or a folder above it.
fn refused(path: &Path, reached: &Path, problem: &str, remedy: String) -> Error {
    let which = match reached == path {
        true => "it".to_owned(),
        false => format!("{} above it", reached.display()),
    };
    Error::Engine(format!(
        "refuses the folder {}: {which} {problem}, so another user could answer in the engine's \
         place or reach it. It was not used: {remedy}, then run the cell again",
        path.display()
    ))
}

fn cannot_check(path: &Path, error: std::io::Error) -> Error {
    Error::Engine(format!(
        "cannot check {} ({error}); run the cell again",
        path.display()
    ))
}

/// A socket already at the engine's path must be this user's, and no one else's to connect to.
/// (None is made here: the engine binds it.)
fn check_socket(socket: &Path, uid: u32) -> Result<()> {
    let found: Metadata = match fs::symlink_metadata(socket) {
        Ok(found) => found,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(cannot_check(socket, error)),
    };
    let problem = if found.uid() != uid {
        format!(
            "belongs to another user (uid {}, you are uid {uid})",
            found.uid()
        )
    } else if found.file_type().is_socket() && found.mode() & WRITABLE_BY_OTHERS != 0 {
        format!("lets other users connect (mode {:o})", found.mode() & 0o777)
    } else {
        // This user's own: a socket left by an engine that died, or anything else, which
        // starting the engine replaces.
        return Ok(());
    };
    Err(Error::Engine(format!(
        "refuses the socket {}: it {problem}. It was not used: remove it \
         (`rm {}`), then run the cell again",
        socket.display(),
        socket.display()
    )))
}

/// The process listening at the other end of `stream` must run as this user: a socket that
/// someone else listens on (put in place by root, or reached through a swapped folder) is never
/// asked, and nothing it sent is read. The kernel records the listener's credentials when it
/// listens (`SO_PEERCRED`), so they cannot be forged.
pub(crate) fn check_peer(stream: &UnixStream, socket: &Path) -> Result<()> {
    let uid = current_uid()?;
    let peer = peer_uid(stream).map_err(|error| cannot_check(socket, error))?;
    if peer == uid {
        return Ok(());
    }
    Err(Error::Engine(format!(
        "refuses the socket {}: the process listening there runs as another user (uid {peer}, \
         you are uid {uid}), so it is not your engine. It was not asked, and nothing it sent \
         was shown: tell your administrator, then restart the kernel",
        socket.display()
    )))
}

/// The user id that the peer of `stream` had when it connected or listened.
fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    use std::ffi::{c_int, c_void};

    /// `struct ucred` of `<sys/socket.h>`.
    #[repr(C)]
    struct Ucred {
        pid: i32,
        uid: u32,
        gid: u32,
    }
    // `getsockopt(2)` of the C library that std links already (std does not offer it yet).
    extern "C" {
        fn getsockopt(
            socket: c_int,
            level: c_int,
            name: c_int,
            value: *mut c_void,
            length: *mut u32,
        ) -> c_int;
    }
    #[cfg(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64"))]
    const SOL_SOCKET: c_int = 0xffff;
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64")))]
    const SOL_SOCKET: c_int = 1;
    #[cfg(any(target_arch = "powerpc", target_arch = "powerpc64"))]
    const SO_PEERCRED: c_int = 21;
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    const SO_PEERCRED: c_int = 18;
    #[cfg(target_arch = "sparc64")]
    const SO_PEERCRED: c_int = 0x40;
    #[cfg(not(any(
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc64"
    )))]
    const SO_PEERCRED: c_int = 17;

    let mut credentials = Ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };
    let mut length = std::mem::size_of::<Ucred>() as u32;
    // SAFETY: the descriptor is a Unix socket that `stream` keeps open for the call, and
    // `credentials` is a `ucred` whose size `length` gives, which is what SO_PEERCRED writes.
    let done = unsafe {
        getsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_PEERCRED,
            std::ptr::addr_of_mut!(credentials).cast(),
            &mut length,
        )
    };
    if done != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(credentials.uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixListener;

    /// A fresh folder for one test, in the workspace's target folder: not in the temporary
    /// folder, whose sticky bit passes for a socket's folder but not for a build's.
    fn scratch(name: &str) -> PathBuf {
        let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/socket-tests");
        fs::create_dir_all(&tests).unwrap();
        let dir = tests
            .canonicalize()
            .unwrap()
            .join(format!("{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        DirBuilder::new().mode(0o700).create(&dir).unwrap();
        dir
    }

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn me() -> u32 {
        current_uid().unwrap()
    }

    fn message(error: Error) -> String {
        error.to_string()
    }

    #[test]
    fn the_effective_uid_is_the_second_of_the_uid_line() {
        let status = "Name:\tcat\nUmask:\t0022\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\t5\t5\t5\n";
        assert_eq!(effective_uid(status), Some(1001));
        assert_eq!(effective_uid("Name:\tcat\n"), None);
        assert_eq!(effective_uid("Uid:\tx\ty\n"), None);
    }

    #[test]
    fn a_folder_of_ones_own_with_mode_700_is_used() {
        let dir = scratch("own");
        assert!(check_private(&dir, me()).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_others_can_open_is_refused_with_what_to_do() {
        let dir = scratch("open");
        for mode in [0o755, 0o750, 0o701, 0o705] {
            chmod(&dir, mode);
            let said = message(check_private(&dir, me()).unwrap_err());
            assert!(
                said.starts_with(&format!(
                    "the gradflow engine refuses the folder {}: it can be opened by other users \
                     (mode {mode:o})",
                    dir.display()
                )),
                "{said}"
            );
            assert!(
                said.contains(&format!("run `chmod 700 {}`", dir.display())),
                "{said}"
            );
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_others_can_change_is_refused_even_with_the_sticky_bit() {
        let dir = scratch("writable");
        for mode in [0o777, 0o1777, 0o720, 0o702] {
            chmod(&dir, mode);
            let said = message(check_private(&dir, me()).unwrap_err());
            assert!(
                said.contains(&format!("it can be changed by other users (mode {mode:o})")),
                "{said}"
            );
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_of_another_user_is_refused() {
        let dir = scratch("other");
        let said = message(check_private(&dir, me() + 1).unwrap_err());
        // Root's folders above are allowed; this user's are another user's to uid + 1.
        assert!(
            said.contains(&format!(
                "belongs to another user (uid {}, you are uid {})",
                me(),
                me() + 1
            )),
            "{said}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_above_that_others_can_change_is_refused_unless_sticky() {
        let dir = scratch("above");
        let inner = dir.join("inner");
        DirBuilder::new().mode(0o700).create(&inner).unwrap();
        chmod(&dir, 0o777);
        let said = message(check_private(&inner, me()).unwrap_err());
        assert!(
            said.contains(&format!(
                "{} above it can be changed by other users (mode 777)",
                dir.display()
            )),
            "{said}"
        );
        // The sticky bit keeps others from moving `inner` away.
        chmod(&dir, 0o1777);
        assert!(check_private(&inner, me()).is_ok());
        chmod(&dir, 0o700);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_symbolic_link_on_the_way_is_refused_and_not_followed() {
        let dir = scratch("link");
        let target = dir.join("target");
        DirBuilder::new().mode(0o700).create(&target).unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let said = message(check_private(&link, me()).unwrap_err());
        assert!(said.contains("it is a symbolic link"), "{said}");
        let said = message(check_private(&link.join("deeper"), me()).unwrap_err());
        assert!(
            said.contains(&format!("{} above it is a symbolic link", link.display())),
            "{said}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_in_the_folders_place_is_refused() {
        let dir = scratch("file");
        let file = dir.join("file");
        fs::write(&file, "").unwrap();
        let said = message(check_private(&file, me()).unwrap_err());
        assert!(said.contains("it is not a folder"), "{said}");
        let said = message(check_private(&dir.join("missing"), me()).unwrap_err());
        assert!(said.contains("does not exist"), "{said}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_new_folder_is_private_and_never_one_that_was_there() {
        let dir = scratch("unguessable");
        let first = unguessable_folder(&dir, me()).unwrap();
        let second = unguessable_folder(&dir, me()).unwrap();
        assert_ne!(first, second);
        for folder in [&first, &second] {
            let name = folder.file_name().unwrap().to_str().unwrap();
            let digits = name.strip_prefix("gradflow-").unwrap();
            assert!(
                digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}"
            );
            let found = fs::symlink_metadata(folder).unwrap();
            assert_eq!((found.uid(), found.mode() & 0o7777), (me(), 0o700));
        }
        // A parent that others can change without the sticky bit gets no folder.
        chmod(&dir, 0o777);
        let said = message(unguessable_folder(&dir, me()).unwrap_err());
        assert!(
            said.contains("above it can be changed by other users (mode 777)"),
            "{said}"
        );
        chmod(&dir, 0o700);
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            2,
            "the refused folder was removed"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_socket_or_ones_own_private_socket_passes() {
        let dir = scratch("socket");
        let socket = dir.join("engine.sock");
        assert!(check_socket(&socket, me()).is_ok());
        let _listener = UnixListener::bind(&socket).unwrap();
        chmod(&socket, 0o600);
        assert!(check_socket(&socket, me()).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_socket_of_another_user_or_open_to_others_is_refused() {
        let dir = scratch("planted");
        let socket = dir.join("engine.sock");
        let _listener = UnixListener::bind(&socket).unwrap();
        chmod(&socket, 0o600);
        let said = message(check_socket(&socket, me() + 1).unwrap_err());
        assert!(
            said.starts_with(&format!(
                "the gradflow engine refuses the socket {}",
                socket.display()
            )),
            "{said}"
        );
        assert!(said.contains("belongs to another user"), "{said}");
        chmod(&socket, 0o777);
        let said = message(check_socket(&socket, me()).unwrap_err());
        assert!(
            said.contains("lets other users connect (mode 777)"),
            "{said}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_peer_of_this_user_passes_the_peer_check() {
        let (a, b) = UnixStream::pair().unwrap();
        assert_eq!(peer_uid(&a).unwrap(), me());
        assert!(check_peer(&b, Path::new("pair")).is_ok());
    }

    #[test]
    fn the_socket_folder_is_the_kernels_then_the_runtime_dirs_else_a_new_one() {
        // The only test that reads or sets the variables, so that tests on other threads see
        // no change of them.
        let dir = scratch("variables");
        let saved: Vec<_> = [SOCKET_DIR, RUNTIME_DIR]
            .iter()
            .map(|&name| (name, std::env::var_os(name)))
            .collect();
        let kernels = dir.join("kernels");
        let runtime = dir.join("runtime");
        for folder in [&kernels, &runtime] {
            DirBuilder::new().mode(0o700).create(folder).unwrap();
        }
        std::env::set_var(SOCKET_DIR, &kernels);
        std::env::set_var(RUNTIME_DIR, &runtime);
        let chosen = [
            private_folder(me()),
            {
                // The kernel's folder opened to others is passed over for the runtime folder.
                chmod(&kernels, 0o777);
                private_folder(me())
            },
            {
                // So is a runtime folder that others can change: a new private folder is made.
                chmod(&runtime, 0o777);
                private_folder(me())
            },
        ];
        let remembered = std::env::var_os(SOCKET_DIR);
        for (name, value) in saved {
            match value {
                Some(value) => std::env::set_var(name, value),
                None => std::env::remove_var(name),
            }
        }
        let [kernel, runtime_dir, new] = chosen.map(Result::unwrap);
        assert_eq!(kernel, kernels);
        assert_eq!(runtime_dir, runtime.join("gradflow"));
        let found = fs::metadata(&runtime_dir).unwrap();
        assert_eq!((found.uid(), found.mode() & 0o777), (me(), 0o700));
        assert_eq!(new.parent(), Some(std::env::temp_dir().as_path()));
        assert_eq!(remembered, Some(new.clone().into_os_string()));
        fs::remove_dir(new).unwrap();
        chmod(&kernels, 0o700);
        chmod(&runtime, 0o700);
        fs::remove_dir_all(dir).unwrap();
    }
}
