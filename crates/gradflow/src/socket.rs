//! Where this process's engine listens, and the checks that keep it private to its user.
//!
//! On a shared server (a JupyterHub class) the temporary folder is everyone's: another user could
//! create the socket's path first and answer in the engine's place, or connect to a student's
//! engine. So the socket lies in a folder that only its user can open: `$XDG_RUNTIME_DIR/gradflow`
//! when that variable is set (systemd makes the runtime folder at login, mode 700), else
//! `gradflow-<uid>` in the temporary folder, made with mode 700. A folder or a socket that another
//! user owns or can write is refused with an [`Error::Engine`] that says what to do, and never
//! used. The engine, on its side, answers only its own user.
//!
//! The user's id comes from `/proc/self/status`, so that this crate needs no `libc`.

use std::fs::{self, DirBuilder, Metadata};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The variable that names this user's runtime folder (the XDG Base Directory specification).
const RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";

/// The bits of a mode that let the group or others open or change a folder.
const OPEN_TO_OTHERS: u32 = 0o077;

/// The bits of a mode that let the group or others change a folder or connect to a socket.
const WRITABLE_BY_OTHERS: u32 = 0o022;

/// The socket of this process's engine, `engine-<pid>.sock` in this user's private folder; the
/// folder is made if need be, and the folder and any socket already there are checked.
pub(crate) fn engine_socket() -> Result<PathBuf> {
    let uid = current_uid()?;
    let folder = private_folder(uid)?;
    let socket = folder.join(format!("engine-{}.sock", std::process::id()));
    check_socket(&socket, uid)?;
    Ok(socket)
}

/// The effective user id of this process (the owner of the files it makes).
fn current_uid() -> Result<u32> {
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

/// This user's folder for the engine's socket, made with mode 700 if it is missing, and checked.
fn private_folder(uid: u32) -> Result<PathBuf> {
    let folder = match std::env::var_os(RUNTIME_DIR).filter(|dir| !dir.is_empty()) {
        Some(runtime) => {
            let runtime = PathBuf::from(runtime);
            check_runtime_dir(&runtime, uid)?;
            runtime.join("gradflow")
        }
        None => std::env::temp_dir().join(format!("gradflow-{uid}")),
    };
    match DirBuilder::new().mode(0o700).create(&folder) {
        Ok(()) => {}
        // Someone may have made it first, this user or another: the check says which.
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
        Err(error) => {
            return Err(Error::Engine(format!(
                "cannot make the folder for its socket, {} ({error}); check that you can write \
                 in {}, then run the cell again",
                folder.display(),
                folder.parent().unwrap_or(Path::new("/")).display()
            )))
        }
    }
    check_folder(&folder, uid)?;
    Ok(folder)
}

/// The metadata of `path` itself (a symbolic link is not followed), or the engine's error.
fn metadata(path: &Path) -> Result<Metadata> {
    fs::symlink_metadata(path).map_err(|error| {
        Error::Engine(format!(
            "cannot check {} ({error}); run the cell again",
            path.display()
        ))
    })
}

/// `$XDG_RUNTIME_DIR` must be this user's folder, which no one else can change.
fn check_runtime_dir(runtime: &Path, uid: u32) -> Result<()> {
    let found = fs::metadata(runtime).map_err(|error| {
        Error::Engine(format!(
            "cannot use {RUNTIME_DIR}={} ({error}) for its socket; set {RUNTIME_DIR} to a folder \
             of your own (mode 700) or unset it, then restart the kernel",
            runtime.display()
        ))
    })?;
    let problem = if !found.is_dir() {
        Some("is not a folder".to_owned())
    } else if found.uid() != uid {
        Some(format!(
            "belongs to another user (uid {}, you are uid {uid})",
            found.uid()
        ))
    } else if found.mode() & WRITABLE_BY_OTHERS != 0 {
        Some(format!(
            "can be changed by other users (mode {:o})",
            found.mode() & 0o777
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::Engine(format!(
            "does not put its socket in {RUNTIME_DIR}={}: that folder {problem}, so another user \
             could answer in the engine's place. Set {RUNTIME_DIR} to a folder of your own \
             (mode 700) or unset it, then restart the kernel",
            runtime.display()
        ))),
    }
}

/// The socket's folder must be a real folder of this user's that no one else can open.
fn check_folder(folder: &Path, uid: u32) -> Result<()> {
    let found = metadata(folder)?;
    let problem = if found.file_type().is_symlink() {
        Some("is a symbolic link".to_owned())
    } else if !found.is_dir() {
        Some("is not a folder".to_owned())
    } else if found.uid() != uid {
        Some(format!(
            "belongs to another user (uid {}, you are uid {uid})",
            found.uid()
        ))
    } else if found.mode() & OPEN_TO_OTHERS != 0 {
        Some(format!(
            "can be opened by other users (mode {:o})",
            found.mode() & 0o777
        ))
    } else {
        None
    };
    let Some(problem) = problem else {
        return Ok(());
    };
    let remedy = if found.uid() == uid && found.is_dir() && !found.file_type().is_symlink() {
        format!("run `chmod 700 {}`", folder.display())
    } else {
        format!(
            "ask your administrator to remove it, or set {RUNTIME_DIR} to a folder of your own \
             (mode 700)"
        )
    };
    Err(Error::Engine(format!(
        "refuses the folder for its socket, {}: it {problem}, so another user could answer in \
         the engine's place or reach it. It was not used: {remedy}, then run the cell again",
        folder.display()
    )))
}

/// A socket already at the engine's path must be this user's, and no one else's to connect to.
/// (None is made here: the engine binds it.)
fn check_socket(socket: &Path, uid: u32) -> Result<()> {
    let found = match fs::symlink_metadata(socket) {
        Ok(found) => found,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(Error::Engine(format!(
                "cannot check its socket {} ({error}); run the cell again",
                socket.display()
            )))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixListener;

    /// A fresh folder for one test, in the temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "gradflow-socket-test-{}-{name}",
            std::process::id()
        ));
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
    fn this_process_uid_owns_the_files_it_makes() {
        let dir = scratch("uid");
        assert_eq!(fs::metadata(&dir).unwrap().uid(), me());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_of_ones_own_with_mode_700_is_used() {
        let dir = scratch("own");
        assert!(check_folder(&dir, me()).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_others_can_open_is_refused_with_what_to_do() {
        let dir = scratch("open");
        for mode in [0o755, 0o770, 0o701, 0o777] {
            chmod(&dir, mode);
            let said = message(check_folder(&dir, me()).unwrap_err());
            assert!(
                said.starts_with("the gradflow engine refuses the folder for its socket"),
                "{said}"
            );
            assert!(
                said.contains(&format!("can be opened by other users (mode {mode:o})")),
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
    fn a_folder_of_another_user_is_refused() {
        let dir = scratch("other");
        let said = message(check_folder(&dir, me() + 1).unwrap_err());
        assert!(
            said.contains(&format!(
                "belongs to another user (uid {}, you are uid {})",
                me(),
                me() + 1
            )),
            "{said}"
        );
        assert!(
            said.contains("It was not used: ask your administrator to remove it"),
            "{said}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_symbolic_link_to_a_private_folder_is_refused() {
        let dir = scratch("link");
        let target = dir.join("target");
        DirBuilder::new().mode(0o700).create(&target).unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let said = message(check_folder(&link, me()).unwrap_err());
        assert!(said.contains("it is a symbolic link"), "{said}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_in_the_folders_place_is_refused() {
        let dir = scratch("file");
        let file = dir.join("file");
        fs::write(&file, "").unwrap();
        let said = message(check_folder(&file, me()).unwrap_err());
        assert!(said.contains("it is not a folder"), "{said}");
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
    fn a_runtime_dir_of_another_user_or_open_to_writes_is_refused() {
        let dir = scratch("runtime");
        assert!(check_runtime_dir(&dir, me()).is_ok());
        let said = message(check_runtime_dir(&dir, me() + 1).unwrap_err());
        assert!(
            said.contains("XDG_RUNTIME_DIR") && said.contains("belongs to another user"),
            "{said}"
        );
        chmod(&dir, 0o777);
        let said = message(check_runtime_dir(&dir, me()).unwrap_err());
        assert!(
            said.contains("can be changed by other users (mode 777)"),
            "{said}"
        );
        let said = message(check_runtime_dir(&dir.join("missing"), me()).unwrap_err());
        assert!(said.contains("cannot use XDG_RUNTIME_DIR="), "{said}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_socket_lies_in_a_private_folder_of_the_runtime_dir() {
        // The only test that reads or sets the variable, so that tests on other threads see
        // no change of it.
        let dir = scratch("xdg");
        let before = std::env::var_os(RUNTIME_DIR);
        std::env::set_var(RUNTIME_DIR, &dir);
        let socket = engine_socket();
        match before {
            Some(before) => std::env::set_var(RUNTIME_DIR, before),
            None => std::env::remove_var(RUNTIME_DIR),
        }
        let socket = socket.unwrap();
        assert_eq!(
            socket,
            dir.join("gradflow")
                .join(format!("engine-{}.sock", std::process::id()))
        );
        let folder = fs::metadata(dir.join("gradflow")).unwrap();
        assert_eq!((folder.uid(), folder.mode() & 0o777), (me(), 0o700));
        fs::remove_dir_all(dir).unwrap();
    }
}
